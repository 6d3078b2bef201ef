import pytest
import torch

from akd.models import BiFPNSelfTeacher
from akd.models.bifpn_self_teacher import (FUSION_EPS, fast_normalized_fusion,
                                           resize_to)

CHANNELS = [8, 16, 32]


def _maps(sizes, channels=CHANNELS, batch=2):
    torch.manual_seed(0)
    return [torch.randn(batch, c, *size) for c, size in zip(channels, sizes)]


@pytest.mark.parametrize('sizes', [
    [(25, 19), (13, 10), (7, 5)],  # odd sizes, strides not exact
    [(32, 32), (16, 16), (16, 16)],  # dilated backbone: equal scales
    [(2, 3), (1, 2), (1, 1)],  # coarsest FPN levels of a small image
], ids=['odd', 'dilated', 'tiny'])
def test_refined_maps_keep_the_input_shapes(sizes):
    teacher = BiFPNSelfTeacher(CHANNELS, width=12, repeats=2)
    maps = _maps(sizes)
    refined = teacher(maps)
    assert [r.shape for r in refined] == [m.shape for m in maps]


def test_out_channels_set_the_refined_channels():
    teacher = BiFPNSelfTeacher(CHANNELS, width=12, out_channels=[4, 5, 6])
    refined = teacher(_maps([(8, 8), (4, 4), (2, 2)]))
    assert [r.shape[1] for r in refined] == [4, 5, 6]


def test_levels_without_out_channels_keep_the_bifpn_width():
    teacher = BiFPNSelfTeacher(CHANNELS, width=12, out_channels=[None, 5, 6])
    refined = teacher(_maps([(8, 8), (4, 4), (2, 2)]))
    assert [r.shape[1] for r in refined] == [12, 5, 6]


def test_fast_normalized_fusion_matches_its_equation():
    torch.manual_seed(0)
    inputs = [torch.randn(2, 3, 4, 4) for _ in range(3)]
    raw = torch.tensor([0.5, -1.0, 2.0])
    expected = torch.zeros(2, 3, 4, 4)
    positive = [max(w, 0.0) for w in raw.tolist()]
    for w, x in zip(positive, inputs):
        expected += w * x / (FUSION_EPS + sum(positive))
    torch.testing.assert_close(fast_normalized_fusion(inputs, raw), expected)


def test_resize_pools_down_and_upsamples_nearest():
    x = torch.arange(16.).reshape(1, 1, 4, 4)
    assert torch.equal(resize_to(x, torch.Size([2, 2])),
                       torch.tensor([[[[5., 7.], [13., 15.]]]]))
    up = resize_to(torch.tensor([[[[1., 2.]]]]), torch.Size([2, 4]))
    assert torch.equal(up, torch.tensor([[[[1., 1., 2., 2.]] * 2]]))


@pytest.mark.parametrize('change', [
    dict(width=16), dict(depth=2), dict(repeats=2),
    dict(norm_cfg=dict(type='GN', num_groups=4)),
])
def test_each_argument_changes_the_output(change):
    maps = _maps([(8, 8), (4, 4), (2, 2)])
    torch.manual_seed(1)
    base = BiFPNSelfTeacher(CHANNELS, width=8)(maps)
    torch.manual_seed(1)
    changed = BiFPNSelfTeacher(CHANNELS, **{'width': 8, **change})(maps)
    assert not all(torch.allclose(a, b) for a, b in zip(base, changed))


def test_gradient_reaches_every_input_and_fusion_weight():
    teacher = BiFPNSelfTeacher(CHANNELS, width=8)
    maps = [m.requires_grad_() for m in _maps([(8, 8), (4, 4), (2, 2)])]
    sum(r.sum() for r in teacher(maps)).backward()
    assert all(m.grad.abs().sum() > 0 for m in maps)
    layer = teacher.layers[0]
    assert layer.top_down_weights.grad.abs().sum() > 0
    assert all(w.grad.abs().sum() > 0 for w in layer.bottom_up_weights)


def test_rejects_a_wrong_number_of_maps_naming_in_channels():
    teacher = BiFPNSelfTeacher(CHANNELS)
    with pytest.raises(ValueError, match='self_teacher.in_channels'):
        teacher(_maps([(8, 8), (4, 4)]))


@pytest.mark.parametrize('kwargs,key', [
    (dict(in_channels=[8]), 'in_channels'),
    (dict(in_channels=CHANNELS, out_channels=[8, 8]), 'out_channels'),
    (dict(in_channels=CHANNELS, width=0), 'width'),
    (dict(in_channels=CHANNELS, repeats=0), 'repeats'),
])
def test_rejects_bad_arguments_naming_them(kwargs, key):
    with pytest.raises(ValueError, match=f'BiFPNSelfTeacher.{key}'):
        BiFPNSelfTeacher(**kwargs)
