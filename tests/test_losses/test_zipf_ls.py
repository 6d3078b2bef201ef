import doctest
import math

import pytest
import torch

import akd.losses.zipf_ls
from akd.losses import AvatarKDLoss
from akd.losses.zipf_ls import ZipfLSLoss, zipf_ranks


def _reference_row(s, t, y, power):
    """KL(Zipf target of t's ranking || student softmax over non-targets)."""
    C = len(s)
    others = [c for c in range(C) if c != y]
    rank = {c: 1 + sum(1 for j in range(C) if t[j] > t[c]) for c in others}
    mass = {c: rank[c]**-power for c in others}
    q = {c: mass[c] / sum(mass.values()) for c in others}
    exps = {c: math.exp(float(s[c])) for c in others}
    p = {c: exps[c] / sum(exps.values()) for c in others}
    return sum(q[c] * math.log(q[c] / p[c]) for c in others)


def _reference(rows_S, rows_T, labels, power, C):
    """Mean over the rows with a label in [0, C), one row at a time."""
    kept = [(s, t, int(y)) for s, t, y in zip(rows_S, rows_T, labels)
            if 0 <= int(y) < C]
    total = sum(_reference_row(s, t, y, power) for s, t, y in kept)
    return total / len(kept)


def _assert_close(value, expected):
    """A float32 loss against a float64 reference."""
    torch.testing.assert_close(value.item(), expected, rtol=1e-5, atol=1e-6)


def _pixels(x, y, C):
    """Rows and labels of an (N, A*C, H, W) map, with loops; y per anchor
    ``(N, H*W*A)`` or per pixel ``(N, H, W)`` (then A = 1)."""
    N, AC, H, W = x.shape
    A = AC // C
    rows, labels = [], []
    for n in range(N):
        for h in range(H):
            for w in range(W):
                for a in range(A):
                    rows.append(x[n, a * C:(a + 1) * C, h, w])
                    labels.append(y[n, h,
                                    w] if y.dim() == 3 else y[n,
                                                              (h * W + w) * A +
                                                              a])
    return rows, labels


@pytest.mark.parametrize('power', [1.0, 2.0])
def test_matches_reference_loop_on_rows(power):
    torch.manual_seed(0)
    S, T = torch.randn(8, 6), torch.randn(8, 6)
    y = torch.randint(0, 6, (8, ))
    loss = ZipfLSLoss(power=power, loss_weight=0.5)
    _assert_close(loss(S, T, y), 0.5 * _reference(S, T, y, power, 6))


def test_matches_reference_loop_on_dense_maps_with_ignored_pixels():
    torch.manual_seed(0)
    S, T = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    y = torch.randint(0, 5, (2, 3, 4))
    y[0, 0, :2] = 255
    y[1, 2, 3] = 255
    rows_S, labels = _pixels(S, y, 5)
    rows_T, _ = _pixels(T, y, 5)
    _assert_close(ZipfLSLoss()(S, T, y),
                  _reference(rows_S, rows_T, labels, 1.0, 5))


def test_every_pixel_is_a_sample():
    """(N, C, H, W) gives the loss of the (N*H*W, C) pixel matrix."""
    torch.manual_seed(0)
    S, T = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    y = torch.randint(0, 5, (2, 3, 4))
    y[0, 1, 1] = 255
    rows = lambda x: x.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    keep = y.reshape(-1) != 255
    loss = ZipfLSLoss()
    torch.testing.assert_close(
        loss(S, T, y), loss(rows(S)[keep],
                            rows(T)[keep],
                            y.reshape(-1)[keep]))


def test_labels_at_twice_the_resolution_are_nearest_resized():
    torch.manual_seed(0)
    S, T = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    big = torch.randint(0, 5, (2, 6, 8))
    big[0, :2, :2] = 255
    loss = ZipfLSLoss()
    torch.testing.assert_close(loss(S, T, big), loss(S, T, big[:, ::2, ::2]))
    torch.testing.assert_close(loss(S, T, big[:, None]), loss(S, T, big))


