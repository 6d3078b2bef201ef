"""Any single-map loss over every level of a neck or head, in one entry.

MMRazor's and mmdet's losses (``mmdet.MSELoss``, ``mmdet.SmoothL1Loss``)
take one tensor; an FPN or a dense head records a tuple of levels, and one
config entry per level repeats itself and cannot share a
``LevelConnectors``.
"""
from typing import Optional

from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, paired_levels
from ..structures.pixel_samples import level_labels, sample_anchors
from ..utils.mmrazor_scope import build_in_mmrazor_scope


@MODELS.register_module()
class LevelSumLoss(nn.Module):
    """L = sum_l base_loss(S_l, T_l) over the levels of a tuple.

    Each level is reduced as ``base_loss`` reduces one map (its own
    ``loss_weight`` applies), and the levels are summed, as separate loss
    entries per level would be. One tensor is one level.

    Given a dense head's per-anchor ``labels`` (``DetTargetLabels``), the
    maps are a head's per-anchor outputs ``(N, A*c, H, W)`` and the anchors
    labelled -1 (no label weight: in the batch's padding, or ignored by the
    assigner) are no samples: each level is ``base_loss`` with ``weight``
    1 on the kept anchors' c channels and 0 elsewhere, and ``avg_factor``
    the number of weighted elements, i.e. the mean over the kept anchors.
    ``base_loss`` must take mmdet's ``weight`` and ``avg_factor`` (as
    ``mmdet.SmoothL1Loss``, ``L1Loss`` and ``MSELoss`` do). Without labels,
    every position of the maps counts, padding included, as in the official
    FreeKD code.

    Args:
        base_loss (dict): Config of a loss taking ``(student, teacher)``
            tensors, e.g. ``dict(type='mmdet.MSELoss', loss_weight=5)``.

    Example:
        >>> import torch
        >>> from akd.losses import LevelSumLoss
        >>> loss = LevelSumLoss(dict(type='mmdet.SmoothL1Loss'))
        >>> fpn = (torch.randn(2, 8, 8, 8), torch.randn(2, 8, 4, 4))
        >>> loss(fpn, fpn).item()
        0.0
    """

    def __init__(self, base_loss: dict):
        super().__init__()
        self.base_loss = build_in_mmrazor_scope(base_loss)

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                labels: Optional[Levels] = None) -> Tensor:
        """Args:
            preds_S, preds_T (Tensor | Sequence[Tensor]): One map, or a
                tuple of levels each.
            labels (Tensor | Sequence[Tensor], optional): Per-anchor labels
                ``(N, H*W*A)``, one per level, to leave the anchors labelled
                -1 out.
        """
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        if labels is None:
            return sum(
                self.base_loss(student, teacher)
                for student, teacher in zip(levels_S, levels_T))
        total = 0
        for student, teacher, y in zip(levels_S, levels_T,
                                       level_labels(self, labels, levels_S)):
            samples = sample_anchors(y, student)  # (N, A, H*W)
            N, A, positions = samples.shape
            weight = samples.to(student.dtype)[:, :, None].expand(
                N, A, student.shape[1] // A, positions).reshape(student.shape)
            total = total + self.base_loss(
                student, teacher, weight=weight, avg_factor=weight.sum())
        return total
