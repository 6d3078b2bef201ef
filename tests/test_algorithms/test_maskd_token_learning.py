"""MasKD stage 1: tokens learned on a frozen detector, read by MasKDLoss."""
import pytest
import torch
from mmengine.registry import DefaultScope

from akd.losses import MasKDLoss
from akd.tooling.synthetic_batch import det_batch
from stage_one import (build_stage_one, check_stage_one_config,
                       stage_one_configs, stepped_stage_one)

TOY = 'configs/maskd/maskd-tokens_fpn_retina-r18-w32_2k_toy-coco.py'


def _build(**overrides):
    return build_stage_one(TOY, **overrides)


@pytest.fixture(scope='module')
def stepped():
    return stepped_stage_one(TOY)


def test_step_trains_only_the_tokens(stepped):
    model, before, losses = stepped
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed, 'nothing was trained'
    assert all(k.startswith('receptive_tokens.') for k in changed), changed
    trained = {k.split('.')[1] for k in changed}
    assert trained == {str(level) for level in range(5)}


def test_loss_is_the_task_loss_plus_mask_diversity(stepped):
    _, _, losses = stepped
    assert 'loss_mask_diversity' in losses
    assert 'loss_cls' in losses and 'loss_bbox' in losses
    assert 0 < losses['loss_mask_diversity'] <= 5  # 5 levels, Dice <= 1


def test_teacher_sees_masked_features_and_stays_in_eval_mode():
    model = _build()
    model.train()
    assert not model.architecture.training
    assert model.receptive_tokens.training
    images = torch.randn(1, 3, 64, 64)
    masked = model.architecture.extract_feat(images)
    plain_neck = model.architecture.neck
    with torch.no_grad():
        hooks = plain_neck._forward_hooks.copy()
        plain_neck._forward_hooks.clear()
        plain = model.architecture.extract_feat(images)
        plain_neck._forward_hooks.update(hooks)
    for level, tokens in enumerate(model.receptive_tokens):
        torch.testing.assert_close(masked[level], tokens(plain[level])[0])


def test_diversity_weight_scales_the_diversity_loss():
    results = []
    for weight in (1.0, 3.0):
        model = _build(diversity_weight=weight)
        with DefaultScope.overwrite_default_scope('mmdet'):
            inputs, data_samples = det_batch(model)
            results.append(model.loss(inputs, data_samples))
    torch.testing.assert_close(results[1]['loss_mask_diversity'],
                               3 * results[0]['loss_mask_diversity'])


def test_num_tokens_sets_the_tokens_per_level():
    model = _build(num_tokens=3)
    assert all(t.tokens.shape == (3, 64) for t in model.receptive_tokens)


def test_rejects_an_unknown_feature_module():
    with pytest.raises(ValueError, match="feature_module='nek'"):
        _build(feature_module='nek')


def test_rejects_a_channel_list_of_the_wrong_length():
    model = _build(channels=[64] * 4)
    with pytest.raises(ValueError, match='model.channels has 4 levels'):
        model.architecture.extract_feat(torch.randn(1, 3, 64, 64))


def test_checkpoint_feeds_maskd_loss(stepped, tmp_path):
    model, _, _ = stepped
    path = tmp_path / 'iter_2000.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    loss = MasKDLoss([64] * 5, str(path))  # every level, one entry
    for level, tokens in enumerate(model.receptive_tokens):
        learned = loss.levels[level].receptive_tokens.state_dict()
        for key, value in learned.items():
            torch.testing.assert_close(value, tokens.state_dict()[key])


@stage_one_configs('maskd/maskd-tokens_*.py')
def test_stage_one_config_builds_and_computes_its_losses(path):
    check_stage_one_config(path, 'MasKDTokenLearning')
