"""FreeKDLoss: the masked L1 on wavelet detail bands, against PyWavelets."""
import doctest

import numpy as np
import pytest
import pywt
import torch

import akd.losses.freekd
from akd.losses import AvatarKDLoss, FreeKDLoss
from akd.losses.utils.avatar_ensembles import (avatar_ensemble_loss,
                                               has_batched_form)
from tolerances import assert_close_float32


def _loss(**kwargs):
    kwargs.setdefault('channels', 4)
    kwargs.setdefault('prompts_ckpt', None)
    kwargs.setdefault('num_prompts', 3)
    kwargs.setdefault('wavelet_levels', 2)
    torch.manual_seed(0)
    loss = FreeKDLoss(**kwargs)
    for level in loss.levels:
        level.frequency_prompts.prompts.data.normal_()  # masks not near 1/2
    return loss


def _prompts(loss, level=0):
    return loss.levels[level].frequency_prompts.prompts.detach().double()


def reference(S, T, prompts, levels, loss_weight=1.0):
    """The official form, written out: for each wavelet level, the T
    masks replicated over channels and orientations, mean |M_t D^S -
    M_t D^T| over (N, T, C, 3, h, w), summed over the wavelet levels."""
    bands_S = pywt.wavedec2(S.double().numpy(), 'haar', mode='zero',
                            level=levels)
    bands_T = pywt.wavedec2(T.double().numpy(), 'haar', mode='zero',
                            level=levels)
    total = 0.0
    for level in range(1, levels + 1):
        D_S = np.stack(bands_S[-level], axis=2)  # (N, C, 3, h, w)
        D_T = np.stack(bands_T[-level], axis=2)
        P = prompts[level].numpy()  # (T, C)
        logits = np.einsum('tc,nchw->nthw', P, D_T.sum(axis=2))
        M = 1 / (1 + np.exp(-logits))  # (N, T, h, w)
        masked_S = M[:, :, None, None] * D_S[:, None]  # (N, T, C, 3, h, w)
        masked_T = M[:, :, None, None] * D_T[:, None]
        total += np.abs(masked_S - masked_T).mean()
    return loss_weight * total


def test_matches_the_official_form_on_dense_maps():
    loss = _loss(loss_weight=2.0)
    S, T = torch.randn(2, 4, 13, 10), torch.randn(2, 4, 13, 10)  # odd H
    assert_close_float32(loss(S, T),
                         reference(S, T, _prompts(loss), 2, 2.0))


def test_a_tuple_of_levels_sums_each_levels_loss_with_its_own_prompts():
    loss = _loss(channels=[4, 6], wavelet_levels=3)
    S = (torch.randn(2, 4, 16, 16), torch.randn(2, 6, 7, 9))
    T = (torch.randn(2, 4, 16, 16), torch.randn(2, 6, 7, 9))
    expected = sum(
        reference(s, t, _prompts(loss, level), 3)
        for level, (s, t) in enumerate(zip(S, T)))
    assert_close_float32(loss(S, T), expected)


def test_zero_when_student_equals_teacher():
    T = torch.randn(2, 4, 9, 9)
    assert _loss()(T.clone(), T) == 0


def test_low_frequencies_are_not_distilled():
    """A student off by a constant per channel differs only in the LL
    band (every detail band of a constant map is 0)."""
    T = torch.randn(2, 4, 16, 16)
    S = T + torch.randn(1, 4, 1, 1)
    assert _loss(wavelet_levels=3)(S, T) < 1e-5


def test_gradient_reaches_the_student_but_not_the_frozen_prompts():
    loss = _loss()
    S = torch.randn(2, 4, 8, 8, requires_grad=True)
    loss(S, torch.randn(2, 4, 8, 8)).backward()
    assert S.grad.abs().sum() > 0
    assert all(p.grad is None and not p.requires_grad
               for p in loss.parameters())


def test_each_argument_changes_the_result():
    S, T = torch.randn(2, 4, 12, 12), torch.randn(2, 4, 12, 12)
    value = _loss()(S, T)
    for changed in (dict(num_prompts=5), dict(wavelet_levels=3),
                    dict(loss_weight=3.0)):
        assert _loss(**changed)(S, T) != value, changed


def test_rejects_a_shape_mismatch_naming_the_connector():
    with pytest.raises(ValueError, match='distiller.connectors'):
        _loss()(torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 6))


def test_batched_avatar_form_matches_a_loop_over_avatars():
    base = _loss().levels[0]
    assert has_batched_form(base)
    S = torch.randn(2, 4, 9, 8, requires_grad=True)
    avatars = torch.randn(2, 3, 4, 9, 8)  # (N, K, C, H, W)
    weights = torch.tensor([0.5, 0.3, 0.2])
    batched = avatar_ensemble_loss(base, S, avatars, weights)
    loop = sum(w * base(S, avatars[:, k].contiguous())
               for k, w in enumerate(weights))
    assert_close_float32(batched, loop)
    assert_close_float32(torch.autograd.grad(batched, S)[0],
                         torch.autograd.grad(loop, S)[0])


def test_avatar_kd_masks_each_level_with_that_levels_prompts():
    torch.manual_seed(0)
    wrapped = AvatarKDLoss(
        base_loss=dict(type='FreeKDLoss', channels=[4, 6],
                       prompts_ckpt=None),
        num_avatars=3, standardize=False, weighting='uniform',
        perturbation=dict(type='AvatarDropout', p=0.0))
    S = (torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4))
    T = (torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4))
    # p=0: every avatar is the teacher, so AKD is the plain loss
    assert_close_float32(wrapped(S, T), wrapped.base_loss(S, T))
    with pytest.raises(ValueError, match='FreeKDLoss has 2 levels'):
        wrapped(S[:1], T[:1])


def _stage_one_checkpoint(path, levels=3, channels=4, num_prompts=6):
    torch.manual_seed(1)
    state_dict = {}
    for level in range(levels):
        source = FreeKDLoss(channels, None, num_prompts=num_prompts)
        prompts = source.levels[0].frequency_prompts.state_dict()
        for key, value in prompts.items():
            state_dict[f'frequency_prompts.{level}.{key}'] = value + level
    state_dict['architecture.neck.weight'] = torch.zeros(1)
    torch.save(dict(state_dict=state_dict), path)
    return str(path), state_dict


def test_loads_consecutive_levels_of_a_stage_one_checkpoint(tmp_path):
    path, state_dict = _stage_one_checkpoint(tmp_path / 'prompts.pth')
    loss = FreeKDLoss([4, 4], path, prompts_level=1)
    for level in range(2):
        torch.testing.assert_close(
            loss.levels[level].frequency_prompts.prompts,
            state_dict[f'frequency_prompts.{level + 1}.prompts'])


def test_rejects_a_missing_prompts_checkpoint_naming_stage_one(tmp_path):
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(FileNotFoundError,
                       match='FreeKDLoss.prompts_ckpt=.*freekd-prompts'):
        FreeKDLoss(4, missing)


def test_rejects_a_checkpoint_without_that_level(tmp_path):
    path, _ = _stage_one_checkpoint(tmp_path / 'prompts.pth', levels=2)
    with pytest.raises(ValueError, match='frequency_prompts.2'):
        FreeKDLoss(4, path, prompts_level=2)


def test_rejects_prompts_of_other_settings_naming_them(tmp_path):
    path, _ = _stage_one_checkpoint(tmp_path / 'prompts.pth')
    with pytest.raises(ValueError, match='num_prompts and wavelet_levels'):
        FreeKDLoss(4, path, num_prompts=2)


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.freekd, verbose=False)
    assert result.attempted > 0 and result.failed == 0
