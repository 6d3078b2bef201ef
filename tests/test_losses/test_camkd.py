import doctest
import math

import pytest
import torch

import akd.losses.camkd
from akd.losses import AvatarKDLoss, CAMKDLoss
from akd.structures.per_teacher import PerTeacher


def _reference(student, teachers, labels, tau):
    """CA-MKD with loops over samples, teachers and classes."""
    M, C = student.shape
    K = len(teachers)
    total = 0.
    for i in range(M):
        y = int(labels[i])
        ce = [-math.log(float(t[i].softmax(0)[y])) for t in teachers]
        exp_ce = [math.exp(c) for c in ce]
        q = (student[i] / tau).softmax(0)
        for k, t in enumerate(teachers):
            w = (1 - exp_ce[k] / sum(exp_ce)) / (K - 1)
            p = (t[i] / tau).softmax(0)
            kl = sum(float(p[c]) * math.log(float(p[c] / q[c]))
                     for c in range(C))
            total += w * kl
    return tau**2 * total / M


def _rows(x):
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])  # (N*H*W, C)


@pytest.mark.parametrize('num_teachers', [2, 3])
def test_matches_reference_loop_on_rows(num_teachers):
    torch.manual_seed(0)
    student = torch.randn(7, 5)
    teachers = [torch.randn(7, 5) for _ in range(num_teachers)]
    labels = torch.randint(0, 5, (7, ))
    loss = CAMKDLoss(tau=2.0, loss_weight=3.0)
    torch.testing.assert_close(
        loss(student, teachers, labels),
        torch.tensor(3.0 * _reference(student, teachers, labels, 2.0)))


def test_dense_maps_are_pixel_rows_with_ignored_pixels_left_out():
    torch.manual_seed(0)
    student = torch.randn(2, 4, 3, 5)
    teachers = [torch.randn(2, 4, 3, 5) for _ in range(2)]
    labels = torch.randint(0, 4, (2, 3, 5))
    labels[0, 1, 2] = labels[1, 0, :] = 255
    keep = _rows(labels[:, None]).reshape(-1) != 255
    expected = _reference(_rows(student)[keep],
                          [_rows(t)[keep] for t in teachers],
                          _rows(labels[:, None]).reshape(-1)[keep], 4.0)
    torch.testing.assert_close(
        CAMKDLoss()(student, teachers, labels), torch.tensor(expected))


def test_labels_at_input_resolution_are_resized_by_nearest():
    torch.manual_seed(0)
    student = torch.randn(2, 4, 3, 5)
    teachers = [torch.randn(2, 4, 3, 5) for _ in range(2)]
    labels = torch.randint(0, 4, (2, 1, 3, 5))
    up = labels.repeat_interleave(2, 2).repeat_interleave(2, 3)
    loss = CAMKDLoss()
    torch.testing.assert_close(
        loss(student, teachers, up), loss(student, teachers, labels))


def test_confident_teacher_gets_the_larger_weight():
    labels = torch.tensor([0, 1])
    right = torch.tensor([[5., 0., 0.], [0., 5., 0.]])
    wrong = torch.tensor([[0., 5., 0.], [5., 0., 0.]])
    weights = akd.losses.camkd.confidence_weights([right, wrong], labels)
    assert (weights[0] > 0.9).all() and (weights[1] < 0.1).all()
    torch.testing.assert_close(weights.sum(0), torch.ones(2))


