import doctest
import math

import pytest
import torch

import akd.losses.nkd
from akd.losses import AvatarKDLoss
from akd.losses.nkd import (NKDLoss, TFNKDLoss, soft_target_labels,
                            zipf_non_target_labels)


def _softmax(values, tau=1.0):
    top = max(values)
    exps = [math.exp((v - top) / tau) for v in values]
    return [e / sum(exps) for e in exps]


def _nkd_reference(S, T, y, tau, gamma):
    """NKD on rows, non-target renormalised as p_i / (1 - p_t), in loops."""
    total = 0.
    for s, t, label in zip(S.tolist(), T.tolist(), y.tolist()):
        total -= _softmax(t)[label] * math.log(_softmax(s)[label])
        s_tau, t_tau = _softmax(s, tau), _softmax(t, tau)
        for c in range(len(s)):
            if c != label:
                total -= gamma * tau**2 * (t_tau[c] / (1 - t_tau[label]) *
                                           math.log(s_tau[c] /
                                                    (1 - s_tau[label])))
    return total / len(y)


def _tf_nkd_reference(S, T, y, alpha, beta):
    """USKD on rows without the weak branch, in loops."""
    rows = list(zip(S.tolist(), T.tolist(), y.tolist()))
    mean_sq = sum(_softmax(t)[label]**2 for _, t, label in rows) / len(rows)
    total = 0.
    for s, t, label in rows:
        p_s = _softmax(s)
        V = _softmax(t)[label]**2 + 1 - mean_sq
        total -= alpha * V * math.log(p_s[label])
        by_rank = sorted(range(len(t)), key=lambda c: -t[c])
        others = [c for c in range(len(s)) if c != label]
        zipf = {c: 1 / (by_rank.index(c) + 1) for c in others}
        for c in others:
            total -= beta * (zipf[c] / sum(zipf.values()) *
                             math.log(p_s[c] / (1 - p_s[label])))
    return total / len(rows)


def _dense_rows(S, T, y):
    """Rows of the pixels whose label is not 255, in loops."""
    N, C, H, W = S.shape
    rows = [(S[n, :, h, w], T[n, :, h, w], y[n, h, w]) for n in range(N)
            for h in range(H) for w in range(W) if y[n, h, w] != 255]
    S_rows, T_rows, labels = zip(*rows)
    return torch.stack(S_rows), torch.stack(T_rows), torch.stack(labels)


LOSSES = [
    NKDLoss(tau=1.0, gamma=1.5),
    NKDLoss(tau=4.0, gamma=0.5, loss_weight=2.0),
    TFNKDLoss(),
    TFNKDLoss(alpha=0.5, beta=1.0, loss_weight=2.0),
]
IDS = ['nkd', 'nkd-tau4', 'tf-nkd', 'tf-nkd-beta1']


def _reference(loss, S, T, y):
    if isinstance(loss, NKDLoss):
        value = _nkd_reference(S, T, y, loss.tau, loss.gamma)
    else:
        value = _tf_nkd_reference(S, T, y, loss.alpha, loss.beta)
    return loss.loss_weight * value


def _dense_inputs(seed=0):
    torch.manual_seed(seed)
    S, T = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    y = torch.randint(0, 5, (2, 3, 4))
    y[0, 0, :3] = 255
    y[1, 2, 1] = 255
    return S, T, y


