"""PackCRDIndices: each sample's dataset index and CRD's negatives."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import TRANSFORMS, DefaultScope

import akd  # noqa: F401
from conftest import REPO

DET = osp.join(REPO, 'configs', 'crd',
               'crd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py')


def test_pipeline_adds_the_index_and_negatives(toy_coco):
    cfg = Config.fromfile(DET)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = toy_coco + '/'
    with DefaultScope.overwrite_default_scope('mmdet'):
        from mmdet.registry import DATASETS
        dataset = DATASETS.build(dataset_cfg)
        sample = dataset[3]['data_samples']
    assert sample.sample_idx.item() == 3
    assert sample.contrast_sample_idxs[0].item() == 3
    assert sample.contrast_sample_idxs.shape == (cfg.neg_num + 1, )
    assert 0 <= sample.contrast_sample_idxs.min()
    assert sample.contrast_sample_idxs.max() < cfg.num_samples


def test_pipeline_rejects_an_index_beyond_num_samples():
    with DefaultScope.overwrite_default_scope('mmdet'):
        transform = TRANSFORMS.build(
            dict(type='PackCRDIndices',
                 packer=dict(type='PackDetInputs'),
                 num_samples=3,
                 neg_num=2))
    with pytest.raises(ValueError, match='set num_samples'):
        transform(dict(sample_idx=5))
    with pytest.raises(ValueError, match='neg_num'):
        TRANSFORMS.build(
            dict(type='PackCRDIndices',
                 packer=dict(type='mmdet.PackDetInputs'),
                 num_samples=3,
                 neg_num=0))
