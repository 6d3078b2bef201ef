import doctest
import math

import pytest
import torch
from mmrazor.registry import MODELS

import akd.losses.dense_dist
from akd.losses import AvatarKDLoss
from akd.losses.dense_dist import DenseDISTLoss
from tolerances import assert_close_float32


def _softmax(z):
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return [v / sum(e) for v in e]


def _pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    cov = sum((a - mx) * (b - my) for a, b in zip(x, y))
    var_x = sum((a - mx)**2 for a in x)
    var_y = sum((b - my)**2 for b in y)
    return cov / math.sqrt(var_x * var_y)


def _reference(rows_S, rows_T, tau, inter_w=1.0, intra_w=1.0):
    """DIST on python lists of rows: loops over rows, then over classes."""
    Y_S = [_softmax([v / tau for v in row]) for row in rows_S]
    Y_T = [_softmax([v / tau for v in row]) for row in rows_T]
    M, C = len(Y_S), len(Y_S[0])
    inter = 1 - sum(_pearson(s, t) for s, t in zip(Y_S, Y_T)) / M
    intra = 1 - sum(
        _pearson([row[c] for row in Y_S], [row[c] for row in Y_T])
        for c in range(C)) / C
    return tau**2 * (inter_w * inter + intra_w * intra)


def _pixels(x):
    """(N, C, H, W) -> list of N*H*W rows, with loops."""
    N, _, H, W = x.shape
    return [
        x[n, :, h, w].double().tolist() for n in range(N) for h in range(H)
        for w in range(W)
    ]


