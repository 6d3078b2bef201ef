"""Whether a checkpoint fits the model it is loaded into.

Every checkpoint akd or MMRazor loads into a model passes here: teachers
(``model.teacher_ckpt``, ``model.teachers.<name>.ckpt``), MasKD's stage-1
teacher and tokens, and what the runner loads (``load_from``, ``--resume``,
``tools/test.py``) through ``CheckpointFitHook``. Coverage is the share of
the model's weights (parameter and buffer values; ``num_batches_tracked``
aside) that received a tensor of the same shape. mmengine only warns about
keys that "do not match exactly", so a wrong checkpoint used to leave a
random teacher, or a student trained from scratch, with no error.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log
from torch import Tensor, nn

from ..utils.guard_error import GuardError

STUDENT_PREFIX = 'architecture.'
TEACHER_PREFIX = 'teacher.'
SKIPPED_BUFFERS = ('num_batches_tracked', )
TASK_MODULES = {
    'a detector': ('bbox_head.', 'rpn_head.', 'roi_head.'),
    'a segmentor': ('decode_head.', 'auxiliary_head.'),
}
CONVERTER = 'tools/model_converters/convert_kd_ckpt_to_student.py'
SHOWN = 3  # keys quoted per list in a message


@dataclass
class Coverage:
    """What of a model a state dict filled.

    Attributes:
        covered (int): Weight values that received a tensor of their shape.
        total (int): Weight values of the model.
        missing (list[str]): Model keys the state dict lacks.
        mismatched (list[tuple]): ``(key, shape in file, shape in model)``.
        unexpected (list[str]): State dict keys the model lacks.
    """
    covered: int
    total: int
    missing: List[str]
    mismatched: List[Tuple[str, tuple, tuple]]
    unexpected: List[str]

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return not self.missing and not self.mismatched


def state_dict_of(checkpoint: dict) -> Dict[str, Tensor]:
    """The weights of a checkpoint, without DDP's ``module.`` prefix."""
    state = checkpoint.get('state_dict', checkpoint)
    stripped = OrderedDict(
        (re.sub(r'^module\.', '', key), value) for key, value in state.items())
    stripped._metadata = getattr(state, '_metadata', OrderedDict())
    return stripped


def with_prefix(state: Dict[str, Tensor], prefix: str) -> bool:
    return any(key.startswith(prefix) for key in state)


def sub_state(state: Dict[str, Tensor], prefix: str) -> Dict[str, Tensor]:
    """The entries under ``prefix``, with the prefix removed."""
    part = OrderedDict((key[len(prefix):], value)
                       for key, value in state.items()
                       if key.startswith(prefix))
    metadata = getattr(state, '_metadata', {})
    part._metadata = OrderedDict(
        (key[len(prefix):], value) for key, value in metadata.items()
        if key.startswith(prefix))
    return part


def prefixed_state(state: Dict[str, Tensor], prefix: str) -> OrderedDict:
    """``state`` with ``prefix`` before every key (the inverse of
    :func:`sub_state`)."""
    moved = OrderedDict((prefix + key, value) for key, value in state.items())
    metadata = getattr(state, '_metadata', {})
    moved._metadata = OrderedDict(
        (prefix + key if key else prefix[:-1], value)
        for key, value in metadata.items())
    return moved


def load_with_coverage(model: nn.Module, state: Dict[str, Tensor]) -> Coverage:
    """Load what fits of ``state`` into ``model``; say what did not fit.

    Tensors of another shape are left out (torch would raise on them). The
    model's own key conversions (``_load_from_state_dict``, e.g. mmdet's
    ``rpn_head``/``bbox_head`` exchange) apply, so coverage counts what
    loading really filled.
    """
    expected = OrderedDict((key, value)
                           for key, value in model.state_dict().items()
                           if not key.endswith(SKIPPED_BUFFERS))
    mismatched = [(key, tuple(value.shape), tuple(expected[key].shape))
                  for key, value in state.items()
                  if key in expected and hasattr(value, 'shape')
                  and value.shape != expected[key].shape]
    left_out = {key for key, _, _ in mismatched}
    loadable = OrderedDict(
        (key, value) for key, value in state.items() if key not in left_out)
    loadable._metadata = getattr(state, '_metadata', OrderedDict())
    result = model.load_state_dict(loadable, strict=False)
    missing = [
        key for key in result.missing_keys
        if key in expected and key not in left_out
    ]
    unfilled = left_out | set(missing)
    return Coverage(
        covered=sum(value.numel() for key, value in expected.items()
                    if key not in unfilled),
        total=sum(value.numel() for value in expected.values()),
        missing=missing,
        mismatched=mismatched,
        unexpected=[
            key for key in result.unexpected_keys
            if not key.endswith(SKIPPED_BUFFERS)
        ])


def _task(keys) -> Optional[str]:
    """The task of a model's (or a distillation's student's) head."""
    for task, prefixes in TASK_MODULES.items():
        if any(key.startswith(prefixes) or key.startswith(
                tuple(STUDENT_PREFIX + p for p in prefixes)) for key in keys):
            return task
    return None


