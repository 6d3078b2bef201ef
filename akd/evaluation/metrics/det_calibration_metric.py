"""Calibration of a detector's scores: detection ECE (D-ECE).

Küppers et al., "Multivariate Confidence Calibration for Object
Detection", CVPR Workshops 2020. https://arxiv.org/abs/2004.13546
(the netcal code was read for its matching rule, not copied).
"""
from typing import Dict, Optional, Sequence

import torch
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmengine.evaluator import BaseMetric
from mmrazor.registry import METRICS
from torch import Tensor

from ...visualization.reliability_diagram import save_reliability_diagram
from ..functional.calibration import (calibration_bins, checked_num_bins,
                                      expected_calibration_error)


def detection_hits(bboxes: Tensor, labels: Tensor, gt_bboxes: Tensor,
                   gt_labels: Tensor, iou_thr: float) -> Tensor:
    """Whether each detection is a true positive: its best-overlapping
    ground-truth box (of any class) reaches ``iou_thr`` and has its class.

    As in Küppers et al., several detections may hit the same box, and
    missed boxes do not count (the score is read as a precision).

    Args:
        bboxes (Tensor): ``(D, 4)`` detections, x1y1x2y2.
        labels (Tensor): ``(D, )`` their classes.
        gt_bboxes (Tensor): ``(G, 4)`` ground truth, same coordinates.
        gt_labels (Tensor): ``(G, )``.
        iou_thr (float): Least IoU of a hit.

    Returns:
        Tensor: ``(D, )`` bool.
    """
    if len(gt_bboxes) == 0 or len(bboxes) == 0:
        return bboxes.new_zeros(len(bboxes), dtype=torch.bool)
    iou, best = bbox_overlaps(bboxes, gt_bboxes).max(dim=1)  # (D, ), (D, )
    return (iou >= iou_thr) & (gt_labels[best] == labels)


@METRICS.register_module()
class DetCalibrationMetric(BaseMetric):
    """D-ECE of the final detections (after NMS), by score.

    Each detection j with score s_j >= ``score_thr`` is a hit h_j when its
    best-overlapping ground-truth box (any class) has IoU >= ``iou_thr`` and
    the same class (:func:`detection_hits`). With the detections in M
    equal-width score bins D_m = ((m-1)/M, m/M]:

        ``calibration/d_ece`` = sum_m |D_m|/|D| * |prec(D_m) - conf(D_m)|,

    prec the share of hits and conf the mean score of the bin, over all
    detections of the set and all classes together. Boxes are compared in
    the original image's coordinates, where mmdet puts both the rescaled
    predictions and the annotations (its test pipelines load annotations
    after ``Resize``).

    Args:
        num_bins (int): M. Defaults to 15.
        score_thr (float): Least score of a counted detection. Defaults to
            0.3, as in the netcal detection example.
        iou_thr (float): Least IoU of a hit. Defaults to 0.5.
        diagram_file (str, optional): Where to write the reliability diagram
            (PNG) at each evaluation. Defaults to None (no picture).
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): Defaults to ``'calibration'``.
    """

    default_prefix = 'calibration'

    def __init__(self,
                 num_bins: int = 15,
                 score_thr: float = 0.3,
                 iou_thr: float = 0.5,
                 diagram_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        for key, value in (('score_thr', score_thr), ('iou_thr', iou_thr)):
            if not 0 <= value <= 1:
                raise ValueError(f'DetCalibrationMetric.{key} must be in '
                                 f'[0, 1], got {value}')
        self.num_bins = checked_num_bins(num_bins,
                                         'DetCalibrationMetric.num_bins')
        self.score_thr, self.iou_thr = score_thr, iou_thr
        self.diagram_file = diagram_file

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'bboxes' not in sample.get('gt_instances', {}):
                raise ValueError(
                    'DetCalibrationMetric needs the boxes of the '
                    "evaluated images: add dict(type='LoadAnnotations', "
                    'with_bbox=True) to test_pipeline, after Resize (as '
                    "mmdet's configs do).")
            pred, gt = sample['pred_instances'], sample['gt_instances']
            device = pred['scores'].device
            kept = pred['scores'] >= self.score_thr
            hits = detection_hits(
                get_box_tensor(pred['bboxes'])[kept], pred['labels'][kept],
                get_box_tensor(gt['bboxes']).to(device),
                gt['labels'].to(device), self.iou_thr)
            self.results.append(
                calibration_bins(pred['scores'][kept], hits,
                                 self.num_bins).cpu())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        bins = sum(results, torch.zeros(3, self.num_bins,
                                        dtype=torch.float64))
        if self.diagram_file:
            save_reliability_diagram(bins, self.diagram_file, 'detections',
                                     'precision')
        return dict(d_ece=expected_calibration_error(bins))
