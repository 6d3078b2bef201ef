"""One student, one teacher: akd's single-teacher distillation algorithm.

``FrozenTeacherDistill`` is MMRazor's ``SingleTeacherDistill`` with akd's
teacher handling, in a class of its own (MMRazor's class is left as it is):

- **the teacher runs only as far as distillation reads it**
  (:class:`akd.algorithms.teacher_forward.TeacherForward`). MMRazor runs a
  frozen teacher in ``loss`` mode, assigning labels and computing losses
  that are thrown away. ``teacher_forward='extract_feat'`` is what MMRazor's
  ``FpnTeacherDistill`` runs;
- **the teacher checkpoint is checked**: read onto the CPU and required to
  fill every teacher weight that runs (backbone and neck under
  ``'extract_feat'``, the whole teacher otherwise), where MMRazor's
  non-strict load only logs "do not match exactly" and goes on from a
  random teacher;
- **a frozen teacher is entirely in eval mode** while the student trains,
  dropout included. MMRazor's ``train()`` puts only its batch-norm layers in
  eval mode, so a PSPNet teacher distils from dropout-perturbed logits;
- its ``loss`` keeps ``calculate_student_loss`` for every forward (MMRazor's
  ``FpnTeacherDistill.loss`` drops it).

A trainable teacher learns from its own losses, so it runs in ``loss`` mode
in float32, as under MMRazor. Configs written for MMRazor name
``SingleTeacherDistill`` or ``FpnTeacherDistill``; akd's tools build this
class for them (:mod:`akd.tooling.akd_types`).
"""
import contextlib
from typing import Optional

import torch
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS

from ..checkpoints.checkpoint_files import read_checkpoint
from ..checkpoints.checkpoint_fit import load_teacher
from .teacher_forward import TeacherForward

CKPT_KEY = 'model.teacher_ckpt'
# The teacher parts that run under each forward, where not all of them do.
RUNNING_PARTS = {'extract_feat': ('backbone.', 'neck.')}


@MODELS.register_module()
class FrozenTeacherDistill(SingleTeacherDistill):
    """``SingleTeacherDistill`` with a frozen teacher run by a policy.

    Args:
        teacher_ckpt (str, optional): The teacher's checkpoint, loaded onto
            the CPU; it must fill every teacher weight that runs.
        teacher_forward (str): How far the frozen teacher runs: ``'auto'``
            (default), ``'extract_feat'``, ``'tensor'``, ``'loss'`` or
            ``'student_rois'`` (see :mod:`akd.algorithms.teacher_forward`).
        teacher_dtype (str, optional): ``'bfloat16'`` or ``'float16'``
            autocast for the teacher (CUDA only unless
            ``teacher_dtype_on_cpu``). Defaults to None (float32).
        teacher_dtype_on_cpu (bool): Apply ``teacher_dtype`` on the CPU too.
        teacher_channels_last (bool): The teacher's weights and inputs in
            ``channels_last`` layout.
        **kwargs: ``SingleTeacherDistill``'s other arguments
            (``architecture``, ``teacher``, ``distiller``,
            ``teacher_trainable``, ``teacher_norm_eval``,
            ``calculate_student_loss``, ...).
    """

    def __init__(self,
                 *args,
                 teacher_ckpt: Optional[str] = None,
                 teacher_forward: str = 'auto',
                 teacher_dtype: Optional[str] = None,
                 teacher_dtype_on_cpu: bool = False,
                 teacher_channels_last: bool = False,
                 **kwargs) -> None:
        policy = TeacherForward(teacher_forward, teacher_dtype,
                                teacher_dtype_on_cpu, teacher_channels_last)
        super().__init__(*args, teacher_ckpt=None, **kwargs)
        if self.teacher_trainable and (
                teacher_forward not in ('auto', 'loss') or teacher_dtype
                or teacher_channels_last):
            raise ValueError(
                'model.teacher_trainable=True: a trainable teacher learns '
                "from its own losses in 'loss' mode in float32, so "
                'teacher_forward, teacher_dtype and teacher_channels_last '
                'do not apply; remove them or freeze the teacher.')
        if teacher_ckpt:  # after the checks: reading it may take a while
            checkpoint = read_checkpoint(teacher_ckpt, CKPT_KEY)
            load_teacher(self.teacher, checkpoint, CKPT_KEY, teacher_ckpt,
                         'model.teacher',
                         runs=RUNNING_PARTS.get(teacher_forward))
            self.teacher._is_init = True  # init_weights must not refill it
        policy.prepare(self)
        self.teacher_forward = policy

    def train(self, mode: bool = True) -> 'FrozenTeacherDistill':
        """MMRazor's ``train``; a frozen teacher then goes entirely to eval
        mode (``teacher_norm_eval=False`` keeps MMRazor's train mode)."""
        super().train(mode)
        if mode and not self.teacher_trainable and self.teacher_norm_eval:
            self.teacher.eval()
        return self

    def loss(self, batch_inputs: torch.Tensor, data_samples=None) -> dict:
        """MMRazor's single-teacher step with the teacher run by its
        policy."""
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
            losses.update(
                add_prefix(distiller.compute_distill_losses(), 'distill'))
        return losses
