"""FreeKD stage 1: prompts learned on a frozen detector, read by
FreeKDLoss."""
import glob
import os.path as osp

import pytest
import torch
from akd.losses import FreeKDLoss
from akd.tooling.synthetic_batch import det_batch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from conftest import REPO

TOY = osp.join(REPO, 'configs', 'freekd',
               'freekd-prompts_fpn_retina-r18-w32_2k_toy-coco.py')


def _build(**overrides):
    cfg = Config.fromfile(TOY)
    cfg.model.teacher_ckpt = None
    cfg.model.update(overrides)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def stepped():
    """The toy stage-1 model before and after one Adam step."""
    model = _build()
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.train()
    with DefaultScope.overwrite_default_scope('mmdet'):
        inputs, data_samples = det_batch(model)
        optimizer = OptimWrapper(torch.optim.Adam(
            [p for p in model.parameters() if p.requires_grad], lr=0.01))
        losses = model.train_step(dict(inputs=inputs,
                                       data_samples=data_samples),
                                  optimizer)
    return model, before, losses


def test_step_trains_only_the_prompts_of_every_level(stepped):
    model, before, losses = stepped
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {f'frequency_prompts.{level}.prompts'
                       for level in range(5)}
    assert 'loss_cls' in losses and 'loss_bbox' in losses
    # 5 FPN levels x 4 bands (LL, 3 detail levels), each Dice in [0, 1]
    assert 0 < losses['loss_mask_diversity'] <= 20


def test_teacher_sees_prompt_masked_features():
    model = _build(wavelet_levels=2, num_prompts=3)
    model.train()
    assert not model.architecture.training
    images = torch.randn(1, 3, 64, 64)
    masked = model.architecture.extract_feat(images)
    neck = model.architecture.neck
    with torch.no_grad():
        hooks = neck._forward_hooks.copy()
        neck._forward_hooks.clear()
        plain = model.architecture.extract_feat(images)
        neck._forward_hooks.update(hooks)
    for level, prompts in enumerate(model.frequency_prompts):
        assert prompts.prompts.shape == (3, 3, 64)  # LL + 2 levels, T=3
        torch.testing.assert_close(masked[level], prompts(plain[level])[0])


def test_checkpoint_feeds_freekd_loss(stepped, tmp_path):
    model, _, _ = stepped
    path = tmp_path / 'iter_2000.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    loss = FreeKDLoss([64] * 5, str(path))  # every level, one entry
    for level, prompts in enumerate(model.frequency_prompts):
        loaded = loss.levels[level].frequency_prompts
        torch.testing.assert_close(loaded.prompts, prompts.prompts)


STAGE_ONE = sorted(
    glob.glob(osp.join(REPO, 'configs', 'freekd', 'freekd-prompts_*.py')))


@pytest.mark.parametrize(
    'path', STAGE_ONE, ids=[osp.basename(p)[:-3] for p in STAGE_ONE])
def test_stage_one_config_builds_and_computes_its_losses(path):
    cfg = Config.fromfile(path)
    cfg.model.teacher_ckpt = None
    cfg.model.architecture.pretrained = False
    assert cfg.model.type == 'FreeKDPromptLearning'
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = det_batch(model)
        losses = model.loss(inputs, data_samples)
    assert torch.isfinite(losses['loss_mask_diversity'])
    assert not any(p.requires_grad for p in model.architecture.parameters())
