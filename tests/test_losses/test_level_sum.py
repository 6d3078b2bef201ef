"""LevelSumLoss: any one-map loss over a tuple of levels."""
import doctest

import pytest
import torch
import torch.nn.functional as F

import akd.losses.level_sum
from akd.losses import LevelSumLoss
from tolerances import assert_close_float32


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


def test_labels_leave_anchors_without_label_weight_out():
    """Per-anchor labels (N, H*W*A): the mean runs over the 4 box outputs of
    the anchors not labelled -1, computed here anchor by anchor."""
    torch.manual_seed(0)
    A = 3
    S = (torch.randn(2, A * 4, 3, 4), torch.randn(2, A * 4, 2, 2))
    T = (torch.randn(2, A * 4, 3, 4), torch.randn(2, A * 4, 2, 2))
    labels = (torch.randint(-1, 3, (2, 3 * 4 * A)),
              torch.full((2, 2 * 2 * A), -1))
    labels[1][0, :A] = 2  # one position of the second level kept
    loss = LevelSumLoss(dict(type='mmdet.SmoothL1Loss', beta=0.5,
                             loss_weight=2.0))
    expected = 0.0
    for s, t, y in zip(S, T, labels):
        N, _, H, W = s.shape
        terms, count = 0.0, 0
        for n in range(N):
            for p in range(H * W):
                for a in range(A):
                    if y[n, p * A + a] < 0:
                        continue
                    diff = (s[n, a * 4:a * 4 + 4] - t[n, a * 4:a * 4 + 4])
                    d = diff.reshape(4, -1)[:, p].abs()
                    terms += torch.where(d < 0.5, 0.5 * d * d / 0.5,
                                         d - 0.25).sum()
                    count += 4
        expected += 2.0 * terms / count
    assert_close_float32(loss(S, T, labels), expected)


def test_padding_changes_nothing_given_labels():
    torch.manual_seed(1)
    A = 2
    S, T = torch.randn(1, A * 4, 3, 5), torch.randn(1, A * 4, 3, 5)
    labels = torch.randint(0, 3, (1, 3, 5, A))
    labels[:, :, 3:] = -1  # two columns of padding
    loss = LevelSumLoss(dict(type='mmdet.SmoothL1Loss', beta=1.0))
    assert_close_float32(loss(S, T, labels.reshape(1, -1)),
                         loss(S[..., :3], T[..., :3]))
    assert loss(S, T, torch.full((1, 30), -1)) == 0
