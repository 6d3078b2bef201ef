import math

import pytest
import torch

from akd.evaluation.functional import fidelity_sums, kl_rows


def softmax_kl_by_loop(logits_T, logits_S):
    total = []
    for t, s in zip(logits_T.tolist(), logits_S.tolist()):
        zt, zs = sum(math.exp(v) for v in t), sum(math.exp(v) for v in s)
        total.append(
            sum(math.exp(a) / zt * (a - math.log(zt) - b + math.log(zs))
                for a, b in zip(t, s)))
    return total


def bernoulli_kl_by_loop(logits_T, logits_S):
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    total = []
    for t, s in zip(logits_T.tolist(), logits_S.tolist()):
        total.append(
            sum(
                sig(a) * math.log(sig(a) / sig(b)) +
                (1 - sig(a)) * math.log((1 - sig(a)) / (1 - sig(b)))
                for a, b in zip(t, s)))
    return total


@pytest.mark.parametrize('sigmoid,reference',
                         [(False, softmax_kl_by_loop),
                          (True, bernoulli_kl_by_loop)])
def test_kl_matches_reference_loop_on_dense_rows(sigmoid, reference):
    torch.manual_seed(0)
    maps_T, maps_S = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    rows_T = maps_T.permute(0, 2, 3, 1).reshape(-1, 4)  # (N*H*W, C)
    rows_S = maps_S.permute(0, 2, 3, 1).reshape(-1, 4)
    expected = torch.tensor(reference(rows_T, rows_S))
    assert torch.allclose(kl_rows(rows_T, rows_S, sigmoid), expected.float(),
                          rtol=1e-4, atol=1e-6)


def test_sums_count_agreement_and_kl():
    torch.manual_seed(2)
    logits_T, logits_S = torch.randn(50, 6), torch.randn(50, 6)
    count, agree, kl = fidelity_sums(logits_T, logits_S).tolist()
    assert count == 50
    assert agree == sum(
        int(max(range(6), key=t.__getitem__) ==
            max(range(6), key=s.__getitem__))
        for t, s in zip(logits_T.tolist(), logits_S.tolist()))
    assert kl == pytest.approx(sum(softmax_kl_by_loop(logits_T, logits_S)),
                               rel=1e-4)


def test_perfect_agreement_when_student_equals_teacher():
    logits = torch.randn(30, 5)
    count, agree, kl = fidelity_sums(logits, logits.clone()).tolist()
    assert agree == count == 30
    assert abs(kl) < 30 * 5 * torch.finfo(torch.float32).eps


def test_rejects_shape_mismatch_naming_both_shapes():
    with pytest.raises(ValueError, match=r'\(3, 5\) vs \(3, 4\)'):
        fidelity_sums(torch.zeros(3, 5), torch.zeros(3, 4))
