"""LD's valuable localization region against loops over boxes and priors."""
import math
import statistics

import pytest
import torch
from mmdet.models.task_modules import ATSSAssigner
from mmdet.structures.bbox import bbox_overlaps
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import akd  # noqa: F401
from akd.models.recorders.label_recorders import LDRegionsRecorder
from akd.models.task_modules import (atss_thresholds, distance_iou,
                                     valuable_localization_region)
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


def _iof(a, b):
    """The intersection over the first box's area."""
    w = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]))


def _centre(box):
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _diou(a, b, overlap='iou'):
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    rho2 = (ax - bx)**2 + (ay - by)**2
    c2 = ((max(a[2], b[2]) - min(a[0], b[0]))**2 +
          (max(a[3], b[3]) - min(a[1], b[1]))**2)
    return (_iof if overlap == 'iof' else _iou)(a, b) - rho2 / c2


def _threshold(gt, topk=9, levels=PRIORS):
    ious = []
    for level in levels:
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


@pytest.mark.parametrize('overlap', ['iou', 'iof'])
def test_distance_iou_matches_the_formula_per_pair(overlap):
    expected = torch.tensor([[_diou(p, g, overlap) for g in GT.tolist()]
                             for p in ALL.tolist()])
    assert_close_float32(distance_iou(ALL, GT, overlap), expected)


@pytest.mark.parametrize('overlap', ['iou', 'iof'])
def test_region_priors_and_weights_match_a_loop(overlap):
    thresholds = [_threshold(g) for g in GT.tolist()]
    expected = []
    for prior in ALL.tolist():
        inside = [
            _iou(prior, g) for g, thr in zip(GT.tolist(), thresholds)
            if 0.25 * thr <= _diou(prior, g, overlap) < thr
        ]
        expected.append(max(inside, default=0.))
    weights = valuable_localization_region(ALL, NUM, GT, overlap=overlap)
    assert_close_float32(weights, torch.tensor(expected))
    assert (weights > 0).sum() > 5  # the case has a region


def test_the_released_overlap_and_the_papers_select_other_priors():
    released = valuable_localization_region(ALL, NUM, GT) > 0
    paper = valuable_localization_region(ALL, NUM, GT, overlap='iou') > 0
    assert (released != paper).any()


# LD's released code, written out: ``ATSSAssigner.assign_neg`` of
# github.com/HikariTJU/LD on one image's priors inside the image, then
# mmdet's unmap (0 outside). Its threshold is ATSS's over the 9 nearest
# priors of each level; its region takes every prior; its "diou" divides
# the overlap by the prior's area; a prior's weight is its largest IoU
# among the boxes whose region holds it.

def _released_region(priors_per_level, inside_per_level, gts):
    """Weights of all priors, level after level, by loops."""
    levels = [[p for p, ok in zip(level, flags) if ok]
              for level, flags in zip(priors_per_level, inside_per_level)]
    inside = [p for level in levels for p in level]
    weights = {}
    for prior in inside:
        best = -math.inf
        for gt in gts:
            thr = _threshold(gt, levels=[torch.tensor(v) for v in levels])
            if 0.25 * thr <= _diou(prior, gt, 'iof') < thr:
                best = max(best, _iou(prior, gt))
        weights[tuple(prior)] = 0. if best == -math.inf else best
    return [
        weights.get(tuple(p), 0.) if ok else 0.
        for level, flags in zip(priors_per_level, inside_per_level)
        for p, ok in zip(level, flags)
    ]


def _batch_grid(height, width, strides=(8, 16), sizes=(16, 32)):
    """Square priors over a (height, width) canvas, per level, row-major as
    mmdet lays them out."""
    levels = []
    for stride, size in zip(strides, sizes):
        ys = torch.arange(stride / 2, height, stride)
        xs = torch.arange(stride / 2, width, stride)
        y, x = torch.meshgrid(ys, xs, indexing='ij')
        c = torch.stack([x.reshape(-1), y.reshape(-1)], 1)
        levels.append(torch.cat([c - size / 2, c + size / 2], 1))
    return levels


def _valid(level, stride, height, width):
    """mmdet's valid flags: within the image's own padded size."""
    cx = (level[:, 0] + level[:, 2]) / 2
    cy = (level[:, 1] + level[:, 3]) / 2
    return ((cx < math.ceil(width / stride) * stride)
            & (cy < math.ceil(height / stride) * stride))


def _regions(images, height, width):
    """LDRegions' weights for ``images`` [(h, w, gts)] batched on a
    (height, width) canvas: per image, the flat weights of all priors."""
    levels = _batch_grid(height, width)
    image_priors = [torch.cat(levels)] * len(images)  # (P, 4) each
    inside = [
        torch.cat([
            _valid(level, stride, h, w)
            for level, stride in zip(levels, (8, 16))
        ]) for h, w, _ in images
    ]
    gts = [type('GT', (), dict(bboxes=gt)) for _, _, gt in images]
    per_level = LDRegionsRecorder()._vlr_weights(
        image_priors, [len(level) for level in levels], inside, gts)
    return levels, [torch.cat([w[i] for w in per_level])
                    for i in range(len(images))]


# a 32 x 48 (h x w) image, its size a multiple of the strides as mmdet pads
# it (pad_size_divisor), batched with a 64 x 64 one
SMALL = (32, 48, torch.tensor([[6.3, 4.7, 30.1, 27.9], [25.6, 10.2, 44.3,
                                                        30.4]]))
LARGE = (64, 64, torch.tensor([[10.5, 9.1, 50.3, 57.7]]))


def test_regions_follow_the_released_code_with_padding_in_the_batch():
    levels, (small, large) = _regions([SMALL, LARGE], 64, 64)
    for (h, w, gt), weights in ((SMALL, small), (LARGE, large)):
        flags = [_valid(level, s, h, w).tolist()
                 for level, s in zip(levels, (8, 16))]
        expected = _released_region([level.tolist() for level in levels],
                                    flags, gt.tolist())
        assert_close_float32(weights, torch.tensor(expected))
    assert (small > 0).sum() > 3 and (large > 0).sum() > 3


def test_padding_changes_nothing_for_the_smaller_image():
    """The same image alone (its own grid) and batched with a larger one:
    its priors in the padding weigh 0, the others as alone."""
    levels_alone, (alone, ) = _regions([SMALL], 32, 48)
    levels_batched, (batched, _) = _regions([SMALL, LARGE], 64, 64)
    by_prior = dict(zip(map(tuple, torch.cat(levels_alone).tolist()),
                        alone.tolist()))
    expected = [
        by_prior.get(prior, 0.0)
        for prior in map(tuple, torch.cat(levels_batched).tolist())
    ]
    assert_close_float32(batched, torch.tensor(expected))
    assert (alone > 0).sum() > 3


def test_no_boxes_no_region():
    assert not valuable_localization_region(ALL, NUM, GT[:0]).any()
