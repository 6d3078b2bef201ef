"""BCKD's IoU-based localization distillation on GFL heads.

Yang et al., "Bridging Cross-task Protocol Inconsistency for Distillation
in Dense Object Detection", ICCV 2023. https://arxiv.org/abs/2308.14286
Official code (read, not copied): https://github.com/TinyTigerPan/BCKD
"""
from typing import Optional

import torch
from mmdet.structures.bbox import bbox_overlaps
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels, paired_levels
from ..structures.pixel_samples import level_labels
from .quality_focal_kd import per_positive
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_non_negative


def edge_distances(bbox_pred: Tensor) -> Tensor:
    """GFL's expected distance of each box edge, in stride units:
    sum_b b * softmax(z)_b over the B bins. ``(N, 4 * B, H, W)`` ->
    ``(N * H * W, 4)`` (left, top, right, bottom)."""
    N, channels, H, W = bbox_pred.shape
    bins = channels // 4
    probs = bbox_pred.reshape(N, 4, bins, H, W).softmax(dim=2)
    positions = torch.arange(bins, dtype=probs.dtype, device=probs.device)
    distances = torch.einsum('nebhw,b->nhwe', probs, positions)
    return distances.reshape(-1, 4)


def centred_boxes(distances: Tensor) -> Tensor:
    """Boxes (x1, y1, x2, y2) around a prior at the origin."""
    left, top, right, bottom = distances.unbind(dim=1)
    return torch.stack([-left, -top, right, bottom], dim=1)


def weighted_giou_gap(boxes_S: Tensor, boxes_T: Tensor, weights: Tensor,
                      prior_weights: Tensor) -> Tensor:
    """sum_k w_k sum_i v_i (1 - GIoU(b_S,i, b_k,i)).

    Args:
        boxes_S (Tensor): The student's boxes ``(M, 4)``.
        boxes_T (Tensor): K sets of the teacher's ``(K, M, 4)``, detached.
        weights (Tensor): w_k ``(K, )``.
        prior_weights (Tensor): v_i ``(M, )``, detached.
    """
    giou = bbox_overlaps(boxes_S.expand_as(boxes_T), boxes_T, mode='giou',
                         is_aligned=True)  # (K, M)
    gap = (weights.to(giou.dtype)[:, None] * (1 - giou)).sum(dim=0)
    return (prior_weights * gap).sum()


@MODELS.register_module()
class BoxIoUKDLoss(nn.Module):
    """1 - GIoU between the student's and the teacher's boxes at every prior.

    Both boxes are GFL's expected box-edge distances around the same prior;
    GIoU does not change with translation or scale, so they are compared
    around the origin in stride units. Each prior i is weighted by the
    largest gap between the teacher's and the student's class
    probabilities, w_i = max_c |sigmoid(z_T,ic) - sigmoid(z_S,ic)|
    (detached), where the two disagree on what is there:

        L = loss_weight / N_pos * sum_i w_i * (1 - GIoU(b_S,i, b_T,i)),

    over every prior the head trains on (``labels`` -1, a prior with label
    weight 0, is left out, as the official label weights leave it) of every
    level, N_pos the student's positives (at least 1 per image, as mmdet's
    ``avg_factor``). The teacher's boxes are detached. BCKD's COCO weight
    is 4.
    (The official code skips the levels of a batch that have no positive;
    here every level counts.)

    Under ``AvatarKDLoss`` the avatars perturb the teacher's box logits;
    it splits ``labels`` by level, so map ``all_labels`` to the same record,
    passed whole, for N_pos over every level.

    Args:
        loss_weight (float): Scale of the loss. Defaults to 4.0.

    Example:
        >>> import torch
        >>> from akd.losses import BoxIoUKDLoss
        >>> loss = BoxIoUKDLoss()
        >>> box_S, box_T = torch.randn(2, 68, 4, 4), torch.randn(2, 68, 4, 4)
        >>> cls_S, cls_T = torch.randn(2, 80, 4, 4), torch.randn(2, 80, 4, 4)
        >>> labels = torch.full((2, 16), 80)
        >>> labels[1, 4] = 2
        >>> loss(box_S, box_T, cls_S, cls_T, labels).shape
        torch.Size([])
    """
    whole_inputs = ('all_labels', )

    def __init__(self, loss_weight: float = 4.0):
        super().__init__()
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                cls_score_S: Levels,
                cls_score_T: Levels,
                labels: Levels,
                all_labels: Optional[Levels] = None) -> Tensor:
        """One level or a tuple of levels each.

        Args:
            preds_S, preds_T: GFL ``bbox_pred`` ``(N, 4 * B, H, W)``.
            cls_score_S, cls_score_T: ``cls_score`` ``(N, C, H, W)``.
            labels: The student's assigned class per prior
                (``DetTargetLabels``), at the levels of the predictions.
            all_labels: Those of every level, for N_pos (defaults to
                ``labels``).
        """
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        total = sum(
            self._level_sum(s, t.unsqueeze(1), t.new_ones(1), *inputs)
            for s, t, *inputs in zip(levels_S, levels_T,
                                     as_levels(cls_score_S),
                                     as_levels(cls_score_T),
                                     level_labels(self, labels, levels_S)))
        return self.loss_weight * per_positive(
            total, labels, all_labels, as_levels(cls_score_S)[0].shape[1])

    def avatar_loss(self,
                    preds_S: Tensor,
                    avatars: Tensor,
                    weights: Tensor,
                    cls_score_S: Tensor,
                    cls_score_T: Tensor,
                    labels: Levels,
                    all_labels: Optional[Levels] = None) -> Tensor:
        """sum_k w_k L(S, A_k) on one level, for avatars
        ``(N, K, 4 * B, H, W)`` of the teacher's ``bbox_pred``: the
        student's boxes are decoded once and compared with the K avatars'
        in one batched GIoU."""
        labels, = level_labels(self, labels, [preds_S])
        total = self._level_sum(preds_S, avatars, weights, cls_score_S,
                                cls_score_T, labels)
        return self.loss_weight * per_positive(
            total, labels, all_labels, as_levels(cls_score_S)[0].shape[1])

    def _level_sum(self, preds_S: Tensor, avatars: Tensor, weights: Tensor,
                   cls_score_S: Tensor, cls_score_T: Tensor,
                   labels: Tensor) -> Tensor:
        """sum_k w_k sum_i w_i (1 - GIoU(b_S,i, b_k,i)) over one level."""
        boxes_S = centred_boxes(edge_distances(preds_S))  # (M, 4)
        K = avatars.shape[1]
        with torch.no_grad():
            boxes_T = centred_boxes(
                edge_distances(avatars.transpose(0, 1).flatten(0, 1)))
            gap = (cls_score_T.sigmoid() -
                   cls_score_S.sigmoid()).abs().amax(dim=1)
            prior_weights = gap.reshape(-1) * (labels.reshape(-1) >= 0)
        return weighted_giou_gap(boxes_S, boxes_T.reshape(K, -1, 4),
                                 weights, prior_weights)

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}'


avatar_form(BoxIoUKDLoss)(BoxIoUKDLoss.avatar_loss)