def test_detection_levels_with_background_anchors():
    torch.manual_seed(0)
    C, A = 4, 2
    S = (torch.randn(2, A * C, 3, 3), torch.randn(2, A * C, 2, 2))
    T = (torch.randn(2, A * C, 3, 3), torch.randn(2, A * C, 2, 2))
    # per-level per-anchor labels (N, H*W*A); C is background
    y = (torch.randint(0, C + 1,
                       (2, 3 * 3 * A)), torch.randint(0, C + 1,
                                                      (2, 2 * 2 * A)))
    assert (y[0] == C).any() and (y[1] == C).any()
    rows_S, rows_T, labels = [], [], []
    for x_S, x_T, y_l in zip(S, T, y):
        rows, level_labels = _pixels(x_S, y_l, C)
        rows_S += rows
        rows_T += _pixels(x_T, y_l, C)[0]
        labels += level_labels
    loss = ZipfLSLoss(num_classes=C)
    _assert_close(loss(S, T, y), _reference(rows_S, rows_T, labels, 1.0, C))


def test_ranks_share_the_smallest_rank_on_ties():
    ranks = zipf_ranks(torch.tensor([[0.5, 2.0, 0.5, -1.0, 2.0]]))
    assert ranks.tolist() == [[3., 1., 3., 5., 1.]]


def test_zero_when_student_follows_its_own_zipf_law():
    """Non-target logits -power*log(rank) give a student equal to q."""
    power = 1.5
    ranks = torch.tensor([2., 3., 4., 5.])
    S = torch.cat([torch.tensor([10.]), -power * ranks.log()])[None]
    value = ZipfLSLoss(power=power)(S, S, torch.tensor([0]))
    assert abs(value.item()) < 1e-6


def test_value_ignores_the_target_logit_while_ranks_hold():
    torch.manual_seed(0)
    S = torch.randn(4, 6)
    y = torch.tensor([0, 1, 2, 3])
    lifted = S.clone()
    lifted[torch.arange(4), y] = 50.  # the target tops every ranking
    once = S.clone()
    once[torch.arange(4), y] = 60.
    loss = ZipfLSLoss()
    torch.testing.assert_close(loss(lifted, lifted, y), loss(once, once, y))


def test_gradient_never_reaches_preds_T():
    torch.manual_seed(0)
    S = torch.randn(2, 5, 3, 4, requires_grad=True)
    T = torch.randn(2, 5, 3, 4, requires_grad=True)
    ZipfLSLoss()(S, T, torch.randint(0, 5, (2, 3, 4))).backward()
    assert T.grad is None and S.grad.abs().sum() > 0


def test_self_distillation_gradient_is_that_of_a_detached_ranking():
    """With preds_T the student's own logits, only the KL's student side
    differentiates."""
    torch.manual_seed(0)
    S = torch.randn(2, 5, 3, 4, requires_grad=True)
    y = torch.randint(0, 5, (2, 3, 4))
    grad_self, = torch.autograd.grad(ZipfLSLoss()(S, S, y), S)
    grad_detached, = torch.autograd.grad(ZipfLSLoss()(S, S.detach(), y), S)
    torch.testing.assert_close(grad_self, grad_detached)


def test_no_kept_row_gives_zero_connected_to_student():
    S = torch.randn(2, 5, 3, 4, requires_grad=True)
    value = ZipfLSLoss()(S, S, torch.full((2, 3, 4), 255))
    value.backward()
    assert value.item() == 0 and value.grad_fn is not None
    assert S.grad is not None and S.grad.abs().sum() == 0


@pytest.mark.parametrize('change', [dict(power=2.0), dict(loss_weight=2.0)])
def test_each_argument_changes_the_result(change):
    torch.manual_seed(0)
    S, T = torch.randn(2, 6, 3, 5), torch.randn(2, 6, 3, 5)
    y = torch.randint(0, 6, (2, 3, 5))
    assert ZipfLSLoss(**change)(S, T, y) != ZipfLSLoss()(S, T, y)


