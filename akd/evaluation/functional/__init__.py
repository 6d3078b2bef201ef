"""The maths of the metrics, as plain functions of tensors."""
from .calibration import calibration_bins, expected_calibration_error
from .fidelity import fidelity_sums, kl_rows

__all__ = [
    'calibration_bins', 'expected_calibration_error', 'fidelity_sums',
    'kl_rows'
]
