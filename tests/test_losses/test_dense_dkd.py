import doctest
import math

import pytest
import torch
from mmrazor.registry import MODELS

import akd.losses.dense_dkd
from akd.losses import AvatarKDLoss
from akd.losses.dense_dkd import DenseDKDLoss
from tolerances import assert_close_float32


def _softmax(z):
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return [v / sum(e) for v in e]


def _kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)


def _reference(rows_S, rows_T, labels, tau, alpha, beta):
    """tau^2 / M * sum_i (alpha TCKD_i + beta NCKD_i), rows as python lists.

    1 - p_y is summed from the non-target probabilities, in float64.
    """
    total, count = 0., 0
    for s, t, y in zip(rows_S, rows_T, labels):
        C = len(s)
        if not 0 <= y < C:
            continue
        p_S = _softmax([v / tau for v in s])
        p_T = _softmax([v / tau for v in t])
        rest_S = sum(p_S[c] for c in range(C) if c != y)
        rest_T = sum(p_T[c] for c in range(C) if c != y)
        tckd = _kl([p_T[y], rest_T], [p_S[y], rest_S])
        nckd = _kl([p_T[c] / rest_T for c in range(C) if c != y],
                   [p_S[c] / rest_S for c in range(C) if c != y])
        total += alpha * tckd + beta * nckd
        count += 1
    return tau**2 * total / count


def _pixels(x):
    """(N, C, H, W) -> list of N*H*W rows, with loops."""
    N, _, H, W = x.shape
    return [
        x[n, :, h, w].double().tolist() for n in range(N) for h in range(H)
        for w in range(W)
    ]


def _anchors(x, labels, C):
    """(N, A*C, H, W) and (N, H*W*A) -> per-anchor rows and labels."""
    N, AC, H, W = x.shape
    A = AC // C
    rows, ys = [], []
    for n in range(N):
        for h in range(H):
            for w in range(W):
                for a in range(A):
                    row = x[n, a * C:(a + 1) * C, h, w]  # anchor a's classes
                    rows.append(row.double().tolist())
                    ys.append(int(labels[n, (h * W + w) * A + a]))
    return rows, ys


