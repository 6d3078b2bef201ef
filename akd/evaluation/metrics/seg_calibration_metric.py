"""Per-pixel calibration of a segmentor: expected calibration error.

Guo et al., "On Calibration of Modern Neural Networks", ICML 2017.
https://arxiv.org/abs/1706.04599
"""
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmrazor.registry import METRICS

from ...visualization.reliability_diagram import save_reliability_diagram
from ..dense_predictions import labelled_pixel_rows
from ..functional.calibration import (calibration_bins, checked_num_bins,
                                      expected_calibration_error)


@METRICS.register_module()
class SegCalibrationMetric(BaseMetric):
    """ECE over the labelled pixels of the evaluation set.

    Each labelled pixel i (ground truth other than ``ignore_index``) has the
    confidence p_i = max_c softmax(s_i)_c of the segmentor's logits s_i at
    the original image size, and is right when argmax_c s_ic is its label.
    With the pixels in M equal-width confidence bins B_m = ((m-1)/M, m/M]:

        ``calibration/ece`` = sum_m |B_m|/N * |acc(B_m) - conf(B_m)|,

    summed over every pixel of the set (not averaged per image).

    Args:
        num_bins (int): M. Defaults to 15 (Guo et al.).
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.
        diagram_file (str, optional): Where to write the reliability diagram
            (PNG) at each evaluation. Defaults to None (no picture).
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): Defaults to ``'calibration'``.
    """

    default_prefix = 'calibration'

    def __init__(self,
                 num_bins: int = 15,
                 ignore_index: int = 255,
                 diagram_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_bins = checked_num_bins(num_bins,
                                         'SegCalibrationMetric.num_bins')
        self.ignore_index = ignore_index
        self.diagram_file = diagram_file

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            logits, labels = labelled_pixel_rows(sample['seg_logits']['data'],
                                                 sample['gt_sem_seg']['data'],
                                                 self.ignore_index)
            confidence, predicted = logits.float().softmax(dim=1).max(dim=1)
            self.results.append(
                calibration_bins(confidence, predicted == labels,
                                 self.num_bins).cpu())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        bins = sum(results, torch.zeros(3, self.num_bins,
                                        dtype=torch.float64))
        if self.diagram_file:
            save_reliability_diagram(bins, self.diagram_file,
                                     'pixels', 'accuracy')
        return dict(ece=expected_calibration_error(bins))
