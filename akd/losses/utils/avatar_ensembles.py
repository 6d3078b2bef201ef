"""Weighted sums of a base loss over K avatars, in one batched pass.

Zhang et al., "Avatar Knowledge Distillation: Self-ensemble Teacher Paradigm
with Uncertainty", ACM MM 2023. https://arxiv.org/abs/2305.02722

``avatar_ensemble_loss(base_loss, preds_S, avatars, weights)`` returns
L = sum_k w_k * base_loss(preds_S, avatars[:, k]) for avatars ``(N, K, ...)``.

Losses linear in the teacher's target t(a) (a softmax, or the tensor itself)
satisfy sum_k w_k L(S, a_k) = L(S, sum_k w_k t(a_k)) + const, where const
depends on the avatars only: the student side runs once against the mean
target, and const keeps the value exact.
- KL against a distribution (CWD, KLDivergence): with p_k = t(a_k),
  sum_k w_k KL(p_k || q) = -sum p_mean log q + sum_k w_k sum p_k log p_k.
- Squared error (MGD): sum_k w_k |S - a_k|^2 = |S - a_mean|^2
  + sum_k w_k |a_k - a_mean|^2; PKD is the same on channel-normalised maps.
DIST's Pearson correlations are not linear in the target; its K avatars are
batched along the avatar axis. These five forms, for MMRazor's losses, and
those of akd's own losses (each loss's ``avatar_loss``: the head losses of
CrossKD, BCKD and LD among them) are registered with
``avatar_form(LossType)``; a loss without one, or under
``one_pass=False``, costs one call per avatar.
"""
from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F
from mmrazor.models.losses import (ChannelWiseDivergence, DISTLoss,
                                   KLDivergence, MGDLoss, PKDLoss)
from torch import Tensor, nn

AVATAR_FORMS: Dict[type, Callable] = {}


def avatar_form(*loss_types: type) -> Callable:
    """Register ``form(loss, preds_S, avatars, weights, **inputs)`` as the
    one-pass weighted sum over K avatars of ``loss_types`` (and their
    subclasses)."""

    def register(form: Callable) -> Callable:
        for loss_type in loss_types:
            AVATAR_FORMS[loss_type] = form
        return form

    return register


def _form_of(base_loss: nn.Module) -> Optional[Callable]:
    return next((AVATAR_FORMS[cls] for cls in type(base_loss).__mro__
                 if cls in AVATAR_FORMS), None)


def avatar_mean(values: Tensor, weights: Tensor) -> Tensor:
    """sum_k w_k values[:, k]: ``(N, K, ...)`` -> ``(N, ...)``.

    One matrix-vector product per sample: on CPU about 8x faster than
    multiplying and summing, which writes a temporary as large as values.
    """
    N, K, *rest = values.shape
    w = weights.to(values.dtype)  # half-precision values under AMP
    return (w @ values.reshape(N, K, -1)).reshape(N, *rest)


def _weighted_dot(a: Tensor, b: Tensor, weights: Tensor) -> Tensor:
    """sum_k w_k <a[:, k], b[:, k]> for ``(N, K, ...)`` tensors.

    One ``torch.dot`` per sample and avatar: no temporary of the tensors'
    size, and on CPU half the time of multiplying and summing (a batched
    ``bmm`` of row vectors takes 6x longer).
    """
    N, K = a.shape[:2]
    rows_a, rows_b = a.reshape(N * K, -1), b.reshape(N * K, -1)
    dots = torch.stack([torch.dot(x, y) for x, y in zip(rows_a, rows_b)])
    return (dots.reshape(N, K) * weights).sum()


def _over_tau(x: Tensor, tau: float) -> Tensor:
    """x / tau, without a pass over x when tau is 1."""
    return x if tau == 1 else x / tau


@avatar_form(ChannelWiseDivergence)
def _cwd(loss: ChannelWiseDivergence, preds_S: Tensor, avatars: Tensor,
         weights: Tensor) -> Tensor:
    N, K, C = avatars.shape[:3]
    tau = loss.tau
    log_p = F.log_softmax(
        _over_tau(avatars.reshape(N, K, C, -1), tau), dim=-1)
    p = log_p.exp()  # (N, K, C, H*W)
    neg_entropy = _weighted_dot(p, log_p, weights)
    log_q = F.log_softmax(_over_tau(preds_S.reshape(N, C, -1), tau), dim=-1)
    cross = -(avatar_mean(p, weights) * log_q).sum()  # p_mean: (N, C, HW)
    return loss.loss_weight * tau**2 * (neg_entropy + cross) / (N * C)


