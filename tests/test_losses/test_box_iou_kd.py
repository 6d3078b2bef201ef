"""BCKD's IoU distillation against mmdet's GFL decoding and GIoU loss."""
import doctest

import torch
from mmdet.models.dense_heads.gfl_head import Integral
from mmdet.models.losses import GIoULoss
from mmdet.structures.bbox import distance2bbox

import akd.losses.box_iou_kd
from akd.losses import AvatarKDLoss, BoxIoUKDLoss
from dense_head_outputs import (BINS, assigned_labels, head_levels,
                                labels_with_non_samples)
from tolerances import assert_close_float32

C = 5


def _rows(x):
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])


def _mmdet_reference(box_S, box_T, cls_S, cls_T, labels, weight):
    """Boxes decoded as GFLHead does, around priors anywhere (GIoU ignores
    where), then mmdet's GIoULoss weighted by the class-score gap."""
    integral = Integral(reg_max=BINS - 1)
    loss = GIoULoss(loss_weight=weight)
    decoded, gaps = [], []
    for s, t, c_s, c_t in zip(box_S, box_T, cls_S, cls_T):
        points = torch.rand(_rows(s).shape[0], 2) * 50
        decoded.append((distance2bbox(points, integral(_rows(s))),
                        distance2bbox(points, integral(_rows(t)))))
        gaps.append((_rows(c_t).sigmoid() -
                     _rows(c_s).sigmoid()).abs().max(dim=1)[0])
    label_weights = torch.cat([(y != -1).float().reshape(-1) for y in labels])
    positives = _avg_factor(labels)
    return loss(torch.cat([d[0] for d in decoded]),
                torch.cat([d[1] for d in decoded]),
                weight=torch.cat(gaps) * label_weights, avg_factor=positives)


def _avg_factor(labels):
    """mmdet's: each image's positives over the levels, at least 1."""
    return float(
        sum(
            max(sum(int(((y[n] >= 0) & (y[n] < C)).sum()) for y in labels), 1)
            for n in range(labels[0].shape[0])))


def test_matches_mmdets_gfl_decoding_and_giou_loss():
    box_S, box_T = head_levels(4 * BINS, 0), head_levels(4 * BINS, 1, 2.0)
    cls_S, cls_T = head_levels(C, 2), head_levels(C, 4)
    labels = assigned_labels(C)
    assert_close_float32(
        BoxIoUKDLoss(loss_weight=4.0)(box_S, box_T, cls_S, cls_T, labels),
        _mmdet_reference(box_S, box_T, cls_S, cls_T, labels, 4.0),
        ulps=64)


def test_priors_without_label_weight_count_nowhere():
    """The official code weighs every prior by mmdet's label weight."""
    box_S, box_T = head_levels(4 * BINS, 0), head_levels(4 * BINS, 1, 2.0)
    cls_S, cls_T = head_levels(C, 2), head_levels(C, 4)
    labels = labels_with_non_samples(C)
    assert_close_float32(
        BoxIoUKDLoss()(box_S, box_T, cls_S, cls_T, labels),
        _mmdet_reference(box_S, box_T, cls_S, cls_T, labels, 4.0),
        ulps=64)


def test_gradient_reaches_only_the_students_boxes():
    box_S = tuple(x.requires_grad_() for x in head_levels(4 * BINS, 0))
    box_T = tuple(x.requires_grad_() for x in head_levels(4 * BINS, 1))
    cls_S = tuple(x.requires_grad_() for x in head_levels(C, 2))
    BoxIoUKDLoss()(box_S, box_T, cls_S, head_levels(C, 4),
                   assigned_labels(C)).backward()
    assert all(x.grad.abs().sum() > 0 for x in box_S)
    assert all(x.grad is None for x in (*box_T, *cls_S))


def test_zero_when_the_boxes_or_the_scores_agree():
    box_S, cls_S = head_levels(4 * BINS, 0), head_levels(C, 2)
    assert BoxIoUKDLoss()(box_S, box_S, cls_S, head_levels(C, 4),
                          assigned_labels(C)).abs() < 1e-5
    assert BoxIoUKDLoss()(box_S, head_levels(4 * BINS, 1), cls_S, cls_S,
                          assigned_labels(C)) == 0


def test_counts_positives_over_all_levels_under_akd():
    """AKD splits labels by level; all_labels, passed whole, counts."""
    labels = assigned_labels(C)
    inputs = (head_levels(4 * BINS, 0), head_levels(4 * BINS, 1),
              head_levels(C, 2),
              head_levels(C, 4), labels)
    wrapped = AvatarKDLoss(
        base_loss=dict(type='BoxIoUKDLoss'), num_avatars=2,
        standardize=False,
        weighting='uniform', perturbation=dict(type='AvatarDropout', p=0.0))
    assert_close_float32(wrapped(*inputs, all_labels=labels),
                         wrapped.base_loss(*inputs))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.box_iou_kd, verbose=False)
    assert result.attempted > 0 and result.failed == 0
