"""FreeKD's frequency prompts: masks per wavelet band, stage-1 rebuild."""
import numpy as np
import pytest
import pywt
import torch

from akd.models.frequency_prompts import FrequencyPrompts
from akd.models.haar_wavelet import haar_dwt
from akd.models.receptive_tokens import dice_similarity
from tolerances import assert_close_float32


def _prompts(channels=4, num_prompts=3, wavelet_levels=2, seed=0):
    torch.manual_seed(seed)
    prompts = FrequencyPrompts(channels, num_prompts, wavelet_levels)
    with torch.no_grad():
        prompts.prompts.normal_()  # masks far from 1/2, unlike the init
    return prompts


def test_detail_masks_match_a_loop_over_pywavelets_bands():
    prompts = _prompts()
    feats = torch.randn(2, 4, 9, 6)
    _, highs = haar_dwt(feats, 2)
    reference = pywt.wavedec2(feats.double().numpy(), 'haar', mode='zero',
                              level=2)
    for level in (1, 2):
        lh, hl, hh = reference[-level]
        summed = lh + hl + hh  # (N, C, h, w)
        P = prompts.prompts[level].detach().double().numpy()  # (T, C)
        N, C, h, w = summed.shape
        expected = np.zeros((N, P.shape[0], h, w))
        for n in range(N):
            for t in range(P.shape[0]):
                for y in range(h):
                    for x in range(w):
                        logit = sum(P[t, c] * summed[n, c, y, x]
                                    for c in range(C))
                        expected[n, t, y, x] = 1 / (1 + np.exp(-logit))
        assert_close_float32(
            prompts.detail_masks(level, highs[level - 1]), expected)


def test_masks_summing_to_one_rebuild_the_features_exactly():
    """Two all-zero prompts give masks of 1/2 each: F' = F."""
    prompts = FrequencyPrompts(channels=4, num_prompts=2, wavelet_levels=3)
    with torch.no_grad():
        prompts.prompts.zero_()
    feats = torch.randn(2, 4, 13, 10)
    rebuilt, similarity = prompts(feats)
    assert_close_float32(rebuilt, feats)
    torch.testing.assert_close(similarity, torch.tensor(4.0))  # 4 bands


def test_forward_masks_each_band_and_sums_the_band_similarities():
    prompts = _prompts(wavelet_levels=1)
    feats = torch.randn(2, 4, 8, 6, dtype=torch.float64)
    prompts.double()
    rebuilt, similarity = prompts(feats)
    a, b = feats[..., 0::2, 0::2], feats[..., 0::2, 1::2]
    c, d = feats[..., 1::2, 0::2], feats[..., 1::2, 1::2]
    low = (a + b + c + d) / 2
    lh, hl, hh = (a + b - c - d) / 2, (a - b + c - d) / 2, (a - b - c + d) / 2
    low_masks = torch.sigmoid(torch.einsum('tc,nchw->nthw',
                                           prompts.prompts[0], low))
    detail_masks = torch.sigmoid(
        torch.einsum('tc,nchw->nthw', prompts.prompts[1], lh + hl + hh))
    low = low * low_masks.sum(dim=1, keepdim=True)
    lh, hl, hh = (band * detail_masks.sum(dim=1, keepdim=True)
                  for band in (lh, hl, hh))
    expected = torch.empty_like(feats)
    expected[..., 0::2, 0::2] = (low + lh + hl + hh) / 2
    expected[..., 0::2, 1::2] = (low + lh - hl - hh) / 2
    expected[..., 1::2, 0::2] = (low - lh + hl - hh) / 2
    expected[..., 1::2, 1::2] = (low - lh - hl + hh) / 2
    torch.testing.assert_close(rebuilt, expected)
    torch.testing.assert_close(
        similarity,
        dice_similarity(low_masks) + dice_similarity(detail_masks))


def test_each_argument_sets_the_prompt_shape():
    prompts = FrequencyPrompts(channels=8, num_prompts=4, wavelet_levels=2)
    assert prompts.prompts.shape == (3, 4, 8)  # LL and 2 detail levels


@pytest.mark.parametrize('kwargs,key', [(dict(num_prompts=1), 'num_prompts'),
                                        (dict(wavelet_levels=0),
                                         'wavelet_levels')])
def test_rejects_bad_settings_naming_them(kwargs, key):
    with pytest.raises(ValueError, match=f'FrequencyPrompts.{key}'):
        FrequencyPrompts(channels=4, **kwargs)
