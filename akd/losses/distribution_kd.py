"""CrossKD's box distillation on GFL heads: KL between box-edge
distributions, weighted by the teacher's confidence.

Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024. https://arxiv.org/abs/2306.11369
"""
from typing import Optional

from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels, paired_levels
from ..structures.pixel_samples import level_labels
from .ld import confidence, edge_kl
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_non_negative, check_positive


@MODELS.register_module()
class DistributionKDLoss(nn.Module):
    """KL between GFL box-edge distributions at every prior.

    With KL_ie = KL(softmax(z_T/tau) || softmax(z_S/tau)) over the bins of
    edge e at prior i (summed over bins) and w_i the teacher's detached
    highest class score there,

        L = loss_weight * tau^2 * sum_i w_i * sum_e KL_ie / 4 / sum_i w_i,

    over the priors of every level. CrossKD distils its cross-head box
    distributions this way (tau 1, weight 4). Given the student's
    ``labels``, a prior labelled -1 (label weight 0: ignored by the
    assigner, or in the batch's padding) weighs 0 in both sums, as the
    official code sets its weight to 0.

    Args:
        tau (float): Temperature. Defaults to 1.
        loss_weight (float): Scale of the loss. Defaults to 4.0.

    Example:
        >>> import torch
        >>> from akd.losses import DistributionKDLoss
        >>> loss = DistributionKDLoss()
        >>> box_S, box_T = torch.randn(2, 68, 4, 4), torch.randn(2, 68, 4, 4)
        >>> loss(box_S, box_T, torch.randn(2, 80, 4, 4)).shape
        torch.Size([])
    """
    whole_inputs = ('all_cls_score_T', 'all_labels')

    def __init__(self, tau: float = 1.0, loss_weight: float = 4.0):
        super().__init__()
        check_positive(self, 'tau', tau)
        self.tau = tau
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                cls_score_T: Levels,
                all_cls_score_T: Optional[Levels] = None,
                labels: Optional[Levels] = None,
                all_labels: Optional[Levels] = None) -> Tensor:
        """One level or a tuple of levels each.

        Args:
            preds_S, preds_T: GFL ``bbox_pred`` ``(N, 4 * B, H, W)``.
            cls_score_T: The teacher's ``cls_score`` ``(N, C, H, W)``,
                weighting each prior.
            all_cls_score_T: The teacher's scores of every level, whose sum
                of w_i normalises; defaults to ``cls_score_T``. Map it too
                under ``AvatarKDLoss``, which splits ``cls_score_T`` by
                level but passes this whole (``whole_inputs``).
            labels: The student's assigned class per prior
                (``DetTargetLabels``) at the levels of the predictions;
                priors labelled -1 weigh 0. Defaults to None (all weigh).
            all_labels: Those of every level, with ``all_cls_score_T``
                under ``AvatarKDLoss``; defaults to ``labels``.
        """
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        prior_weights = self._weights(cls_score_T, labels, levels_S)
        weighted = sum(
            self._weighted_kl(s, t.unsqueeze(1), t.new_ones(1), w)
            for s, t, w in zip(levels_S, levels_T, prior_weights))
        return self._normalised(weighted, prior_weights, all_cls_score_T,
                                labels, all_labels)

    def avatar_loss(self,
                    preds_S: Tensor,
                    avatars: Tensor,
                    weights: Tensor,
                    cls_score_T: Tensor,
                    all_cls_score_T: Optional[Levels] = None,
                    labels: Optional[Tensor] = None,
                    all_labels: Optional[Levels] = None) -> Tensor:
        """sum_k w_k L(S, A_k) on one level, for avatars
        ``(N, K, 4 * B, H, W)`` of the teacher's ``bbox_pred``, in one pass:
        L is linear in each prior's KL (:func:`edge_kl`), and its weights
        and normaliser come from the scores, which the avatars leave
        alone."""
        prior_weights = self._weights(cls_score_T, labels, [preds_S])
        weighted = self._weighted_kl(preds_S, avatars, weights,
                                     prior_weights[0])
        return self._normalised(weighted, prior_weights, all_cls_score_T,
                                labels, all_labels)

    def _weighted_kl(self, preds_S: Tensor, avatars: Tensor,
                     weights: Tensor, prior_weights: Tensor) -> Tensor:
        """sum_i w_i * sum_e KL_ie / 4 on one level, KL summed over bins
        and over the avatars with their weights."""
        bins = preds_S.shape[1] // 4
        kl = edge_kl(preds_S, avatars.detach(), weights, self.tau) * bins
        return (prior_weights * kl).sum() / 4

    def _normalised(self, weighted: Tensor, prior_weights: list,
                    all_cls_score_T: Optional[Levels],
                    labels: Optional[Levels],
                    all_labels: Optional[Levels]) -> Tensor:
        """``weighted`` over the sum of w_i: of ``prior_weights``, or of
        every level's where ``all_cls_score_T`` is given."""
        if all_cls_score_T is not None:
            prior_weights = self._weights(
                all_cls_score_T, labels if all_labels is None else all_labels,
                as_levels(all_cls_score_T))
        normaliser = sum(w.sum() for w in prior_weights)
        return self.loss_weight * weighted / normaliser.clamp_min(1e-6)

    def _weights(self, cls_score_T: Levels, labels: Optional[Levels],
                 levels) -> list:
        """w_i ``(N, H * W)`` per level, 0 where ``labels`` is -1."""
        scores = as_levels(cls_score_T)
        if labels is None:
            return [confidence(x) for x in scores]
        return [
            confidence(x) * (y.reshape(x.shape[0], -1) >= 0)
            for x, y in zip(scores, level_labels(self, labels, levels))
        ]

    def extra_repr(self) -> str:
        return f'tau={self.tau}, loss_weight={self.loss_weight}'


avatar_form(DistributionKDLoss)(DistributionKDLoss.avatar_loss)
