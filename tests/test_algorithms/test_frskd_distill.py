"""FRSKDDistill on the toy RetinaNet and PSPNet configs, on CPU."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from akd.tooling.synthetic_batch import det_batch, seg_batch
from conftest import REPO

CONFIGS = {
    'det': 'configs/frskd/frskd_retina-r18-w16_toy-coco.py',
    'seg': 'configs/frskd/frskd_pspnet-r18-w16-d8_toy-cityscapes.py',
}
DISTILL_KEYS = ('distill.loss_soft_label', 'distill.loss_feature')


def _set_iter(iteration):
    MessageHub.get_current_instance().update_info('iter', iteration)


@pytest.fixture(autouse=True)
def _after_warmup():
    _set_iter(10**6)
    yield
    _set_iter(0)


def _build(task, **overrides):
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[task]))
    for key, value in overrides.items():
        cfg.model[key] = value  # replaced whole, not merged
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.train()
    inputs, samples = seg_batch() if task == 'seg' else det_batch(model)
    return model, inputs, samples


def _grads(module):
    return [p.grad for p in module.parameters() if p.requires_grad]


def _has_grad(module):
    return any(g is not None and g.abs().sum() > 0 for g in _grads(module))


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_soft_label_and_feature_terms_reach_only_the_network(task):
    model, inputs, samples = _build(task)
    losses = model(inputs, samples, mode='loss')
    sum(losses[key] for key in DISTILL_KEYS).backward()
    assert not _has_grad(model.self_teacher)
    assert not _has_grad(model.self_teacher_head)
    assert _has_grad(model.architecture.backbone)


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_self_teacher_task_loss_trains_self_teacher_and_network(task):
    model, inputs, samples = _build(task)
    losses = model(inputs, samples, mode='loss')
    self_teacher_losses = {
        k: v for k, v in losses.items() if k.startswith('self_teacher.')
    }
    model.parse_losses(self_teacher_losses)[0].backward()
    assert _has_grad(model.self_teacher)
    assert _has_grad(model.self_teacher_head)
    assert _has_grad(model.architecture.backbone)  # through its features


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_distillation_is_zero_in_the_warmup(task):
    model, inputs, samples = _build(task, warmup_iters=5, ramp_iters=5)
    _set_iter(4)
    losses = model(inputs, samples, mode='loss')
    assert all(losses[key].item() == 0 for key in DISTILL_KEYS)
    _set_iter(10)
    losses = model(inputs, samples, mode='loss')
    assert all(losses[key].item() > 0 for key in DISTILL_KEYS)


@pytest.mark.parametrize('shape,expected', [
    ('sigmoid', [0.0, 0.0, 0.0067379, 0.2865048, 1.0, 1.0]),
    ('linear', [0.0, 0.0, 0.0, 0.5, 1.0, 1.0]),
])
def test_ramp_follows_its_shape(shape, expected):
    model, _, _ = _build('seg', warmup_iters=10, ramp_iters=20,
                         ramp_shape=shape)
    ramps = []
    for iteration in (0, 9, 10, 20, 30, 40):
        _set_iter(iteration)
        ramps.append(model.ramp())
    assert ramps == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_prediction_runs_only_the_network(task):
    model, inputs, samples = _build(task)
    model.eval()
    calls = []
    model.self_teacher.register_forward_hook(lambda *args: calls.append(1))
    with torch.no_grad():
        ours = model(inputs, samples, mode='tensor')
        plain = model.architecture(inputs, samples, mode='tensor')
    flat = torch.utils._pytree.tree_leaves
    assert all(torch.equal(a, b) for a, b in zip(flat(ours), flat(plain)))
    assert calls == []


def test_teacher_free_akd_logs_avatar_statistics():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/frskd/frskd-akd_pspnet-r18-w16-d8_toy-cityscapes.py'))
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    model.train()
    inputs, samples = seg_batch()
    losses = model(inputs, samples, mode='loss')
    losses['distill.loss_soft_label'].backward()
    assert not _has_grad(model.self_teacher_head)
    logged = MessageHub.get_current_instance().log_scalars
    assert 'train/distill.akd_weight_spread' in logged


def test_rejects_a_soft_label_mode_that_does_not_fit_the_head():
    with pytest.raises(ValueError, match='model.soft_label_loss.sigmoid'):
        _build('det', soft_label_loss=dict(type='DenseKLDivergence',
                                           sigmoid=False))


def test_rejects_projected_levels_the_head_does_not_read():
    with pytest.raises(ValueError,
                       match=r'out_channels=\[None, None, None, 128\]'):
        _build('seg', self_teacher=dict(
            type='BiFPNSelfTeacher', in_channels=[16, 32, 64, 128]))


def test_rejects_a_two_stage_detector_naming_what_fits():
    with pytest.raises(ValueError, match='bbox_head'):
        _build('det', architecture=dict(
            cfg_path=osp.join(REPO, 'configs/toy_models/'
                              'faster-rcnn_r18-w16_fpn_toy-coco.py'),
            pretrained=False))


@pytest.mark.parametrize('key,value', [('warmup_iters', -1),
                                       ('ramp_iters', 1.5),
                                       ('ramp_shape', 'cosine')])
def test_rejects_bad_schedule_naming_the_key(key, value):
    with pytest.raises(ValueError, match=f'model.{key}'):
        _build('seg', **{key: value})
