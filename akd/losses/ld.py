"""Localization distillation on a GFL head's box-edge distributions.

Zheng et al., "Localization Distillation for Dense Object Detection",
CVPR 2022. https://arxiv.org/abs/2102.12252
Official code (read, not copied): https://github.com/HikariTJU/LD; mmdet's
``LDHead`` implements its main region only.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels, paired_levels
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_non_negative, check_positive

EDGES = 4  # left, top, right, bottom


def edge_kl(preds_S: Tensor, avatars: Tensor, weights: Tensor,
            tau: float) -> Tensor:
    """Per prior, sum_k w_k of the sum over the 4 edges of
    tau^2 * KL(p_k || q) / B, p_k the distribution of avatar k.

    p = softmax(z / tau) over the B = reg_max + 1 bins of an edge, the KL
    averaged over the bins as in mmdet's ``KnowledgeDistillationKLDivLoss``.
    One teacher is one avatar of weight 1. The KL of every avatar is summed
    without gradient; the gradient is that of the cross-entropy against the
    avatars' mean distribution, -sum_b (sum_k w_k p_kb) log q_b, the only
    term of the sum that depends on the student, so K avatars cost one
    backward.

    Args:
        preds_S (Tensor): The student's GFL ``bbox_pred``
            ``(N, 4 * B, H, W)``, edge-major channels.
        avatars (Tensor): The teacher's, ``(N, K, 4 * B, H, W)``; detached.
        weights (Tensor): w_k ``(K, )``.

    Returns:
        Tensor: ``(N, H * W)``.
    """
    N, channels, H, W = preds_S.shape
    bins = channels // EDGES
    log_q = F.log_softmax(preds_S.reshape(N, EDGES, bins, H, W) / tau, dim=2)
    with torch.no_grad():  # avatar by avatar: no temporary K times as large
        kl, p_mean = 0, 0
        for k, w in enumerate(weights.tolist()):
            log_p = F.log_softmax(
                avatars[:, k].reshape(N, EDGES, bins, H, W) / tau, dim=2)
            p = log_p.exp()
            kl = kl + w * (p * (log_p - log_q)).sum(dim=(1, 2))  # (N, H, W)
            p_mean = p_mean + w * p  # (N, 4, B, H, W)
    cross = -(p_mean * log_q).sum(dim=(1, 2))  # (N, H, W)
    kl = kl + (cross - cross.detach())  # the value of kl, cross's gradient
    return tau**2 * kl.flatten(1) / bins


def confidence(cls_score: Tensor) -> Tensor:
    """The detached highest class probability per prior: ``(N, C, H, W)``
    sigmoid scores -> ``(N, H * W)``."""
    with torch.no_grad():
        return cls_score.sigmoid().amax(dim=1).flatten(1)


@MODELS.register_module()
class LDLoss(nn.Module):
    """LD: KL between the teacher's and the student's box-edge distributions.

    A GFL head predicts each box edge as a distribution over B = reg_max + 1
    bins. With l_i = sum_e tau^2/B * KL(softmax(z_T/tau) || softmax(z_S/tau))
    at prior i (:func:`edge_kl`), on every level

        L = loss_weight * sum_{i in pos} s_i * l_i / 4
            + vlr_weight * sum_i v_i * l_i / 16,

    where pos are the priors the student's ATSS assignment calls positive
    (the main distillation region), s_i the student's detached highest
    class score there (GFL's box-loss weight), and v_i the prior's IoU if it
    lies in the valuable localization region, else 0 (``LDRegions``, whose
    region follows the released code's DIoU by default, the paper's with
    ``vlr_overlap='iou'``). As in
    the official code and mmdet, the sums are not divided by the number of
    priors. The teacher's distributions are detached. Defaults are the
    paper's COCO setting (tau 10, weights 0.25). The official full method
    adds a classification KD on the positives, not included here.

    Args:
        tau (float): Temperature of the edge distributions. Defaults to 10.
        loss_weight (float): Weight of the main region. Defaults to 0.25.
        vlr_weight (float): Weight of the valuable localization region;
            0 distils the main region only, as mmdet's ``LDHead``.
            Defaults to 0.25.

    Example:
        >>> import torch
        >>> from akd.losses import LDLoss
        >>> loss = LDLoss()
        >>> bbox_S, bbox_T = torch.randn(2, 68, 4, 4), torch.randn(2, 68, 4, 4)
        >>> cls_S = torch.randn(2, 80, 4, 4)
        >>> labels = torch.full((2, 16), 80)  # background everywhere...
        >>> labels[0, 5] = 3  # ...but one positive
        >>> loss(bbox_S, bbox_T, cls_S, labels, torch.rand(2, 16)).shape
        torch.Size([])
    """

    def __init__(self,
                 tau: float = 10.0,
                 loss_weight: float = 0.25,
                 vlr_weight: float = 0.25):
        super().__init__()
        check_positive(self, 'tau', tau)
        check_non_negative(self, 'loss_weight', loss_weight)
        check_non_negative(self, 'vlr_weight', vlr_weight)
        self.tau = tau
        self.loss_weight = loss_weight
        self.vlr_weight = vlr_weight

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                cls_score_S: Levels,
                labels: Levels,
                vlr_weights: Optional[Levels] = None) -> Tensor:
        """One level or a tuple of levels each.

        Args:
            preds_S, preds_T: GFL ``bbox_pred`` ``(N, 4 * B, H, W)``.
            cls_score_S: The student's ``cls_score`` ``(N, C, H, W)``.
            labels: Assigned class per prior ``(N, H * W)``, background
                ``C`` (``LDRegions``, ``data_idx=0``).
            vlr_weights: VLR weight per prior ``(N, H * W)``
                (``LDRegions``, ``data_idx=1``); None with ``vlr_weight=0``.
        """
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        scores, level_labels = as_levels(cls_score_S), as_levels(labels)
        vlr = (as_levels(vlr_weights) if vlr_weights is not None else
               [None] * len(levels_S))
        return sum(
            self.avatar_loss(s, t.unsqueeze(1), t.new_ones(1), *inputs)
            for s, t, *inputs in zip(levels_S, levels_T, scores,
                                     level_labels, vlr))

    def avatar_loss(self,
                    preds_S: Tensor,
                    avatars: Tensor,
                    weights: Tensor,
                    cls_score_S: Tensor,
                    labels: Tensor,
                    vlr_weights: Optional[Tensor] = None) -> Tensor:
        """sum_k w_k L(S, A_k) on one level, for avatars
        ``(N, K, 4 * B, H, W)`` of the teacher's ``bbox_pred``: L is linear
        in each prior's KL, so this is L with the avatars' weighted KL
        (:func:`edge_kl`), in one pass."""
        if (preds_S.shape != avatars[:, 0].shape
                or preds_S.shape[1] % EDGES):
            raise ValueError(
                f'LDLoss: student bbox_pred {tuple(preds_S.shape)} and '
                f'teacher bbox_pred {tuple(avatars[:, 0].shape)} must be the '
                'same (N, 4 * (reg_max + 1), H, W): record bbox_head outputs '
                '(data_idx=1) of two GFL heads with the same reg_max.')
        kl = edge_kl(preds_S, avatars.detach(), weights, self.tau)  # (N, HW)
        num_classes = cls_score_S.shape[1]
        positive = (labels >= 0) & (labels < num_classes)
        score = confidence(cls_score_S)
        loss = self.loss_weight * (kl * score * positive).sum() / EDGES
        if self.vlr_weight:
            if vlr_weights is None:
                raise ValueError(
                    'LDLoss: vlr_weight > 0 needs vlr_weights: map them from '
                    "an LDRegions recorder (data_idx=1), or set vlr_weight=0.")
            loss = loss + self.vlr_weight * (kl * vlr_weights).sum() / 16
        return loss

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, loss_weight={self.loss_weight}, '
                f'vlr_weight={self.vlr_weight}')


avatar_form(LDLoss)(LDLoss.avatar_loss)
