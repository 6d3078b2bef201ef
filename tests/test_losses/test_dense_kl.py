import doctest
import math

import pytest
import torch

import akd.losses.dense_kl
from akd.losses import AvatarKDLoss, DenseKLDivergence
from tolerances import assert_close_float32


def _reference(S, T, tau, sigmoid):
    """tau^2 / P * sum over positions of KL(p_T || p_S), with loops."""
    N, C, H, W = S.shape
    total = 0.
    for n in range(N):
        for h in range(H):
            for w in range(W):
                s, t = S[n, :, h, w] / tau, T[n, :, h, w] / tau
                if sigmoid:
                    for c in range(C):
                        p, q = torch.sigmoid(t[c]), torch.sigmoid(s[c])
                        total += (p * math.log(p / q) +
                                  (1 - p) * math.log((1 - p) / (1 - q)))
                else:
                    p, q = t.softmax(0), s.softmax(0)
                    total += sum(p[c] * math.log(p[c] / q[c])
                                 for c in range(C))
    return tau**2 * total / (N * H * W)


@pytest.mark.parametrize('sigmoid', [False, True], ids=['softmax', 'sigmoid'])
@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_reference_loop_on_dense_maps(sigmoid, tau):
    torch.manual_seed(0)
    S, T = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    loss = DenseKLDivergence(tau=tau, sigmoid=sigmoid, loss_weight=2.0)
    assert_close_float32(loss(S, T), 2.0 * _reference(S, T, tau, sigmoid))


@pytest.mark.parametrize('sigmoid', [False, True], ids=['softmax', 'sigmoid'])
def test_every_pixel_is_a_sample(sigmoid):
    """(N, C, H, W) gives the loss of the (N*H*W, C) pixel matrix."""
    torch.manual_seed(0)
    S, T = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    loss = DenseKLDivergence(tau=2.0, sigmoid=sigmoid)
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    assert_close_float32(loss(S, T), loss(rows(S), rows(T)))


def test_does_not_grow_with_resolution():
    torch.manual_seed(0)
    S, T = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    up = lambda x: x.repeat_interleave(2, 2).repeat_interleave(2, 3)  # noqa
    loss = DenseKLDivergence()
    assert_close_float32(loss(up(S), up(T)), loss(S, T))


def test_zero_when_student_equals_teacher():
    T = torch.randn(2, 4, 3, 5)
    assert DenseKLDivergence(sigmoid=True)(T.clone(), T).abs().item() < 1e-6
    assert DenseKLDivergence()(T.clone(), T).abs().item() < 1e-6


@pytest.mark.parametrize('sigmoid', [False, True], ids=['softmax', 'sigmoid'])
def test_avatar_loss_equals_weighted_loop_in_value_and_gradient(sigmoid):
    torch.manual_seed(0)
    S = torch.randn(2, 4, 3, 5, requires_grad=True)
    avatars = torch.randn(2, 3, 4, 3, 5)  # (N, K, C, H, W)
    weights = torch.tensor([0.2, 0.5, 0.3])
    loss = DenseKLDivergence(tau=2.0, sigmoid=sigmoid)
    batched = loss.avatar_loss(S, avatars, weights)
    grad_batched, = torch.autograd.grad(batched, S)
    looped = sum(w * loss(S, avatars[:, k]) for k, w in enumerate(weights))
    grad_looped, = torch.autograd.grad(looped, S)
    assert_close_float32(batched, looped)
    assert_close_float32(grad_batched, grad_looped)


def test_runs_inside_avatar_kd_loss():
    torch.manual_seed(0)
    S = torch.randn(2, 19, 8, 16, requires_grad=True)
    loss = AvatarKDLoss(
        base_loss=dict(type='DenseKLDivergence', tau=1.0), num_avatars=4,
        standardize=False, weighting='variance')
    value = loss(S, torch.randn(2, 19, 8, 16))
    value.backward()
    assert value.item() > 0 and S.grad.abs().sum() > 0


@pytest.mark.parametrize('change', [
    dict(tau=3.0), dict(sigmoid=True), dict(loss_weight=2.0)])
def test_each_argument_changes_the_result(change):
    torch.manual_seed(0)
    S, T = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    assert DenseKLDivergence(**change)(S, T) != DenseKLDivergence()(S, T)


