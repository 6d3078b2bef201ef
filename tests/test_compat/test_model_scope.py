import pytest
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS as RAZOR_MODELS

import akd  # noqa: F401

TINY_RETINANET = dict(
    type='RetinaNet',
    backbone=dict(type='ResNet', depth=18, base_channels=8, num_stages=4,
                  out_indices=(1, 2, 3)),
    neck=dict(type='FPN', in_channels=[16, 32, 64], out_channels=16,
              start_level=0, add_extra_convs='on_input', num_outs=5),
    bbox_head=dict(
        type='RetinaHead', num_classes=3, in_channels=16, feat_channels=16,
        stacked_convs=1,
        anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                              scales_per_octave=1, ratios=[1.0],
                              strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder'),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True),
        loss_bbox=dict(type='L1Loss')),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                      neg_iou_thr=0.4),  # builds BboxOverlaps2D nested
        sampler=dict(type='PseudoSampler')),
    test_cfg=dict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5)))


def test_prefixed_type_builds_nested_parts_in_its_own_scope():
    import mmdet.models  # noqa: F401
    cfg = dict(TINY_RETINANET, type='mmdet.RetinaNet')
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = RAZOR_MODELS.build(cfg)
    assert type(model).__name__ == 'RetinaNet'
    assert type(model.bbox_head.assigner.iou_calculator).__name__ == \
        'BboxOverlaps2D'


def test_unprefixed_type_in_wrong_scope_names_the_registering_scope():
    import mmdet.models  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmrazor'):
        with pytest.raises(KeyError, match="type='mmdet.RetinaNet'"):
            RAZOR_MODELS.build(dict(TINY_RETINANET))


def test_unknown_type_keeps_mmengine_message():
    with pytest.raises(KeyError, match='NoSuchModel is not in the'):
        RAZOR_MODELS.build(dict(type='NoSuchModel'))