def test_detection_levels_use_positive_anchors_only():
    torch.manual_seed(0)
    A, C = 2, 3
    student = [torch.randn(2, A * C, 2, 3), torch.randn(2, A * C, 1, 2)]
    teachers = PerTeacher([torch.randn_like(x) for x in student]
                          for _ in range(2))
    labels = [torch.randint(0, C + 1, (2, 2 * 3 * A)),
              torch.randint(0, C + 1, (2, 1 * 2 * A))]

    def rows(levels):  # (N, A*C, H, W) -> (N*H*W*A, C), anchor innermost
        return torch.cat([
            x.reshape(2, A, C, *x.shape[2:]).permute(0, 3, 4, 1, 2)
            .reshape(-1, C) for x in levels])

    y = torch.cat([level.reshape(-1) for level in labels])
    keep = y < C
    expected = _reference(rows(student)[keep],
                          [rows(t)[keep] for t in teachers], y[keep], 1.0)
    loss = CAMKDLoss(tau=1.0, num_classes=C)
    torch.testing.assert_close(
        loss(student, teachers, labels), torch.tensor(expected))


@pytest.mark.parametrize('arg', ['tau', 'loss_weight'])
def test_every_argument_changes_the_value(arg):
    torch.manual_seed(0)
    inputs = (torch.randn(6, 4), [torch.randn(6, 4), torch.randn(6, 4)],
              torch.randint(0, 4, (6, )))
    assert CAMKDLoss(**{arg: 2.0})(*inputs) != CAMKDLoss()(*inputs)


def test_zero_when_every_teacher_equals_the_student():
    student = torch.randn(2, 4, 3, 3)
    labels = torch.randint(0, 4, (2, 3, 3))
    loss = CAMKDLoss()(student, [student.clone(), student.clone()], labels)
    torch.testing.assert_close(loss, torch.tensor(0.))


def test_all_pixels_ignored_gives_a_zero_that_backpropagates():
    student = torch.randn(1, 3, 2, 2, requires_grad=True)
    labels = torch.full((1, 2, 2), 255)
    loss = CAMKDLoss()(student, [torch.randn(1, 3, 2, 2)] * 2, labels)
    loss.backward()
    assert loss.item() == 0 and student.grad is not None


def test_rejects_a_single_teacher_naming_the_recorder():
    with pytest.raises(ValueError, match='EnsembleOutputs'):
        CAMKDLoss()(torch.randn(2, 3), torch.randn(2, 3), torch.zeros(2))


def test_rejects_a_nonpositive_tau():
    with pytest.raises(ValueError, match='tau'):
        CAMKDLoss(tau=0)


def test_runs_inside_avatar_kd_with_ensemble_avatars():
    torch.manual_seed(0)
    student = torch.randn(2, 4, 3, 5, requires_grad=True)
    teachers = PerTeacher(torch.randn(2, 4, 3, 5) for _ in range(2))
    labels = torch.randint(0, 4, (2, 3, 5))
    akd = AvatarKDLoss(base_loss=dict(type='CAMKDLoss'), num_avatars=3,
                       standardize=False, weighting='variance')
    akd(student, teachers, labels).backward()
    assert student.grad.abs().sum() > 0
    same = AvatarKDLoss(base_loss=dict(type='CAMKDLoss'), standardize=False,
                        weighting='uniform',
                        perturbation=dict(type='AvatarDropout', p=0.0))
    torch.testing.assert_close(
        same(student, teachers, labels),
        CAMKDLoss()(student, teachers, labels))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.camkd)
    assert result.attempted > 0 and result.failed == 0


def test_avatar_kd_splits_teachers_of_levels_level_by_level():
    torch.manual_seed(0)
    student = [torch.randn(2, 6, 2, 3), torch.randn(2, 6, 1, 2)]
    teachers = PerTeacher([torch.randn_like(x) for x in student]
                          for _ in range(2))
    labels = [torch.randint(0, 4, (2, 2 * 3 * 2)),
              torch.randint(0, 4, (2, 1 * 2 * 2))]
    akd = AvatarKDLoss(base_loss=dict(type='CAMKDLoss', num_classes=3),
                       standardize=False, weighting='uniform',
                       perturbation=dict(type='AvatarDropout', p=0.0))
    plain = CAMKDLoss(num_classes=3)
    expected = sum(
        plain(student[i], [t[i] for t in teachers], labels[i])
        for i in range(2))
    torch.testing.assert_close(akd(student, teachers, labels), expected)
