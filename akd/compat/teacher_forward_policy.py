"""Run a frozen teacher only as far as distillation reads it.

Upstream problem (MMRazor 1.0): ``SingleTeacherDistill`` runs its frozen
teacher in ``loss`` mode, so every step assigns the teacher's labels, runs
its auxiliary heads and computes its losses, then throws them away;
``FpnTeacherDistill``, a copy of that ``loss`` that runs ``extract_feat``
instead, drops ``calculate_student_loss``. Both now share one ``loss`` whose
teacher step is a :class:`akd.algorithms.teacher_forward.TeacherForward`,
set by four more arguments of both algorithms (and so of akd's
``MultiTeacherDistill``):

- ``teacher_forward``: ``'auto'`` (``SingleTeacherDistill``'s default),
  ``'extract_feat'`` (``FpnTeacherDistill``'s, and its only choice),
  ``'tensor'``, ``'loss'`` (MMRazor's forward) or ``'student_rois'`` (a
  two-stage teacher's box branch on the student's RoIs);
- ``teacher_dtype``: ``'bfloat16'``/``'float16'`` autocast for the teacher
  (CUDA only unless ``teacher_dtype_on_cpu=True``);
- ``teacher_channels_last``: the teacher's weights and inputs in
  ``channels_last`` layout.

A trainable teacher learns from its own losses, so it runs in ``loss`` mode
in float32, as under MMRazor.
"""
import contextlib

import torch
from mmrazor.models.algorithms import FpnTeacherDistill, SingleTeacherDistill
from mmrazor.models.utils import add_prefix

from ..algorithms.teacher_forward import TeacherForward

_PATCHED = '_akd_teacher_forward'
# MMRazor's own ``loss`` of each class, for benchmarks and tests.
MMRAZOR_LOSS = {}


def _init(original):

    def __init__(self, *args, teacher_forward=None, teacher_dtype=None,
                 teacher_dtype_on_cpu=False, teacher_channels_last=False,
                 **kwargs):
        fpn = isinstance(self, FpnTeacherDistill)
        if fpn and teacher_forward not in (None, 'extract_feat'):
            raise ValueError(
                f'model.teacher_forward={teacher_forward!r}: '
                "FpnTeacherDistill runs only the teacher's extract_feat; "
                "use type='SingleTeacherDistill' for another forward.")
        policy = TeacherForward(
            teacher_forward or ('extract_feat' if fpn else 'auto'),
            teacher_dtype, teacher_dtype_on_cpu, teacher_channels_last)
        original(self, *args, **kwargs)
        if self.teacher_trainable and (
                teacher_forward not in (None, 'auto', 'loss') or teacher_dtype
                or teacher_channels_last):
            raise ValueError(
                'model.teacher_trainable=True: a trainable teacher learns '
                "from its own losses in 'loss' mode in float32, so "
                'teacher_forward, teacher_dtype and teacher_channels_last '
                'do not apply; remove them or freeze the teacher.')
        policy.prepare(self)
        self.teacher_forward = policy

    return __init__


def loss(self, batch_inputs: torch.Tensor, data_samples=None) -> dict:
    """MMRazor's single-teacher step with the teacher run by its policy."""
    losses = dict()
    distiller = self.distiller
    distiller.set_deliveries_override(False)  # the teacher's calls record
    if self.teacher_trainable:
        with distiller.teacher_recorders, distiller.deliveries:
            teacher_losses = self.teacher(batch_inputs, data_samples,
                                          mode='loss')
        losses.update(add_prefix(teacher_losses, 'teacher'))
    else:
        self.teacher_forward.run_before_student(self, batch_inputs,
                                                data_samples)
    distiller.set_deliveries_override(True)  # the student's replay them
    with distiller.student_recorders, distiller.deliveries:
        if self.calculate_student_loss:
            student_losses = self.student(batch_inputs, data_samples,
                                          mode='loss')
            losses.update(add_prefix(student_losses, 'student'))
        else:
            frozen = not self.student_trainable
            with torch.no_grad() if frozen else contextlib.nullcontext():
                self.student(batch_inputs, data_samples, mode='loss')
    if not self.teacher_trainable:
        self.teacher_forward.run_after_student(self, batch_inputs,
                                               data_samples)
    if not self.distillation_stopped:
        losses.update(add_prefix(distiller.compute_distill_losses(),
                                 'distill'))
    return losses


def install() -> None:
    """Give both algorithms the policy; idempotent."""
    if getattr(SingleTeacherDistill, _PATCHED, False):
        return
    for cls in (SingleTeacherDistill, FpnTeacherDistill):
        MMRAZOR_LOSS[cls] = cls.loss
        cls.loss = loss
    SingleTeacherDistill.__init__ = _init(SingleTeacherDistill.__init__)
    setattr(SingleTeacherDistill, _PATCHED, True)
