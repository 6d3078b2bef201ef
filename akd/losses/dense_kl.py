"""Soft-label KL divergence on dense logits, every position a sample.

Hinton et al., "Distilling the Knowledge in a Neural Network", NIPS 2014
Deep Learning Workshop. https://arxiv.org/abs/1503.02531
As used on per-pixel and per-anchor logits by FRSKD (Ji et al., CVPR 2021,
https://arxiv.org/abs/2103.08273).
"""
from typing import Optional, Tuple

import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels, paired_levels
from ..structures.pixel_samples import masked_sum, sample_anchors
from .utils.avatar_ensembles import avatar_form
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


def cross_term(preds_S: Tensor,
               target: Tensor,
               tau: float,
               sigmoid: bool,
               samples: Optional[Tensor] = None) -> Tensor:
    """sum p log q of target p and student q = softmax_C (or sigmoid), over
    the anchors ``samples`` keeps (:func:`masked_sum`)."""
    z = preds_S / tau
    if sigmoid:
        terms = target * F.logsigmoid(z) + (1 - target) * F.logsigmoid(-z)
    else:
        terms = target * F.log_softmax(z, dim=1)
    return terms.sum() if samples is None else masked_sum(terms, samples)


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

    Given ``labels``, the logits of the anchors labelled -1 (no label
    weight: ignored by the assigner, or in the batch's padding) or 255
    (ignored pixels) are left out (:func:`sample_anchors`), and P counts the
    samples: kept anchors / A. Background stays a sample. The RetinaNet
    configs map the student's ``DetTargetLabels``.

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

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                labels: Optional[Levels] = None) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): logits
        ``(N, C, ...)``, or one tensor per FPN level (then the positions of
        all levels are the samples); labels (optional): per-anchor labels
        or label maps, one per level (:func:`sample_anchors`)."""
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        level_labels = ([None] * len(levels_S) if labels is None else
                        as_levels(labels))
        if len(level_labels) != len(levels_S):
            raise ValueError(
                f'{type(self).__name__}: {len(levels_S)} levels of logits '
                f'but {len(level_labels)} of labels: give one label tensor '
                'per level.')
        terms = [
            self._kl_sum(s, t.unsqueeze(1), t.new_ones(1), y)
            for s, t, y in zip(levels_S, levels_T, level_labels)
        ]
        positions = sum(p for _, p in terms)
        return self.loss_weight * self.tau**2 * sum(
            kl for kl, _ in terms) / positions

    def avatar_loss(self,
                    preds_S: Tensor,
                    avatars: Tensor,
                    weights: Tensor,
                    labels: Optional[Tensor] = None) -> Tensor:
        """sum_k w_k L(S, A_k) for avatars ``(N, K, C, ...)``, in one pass."""
        kl, positions = self._kl_sum(preds_S, avatars, weights, labels)
        return self.loss_weight * self.tau**2 * kl / positions

    def _kl_sum(self, preds_S: Tensor, avatars: Tensor, weights: Tensor,
                labels: Optional[Tensor]) -> Tuple[Tensor, float]:
        """sum_k w_k of the KLs summed over the samples, and P."""
        if preds_S.shape != avatars[:, 0].shape:
            raise ValueError(
                f'{type(self).__name__}: student shape '
                f'{tuple(preds_S.shape)} != teacher shape '
                f'{tuple(avatars[:, 0].shape)}: both must be logits of the '
                'same classes at the same positions.')
        K, C = avatars.shape[1:3]
        samples = None
        positions = preds_S.numel() // C
        if labels is not None:
            try:
                samples = sample_anchors(labels, preds_S)
            except ValueError as error:
                raise ValueError(f'{type(self).__name__}: {error}') from None
            # P: the kept anchors over A, N*H*W when every anchor is kept
            positions = (samples.sum() / samples.shape[1]).clamp_min(1e-12)
            samples = samples.to(preds_S.dtype)
        flat = avatars.transpose(0, 1).flatten(0, 1)  # (K*N, C, ...)
        p, p_log_p = target_terms(flat, self.tau, self.sigmoid)
        if samples is None:
            neg_entropy = p_log_p.reshape(K, -1).sum(dim=1)  # (K,)
        else:
            neg_entropy = masked_sum(
                p_log_p.reshape(K, *preds_S.shape), samples, avatars=True)
        p_bar = (weights.to(p.dtype) @ p.reshape(K, -1)).reshape(
            preds_S.shape)  # sum_k w_k p_k
        cross = cross_term(preds_S, p_bar, self.tau, self.sigmoid, samples)
        kl = (neg_entropy * weights).sum() - cross
        return kl, positions

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, sigmoid={self.sigmoid}, '
                f'loss_weight={self.loss_weight}')


avatar_form(DenseKLDivergence)(DenseKLDivergence.avatar_loss)
