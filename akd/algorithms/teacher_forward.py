"""How far, in what precision and memory layout a frozen teacher runs.

MMRazor's ``SingleTeacherDistill`` runs the teacher in ``loss`` mode: it
assigns labels, runs auxiliary heads and computes the teacher's own losses,
none of which distillation reads. A :class:`TeacherForward` runs the
teacher under ``no_grad`` only as far as its recorders need:

- ``'extract_feat'``: backbone and neck (what ``FpnTeacherDistill`` runs);
- ``'tensor'``: the model's tensor-mode forward, through the heads without
  their losses (mmdet's and mmseg's ``_forward``, see
  :func:`tensor_forward`);
- ``'loss'``: MMRazor's forward, for records that only the loss computes
  (label assignment, an mmseg auxiliary head);
- ``'auto'``: on the first batch, each of the above in that order, keeping
  the first whose records equal those of ``'loss'``, the forward MMRazor
  runs. Every rank keeps the most expensive choice of any rank, and the
  choice is logged once;
- ``'student_rois'``: for two-stage detectors, backbone, neck and the box
  branch of the RoI head on the student's sampled RoIs of the same step,
  after the student ran (:mod:`akd.algorithms.student_rois`); never chosen
  by ``'auto'``, because it records something else than ``'loss'`` does.

The teacher may run under autocast (``dtype``) and in ``channels_last``
layout; its records then come in half precision, and the distiller computes
every loss in float32 (:func:`akd.utils.full_precision.call_in_float32`).
"""
import contextlib
from typing import Any, Callable, Dict, Optional, Tuple, Union

import torch
from mmdet.models.detectors import SingleStageDetector
from mmengine.logging import print_log
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor, nn

from ..models.teacher_ensemble import TeacherEnsemble
from ..utils.rank_agreement import agreed_max
from .student_rois import StudentRoIs

RUNNABLE = ('extract_feat', 'tensor', 'loss')  # cheapest first
MODES = ('auto', *RUNNABLE, 'student_rois')
DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}
# Records of one forward: (loss, forward key) -> what that loss would read.
Records = Dict[Tuple[str, str], Any]
MISSING = object()


