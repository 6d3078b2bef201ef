"""Decoupled knowledge distillation on dense logits, every pixel a sample.

Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022.
https://arxiv.org/abs/2203.08679
Official code (read, not copied): https://github.com/megvii-research/mdistiller
"""
from typing import Optional, Tuple

import torch
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels
from ..structures.pixel_samples import loss_rows, non_target
from .utils.loss_args import (check_non_negative, check_num_classes,
                              check_positive)


def decoupled_log_probs(z: Tensor, labels: Tensor) -> Tuple[Tensor, Tensor]:
    """log b and log p~ of the rows' softmax distributions p = softmax(z).

    b = (p_y, 1 - p_y) is the binary target/non-target split and p~ the
    distribution over the C-1 non-target classes, p~_c = p_c / (1 - p_y).
    Both come from log-sum-exps, log(1 - p_y) = logsumexp_{c!=y} z_c -
    logsumexp_c z_c, so they stay finite when p_y rounds to 1.

    Args:
        z (Tensor): Logits over temperature, ``(M, C)``.
        labels (Tensor): Targets ``(M, )`` in [0, C).

    Returns:
        tuple: log b ``(M, 2)`` and log p~ ``(M, C-1)``.
    """
    z_nt = non_target(z, labels)  # (M, C-1)
    lse = z.logsumexp(dim=1)  # (M,)
    lse_nt = z_nt.logsumexp(dim=1)  # (M,)
    z_y = z.gather(1, labels[:, None])[:, 0]  # (M,)
    log_b = torch.stack([z_y - lse, lse_nt - lse], dim=1)  # (M, 2)
    return log_b, z_nt - lse_nt[:, None]


def row_kl(log_p: Tensor, log_q: Tensor) -> Tensor:
    """KL(p || q) of each row from log-probabilities: ``(M, K)`` -> ``(M,)``.
    """
    return (log_p.exp() * (log_p - log_q)).sum(dim=1)


def decoupled_kd(preds_S: Tensor, preds_T: Tensor, labels: Tensor, tau: float,
                 alpha: float, beta: float) -> Tensor:
    """tau^2 / M * sum_i [alpha * KL(b^T_i || b^S_i) + beta * KL(p~^T_i ||
    p~^S_i)] over M rows of logits.

    Args:
        preds_S (Tensor): Student logits ``(M, C)``, C >= 2.
        preds_T (Tensor): Teacher logits ``(M, C)``.
        labels (Tensor): Targets ``(M, )`` in [0, C).
        tau (float): Temperature.
        alpha (float): Weight of TCKD.
        beta (float): Weight of NCKD.

    Returns:
        Tensor: The loss averaged over the M rows.
    """
    log_b_S, log_p_S = decoupled_log_probs(preds_S / tau, labels)
    log_b_T, log_p_T = decoupled_log_probs(preds_T / tau, labels)
    tckd = row_kl(log_b_T, log_b_S)  # (M,)
    nckd = row_kl(log_p_T, log_p_S)  # (M,)
    return tau**2 * (alpha * tckd + beta * nckd).mean()


@MODELS.register_module()
class DenseDKDLoss(nn.Module):
    """DKD's target and non-target KLs, every pixel or anchor a sample.

    On the M rows of logits z^S_i, z^T_i (i = 1..M) that carry a class
    label y_i in [0, C), with p_i = softmax(z_i / tau),

        b_i = (p_iy, 1 - p_iy),   p~_ic = p_ic / (1 - p_iy) for c != y_i,
        L = loss_weight * tau^2 / M * sum_i [alpha * KL(b^T_i || b^S_i)
                                            + beta * KL(p~^T_i || p~^S_i)],

    TCKD (alpha) and NCKD (beta) of the paper, summed over the rows and
    divided by M: the loss is a mean over labelled pixels or anchors, so it
    does not grow with H*W. The rows come from ``pixel_samples``:
    ``(N, C, H, W)`` maps give N*H*W rows with their labels (maps at another
    resolution resized by nearest neighbour), a tuple of FPN levels of
    ``(N, A*C, H, W)`` per-anchor logits (``num_classes=C``) with per-level
    labels ``(N, H*W*A)`` gives their anchors, and rows labelled 255 or C
    (ignore, background) are dropped. Without labelled rows the loss is a
    zero that keeps the graph.

    MMRazor's ``DKDLoss`` (the official mdistiller code) is not usable on
    dense input, hence a new name: on ``(N, C, H, W)`` it raises a
    RuntimeError (its scatter wants ``(N, C)``), labels 255 or C are out of
    range for its scatter, and its ``'batchmean'`` would divide by N, not by
    the N*H*W pixels. On rows it computes log(1 - p_y) as the log of a sum of
    softmax probabilities, which is log 0 = -inf once the target's logit
    leads the others by about 100 * tau (detection logits reach -160), so the
    loss turns inf or NaN; and it leaves the target out of NCKD by
    subtracting 1000 from z_y / tau. Here both come from log-sum-exps over
    the C-1 gathered non-target logits, exactly; on ordinary rows the two
    agree. The official defaults (CIFAR-100) are alpha=1, beta=8 (kept
    here) and tau=4; its ImageNet setting uses beta=0.5, tau=1. Its warm-up
    factor min(epoch / 20, 1) is not part of the loss.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        alpha (float): Weight of TCKD. Defaults to 1.0.
        beta (float): Weight of NCKD. Defaults to 8.0.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C where logit channels are A anchors x
            C classes (detection heads). Defaults to None (channels = C).

    Example:
        >>> import torch
        >>> from akd.losses.dense_dkd import DenseDKDLoss
        >>> loss = DenseDKDLoss(tau=4.0)
        >>> preds_S = torch.randn(2, 19, 8, 16)
        >>> preds_T = torch.randn(2, 19, 8, 16)
        >>> gt_labels = torch.randint(0, 19, (2, 64, 128))  # nearest-resized
        >>> gt_labels[:, :8] = 255  # ignored
        >>> loss(preds_S, preds_T, gt_labels).shape
        torch.Size([])
    """

    def __init__(self,
                 tau: float = 1.0,
                 alpha: float = 1.0,
                 beta: float = 8.0,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_positive(self, 'tau', tau)
        check_non_negative(self, 'alpha', alpha)
        check_non_negative(self, 'beta', beta)
        check_num_classes(self, num_classes)
        self.tau = tau
        self.alpha = alpha
        self.beta = beta
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self, preds_S: Levels, preds_T: Levels,
                gt_labels: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | tuple): logits ``(N, C, H, W)``,
        ``(M, C)`` or FPN levels; gt_labels: their labels (see
        ``pixel_samples``)."""
        S, T, y = loss_rows(self, preds_S, preds_T, gt_labels)
        if S.shape[1] < 2:
            raise ValueError(
                f'{type(self).__name__} needs at least 2 classes to split '
                f'target from non-target, got logit rows {tuple(S.shape)}: '
                'set num_classes to the head\'s number of classes.')
        if S.shape[0] == 0:
            return S.sum() * 0  # no labelled row; keeps the graph
        return self.loss_weight * decoupled_kd(S, T, y, self.tau, self.alpha,
                                               self.beta)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, alpha={self.alpha}, beta={self.beta}, '
                f'loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')
