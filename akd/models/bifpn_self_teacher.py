"""A BiFPN-like self-teacher that refines a network's own multi-scale maps.

Ji et al., "Refine Myself by Teaching Myself: Feature Refinement via
Self-Knowledge Distillation", CVPR 2021. https://arxiv.org/abs/2103.08273
Official code (read, not copied): https://github.com/MingiJi/FRSKD
The fusion follows Tan et al., "EfficientDet: Scalable and Efficient Object
Detection", CVPR 2020 (BiFPN, fast normalised fusion).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmrazor.registry import MODELS
from torch import Tensor, nn

FUSION_EPS = 1e-4  # EfficientDet's epsilon in the fast normalised fusion


def fast_normalized_fusion(inputs: Sequence[Tensor],
                           raw_weights: Tensor) -> Tensor:
    """O = sum_i w_i I_i / (eps + sum_j w_j), w = ReLU(raw_weights).

    Args:
        inputs (Sequence[Tensor]): Maps of one shape, one per weight.
        raw_weights (Tensor): Learned weights before the ReLU, ``(len,)``.
    """
    weights = F.relu(raw_weights)
    weights = weights / (weights.sum() + FUSION_EPS)
    return sum(w * x for w, x in zip(weights, inputs))


def resize_to(x: Tensor, size: torch.Size) -> Tensor:
    """Nearest upsampling to a larger ``size``, max pooling to a smaller one.

    Works for any sizes (odd maps, equal scales of dilated backbones).
    """
    if x.shape[-2:] == size:
        return x
    if x.shape[-2] >= size[0] and x.shape[-1] >= size[1]:
        return F.adaptive_max_pool2d(x, size)
    return F.interpolate(x, size=size, mode='nearest')


class SeparableConvBlock(nn.Sequential):
    """``depth`` x (depthwise 3x3, pointwise 1x1, norm, ReLU)."""

    def __init__(self, channels: int, depth: int, norm_cfg: dict):
        layers = []
        for _ in range(depth):
            layers += [
                nn.Conv2d(channels, channels, 3, padding=1, groups=channels,
                          bias=False),
                nn.Conv2d(channels, channels, 1, bias=False),
                build_norm_layer(norm_cfg, channels)[1],
                nn.ReLU(inplace=True),
            ]
        super().__init__(*layers)


class BiFPNLayer(nn.Module):
    """One top-down then bottom-up pass over L levels of ``width`` channels.

    Top-down, from the coarsest level L-1:
        td_{L-1} = P_{L-1},
        td_i = conv(fuse(P_i, resize(td_{i+1}))).
    Bottom-up, from the finest level 0:
        out_0 = td_0,
        out_i = conv(fuse(P_i, td_i, resize(out_{i-1}))) for 0 < i < L-1,
        out_{L-1} = conv(fuse(P_{L-1}, resize(out_{L-2}))).
    ``fuse`` is ``fast_normalized_fusion`` with its own weights per node.
    """

    def __init__(self, num_levels: int, width: int, depth: int,
                 norm_cfg: dict):
        super().__init__()
        self.top_down_convs = nn.ModuleList(
            SeparableConvBlock(width, depth, norm_cfg)
            for _ in range(num_levels - 1))
        self.top_down_weights = nn.Parameter(torch.ones(num_levels - 1, 2))
        self.bottom_up_convs = nn.ModuleList(
            SeparableConvBlock(width, depth, norm_cfg)
            for _ in range(num_levels - 1))
        self.bottom_up_weights = nn.ParameterList(
            nn.Parameter(torch.ones(3 if i < num_levels - 1 else 2))
            for i in range(1, num_levels))

    def forward(self, levels: List[Tensor]) -> List[Tensor]:
        L = len(levels)
        top_down = [levels[-1]]
        for i in range(L - 2, -1, -1):
            coarser = resize_to(top_down[0], levels[i].shape[-2:])
            fused = fast_normalized_fusion([levels[i], coarser],
                                           self.top_down_weights[i])
            top_down.insert(0, self.top_down_convs[i](fused))
        outputs = [top_down[0]]
        for i in range(1, L):
            finer = resize_to(outputs[-1], levels[i].shape[-2:])
            inputs = ([levels[i], top_down[i], finer]
                      if i < L - 1 else [levels[i], finer])
            fused = fast_normalized_fusion(inputs,
                                           self.bottom_up_weights[i - 1])
            outputs.append(self.bottom_up_convs[i - 1](fused))
        return outputs


@MODELS.register_module()
class BiFPNSelfTeacher(nn.Module):
    """FRSKD's self-teacher: refines L feature maps into L maps of the same
    shapes.

    Lateral 1x1 convolutions map level i from ``in_channels[i]`` to
    ``width``; ``repeats`` ``BiFPNLayer``s refine them (depthwise-separable
    convolutions, learned fast normalised fusion); 1x1 convolutions map
    level i back to ``out_channels[i]`` channels, so that a copy of the
    network's own head reads the refined maps. A level whose
    ``out_channels`` is None is returned as the BiFPN's ``width``-channel
    map: give None to the levels no head reads (e.g. the stages an mmseg
    decode head skips), whose projection would never be trained. Inputs
    may be FPN levels or backbone stages, of any sizes, finest first.

    Args:
        in_channels (Sequence[int]): Channels of each input level.
        width (int): Channels inside the BiFPN. Defaults to 64.
        depth (int): Separable conv blocks per BiFPN node. Defaults to 1.
        repeats (int): BiFPN layers. Defaults to 1.
        out_channels (Sequence[int | None], optional): Channels of each
            refined level, None for the BiFPN's own map. Defaults to
            ``in_channels``.
        norm_cfg (dict): Normalisation after each convolution.
            Defaults to ``dict(type='BN')``.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 width: int = 64,
                 depth: int = 1,
                 repeats: int = 1,
                 out_channels: Optional[Sequence[int]] = None,
                 norm_cfg: Optional[dict] = None):
        super().__init__()
        name = type(self).__name__
        if len(in_channels) < 2:
            raise ValueError(
                f'{name}.in_channels needs at least 2 levels to fuse, got '
                f'{list(in_channels)}')
        out_channels = list(out_channels or in_channels)
        if len(out_channels) != len(in_channels):
            raise ValueError(
                f'{name}.out_channels has {len(out_channels)} levels but '
                f'in_channels has {len(in_channels)}')
        for key, value in (('width', width), ('depth', depth),
                           ('repeats', repeats)):
            if value < 1:
                raise ValueError(f'{name}.{key} must be >= 1, got {value}')
        norm_cfg = norm_cfg or dict(type='BN')
        self.in_channels = list(in_channels)
        self.laterals = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(c, width, 1, bias=False),
                build_norm_layer(norm_cfg, width)[1]) for c in in_channels)
        self.layers = nn.ModuleList(
            BiFPNLayer(len(in_channels), width, depth, norm_cfg)
            for _ in range(repeats))
        self.out_channels = out_channels
        self.outputs = nn.ModuleList(
            nn.Identity() if c is None else nn.Conv2d(width, c, 1)
            for c in out_channels)

    def forward(self, feats: Sequence[Tensor]) -> tuple:
        """``L`` maps ``(N, in_channels[i], H_i, W_i)`` -> ``L`` maps
        ``(N, out_channels[i] or width, H_i, W_i)``."""
        if len(feats) != len(self.laterals):
            raise ValueError(
                f'{type(self).__name__} was built for '
                f'{len(self.laterals)} levels (in_channels='
                f'{self.in_channels}) but got {len(feats)} maps: set '
                'self_teacher.in_channels to the channels of every level of '
                'the recorded module.')
        levels = [lateral(x) for lateral, x in zip(self.laterals, feats)]
        for layer in self.layers:
            levels = layer(levels)
        return tuple(out(x) for out, x in zip(self.outputs, levels))
