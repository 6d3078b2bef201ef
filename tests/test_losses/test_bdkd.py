import doctest
import math

import pytest
import torch

import akd.losses.bdkd
from akd.losses import AvatarKDLoss
from akd.losses.bdkd import BDKDLoss


def _softmax(row, tau):
    exps = [math.exp(float(z) / tau) for z in row]
    return [e / sum(exps) for e in exps]


def _reference_rows(rows_S, rows_T, tau, emphasis):
    """tau^2 / M * sum of the entropy-switched KLs, one row at a time."""
    total = 0.
    for s, t in zip(rows_S, rows_T):
        p, q = _softmax(t, tau), _softmax(s, tau)  # teacher p, student q
        C = len(p)
        entropy_T = -sum(p[c] * math.log(p[c]) for c in range(C))
        entropy_S = -sum(q[c] * math.log(q[c]) for c in range(C))
        forward = sum(p[c] * math.log(p[c] / q[c]) for c in range(C))
        reverse = sum(q[c] * math.log(q[c] / p[c]) for c in range(C))
        if entropy_S > entropy_T:
            total += forward + emphasis * reverse
        else:
            total += emphasis * forward + reverse
    return tau**2 * total / len(rows_S)


def _assert_close(value, expected):
    """A float32 loss against a float64 reference."""
    torch.testing.assert_close(value.item(), expected, rtol=1e-5, atol=1e-6)


