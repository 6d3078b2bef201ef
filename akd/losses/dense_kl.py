"""Soft-label KL divergence on dense logits, every position a sample.

Hinton et al., "Distilling the Knowledge in a Neural Network", NIPS 2014
Deep Learning Workshop. https://arxiv.org/abs/1503.02531
As used on per-pixel and per-anchor logits by FRSKD (Ji et al., CVPR 2021,
https://arxiv.org/abs/2103.08273).
"""
from typing import Tuple

import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from .utils.avatar_ensembles import avatar_form
from .utils.levels import Levels, paired_levels
from .utils.loss_args import check_non_negative, check_positive


def target_terms(preds_T: Tensor, tau: float,
                 sigmoid: bool) -> Tuple[Tensor, Tensor]:
    """The teacher's probabilities p and, elementwise, p log p.

    Args:
        preds_T (Tensor): Teacher logits, classes on dim 1.
        tau (float): Temperature.
        sigmoid (bool): Each logit is its own binary distribution; then
            p log p includes the other side, (1 - p) log(1 - p).

    Returns:
        tuple: p and p log p, each shaped like ``preds_T``.
    """
    z = preds_T / tau
    if sigmoid:
        p = z.sigmoid()
        return p, p * F.logsigmoid(z) + (1 - p) * F.logsigmoid(-z)
    log_p = F.log_softmax(z, dim=1)
    p = log_p.exp()
    return p, p * log_p


def cross_term(preds_S: Tensor, target: Tensor, tau: float,
               sigmoid: bool) -> Tensor:
    """sum p log q of target p and student q = softmax_C (or sigmoid)."""
    z = preds_S / tau
    if sigmoid:
        return (target * F.logsigmoid(z) +
                (1 - target) * F.logsigmoid(-z)).sum()
    return (target * F.log_softmax(z, dim=1)).sum()


@MODELS.register_module()
class DenseKLDivergence(nn.Module):
    """KL from the teacher's to the student's per-position class
    distributions, averaged over positions.

    For logits ``(N, C, H, W)`` (or ``(N, C)``), with P = N*H*W positions,

        L = loss_weight * tau^2 / P * sum_{n,h,w} KL(p^T_nhw || p^S_nhw),

    p_nhw = softmax_C(z_nhw / tau), or with ``sigmoid=True`` the C
    independent binary distributions (sigmoid(z/tau), 1 - sigmoid(z/tau)),
    whose KLs are summed over C (focal-loss heads such as RetinaNet and
    FCOS). The value equals the same loss on the ``(N*H*W, C)`` matrix of
    position logits, does not grow with resolution, and at tau=1 without
    sigmoid is FRSKD's pixel KL normalised by B*H*W. Per-anchor detection
    logits ``(N, A*C, H, W)`` are given as ``(N*A, C, H, W)``, or as they
    are with ``sigmoid=True`` (then a position's KL sums its A anchors); a
    tuple of FPN levels is one set of positions.

    With ``AvatarKDLoss``, K avatars cost one pass (``avatar_loss``): the KL
    is linear in the target, so sum_k w_k KL(p_k || q) = sum_k w_k sum
    p_k log p_k - sum p_bar log q, p_bar = sum_k w_k p_k.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        sigmoid (bool): Binary distributions per logit. Defaults to False.
        loss_weight (float): Scale of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from akd.losses import DenseKLDivergence
        >>> loss = DenseKLDivergence(tau=4.0)
        >>> loss(torch.randn(2, 19, 8, 16), torch.randn(2, 19, 8, 16)).shape
        torch.Size([])
    """

    def __init__(self,
                 tau: float = 1.0,
                 sigmoid: bool = False,
                 loss_weight: float = 1.0):
        super().__init__()
        check_positive(self, 'tau', tau)
        self.tau = tau
        self.sigmoid = sigmoid
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight

    def forward(self, preds_S: Levels, preds_T: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): logits
        ``(N, C, ...)``, or one tensor per FPN level (then the positions of
        all levels are the samples)."""
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        if len(levels_S) == 1:
            teacher = levels_T[0]
            return self.avatar_loss(levels_S[0], teacher.unsqueeze(1),
                                    teacher.new_ones(1))
        positions = [x.numel() // x.shape[1] for x in levels_S]
        return sum(
            self.avatar_loss(s, t.unsqueeze(1), t.new_ones(1)) * p
            for s, t, p in zip(levels_S, levels_T, positions)) / sum(
                positions)

    def avatar_loss(self, preds_S: Tensor, avatars: Tensor,
                    weights: Tensor) -> Tensor:
        """sum_k w_k L(S, A_k) for avatars ``(N, K, C, ...)``, in one pass."""
        if preds_S.shape != avatars[:, 0].shape:
            raise ValueError(
                f'{type(self).__name__}: student shape '
                f'{tuple(preds_S.shape)} != teacher shape '
                f'{tuple(avatars[:, 0].shape)}: both must be logits of the '
                'same classes at the same positions.')
        K, C = avatars.shape[1:3]
        flat = avatars.transpose(0, 1).flatten(0, 1)  # (K*N, C, ...)
        p, p_log_p = target_terms(flat, self.tau, self.sigmoid)
        neg_entropy = p_log_p.reshape(K, -1).sum(dim=1)  # (K,)
        p_bar = (weights.to(p.dtype) @ p.reshape(K, -1)).reshape(
            preds_S.shape)  # sum_k w_k p_k
        cross = cross_term(preds_S, p_bar, self.tau, self.sigmoid)
        positions = preds_S.numel() // C
        kl = (neg_entropy * weights).sum() - cross
        return self.loss_weight * self.tau**2 * kl / positions

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, sigmoid={self.sigmoid}, '
                f'loss_weight={self.loss_weight}')


avatar_form(DenseKLDivergence)(DenseKLDivergence.avatar_loss)
