"""MMRazor's PKDLoss, which akd reuses, is PKD's equation on dense maps.

Cao et al., "PKD: General Distillation Framework for Object Detectors via
Pearson Correlation Coefficient", NeurIPS 2022: normalise each channel over
the batch and positions, then half the MSE. With unbiased standard
deviations that is ((M - 1) / M) * mean_c (1 - r_c), r_c Pearson's
correlation of channel c's M = N*H*W values in the student and the teacher.
"""
import torch
from mmrazor.registry import MODELS

import akd  # noqa: F401
from tolerances import assert_close_float32


def _pkd(**kwargs):
    return MODELS.build(dict(_scope_='mmrazor', type='PKDLoss', **kwargs))


def _one_minus_pearson(S, T):
    """((M - 1) / M) * mean_c (1 - r_c), with r_c by einsum over n, h, w."""
    S = S - S.mean(dim=(0, 2, 3), keepdim=True)
    T = T - T.mean(dim=(0, 2, 3), keepdim=True)
    covariance = torch.einsum('nchw,nchw->c', S, T)
    norms = (torch.einsum('nchw,nchw->c', S, S) *
             torch.einsum('nchw,nchw->c', T, T)).sqrt()
    M = S.shape[0] * S.shape[2] * S.shape[3]
    return (M - 1) / M * (1 - covariance / norms).mean()


def test_is_one_minus_pearson_per_channel_on_dense_maps():
    torch.manual_seed(0)
    S = torch.randn(2, 8, 12, 10) * 3 + 1
    T = 0.5 * S + torch.randn(2, 8, 12, 10)  # correlated, other scale
    assert_close_float32(_pkd(loss_weight=2.0)(S, T),
                         2.0 * _one_minus_pearson(S, T))


def test_sums_over_fpn_levels():
    torch.manual_seed(0)
    levels = [(2, 4, 16, 16), (2, 4, 8, 8), (2, 4, 4, 4)]
    S = tuple(torch.randn(shape) for shape in levels)
    T = tuple(torch.randn(shape) for shape in levels)
    assert_close_float32(
        _pkd()(S, T), sum(_one_minus_pearson(s, t) for s, t in zip(S, T)))


def test_ignores_each_channels_scale_and_offset():
    torch.manual_seed(0)
    T = torch.randn(2, 3, 6, 6)
    scale = torch.tensor([0.1, 5.0, 40.0]).view(1, 3, 1, 1)
    offset = torch.tensor([-3.0, 0.0, 7.0]).view(1, 3, 1, 1)
    assert _pkd()(T * scale + offset, T).abs() < 1e-5
    assert_close_float32(_pkd()(-T, T), _one_minus_pearson(-T, T))
