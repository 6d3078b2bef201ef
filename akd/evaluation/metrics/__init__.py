"""Metrics a config adds to ``val_evaluator``/``test_evaluator`` beside
mAP or mIoU: fidelity to a teacher and calibration."""
from .det_calibration_metric import DetCalibrationMetric
from .det_fidelity_metric import DetFidelityMetric
from .seg_calibration_metric import SegCalibrationMetric
from .seg_fidelity_metric import SegFidelityMetric

__all__ = [
    'DetCalibrationMetric', 'DetFidelityMetric', 'SegCalibrationMetric',
    'SegFidelityMetric'
]