def test_num_classes_splits_channels_into_anchors():
    """Same maps and the same label at both anchors of a pixel: only
    num_classes (6 classes, or 2 anchors of 3) differs."""
    torch.manual_seed(0)
    S, T = torch.randn(2, 6, 3, 5), torch.randn(2, 6, 3, 5)
    y = torch.randint(0, 3, (2, 3, 5))
    y_anchors = y.reshape(2, 15, 1).expand(2, 15, 2).reshape(2, 30)
    assert (ZipfLSLoss(num_classes=3)(S, T, y_anchors) != ZipfLSLoss()(S, T,
                                                                       y))


def test_runs_inside_avatar_kd_loss_with_labels():
    torch.manual_seed(0)
    S = torch.randn(2, 19, 8, 16, requires_grad=True)
    y = torch.randint(0, 19, (2, 16, 32))
    loss = AvatarKDLoss(base_loss=dict(type='ZipfLSLoss'),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    value = loss(S, S.detach(), y)
    value.backward()
    assert value.item() > 0 and S.grad.abs().sum() > 0


def test_single_unperturbed_avatar_equals_plain_loss():
    torch.manual_seed(0)
    S, T = torch.randn(2, 7, 4, 5), torch.randn(2, 7, 4, 5)
    y = torch.randint(0, 7, (2, 4, 5))
    y[0, 0] = 255
    avatar = AvatarKDLoss(base_loss=dict(type='ZipfLSLoss', power=2.0),
                          num_avatars=1,
                          standardize=False, weighting='uniform',
                          perturbation=dict(type='AvatarDropout', p=0.0))
    torch.testing.assert_close(avatar(S, T, y), ZipfLSLoss(power=2.0)(S, T, y))


def test_builds_from_registry_with_its_repr():
    from mmrazor.registry import MODELS
    loss = MODELS.build(
        dict(_scope_='mmrazor', type='ZipfLSLoss', power=2.0, num_classes=3))
    assert isinstance(loss, ZipfLSLoss)
    assert 'power=2.0' in repr(loss) and 'num_classes=3' in repr(loss)


@pytest.mark.parametrize('bad,key',
                         [(dict(power=-1), 'ZipfLSLoss.power'),
                          (dict(num_classes=1), 'ZipfLSLoss.num_classes')])
def test_rejects_bad_arguments_naming_the_key(bad, key):
    with pytest.raises(ValueError, match=key):
        ZipfLSLoss(**bad)


def test_rejects_mismatched_labels_naming_the_loss():
    with pytest.raises(ValueError, match='ZipfLSLoss: gt_labels'):
        ZipfLSLoss(num_classes=3)(torch.randn(2, 6, 3, 5),
                                  torch.randn(2, 6, 3, 5),
                                  torch.randint(0, 3, (2, 7)))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.zipf_ls)
    assert result.attempted > 0 and result.failed == 0


def test_tied_logits_share_a_rank_here_and_take_consecutive_ones_in_nkd():
    """The two Zipf rankings differ only on exactly equal logits: Zipf's
    label smoothing gives tied classes their smallest rank, NKD's labels
    distinct consecutive ranks."""
    from akd.losses.nkd import zipf_non_target_labels
    logits = torch.tensor([[2.0, 1.0, 1.0, 0.0]])
    assert zipf_ranks(logits).tolist() == [[1.0, 2.0, 2.0, 4.0]]
    labels = zipf_non_target_labels(logits, torch.tensor([0]))[0]
    total = 1 / 2 + 1 / 3 + 1 / 4  # classes 1 and 2 ranked 2 and 3
    expected = sorted([1 / 2 / total, 1 / 3 / total])
    torch.testing.assert_close(labels[:2].sort().values,
                               torch.tensor(expected))
    torch.testing.assert_close(labels[2], torch.tensor(1 / 4 / total))
