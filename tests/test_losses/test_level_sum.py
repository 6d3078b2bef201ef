"""LevelSumLoss: any one-map loss over a tuple of levels."""
import doctest

import akd.losses.level_sum
import pytest
import torch
import torch.nn.functional as F
from akd.losses import LevelSumLoss


def test_sums_the_base_loss_of_each_level():
    loss = LevelSumLoss(dict(type='mmdet.MSELoss', loss_weight=5.0))
    S = (torch.randn(2, 3, 8, 8), torch.randn(2, 3, 4, 4))
    T = (torch.randn(2, 3, 8, 8), torch.randn(2, 3, 4, 4))
    expected = 5 * (F.mse_loss(S[0], T[0]) + F.mse_loss(S[1], T[1]))
    torch.testing.assert_close(loss(S, T), expected)


def test_one_tensor_is_one_level():
    loss = LevelSumLoss(dict(type='mmdet.SmoothL1Loss', beta=1.0))
    S, T = torch.randn(2, 3, 5, 5), torch.randn(2, 3, 5, 5)
    torch.testing.assert_close(loss(S, T), F.smooth_l1_loss(S, T, beta=1.0))


def test_rejects_unequal_level_counts_naming_the_loss():
    loss = LevelSumLoss(dict(type='mmdet.MSELoss'))
    with pytest.raises(ValueError, match='LevelSumLoss: the student gave 2'):
        loss((torch.randn(1, 2, 4, 4), ) * 2, (torch.randn(1, 2, 4, 4), ))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.level_sum, verbose=False)
    assert result.attempted > 0 and result.failed == 0
