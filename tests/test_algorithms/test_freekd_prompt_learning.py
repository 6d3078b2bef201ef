"""FreeKD stage 1: prompts learned on a frozen detector, read by
FreeKDLoss."""
import pytest
import torch

from akd.losses import FreeKDLoss
from stage_one import (build_stage_one, check_stage_one_config,
                       stage_one_configs, stepped_stage_one)

TOY = 'configs/freekd/freekd-prompts_fpn_retina-r18-w32_2k_toy-coco.py'


@pytest.fixture(scope='module')
def stepped():
    return stepped_stage_one(TOY)


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
    model = build_stage_one(TOY, wavelet_levels=2, num_prompts=3)
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


@stage_one_configs('freekd/freekd-prompts_*.py')
def test_stage_one_config_builds_and_computes_its_losses(path):
    check_stage_one_config(path, 'FreeKDPromptLearning')
