"""Balanced divergences: forward and reverse KL weighted per sample.

Amara et al., "BD-KD: Balancing the Divergences for Online Knowledge
Distillation", arXiv 2022, revised 2024. https://arxiv.org/abs/2212.12965
No official code was found. Only the abstract and a summary of the method
could be read; see the note in ``BDKDLoss`` for which parts are the paper's
and which are ours.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels
from ..structures.pixel_samples import loss_rows
from .utils.loss_args import (check_non_negative, check_num_classes,
                              check_positive)


def entropy_gap_weights(p_S: Tensor, log_p_S: Tensor, p_T: Tensor,
                        log_p_T: Tensor,
                        emphasis: float) -> Tuple[Tensor, Tensor]:
    """Per-row weights of the forward and the reverse KL.

    A row whose student entropy exceeds the teacher's (the student is less
    sure) weights the mode-seeking reverse KL by ``emphasis``; any other row
    weights the mean-seeking forward KL by ``emphasis``. The weights are
    constants: no gradient flows through them.

    Args:
        p_S, log_p_S (Tensor): Student probabilities and their logs
            ``(M, C)``.
        p_T, log_p_T (Tensor): Teacher probabilities and their logs
            ``(M, C)``.
        emphasis (float): Weight of the emphasised divergence.

    Returns:
        tuple: ``(M, )`` forward weights and ``(M, )`` reverse weights.
    """
    with torch.no_grad():
        entropy_S = -(p_S * log_p_S).sum(dim=1)  # (M,)
        entropy_T = -(p_T * log_p_T).sum(dim=1)  # (M,)
        student_less_sure = (entropy_S > entropy_T).to(log_p_S.dtype)
        w_reverse = 1 + (emphasis - 1) * student_less_sure
        w_forward = 1 + (emphasis - 1) * (1 - student_less_sure)
    return w_forward, w_reverse


def bd_kd_loss(preds_S: Tensor, preds_T: Tensor, tau: float,
               emphasis: float) -> Tensor:
    """Entropy-gap-weighted forward plus reverse KL, averaged over rows.

        L = tau^2 / M * sum_i [wf_i KL(p^T_i || p^S_i)
                               + wr_i KL(p^S_i || p^T_i)],

    p_i = softmax_C(z_i / tau) for each of the M rows; (wf_i, wr_i) from
    ``entropy_gap_weights``. Both KLs share log p^T - log p^S, so each row
    is one sum, sum_c (wf_i p^T_ic - wr_i p^S_ic)(log p^T_ic - log p^S_ic).
    Summed over classes, averaged over rows; M = 0 gives a zero connected
    to ``preds_S``.

    Args:
        preds_S (Tensor): Student logits ``(M, C)``.
        preds_T (Tensor): Teacher logits ``(M, C)``.
        tau (float): Temperature.
        emphasis (float): Weight of the emphasised divergence.
    """
    M = preds_S.shape[0]
    log_p_S = F.log_softmax(preds_S / tau, dim=1)  # (M, C)
    log_p_T = F.log_softmax(preds_T / tau, dim=1)  # (M, C)
    p_S, p_T = log_p_S.exp(), log_p_T.exp()
    w_forward, w_reverse = entropy_gap_weights(p_S, log_p_S, p_T, log_p_T,
                                               emphasis)
    mixture = w_forward[:, None] * p_T - w_reverse[:, None] * p_S  # (M, C)
    per_row = (mixture * (log_p_T - log_p_S)).sum(dim=1)  # (M,)
    return tau**2 * per_row.sum() / max(M, 1)


@MODELS.register_module()
class BDKDLoss(nn.Module):
    """Forward and reverse KL, balanced per sample by the entropy gap.

    BD-KD (Amara et al.) trains a teacher and a student together (online
    KD) and replaces the student's distillation term by a sample-wise
    weighted sum of the forward KL(p^T || p^S) and the reverse
    KL(p^S || p^T), the weights set by the gap between the entropies of the
    two predictions. This module is that student-side loss with a fixed
    teacher: the teacher's own objective in the paper (its cross-entropy
    plus a reverse-KL regulariser) belongs to training the teacher and is
    not implemented. Given M rows of logits (pixels or anchors, see below),

        L = loss_weight * tau^2 / M * sum_i [wf_i KL(p^T_i || p^S_i)
                                              + wr_i KL(p^S_i || p^T_i)],
        p_i = softmax_C(z_i / tau),
        (wf_i, wr_i) = (1, emphasis) if H(p^S_i) > H(p^T_i)
                       else (emphasis, 1),

    H the entropy, with the weights held constant (no gradient). A less
    sure student is pushed by the mode-seeking reverse KL, an over-sure one
    by the mean-seeking forward KL. With ``emphasis=1`` this is the
    symmetric (Jeffreys) divergence.

    Note:
        Read from the paper (abstract and a summary of its method): the
        student's loss weights forward and reverse KL sample by sample,
        guided by the entropy gap between teacher and student. Not
        verified, and ours: the exact weighting rule above (a switch on the
        sign of the gap) and the defaults ``emphasis=2.0`` and ``tau=1.0``;
        the paper's method section and code were not available here.
        ``entropy_gap_weights`` holds the rule alone, so that a corrected
        rule is a one-function change.

    Dense input follows ``pixel_samples``: a map ``(N, C, H, W)`` is the
    N*H*W rows of its pixel logits, ``(N, A*C, H, W)`` with
    ``num_classes=C`` the N*H*W*A rows of its anchors, and a tuple of FPN
    levels one set of rows; given ``labels``, the rows labelled -1 (anchors
    without label weight: ignored by the assigner, or in the batch's
    padding) or 255 (ignored pixels) are left out and background stays (the
    detection configs map the student's ``DetTargetLabels``). The loss is an
    average over rows, so it does not grow with resolution; each row's KL
    is a sum over its C classes. The teacher is not detached here (the
    distiller runs it under no_grad).

    Args:
        tau (float): Temperature of both softmaxes and the entropies.
            Defaults to 1.0.
        emphasis (float): Weight of the emphasised divergence, > 0 (> 1
            emphasises). Defaults to 2.0.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C, where channels hold A anchors of C
            classes each. Defaults to None (every channel a class).

    Example:
        >>> import torch
        >>> from akd.losses.bdkd import BDKDLoss
        >>> loss = BDKDLoss(tau=1.0)
        >>> student = torch.randn(2, 19, 8, 16)
        >>> teacher = torch.randn(2, 19, 8, 16)
        >>> loss(student, teacher).shape
        torch.Size([])
        >>> loss(teacher.clone(), teacher).item()
        0.0
    """

    def __init__(self,
                 tau: float = 1.0,
                 emphasis: float = 2.0,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_positive(self, 'tau', tau)
        check_positive(self, 'emphasis', emphasis,
                       '1 gives the symmetric KL')
        check_num_classes(self, num_classes)
        self.tau = tau
        self.emphasis = emphasis
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                labels: Optional[Levels] = None) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): logits
        ``(N, A*C, H, W)`` or ``(M, C)``, or one such tensor per level;
        labels (optional): their labels (``pixel_samples``), to leave out
        the rows that are no samples."""
        S, T, _ = loss_rows(self, preds_S, preds_T, labels,
                            keep_background=True)
        return self.loss_weight * bd_kd_loss(S, T, self.tau, self.emphasis)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, emphasis={self.emphasis}, '
                f'loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')
