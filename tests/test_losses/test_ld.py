"""LDLoss against mmdet's LD computation and a loop over priors and bins."""
import doctest
import math

import pytest
import torch
from mmdet.models.losses import KnowledgeDistillationKLDivLoss

import akd.losses.ld
from akd.losses import AvatarKDLoss, LDLoss
from tolerances import assert_close_float32

BINS = 17  # GFL's reg_max 16
LEVELS = [(6, 5), (3, 3)]


def _inputs(seed=0, N=2, C=5):
    torch.manual_seed(seed)
    bbox_S = tuple(torch.randn(N, 4 * BINS, h, w) for h, w in LEVELS)
    bbox_T = tuple(torch.randn(N, 4 * BINS, h, w) * 2 for h, w in LEVELS)
    cls_S = tuple(torch.randn(N, C, h, w) for h, w in LEVELS)
    labels = tuple(
        torch.where(
            torch.rand(N, h * w) < 0.3, torch.randint(0, C, (N, h * w)),
            torch.full((N, h * w), C)) for h, w in LEVELS)
    vlr = tuple(
        torch.rand(N, h * w) * (torch.rand(N, h * w) < 0.4)
        for h, w in LEVELS)
    return bbox_S, bbox_T, cls_S, labels, vlr


def _mmdet_main_region(bbox_S, bbox_T, cls_S, labels, tau, weight):
    """The main-region LD as mmdet's LDHead computes it, level by level."""
    loss_ld = KnowledgeDistillationKLDivLoss(loss_weight=weight, T=tau)
    total = 0
    for s, t, c, lab in zip(bbox_S, bbox_T, cls_S, labels):
        C = c.shape[1]
        pred = s.permute(0, 2, 3, 1).reshape(-1, 4 * BINS)
        soft = t.permute(0, 2, 3, 1).reshape(-1, 4 * BINS)
        score = c.permute(0, 2, 3, 1).reshape(-1, C).sigmoid()
        pos = ((lab >= 0) & (lab < C)).reshape(-1).nonzero().squeeze(1)
        weights = score.max(dim=1)[0][pos]
        total = total + loss_ld(
            pred[pos].reshape(-1, BINS), soft[pos].reshape(-1, BINS),
            weight=weights[:, None].expand(-1, 4).reshape(-1),
            avg_factor=4.0)
    return total


def _loop_vlr_region(bbox_S, bbox_T, vlr, tau, weight):
    """sum_i v_i sum_e tau^2/B KL / 16, with loops over priors and bins."""
    total = 0.
    for s, t, v in zip(bbox_S, bbox_T, vlr):
        N, _, H, W = s.shape
        for n in range(N):
            for i in range(H * W):
                if v[n, i] == 0:
                    continue
                y, x = divmod(i, W)
                for e in range(4):
                    zs = s[n, e * BINS:(e + 1) * BINS, y, x].double() / tau
                    zt = t[n, e * BINS:(e + 1) * BINS, y, x].double() / tau
                    p, q = zt.softmax(0), zs.softmax(0)
                    kl = sum(p[b] * math.log(p[b] / q[b]) for b in range(BINS))
                    total += v[n, i] * tau**2 * kl / BINS / 16
    return weight * total


def test_main_region_matches_mmdet_ld_head():
    bbox_S, bbox_T, cls_S, labels, _ = _inputs()
    loss = LDLoss(tau=10.0, loss_weight=0.25, vlr_weight=0)
    assert_close_float32(
        loss(bbox_S, bbox_T, cls_S, labels),
        _mmdet_main_region(bbox_S, bbox_T, cls_S, labels, 10.0, 0.25))


def test_valuable_region_matches_a_loop_over_priors_and_bins():
    bbox_S, bbox_T, cls_S, labels, vlr = _inputs()
    no_positives = tuple(torch.full_like(lab, 5) for lab in labels)
    loss = LDLoss(tau=2.0, loss_weight=0.25, vlr_weight=0.5)
    assert_close_float32(
        loss(bbox_S, bbox_T, cls_S, no_positives, vlr),
        _loop_vlr_region(bbox_S, bbox_T, vlr, 2.0, 0.5).float())


def test_both_regions_add_up():
    bbox_S, bbox_T, cls_S, labels, vlr = _inputs(seed=1)
    both = LDLoss(vlr_weight=0.25)(bbox_S, bbox_T, cls_S, labels, vlr)
    main = LDLoss(vlr_weight=0)(bbox_S, bbox_T, cls_S, labels)
    no_positives = tuple(torch.full_like(lab, 5) for lab in labels)
    region = LDLoss(vlr_weight=0.25)(bbox_S, bbox_T, cls_S, no_positives,
                                     vlr)
    assert_close_float32(both, main + region)


def test_gradient_reaches_only_the_students_box_distributions():
    bbox_S, bbox_T, cls_S, labels, vlr = _inputs()
    bbox_S = tuple(s.requires_grad_() for s in bbox_S)
    bbox_T = tuple(t.requires_grad_() for t in bbox_T)
    cls_S = tuple(c.requires_grad_() for c in cls_S)
    LDLoss()(bbox_S, bbox_T, cls_S, labels, vlr).backward()
    assert all(s.grad.abs().sum() > 0 for s in bbox_S)
    assert all(t.grad is None for t in bbox_T)
    assert all(c.grad is None for c in cls_S)  # the weights are detached


def test_zero_when_the_distributions_agree():
    bbox_S, _, cls_S, labels, vlr = _inputs()
    value = LDLoss()(bbox_S, bbox_S, cls_S, labels, vlr)
    assert value.abs() < 1e-5


@pytest.mark.parametrize('kwargs, match', [
    (dict(tau=0), 'LDLoss.tau must be > 0'),
    (dict(vlr_weight=-1), 'LDLoss.vlr_weight must be >= 0'),
])
def test_rejects_bad_arguments_naming_the_key(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LDLoss(**kwargs)


def test_rejects_a_missing_region_and_mismatched_heads():
    bbox_S, bbox_T, cls_S, labels, _ = _inputs()
    with pytest.raises(ValueError, match='needs vlr_weights'):
        LDLoss()(bbox_S, bbox_T, cls_S, labels)
    with pytest.raises(ValueError, match='same reg_max'):
        LDLoss(vlr_weight=0)(bbox_S[0], bbox_T[0][:, :64], cls_S[0],
                             labels[0])


def test_avatar_kd_splits_every_input_by_level():
    bbox_S, bbox_T, cls_S, labels, vlr = _inputs()
    wrapped = AvatarKDLoss(
        base_loss=dict(type='LDLoss'), num_avatars=3, standardize=False,
        weighting='uniform',
        perturbation=dict(type='AvatarDropout', p=0.0))
    # p=0: every avatar is the teacher, so AKD is the plain loss
    assert_close_float32(
        wrapped(bbox_S, bbox_T, cls_S, labels, vlr),
        wrapped.base_loss(bbox_S, bbox_T, cls_S, labels, vlr))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.ld, verbose=False)
    assert result.attempted > 0 and result.failed == 0
