import math

import pytest
import torch

from akd.evaluation.functional.response_stats import (response_statistics,
                                                      response_sums)


def statistics_by_loop(probs, targets):
    rows, K = probs.tolist(), probs.shape[1]
    ent = [-sum(v * math.log(v) for v in r if v > 0) for r in rows]
    ntm = [1 - r[y] for r, y in zip(rows, targets.tolist())]
    nte = []
    for r, y in zip(rows, targets.tolist()):
        others = [v for k, v in enumerate(r) if k != y]
        total = sum(others)
        nte.append(-sum(v / total * math.log(v / total)
                        for v in others if v > 0) / math.log(K - 1))
    means = {}
    for c in set(targets.tolist()):
        members = [r for r, y in zip(rows, targets.tolist()) if y == c]
        means[c] = [sum(col) / len(members) for col in zip(*members)]
    cosines = []
    for a in means:
        for b in means:
            if a != b:
                u = [v for k, v in enumerate(means[a]) if k not in (a, b)]
                w = [v for k, v in enumerate(means[b]) if k not in (a, b)]
                dot = sum(x * y for x, y in zip(u, w))
                cosines.append(dot / math.sqrt(sum(x * x for x in u) *
                                               sum(y * y for y in w)))
    n = len(rows)
    return dict(entropy=sum(ent) / n, non_target_mass=sum(ntm) / n,
                non_target_entropy=sum(nte) / n,
                class_similarity=sum(cosines) / len(cosines))


def test_matches_reference_loop_on_dense_pixels():
    torch.manual_seed(0)
    logits = torch.randn(2, 6, 4, 5) * 2  # (N, K, H, W)
    labels = torch.randint(0, 4, (2, 4, 5))  # classes 4 and 5 absent
    probs = logits.softmax(dim=1).permute(0, 2, 3, 1).reshape(-1, 6)
    stats = response_statistics(response_sums(probs, labels.flatten()))
    expected = statistics_by_loop(probs, labels.flatten())
    for key, value in expected.items():
        assert stats[key] == pytest.approx(value, rel=1e-6), key


def test_sums_of_two_batches_give_the_whole_set():
    torch.manual_seed(1)
    probs = torch.rand(40, 5).softmax(dim=1)
    targets = torch.randint(0, 5, (40, ))
    halves = [response_sums(probs[s], targets[s])
              for s in (slice(0, 13), slice(13, 40))]
    added = {k: halves[0][k] + halves[1][k] for k in halves[0]}
    whole = response_statistics(response_sums(probs, targets))
    assert response_statistics(added) == pytest.approx(whole, rel=1e-9)


def test_uniform_responses_have_full_entropy_and_identical_classes():
    probs = torch.full((6, 5), 0.2)
    stats = response_statistics(
        response_sums(probs, torch.tensor([0, 1, 2, 0, 1, 2])))
    assert stats['entropy'] == pytest.approx(math.log(5))
    assert stats['non_target_mass'] == pytest.approx(0.8)
    assert stats['non_target_entropy'] == pytest.approx(1.0)
    assert stats['class_similarity'] == pytest.approx(1.0)


def test_one_hot_responses_have_no_dark_knowledge():
    targets = torch.tensor([0, 1, 2])
    probs = torch.eye(3)[targets]
    stats = response_statistics(response_sums(probs, targets))
    assert stats['entropy'] == 0 and stats['non_target_mass'] == 0


def test_nan_without_rows_or_without_two_classes():
    stats = response_statistics(
        response_sums(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)))
    assert all(math.isnan(v) for v in stats.values())
    one_class = response_statistics(
        response_sums(torch.full((2, 4), 0.25), torch.tensor([1, 1])))
    assert math.isnan(one_class['class_similarity'])
    assert one_class['entropy'] == pytest.approx(math.log(4))


def test_two_classes_have_no_third_to_compare_on():
    stats = response_statistics(
        response_sums(torch.tensor([[0.7, 0.3], [0.2, 0.8]]),
                      torch.tensor([0, 1])))
    assert math.isnan(stats['class_similarity'])
    assert stats['non_target_mass'] == pytest.approx(0.25)


def test_no_batches_give_nan():
    from akd.evaluation.functional.response_stats import added_response_sums
    stats = response_statistics(added_response_sums([]))
    assert all(math.isnan(v) for v in stats.values())
