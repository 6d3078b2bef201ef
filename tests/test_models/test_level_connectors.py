import doctest

import pytest
import torch

import akd.models.level_connectors
from akd.models import LevelConnectors


def _conv(in_channel, out_channel):
    return dict(type='ConvModuleConnector', in_channel=in_channel,
                out_channel=out_channel, kernel_size=1, act_cfg=None)


def test_maps_level_i_with_connector_i():
    connectors = LevelConnectors([_conv(4, 8), _conv(6, 8)])
    fpn = (torch.randn(2, 4, 6, 6), torch.randn(2, 6, 3, 3))
    mapped = connectors(fpn)
    for connector, level, out in zip(connectors.levels, fpn, mapped):
        torch.testing.assert_close(out, connector(level))
        assert out.shape == (level.shape[0], 8, *level.shape[2:])


def test_one_config_is_copied_into_independent_connectors():
    connectors = LevelConnectors(_conv(4, 8), num_levels=3)
    assert len(connectors.levels) == 3
    weights = [c.conv.weight for c in
               (level.conv_module for level in connectors.levels)]
    assert weights[0] is not weights[1]


@pytest.mark.parametrize('kwargs, match', [
    (dict(connector=_conv(4, 8)), 'num_levels must be'),
    (dict(connector=[_conv(4, 8)], num_levels=2), 'lists 1 configs'),
])
def test_rejects_a_bad_level_count_naming_the_key(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LevelConnectors(**kwargs)


def test_rejects_inputs_that_are_not_its_levels():
    connectors = LevelConnectors(_conv(4, 8), num_levels=2)
    with pytest.raises(ValueError, match='has 2 connectors but got one'):
        connectors(torch.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match='got 3 levels'):
        connectors([torch.randn(2, 4, 3, 3)] * 3)


def test_docstring_example_runs():
    result = doctest.testmod(akd.models.level_connectors, verbose=False)
    assert result.attempted > 0 and result.failed == 0
