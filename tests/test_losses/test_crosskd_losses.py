"""CrossKD's losses against mmdet's quality focal loss and a loop."""
import doctest
import math

import pytest
import torch
from mmdet.models.losses import QualityFocalLoss

import akd.losses.distribution_kd
import akd.losses.quality_focal_kd
from akd.losses import AvatarKDLoss, DistributionKDLoss, QualityFocalKDLoss
from akd.losses.quality_focal_kd import count_positives
from dense_head_outputs import (BINS, assigned_labels, head_levels,
                                labels_with_non_samples)
from tolerances import assert_close_float32

C = 5


def _rows(x):
    """(N, C, H, W) -> (N*H*W, C), mmdet's layout."""
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])


def test_quality_focal_kd_matches_mmdets_qfl_with_soft_targets():
    S, T = head_levels(C, 0), head_levels(C, 1, 2.0)
    labels = assigned_labels(C)
    positives = sum(((x < C).sum() for x in labels))
    qfl = QualityFocalLoss(use_sigmoid=True, beta=1.0, loss_weight=2.0)
    expected = qfl(torch.cat([_rows(s) for s in S]),
                   torch.cat([_rows(t) for t in T]).sigmoid(),
                   avg_factor=float(positives))
    assert_close_float32(
        QualityFocalKDLoss(loss_weight=2.0)(S, T, labels), expected)


def test_quality_focal_kd_gradient_reaches_only_the_student():
    S = tuple(s.requires_grad_() for s in head_levels(C, 0))
    T = tuple(t.requires_grad_() for t in head_levels(C, 1))
    QualityFocalKDLoss()(S, T, assigned_labels(C)).backward()
    assert all(s.grad.abs().sum() > 0 for s in S)
    assert all(t.grad is None for t in T)


def test_quality_focal_kd_counts_positives_over_all_levels_under_akd():
    """AKD splits labels by level; all_labels, passed whole, counts."""
    S, T, labels = head_levels(C, 0), head_levels(C, 1), assigned_labels(C)
    wrapped = AvatarKDLoss(
        base_loss=dict(type='QualityFocalKDLoss'), num_avatars=2,
        standardize=False,
        weighting='uniform', perturbation=dict(type='AvatarDropout', p=0.0))
    assert_close_float32(wrapped(S, T, labels, all_labels=labels),
                         wrapped.base_loss(S, T, labels))


def _loop_distribution_kd(S, T, cls_T, tau, weight, labels=None):
    """The official weights: the teacher's top score, 0 where mmdet's label
    weight is 0 (here label -1)."""
    numerator, denominator = 0., 0.
    for level, (s, t, c) in enumerate(zip(S, T, cls_T)):
        N, _, H, W = s.shape
        for n in range(N):
            for y in range(H):
                for x in range(W):
                    w = c[n, :, y, x].double().sigmoid().max().item()
                    if labels is not None and labels[level][n,
                                                            y * W + x] == -1:
                        w = 0.
                    kl = 0.
                    for e in range(4):
                        p = (t[n, e * BINS:(e + 1) * BINS, y, x].double() /
                             tau).softmax(0)
                        q = (s[n, e * BINS:(e + 1) * BINS, y, x].double() /
                             tau).softmax(0)
                        kl += sum(p[b] * math.log(p[b] / q[b])
                                  for b in range(BINS))
                    numerator += w * tau**2 * kl / 4
                    denominator += w
    return weight * numerator / denominator


def test_distribution_kd_matches_a_loop_over_priors_edges_and_bins():
    S, T = head_levels(4 * BINS, 0), head_levels(4 * BINS, 1)
    cls_T = head_levels(C, 2)
    expected = _loop_distribution_kd(S, T, cls_T, tau=2.0, weight=4.0)
    assert_close_float32(
        DistributionKDLoss(tau=2.0, loss_weight=4.0)(S, T, cls_T),
        torch.tensor(float(expected)))


def test_distribution_kd_weighs_priors_without_label_weight_zero():
    S, T = head_levels(4 * BINS, 0), head_levels(4 * BINS, 1)
    cls_T, labels = head_levels(C, 2), labels_with_non_samples(C)
    expected = _loop_distribution_kd(S, T, cls_T, 1.0, 4.0, labels)
    assert_close_float32(
        DistributionKDLoss()(S, T, cls_T, labels=labels),
        torch.tensor(float(expected)))
    wrapped = AvatarKDLoss(
        base_loss=dict(type='DistributionKDLoss'), num_avatars=2,
        standardize=False,
        weighting='uniform', perturbation=dict(type='AvatarDropout', p=0.0))
    assert_close_float32(
        wrapped(S, T, cls_T, all_cls_score_T=cls_T, labels=labels,
                all_labels=labels), torch.tensor(float(expected)))