def _anchors(x, C):
    """(N, A*C, H, W) -> list of N*H*W*A rows of C logits, with loops."""
    N, AC, H, W = x.shape
    return [
        x[n, a * C:(a + 1) * C, h, w].double().tolist() for n in range(N)
        for h in range(H) for w in range(W) for a in range(AC // C)
    ]


def _dense_case(seed=0, shape=(2, 5, 4, 5)):
    torch.manual_seed(seed)
    return torch.randn(shape) * 2, torch.randn(shape) * 2


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_reference_loop_on_rows(tau):
    torch.manual_seed(0)
    S, T = torch.randn(9, 6) * 2, torch.randn(9, 6) * 2
    loss = DenseDISTLoss(tau=tau,
                         inter_loss_weight=0.5,
                         intra_loss_weight=2.0,
                         loss_weight=3.0)
    expected = 3.0 * _reference(S.double().tolist(),
                                T.double().tolist(), tau, 0.5, 2.0)
    torch.testing.assert_close(loss(S, T).item(),
                               expected,
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_reference_loop_on_dense_maps(tau):
    S, T = _dense_case()
    torch.testing.assert_close(DenseDISTLoss(tau=tau)(S, T).item(),
                               _reference(_pixels(S), _pixels(T), tau),
                               rtol=1e-5,
                               atol=1e-6)


def test_every_pixel_is_a_sample():
    """(N, C, H, W) gives the loss of the (N*H*W, C) pixel matrix."""
    S, T = _dense_case()
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    loss = DenseDISTLoss(tau=2.0)
    torch.testing.assert_close(loss(S, T), loss(rows(S), rows(T)))


def test_does_not_grow_with_resolution():
    S, T = _dense_case()
    up = lambda x: x.repeat_interleave(2, 2).repeat_interleave(2, 3)  # noqa
    loss = DenseDISTLoss()
    torch.testing.assert_close(loss(up(S), up(T)), loss(S, T))


def test_matches_reference_loop_on_fpn_levels_of_anchors():
    """Two levels of (N, A*C, H, W): one set of rows, intra over all."""
    torch.manual_seed(0)
    C, A = 3, 2
    S = (torch.randn(2, A * C, 4, 4) * 2, torch.randn(2, A * C, 2, 2) * 2)
    T = (torch.randn(2, A * C, 4, 4) * 2, torch.randn(2, A * C, 2, 2) * 2)
    rows_S = _anchors(S[0], C) + _anchors(S[1], C)
    rows_T = _anchors(T[0], C) + _anchors(T[1], C)
    torch.testing.assert_close(DenseDISTLoss(tau=2.0, num_classes=C)(S,
                                                                     T).item(),
                               _reference(rows_S, rows_T, 2.0),
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('change', [
    dict(tau=3.0),
    dict(inter_loss_weight=2.0),
    dict(intra_loss_weight=2.0),
    dict(loss_weight=2.0),
    dict(num_classes=3)
])
def test_each_argument_changes_the_result(change):
    S, T = _dense_case(shape=(2, 6, 3, 4))
    assert DenseDISTLoss(**change)(S, T) != DenseDISTLoss()(S, T)


def test_zero_when_student_equals_teacher():
    _, T = _dense_case()
    assert DenseDISTLoss(tau=2.0)(T.clone(), T).abs().item() < 1e-5
    # one image: the pixels of the image still correlate
    assert DenseDISTLoss()(T[:1].clone(), T[:1]).abs().item() < 1e-5


def test_zero_with_gradient_on_an_empty_batch():
    S = torch.randn(0, 5, 4, 5, requires_grad=True)
    value = DenseDISTLoss()(S, torch.randn(0, 5, 4, 5))
    value.backward()
    assert value.item() == 0 and value.grad_fn is not None
    assert S.grad.shape == S.shape


def test_matches_mmrazor_dist_on_rows():
    torch.manual_seed(0)
    S, T = torch.randn(50, 7) * 2, torch.randn(50, 7) * 2
    args = dict(tau=2.0,
                inter_loss_weight=0.5,
                intra_loss_weight=2.0,
                loss_weight=1.5)
    assert_close_float32(
        DenseDISTLoss(**args)(S, T),
        MODELS.build(dict(_scope_='mmrazor', type='DISTLoss', **args))(S, T))


def test_inter_term_matches_mmrazor_dist_on_dense_maps():
    S, T = _dense_case()
    args = dict(tau=2.0, intra_loss_weight=0.0)
    assert_close_float32(
        DenseDISTLoss(**args)(S, T),
        MODELS.build(dict(_scope_='mmrazor', type='DISTLoss', **args))(S, T))


def test_mmrazor_dist_intra_term_is_binary_per_pixel_at_batch_two():
    """MMRazor correlates the 2 images at each (class, pixel): rho = +-1.

    Its intra term is then 1 - mean_{c,h,w} sign(dY^S_chw * dY^T_chw),
    dY the difference of the two images' probabilities: every (class,
    pixel) contributes 0 or 2, whatever the spatial structure, and the
    step function gives the student no gradient but eps's.
    """
    S, T = _dense_case()
    S.requires_grad_(True)
    Y_S, Y_T = S.detach().softmax(1), T.softmax(1)
    agree = torch.sign((Y_S[0] - Y_S[1]) * (Y_T[0] - Y_T[1]))  # (C, H, W)
    mmrazor_intra = MODELS.build(
        dict(_scope_='mmrazor', type='DISTLoss', inter_loss_weight=0.))
    value = mmrazor_intra(S, T)
    torch.testing.assert_close(value, (1 - agree).mean(), rtol=1e-4, atol=1e-4)
    grad_mmrazor, = torch.autograd.grad(value, S)
    dense_intra = DenseDISTLoss(inter_loss_weight=0.)(S, T)
    grad_dense, = torch.autograd.grad(dense_intra, S)
    assert grad_mmrazor.abs().sum() < 0.01 * grad_dense.abs().sum()


def test_mmrazor_dist_intra_term_is_constant_at_batch_one():
    S, T = _dense_case(shape=(1, 5, 4, 5))
    S.requires_grad_(True)
    value = MODELS.build(
        dict(_scope_='mmrazor', type='DISTLoss', inter_loss_weight=0.))(S, T)
    value.backward()
    assert value.item() == 1 and torch.equal(S.grad, torch.zeros_like(S))
    assert DenseDISTLoss(inter_loss_weight=0.)(S, T).item() != 1


def test_runs_inside_avatar_kd_loss():
    torch.manual_seed(0)
    S = torch.randn(2, 19, 8, 16, requires_grad=True)
    loss = AvatarKDLoss(base_loss=dict(type='DenseDISTLoss', tau=1.0),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    value = loss(S, torch.randn(2, 19, 8, 16))
    value.backward()
    assert value.item() > 0 and S.grad.abs().sum() > 0


def test_avatar_kd_with_one_undisturbed_avatar_equals_plain_loss():
    S, T = _dense_case()
    avatar = AvatarKDLoss(base_loss=dict(type='DenseDISTLoss', tau=2.0),
                          num_avatars=1,
                          perturbation=dict(type='AvatarDropout', p=0.0),
                          standardize=False, weighting='uniform')
    torch.testing.assert_close(avatar(S, T), DenseDISTLoss(tau=2.0)(S, T))


@pytest.mark.parametrize(
    'bad, key',
    [(dict(tau=0), 'DenseDISTLoss.tau'),
     (dict(inter_loss_weight=-1), 'DenseDISTLoss.inter_loss_weight'),
     (dict(intra_loss_weight=-1), 'DenseDISTLoss.intra_loss_weight'),
     (dict(num_classes=0), 'DenseDISTLoss.num_classes')])
def test_rejects_bad_arguments_naming_the_key(bad, key):
    with pytest.raises(ValueError, match=key):
        DenseDISTLoss(**bad)


def test_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r'\(2, 4, 3, 5\)'):
        DenseDISTLoss()(torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 6))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.dense_dist)
    assert result.attempted > 0 and result.failed == 0


def test_labels_leave_out_the_anchors_that_are_no_samples():
    """Given per-anchor labels, rows labelled -1 (ignored, or padding) are
    left out, background (C) and classes stay: against the loop over the
    kept rows, and no gradient reaches the left-out anchors."""
    torch.manual_seed(0)
    C, A = 3, 2
    S = tuple(torch.randn(2, A * C, h, w, requires_grad=True) * 1
              for h, w in [(4, 4), (2, 2)])
    T = tuple(torch.randn(2, A * C, h, w) * 2 for h, w in [(4, 4), (2, 2)])
    labels = tuple(torch.randint(-1, C + 1, (2, h * w * A))
                   for h, w in [(4, 4), (2, 2)])
    labels[0][0, :5] = -1
    kept = lambda x: [  # noqa: E731
        row for level, y in zip(x, labels)
        for row, label in zip(_anchors(level.detach(), C),
                              y.reshape(-1).tolist()) if label != -1
    ]
    loss = DenseDISTLoss(tau=2.0, num_classes=C)
    value = loss(S, T, labels)
    torch.testing.assert_close(value.item(),
                               _reference(kept(S), kept(T), 2.0),
                               rtol=1e-5, atol=1e-6)
    grads = torch.autograd.grad(value, S)
    for grad, y in zip(grads, labels):
        rows = grad.permute(0, 2, 3, 1).reshape(-1, C)  # anchor rows
        assert rows[y.reshape(-1) == -1].abs().sum() == 0
        assert rows[y.reshape(-1) == C].abs().sum() > 0  # background