@avatar_form(KLDivergence)
def _kl(loss: KLDivergence, preds_S: Tensor, avatars: Tensor,
        weights: Tensor) -> Tensor:
    tau = loss.tau
    log_p = F.log_softmax(_over_tau(avatars, tau), dim=2)  # (N, K, C, ...)
    p = log_p.exp()
    log_q = F.log_softmax(_over_tau(preds_S, tau), dim=1)  # (N, C, ...)
    pointwise = (avatar_mean(p * log_p, weights) -
                 avatar_mean(p, weights) * log_q)  # (N, C, ...)
    reduce = {
        'none': lambda x: x,
        'sum': torch.sum,
        'mean': torch.mean,
        'batchmean': lambda x: x.sum() / x.shape[0],
    }[loss.reduction]
    return loss.loss_weight * tau**2 * reduce(pointwise)


@avatar_form(MGDLoss)
def _mgd(loss: MGDLoss, preds_S: Tensor, avatars: Tensor,
         weights: Tensor) -> Tensor:
    N = preds_S.shape[0]
    mean = avatar_mean(avatars, weights)  # (N, C, H, W)
    deviation = avatars - mean.unsqueeze(1)  # (N, K, C, H, W)
    spread = _weighted_dot(deviation, deviation, weights)
    return loss.alpha_mgd * (((preds_S - mean)**2).sum() + spread) / N


def _channel_normalised(x: Tensor, channel_dim: int) -> Tensor:
    """PKD's normalisation: each channel to zero mean and unit (unbiased)
    std over the batch (dim 0) and positions (after ``channel_dim``), with
    PKDLoss's epsilon; avatars ``(N, K, C, ...)`` each on their own."""
    dims = [0, *range(channel_dim + 1, x.dim())]
    mean = x.mean(dims, keepdim=True)
    std = x.std(dims, keepdim=True)
    return (x - mean) / (std + 1e-6)


@avatar_form(PKDLoss)
def _pkd(loss: PKDLoss, preds_S: Tensor, avatars: Tensor,
         weights: Tensor) -> Tensor:
    if preds_S.dim() != 4:
        raise ValueError(
            f'PKDLoss takes (N, C, H, W) maps, got {tuple(preds_S.shape)}.')
    student = _channel_normalised(preds_S, channel_dim=1)  # (N, C, H, W)
    normalised = _channel_normalised(avatars, channel_dim=2)  # per avatar
    mean = avatar_mean(normalised, weights)
    deviation = normalised - mean.unsqueeze(1)
    spread = _weighted_dot(deviation, deviation, weights)
    squared = ((student - mean)**2).sum() + spread
    return loss.loss_weight * squared / (2 * preds_S.numel())


def _pearson(a: Tensor, b: Tensor, dim: int, eps: float = 1e-8) -> Tensor:
    """MMRazor's ``pearson_correlation`` along ``dim`` (broadcasting)."""
    a = a - a.mean(dim, keepdim=True)
    b = b - b.mean(dim, keepdim=True)
    return (a * b).sum(dim) / (a.norm(dim=dim) * b.norm(dim=dim) + eps)


@avatar_form(DISTLoss)
def _dist(loss: DISTLoss, preds_S: Tensor, avatars: Tensor,
          weights: Tensor) -> Tensor:
    tau = loss.tau
    y_t = _over_tau(avatars, tau).softmax(dim=2)  # (N, K, C, ...)
    y_s = _over_tau(preds_S, tau).softmax(dim=1).unsqueeze(1)  # (N, 1, C, ...)
    K = avatars.shape[1]
    # inter-class: along classes, per sample; intra-class: along the batch
    inter = 1 - _pearson(y_s, y_t, dim=2).transpose(0, 1).reshape(K, -1)
    intra = 1 - _pearson(y_s, y_t, dim=0).reshape(K, -1)
    per_avatar = (loss.inter_loss_weight * inter.mean(1) +
                  loss.intra_loss_weight * intra.mean(1))  # (K,)
    return loss.loss_weight * tau**2 * (per_avatar * weights).sum()


def has_batched_form(base_loss: nn.Module) -> bool:
    """Whether K avatars cost one pass (else one base-loss call each)."""
    return _form_of(base_loss) is not None


def avatar_ensemble_loss(base_loss: nn.Module,
                         preds_S: Tensor,
                         avatars: Tensor,
                         weights: Tensor,
                         one_pass: bool = True,
                         **other_inputs) -> Tensor:
    """sum_k w_k * base_loss(preds_S, avatars[:, k], **other_inputs).

    Args:
        base_loss (nn.Module): The wrapped distillation loss.
        preds_S (Tensor): Student tensor ``(N, C, ...)``.
        avatars (Tensor): Detached avatars ``(N, K, C, ...)``.
        weights (Tensor): Avatar weights ``(K,)``, summing to 1.
        one_pass (bool): Use the loss's one-pass form where it has one;
            False calls the loss once per avatar. Defaults to True.
        other_inputs: Further inputs of the base loss (e.g. labels),
            passed to every call.
    """
    form = _form_of(base_loss) if one_pass else None
    if form is not None:
        return form(base_loss, preds_S, avatars, weights, **other_inputs)
    # contiguous: losses such as MMRazor's CWD ``view`` their inputs
    return sum(
        w * base_loss(preds_S, avatars[:, k].contiguous(), **other_inputs)
        for k, w in enumerate(weights))