def _dense_case(seed=0):
    torch.manual_seed(seed)
    S, T = torch.randn(2, 5, 3, 4) * 3, torch.randn(2, 5, 3, 4) * 3
    y = torch.randint(0, 5, (2, 3, 4))
    y[0, 0, :2] = 255
    y[1, 2, 3] = 255
    return S, T, y


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_reference_loop_on_rows(tau):
    torch.manual_seed(0)
    S, T = torch.randn(7, 6) * 3, torch.randn(7, 6) * 3
    y = torch.randint(0, 6, (7, ))
    loss = DenseDKDLoss(tau=tau, alpha=0.5, beta=2.0, loss_weight=3.0)
    expected = 3.0 * _reference(S.double().tolist(),
                                T.double().tolist(), y.tolist(), tau, 0.5, 2.0)
    torch.testing.assert_close(loss(S, T, y).item(),
                               expected,
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_reference_loop_on_dense_maps_with_ignored_pixels(tau):
    S, T, y = _dense_case()
    expected = _reference(_pixels(S), _pixels(T),
                          y.flatten().tolist(), tau, 1.0, 8.0)
    torch.testing.assert_close(DenseDKDLoss(tau=tau)(S, T, y).item(),
                               expected,
                               rtol=1e-5,
                               atol=1e-6)


def test_every_pixel_is_a_sample():
    """(N, C, H, W) gives the loss of the (N*H*W, C) pixel matrix."""
    S, T, y = _dense_case()
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    loss = DenseDKDLoss(tau=2.0)
    torch.testing.assert_close(loss(S, T, y),
                               loss(rows(S), rows(T), y.flatten()))


def test_labels_at_twice_the_resolution_are_nearest_resized():
    S, T, _ = _dense_case()
    torch.manual_seed(1)
    y_2x = torch.randint(0, 5, (2, 1, 6, 8))  # (N, 1, 2H, 2W)
    y_2x[0, 0, 0] = 255
    loss = DenseDKDLoss()
    torch.testing.assert_close(loss(S, T, y_2x),
                               loss(S, T, y_2x[:, 0, ::2, ::2]))


def test_matches_reference_loop_on_fpn_levels_of_anchors():
    """Two levels of (N, A*C, H, W), labels (N, H*W*A), background C."""
    torch.manual_seed(0)
    C, A = 3, 2
    S = (torch.randn(2, A * C, 4, 4) * 3, torch.randn(2, A * C, 2, 2) * 3)
    T = (torch.randn(2, A * C, 4, 4) * 3, torch.randn(2, A * C, 2, 2) * 3)
    y = (torch.randint(0, C + 1,
                       (2, 4 * 4 * A)), torch.randint(0, C + 1,
                                                      (2, 2 * 2 * A)))
    assert (y[0] == C).any() and (y[1] == C).any()
    rows_S, rows_T, labels = [], [], []
    for s, t, labels_level in zip(S, T, y):
        rows, ys = _anchors(s, labels_level, C)
        rows_S += rows
        labels += ys
        rows_T += _anchors(t, labels_level, C)[0]
    loss = DenseDKDLoss(tau=2.0, num_classes=C)
    torch.testing.assert_close(loss(S, T, y).item(),
                               _reference(rows_S, rows_T, labels, 2.0, 1.0,
                                          8.0),
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize(
    'change',
    [dict(tau=3.0),
     dict(alpha=2.0),
     dict(beta=1.0),
     dict(loss_weight=2.0)])
def test_each_argument_changes_the_result(change):
    S, T, y = _dense_case()
    assert DenseDKDLoss(**change)(S, T, y) != DenseDKDLoss()(S, T, y)


def test_num_classes_splits_channels_into_anchors():
    torch.manual_seed(0)
    S, T = torch.randn(2, 6, 3, 4), torch.randn(2, 6, 3, 4)
    y_pixels = torch.randint(0, 3, (2, 3, 4))
    y_anchors = torch.randint(0, 3, (2, 3 * 4 * 2))
    as_pixels = DenseDKDLoss()(S, T, y_pixels)
    as_anchors = DenseDKDLoss(num_classes=3)(S, T, y_anchors)
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 3)  # noqa: E731
    torch.testing.assert_close(
        as_anchors,
        DenseDKDLoss()(rows(S), rows(T), y_anchors.flatten()))
    assert as_anchors != as_pixels


def test_zero_when_student_equals_teacher():
    _, T, y = _dense_case()
    assert DenseDKDLoss(tau=2.0)(T.clone(), T, y).abs().item() < 1e-6


def test_zero_with_gradient_when_no_pixel_is_labelled():
    S, T, _ = _dense_case()
    S.requires_grad_(True)
    y = torch.full((2, 3, 4), 255)
    value = DenseDKDLoss()(S, T, y)
    value.backward()
    assert value.item() == 0 and value.grad_fn is not None
    assert torch.equal(S.grad, torch.zeros_like(S))


def test_matches_mmrazor_dkd_on_labelled_rows():
    torch.manual_seed(0)
    S, T = torch.randn(50, 7) * 3, torch.randn(50, 7) * 3
    y = torch.randint(0, 7, (50, ))
    args = dict(tau=2.0, alpha=0.5, beta=4.0, loss_weight=1.5)
    mmrazor_dkd = MODELS.build(dict(_scope_='mmrazor', type='DKDLoss', **args))
    assert_close_float32(DenseDKDLoss(**args)(S, T, y), mmrazor_dkd(S, T, y))


def test_mmrazor_dkd_raises_on_dense_maps():
    """Its scatter builds the target mask for (N, C) logits only."""
    S, T, y = _dense_case()
    y[y == 255] = 0
    with pytest.raises(RuntimeError, match='same number of dimensions'):
        MODELS.build(dict(_scope_='mmrazor', type='DKDLoss'))(S, T, y)


@pytest.mark.parametrize('label', [255, 5], ids=['ignore', 'background'])
def test_mmrazor_dkd_raises_on_ignore_and_background_labels(label):
    S, T, y = torch.randn(4, 5), torch.randn(4, 5), torch.tensor([0, 1, 2, 3])
    y[2] = label
    with pytest.raises(RuntimeError, match='out of bounds'):
        MODELS.build(dict(_scope_='mmrazor', type='DKDLoss'))(S, T, y)
    torch.testing.assert_close(
        DenseDKDLoss()(S, T, y),
        DenseDKDLoss()(S[[0, 1, 3]], T[[0, 1, 3]], y[[0, 1, 3]]))


def test_mmrazor_dkd_is_nan_on_confident_rows_where_dense_dkd_is_exact():
    """Non-target logits ~ -160 (detection heads): 1 - p_y underflows."""
    torch.manual_seed(0)
    S = torch.randn(6, 5) - 160
    T = torch.randn(6, 5) * 2 - 150
    y = torch.arange(6) % 5
    S[torch.arange(6), y] = 5.
    T[torch.arange(6), y] = 4.
    mmrazor_value = MODELS.build(dict(_scope_='mmrazor', type='DKDLoss'))(S, T,
                                                                          y)
    assert torch.isnan(mmrazor_value)
    expected = _reference(S.double().tolist(),
                          T.double().tolist(), y.tolist(), 1.0, 1.0, 8.0)
    assert expected > 1  # NCKD: the non-target distributions differ
    torch.testing.assert_close(DenseDKDLoss()(S, T, y).item(),
                               expected,
                               rtol=1e-5,
                               atol=1e-6)


def test_gradient_is_finite_on_confident_rows():
    S = torch.tensor([[40., -160., -150.], [-160., 3., -100.]],
                     requires_grad=True)
    T = torch.tensor([[30., -140., -150.], [-120., 3., -110.]])
    DenseDKDLoss(tau=0.5)(S, T, torch.tensor([0, 1])).backward()
    assert torch.isfinite(S.grad).all() and S.grad.abs().sum() > 0


@pytest.mark.parametrize('levels', [False, True], ids=['seg', 'fpn'])
def test_runs_inside_avatar_kd_loss(levels):
    torch.manual_seed(0)
    if levels:
        C, shapes = 3, [(2, 6, 4, 4), (2, 6, 2, 2)]
        S = tuple(torch.randn(s, requires_grad=True) for s in shapes)
        T = tuple(torch.randn(s) for s in shapes)
        y = tuple(
            torch.randint(0, C + 1, (2, s[2] * s[3] * 2)) for s in shapes)
    else:
        C, S, T, y = None, *_dense_case()
        S = (S.requires_grad_(True), )
    loss = AvatarKDLoss(base_loss=dict(type='DenseDKDLoss',
                                       tau=2.0,
                                       num_classes=C),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    value = loss(S if levels else S[0], T, y)
    value.backward()
    assert value.item() > 0 and all(s.grad.abs().sum() > 0 for s in S)


def test_avatar_kd_with_one_undisturbed_avatar_equals_plain_loss():
    S, T, y = _dense_case()
    avatar = AvatarKDLoss(base_loss=dict(type='DenseDKDLoss', tau=2.0),
                          num_avatars=1,
                          perturbation=dict(type='AvatarDropout', p=0.0),
                          standardize=False, weighting='uniform')
    torch.testing.assert_close(avatar(S, T, y), DenseDKDLoss(tau=2.0)(S, T, y))


@pytest.mark.parametrize('bad, key',
                         [(dict(tau=0), 'DenseDKDLoss.tau'),
                          (dict(alpha=-1), 'DenseDKDLoss.alpha'),
                          (dict(beta=-1), 'DenseDKDLoss.beta'),
                          (dict(num_classes=1), 'DenseDKDLoss.num_classes')])
def test_rejects_bad_arguments_naming_the_key(bad, key):
    with pytest.raises(ValueError, match=key):
        DenseDKDLoss(**bad)


def test_rejects_shape_mismatch_and_single_class_rows():
    with pytest.raises(ValueError, match=r'\(2, 4, 3, 5\)'):
        DenseDKDLoss()(torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 6),
                       torch.zeros(2, 3, 5, dtype=torch.long))
    with pytest.raises(ValueError, match='at least 2 classes'):
        DenseDKDLoss()(torch.randn(4, 1), torch.randn(4, 1),
                       torch.zeros(4, dtype=torch.long))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.dense_dkd)
    assert result.attempted > 0 and result.failed == 0
