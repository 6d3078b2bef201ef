"""Several teachers as one model, and a recorder that reads them all.

Zhang et al., "Confidence-Aware Multi-Teacher Knowledge Distillation",
ICASSP 2022. https://arxiv.org/abs/2201.00007
"""
import functools
from typing import Any, Dict, List, Optional

from mmengine.model import BaseModel
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import MODELS, TASK_UTILS
from torch import nn

from ..engine.checkpoint_files import read_checkpoint
from ..engine.checkpoint_fit import load_teacher
from ..utils.mmrazor_scope import build_in_mmrazor_scope


@MODELS.register_module()
class TeacherEnsemble(BaseModel):
    """Named teachers that run one after the other on the same batch.

    Each teacher is a child module under its name, so recorders address
    ``<name>.<module path>`` (``EnsembleOutputsRecorder`` reads one path
    from all of them).

    Args:
        teachers (dict): ``{name: dict(model=<model config>, ckpt=<path or
            URL, optional>)}``, in the order losses see them.
    """

    def __init__(self, teachers: Dict[str, dict]) -> None:
        super().__init__()
        if not isinstance(teachers, dict) or len(teachers) < 2:
            raise ValueError(
                'model.teachers must map at least two names to '
                "dict(model=..., ckpt=...), got "
                f'{type(teachers).__name__} {teachers!r:.200}')
        for name, spec in teachers.items():
            if not isinstance(spec, dict) or set(spec) - {'model', 'ckpt'} \
                    or 'model' not in spec:
                raise ValueError(
                    f'model.teachers.{name} must be dict(model=<model '
                    'config>, ckpt=<checkpoint, optional>), got '
                    f'{spec!r:.200}')
            if name in dict(self.named_children()):
                raise ValueError(
                    f'model.teachers.{name}: {name!r} is taken by the '
                    'ensemble itself; rename the teacher.')
            teacher = build_in_mmrazor_scope(spec['model'])
            if spec.get('ckpt'):
                key = f'model.teachers.{name}'
                load_teacher(teacher, read_checkpoint(spec['ckpt'],
                                                      f'{key}.ckpt'),
                             f'{key}.ckpt', spec['ckpt'], f'{key}.model')
                teacher._is_init = True  # keep the loaded weights
            self.add_module(name, teacher)
        self.names: List[str] = list(teachers)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """Every teacher's result in ``mode``, as ``{name: result}``."""
        return {
            name: getattr(self, name)(inputs, data_samples, mode=mode)
            for name in self.names
        }

    def extract_feat(self, inputs) -> dict:
        """Every teacher's backbone (and neck) features, as ``{name: ...}``."""
        return {
            name: getattr(self, name).extract_feat(inputs)
            for name in self.names
        }


@TASK_UTILS.register_module()
class EnsembleOutputsRecorder(BaseRecorder):
    """One module's outputs from every teacher of a ``TeacherEnsemble``.

    A record is a list with one entry per teacher, in the ensemble's order;
    ``data_idx`` picks inside each teacher's output. Used as
    ``teacher_recorders=dict(logits=dict(type='EnsembleOutputs',
    source='decode_head.conv_seg'))``.

    Args:
        source (str): The module path inside each teacher.
    """

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._recording = False
        self._per_teacher: List[List[Any]] = []

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        if not isinstance(model, TeacherEnsemble):
            raise TypeError(
                'EnsembleOutputs records a TeacherEnsemble (the teachers of '
                f'MultiTeacherDistill), got {type(model).__name__}: use '
                'ModuleOutputs for a single model.')
        modules = dict(model.named_modules())
        self._per_teacher = [[] for _ in model.names]
        for index, name in enumerate(model.names):
            path = f'{name}.{self.source}'
            if path not in modules:
                raise ValueError(
                    f'EnsembleOutputs source {self.source!r}: teacher '
                    f'{name!r} has no module {self.source!r}.')
            modules[path].register_forward_hook(
                functools.partial(self._record, index))

    def _record(self, index: int, module: nn.Module, inputs: Any,
                outputs: Any) -> None:
        if self._recording:
            self._per_teacher[index].append(outputs)

    def reset_data_buffer(self) -> None:
        self._per_teacher = [[] for _ in self._per_teacher]

    def get_record_data(self,
                        record_idx: int = 0,
                        data_idx: Optional[int] = None) -> List[Any]:
        """The ``record_idx``-th output of every teacher."""
        records = [outputs[record_idx] for outputs in self._per_teacher]
        if data_idx is None:
            return records
        return [record[data_idx] for record in records]

    def __enter__(self):
        super().__enter__()
        self._recording = True

    def __exit__(self, exc_type, exc_value, traceback):
        super().__exit__(exc_type, exc_value, traceback)
        self._recording = False
