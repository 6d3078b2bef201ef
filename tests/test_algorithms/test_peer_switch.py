"""SwitOKD's gap, threshold and mode against loops over the samples."""
import math

import pytest
import torch

from akd.algorithms.peer_switch import PeerSwitch, switokd_mode, switokd_sums
from tolerances import assert_close_float32


def _probabilities(logits, sigmoid, tau=1.0):
    if sigmoid:
        return [1 / (1 + math.exp(-float(z) / tau)) for z in logits]
    exps = [math.exp(float(z) / tau) for z in logits]
    return [e / sum(exps) for e in exps]


def _loop_sums(logits_S, logits_T, labels, sigmoid=False, ignore=255,
               tau=1.0):
    """The same sums, one pixel at a time, written from the official code:
    its dist_s_t takes a temperature, its dist_s_label never does."""
    gap = d_S = d_T = count = 0.0
    N, C, H, W = logits_S.shape
    for n in range(N):
        for h in range(H):
            for w in range(W):
                y = int(labels[n, h, w])
                if y == ignore:
                    continue
                zs, zt = logits_S[n, :, h, w], logits_T[n, :, h, w]
                ps, pt = (_probabilities(zs, sigmoid),
                          _probabilities(zt, sigmoid))
                ps_tau, pt_tau = (_probabilities(zs, sigmoid, tau),
                                  _probabilities(zt, sigmoid, tau))
                onehot = [1.0 if c == y else 0.0 for c in range(C)]
                gap += sum(abs(a - b) for a, b in zip(ps_tau, pt_tau))
                d_S += sum(abs(a - b) for a, b in zip(ps, onehot))
                d_T += sum(abs(a - b) for a, b in zip(pt, onehot))
                count += 1
    return torch.tensor([gap, d_S, d_T, count])


@pytest.mark.parametrize('tau', [1.0, 3.0])
@pytest.mark.parametrize('sigmoid', [False, True])
def test_sums_match_a_loop_over_pixels_with_ignored_ones(sigmoid, tau):
    """tau tempers the peers' gap only, as in the official code."""
    torch.manual_seed(0)
    logits_S, logits_T = torch.randn(2, 5, 4, 6), 2 * torch.randn(2, 5, 4, 6)
    labels = torch.randint(0, 5, (2, 4, 6))
    labels[0, :2] = 255
    labels[1, 3, 4] = 255
    sums = switokd_sums(logits_S, logits_T, labels[:, None], tau=tau,
                        sigmoid=sigmoid)
    assert_close_float32(
        sums, _loop_sums(logits_S, logits_T, labels, sigmoid, tau=tau))
    assert sums[3] == 48 - 12 - 1


def test_sums_on_anchor_levels_use_positive_anchors_only():
    """Detection: (N, A*C, H, W) per level, labels (N, H*W*A), background
    label C dropped; the same as the loop on the anchors laid out as
    pixels."""
    torch.manual_seed(1)
    A, C = 2, 3
    levels_S = [torch.randn(2, A * C, 4, 4), torch.randn(2, A * C, 2, 2)]
    levels_T = [torch.randn_like(x) for x in levels_S]
    labels = [torch.randint(0, C + 1, (2, x.shape[2] * x.shape[3] * A))
              for x in levels_S]
    sums = switokd_sums(levels_S, levels_T, labels, sigmoid=True,
                        num_classes=C)
    expected = torch.zeros(4)
    for s, t, y in zip(levels_S, levels_T, labels):
        N, _, H, W = s.shape
        # channel a*C + c holds class c of anchor a; anchor a at (h, w) is
        # label (h*W + w)*A + a
        as_pixels = [x.reshape(N, A, C, H, W).permute(0, 2, 3, 4, 1)
                     .reshape(N, C, H, W * A) for x in (s, t)]
        y = y.reshape(N, H, W * A).clone()
        y[y == C] = 255
        expected += _loop_sums(*as_pixels, y, sigmoid=True)
    assert_close_float32(sums, expected)


@pytest.mark.parametrize('gap,d_S,d_T,expert', [
    (1.5, 1.8, 1.0, True),   # wide gap, teacher fits better
    (0.2, 1.8, 1.0, False),  # gap under the threshold
    (1.5, 1.0, 1.8, False),  # the teacher fits worse: it keeps learning
])
def test_mode_follows_the_threshold(gap, d_S, d_T, expert):
    count = 10.0
    sums = torch.tensor([gap * count, d_S * count, d_T * count, count])
    got, stats = switokd_mode(sums)
    threshold = d_S - math.exp(-d_T / (d_S + d_T)) * d_T
    assert got is expert
    assert stats['expert'] == float(expert)
    assert stats['gap'] == pytest.approx(gap)
    assert stats['threshold'] == pytest.approx(threshold)


def test_no_labelled_sample_keeps_learning_mode():
    expert, stats = switokd_mode(torch.zeros(4))
    assert not expert and stats['gap'] == 0.0


def test_policies_name_what_is_missing():
    with pytest.raises(ValueError, match='model.switch.policy must be one'):
        PeerSwitch(policy='sometimes')
    with pytest.raises(ValueError, match='model.switch.teacher'):
        PeerSwitch(policy='never')
    with pytest.raises(ValueError, match='model.switch.student'):
        PeerSwitch(policy='switokd', teacher='t')
    assert PeerSwitch('never', teacher='t').paused(None) == ({'t'}, {})
    assert PeerSwitch().paused(None) == (set(), {})