class TeacherForward:
    """One algorithm's teacher-forward policy.

    Args:
        mode (str): ``'auto'`` (default), ``'extract_feat'``, ``'tensor'``,
            ``'loss'`` or ``'student_rois'``; see the module docstring.
        dtype (str, optional): ``'bfloat16'`` or ``'float16'``: the
            teacher's autocast dtype. Applies on CUDA only unless
            ``dtype_on_cpu``. Defaults to None (float32).
        dtype_on_cpu (bool): Apply ``dtype`` on the CPU too (slow where the
            CPU has no bfloat16 arithmetic). Defaults to False.
        channels_last (bool): Run the teacher's 4-D inputs and weights in
            ``torch.channels_last`` layout. Defaults to False.
        key (str): The config prefix named in messages.
    """

    def __init__(self, mode: str = 'auto', dtype: Optional[str] = None,
                 dtype_on_cpu: bool = False, channels_last: bool = False,
                 key: str = 'model') -> None:
        if mode not in MODES:
            raise ValueError(
                f'{key}.teacher_forward={mode!r} is not a teacher forward: '
                f'give one of {", ".join(map(repr, MODES))}.')
        if dtype is not None and dtype not in DTYPES:
            raise ValueError(
                f'{key}.teacher_dtype={dtype!r} is not an autocast dtype: '
                "give 'bfloat16', 'float16' or None (float32).")
        for name, value in (('teacher_dtype_on_cpu', dtype_on_cpu),
                            ('teacher_channels_last', channels_last)):
            if not isinstance(value, bool):
                raise TypeError(
                    f'{key}.{name} must be True or False, got {value!r}.')
        self.mode = mode
        self.dtype = DTYPES.get(dtype)
        self.dtype_on_cpu = dtype_on_cpu
        self.channels_last = channels_last
        self.key = key

        self._student_rois: Optional[StudentRoIs] = None

    def prepare(self, algorithm) -> None:
        """Put the teacher's weights in the chosen layout; for
        ``'student_rois'``, check both detectors and watch the student's
        RoIs."""
        if self.channels_last:
            algorithm.teacher.to(memory_format=torch.channels_last)
        if self.mode == 'student_rois':
            if algorithm.distiller.deliveries.deliveries:
                raise ValueError(
                    f"{self.key}.teacher_forward='student_rois' runs the "
                    'teacher after the student, so distiller deliveries, '
                    'which replay the teacher\'s calls in the student, '
                    'cannot be used with it.')
            self._student_rois = StudentRoIs(algorithm.student,
                                             algorithm.teacher)

    def run_before_student(self, algorithm, inputs: Tensor,
                           data_samples) -> None:
        """Run ``algorithm``'s frozen teacher under its recorders, unless it
        runs on the student's RoIs."""
        if self.mode == 'student_rois':
            self._student_rois.start()
        elif self.mode == 'auto':
            self.mode = self._choose(algorithm, inputs, data_samples)
        else:
            self.run_mode(algorithm, self.mode, inputs, data_samples)

    def run_after_student(self, algorithm, inputs: Tensor,
                          data_samples) -> None:
        """Run the teacher on the student's RoIs, for ``'student_rois'``."""
        if self.mode == 'student_rois':
            self.run_mode(algorithm, self.mode, inputs, data_samples)

    def run_mode(self, algorithm, mode: str, inputs: Tensor,
                 data_samples) -> None:
        """Run the teacher as far as ``mode`` under its recorders, in the
        policy's precision and layout."""
        teacher, distiller = algorithm.teacher, algorithm.distiller
        if self.channels_last and inputs.dim() == 4:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with distiller.teacher_recorders, distiller.deliveries, \
                torch.no_grad(), self._autocast(inputs):
            if mode == 'extract_feat':
                teacher.extract_feat(inputs)
            elif mode == 'tensor':
                tensor_forward(teacher, inputs, data_samples)
            elif mode == 'student_rois':
                self._student_rois.run_teacher(teacher, inputs)
            else:
                teacher(inputs, data_samples, mode='loss')

    def _autocast(self, inputs: Tensor):
        """Autocast to ``dtype`` where it applies; otherwise the caller's
        context (AMP's autocast under ``--amp``) goes on."""
        device = inputs.device.type
        if self.dtype is None or (device != 'cuda' and not self.dtype_on_cpu):
            return contextlib.nullcontext()
        return torch.autocast(device_type=device, dtype=self.dtype)

    def _choose(self, algorithm, inputs: Tensor, data_samples) -> str:
        """Each runnable forward from the same RNG state; the cheapest whose
        records equal ``'loss'``'s. ``'loss'`` runs last, so its records are
        the ones this step's losses read, as under MMRazor."""
        cheap = [m for m in RUNNABLE[:-1]
                 if m != 'extract_feat' or hasattr(algorithm.teacher,
                                                   'extract_feat')]
        if algorithm.distiller.deliveries.deliveries:
            cheap = []  # deliveries replay the calls of a loss-mode forward
        rewind = _rewinder(inputs.device)
        attempts = {}
        for mode in cheap:
            rewind()
            attempts[mode] = self._attempt(algorithm, mode, inputs,
                                           data_samples)
        rewind()
        self.run_mode(algorithm, 'loss', inputs, data_samples)
        reference = teacher_records(algorithm.distiller)
        verdicts = {
            mode: got if isinstance(got, str) else difference(got, reference)
            for mode, got in attempts.items()
        }
        cheapest = next((m for m, v in verdicts.items() if v is None), 'loss')
        chosen = RUNNABLE[agreed_max(RUNNABLE.index(cheapest),
                                     inputs.device)]
        print_log(self._choice_message(chosen, verdicts), logger='current')
        return chosen

    def _attempt(self, algorithm, mode: str, inputs: Tensor,
                 data_samples) -> Union[Records, str]:
        """The records of ``mode``, or why it cannot run."""
        try:
            self.run_mode(algorithm, mode, inputs, data_samples)
        except Exception as error:  # noqa: BLE001 (a model without it)
            return (f'fails ({type(error).__name__}: '
                    f'{str(error).splitlines()[0][:200]})')
        return teacher_records(algorithm.distiller)

    def _choice_message(self, chosen: str,
                        verdicts: Dict[str, Optional[str]]) -> str:
        message = (f"{self.key}.teacher_forward='auto': the teacher runs "
                   f'{chosen!r} from now on')
        if chosen == 'loss':
            why = '; '.join(f'{m!r} {v}' for m, v in verdicts.items()) or (
                'the distiller has deliveries, which replay loss-mode calls')
            return (f'{message}, computing its own losses, because: {why}. '
                    f"Set {self.key}.teacher_forward='loss' to skip this "
                    'check at iteration 1.')
        return (f'{message}: its records equal those of the loss-mode '
                'forward MMRazor runs, at less cost. Set '
                f'{self.key}.teacher_forward={chosen!r} to skip this check '
                'at iteration 1.')


