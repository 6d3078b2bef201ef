"""LD's valuable localization region against loops over boxes and priors."""
import statistics

import akd  # noqa: F401
import torch
from akd.models.task_modules import (atss_thresholds, distance_iou,
                                     valuable_localization_region)
from mmdet.models.task_modules import ATSSAssigner
from mmdet.structures.bbox import bbox_overlaps
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from tolerances import assert_close_float32


def _grid(size, stride, extent=64):
    """Square priors of side ``size`` on a grid of ``stride``."""
    centres = torch.arange(stride / 2, extent, stride)
    y, x = torch.meshgrid(centres, centres, indexing='ij')
    c = torch.stack([x.reshape(-1), y.reshape(-1)], 1)
    return torch.cat([c - size / 2, c + size / 2], 1)


PRIORS = [_grid(16, 8), _grid(32, 16)]
NUM = [len(p) for p in PRIORS]
ALL = torch.cat(PRIORS)
# centres off the grid's symmetry axes: no ties among the nearest priors
GT = torch.tensor([[6.3, 10.7, 30.1, 40.9], [30.6, 28.2, 60.3, 50.4]])


def _iou(a, b):
    w = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area - inter)


def _centre(box):
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _diou(a, b):
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    rho2 = (ax - bx)**2 + (ay - by)**2
    c2 = ((max(a[2], b[2]) - min(a[0], b[0]))**2 +
          (max(a[3], b[3]) - min(a[1], b[1]))**2)
    return _iou(a, b) - rho2 / c2


def _threshold(gt, topk=9):
    ious = []
    for level in PRIORS:
        boxes = level.tolist()
        gx, gy = _centre(gt)
        nearest = sorted(
            range(len(boxes)),
            key=lambda i: ((_centre(boxes[i])[0] - gx)**2 +
                           (_centre(boxes[i])[1] - gy)**2))[:topk]
        ious += [_iou(boxes[i], gt) for i in nearest]
    return statistics.mean(ious) + statistics.stdev(ious)


def test_thresholds_are_atss_mean_plus_std_of_the_nearest_priors():
    expected = torch.tensor([_threshold(g) for g in GT.tolist()])
    assert_close_float32(atss_thresholds(ALL, NUM, GT), expected)


def test_thresholds_select_the_positives_of_mmdets_atss_assigner():
    # the assigner builds its IoU calculator in the default scope, which an
    # earlier test on this worker may have left as mmseg
    with DefaultScope.overwrite_default_scope('mmdet'):
        assigner = ATSSAssigner(topk=9)
    result = assigner.assign(
        InstanceData(priors=ALL), NUM,
        InstanceData(bboxes=GT, labels=torch.tensor([0, 1])))
    positive = result.gt_inds > 0
    thresholds = atss_thresholds(ALL, NUM, GT)
    best = bbox_overlaps(ALL, GT)[positive].max(1)
    assert (best[0] >= thresholds[best[1]]).all()


def test_distance_iou_matches_the_formula_per_pair():
    expected = torch.tensor([[_diou(p, g) for g in GT.tolist()]
                             for p in ALL.tolist()])
    assert_close_float32(distance_iou(ALL, GT), expected)


def test_region_priors_and_weights_match_a_loop():
    thresholds = [_threshold(g) for g in GT.tolist()]
    expected = []
    for prior in ALL.tolist():
        inside = [
            _iou(prior, g) for g, thr in zip(GT.tolist(), thresholds)
            if 0.25 * thr <= _diou(prior, g) < thr
        ]
        expected.append(max(inside, default=0.))
    weights = valuable_localization_region(ALL, NUM, GT)
    assert_close_float32(weights, torch.tensor(expected))
    assert (weights > 0).sum() > 5  # the case has a region


def test_no_boxes_no_region():
    assert not valuable_localization_region(ALL, NUM, GT[:0]).any()