def test_rejects_non_positive_tau_and_shape_mismatch():
    with pytest.raises(ValueError, match='DenseKLDivergence.tau'):
        DenseKLDivergence(tau=0)
    with pytest.raises(ValueError, match=r'\(2, 4, 3, 5\)'):
        DenseKLDivergence()(torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 6))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.dense_kl)
    assert result.attempted > 0 and result.failed == 0


def test_levels_are_one_set_of_positions():
    torch.manual_seed(0)
    S = [torch.randn(2, 3, 4, 5), torch.randn(2, 3, 2, 2)]
    T = [torch.randn_like(x) for x in S]
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 3)  # noqa: E731
    loss = DenseKLDivergence(tau=2.0)
    assert_close_float32(
        loss(S, T),
        loss(torch.cat([rows(x) for x in S]), torch.cat([rows(x)
                                                         for x in T])))


def _anchor_reference(S, T, labels, tau):
    """Sigmoid KL over the C classes of every anchor labelled other than
    -1, by loops, over the kept anchors / A."""
    total, kept, anchors = 0., 0, None
    for s_level, t_level, y_level in zip(S, T, labels):
        N, channels, H, W = s_level.shape
        anchors = y_level.shape[1] // (H * W)
        C = channels // anchors
        for n in range(N):
            for i in range(H * W * anchors):
                position, a = divmod(i, anchors)
                if y_level[n, i] == -1:
                    continue
                kept += 1
                h, w = divmod(position, W)
                for c in range(a * C, (a + 1) * C):
                    p = torch.sigmoid(t_level[n, c, h, w] / tau).item()
                    q = torch.sigmoid(s_level[n, c, h, w] / tau).item()
                    total += (p * math.log(p / q) +
                              (1 - p) * math.log((1 - p) / (1 - q)))
    return tau**2 * total / (kept / anchors)


def _anchor_levels(seed=0, C=3, A=2):
    torch.manual_seed(seed)
    shapes = [(4, 3), (2, 2)]
    S = tuple(torch.randn(2, A * C, h, w) for h, w in shapes)
    T = tuple(torch.randn(2, A * C, h, w) * 2 for h, w in shapes)
    labels = tuple(torch.randint(-1, C + 1, (2, h * w * A)) for h, w in shapes)
    labels[1][0] = -1  # a whole image's level without samples
    return S, T, labels


def test_labels_leave_out_the_anchors_that_are_no_samples():
    S, T, labels = _anchor_levels()
    loss = DenseKLDivergence(tau=2.0, sigmoid=True)
    assert_close_float32(loss(S, T, labels),
                         _anchor_reference(S, T, labels, 2.0))
    unlabelled = _anchor_reference(
        S, T, tuple(torch.zeros_like(y) for y in labels), 2.0)
    assert_close_float32(loss(S, T), unlabelled)


def test_avatar_loss_with_labels_equals_weighted_loop():
    S, T, labels = _anchor_levels(1)
    student = S[0].clone().requires_grad_()
    avatars = T[0].unsqueeze(1) + torch.randn(2, 3, *T[0].shape[1:])
    weights = torch.tensor([0.2, 0.5, 0.3])
    loss = DenseKLDivergence(tau=2.0, sigmoid=True)
    batched = loss.avatar_loss(student, avatars, weights, labels[0])
    looped = sum(w * loss(student, avatars[:, k], labels[0])
                 for k, w in enumerate(weights))
    assert_close_float32(batched, looped)
    assert_close_float32(
        torch.autograd.grad(batched, student)[0],
        torch.autograd.grad(looped, student)[0])


def test_labels_that_do_not_fit_name_the_layout():
    with pytest.raises(ValueError, match='one label per anchor'):
        DenseKLDivergence(sigmoid=True)(torch.randn(2, 6, 3, 3),
                                        torch.randn(2, 6, 3, 3),
                                        torch.zeros(2, 7).long())


def test_labels_on_segmentation_maps_leave_out_ignored_pixels():
    torch.manual_seed(0)
    S, T = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    labels = torch.randint(0, 4, (2, 3, 5))
    labels[0, :2] = 255
    loss = DenseKLDivergence(tau=2.0)
    kept = labels.reshape(-1) != 255
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 4)[kept]  # noqa: E731
    assert_close_float32(loss(S, T, labels), loss(rows(S), rows(T)))
