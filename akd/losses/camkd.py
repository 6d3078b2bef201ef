"""Confidence-aware multi-teacher distillation of dense logits.

Zhang et al., "Confidence-Aware Multi-Teacher Knowledge Distillation",
ICASSP 2022. https://arxiv.org/abs/2201.00007
Official code (read, not copied): https://github.com/Rorozhl/CA-MKD
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels
from ..structures.pixel_samples import loss_rows
from .utils.loss_args import (check_non_negative, check_num_classes,
                              check_positive)


def confidence_weights(teacher_rows: Sequence[Tensor],
                       labels: Tensor) -> Tensor:
    """w_ki = (1 - softmax_k(CE(z^k_i, y_i))) / (K - 1): ``(K, M)``."""
    ce = torch.stack([
        F.cross_entropy(rows, labels, reduction='none')
        for rows in teacher_rows
    ])  # (K, M)
    return (1 - ce.softmax(dim=0)) / (len(teacher_rows) - 1)


def camkd_loss(student_rows: Tensor, teacher_rows: Sequence[Tensor],
               labels: Tensor, tau: float) -> Tensor:
    """tau^2 / M * sum_i sum_k w_ki KL(softmax(z^k_i/tau) || softmax(s_i/tau)).

    Args:
        student_rows (Tensor): ``(M, C)`` student logits.
        teacher_rows (Sequence[Tensor]): K ``(M, C)`` teacher logits.
        labels (Tensor): ``(M, )`` classes.
        tau (float): Temperature.
    """
    weights = confidence_weights(teacher_rows, labels)  # (K, M)
    log_q = F.log_softmax(student_rows / tau, dim=1)  # (M, C)
    kl = torch.stack([
        F.kl_div(log_q, F.log_softmax(rows / tau, dim=1), log_target=True,
                 reduction='none').sum(dim=1) for rows in teacher_rows
    ])  # (K, M)
    return tau**2 * (weights * kl).sum() / student_rows.shape[0]


@MODELS.register_module()
class CAMKDLoss(nn.Module):
    """KD from K teachers, each weighted per sample by its confidence.

    With the cross-entropy of teacher k on sample i,
    CE_ki = -log softmax(z^k_i)[y_i], its weight is

        w_ki = (1 - softmax_k(CE_ki)) / (K - 1),   sum_k w_ki = 1,

    so the teacher that predicts the label best counts most, and

        L = loss_weight * tau^2 / M * sum_i sum_k w_ki
            * KL(softmax(z^k_i / tau) || softmax(s_i / tau)),

    a mean over the M samples. Every pixel (or anchor) is a sample
    (``pixel_samples``): per-pixel weights for segmentation, per positive
    anchor for detection; ignored pixels and background anchors are left
    out. The official code also divides by K, a constant folded into
    ``loss_weight`` here. Its intermediate-feature term (a per-teacher
    regressor of student features, weighted alike) is not included: add a
    feature loss per teacher in the config for it.

    Args:
        tau (float): Temperature (the official code's ``kd_T``, 4).
            Defaults to 4.0.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C, where logit channels hold anchors x
            classes. Defaults to None.

    Example:
        >>> import torch
        >>> from akd.losses import CAMKDLoss
        >>> student = torch.randn(2, 5, 4, 4)
        >>> teachers = [torch.randn(2, 5, 4, 4), torch.randn(2, 5, 4, 4)]
        >>> labels = torch.randint(0, 5, (2, 16, 16))
        >>> CAMKDLoss()(student, teachers, labels).shape
        torch.Size([])
    """

    def __init__(self,
                 tau: float = 4.0,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_positive(self, 'tau', tau)
        check_num_classes(self, num_classes)
        self.tau = tau
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self, preds_S: Levels, preds_T: Sequence[Levels],
                gt_labels: Levels) -> Tensor:
        """Args:
            preds_S (Tensor | Sequence[Tensor]): Student logits.
            preds_T (Sequence): One entry per teacher, each shaped like
                ``preds_S`` (``EnsembleOutputs`` records them).
            gt_labels (Tensor | Sequence[Tensor]): Per-pixel or per-anchor
                labels.
        """
        if not isinstance(preds_T, (list, tuple)) or len(preds_T) < 2:
            raise ValueError(
                'CAMKDLoss: preds_T must be a list of two or more teachers\' '
                "logits; record them with dict(type='EnsembleOutputs', ...) "
                'under MultiTeacherDistill.')
        rows = [
            loss_rows(self, preds_S, teacher, gt_labels) for teacher in preds_T
        ]
        student, _, labels = rows[0]
        if labels.numel() == 0:
            return student.sum() * 0
        loss = camkd_loss(student, [t for _, t, _ in rows], labels, self.tau)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')
