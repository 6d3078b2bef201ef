"""The maths of the metrics, as plain functions of tensors."""
from .calibration import (calibration_bins, checked_num_bins,
                          expected_calibration_error)
from .fidelity import fidelity_metrics, fidelity_sums, kl_rows
from .response_stats import response_statistics, response_sums

__all__ = [
    'calibration_bins', 'checked_num_bins', 'expected_calibration_error',
    'fidelity_metrics', 'fidelity_sums', 'kl_rows', 'response_statistics',
    'response_sums'
]
