"""CrossKD's cross head: the student's features through the teacher's
remaining head layers, on GFL and RetinaNet heads."""
import copy
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

import akd  # noqa: F401
from akd.algorithms.cross_head import CrossHead
from akd.tooling.random_weights import without_weights
from akd.tooling.synthetic_batch import det_batch
from conftest import REPO
from tolerances import assert_close_float32

ANCHORS = dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=8,
               scales_per_octave=1, strides=[8, 16])
HEADS = {
    'gfl': dict(type='GFLHead', num_classes=3, in_channels=8,
                feat_channels=8, stacked_convs=4, anchor_generator=ANCHORS,
                norm_cfg=dict(type='GN', num_groups=4, requires_grad=True)),
    'retina': dict(type='RetinaHead', num_classes=3, in_channels=8,
                   feat_channels=8, stacked_convs=4,
                   anchor_generator=dict(ANCHORS, ratios=[0.5, 1.0, 2.0])),
}
TOY = osp.join(REPO, 'configs', 'crosskd',
               'crosskd_gfl_gfl-r18-w32_gfl-r18-w16_toy-coco.py')


def _head(kind, seed):
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MMDET_MODELS.build(HEADS[kind])
    for p in head.parameters():  # mmdet initialises some to constants
        torch.nn.init.normal_(p, std=0.1)
    return head


def _features(seed=0):
    torch.manual_seed(seed)
    return (torch.randn(2, 8, 8, 8), torch.randn(2, 8, 4, 4))


def _cross(student, teacher, feats_S, feats_T, split=3):
    cross = CrossHead(student, teacher, split=split)
    cross.start()
    student(feats_S)
    with torch.no_grad():
        own = teacher(feats_T)
    return cross.predictions(), own


@pytest.mark.parametrize('kind', HEADS)
def test_identical_features_reproduce_the_teachers_prediction(kind):
    teacher = _head(kind, seed=0).eval()
    student = copy.deepcopy(teacher).eval()
    feats = _features()
    (cross_cls, cross_box), (own_cls, own_box) = _cross(
        student, teacher, feats, feats)
    for cross, own in zip((*cross_cls, *cross_box), (*own_cls, *own_box)):
        # the alignment divides by std + 1e-6: a relative 1e-5 at most
        assert_close_float32(cross, own, ulps=1000)


@pytest.mark.parametrize('kind', HEADS)
def test_gradient_reaches_the_student_not_the_teachers_head(kind):
    teacher = _head(kind, seed=0).requires_grad_(False)
    student = _head(kind, seed=1)
    feats = tuple(f.requires_grad_() for f in _features())
    (cross_cls, cross_box), _ = _cross(student, teacher, feats, _features(1))
    sum(x.sum() for x in (*cross_cls, *cross_box)).backward()
    assert all(f.grad.abs().sum() > 0 for f in feats)
    for tower in ('cls_convs', 'reg_convs'):
        first = getattr(student, tower)[:3]
        assert all(p.grad is not None and p.grad.abs().sum() > 0
                   for p in first.parameters())
        last = getattr(student, tower)[3]  # the teacher's 4th runs instead
        assert all(p.grad is None for p in last.parameters())
    assert all(p.grad is None for p in teacher.parameters())
    assert not any(p.requires_grad for p in teacher.parameters())


def test_cross_head_differs_from_both_heads_own_predictions():
    teacher, student = _head('gfl', seed=0), _head('gfl', seed=1)
    feats = _features()
    (cross_cls, _), (own_cls, _) = _cross(student, teacher, feats, feats)
    with torch.no_grad():
        student_cls = student(feats)[0]
    assert not torch.allclose(cross_cls[0], own_cls[0])
    assert not torch.allclose(cross_cls[0], student_cls[0])


@pytest.mark.parametrize('split, match', [(0, 'split=0'), (5, 'split=5')])
def test_rejects_a_split_outside_the_towers(split, match):
    with pytest.raises(ValueError, match=match):
        CrossHead(_head('gfl', 0), _head('gfl', 1), split=split)


def test_prediction_steps_capture_nothing():
    teacher, student = _head('gfl', seed=0), _head('gfl', seed=1)
    cross = CrossHead(student, teacher, split=3)
    with torch.no_grad():
        student(_features())  # a validation forward, no step started
    assert not any(cross.features['student'].values())


def _build(path):
    cfg = Config.fromfile(path)
    without_weights(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model)


def test_distillation_step_trains_the_student_through_the_teachers_layers():
    model = _build(TOY)
    model.train()
    inputs, samples = det_batch(model)
    losses = model(inputs, samples, mode='loss')
    assert {'distill.loss_cross_cls', 'distill.loss_cross_box'} <= set(
        losses)
    distill = losses['distill.loss_cross_cls'] + losses[
        'distill.loss_cross_box']
    distill.backward()
    student_head = model.architecture.bbox_head
    assert student_head.cls_convs[0].conv.weight.grad.abs().sum() > 0
    assert student_head.gfl_cls.weight.grad is None  # its own predictor
    assert all(p.grad is None for p in model.teacher.parameters())


def test_rejects_a_cross_head_record_of_another_type():
    cfg = Config.fromfile(TOY)
    without_weights(cfg)
    cfg.model.distiller.student_recorders.cross_head = dict(
        type='ModuleOutputs', source='bbox_head')  # not the cross head's
    with DefaultScope.overwrite_default_scope(cfg.default_scope), \
            pytest.raises(ValueError, match='student_recorders.cross_head'):
        MODELS.build(cfg.model)
