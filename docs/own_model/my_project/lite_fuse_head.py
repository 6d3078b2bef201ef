"""A light decode head: the selected backbone stages resized to the first
one, concatenated, fused by one 3x3 conv and classified."""
from typing import Sequence

from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class LiteFuseHead(BaseDecodeHead):

    def __init__(self, **kwargs):
        super().__init__(input_transform='resize_concat', **kwargs)
        self.fuse = ConvModule(self.in_channels, self.channels, 3, padding=1,
                               conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                               act_cfg=self.act_cfg)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        return self.cls_seg(self.fuse(self._transform_inputs(inputs)))
