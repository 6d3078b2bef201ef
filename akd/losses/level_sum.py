"""Any single-map loss over every level of a neck or head, in one entry.

MMRazor's and mmdet's losses (``mmdet.MSELoss``, ``mmdet.SmoothL1Loss``)
take one tensor; an FPN or a dense head records a tuple of levels, and one
config entry per level repeats itself and cannot share a
``LevelConnectors``.
"""
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..utils.mmrazor_scope import build_in_mmrazor_scope
from .utils.levels import Levels, paired_levels


@MODELS.register_module()
class LevelSumLoss(nn.Module):
    """L = sum_l base_loss(S_l, T_l) over the levels of a tuple.

    Each level is reduced as ``base_loss`` reduces one map (its own
    ``loss_weight`` applies), and the levels are summed, as separate loss
    entries per level would be. One tensor is one level.

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

    def forward(self, preds_S: Levels, preds_T: Levels) -> Tensor:
        """Args: preds_S, preds_T: one map, or a tuple of levels each."""
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        return sum(
            self.base_loss(student, teacher)
            for student, teacher in zip(levels_S, levels_T))
