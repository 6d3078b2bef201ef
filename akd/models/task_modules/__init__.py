"""Geometry on priors and boxes that recorders hand to the losses."""
from .localization_regions import (atss_thresholds, distance_iou,
                                   valuable_localization_region)

__all__ = [
    'atss_thresholds', 'distance_iou', 'valuable_localization_region'
]