def likely_cause(coverage: Coverage, state: Dict[str, Tensor],
                 model: nn.Module) -> str:
    """A guess at why ``state`` does not fit ``model``, for the message."""
    distillation = with_prefix(model.state_dict(), STUDENT_PREFIX)
    if not distillation and (with_prefix(state, STUDENT_PREFIX)
                             or with_prefix(state, TEACHER_PREFIX)):
        return ('a distillation checkpoint (student under '
                f"'{STUDENT_PREFIX}', teacher under '{TEACHER_PREFIX}'); "
                f'extract the part you want with {CONVERTER}')
    file_task, model_task = _task(state), _task(model.state_dict())
    if file_task and model_task and file_task != model_task:
        return f'a checkpoint of {file_task}, loaded into {model_task}'
    if coverage.mismatched and len(coverage.mismatched) >= len(
            coverage.missing):
        return ('a checkpoint of the same architecture with other widths, '
                'depths or class counts')
    prefixes = {key.split('.')[0] for key in state}
    if coverage.covered == 0 and len(prefixes) == 1:
        return (f"keys under a prefix '{prefixes.pop()}.' that the model does "
                'not have')
    return 'a checkpoint of another model'


def describe_misfit(coverage: Coverage, state: Dict[str, Tensor],
                    model: nn.Module) -> str:
    """Coverage, first missing and mismatched keys, and the likely cause."""
    parts = [
        f'it fills {coverage.share:.1%} of the weights ({coverage.covered:,} '
        f'of {coverage.total:,} values)'
    ]
    if coverage.missing:
        parts.append(f'{len(coverage.missing)} keys missing (first: '
                     f'{", ".join(coverage.missing[:SHOWN])})')
    if coverage.mismatched:
        shown = ', '.join(f'{key} {file} in the file, {own} in the model'
                          for key, file, own in coverage.mismatched[:SHOWN])
        parts.append(
            f'{len(coverage.mismatched)} of another shape (first: {shown})')
    parts.append(f'likely cause: {likely_cause(coverage, state, model)}')
    return '; '.join(parts)


def restricted(coverage: Coverage, model: nn.Module,
               prefixes: Tuple[str, ...]) -> Coverage:
    """``coverage`` of the weights under ``prefixes`` only."""
    sizes = {
        key: value.numel()
        for key, value in model.state_dict().items()
        if key.startswith(prefixes) and not key.endswith(SKIPPED_BUFFERS)
    }
    missing = [key for key in coverage.missing if key in sizes]
    mismatched = [m for m in coverage.mismatched if m[0] in sizes]
    unfilled = set(missing) | {key for key, _, _ in mismatched}
    return Coverage(
        covered=sum(n for key, n in sizes.items() if key not in unfilled),
        total=sum(sizes.values()),
        missing=missing,
        mismatched=mismatched,
        unexpected=coverage.unexpected)


def load_teacher(teacher: nn.Module,
                 checkpoint: dict,
                 ckpt_key: str,
                 ckpt: str,
                 model_key: str,
                 runs: Optional[Tuple[str, ...]] = None) -> None:
    """Load a frozen teacher's weights, all of them, or refuse.

    Args:
        teacher (nn.Module): The teacher model.
        checkpoint (dict): The loaded checkpoint (on the CPU).
        ckpt_key (str): The config key that named it, for messages.
        ckpt (str): Its path or URL, for messages.
        model_key (str): The config key of the teacher model.
        runs (tuple[str], optional): Key prefixes of the parts of the
            teacher that run (``teacher_forward='extract_feat'``: backbone
            and neck); only those must be filled. Defaults to the whole
            teacher.

    Raises:
        GuardError: When the checkpoint is a distillation checkpoint (its
            student or its teacher?) or leaves a teacher weight that runs
            unfilled.
    """
    state = state_dict_of(checkpoint)
    if (with_prefix(state, STUDENT_PREFIX)
            and not with_prefix(teacher.state_dict(), STUDENT_PREFIX)):
        raise GuardError(
            f'{ckpt_key}={ckpt!r} is a distillation checkpoint (student under '
            f"'{STUDENT_PREFIX}', teacher under '{TEACHER_PREFIX}'): which "
            'should teach? Extract one, then give that file as '
            f'{ckpt_key}: its student with `python {CONVERTER} {ckpt} '
            f'student.pth`, or its teacher with `python {CONVERTER} {ckpt} '
            f'teacher.pth --prefix {TEACHER_PREFIX}`.')
    whole = load_with_coverage(teacher, state)
    coverage = restricted(whole, teacher, runs) if runs else whole
    part = (f'the {" and ".join(p.rstrip(".") for p in runs)} of '
            f'{model_key}' if runs else model_key)
    if not coverage.complete:
        raise GuardError(
            f'{ckpt_key}={ckpt!r} does not fit {part} '
            f'({type(teacher).__name__}): '
            f'{describe_misfit(coverage, state, teacher)}. A teacher must '
            f'load fully: give {ckpt_key} a checkpoint trained with '
            f"{model_key}'s config.")
    notes = []
    if not whole.complete:
        notes.append(f'{whole.total - whole.covered:,} values of the parts '
                     'that do not run are left as initialised')
    if whole.unexpected:
        notes.append(f'the file has {len(whole.unexpected)} more entries the '
                     f'teacher does not use (first: '
                     f'{", ".join(whole.unexpected[:SHOWN])})')
    print_log(
        f'{ckpt_key}: {ckpt} fills all {coverage.total:,} weight values of '
        f'{part}{"; " if notes else ""}{"; ".join(notes)}.',
        logger='current', level=30 if not whole.complete else 20)
