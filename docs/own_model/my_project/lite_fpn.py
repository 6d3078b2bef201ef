"""A light FPN: 1x1 laterals, a top-down sum, 3x3 smoothing, and extra
levels by stride-2 subsampling of the last one."""
from typing import Sequence, Tuple

import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class LiteFPN(BaseModule):

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int,
                 num_outs: int,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.lateral = nn.ModuleList(
            nn.Conv2d(c, out_channels, 1) for c in in_channels)
        self.smooth = nn.ModuleList(
            nn.Conv2d(out_channels, out_channels, 3, padding=1)
            for _ in in_channels)
        self.num_outs = num_outs

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        maps = [conv(x) for conv, x in zip(self.lateral, inputs)]
        for fine in range(len(maps) - 2, -1, -1):
            maps[fine] = maps[fine] + F.interpolate(
                maps[fine + 1], size=maps[fine].shape[2:], mode='nearest')
        outs = [conv(x) for conv, x in zip(self.smooth, maps)]
        while len(outs) < self.num_outs:
            outs.append(outs[-1][..., ::2, ::2])
        return tuple(outs)
