import itertools

import pytest
import torch

from akd.losses.utils import avatar_uncertainty
from akd.losses.utils.avatar_uncertainty import channel_stats
from tolerances import assert_close_float32


@pytest.mark.parametrize('shape,channel_dim', [
    ((2, 3, 4, 5), 1), ((2, 4, 3, 4, 5), 2), ((6, 7), 1), ((6, 2, 7), 2)
], ids=['maps', 'avatar-maps', 'logits', 'avatar-logits'])
@pytest.mark.parametrize('block', ['default', 'one row'])
def test_channel_stats_match_a_loop_over_channels(shape, channel_dim, block,
                                                  monkeypatch):
    """Also with the squares taken one leading row at a time."""
    if block != 'default':
        monkeypatch.setattr(avatar_uncertainty, 'STATS_BLOCK', 1)
    torch.manual_seed(0)
    x = torch.randn(shape) * 3 + 1
    mean, var = channel_stats(x, channel_dim)
    channels = shape[1:channel_dim + 1]
    assert mean.shape == var.shape == channels
    moved = x.movedim(list(range(1, channel_dim + 1)),
                      list(range(len(channels))))  # channels first
    for index in itertools.product(*[range(c) for c in channels]):
        values = moved[index].flatten().double()
        n = values.numel()
        expected_mean = values.sum() / n
        expected_var = ((values - expected_mean)**2).sum() / (n - 1)
        # rounding scales with the summed values, however near 0 the mean
        assert_close_float32(mean[index],
                             expected_mean,
                             scale=values.abs().max().item())
        assert_close_float32(var[index], expected_var)
