"""Evaluation beyond the task metric: what a student learned from its
teacher (fidelity) and how well its confidences hold (calibration)."""
from . import metrics  # noqa: F401  (registers them)
