"""The teacher's RoI head run on the student's sampled proposals.

In a two-stage detector the RoI head's outputs are per proposal, and each
model samples its own proposals in ``loss`` mode, so teacher and student
RoI logits from two ``loss`` forwards do not describe the same boxes (nor
have, in general, the same number of rows). With
``teacher_forward='student_rois'`` the teacher runs its backbone and neck,
then its box branch (``_bbox_forward``: RoI extractor, shared head, box
head) on the RoIs the student's box branch took in this step, so record
``i`` of both describes the same box.
"""
from typing import Optional

from torch import Tensor, nn

KEY = "model.teacher_forward='student_rois'"


def _box_branch(model: nn.Module, part: str) -> nn.Module:
    """``model.roi_head``, if it is a single-stage box branch (mmdet's
    ``StandardRoIHead``), else a message naming ``part``."""
    roi_head = getattr(model, 'roi_head', None)
    extractor = getattr(roi_head, 'bbox_roi_extractor', None)
    if not isinstance(extractor, nn.Module) or isinstance(
            extractor, nn.ModuleList) or not hasattr(roi_head,
                                                     '_bbox_forward'):
        raise ValueError(
            f'{KEY} needs two-stage detectors whose roi_head has one box '
            "branch (mmdet's StandardRoIHead, e.g. Faster R-CNN), but "
            f'{part} is a {type(model).__name__} with roi_head '
            f'{type(roi_head).__name__}: choose another teacher_forward.')
    return roi_head


class StudentRoIs:
    """Captures the RoIs of the student's box branch in each step.

    Args:
        student (nn.Module): The student detector (``model.architecture``).
        teacher (nn.Module): The teacher detector (``model.teacher``).
    """

    def __init__(self, student: nn.Module, teacher: nn.Module) -> None:
        extractor = _box_branch(student, 'model.architecture')
        _box_branch(teacher, 'model.teacher')
        self.rois: Optional[Tensor] = None
        self._capturing = False
        extractor.bbox_roi_extractor.register_forward_pre_hook(self._capture)

    def _capture(self, module: nn.Module, args: tuple) -> None:
        if self._capturing:  # the box branch's call, first in loss mode
            self.rois = args[1].detach()  # (n, 5): batch index, box
            self._capturing = False

    def start(self) -> None:
        """Capture the next RoIs the student's box branch takes."""
        self.rois, self._capturing = None, True

    def run_teacher(self, teacher: nn.Module, inputs: Tensor) -> dict:
        """The teacher's backbone, neck and box branch on the RoIs
        captured since :meth:`start`."""
        if self.rois is None:
            raise RuntimeError(
                f"{KEY}: the student's box branch took no RoIs in this "
                'step, so the teacher has none to run on.')
        return teacher.roi_head._bbox_forward(teacher.extract_feat(inputs),
                                              self.rois)