@pytest.mark.parametrize('loss', LOSSES, ids=IDS)
def test_matches_reference_loop_on_rows(loss):
    torch.manual_seed(0)
    S, T = torch.randn(7, 6), torch.randn(7, 6)
    y = torch.randint(0, 6, (7, ))
    torch.testing.assert_close(loss(S, T, y).item(),
                               _reference(loss, S, T, y),
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('loss', LOSSES, ids=IDS)
def test_matches_reference_loop_on_dense_maps_with_ignored_pixels(loss):
    S, T, y = _dense_inputs()
    torch.testing.assert_close(loss(S, T, y).item(),
                               _reference(loss, *_dense_rows(S, T, y)),
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('loss', LOSSES, ids=IDS)
def test_every_pixel_is_a_sample(loss):
    """(N, C, H, W) gives the loss of the (N*H*W, C) pixel matrix."""
    S, T, y = _dense_inputs()
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    keep = y.reshape(-1) != 255
    torch.testing.assert_close(
        loss(S, T, y), loss(rows(S)[keep],
                            rows(T)[keep],
                            y.reshape(-1)[keep]))


@pytest.mark.parametrize('loss', LOSSES, ids=IDS)
def test_labels_at_twice_the_resolution_are_nearest_resized(loss):
    S, T, _ = _dense_inputs()
    big = torch.randint(0, 5, (2, 6, 8))  # (N, 2H, 2W)
    big[0, :2] = 255
    torch.testing.assert_close(loss(S, T, big), loss(S, T, big[:, ::2, ::2]))
    torch.testing.assert_close(loss(S, T, big[:, None]),
                               loss(S, T, big[:, ::2, ::2]))


@pytest.mark.parametrize('cls', [NKDLoss, TFNKDLoss])
def test_detection_levels_with_background_match_anchor_loop(cls):
    """Two levels (N, A*C, H, W) and labels (N, H*W*A), background = C."""
    torch.manual_seed(0)
    N, A, C = 2, 3, 4
    shapes = [(4, 5), (2, 3)]
    S = tuple(torch.randn(N, A * C, H, W) for H, W in shapes)
    T = tuple(torch.randn(N, A * C, H, W) for H, W in shapes)
    y = tuple(torch.randint(0, C + 1, (N, H * W * A)) for H, W in shapes)
    y[0][0, :5] = C
    loss = cls(num_classes=C)
    rows_S, rows_T, labels = [], [], []
    for s, t, lab in zip(S, T, y):
        H, W = s.shape[2:]
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    for a in range(A):
                        label = lab[n, (h * W + w) * A + a]
                        if label < C:  # not background
                            rows_S.append(s[n, a * C:(a + 1) * C, h, w])
                            rows_T.append(t[n, a * C:(a + 1) * C, h, w])
                            labels.append(label)
    expected = _reference(loss, torch.stack(rows_S), torch.stack(rows_T),
                          torch.stack(labels))
    torch.testing.assert_close(loss(S, T, y).item(),
                               expected,
                               rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('cls', [NKDLoss, TFNKDLoss])
def test_num_classes_splits_channels_into_anchors(cls):
    torch.manual_seed(0)
    S, T = torch.randn(2, 2 * 4, 3, 3), torch.randn(2, 2 * 4, 3, 3)
    y = torch.randint(0, 4, (2, 3 * 3 * 2))
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 4)  # noqa: E731
    torch.testing.assert_close(
        cls(num_classes=4)(S, T, y),
        cls()(rows(S), rows(T), y.reshape(-1)))
    with pytest.raises(ValueError, match=f'{cls.__name__}: gt_labels'):
        cls()(S, T, y)  # 8 classes per pixel: 18 rows, 36 labels


@pytest.mark.parametrize('cls, change', [
    (NKDLoss, dict(tau=3.0)),
    (NKDLoss, dict(gamma=0.5)),
    (NKDLoss, dict(loss_weight=2.0)),
    (TFNKDLoss, dict(alpha=0.5)),
    (TFNKDLoss, dict(beta=1.0)),
    (TFNKDLoss, dict(loss_weight=2.0)),
])
def test_each_argument_changes_the_result(cls, change):
    S, T, y = _dense_inputs()
    assert not torch.isclose(cls(**change)(S, T, y), cls()(S, T, y))


def test_nkd_gradient_reaches_student_and_a_grad_requiring_teacher():
    """NKD detaches nothing: the algorithm runs the teacher in no_grad."""
    S, T, y = _dense_inputs()
    S.requires_grad_()
    T.requires_grad_()
    NKDLoss()(S, T, y).backward()
    assert S.grad.abs().sum() > 0 and T.grad.abs().sum() > 0


def test_tf_nkd_gradient_reaches_student_never_the_target_logits():
    S, T, y = _dense_inputs()
    S.requires_grad_()
    T.requires_grad_()
    TFNKDLoss()(S, T, y).backward()
    assert S.grad.abs().sum() > 0 and T.grad is None


def test_tf_nkd_own_logits_as_target_give_the_detached_gradient():
    """SelfDistill records the student's tensor as preds_T too."""
    S, _, y = _dense_inputs()
    S.requires_grad_()
    loss = TFNKDLoss(beta=1.0)
    grad_same, = torch.autograd.grad(loss(S, S, y), S)
    grad_detached, = torch.autograd.grad(loss(S, S.detach().clone(), y), S)
    torch.testing.assert_close(grad_same, grad_detached)


@pytest.mark.parametrize('cls', [NKDLoss, TFNKDLoss])
def test_zero_connected_to_student_when_every_row_is_ignored(cls):
    S, T, y = _dense_inputs()
    S.requires_grad_()
    value = cls()(S, T, torch.full_like(y, 255))
    assert value.item() == 0 and value.grad_fn is not None
    value.backward()
    assert torch.equal(S.grad, torch.zeros_like(S))


def test_zipf_labels_follow_the_rank_of_the_own_logits():
    logits = torch.tensor([[3., 1., 2., 0.], [3., 1., 2., 0.]])
    labels = torch.tensor([0, 2])  # ranked first, ranked second
    first = torch.tensor([1 / 3, 1 / 2, 1 / 4])  # classes 1, 2, 3
    second = torch.tensor([1., 1 / 3, 1 / 4])  # classes 0, 1, 3
    torch.testing.assert_close(
        zipf_non_target_labels(logits, labels),
        torch.stack([first / first.sum(), second / second.sum()]))


def test_soft_target_labels_average_one_and_keep_the_order():
    P_t = torch.tensor([0.9, 0.1, 0.5, 0.3])
    V_t = soft_target_labels(P_t)
    torch.testing.assert_close(V_t.mean(), torch.tensor(1.))
    assert torch.equal(V_t.argsort(), P_t.argsort())


@pytest.mark.parametrize('base', [
    dict(type='NKDLoss', tau=2.0),
    dict(type='TFNKDLoss'),
],
                         ids=['nkd', 'tf-nkd'])
def test_runs_inside_avatar_kd_loss_with_labels(base):
    S, T, y = _dense_inputs()
    S.requires_grad_()
    loss = AvatarKDLoss(base_loss=base, num_avatars=2, standardize=False,
                        weighting='variance')
    value = loss(S, T, y)
    value.backward()
    assert torch.isfinite(value) and value.item() > 0
    assert S.grad.abs().sum() > 0


@pytest.mark.parametrize('base', [
    dict(type='NKDLoss', tau=2.0, gamma=1.0),
    dict(type='TFNKDLoss', beta=0.5),
],
                         ids=['nkd', 'tf-nkd'])
def test_avatar_kd_with_one_undropped_avatar_equals_plain_loss(base):
    S, T, y = _dense_inputs()
    plain = getattr(akd.losses.nkd, base['type'])(**{
        k: v
        for k, v in base.items() if k != 'type'
    })
    wrapped = AvatarKDLoss(base_loss=base,
                           num_avatars=1,
                           standardize=False, weighting='uniform',
                           perturbation=dict(type='AvatarDropout', p=0.0))
    torch.testing.assert_close(wrapped(S, T, y), plain(S, T, y))


def test_avatar_kd_sums_levels_with_their_own_labels():
    torch.manual_seed(0)
    S = (torch.randn(2, 8, 3, 3), torch.randn(2, 8, 2, 2))
    T = (torch.randn(2, 8, 3, 3), torch.randn(2, 8, 2, 2))
    y = (torch.randint(0, 5, (2, 18)), torch.randint(0, 5, (2, 8)))
    base = dict(type='NKDLoss', num_classes=4)
    wrapped = AvatarKDLoss(base_loss=base,
                           num_avatars=1,
                           standardize=False, weighting='uniform',
                           perturbation=dict(type='AvatarDropout', p=0.0))
    plain = NKDLoss(num_classes=4)
    torch.testing.assert_close(
        wrapped(S, T, y),
        plain(S[0], T[0], y[0]) + plain(S[1], T[1], y[1]))


@pytest.mark.parametrize('cls, config, key', [
    (NKDLoss, dict(tau=0), 'NKDLoss.tau'),
    (NKDLoss, dict(gamma=-1.0), 'NKDLoss.gamma'),
    (NKDLoss, dict(num_classes=1), 'NKDLoss.num_classes'),
    (TFNKDLoss, dict(alpha=-1.0), 'TFNKDLoss.alpha'),
    (TFNKDLoss, dict(beta=-0.1), 'TFNKDLoss.beta'),
    (TFNKDLoss, dict(num_classes=2.5), 'TFNKDLoss.num_classes'),
])
def test_rejects_invalid_arguments_naming_the_key(cls, config, key):
    with pytest.raises(ValueError, match=key):
        cls(**config)


@pytest.mark.parametrize('cls', [NKDLoss, TFNKDLoss])
def test_rejects_shape_mismatch_naming_the_loss_and_connectors(cls):
    with pytest.raises(ValueError,
                       match=rf'{cls.__name__}: .*\(2, 4, 3, 5\).*connector'):
        cls()(torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 6),
              torch.zeros(2, 3, 5, dtype=torch.long))


def test_registered_and_repr_names_every_argument():
    from mmrazor.registry import MODELS
    loss = MODELS.build(
        dict(_scope_='mmrazor', type='TFNKDLoss', num_classes=80))
    assert repr(loss) == ('TFNKDLoss(alpha=1.0, beta=0.1, loss_weight=1.0, '
                          'num_classes=80)')
    assert 'tau=1.0, gamma=1.5' in repr(
        MODELS.build(dict(_scope_='mmrazor', type='NKDLoss')))


def test_docstring_examples_run():
    result = doctest.testmod(akd.losses.nkd)
    assert result.attempted > 0 and result.failed == 0