def _pixel_rows(x, C):
    """Rows of an (N, A*C, H, W) map, anchor by anchor, with loops."""
    N, AC, H, W = x.shape
    return [
        x[n, a * C:(a + 1) * C, h, w] for n in range(N) for h in range(H)
        for w in range(W) for a in range(AC // C)
    ]


@pytest.mark.parametrize('tau,emphasis', [(1.0, 2.0), (4.0, 3.0)])
def test_matches_reference_loop_on_rows(tau, emphasis):
    torch.manual_seed(0)
    S, T = torch.randn(7, 5) * 2, torch.randn(7, 5) * 2
    loss = BDKDLoss(tau=tau, emphasis=emphasis, loss_weight=2.0)
    expected = 2.0 * _reference_rows(S, T, tau, emphasis)
    _assert_close(loss(S, T), expected)


def test_matches_reference_loop_on_dense_maps():
    torch.manual_seed(0)
    S, T = torch.randn(2, 4, 3, 5) * 2, torch.randn(2, 4, 3, 5) * 2
    loss = BDKDLoss(tau=2.0, emphasis=3.0)
    expected = _reference_rows(_pixel_rows(S, 4), _pixel_rows(T, 4), 2.0, 3.0)
    _assert_close(loss(S, T), expected)


def test_both_entropy_branches_occur_in_the_reference_cases():
    """The reference tests exercise both weightings of the switch."""
    torch.manual_seed(0)
    S, T = torch.randn(7, 5) * 2, torch.randn(7, 5) * 2
    entropy = lambda x: -(x.softmax(1) * x.log_softmax(1)).sum(1)  # noqa
    less_sure = entropy(S) > entropy(T)
    assert less_sure.any() and not less_sure.all()


def test_every_pixel_is_a_sample():
    """(N, C, H, W) gives the loss of the (N*H*W, C) pixel matrix."""
    torch.manual_seed(0)
    S, T = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    loss = BDKDLoss(tau=2.0)
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    torch.testing.assert_close(loss(S, T), loss(rows(S), rows(T)))


def test_detection_levels_are_one_set_of_anchor_rows():
    torch.manual_seed(0)
    C, A = 3, 2
    S = (torch.randn(2, A * C, 4, 4), torch.randn(2, A * C, 2, 2))
    T = (torch.randn(2, A * C, 4, 4), torch.randn(2, A * C, 2, 2))
    loss = BDKDLoss(tau=1.0, emphasis=2.0, num_classes=C)
    rows_S = [r for x in S for r in _pixel_rows(x, C)]
    rows_T = [r for x in T for r in _pixel_rows(x, C)]
    expected = _reference_rows(rows_S, rows_T, 1.0, 2.0)
    _assert_close(loss(S, T), expected)


def test_zero_when_student_equals_teacher():
    T = torch.randn(2, 4, 3, 5)
    assert BDKDLoss(tau=3.0)(T.clone(), T).item() == 0


def test_emphasis_one_is_the_symmetric_kl():
    torch.manual_seed(0)
    S, T = torch.randn(6, 4), torch.randn(6, 4)
    log_p, log_q = T.log_softmax(1), S.log_softmax(1)
    jeffreys = ((log_p.exp() - log_q.exp()) * (log_p - log_q)).sum(1).mean()
    torch.testing.assert_close(BDKDLoss(emphasis=1.0)(S, T), jeffreys)


def test_weights_pass_no_gradient():
    """The gradient is that of the weighted KLs with the weights fixed."""
    torch.manual_seed(0)
    S = torch.randn(6, 4, requires_grad=True)
    T = torch.randn(6, 4)
    grad, = torch.autograd.grad(BDKDLoss(emphasis=3.0)(S, T), S)
    log_p = T.log_softmax(1)
    entropy = lambda x: -(x.softmax(1) * x.log_softmax(1)).sum(1)  # noqa
    with torch.no_grad():
        less_sure = (entropy(S) > entropy(T)).float()
    log_q = S.log_softmax(1)
    forward = (log_p.exp() * (log_p - log_q)).sum(1)
    reverse = (log_q.exp() * (log_q - log_p)).sum(1)
    fixed = ((1 + 2 * (1 - less_sure)) * forward +
             (1 + 2 * less_sure) * reverse).mean()
    expected, = torch.autograd.grad(fixed, S)
    torch.testing.assert_close(grad, expected)


@pytest.mark.parametrize('change', [
    dict(tau=3.0),
    dict(emphasis=4.0),
    dict(loss_weight=2.0),
    dict(num_classes=3)
])
def test_each_argument_changes_the_result(change):
    torch.manual_seed(0)
    S, T = torch.randn(2, 6, 3, 5), torch.randn(2, 6, 3, 5)
    assert BDKDLoss(**change)(S, T) != BDKDLoss()(S, T)


def test_empty_input_gives_zero_connected_to_student():
    S = torch.randn(0, 4, 3, 5, requires_grad=True)
    value = BDKDLoss()(S, torch.randn(0, 4, 3, 5))
    value.backward()
    assert value.item() == 0 and S.grad is not None


def test_runs_inside_avatar_kd_loss():
    torch.manual_seed(0)
    S = torch.randn(2, 19, 8, 16, requires_grad=True)
    loss = AvatarKDLoss(base_loss=dict(type='BDKDLoss', tau=1.0),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    value = loss(S, torch.randn(2, 19, 8, 16))
    value.backward()
    assert value.item() > 0 and S.grad.abs().sum() > 0


def test_single_unperturbed_avatar_equals_plain_loss():
    torch.manual_seed(0)
    S, T = torch.randn(2, 7, 4, 5), torch.randn(2, 7, 4, 5)
    avatar = AvatarKDLoss(base_loss=dict(type='BDKDLoss',
                                         tau=2.0,
                                         emphasis=3.0),
                          num_avatars=1,
                          standardize=False, weighting='uniform',
                          perturbation=dict(type='AvatarDropout', p=0.0))
    plain = BDKDLoss(tau=2.0, emphasis=3.0)
    torch.testing.assert_close(avatar(S, T), plain(S, T))


def test_builds_from_registry_with_its_repr():
    from mmrazor.registry import MODELS
    loss = MODELS.build(
        dict(_scope_='mmrazor', type='BDKDLoss', tau=2.0, num_classes=3))
    assert isinstance(loss, BDKDLoss)
    assert 'tau=2.0' in repr(loss) and 'num_classes=3' in repr(loss)


@pytest.mark.parametrize('bad,key',
                         [(dict(tau=0), 'BDKDLoss.tau'),
                          (dict(emphasis=0), 'BDKDLoss.emphasis'),
                          (dict(num_classes=0), 'BDKDLoss.num_classes')])
def test_rejects_bad_arguments_naming_the_key(bad, key):
    with pytest.raises(ValueError, match=key):
        BDKDLoss(**bad)


def test_rejects_shape_mismatch_naming_the_loss_and_shapes():
    with pytest.raises(ValueError, match=r'BDKDLoss.*\(2, 4, 3, 5\)'):
        BDKDLoss()(torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 6))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.bdkd)
    assert result.attempted > 0 and result.failed == 0


def test_labels_leave_out_the_anchors_that_are_no_samples():
    """Rows labelled -1 (ignored, or padding) are left out; background (C)
    and classes stay."""
    torch.manual_seed(0)
    C, A = 3, 2
    shapes = [(4, 4), (2, 2)]
    S = tuple(torch.randn(2, A * C, h, w) for h, w in shapes)
    T = tuple(torch.randn(2, A * C, h, w) * 2 for h, w in shapes)
    labels = tuple(torch.randint(-1, C + 1, (2, h * w * A))
                   for h, w in shapes)
    kept = lambda x: [  # noqa: E731
        row for level, y in zip(x, labels)
        for row, label in zip(_pixel_rows(level, C), y.reshape(-1).tolist())
        if label != -1
    ]
    loss = BDKDLoss(tau=2.0, emphasis=3.0, num_classes=C)
    flat = torch.cat([y.reshape(-1) for y in labels])
    assert (flat == -1).any() and (flat == C).any()
    _assert_close(loss(S, T, labels),
                  _reference_rows(kept(S), kept(T), 2.0, 3.0))
