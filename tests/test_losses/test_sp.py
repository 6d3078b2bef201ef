import doctest
import math

import pytest
import torch
from mmrazor.registry import MODELS

import akd.losses.sp
from akd.losses import AvatarKDLoss
from akd.losses.sp import SPLoss
from tolerances import assert_close_float32


def _reference(S, T):
    """1/b^2 ||G~_T - G~_S||_F^2 with G~ built entry by entry."""
    b = S.shape[0]

    def gram(A):
        rows = [A[i].flatten().tolist() for i in range(b)]
        G = [[sum(x * y for x, y in zip(rows[i], rows[j])) for j in range(b)]
             for i in range(b)]
        norms = [math.sqrt(sum(g * g for g in G[i])) for i in range(b)]
        return [[G[i][j] / norms[i] for j in range(b)] for i in range(b)]

    G_S, G_T = gram(S), gram(T)
    return sum(
        (G_T[i][j] - G_S[i][j])**2 for i in range(b) for j in range(b)) / b**2


@pytest.mark.parametrize('shapes', [
    ((3, 4, 5, 6), (3, 4, 5, 6)),
    ((3, 2, 4, 4), (3, 5, 2, 3)),
    ((4, 7), (4, 3, 2, 2)),
],
                         ids=['same-shape', 'other-C-H-W', 'vector-vs-map'])
def test_matches_reference_loop(shapes):
    torch.manual_seed(0)
    S, T = torch.randn(shapes[0]), torch.randn(shapes[1])
    loss = SPLoss(loss_weight=3.0)
    torch.testing.assert_close(loss(S, T),
                               torch.tensor(3.0 * _reference(S, T)))


def test_student_and_teacher_may_differ_in_channels_and_size():
    torch.manual_seed(0)
    S = torch.randn(4, 8, 3, 3, requires_grad=True)
    value = SPLoss()(S, torch.randn(4, 32, 6, 6))
    value.backward()
    assert value.item() > 0 and S.grad.abs().sum() > 0


def test_zero_when_student_equals_teacher_up_to_scale():
    T = torch.randn(3, 4, 5, 6)
    assert SPLoss()(T.clone(), T).item() < 1e-12
    assert SPLoss()(7.0 * T, T).item() < 1e-12


def test_zero_for_a_batch_of_one():
    torch.manual_seed(0)
    S, T = torch.randn(1, 4, 5, 6), torch.randn(1, 8, 3, 2)
    assert SPLoss()(S, T).item() == 0
    assert SPLoss()(torch.zeros(1, 4, 5, 6), T).item() == 1.0  # [0] vs [1]


def test_does_not_grow_with_resolution():
    torch.manual_seed(0)
    S, T = torch.randn(3, 4, 3, 5), torch.randn(3, 6, 3, 5)
    up = lambda x: x.repeat_interleave(2, 2).repeat_interleave(2, 3)  # noqa
    torch.testing.assert_close(SPLoss()(up(S), up(T)), SPLoss()(S, T))


def test_tuple_of_levels_sums_the_pairs():
    torch.manual_seed(0)
    S = (torch.randn(3, 4, 8, 8), torch.randn(3, 4, 4, 4))
    T = (torch.randn(3, 6, 8, 8), torch.randn(3, 6, 4, 4))
    loss = SPLoss(loss_weight=2.0)
    torch.testing.assert_close(loss(S, T), loss(S[0], T[0]) + loss(S[1], T[1]))
    torch.testing.assert_close(
        loss(list(S), list(T)),
        torch.tensor(2.0 * (_reference(S[0], T[0]) + _reference(S[1], T[1]))))


def test_loss_weight_changes_the_result():
    torch.manual_seed(0)
    S, T = torch.randn(3, 4, 5, 6), torch.randn(3, 4, 5, 6)
    torch.testing.assert_close(
        SPLoss(loss_weight=3000.0)(S, T), 3000.0 * SPLoss()(S, T))


def test_runs_inside_avatar_kd_loss():
    torch.manual_seed(0)
    S = torch.randn(4, 8, 5, 6, requires_grad=True)
    loss = AvatarKDLoss(base_loss=dict(type='SPLoss'),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    value = loss(S, torch.randn(4, 8, 5, 6))
    value.backward()
    assert value.item() > 0 and S.grad.abs().sum() > 0


def test_avatar_kd_without_perturbation_equals_plain_loss():
    torch.manual_seed(0)
    S = (torch.randn(4, 8, 5, 6), torch.randn(4, 8, 3, 3))
    T = (torch.randn(4, 8, 5, 6), torch.randn(4, 8, 3, 3))
    wrapped = AvatarKDLoss(base_loss=dict(type='SPLoss', loss_weight=2.0),
                           num_avatars=1,
                           perturbation=dict(type='AvatarDropout', p=0.0),
                           standardize=False, weighting='uniform')
    torch.testing.assert_close(wrapped(S, T), SPLoss(loss_weight=2.0)(S, T))


def test_builds_from_the_registry():
    loss = MODELS.build(dict(_scope_='mmrazor', type='SPLoss',
                             loss_weight=3.0))
    assert isinstance(loss, SPLoss)
    assert repr(loss) == 'SPLoss(loss_weight=3.0)'


def test_rejects_batch_size_and_level_count_mismatch():
    with pytest.raises(ValueError, match=r'\(3, 4, 5\).*\(2, 4, 5\)'):
        SPLoss()(torch.randn(3, 4, 5), torch.randn(2, 4, 5))
    with pytest.raises(ValueError, match='2 tensors .* 1 tensors'):
        SPLoss()((torch.randn(3, 4), ) * 2, (torch.randn(3, 4), ))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.sp)
    assert result.attempted > 0 and result.failed == 0


def test_autocast_keeps_the_gram_finite():
    """AMP runs matmul in float16; a Gram of 96k large terms overflows it."""
    torch.manual_seed(0)
    S, T = torch.randn(2, 16, 60, 100) * 50, torch.randn(2, 16, 60, 100) * 50
    expected = SPLoss()(S, T)
    with torch.autocast('cpu', dtype=torch.float16):
        value = SPLoss()(S, T)
    assert_close_float32(value, expected)  # relative: the value is ~4e-6
