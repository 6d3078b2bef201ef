"""Distillation losses compute in float32 whatever precision their inputs
came in: a bfloat16 teacher, or AMP's autocast around the whole step."""
import pytest
import torch
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

import akd  # noqa: F401  (registers akd's losses)
from akd.utils.full_precision import call_in_float32, to_float32
from tolerances import assert_close_float32

N, C, H, W = 2, 8, 12, 16
# The losses the issue names as unsafe in half precision: softmax/KL (CWD,
# KD, DKD), Gram (SP) and covariance (TCS) matrices, AKD's statistics.
LOSSES = {
    'CWD': dict(type='ChannelWiseDivergence', tau=1.0),
    'KD': dict(type='DenseKLDivergence', tau=1.0),
    'DKD': dict(type='DenseDKDLoss', tau=1.0),
    'SP': dict(type='SPLoss'),
    'TCS': dict(type='TCSLoss', channels=C, num_components=C),
    'AKD bn': dict(type='AvatarKDLoss',
                   base_loss=dict(type='ChannelWiseDivergence', tau=1.0),
                   num_avatars=4, standardize=True, weighting='uniform'),
    'AKD variance': dict(type='AvatarKDLoss',
                         base_loss=dict(type='ChannelWiseDivergence',
                                        tau=1.0),
                         num_avatars=4, standardize=False,
                         weighting='variance'),
}


def _inputs(name: str) -> dict:
    gen = torch.Generator().manual_seed(0)
    kwargs = dict(preds_S=3 * torch.randn(N, C, H, W, generator=gen),
                  preds_T=3 * torch.randn(N, C, H, W, generator=gen))
    if name == 'DKD':
        kwargs['gt_labels'] = torch.randint(0, C, (N, H, W), generator=gen)
    return kwargs


def _loss(name: str):
    torch.manual_seed(0)  # the same avatars in every call
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(LOSSES[name])


def _half(kwargs: dict) -> dict:
    return {key: value.bfloat16() if value.is_floating_point() else value
            for key, value in kwargs.items()}


@pytest.mark.parametrize('name', LOSSES)
def test_bfloat16_inputs_under_autocast_compute_in_float32(name):
    half = _half(_inputs(name))
    torch.manual_seed(1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = call_in_float32(_loss(name), **half)
    torch.manual_seed(1)
    upcast = _loss(name)(**{k: to_float32(v) for k, v in half.items()})
    assert got.dtype == torch.float32
    assert_close_float32(got, upcast)  # as in float32 without autocast


@pytest.mark.parametrize('name', LOSSES)
def test_bfloat16_inputs_stay_within_bfloat16_rounding_of_float32(name):
    """Rounding the maps to bfloat16 (8 significant bits) moves the loss by
    about 2**-8 of its size, not more."""
    inputs = _inputs(name)
    torch.manual_seed(1)
    exact = _loss(name)(**inputs)
    torch.manual_seed(1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = call_in_float32(_loss(name), **_half(inputs))
    assert abs(got.item() - exact.item()) <= 2**-6 * abs(exact.item())


def test_a_plain_call_on_bfloat16_maps_loses_precision():
    """What call_in_float32 prevents: CWD's softmax and KL computed on
    bfloat16 maps keep 8 bits."""
    half = _half(_inputs('CWD'))
    plain = _loss('CWD')(**half)
    upcast = _loss('CWD')(**{k: to_float32(v) for k, v in half.items()})
    assert plain.dtype == torch.bfloat16
    assert abs(plain.item() - upcast.item()) > 1e-4 * abs(upcast.item())


def test_to_float32_casts_nested_half_tensors_and_makes_them_contiguous():
    channels_last = torch.randn(1, 3, 4, 5).to(
        memory_format=torch.channels_last).bfloat16()
    labels = torch.zeros(2, dtype=torch.long)
    out = to_float32((channels_last, [labels], 'tag'))
    assert out[0].dtype == torch.float32 and out[0].is_contiguous()
    assert out[1][0] is labels
    assert out[2] == 'tag'
