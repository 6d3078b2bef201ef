"""Metrics a config adds to ``val_evaluator``/``test_evaluator`` beside
mAP or mIoU: fidelity to a teacher, calibration, and how soft the
responses are."""
from .det_calibration_metric import DetCalibrationMetric
from .det_fidelity_metric import DetFidelityMetric
from .det_response_metric import DetResponseMetric
from .seg_calibration_metric import SegCalibrationMetric
from .seg_fidelity_metric import SegFidelityMetric
from .seg_response_metric import SegResponseMetric

__all__ = [
    'DetCalibrationMetric', 'DetFidelityMetric', 'DetResponseMetric',
    'SegCalibrationMetric', 'SegFidelityMetric', 'SegResponseMetric'
]
