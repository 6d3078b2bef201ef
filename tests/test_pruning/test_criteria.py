import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F

from akd.pruning import (MagnitudeCriterion, PrUECriterion, prunable_weights,
                         sparsity)
from conftest import DET_TEACHER, SEG_TEACHER

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)),
                            'test_evaluation'))
from toy_batches import eval_batch, loaded_model  # noqa: E402


def sharpened_seg_teacher(toy_weights):
    model = loaded_model(SEG_TEACHER, toy_weights['seg_teacher'])
    model.decode_head.conv_seg.weight.data *= 30  # varied predictions
    return model


def test_prunable_weights_leave_out_predictors_biases_and_norms(toy_weights):
    weights = prunable_weights(loaded_model(DET_TEACHER))
    assert 'backbone.conv1.weight' in weights
    assert 'bbox_head.cls_convs.0.conv.weight' in weights
    assert not any('retina_cls' in n or 'retina_reg' in n for n in weights)
    assert all(n.endswith('.weight') and 'bn' not in n for n in weights)


def test_prunable_weights_leave_out_a_segmentors_auxiliary_head():
    model = loaded_model(SEG_TEACHER)
    weights = prunable_weights(model)
    assert 'decode_head.bottleneck.conv.weight' in weights
    assert 'auxiliary_head.convs.0.conv.weight' in dict(
        model.named_parameters())
    assert not any(n.startswith('auxiliary_head.') for n in weights)


def test_magnitude_scores_are_absolute_weights(toy_weights):
    model = loaded_model(SEG_TEACHER, toy_weights['seg_teacher'])
    weights = prunable_weights(model)
    scores = MagnitudeCriterion().scores(model, weights)
    assert all(torch.equal(scores[n], w.detach().abs())
               for n, w in weights.items())


def prue_reference(model, batches, name):
    """|w * dL/dw| for one weight, L = sum |pbar_y - p_y| over labelled
    pixels, with pixels and class means gathered by explicit loops."""
    samples = []
    for batch in batches:
        data = model.data_preprocessor(batch, True)
        logits = model._forward(data['inputs'])  # (N, C, h, w)
        for image_logits, sample in zip(logits, data['data_samples']):
            gt = F.interpolate(sample.gt_sem_seg.data[None].float(),
                               size=image_logits.shape[-2:],
                               mode='nearest')[0, 0].long()  # (h, w)
            probs = image_logits.softmax(dim=0)  # (C, h, w)
            for c in gt.unique().tolist():
                if c != 255:
                    samples.append((c, probs[c][gt == c]))
    means = {}
    for c, p in samples:
        total, count = means.get(c, (0.0, 0))
        means[c] = (total + p.detach().sum().item(), count + p.numel())
    loss = sum((means[c][0] / means[c][1] - p).abs().sum()
               for c, p in samples)
    weight = dict(model.named_parameters())[name]
    grad, = torch.autograd.grad(loss, weight)
    return (weight.detach() * grad).abs()


def test_prue_matches_a_reference_gradient_on_pixels(toy_cityscapes,
                                                     toy_weights):
    model = sharpened_seg_teacher(toy_weights).eval()
    batches = [eval_batch(SEG_TEACHER, toy_cityscapes, (i, i + 1))
               for i in (0, 2)]
    weights = prunable_weights(model)
    scores = PrUECriterion().scores(model, weights, batches)
    for name in ('backbone.stem.0.weight', 'decode_head.bottleneck.conv.'
                 'weight'):
        expected = prue_reference(model, batches, name)
        assert torch.allclose(scores[name], expected, rtol=1e-3,
                              atol=1e-6 * expected.abs().max())
    # nothing left behind: no gradients, the flags and the mode as before
    assert all(p.grad is None for p in model.parameters())
    assert all(p.requires_grad for p in model.parameters())
    assert not model.training


def det_prue_reference(model, batch, name):
    """|w * dL/dw| for one weight, L = sum |pbar_y - sigmoid(z_y)| over the
    anchors the assigner (called directly) gives an object."""
    from mmdet.models.utils import unpack_gt_instances
    data = model.data_preprocessor(batch, False)
    gt_instances, _, img_metas = unpack_gt_instances(data['data_samples'])
    cls_scores = model._forward(data['inputs'])[0]
    head = model.bbox_head
    anchors, valid = head.get_anchors([s.shape[-2:] for s in cls_scores],
                                      img_metas, device='cpu')
    with torch.no_grad():
        labels = torch.cat(head.get_targets(anchors, valid, gt_instances,
                                            img_metas)[0], dim=1)
    C = head.cls_out_channels
    rows = torch.cat([
        level.reshape(level.shape[0], -1, C, *level.shape[-2:]).permute(
            0, 3, 4, 1, 2).reshape(level.shape[0], -1, C)
        for level in cls_scores
    ], dim=1)  # (N, R, C)
    positive = labels < C
    p = rows[positive].sigmoid().gather(1, labels[positive][:, None])[:, 0]
    y = labels[positive]
    means = torch.stack([p[y == c].detach().mean() for c in y.tolist()])
    weight = dict(model.named_parameters())[name]
    grad, = torch.autograd.grad((means - p).abs().sum(), weight)
    return (weight.detach() * grad).abs()


def test_prue_scores_a_detector_on_its_assigned_anchors(toy_coco,
                                                        toy_weights):
    model = loaded_model(DET_TEACHER, toy_weights['det_teacher'])
    batch = eval_batch(DET_TEACHER, toy_coco, (0, 1))
    weights = prunable_weights(model)
    scores = PrUECriterion().scores(model, weights, [batch])
    for name in ('backbone.conv1.weight', 'bbox_head.cls_convs.3.conv.'
                 'weight'):
        expected = det_prue_reference(model, batch, name)
        assert expected.abs().max() > 0
        assert torch.allclose(scores[name], expected, rtol=1e-3,
                              atol=1e-6 * expected.abs().max())


def test_prue_names_batches_without_samples(toy_cityscapes, toy_weights):
    model = loaded_model(SEG_TEACHER, toy_weights['seg_teacher'])
    batch = eval_batch(SEG_TEACHER, toy_cityscapes, (0, ))
    batch['data_samples'][0].gt_sem_seg.data.fill_(255)  # nothing labelled
    with pytest.raises(ValueError, match='found no labelled pixel'):
        PrUECriterion().scores(model, prunable_weights(model), [batch])


def test_prue_needs_batches(toy_weights):
    model = loaded_model(SEG_TEACHER, toy_weights['seg_teacher'])
    with pytest.raises(ValueError, match='at least one'):
        PrUECriterion().scores(model, prunable_weights(model), [])


def test_sparsity_counts_exact_zeros():
    weights = {'a': torch.nn.Parameter(torch.tensor([0.0, 1.0, 0.0, 2.0]))}
    assert sparsity(weights) == 0.5
