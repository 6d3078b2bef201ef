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


def _positions(levels):
    return torch.cat([x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])
                      for x in levels])


def test_positions_without_a_weighted_anchor_are_no_samples():
    """Per-anchor detection labels (N, H*W*A) per level: a position is kept
    if any of its 3 anchors is labelled a class or background (4)."""
    torch.manual_seed(4)
    A, C = 3, 2
    levels = [torch.randn(2, A * C, 3, 4), torch.randn(2, A * C, 2, 2)]
    feats = [torch.randn(2, 5, 3, 4), torch.randn(2, 5, 2, 2)]
    labels = [torch.randint(0, C + 1, (2, 3 * 4 * A)),
              torch.randint(0, C + 1, (2, 2 * 2 * A))]
    labels[0][1, :2 * A] = -1  # image 1, positions (0, 0) and (0, 1)
    labels[0][0, 5 * A + 1] = -1  # one anchor of a kept position
    labels[1][0, :] = -1  # all of image 0 on level 1
    kept = []
    for y, x in zip(labels, levels):
        N, _, H, W = x.shape
        for n in range(N):
            for p in range(H * W):
                kept.append(any(int(y[n, p * A + a]) >= 0 for a in range(A)))
    kept = torch.tensor(kept)
    assert int(kept.sum()) == 2 * 12 + 2 * 4 - 2 - 4
    loss = BAKELoss(tau=4.0, omega=0.5, num_samples=64, sigmoid=True)
    expected = _loop_loss(_positions(levels)[kept], _positions(feats)[kept],
                          4.0, 0.5, True)
    assert_close_float32(loss(levels, feats, labels), expected)


def test_padded_positions_change_nothing():
    """Two columns of padding (every anchor -1) beside a 3 x 3 image give
    the loss of the unpadded levels without labels."""
    torch.manual_seed(5)
    A, C = 2, 3
    logits, feats = torch.randn(1, A * C, 3, 5), torch.randn(1, 4, 3, 5)
    labels = torch.randint(0, C + 1, (1, 3, 5, A))
    labels[:, :, 3:] = -1
    loss = BAKELoss(num_samples=64, sigmoid=True)
    padded = loss((logits, ), (feats, ), (labels.reshape(1, -1), ))
    assert_close_float32(
        padded, loss(logits[..., :3].contiguous(), feats[..., :3]))


def test_labels_that_do_not_fit_the_positions_are_named():
    with pytest.raises(ValueError, match=r'gt_labels \(1, 7\) do not fit'):
        BAKELoss()(torch.randn(1, 4, 2, 3), torch.randn(1, 5, 2, 3),
                   torch.zeros(1, 7, dtype=torch.long))
    with pytest.raises(ValueError, match='2 levels of predictions but 1'):
        BAKELoss()([torch.randn(1, 4, 2, 3)] * 2,
                   [torch.randn(1, 5, 2, 3)] * 2,
                   [torch.zeros(1, 12, dtype=torch.long)])
