"""Label-smoothed task losses against loops over pixels and anchors."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS as DET_MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS as SEG_MODELS

import akd  # noqa: F401
from akd.tooling.synthetic_batch import det_batch, seg_batch
from conftest import REPO
from tolerances import assert_close_float32


def seg_loss(cfg):
    """An mmseg loss, whatever default scope earlier tests left."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        return SEG_MODELS.build(cfg)


def det_loss(cfg):
    """An mmdet loss, whatever default scope earlier tests left."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        return DET_MODELS.build(cfg)


SMOOTHED_MODELS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'label-smoothing', 'ls_*.py')))


def _smoothed_ce_loop(logits, labels, eps, ignore, non_ignored):
    """-sum_c t_c log p_c per pixel, t = (1-eps) y + eps/C, then the mean."""
    N, C, H, W = logits.shape
    total, count = 0.0, 0
    for n in range(N):
        for h in range(H):
            for w in range(W):
                y = int(labels[n, h, w])
                if y == ignore:
                    continue
                z = [float(v) for v in logits[n, :, h, w]]
                log_norm = math.log(sum(math.exp(v) for v in z))
                for c in range(C):
                    t = (1 - eps) * (c == y) + eps / C
                    total -= t * (z[c] - log_norm)
                count += 1
    return total / (count if non_ignored else N * H * W)


@pytest.mark.parametrize('non_ignored', [False, True])
@pytest.mark.parametrize('eps', [0.0, 0.1, 0.3])
def test_segmentation_loss_matches_a_loop_over_pixels(eps, non_ignored):
    torch.manual_seed(0)
    logits = 3 * torch.randn(2, 5, 4, 6)
    labels = torch.randint(0, 5, (2, 4, 6))
    labels[0, :2] = 255
    loss = seg_loss(
        dict(type='LabelSmoothingCrossEntropyLoss', smoothing=eps,
             avg_non_ignore=non_ignored, loss_weight=2.0))
    expected = 2.0 * _smoothed_ce_loop(logits, labels, eps, 255, non_ignored)
    # as a decode head calls it
    assert_close_float32(loss(logits, labels, ignore_index=255), expected)
    assert loss.loss_name == 'loss_ce'


def test_segmentation_loss_at_zero_smoothing_is_mmsegs():
    torch.manual_seed(1)
    logits, labels = torch.randn(2, 19, 8, 8), torch.randint(0, 19, (2, 8, 8))
    labels[1, 4:] = 255
    ours = seg_loss(
        dict(type='LabelSmoothingCrossEntropyLoss', smoothing=0.0))
    theirs = seg_loss(dict(type='CrossEntropyLoss'))
    assert_close_float32(ours(logits, labels, ignore_index=255),
                         theirs(logits, labels, ignore_index=255))


def test_detection_softmax_loss_matches_a_loop_with_avg_factor():
    torch.manual_seed(2)
    logits, labels = torch.randn(7, 4), torch.randint(0, 4, (7, ))
    weights = torch.rand(7)
    loss = det_loss(
        dict(type='LabelSmoothingCrossEntropyLoss', smoothing=0.2))
    expected = 0.0
    for z, y, w in zip(logits.tolist(), labels.tolist(), weights.tolist()):
        log_norm = math.log(sum(math.exp(v) for v in z))
        expected -= w * sum(((0.8 * (c == y)) + 0.2 / 4) * (z[c] - log_norm)
                            for c in range(4))
    assert_close_float32(loss(logits, labels, weights, avg_factor=3.0),
                         expected / 3.0)


def _focal_loop(logits, labels, eps, gamma=2.0, alpha=0.25):
    total = 0.0
    M, C = logits.shape
    for m in range(M):
        for c in range(C):
            t = (1 - eps) * (int(labels[m]) == c) + eps / 2
            p = 1 / (1 + math.exp(-float(logits[m, c])))
            bce = -(t * math.log(p) + (1 - t) * math.log(1 - p))
            weight = (alpha * t + (1 - alpha) * (1 - t)) * (
                (1 - p) * t + p * (1 - t))**gamma
            total += bce * weight
    return total


@pytest.mark.parametrize('eps', [0.0, 0.1])
def test_focal_loss_matches_a_loop_with_background_anchors(eps):
    torch.manual_seed(3)
    logits = 2 * torch.randn(9, 6)
    labels = torch.tensor([0, 5, 6, 6, 2, 6, 1, 6, 3])  # 6: background
    loss = det_loss(dict(type='LabelSmoothingFocalLoss', smoothing=eps,
                         loss_weight=1.5))
    assert_close_float32(loss(logits, labels, avg_factor=4.0),
                         1.5 * _focal_loop(logits, labels, eps) / 4.0)
    if eps == 0:
        focal = det_loss(dict(type='FocalLoss', loss_weight=1.5))
        assert_close_float32(loss(logits, labels, avg_factor=4.0),
                             focal(logits, labels, avg_factor=4.0))


def test_smoothing_out_of_range_is_named():
    with pytest.raises(ValueError, match='smoothing must be in'):
        seg_loss(
            dict(type='LabelSmoothingCrossEntropyLoss', smoothing=1.0))
    with pytest.raises(ValueError, match='class_weight is not supported'):
        seg_loss(dict(type='LabelSmoothingCrossEntropyLoss',
                      class_weight=[1.0] * 5))(
            torch.randn(1, 5, 2, 2), torch.zeros(1, 2, 2).long())


@pytest.mark.parametrize('path', SMOOTHED_MODELS,
                         ids=[osp.basename(p)[:-3] for p in SMOOTHED_MODELS])
def test_smoothed_model_configs_train_a_step(path):
    cfg = Config.fromfile(path)
    registry = SEG_MODELS if cfg.default_scope == 'mmseg' else DET_MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = registry.build(cfg.model)
        model.init_weights()
        head = getattr(model, 'decode_head', None) or model.bbox_head
        loss_module = getattr(head, 'loss_decode', None) or head.loss_cls
        assert type(loss_module).__name__.startswith(('Seg', 'Label'))
        assert loss_module.smoothing == 0.1
        inputs, samples = (seg_batch() if registry is SEG_MODELS else
                           det_batch(model))
        losses = model(inputs, samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters())
