"""CrossKD's cross-head: the student's head features through the teacher's
remaining head layers.

Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024. https://arxiv.org/abs/2306.11369 (official code
under a non-commercial licence: read for understanding only, nothing
copied).

A dense head runs two towers of convolutions (``cls_convs``, ``reg_convs``)
and its predictors on every FPN level. After the student's first ``split``
convolutions of each tower, its features F_S are aligned to the teacher's
features F_T at the same point, per channel over batch and positions,

    F = relu((F_S - mean(F_S)) / (std(F_S) + eps) * std(F_T) + mean(F_T)),

and run through the teacher's convolutions from ``split`` on and its
predictors (and per-level scales). The result is the teacher head's
prediction from the student's features: the cross-head prediction, which
CrossKD distils against the teacher's own. The teacher's layers stay
frozen, but the path is differentiable, so the gradient reaches the
student's first ``split`` convolutions, neck and backbone.

The teacher head runs through its own ``forward`` with its towers cut to
their last layers, so any head with ``cls_convs`` and ``reg_convs`` works
(GFL, RetinaNet, ATSS, FCOS): the classification outputs come from the
features of the classification tower, the box outputs from those of the
regression tower.
"""
import contextlib
from typing import Dict, List, Tuple

import torch.nn.functional as F
from torch import Tensor, nn

KEY = 'model.cross_head'
TOWERS = ('cls_convs', 'reg_convs')
EPS = 1e-6


def _towers(head: nn.Module, split: int, part: str) -> None:
    for name in TOWERS:
        tower = getattr(head, name, None)
        if not isinstance(tower, nn.ModuleList):
            raise ValueError(
                f'{KEY}: {part}.bbox_head is a {type(head).__name__} without '
                f'a {name} tower; CrossKD needs dense heads with cls_convs '
                'and reg_convs (GFL, RetinaNet, ATSS, FCOS).')
        if not 1 <= split <= len(tower):
            raise ValueError(
                f'{KEY}.split={split!r}: {part}.bbox_head.{name} has '
                f'{len(tower)} convolutions; give a split from 1 to '
                f'{len(tower)} (CrossKD: 3 of 4).')


def align_to(student: Tensor, teacher: Tensor) -> Tensor:
    """``student`` with each channel's mean and std over batch and positions
    set to ``teacher``'s (detached), then a ReLU, as the towers' outputs."""
    dims = (0, 2, 3)
    standard = (student - student.mean(dims, keepdim=True)) / (
        student.std(dims, keepdim=True) + EPS)
    teacher = teacher.detach()
    return F.relu(standard * teacher.std(dims, keepdim=True) +
                  teacher.mean(dims, keepdim=True))


class CrossHead:
    """Captures both heads' tower features at ``split`` and runs the
    teacher's remaining layers on the student's.

    Args:
        student_head (nn.Module): The student's ``bbox_head``.
        teacher_head (nn.Module): The teacher's ``bbox_head``.
        split (int): Convolutions of each tower the student runs before
            the teacher's take over. Defaults to 3, CrossKD's for GFL and
            RetinaNet (of 4).
        align_scale (bool): Align the student's features to the teacher's
            statistics first. Defaults to True, as CrossKD.
    """

    def __init__(self,
                 student_head: nn.Module,
                 teacher_head: nn.Module,
                 split: int = 3,
                 align_scale: bool = True) -> None:
        _towers(student_head, split, 'model.architecture')
        _towers(teacher_head, split, 'model.teacher')
        self.split = split
        self.align_scale = align_scale
        self._teacher_head = teacher_head
        self._capturing = False
        self.features: Dict[str, Dict[str, List[Tensor]]] = {
            part: {name: [] for name in TOWERS}
            for part in ('student', 'teacher')
        }
        for part, head in (('student', student_head), ('teacher',
                                                       teacher_head)):
            for name in TOWERS:
                getattr(head, name)[split - 1].register_forward_hook(
                    self._capture(self.features[part][name]))

    def _capture(self, store: List[Tensor]):

        def hook(module: nn.Module, args: tuple, output: Tensor) -> None:
            if self._capturing:  # a training step, not a prediction
                store.append(output)

        return hook

    def start(self) -> None:
        """Capture this step's features, forgetting the last step's."""
        for towers in self.features.values():
            for store in towers.values():
                store.clear()
        self._capturing = True

    def predictions(self) -> Tuple[Tuple[Tensor, ...], Tuple[Tensor, ...]]:
        """The cross-head classification and box outputs, one tensor per
        level each, from the features captured since ``start``."""
        self._capturing = False
        inputs = {}
        for name in TOWERS:
            student = self.features['student'][name]
            teacher = self.features['teacher'][name]
            if len(student) != len(teacher) or not student:
                raise RuntimeError(
                    f'{KEY}: captured {len(student)} student and '
                    f'{len(teacher)} teacher {name} levels in this step; '
                    "both heads must run once per step (teacher_forward="
                    "'tensor').")
            inputs[name] = tuple(
                align_to(s, t) if self.align_scale else s
                for s, t in zip(student, teacher))
        with self._last_layers():
            cls_scores = self._teacher_head(inputs['cls_convs'])[0]
            bbox_preds = self._teacher_head(inputs['reg_convs'])[1]
        return tuple(cls_scores), tuple(bbox_preds)

    @contextlib.contextmanager
    def _last_layers(self):
        """The teacher head with its towers cut to the layers after
        ``split``."""
        head = self._teacher_head
        towers = {name: getattr(head, name) for name in TOWERS}
        try:
            for name, tower in towers.items():
                head._modules[name] = nn.ModuleList(list(tower)[self.split:])
            yield
        finally:
            for name, tower in towers.items():
                head._modules[name] = tower
