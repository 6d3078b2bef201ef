"""The head losses weight anchors as the official CrossKD and BCKD do: by
mmdet's label weights, over mmdet's avg_factor.

A real RetinaNet head (mmdet's ``RetinaHead``) assigns a batch of two
images of different sizes: the smaller has no object, and its anchors in
the batch's padding get label weight 0; the larger has an object whose
neighbouring anchors fall between the negative and positive IoU
thresholds, which the assigner ignores (weight 0). ``DetTargetLabels``
marks both -1. The references are the official ``pred_mimicking_loss_
single`` of github.com/jbwang1997/CrossKD written out with loops over
anchors and classes, using mmdet's label weights, avg_factor and box coder
and a GIoU by hand, none of akd's functions.
"""
import math

import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import akd  # noqa: F401
from akd.losses import (AnchorBoxIoUKDLoss, BDKDLoss, DenseDISTLoss,
                        QualityFocalKDLoss)
from akd.models.recorders.label_recorders import target_labels
from tolerances import assert_close_float32

C = 3
STRIDES = (8, 16)
HEAD = dict(
    type='RetinaHead', num_classes=C, in_channels=4, feat_channels=4,
    stacked_convs=1,
    anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                          scales_per_octave=1, ratios=[0.5, 1.0],
                          strides=list(STRIDES)),
    bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4,
                    target_stds=[1.] * 4),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                      neg_iou_thr=0.4, min_pos_iou=0, ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'), allowed_border=-1,
        pos_weight=-1, debug=False))
# image 0: 32 x 32, no object, in a 64 x 64 batch; image 1: 64 x 64
METAS = [dict(img_shape=(32, 32), pad_shape=(32, 32),
              batch_input_shape=(64, 64)),
         dict(img_shape=(64, 64), pad_shape=(64, 64),
              batch_input_shape=(64, 64))]
GTS = [InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0).long()),
       InstanceData(bboxes=torch.tensor([[9.5, 13.0, 42.0, 47.5]]),
                    labels=torch.tensor([2]))]


