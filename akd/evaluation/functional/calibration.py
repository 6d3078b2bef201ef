"""Expected calibration error over equal-width confidence bins.

Guo et al., "On Calibration of Modern Neural Networks", ICML 2017.
https://arxiv.org/abs/1706.04599

Per-bin sums are returned rather than the error itself, so that batches and
DDP ranks add up before the one division at the end.
"""
import torch
from torch import Tensor


def checked_num_bins(num_bins, key: str) -> int:
    """``num_bins`` if it is an int >= 1, else a ValueError naming ``key``
    (e.g. ``SegCalibrationMetric.num_bins``)."""
    if not isinstance(num_bins, int) or num_bins < 1:
        raise ValueError(f'{key} must be an int >= 1, got {num_bins!r}')
    return num_bins


def calibration_bins(confidence: Tensor, correct: Tensor,
                     num_bins: int) -> Tensor:
    """Count, confidence sum and hit count of each bin.

    Bin m (1-based) holds the confidences in ((m-1)/M, m/M]; a confidence of
    exactly 0 goes to the first bin.

    Args:
        confidence (Tensor): ``(N, )`` confidences in [0, 1].
        correct (Tensor): ``(N, )`` bool, whether each prediction is right.
        num_bins (int): M.

    Returns:
        Tensor: ``(3, M)`` float64 rows: count, sum of confidences, hits.
    """
    confidence = confidence.detach().double().flatten()
    index = (confidence * num_bins).ceil().long().clamp_(1, num_bins) - 1
    bins = torch.zeros(3, num_bins, dtype=torch.float64,
                       device=confidence.device)
    bins[0].index_add_(0, index, torch.ones_like(confidence))
    bins[1].index_add_(0, index, confidence)
    bins[2].index_add_(0, index, correct.detach().flatten().double())
    return bins


def expected_calibration_error(bins: Tensor) -> float:
    """ECE = sum_m |B_m| / N * |acc(B_m) - conf(B_m)|.

    Equal to ``sum_m |hits_m - confidence_sum_m| / N``; empty bins add
    nothing. NaN when no prediction was counted.

    Args:
        bins (Tensor): ``(3, M)`` as :func:`calibration_bins` returns,
            summed over batches.
    """
    count, confidence_sum, hits = bins
    total = count.sum()
    if total == 0:
        return float('nan')
    return float((hits - confidence_sum).abs().sum() / total)
