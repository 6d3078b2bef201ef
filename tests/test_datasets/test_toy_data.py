import json
import os.path as osp

import numpy as np
from mmengine.registry import init_default_scope

import akd  # noqa: F401
from akd.datasets.toy_cityscapes import render_scene
from akd.datasets.toy_coco import render_image


def test_toy_images_are_deterministic_by_seed():
    a = render_image(np.random.default_rng(3))
    b = render_image(np.random.default_rng(3))
    c = render_image(np.random.default_rng(4))
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]
    assert not np.array_equal(a[0], c[0])
    assert np.array_equal(render_scene(np.random.default_rng(3))[1],
                          render_scene(np.random.default_rng(3))[1])


def test_toy_coco_loads_in_mmdet_with_several_classes(toy_coco):
    from mmdet.datasets import CocoDataset
    init_default_scope('mmdet')
    dataset = CocoDataset(
        data_root=toy_coco, ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'), pipeline=[])
    labels = [i['bbox_label'] for d in dataset for i in d['instances']]
    boxes = np.array([i['bbox'] for d in dataset for i in d['instances']])
    assert len(set(labels)) == 5
    sizes = boxes[:, 2:] - boxes[:, :2]
    assert sizes.min() < 20 and sizes.max() > 40  # varied sizes
    with open(osp.join(toy_coco, 'annotations',
                       'instances_val2017.json')) as f:
        assert len(json.load(f)['categories']) == 80


def test_toy_cityscapes_loads_in_mmseg_with_train_ids(toy_cityscapes):
    from mmseg.datasets import CityscapesDataset
    init_default_scope('mmseg')
    dataset = CityscapesDataset(
        data_root=toy_cityscapes,
        data_prefix=dict(img_path='leftImg8bit/val',
                         seg_map_path='gtFine/val'),
        pipeline=[dict(type='LoadAnnotations')])
    assert len(dataset) == 8
    ids = np.unique(np.concatenate(
        [np.unique(dataset[i]['gt_seg_map']) for i in range(len(dataset))]))
    assert set(ids) <= {0, 1, 2, 5, 8, 10, 11, 13, 255}
    assert {0, 1, 2, 10, 13} <= set(ids)
