import doctest

import pytest
import torch
from mmengine.logging import MessageHub

import akd.losses.maskd
from akd.losses import AvatarKDLoss, MasKDLoss
from akd.losses.maskd import masked_feature_distance


def _loss(**kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('channels', 4)
    kwargs.setdefault('tokens_ckpt', None)
    return MasKDLoss(**kwargs)


def _tokens(loss, level=0):
    return loss.levels[level].receptive_tokens


def _set_iter(iteration):
    MessageHub.get_current_instance().update_info('iter', iteration)


@pytest.fixture(autouse=True)
def _iteration_zero():
    _set_iter(0)
    yield
    _set_iter(0)


def _reference(S, T, masks, p):
    """The paper's loss with explicit loops over n, t and c."""
    N, C = S.shape[:2]
    total = 0.
    for n in range(N):
        for t in range(masks.shape[1]):
            m = masks[n, t]
            per_channel = [((m * (S[n, c] - T[n, c]))**2).sum() / m.sum()
                           for c in range(C)]
            total = total + p[n, t] * sum(per_channel) / C
    return total / N


def test_masked_feature_distance_matches_reference_loop():
    torch.manual_seed(0)
    S, T = torch.randn(2, 3, 5, 7), torch.randn(2, 3, 5, 7)
    masks = torch.rand(2, 4, 5, 7)
    p = torch.rand(2, 4).softmax(1)
    torch.testing.assert_close(
        masked_feature_distance(S, T, masks, p).mean(),
        _reference(S, T, masks, p))


def test_mask_that_underflows_to_zero_contributes_zero():
    S, T = torch.randn(2, 3, 5, 7), torch.randn(2, 3, 5, 7)
    masks = torch.rand(2, 4, 5, 7)
    masks[:, 1] = 0  # sigmoid(q . F) == 0 for very large features
    p = torch.rand(2, 4).softmax(1)
    distance = masked_feature_distance(S, T, masks, p)
    kept = [0, 2, 3]
    torch.testing.assert_close(
        distance.mean(),
        _reference(S, T, masks[:, kept], p[:, kept]))


def test_loss_masks_with_the_teachers_tokens():
    loss = _loss(loss_weight=2.0)
    S, T = torch.randn(2, 4, 6, 5), torch.randn(2, 4, 6, 5)
    tokens = _tokens(loss)
    expected = 2.0 * _reference(S, T, tokens.masks(T), tokens.token_weights(T))
    torch.testing.assert_close(loss(S, T), expected)


def test_zero_when_student_equals_teacher():
    T = torch.randn(2, 4, 6, 5)
    assert _loss()(T.clone(), T).item() == 0


def test_masks_are_customised_to_the_student_from_the_warmup_on():
    loss = _loss(custom_mask_warmup=10)
    S, T = torch.randn(2, 4, 6, 5), torch.randn(2, 4, 6, 5)
    tokens = _tokens(loss)
    teacher_only = _reference(S, T, tokens.masks(T), tokens.token_weights(T))
    customised = _reference(S, T,
                            tokens.masks(T) * tokens.masks(S),
                            tokens.token_weights(T))
    _set_iter(9)
    torch.testing.assert_close(loss(S, T), teacher_only)
    _set_iter(10)
    torch.testing.assert_close(loss(S, T), customised)
    assert not torch.allclose(teacher_only, customised)


def test_gradient_reaches_the_student_but_not_the_frozen_tokens():
    loss = _loss(custom_mask_warmup=0)
    S = torch.randn(2, 4, 6, 5, requires_grad=True)
    T = torch.randn(2, 4, 6, 5, requires_grad=True)
    loss(S, T.detach()).backward()
    assert S.grad.abs().sum() > 0
    assert all(p.grad is None for p in loss.parameters())
    assert not any(p.requires_grad for p in loss.parameters())


def _stage_one_checkpoint(path, levels=3, channels=4, num_tokens=6):
    torch.manual_seed(1)
    state_dict = {}
    for level in range(levels):
        prefix = f'receptive_tokens.{level}.'
        source = MasKDLoss(channels, None, num_tokens=num_tokens)
        for key, value in _tokens(source).state_dict().items():
            state_dict[prefix + key] = value + level
    state_dict['architecture.neck.weight'] = torch.zeros(1)
    torch.save(dict(state_dict=state_dict), path)
    return str(path), state_dict


def test_loads_the_chosen_level_of_a_stage_one_checkpoint(tmp_path):
    path, state_dict = _stage_one_checkpoint(tmp_path / 'tokens.pth')
    loss = MasKDLoss(4, path, tokens_level=2)
    torch.testing.assert_close(_tokens(loss).tokens,
                               state_dict['receptive_tokens.2.tokens'])
    S, T = torch.randn(2, 4, 6, 5), torch.randn(2, 4, 6, 5)
    assert loss(S, T) != MasKDLoss(4, path, tokens_level=1)(S, T)


def test_rejects_a_missing_tokens_checkpoint_naming_stage_one(tmp_path):
    with pytest.raises(FileNotFoundError, match='maskd-tokens'):
        MasKDLoss(4, str(tmp_path / 'missing.pth'))


def test_rejects_a_checkpoint_without_that_level(tmp_path):
    path, _ = _stage_one_checkpoint(tmp_path / 'tokens.pth', levels=2)
    with pytest.raises(ValueError, match='receptive_tokens.2'):
        MasKDLoss(4, path, tokens_level=2)


def test_rejects_tokens_of_another_width_naming_the_settings(tmp_path):
    path, _ = _stage_one_checkpoint(tmp_path / 'tokens.pth', channels=4)
    with pytest.raises(ValueError, match='channels and num_tokens'):
        MasKDLoss(8, path)


def test_each_argument_changes_the_result():
    S, T = torch.randn(2, 4, 6, 5), torch.randn(2, 4, 6, 5)
    _set_iter(5)
    reference = _loss()(S, T)
    for changed in (dict(num_tokens=3), dict(loss_weight=3.0),
                    dict(custom_mask_warmup=5)):
        assert not torch.allclose(_loss(**changed)(S, T), reference), changed


def test_avatar_loss_is_the_weighted_sum_over_avatars():
    loss = _loss(custom_mask_warmup=0)
    S = torch.randn(2, 4, 6, 5)
    avatars = torch.randn(2, 3, 4, 6, 5)  # (N, K, C, H, W)
    weights = torch.tensor([0.2, 0.3, 0.5])
    expected = sum(w * loss(S, avatars[:, k]) for k, w in enumerate(weights))
    torch.testing.assert_close(
        loss.levels[0].avatar_loss(S, avatars, weights), expected)


def _levels(widths, sizes=((6, 5), (3, 3)), seed=0):
    torch.manual_seed(seed)
    return tuple(torch.randn(2, c, *hw) for c, hw in zip(widths, sizes))


def test_all_levels_in_one_entry_each_with_its_own_tokens():
    loss = _loss(channels=[4, 6], loss_weight=2.0)
    S, T = _levels([4, 6]), _levels([4, 6], seed=1)
    expected = sum(
        2.0 * _reference(s, t,
                         _tokens(loss, level).masks(t),
                         _tokens(loss, level).token_weights(t))
        for level, (s, t) in enumerate(zip(S, T)))
    torch.testing.assert_close(loss(S, T), expected)


def test_loads_consecutive_levels_of_a_stage_one_checkpoint(tmp_path):
    path, state_dict = _stage_one_checkpoint(tmp_path / 'tokens.pth')
    loss = MasKDLoss([4, 4], path, tokens_level=1)
    for level in range(2):
        torch.testing.assert_close(
            _tokens(loss, level).tokens,
            state_dict[f'receptive_tokens.{level + 1}.tokens'])


def test_rejects_levels_that_do_not_match_its_channels():
    loss = _loss(channels=[4, 4, 4])
    with pytest.raises(ValueError, match='3 levels .* got 2 tensors'):
        loss(_levels([4, 4]), _levels([4, 4]))


def test_avatar_kd_masks_each_level_with_that_levels_tokens():
    torch.manual_seed(0)
    wrapped = AvatarKDLoss(
        base_loss=dict(type='MasKDLoss', channels=[4, 6], tokens_ckpt=None),
        num_avatars=3, standardize=False, weighting='uniform',
        perturbation=dict(type='AvatarDropout', p=0.0))
    S, T = _levels([4, 6]), _levels([4, 6], seed=1)
    # p=0: every avatar is the teacher, so AKD is the plain loss
    torch.testing.assert_close(wrapped(S, T), wrapped.base_loss(S, T))
    with pytest.raises(ValueError, match='MasKDLoss has 2 levels'):
        wrapped(S[:1], T[:1])


def test_runs_inside_avatar_kd_loss():
    torch.manual_seed(0)
    wrapped = AvatarKDLoss(
        base_loss=dict(type='MasKDLoss', channels=4, tokens_ckpt=None),
        num_avatars=4, standardize=False, weighting='uniform',
        perturbation=dict(type='AvatarDropout', p=0.0))
    S = torch.randn(2, 4, 6, 5, requires_grad=True)
    T = torch.randn(2, 4, 6, 5)
    value = wrapped(S, T)
    torch.testing.assert_close(value, wrapped.base_loss(S, T))  # p=0: equal
    value.backward()
    assert S.grad.abs().sum() > 0
    wrapped.perturbation.p = 0.5
    assert wrapped(S, T) != value


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.maskd, verbose=False)
    assert result.attempted > 0 and result.failed == 0
