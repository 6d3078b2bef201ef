"""CrossKD's box distillation on anchor heads (RetinaNet): GIoU between
the boxes the two predictions decode to.

Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024. https://arxiv.org/abs/2306.11369
"""
from typing import Optional

import torch
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps
from mmrazor.registry import MODELS
from torch import Tensor, nn

from .quality_focal_kd import count_positives
from .utils.levels import Levels, as_levels, paired_levels
from .utils.loss_args import check_non_negative, check_num_classes
from .utils.pixel_samples import anchor_view, level_labels


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
        total = 0
        for s, t, scores, level_anchors, y in zip(
                levels_S, levels_T, as_levels(cls_score_T),
                as_levels(anchors), level_labels(self, labels, levels_S)):
            flat_anchors = level_anchors.reshape(-1, 4)
            if flat_anchors.shape[0] != per_anchor(s, 4).shape[0]:
                raise ValueError(
                    f'AnchorBoxIoUKDLoss: {flat_anchors.shape[0]} anchors '
                    f'for box deltas {tuple(s.shape)}: record the student '
                    "head's get_anchors (HeadAnchors) and its bbox_head "
                    'outputs (data_idx=1) at the same levels.')
            boxes_S = self.bbox_coder.decode(flat_anchors, per_anchor(s, 4))
            with torch.no_grad():
                boxes_T = self.bbox_coder.decode(flat_anchors,
                                                 per_anchor(t, 4))
                weight = per_anchor(scores, self.num_classes).sigmoid().amax(
                    dim=1) * (y.reshape(-1) >= 0)  # (N*H*W*A, )
            giou = bbox_overlaps(boxes_S, boxes_T, mode='giou',
                                 is_aligned=True)
            total = total + (weight * (1 - giou)).sum()
        positives = count_positives(
            labels if all_labels is None else all_labels, self.num_classes)
        return self.loss_weight * total / positives

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'loss_weight={self.loss_weight}')
