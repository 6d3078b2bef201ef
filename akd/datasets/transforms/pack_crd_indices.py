"""CRD's sample indices in an mmdet/mmseg pipeline.

Tian et al., "Contrastive Representation Distillation", ICLR 2020
(``akd/models/dense_crd.py`` has the connector and the method's notes).
"""
from typing import Dict

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS


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
    move to the GPU with it. The negatives are drawn with NumPy's generator,
    as mmcv's random transforms draw: the data side's draws, which
    mmengine's dataloader advance replays when a run resumes (torch's
    generator is the model side's, seeded per iteration).

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
        negatives = torch.from_numpy(
            np.random.randint(self.num_samples, size=self.neg_num))
        sample = packed['data_samples']
        sample.sample_idx = torch.tensor(index)
        sample.contrast_sample_idxs = torch.cat(
            [sample.sample_idx[None], negatives])  # (neg_num + 1, )
        return packed
