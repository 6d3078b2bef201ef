"""CRD for detectors and segmentors: image embeddings and sample indices.

Tian et al., "Contrastive Representation Distillation", ICLR 2020.
https://arxiv.org/abs/1910.10699

MMRazor's ``CRDLoss`` (memory banks and the NCE loss) is used as it is. It
needs one embedding per image and, in every data sample, the image's
dataset index ``sample_idx`` and its ``contrast_sample_idxs`` (itself, then
negatives); MMRazor provides both for mmcls only. ``PooledCRDConnector``
embeds dense maps, ``PackCRDIndices`` adds the indices in an mmdet/mmseg
pipeline.
"""
from typing import Dict, Sequence, Union

import torch
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS
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


@TRANSFORMS.register_module()
class PackCRDIndices(BaseTransform):
    """Pack as ``packer`` does, and add CRD's indices to the data sample.

    Registered in mmengine's root ``TRANSFORMS``, so mmdet's and mmseg's
    pipelines find it by ``type='PackCRDIndices'`` and build ``packer`` in
    their own scope.

    ``sample_idx`` is the image's dataset index (mmengine datasets put it
    in every item) and ``contrast_sample_idxs`` is ``[sample_idx, n_1, ...,
    n_K]``, K = ``neg_num`` negatives drawn uniformly from the data set
    (CRD's "relax" sampling). Both are tensors in the data sample, so they
    move to the GPU with it.

    Args:
        packer (dict): The pipeline's packing transform, e.g.
            ``dict(type='PackDetInputs')``.
        num_samples (int): Size of the training set (``CRDLoss.sample_n``).
        neg_num (int): Negatives per image (``CRDLoss.neg_num``).
    """

    def __init__(self, packer: dict, num_samples: int, neg_num: int) -> None:
        for key, value in (('num_samples', num_samples), ('neg_num',
                                                          neg_num)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'PackCRDIndices.{key} must be an integer >= 1, got '
                    f'{value!r}')
        self.packer = TRANSFORMS.build(packer)
        self.num_samples = num_samples
        self.neg_num = neg_num

    def transform(self, results: Dict) -> Dict:
        index = results['sample_idx']
        if not 0 <= index < self.num_samples:
            raise ValueError(
                f'PackCRDIndices: sample_idx {index} is outside the '
                f'{self.num_samples} samples: set num_samples (and '
                'CRDLoss.sample_n) to the training set size.')
        packed = self.packer(results)
        negatives = torch.randint(self.num_samples, (self.neg_num, ))
        sample = packed['data_samples']
        sample.sample_idx = torch.tensor(index)
        sample.contrast_sample_idxs = torch.cat(
            [sample.sample_idx[None], negatives])  # (neg_num + 1, )
        return packed