def test_quality_focal_kd_leaves_out_priors_without_label_weight():
    S, T, labels = head_levels(C, 0), head_levels(C, 1), \
        labels_with_non_samples(C)
    qfl = QualityFocalLoss(use_sigmoid=True, beta=1.0, loss_weight=1.0)
    weights = torch.cat([(y != -1).float().reshape(-1) for y in labels])
    positives = sum(
        max(sum(int(((y[n] >= 0) & (y[n] < C)).sum()) for y in labels), 1)
        for n in range(2))
    expected = qfl(torch.cat([_rows(s) for s in S]),
                   torch.cat([_rows(t) for t in T]).sigmoid(),
                   weight=weights,
                   avg_factor=float(positives))
    assert_close_float32(QualityFocalKDLoss()(S, T, labels), expected)


def test_distribution_kd_keeps_its_all_level_normaliser_under_akd():
    S, T = head_levels(4 * BINS, 0), head_levels(4 * BINS, 1)
    cls_T = head_levels(C, 2)
    wrapped = AvatarKDLoss(
        base_loss=dict(type='DistributionKDLoss'), num_avatars=2,
        standardize=False,
        weighting='uniform', perturbation=dict(type='AvatarDropout', p=0.0))
    assert_close_float32(
        wrapped(S, T, cls_T, all_cls_score_T=cls_T),
        wrapped.base_loss(S, T, cls_T))


def test_distribution_kd_is_zero_for_equal_distributions():
    S, cls_T = head_levels(4 * BINS, 0), head_levels(C, 2)
    assert DistributionKDLoss()(S, S, cls_T).abs() < 1e-6


@pytest.mark.parametrize('loss, kwargs, match', [
    (QualityFocalKDLoss, dict(beta=-1), 'beta must be >= 0'),
    (QualityFocalKDLoss, dict(num_classes=1), 'num_classes must be'),
    (DistributionKDLoss, dict(tau=0), 'tau must be > 0'),
])
def test_rejects_bad_arguments_naming_the_key(loss, kwargs, match):
    with pytest.raises(ValueError, match=match):
        loss(**kwargs)


@pytest.mark.parametrize(
    'module', [akd.losses.quality_focal_kd, akd.losses.distribution_kd])
def test_docstring_example_runs(module):
    result = doctest.testmod(module, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def _official_avg_factor(labels_per_level, num_classes):
    """mmdet's avg_factor as the official CrossKD and BCKD get it: image by
    image, SamplingResult.num_pos = max(#positive anchors, 1), summed."""
    total = 0
    for image in range(labels_per_level[0].shape[0]):
        positives = 0
        for level in labels_per_level:
            for label in level[image].tolist():
                positives += 0 <= label < num_classes
        total += max(positives, 1)
    return total


def test_positives_are_counted_per_image_with_a_floor_of_one():
    """Image 0 has no positive (its anchors background, ignored or in the
    padding: all labelled C by mmdet); image 1 has some."""
    labels = tuple(level.clone() for level in assigned_labels(C))
    for level in labels:
        level[0] = C
    assert _official_avg_factor(labels, C) == sum(
        int((level[1] < C).sum()) for level in labels) + 1
    assert count_positives(labels, C).item() == _official_avg_factor(
        labels, C)
    S, T = head_levels(C, 0), head_levels(C, 1)
    unnormalised = QualityFocalKDLoss()(S, T, tuple(
        torch.full_like(level, C) for level in labels))  # 2 images x 1
    assert_close_float32(
        QualityFocalKDLoss()(S, T, labels),
        unnormalised * 2 / _official_avg_factor(labels, C))


def test_akd_without_all_labels_is_refused_naming_the_mapping():
    """AKD splits labels by level: each level would be normalised by its
    own positives."""
    from mmengine.registry import DefaultScope
    from mmrazor.registry import MODELS

    from akd.utils.guard_error import GuardError
    labels = dict(recorder='gt_labels', from_student=True)
    cfg = dict(
        type='CheckedDistiller',
        student_recorders=dict(
            head=dict(type='ModuleOutputs', source='head'),
            gt_labels=dict(type='ModuleOutputs', source='head')),
        teacher_recorders=dict(head=dict(type='ModuleOutputs', source='head')),
        distill_losses=dict(loss_akd=dict(
            type='AvatarKDLoss', base_loss=dict(type='QualityFocalKDLoss'))),
        loss_forward_mappings=dict(loss_akd=dict(
            preds_S=dict(recorder='head', from_student=True),
            preds_T=dict(recorder='head', from_student=False),
            labels=labels)))
    with DefaultScope.overwrite_default_scope('mmrazor'):
        with pytest.raises(GuardError, match=(
                'model.distiller.loss_forward_mappings.loss_akd maps labels '
                'but not all_labels: AvatarKDLoss splits labels by level, so '
                'QualityFocalKDLoss needs all_labels')):
            MODELS.build(cfg)
        cfg['loss_forward_mappings']['loss_akd']['all_labels'] = labels
        MODELS.build(cfg)
