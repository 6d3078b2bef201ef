"""The record of CrossKD's cross-head predictions.

``CrossKDDistill`` runs the teacher's remaining head layers on the
student's features after the student's forward and hands the result to
this recorder, so the distiller's ``loss_forward_mappings`` read it as any
record: ``dict(from_student=True, recorder='cross_head', data_idx=0)`` for
the classification outputs, ``data_idx=1`` for the box outputs (one tensor
per level each).
"""
from typing import Optional, Tuple

from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import Tensor, nn


@TASK_UTILS.register_module()
class CrossHeadOutputsRecorder(BaseRecorder):
    """Holds ``(cls_scores, bbox_preds)`` of the cross head, per step.

    Args:
        source (str): Unused (the outputs come from ``CrossKDDistill``);
            kept for MMRazor's recorder interface. Defaults to
            ``'cross_head'``.
    """

    def __init__(self, source: str = 'cross_head') -> None:
        super().__init__(source)

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        """Nothing to hook: ``CrossKDDistill`` delivers the outputs."""

    def deliver(self, outputs: Tuple[Tuple[Tensor, ...],
                                     Tuple[Tensor, ...]]) -> None:
        """This step's cross-head outputs, replacing the last step's."""
        self.reset_data_buffer()
        self.data_buffer.append(outputs)

    def get_record_data(self, record_idx: int = 0,
                        data_idx: Optional[int] = None):
        if not self.data_buffer:
            raise ValueError(
                'CrossHeadOutputs has no cross-head outputs: only '
                "type='CrossKDDistill' delivers them (model.type).")
        return super().get_record_data(record_idx, data_idx)
