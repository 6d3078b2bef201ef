"""BAKE against the propagation it solves, written as loops."""
import math

import pytest
import torch
from akd.losses import BAKELoss

from tolerances import assert_close_float32


def _propagated_targets(feats, probs, omega, steps=200):
    """P^(t+1) = omega A P^(t) + (1 - omega) P, A built entry by entry."""
    M = len(feats)
    unit = [[v / math.sqrt(sum(u * u for u in f)) for v in f] for f in feats]
    A = [[0.0] * M for _ in range(M)]
    for i in range(M):
        others = [math.exp(sum(a * b for a, b in zip(unit[i], unit[j])))
                  if j != i else 0.0 for j in range(M)]
        A[i] = [o / sum(others) for o in others]
    P = [list(p) for p in probs]
    Q = [list(p) for p in probs]
    for _ in range(steps):
        Q = [[omega * sum(A[i][j] * Q[j][k] for j in range(M)) +
              (1 - omega) * P[i][k] for k in range(len(P[i]))]
             for i in range(M)]
    return Q


def _loop_loss(logits, feats, tau, omega, sigmoid):
    """tau^2 / M sum_i KL(q_i || p_i) over (M, K) rows, in float64."""
    z = (logits.double() / tau)
    probs = (z.sigmoid() if sigmoid else z.softmax(1)).tolist()
    Q = _propagated_targets(feats.double().tolist(), probs, omega)
    total = 0.0
    for q_row, p_row in zip(Q, probs):
        for q, p in zip(q_row, p_row):
            total += q * math.log(q / p)
            if sigmoid:
                total += (1 - q) * math.log((1 - q) / (1 - p))
    return tau**2 * total / len(Q)


def test_dense_maps_with_ignored_pixels_match_the_propagation():
    torch.manual_seed(0)
    logits, feats = torch.randn(2, 4, 3, 5), torch.randn(2, 6, 3, 5)
    labels = torch.randint(0, 4, (2, 1, 3, 5))
    labels[0, 0, 1] = 255
    keep = (labels != 255).permute(0, 2, 3, 1).reshape(-1)
    rows = logits.permute(0, 2, 3, 1).reshape(-1, 4)[keep]
    feat_rows = feats.permute(0, 2, 3, 1).reshape(-1, 6)[keep]
    loss = BAKELoss(tau=2.0, omega=0.5, num_samples=64, loss_weight=3.0)
    expected = 3.0 * _loop_loss(rows, feat_rows, 2.0, 0.5, False)
    assert_close_float32(loss(logits, feats, labels), expected)


def test_fpn_levels_with_sigmoids_match_the_propagation():
    torch.manual_seed(1)
    levels = [torch.randn(2, 6, 2, 3), torch.randn(2, 6, 1, 2)]
    feats = [torch.randn(2, 5, 2, 3), torch.randn(2, 5, 1, 2)]
    rows = torch.cat([x.permute(0, 2, 3, 1).reshape(-1, 6) for x in levels])
    feat_rows = torch.cat(
        [x.permute(0, 2, 3, 1).reshape(-1, 5) for x in feats])
    loss = BAKELoss(tau=4.0, omega=0.3, num_samples=64, sigmoid=True)
    assert_close_float32(loss(levels, feats),
                         _loop_loss(rows, feat_rows, 4.0, 0.3, True))


def test_gradient_reaches_the_logits_only_and_sampling_bounds_them():
    torch.manual_seed(2)
    logits = torch.randn(2, 4, 8, 8, requires_grad=True)
    feats = torch.randn(2, 6, 8, 8, requires_grad=True)
    BAKELoss(num_samples=10)(logits, feats).backward()
    assert feats.grad is None
    touched = (logits.grad.abs().sum(1) > 0).sum()
    assert touched == 10  # 10 of the 128 positions drawn


def test_batch_of_one_image_and_a_single_position():
    torch.manual_seed(3)
    loss = BAKELoss(num_samples=32)
    value = loss(torch.randn(1, 3, 4, 4), torch.randn(1, 5, 4, 4))
    assert torch.isfinite(value) and value > 0
    labels = torch.full((1, 1, 2, 2), 255)
    labels[0, 0, 0, 0] = 1  # one labelled pixel: nothing to ensemble
    assert loss(torch.randn(1, 3, 2, 2), torch.randn(1, 5, 2, 2),
                labels) == 0


def test_mismatched_positions_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match='16 logit positions but 4'):
        BAKELoss()(torch.randn(1, 3, 4, 4), torch.randn(1, 5, 2, 2))
    with pytest.raises(ValueError, match='omega must be in'):
        BAKELoss(omega=1.0)
    with pytest.raises(ValueError, match='num_samples must be'):
        BAKELoss(num_samples=1)
