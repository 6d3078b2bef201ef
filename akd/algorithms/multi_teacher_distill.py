"""Distillation from several teachers at once.

Zhang et al., "Confidence-Aware Multi-Teacher Knowledge Distillation",
ICASSP 2022. https://arxiv.org/abs/2201.00007
Official code (read, not copied): https://github.com/Rorozhl/CA-MKD
"""
from typing import Dict

from mmrazor.registry import MODELS

from ..models.teacher_ensemble import TeacherEnsemble
from .frozen_teacher_distill import FrozenTeacherDistill


@MODELS.register_module()
class MultiTeacherDistill(FrozenTeacherDistill):
    """``FrozenTeacherDistill`` whose teacher is a ``TeacherEnsemble``.

    All teachers run on every batch, frozen, in eval mode and under
    ``no_grad`` (the single-teacher step applied to the ensemble);
    teacher recorders address ``<teacher name>.<module path>``, or one path
    in every teacher with ``EnsembleOutputs``, which gives a loss such as
    ``CAMKDLoss`` the list of the teachers' outputs.

    Args:
        teachers (dict): ``{name: dict(model=..., ckpt=...)}``, two or more.
        **kwargs: ``FrozenTeacherDistill``'s arguments (``architecture``,
            ``distiller``, ``teacher_norm_eval``, ...), except ``teacher``
            and ``teacher_ckpt``.

    """

    def __init__(self, teachers: Dict[str, dict], **kwargs) -> None:
        for key in ('teacher', 'teacher_ckpt'):
            if key in kwargs:
                raise ValueError(
                    f'MultiTeacherDistill takes model.teachers=dict(<name>='
                    f'dict(model=..., ckpt=...)), not model.{key}.')
        super().__init__(teacher=TeacherEnsemble(teachers), **kwargs)