def _rewinder(device: torch.device) -> Callable[[], None]:
    """A ``rewind()`` that restores the RNG state of now, so every probed
    forward draws the same dropout masks."""
    cpu = torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if device.type == 'cuda' else None

    def rewind() -> None:
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)

    return rewind


def tensor_forward(model: nn.Module, inputs: Tensor, data_samples) -> Any:
    """``model``'s tensor-mode forward, with the head called as a module.

    mmdet's ``SingleStageDetector._forward`` and mmseg's
    ``EncoderDecoder._forward`` call ``head.forward`` directly, so a
    recorder hooked on the head itself would record nothing, though the
    loss-mode forward calls the head as a module; for models with exactly
    those ``_forward`` methods the head is called here, for others the
    model's own tensor mode runs.
    """
    if isinstance(model, TeacherEnsemble):
        return {
            name: tensor_forward(getattr(model, name), inputs, data_samples)
            for name in model.names
        }
    forward = getattr(type(model), '_forward', None)
    if forward is SingleStageDetector._forward:
        return model.bbox_head(model.extract_feat(inputs))
    if forward is EncoderDecoder._forward:
        return model.decode_head(model.extract_feat(inputs))
    return model(inputs, data_samples, mode='tensor')


def teacher_records(distiller) -> Records:
    """What each loss would read from the teacher's recorders now (without
    connectors); ``MISSING`` where a recorder has no such record."""
    records = {}
    for loss_name, mapping in distiller.loss_forward_mappings.items():
        for forward_key, record in mapping.items():
            if record['from_student']:
                continue
            recorder = distiller.teacher_recorders.get_recorder(
                record['recorder'])
            try:
                records[loss_name, forward_key] = recorder.get_record_data(
                    record.get('record_idx', 0), record.get('data_idx'))
            except (AssertionError, IndexError, TypeError, ValueError):
                records[loss_name, forward_key] = MISSING
    return records


def difference(records: Records, reference: Records) -> Optional[str]:
    """None if ``records`` equal ``reference`` within tolerance, else what
    differs first."""
    for (loss_name, forward_key), expected in reference.items():
        where = f'{loss_name}.{forward_key}'
        got = records[loss_name, forward_key]
        if got is MISSING:
            return f'records nothing for {where}'
        if expected is MISSING:
            return (f'records {_shape(got)} for {where}, where the loss-mode '
                    'forward records nothing')
        problem = _unequal(got, expected)
        if problem:
            return f'records {problem} for {where}'
    return None


def _unequal(got: Any, expected: Any) -> Optional[str]:
    if isinstance(expected, Tensor):
        if not isinstance(got, Tensor) or got.shape != expected.shape:
            return f'{_shape(got)} instead of {_shape(expected)}'
        if not _close(got, expected):
            return 'other values'
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f'{_shape(got)} instead of {_shape(expected)}'
        problems = (_unequal(g, e) for g, e in zip(got, expected))
        return next((p for p in problems if p), None)
    if isinstance(expected, (int, float, bool, str, type(None))):
        return None if got == expected else 'other values'
    return f'a {type(expected).__name__}, which is not compared'


def _close(got: Tensor, expected: Tensor) -> bool:
    """Equal up to float rounding: a forward that reads other data differs
    by far more than this."""
    if not expected.is_floating_point():
        return torch.equal(got, expected)
    if not expected.numel():
        return True
    got, expected = got.float(), expected.float()
    tolerance = 1e-3 * float(expected.abs().max()) + 1e-6
    return bool((got - expected).abs().max() <= tolerance)


def _shape(value: Any) -> str:
    if isinstance(value, Tensor):
        return f'shape {tuple(value.shape)}'
    if isinstance(value, (list, tuple)):
        return f'{len(value)} entries'
    return type(value).__name__
