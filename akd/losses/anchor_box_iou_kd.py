"""CrossKD's box distillation on anchor heads (RetinaNet): GIoU between
the boxes the two predictions decode to.

Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024. https://arxiv.org/abs/2306.11369
"""
from typing import Optional

import torch
from mmdet.registry import TASK_UTILS
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels, paired_levels
from ..structures.pixel_samples import anchor_view, level_labels
from .box_iou_kd import weighted_giou_gap
from .quality_focal_kd import per_positive
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_non_negative, check_num_classes


def per_anchor(x: Tensor, width: int) -> Tensor:
    """``(N, A * width, H, W)`` -> ``(N * H * W * A, width)``, the order of
    mmdet's anchors (``anchor_view``'s rows)."""
    return anchor_view(x, width).reshape(-1, width)


@MODELS.register_module()
class AnchorBoxIoUKDLoss(nn.Module):
    """1 - GIoU between the boxes of the student's and the teacher's anchor
    deltas, weighted by the teacher's confidence.

    With b = coder.decode(anchor, delta) for both predictions and w_i the
    teacher's detached highest class probability at anchor i,

        L = loss_weight / N_pos * sum_i w_i * (1 - GIoU(b_S,i, b_T,i)),

    over every anchor the head trains on (``labels`` -1, an anchor with
    label weight 0, is left out, as the official label weights leave it)
    of every level, N_pos the student's positives (at least 1 per image, as
    mmdet's ``avg_factor``). CrossKD distils its cross-head boxes on
    RetinaNet this way (weight 1). The teacher's boxes are detached. Under
    ``AvatarKDLoss``, which splits ``labels`` by level, map ``all_labels``
    to the same record too, for N_pos over every level.

    Args:
        num_classes (int): Classes C of the head, to split its
            ``(N, A * C, H, W)`` scores by anchor.
        bbox_coder (dict): The head's box coder. Defaults to RetinaNet's,
            ``DeltaXYWHBBoxCoder`` with unit stds.
        loss_weight (float): Scale of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from akd.losses import AnchorBoxIoUKDLoss
        >>> loss = AnchorBoxIoUKDLoss(num_classes=3)
        >>> box_S, box_T = torch.randn(1, 8, 2, 2), torch.randn(1, 8, 2, 2)
        >>> cls_T = torch.randn(1, 6, 2, 2)  # 2 anchors x 3 classes
        >>> anchors = torch.tensor([[0., 0., 8., 8.]]).repeat(1, 8, 1)
        >>> labels = torch.tensor([[0, 3, 3, 3, 3, 3, 3, 3]])
        >>> loss(box_S, box_T, cls_T, anchors, labels).shape
        torch.Size([])
    """
    whole_inputs = ('all_labels', )

    def __init__(self,
                 num_classes: int,
                 bbox_coder: Optional[dict] = None,
                 loss_weight: float = 1.0):
        super().__init__()
        check_num_classes(self, num_classes)
        check_non_negative(self, 'loss_weight', loss_weight)
        self.num_classes = num_classes
        self.bbox_coder = TASK_UTILS.build(
            dict(_scope_='mmdet', **(bbox_coder or dict(
                type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                target_stds=[1., 1., 1., 1.]))))
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                cls_score_T: Levels,
                anchors: Levels,
                labels: Levels,
                all_labels: Optional[Levels] = None) -> Tensor:
        """One level or a tuple of levels each.

        Args:
            preds_S, preds_T: Box deltas ``(N, A * 4, H, W)``.
            cls_score_T: The teacher's scores ``(N, A * C, H, W)``.
            anchors: ``(N, H * W * A, 4)`` (``HeadAnchors``).
            labels: The student's assigned class per anchor
                (``DetTargetLabels``), at the levels of the predictions.
            all_labels: Those of every level, for N_pos (defaults to
                ``labels``).
        """
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        total = sum(
            self._level_sum(s, t.unsqueeze(1), t.new_ones(1), *inputs)
            for s, t, *inputs in zip(levels_S, levels_T,
                                     as_levels(cls_score_T),
                                     as_levels(anchors),
                                     level_labels(self, labels, levels_S)))
        return self.loss_weight * per_positive(total, labels, all_labels,
                                               self.num_classes)

    def avatar_loss(self,
                    preds_S: Tensor,
                    avatars: Tensor,
                    weights: Tensor,
                    cls_score_T: Tensor,
                    anchors: Tensor,
                    labels: Levels,
                    all_labels: Optional[Levels] = None) -> Tensor:
        """sum_k w_k L(S, A_k) on one level, for avatars
        ``(N, K, A * 4, H, W)`` of the teacher's box deltas: the student's
        boxes are decoded once, the K avatars' in one call, and compared in
        one batched GIoU."""
        labels, = level_labels(self, labels, [preds_S])
        total = self._level_sum(preds_S, avatars, weights, cls_score_T,
                                anchors, labels)
        return self.loss_weight * per_positive(total, labels, all_labels,
                                               self.num_classes)

    def _level_sum(self, preds_S: Tensor, avatars: Tensor, weights: Tensor,
                   cls_score_T: Tensor, anchors: Tensor,
                   labels: Tensor) -> Tensor:
        """sum_k w_k sum_i w_i (1 - GIoU(b_S,i, b_k,i)) over one level."""
        flat_anchors = anchors.reshape(-1, 4)
        deltas_S = per_anchor(preds_S, 4)
        if flat_anchors.shape[0] != deltas_S.shape[0]:
            raise ValueError(
                f'AnchorBoxIoUKDLoss: {flat_anchors.shape[0]} anchors '
                f'for box deltas {tuple(preds_S.shape)}: record the student '
                "head's get_anchors (HeadAnchors) and its bbox_head "
                'outputs (data_idx=1) at the same levels.')
        boxes_S = self.bbox_coder.decode(flat_anchors, deltas_S)
        K = avatars.shape[1]
        with torch.no_grad():
            boxes_T = self.bbox_coder.decode(
                flat_anchors.repeat(K, 1),
                per_anchor(avatars.transpose(0, 1).flatten(0, 1), 4))
            prior_weights = per_anchor(
                cls_score_T, self.num_classes).sigmoid().amax(dim=1) * (
                    labels.reshape(-1) >= 0)  # (N*H*W*A, )
        return weighted_giou_gap(boxes_S, boxes_T.reshape(K, -1, 4),
                                 weights, prior_weights)

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'loss_weight={self.loss_weight}')


avatar_form(AnchorBoxIoUKDLoss)(AnchorBoxIoUKDLoss.avatar_loss)
