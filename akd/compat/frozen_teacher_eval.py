"""Keep a frozen teacher entirely in eval mode, dropout included.

Upstream problem (MMRazor 1.0): ``SingleTeacherDistill.train()`` (and so
``FpnTeacherDistill`` and akd's ``MultiTeacherDistill``) puts only the
teacher's batch-norm layers in eval mode, so a frozen PSPNet or DeepLabV3
teacher keeps its decode head's dropout on and every segmentation config
distils from dropout-perturbed logits. A frozen teacher
(``teacher_trainable=False``, ``teacher_norm_eval=True``, the defaults) is now
in eval mode whenever the algorithm trains. ``teacher_norm_eval=False``
keeps MMRazor's behaviour (the teacher in train mode), as does a trainable
teacher.
"""
from mmrazor.models.algorithms import SingleTeacherDistill

_PATCHED = '_akd_frozen_eval'


def _train(original):

    def train(self, mode: bool = True):
        original(self, mode)
        if mode and not self.teacher_trainable and self.teacher_norm_eval:
            self.teacher.eval()
        return self

    setattr(train, _PATCHED, True)
    return train


def install() -> None:
    """Wrap ``SingleTeacherDistill.train``; idempotent."""
    if getattr(SingleTeacherDistill.train, _PATCHED, False):
        return
    SingleTeacherDistill.train = _train(SingleTeacherDistill.train)
