"""LD's valuable localization region (VLR) around each ground-truth box.

Zheng et al., "Localization Distillation for Dense Object Detection",
CVPR 2022. https://arxiv.org/abs/2102.12252 (official code, read, not
copied: https://github.com/HikariTJU/LD).

ATSS calls a prior positive for box g when IoU(prior, g) >= thr_g, where
thr_g = mean + std of the IoUs of g's ``topk`` closest priors (centre
distance) on each level. LD's VLR of g holds the priors just below that:

    alpha * thr_g <= DIoU(prior, g) < thr_g,     alpha = 0.25,

with DIoU = O(prior, g) - rho^2 / c^2 (rho the distance between the
centres, c the diagonal of the smallest enclosing box). A prior in several
boxes' regions belongs to the one it overlaps most, and is weighted by
that IoU; priors in no region weigh 0.

The overlap O differs between the paper and the released code:

- ``'iof'`` (default, the released code's): the intersection over the
  prior's own area. The official ATSS assigner's ``assign_neg`` asks its IoU
  calculator for ``mode='diou'``, which divides by ``area1``, the prior's
  area, as its ``'iof'`` mode does.
- ``'iou'`` (the paper's DIoU): the intersection over the union.
"""
from typing import List

import torch
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor


def _centres(boxes: Tensor) -> Tensor:
    return (boxes[:, :2] + boxes[:, 2:]) / 2


def atss_thresholds(priors: Tensor, num_level_priors: List[int],
                    gt_bboxes: Tensor, topk: int = 9) -> Tensor:
    """ATSS's positive IoU threshold of each box ``(G, )``: mean + std
    (unbiased, as mmdet's ``ATSSAssigner``) of the IoUs of its ``topk``
    closest priors per level, all levels pooled."""
    overlaps = bbox_overlaps(priors, gt_bboxes)  # (P, G)
    distances = torch.cdist(
        _centres(priors), _centres(gt_bboxes),
        compute_mode='donot_use_mm_for_euclid_dist')
    candidates, start = [], 0
    for level_distances in distances.split(num_level_priors):
        k = min(topk, level_distances.shape[0])
        nearest = level_distances.topk(k, dim=0, largest=False)[1]
        candidates.append(nearest + start)  # (k, G)
        start += level_distances.shape[0]
    indices = torch.cat(candidates)  # (k * levels, G)
    candidate_overlaps = overlaps.gather(0, indices)
    return candidate_overlaps.mean(0) + candidate_overlaps.std(0)


OVERLAPS = ('iof', 'iou')


def distance_iou(priors: Tensor, gt_bboxes: Tensor,
                 overlap: str = 'iou') -> Tensor:
    """DIoU ``(P, G)`` of every prior with every box (x1, y1, x2, y2):
    ``overlap`` (``'iou'``, or ``'iof'`` over the prior's area) minus
    rho^2 / c^2."""
    if overlap not in OVERLAPS:
        raise ValueError(f'overlap must be one of {OVERLAPS}, got '
                         f'{overlap!r}')
    overlaps = bbox_overlaps(priors, gt_bboxes, mode=overlap)
    rho2 = torch.cdist(
        _centres(priors), _centres(gt_bboxes),
        compute_mode='donot_use_mm_for_euclid_dist')**2
    top_left = torch.minimum(priors[:, None, :2], gt_bboxes[None, :, :2])
    bottom_right = torch.maximum(priors[:, None, 2:], gt_bboxes[None, :, 2:])
    c2 = ((bottom_right - top_left)**2).sum(-1).clamp_min(1e-7)
    return overlaps - rho2 / c2


def valuable_localization_region(priors: Tensor,
                                 num_level_priors: List[int],
                                 gt_bboxes: Tensor,
                                 topk: int = 9,
                                 alpha: float = 0.25,
                                 overlap: str = 'iof') -> Tensor:
    """The VLR weight ``(P, )`` of each prior: its IoU with the box whose
    region it is in (the most overlapped one), 0 outside every region;
    ``overlap`` is the DIoU's overlap (see the module's docstring)."""
    if gt_bboxes.numel() == 0:
        return priors.new_zeros(priors.shape[0])
    thresholds = atss_thresholds(priors, num_level_priors, gt_bboxes, topk)
    dious = distance_iou(priors, gt_bboxes, overlap)
    inside = (dious >= alpha * thresholds) & (dious < thresholds)
    ious = bbox_overlaps(priors, gt_bboxes).where(
        inside, torch.zeros_like(dious))
    return ious.max(dim=1)[0]
