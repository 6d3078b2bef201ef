"""CrossKD: distil the teacher head's predictions from the student's
features against the teacher's own.

Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024. https://arxiv.org/abs/2306.11369
"""
from typing import Optional

from mmrazor.registry import MODELS

from ..models.recorders import CrossHeadOutputsRecorder
from .cross_head import CrossHead
from .frozen_teacher_distill import FrozenTeacherDistill


class _CrossHeadStep:
    """The teacher forward, then the cross head after the student's."""

    def __init__(self, policy, cross_head: CrossHead,
                 record: CrossHeadOutputsRecorder) -> None:
        self.policy, self.cross_head, self.record = policy, cross_head, record

    def run_before_student(self, algorithm, inputs, data_samples) -> None:
        self.cross_head.start()
        self.policy.run_before_student(algorithm, inputs, data_samples)

    def run_after_student(self, algorithm, inputs, data_samples) -> None:
        self.policy.run_after_student(algorithm, inputs, data_samples)
        self.record.deliver(self.cross_head.predictions())

    def __getattr__(self, name: str):
        return getattr(self.policy, name)


@MODELS.register_module()
class CrossKDDistill(FrozenTeacherDistill):
    """One teacher; the cross-head predictions as a student record.

    Each step the frozen teacher runs through its head (``'tensor'``), the
    student takes its own task losses, and then the teacher's head layers
    after ``cross_head.split`` run on the student's head features
    (:class:`akd.algorithms.cross_head.CrossHead`). The result, P_cross =
    H_T[split:](align(F_S)), is delivered to the student recorder
    ``cross_head`` (``CrossHeadOutputs``), and the distiller's losses
    compare it with the teacher's own prediction P_T = H_T(F_T):

        L = L_task(student) + L_cls(P_cross_cls, P_T_cls)
            + L_box(P_cross_box, P_T_box).

    The student's own predictions are trained by its task losses only; the
    distillation reaches the student through the frozen teacher layers.

    Args:
        cross_head (dict, optional): ``split`` and ``align_scale`` of
            ``CrossHead``. Defaults to ``dict(split=3)``.
        teacher_forward (str): Must be ``'tensor'`` (the default here):
            the teacher runs its head once, without its losses.
        kwargs: ``FrozenTeacherDistill``'s arguments. The distiller needs
            ``student_recorders.cross_head=dict(type='CrossHeadOutputs')``.
    """
    has_mmrazor_step = False  # no CrossKD in MMRazor: nothing to compare

    def __init__(self,
                 cross_head: Optional[dict] = None,
                 teacher_forward: str = 'tensor',
                 **kwargs) -> None:
        if teacher_forward != 'tensor':
            raise ValueError(
                f"model.teacher_forward={teacher_forward!r}: CrossKDDistill "
                "runs the teacher's head once per step, so it needs "
                "'tensor' (the default); remove the key.")
        super().__init__(teacher_forward='tensor', **kwargs)
        if self.teacher_trainable:
            raise ValueError(
                'model.teacher_trainable=True: CrossKD runs the student\'s '
                'features through the frozen teacher\'s head; freeze it.')
        record = self.distiller.student_recorders.recorders.get('cross_head')
        if not isinstance(record, CrossHeadOutputsRecorder):
            raise ValueError(
                'model.distiller.student_recorders.cross_head must be '
                "dict(type='CrossHeadOutputs'): the losses read the cross-"
                'head predictions from it.')
        self.cross_head = CrossHead(self.student.bbox_head,
                                    self.teacher.bbox_head,
                                    **(cross_head or {}))
        self.teacher_forward = _CrossHeadStep(self.teacher_forward,
                                              self.cross_head, record)
