"""Random preprocessed batches for a detector or a segmentor.

For tests and benchmarks: shaped as a data preprocessor's output, so no
data set is read.
"""
from typing import List, Tuple

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from torch import Tensor, nn


def det_batch(model: nn.Module, batch_size: int = 2,
              size: Tuple[int, int] = (128, 128)) -> Tuple[Tensor, List]:
    """``batch_size`` images of ``size`` (H, W) with 3, 2, 3, ... boxes of
    80 classes, through ``model``'s data preprocessor (which sets
    ``pad_shape``)."""
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(
        batch_size=batch_size, image_shapes=[(3, *size)] * batch_size,
        num_items=[3 - i % 2 for i in range(batch_size)], num_classes=80,
        with_mask=True)
    data = model.data_preprocessor(packed, True)
    return data['inputs'], data['data_samples']  # (N, 3, H, W), ...


def seg_batch(batch_size: int = 2,
              size: Tuple[int, int] = (64, 128)) -> Tuple[Tensor, List]:
    """``batch_size`` images of ``size`` (H, W) with 19-class label maps,
    built already preprocessed (a config's preprocessor would pad them to
    its crop size); seeded, so every call gives the same batch."""
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    meta = dict(img_shape=size, pad_shape=size, ori_shape=size)
    samples = []
    for _ in range(batch_size):
        sample = SegDataSample(metainfo=meta)
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, *size)))
        samples.append(sample)
    return torch.randn(batch_size, 3, *size), samples


def add_crd_indices(cfg: Config, data_samples: list) -> None:
    """What ``PackCRDIndices`` adds, if the config's pipeline has it."""
    pipeline = cfg.train_dataloader.dataset.get('pipeline', [])
    for transform in pipeline:
        if transform.type.endswith('PackCRDIndices'):
            for index, sample in enumerate(data_samples):
                sample.sample_idx = torch.tensor(index)
                sample.contrast_sample_idxs = torch.cat([
                    sample.sample_idx[None],
                    torch.randint(transform.num_samples,
                                  (transform.neg_num, ))
                ])
