"""CRD for detectors and segmentors: image embeddings and sample indices.

Tian et al., "Contrastive Representation Distillation", ICLR 2020.
https://arxiv.org/abs/1910.10699

MMRazor's ``CRDLoss`` (memory banks and the NCE loss) is used as it is. It
needs one embedding per image and, in every data sample, the image's
dataset index ``sample_idx`` and its ``contrast_sample_idxs`` (itself, then
negatives); MMRazor provides both for mmcls only. ``PooledCRDConnector``
embeds dense maps; ``akd.datasets.transforms.PackCRDIndices`` adds the
indices in an mmdet/mmseg pipeline.
"""
from typing import Sequence, Union

import torch
from mmrazor.models.architectures.connectors import CRDConnector
from mmrazor.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PooledCRDConnector(CRDConnector):
    """CRD's embedding of dense maps: e = normalize(W [gap(F_1), ...] + b).

    Every map ``(N, C_l, H, W)`` of a level tuple (FPN levels, backbone
    stages) is average-pooled to ``(N, C_l)``, the levels are concatenated,
    and MMRazor's ``CRDConnector`` projects them and L2-normalises.

    Args:
        dim_in (int): sum_l C_l, the pooled width.
        dim_out (int): Embedding width. Defaults to 128.
    """

    def forward_train(self, feature: Union[Tensor,
                                           Sequence[Tensor]]) -> Tensor:
        maps = feature if isinstance(feature, (list, tuple)) else [feature]
        pooled = torch.cat([x.flatten(2).mean(dim=2) for x in maps],
                           dim=1)  # (N, sum C_l)
        if pooled.shape[1] != self.linear.in_features:
            raise ValueError(
                f'PooledCRDConnector: the recorded maps have '
                f'{pooled.shape[1]} channels in all '
                f'({[x.shape[1] for x in maps]}), but dim_in='
                f'{self.linear.in_features}: set dim_in to their sum.')
        return super().forward_train(pooled)
