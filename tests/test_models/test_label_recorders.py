"""SegGtLabels and DetTargetLabels deliver the student's own labels."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS, TASK_UTILS

import akd  # noqa: F401
from akd.tooling.random_weights import without_weights
from akd.tooling.synthetic_batch import det_batch, seg_batch
from conftest import REPO

SEG = osp.join(
    REPO, 'configs', 'dkd', 'dkd_logits_pspnet-r18-w32-d8_'
    'pspnet-r18-w16-d8_toy-cityscapes.py')
DET = osp.join(REPO, 'configs', 'dkd', 'dkd_logits_retina-r18-w32_'
               'retina-r18-w16_toy-coco.py')
LD = osp.join(REPO, 'configs', 'ld',
              'ld_gfl_gfl-r18-w32_gfl-r18-w16_toy-coco.py')


def _build(path):
    cfg = Config.fromfile(path)
    without_weights(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model)


def test_seg_labels_are_the_students_label_maps():
    model = _build(SEG)
    model.train()
    inputs, samples = seg_batch()
    model(inputs, samples, mode='loss')
    labels = model.distiller.student_recorders.recorders[
        'gt_labels'].get_record_data()
    expected = torch.stack([s.gt_sem_seg.data for s in samples])
    torch.testing.assert_close(labels, expected)


def test_det_labels_are_per_anchor_per_level():
    model = _build(DET)
    model.train()
    inputs, samples = det_batch(model)
    model(inputs, samples, mode='loss')
    recorders = model.distiller.student_recorders.recorders
    labels = recorders['gt_labels'].get_record_data()
    cls_scores = recorders['head'].get_record_data(data_idx=0)
    assert len(labels) == len(cls_scores) == 5
    for level_labels, scores in zip(labels, cls_scores):
        N, AC, H, W = scores.shape
        assert level_labels.shape == (N, H * W * AC // 80)
    every = torch.cat([x.reshape(-1) for x in labels])
    assert (every < 80).any() and (every == 80).any()  # positives and bg


def test_ld_regions_are_the_gfl_labels_and_the_vlr_per_level():
    model = _build(LD)
    model.train()
    inputs, samples = det_batch(model)
    model(inputs, samples, mode='loss')
    recorders = model.distiller.student_recorders.recorders
    labels, vlr = recorders['regions'].get_record_data()
    cls_scores = recorders['head'].get_record_data(data_idx=0)
    assert len(labels) == len(vlr) == len(cls_scores) == 5
    for level_labels, level_vlr, scores in zip(labels, vlr, cls_scores):
        N, _, H, W = scores.shape
        assert level_labels.shape == level_vlr.shape == (N, H * W)
    every = torch.cat([x.reshape(-1) for x in vlr])
    assert (every > 0).any() and (every >= 0).all() and (every <= 1).all()
    positives = torch.cat([x.reshape(-1) for x in labels]) < 80
    assert positives.any()


def test_det_labels_of_a_gfl_head_are_its_labels_not_its_priors():
    model = _build(osp.join(REPO, 'configs', 'crosskd', 'crosskd_gfl_'
                            'gfl-r18-w32_gfl-r18-w16_toy-coco.py'))
    model.train()
    inputs, samples = det_batch(model)
    model(inputs, samples, mode='loss')
    labels = model.distiller.student_recorders.recorders[
        'gt_labels'].get_record_data()
    assert len(labels) == 5
    assert all(not x.is_floating_point() and x.dim() == 2 for x in labels)


def test_det_labels_name_the_method_a_head_never_called():
    recorder = TASK_UTILS.build(
        dict(_scope_='mmrazor', type='DetTargetLabelsRecorder'))
    recorder.initialize()
    with recorder:
        pass  # e.g. an FCOS student: AnchorHead.get_targets is not called
    with pytest.raises(ValueError, match='never called mmdet.models.dense'):
        recorder.get_record_data()


def test_seg_labels_hint_no_detection_method():
    recorder = TASK_UTILS.build(
        dict(_scope_='mmrazor', type='SegGtLabelsRecorder'))
    recorder.initialize()
    with recorder:
        pass
    with pytest.raises(ValueError, match='_stack_batch_gt in its') as error:
        recorder.get_record_data()
    assert 'FCOSHead' not in str(error.value)