@pytest.fixture(scope='module')
def assigned():
    """The head, its anchors per level and mmdet's targets."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MMDET_MODELS.build(HEAD)
    sizes = [torch.Size((64 // s, 64 // s)) for s in STRIDES]
    anchors, valid = head.get_anchors(sizes, METAS, device='cpu')
    per_level = [torch.stack(level) for level in zip(*anchors)]
    targets = head.get_targets(anchors, valid, GTS, METAS)
    return head, sizes, per_level, targets


def _maps(channels, sizes, seed):
    torch.manual_seed(seed)
    return tuple(torch.randn(2, channels, h, w) for h, w in sizes)


def _rows(x, width):
    """The official layout: permute(0, 2, 3, 1).reshape(-1, width)."""
    return x.permute(0, 2, 3, 1).reshape(-1, width).tolist()


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_the_batch_holds_ignored_padded_and_background_anchors(assigned):
    _, _, _, (labels, weights, _, _, avg_factor) = assigned
    recorded = target_labels((labels, weights))
    zero = torch.cat([w.reshape(-1) for w in weights]) == 0
    marked = torch.cat([y.reshape(-1) for y in recorded]) == -1
    assert torch.equal(zero, marked) and zero.any()
    image0 = torch.cat([w[0] for w in weights])
    image1 = torch.cat([w[1] for w in weights])
    assert (image0 == 0).any() and (image0 == 1).any()  # padding, bg
    assert (image1 == 0).any()  # ignored by the assigner
    assert not (torch.cat([y[0] for y in labels]) < C).any()  # no object
    assert avg_factor == int(
        (torch.cat([y[1] for y in labels]) < C).sum()) + 1


def test_classification_kd_weights_anchors_by_label_weights(assigned):
    _, sizes, _, (labels, weights, _, _, avg_factor) = assigned
    S, T = _maps(2 * C, sizes, 0), _maps(2 * C, sizes, 1)
    total = 0.
    for s, t, w in zip(S, T, weights):
        for row_s, row_t, weight in zip(_rows(s, C), _rows(t, C),
                                        w.reshape(-1).tolist()):
            for zs, zt in zip(row_s, row_t):
                p, q = _sigmoid(zs), _sigmoid(zt)
                bce = -(q * math.log(p) + (1 - q) * math.log(1 - p))
                total += weight * bce * abs(q - p)
    got = QualityFocalKDLoss(num_classes=C)(S, T,
                                            target_labels((labels, weights)))
    assert_close_float32(got, total / avg_factor)


def _giou(a, b):
    iw = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) *
             (b[3] - b[1]) - inter)
    hull = ((max(a[2], b[2]) - min(a[0], b[0])) *
            (max(a[3], b[3]) - min(a[1], b[1])))
    return inter / union - (hull - union) / hull


def test_box_kd_zeroes_the_weights_of_anchors_without_label_weight(
        assigned):
    head, sizes, anchors, (labels, weights, _, _, avg_factor) = assigned
    S, T = _maps(2 * 4, sizes, 2), _maps(2 * 4, sizes, 3)
    scores_T = _maps(2 * C, sizes, 4)
    total = 0.
    for s, t, scores, level_anchors, w in zip(S, T, scores_T, anchors,
                                              weights):
        flat = level_anchors.reshape(-1, 4)
        boxes_S = head.bbox_coder.decode(flat, torch.tensor(_rows(s, 4)))
        boxes_T = head.bbox_coder.decode(flat, torch.tensor(_rows(t, 4)))
        for b_S, b_T, row, weight in zip(boxes_S.tolist(), boxes_T.tolist(),
                                         _rows(scores, C),
                                         w.reshape(-1).tolist()):
            reg_weight = _sigmoid(max(row)) if weight else 0.
            total += reg_weight * (1 - _giou(b_S, b_T))
    got = AnchorBoxIoUKDLoss(num_classes=C)(
        S, T, scores_T, anchors, target_labels((labels, weights)))
    assert_close_float32(got, total / avg_factor)


def _labels_of_image_with_object(batch_input_shape):
    """Per level ``(1, H * W * A)`` labels (-1 for no label weight) of a
    32 x 32 image with an object, in a batch padded to
    ``batch_input_shape``, from the real head's targets."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MMDET_MODELS.build(HEAD)
    size = batch_input_shape[0]
    sizes = [torch.Size((size // s, size // s)) for s in STRIDES]
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32),
                  batch_input_shape=batch_input_shape)]
    gts = [InstanceData(bboxes=torch.tensor([[4.0, 6.0, 27.5, 25.0]]),
                        labels=torch.tensor([1]))]
    anchors, valid = head.get_anchors(sizes, metas, device='cpu')
    labels, weights, *_ = head.get_targets(anchors, valid, gts, metas)
    return target_labels((labels, weights))


@pytest.mark.parametrize('loss', [
    QualityFocalKDLoss(num_classes=C),
    DenseDISTLoss(num_classes=C),
    BDKDLoss(num_classes=C),
], ids=lambda loss: type(loss).__name__)
def test_padding_changes_nothing_for_the_smaller_image(loss):
    """The 32 x 32 image's loss is the same alone and as the smaller image
    of a 64 x 64 batch, whatever the logits in the padding."""
    padded = _labels_of_image_with_object((64, 64))
    alone = _labels_of_image_with_object((32, 32))
    assert all((y == -1).any() for y in padded)  # the padding
    assert any(((y >= 0) & (y < C)).any() for y in alone)  # positives
    torch.manual_seed(0)
    S = tuple(torch.randn(1, 2 * C, 64 // s, 64 // s) * 3 for s in STRIDES)
    T = tuple(torch.randn(1, 2 * C, 64 // s, 64 // s) * 3 for s in STRIDES)
    crop = lambda maps: tuple(  # noqa: E731
        x[:, :, :32 // s, :32 // s] for x, s in zip(maps, STRIDES))
    assert_close_float32(loss(S, T, padded), loss(crop(S), crop(T), alone))
