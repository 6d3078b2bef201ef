"""akd's Haar transform is PyWavelets' wavedec2(haar, mode='zero')."""
import numpy as np
import pytest
import pywt
import torch

from akd.models.haar_wavelet import haar_dwt, haar_idwt


@pytest.mark.parametrize('shape', [(2, 3, 16, 12), (1, 4, 13, 10),
                                   (2, 2, 7, 1)],
                         ids=['even', 'odd', 'single-column'])
def test_matches_pywavelets_wavedec2_on_every_band(shape):
    torch.manual_seed(0)
    x = torch.randn(shape, dtype=torch.float64)
    low, highs = haar_dwt(x, levels=3)
    reference = pywt.wavedec2(x.numpy(), 'haar', mode='zero', level=3)
    np.testing.assert_allclose(low.numpy(), reference[0], atol=1e-12)
    for level, high in enumerate(highs, start=1):
        details = reference[-level]  # pywt lists the coarsest first
        for orientation in range(3):
            np.testing.assert_allclose(high[:, :, orientation].numpy(),
                                       details[orientation], atol=1e-12)


def test_band_shapes_halve_rounding_up():
    low, highs = haar_dwt(torch.randn(2, 5, 13, 21), levels=3)
    assert [tuple(h.shape) for h in highs] == [(2, 5, 3, 7, 11),
                                               (2, 5, 3, 4, 6),
                                               (2, 5, 3, 2, 3)]
    assert low.shape == (2, 5, 2, 3)


def test_preserves_energy_on_even_sizes():
    x = torch.randn(2, 3, 16, 8, dtype=torch.float64)
    low, highs = haar_dwt(x, levels=2)
    energy = low.square().sum() + sum(h.square().sum() for h in highs)
    torch.testing.assert_close(energy, x.square().sum())


@pytest.mark.parametrize('size', [(16, 12), (13, 11), (1, 5)])
def test_inverse_rebuilds_the_map(size):
    x = torch.randn(2, 3, *size, dtype=torch.float64)
    low, highs = haar_dwt(x, levels=3)
    torch.testing.assert_close(haar_idwt(low, highs, size), x)


def test_rejects_zero_levels():
    with pytest.raises(ValueError, match='levels must be >= 1, got 0'):
        haar_dwt(torch.randn(1, 1, 4, 4), levels=0)
