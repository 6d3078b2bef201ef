import math

import pytest
import torch

from akd.evaluation.functional import (calibration_bins,
                                       expected_calibration_error)


def ece_by_loop(confidence, correct, num_bins):
    """Guo et al.'s ECE, one bin at a time, bins ((m-1)/M, m/M]."""
    total, error = len(confidence), 0.0
    for m in range(1, num_bins + 1):
        low, high = (m - 1) / num_bins, m / num_bins
        members = [
            i for i, c in enumerate(confidence.tolist())
            if low < c <= high or (m == 1 and c == 0)
        ]
        if not members:
            continue
        accuracy = sum(bool(correct[i]) for i in members) / len(members)
        mean_conf = sum(confidence[i].item() for i in members) / len(members)
        error += len(members) / total * abs(accuracy - mean_conf)
    return error


def test_matches_reference_loop_on_dense_pixels():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 6, 7) * 3  # (N, C, H, W)
    labels = torch.randint(0, 5, (2, 6, 7))
    confidence, predicted = logits.softmax(dim=1).max(dim=1)  # (N, H, W)
    correct = predicted == labels
    bins = calibration_bins(confidence, correct, 10)
    assert bins[0].sum() == 2 * 6 * 7
    expected = ece_by_loop(confidence.flatten(), correct.flatten(), 10)
    assert expected_calibration_error(bins) == pytest.approx(expected,
                                                             rel=1e-9)


def test_bin_edges_are_open_left_closed_right():
    # edges exact in float32: 0.25 belongs to the first of 4 bins
    confidence = torch.tensor([0.0, 0.25, 0.2500001, 0.5, 1.0])
    count = calibration_bins(confidence, torch.ones(5, dtype=torch.bool),
                             4)[0]
    assert count.tolist() == [2, 2, 0, 1]


def test_sums_over_batches_equal_one_pass():
    torch.manual_seed(1)
    confidence, correct = torch.rand(100), torch.rand(100) > 0.4
    whole = calibration_bins(confidence, correct, 15)
    parts = (calibration_bins(confidence[:37], correct[:37], 15) +
             calibration_bins(confidence[37:], correct[37:], 15))
    assert torch.allclose(whole, parts, rtol=1e-12)


def test_zero_when_confidence_equals_accuracy_in_every_bin():
    # one bin holds 4 predictions at 0.75 confidence, 3 of them right
    confidence = torch.full((4, ), 0.75)
    correct = torch.tensor([True, True, True, False])
    assert expected_calibration_error(
        calibration_bins(confidence, correct, 15)) == pytest.approx(0)


def test_nan_when_nothing_was_counted():
    bins = calibration_bins(torch.zeros(0), torch.zeros(0, dtype=torch.bool),
                            15)
    assert math.isnan(expected_calibration_error(bins))
