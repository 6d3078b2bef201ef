"""teacher_forward='student_rois': a Faster R-CNN teacher's box branch runs
on the RoIs the student sampled, so RoI logits pair up row by row."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from akd.algorithms.teacher_forward import teacher_records
from akd.tooling.random_weights import without_weights
from akd.tooling.synthetic_batch import det_batch
from conftest import REPO
from tolerances import assert_close_float32

FASTER_RCNN = 'configs/cwd/cwd_fpn_faster-rcnn-r18-w32_faster-rcnn-r18-w16_toy-coco.py'  # noqa: E501
ROI_LOGITS = dict(
    type='CheckedDistiller',
    student_recorders=dict(
        roi=dict(type='ModuleOutputs', source='roi_head.bbox_head')),
    teacher_recorders=dict(
        roi=dict(type='ModuleOutputs', source='roi_head.bbox_head')),
    distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=1)),
    loss_forward_mappings=dict(
        loss_kd=dict(
            preds_S=dict(from_student=True, recorder='roi', data_idx=0),
            preds_T=dict(from_student=False, recorder='roi', data_idx=0))))


def _build(**overrides):
    cfg = Config.fromfile(osp.join(REPO, FASTER_RCNN))
    without_weights(cfg)
    cfg.model.type = 'FrozenTeacherDistill'
    cfg.model.distiller = ROI_LOGITS
    cfg.model.update(overrides)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = MODELS.build(cfg.model).train()
    return model, det_batch(model.student)


def _student_rois(model, batch) -> list:
    captured = []
    model.student.roi_head.bbox_roi_extractor.register_forward_pre_hook(
        lambda module, args: captured.append(args[1]))
    model.loss(*batch)
    return captured


def test_teacher_logits_are_on_the_students_rois():
    model, batch = _build(teacher_forward='student_rois')
    rois = _student_rois(model, batch)[0]  # (n, 5)
    logits_T = teacher_records(model.distiller)['loss_kd', 'preds_T']
    logits_S = model.distiller.get_record('roi', from_student=True,
                                          data_idx=0)
    assert logits_T.shape == logits_S.shape == (rois.shape[0], 81)
    with torch.no_grad():
        expected = model.teacher.roi_head._bbox_forward(
            model.teacher.extract_feat(batch[0]), rois)['cls_score']
    assert_close_float32(logits_T, expected)


def test_loss_mode_teacher_samples_other_rois():
    """What 'student_rois' is for: MMRazor's loss-mode teacher samples its
    own RoIs, so its rows describe other boxes."""
    model, batch = _build(teacher_forward='loss')
    rois = _student_rois(model, batch)[0]
    logits_T = teacher_records(model.distiller)['loss_kd', 'preds_T']
    with torch.no_grad():
        on_student_rois = model.teacher.roi_head._bbox_forward(
            model.teacher.extract_feat(batch[0]), rois)['cls_score']
    assert logits_T.shape != on_student_rois.shape or not torch.allclose(
        logits_T, on_student_rois)


def test_student_rois_step_trains_the_student():
    model, batch = _build(teacher_forward='student_rois')
    losses = model.loss(*batch)
    loss, _ = model.parse_losses(losses)
    loss.backward()
    assert torch.isfinite(losses['distill.loss_kd'])
    assert model.student.roi_head.bbox_head.fc_cls.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.teacher.parameters())


def test_student_rois_refuses_a_one_stage_detector():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/dkd/dkd_logits_retina-r18-w32_retina-r18-w16_'
        'toy-coco.py'))
    without_weights(cfg)
    cfg.model.teacher_forward = 'student_rois'
    with DefaultScope.overwrite_default_scope('mmrazor'), pytest.raises(
            ValueError, match=r"model.teacher_forward='student_rois' needs "
            r'two-stage detectors.*model.architecture is a RetinaNet'):
        MODELS.build(cfg.model)
