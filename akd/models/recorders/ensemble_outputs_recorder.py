"""A recorder that reads one module of every teacher of a TeacherEnsemble."""
import functools
import math
from typing import Any, List, Optional

import torch
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn

from ...structures.per_teacher import PerTeacher
from ..teacher_ensemble import TeacherEnsemble

ENSEMBLE_REDUCTIONS = (None, 'mean_probs', 'mean_sigmoids')


def ensemble_logits(records: List[Any], sigmoid: bool) -> Any:
    """Logits of the teachers' mean prediction (per level for tuples)."""
    if isinstance(records[0], (list, tuple)):
        return type(records[0])(
            ensemble_logits(list(levels), sigmoid)
            for levels in zip(*records))
    logits = torch.stack(records)  # (T, N, C, ...)
    if sigmoid:
        return torch.logit(logits.sigmoid().mean(0), eps=1e-6)
    return torch.logsumexp(logits.log_softmax(dim=2), dim=0) - math.log(
        len(records))


@TASK_UTILS.register_module()
class EnsembleOutputsRecorder(BaseRecorder):
    """One module's outputs from every teacher of a ``TeacherEnsemble``.

    A record is a ``PerTeacher`` list, one entry per teacher in the
    ensemble's order;
    ``data_idx`` picks inside each teacher's output. Used as
    ``teacher_recorders=dict(logits=dict(type='EnsembleOutputs',
    source='decode_head.conv_seg'))``.

    With ``reduce``, a record is one ensemble prediction instead, made from
    logits with classes on dim 1 (a tuple of FPN levels reduced per level):
    ``'mean_probs'`` gives log((1/T) sum_t softmax(z_t)), whose softmax is
    the teachers' mean distribution (the ensemble of born-again networks),
    and ``'mean_sigmoids'`` the logit of the mean per-class sigmoid
    (focal-loss heads). A loss taking logits at temperature 1 then sees the
    ensemble exactly.

    Args:
        source (str): The module path inside each teacher.
        reduce (str, optional): ``'mean_probs'`` or ``'mean_sigmoids'``.
    """

    def __init__(self, source: str, reduce: Optional[str] = None) -> None:
        super().__init__(source)
        if reduce not in ENSEMBLE_REDUCTIONS:
            raise ValueError(
                f'EnsembleOutputs reduce must be one of '
                f'{ENSEMBLE_REDUCTIONS}, got {reduce!r}')
        self.reduce = reduce
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

    @property
    def data_buffer(self) -> List[Any]:
        """The first teacher's outputs: every teacher records as many."""
        return self._per_teacher[0] if self._per_teacher else []

    def get_record_data(self,
                        record_idx: int = 0,
                        data_idx: Optional[int] = None) -> Any:
        """The ``record_idx``-th output of every teacher."""
        records = [outputs[record_idx] for outputs in self._per_teacher]
        if data_idx is not None:
            records = [record[data_idx] for record in records]
        if self.reduce is None:
            return PerTeacher(records)
        return ensemble_logits(records, self.reduce == 'mean_sigmoids')

    def __enter__(self):
        super().__enter__()
        self._recording = True

    def __exit__(self, exc_type, exc_value, traceback):
        super().__exit__(exc_type, exc_value, traceback)
        self._recording = False
