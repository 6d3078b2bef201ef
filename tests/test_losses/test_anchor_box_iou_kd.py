"""CrossKD's anchor-head box loss against decoding and GIoU by hand."""
import doctest
import math

import pytest
import torch

import akd.losses.anchor_box_iou_kd
from akd.losses import AnchorBoxIoUKDLoss
from tolerances import assert_close_float32

C, A = 3, 2  # classes, anchors per position
LEVELS = [(3, 2), (2, 1)]


def _inputs(seed=0):
    torch.manual_seed(seed)
    deltas_S = tuple(torch.randn(2, A * 4, h, w) * 0.3 for h, w in LEVELS)
    deltas_T = tuple(torch.randn(2, A * 4, h, w) * 0.3 for h, w in LEVELS)
    cls_T = tuple(torch.randn(2, A * C, h, w) for h, w in LEVELS)
    anchors = []
    for h, w in LEVELS:
        xy = torch.rand(2, h * w * A, 2) * 50
        wh = torch.rand(2, h * w * A, 2) * 20 + 4
        anchors.append(torch.cat([xy, xy + wh], dim=2))
    labels = tuple(torch.randint(0, C + 1, (2, h * w * A)) for h, w in LEVELS)
    return deltas_S, deltas_T, cls_T, tuple(anchors), labels


def _decode(anchor, delta):
    px, py = (anchor[0] + anchor[2]) / 2, (anchor[1] + anchor[3]) / 2
    pw, ph = anchor[2] - anchor[0], anchor[3] - anchor[1]
    dx, dy, dw, dh = delta
    gx, gy = px + pw * dx, py + ph * dy
    gw, gh = pw * math.exp(dw), ph * math.exp(dh)
    return [gx - gw / 2, gy - gh / 2, gx + gw / 2, gy + gh / 2]


def _giou(a, b):
    iw = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) -
             inter)
    hull = ((max(a[2], b[2]) - min(a[0], b[0])) *
            (max(a[3], b[3]) - min(a[1], b[1])))
    return inter / union - (hull - union) / hull


def _loop(deltas_S, deltas_T, cls_T, anchors, labels, weight):
    total = 0.
    for s, t, c, a in zip(deltas_S, deltas_T, cls_T, anchors):
        N, _, H, W = s.shape
        for n in range(N):
            i = 0
            for y in range(H):
                for x in range(W):
                    for k in range(A):
                        box_S = _decode(a[n, i].tolist(),
                                        s[n, 4 * k:4 * k + 4, y, x].tolist())
                        box_T = _decode(a[n, i].tolist(),
                                        t[n, 4 * k:4 * k + 4, y, x].tolist())
                        score = max(1 / (1 + math.exp(-v)) for v in
                                    c[n, C * k:C * k + C, y, x].tolist())
                        total += score * (1 - _giou(box_S, box_T))
                        i += 1
    positives = sum(int((x < C).sum()) for x in labels)
    return weight * total / max(positives, 1)


def test_matches_decoding_and_giou_by_hand():
    inputs = _inputs()
    assert_close_float32(
        AnchorBoxIoUKDLoss(num_classes=C, loss_weight=2.0)(*inputs),
        torch.tensor(_loop(*inputs, weight=2.0)), ulps=64)


def test_gradient_reaches_only_the_students_deltas():
    deltas_S, deltas_T, cls_T, anchors, labels = _inputs()
    deltas_S = tuple(x.requires_grad_() for x in deltas_S)
    deltas_T = tuple(x.requires_grad_() for x in deltas_T)
    AnchorBoxIoUKDLoss(num_classes=C)(deltas_S, deltas_T, cls_T, anchors,
                                      labels).backward()
    assert all(x.grad.abs().sum() > 0 for x in deltas_S)
    assert all(x.grad is None for x in deltas_T)


def test_rejects_anchors_of_other_levels_naming_the_recorder():
    deltas_S, deltas_T, cls_T, anchors, labels = _inputs()
    with pytest.raises(ValueError, match='HeadAnchors'):
        AnchorBoxIoUKDLoss(num_classes=C)(deltas_S, deltas_T, cls_T,
                                          anchors[::-1], labels)


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.anchor_box_iou_kd, verbose=False)
    assert result.attempted > 0 and result.failed == 0
