"""Dense class logits of a detector or segmentor, one row per sample.

The metrics compare models sample by sample: a segmentor's pixels (its
``seg_logits`` at the original image size, as mmseg's ``test_step`` leaves
them) and a one-stage detector's anchors at every position of every FPN
level (its dense head's classification maps, before any score threshold or
NMS).
"""
from typing import List, Optional, Tuple

import torch
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from ..models.recorders import DetTargetLabelsRecorder
from ..structures.pixel_samples import anchor_view
from ..utils.guard_error import GuardError


def evaluated_model(model: nn.Module) -> nn.Module:
    """The network that validation and testing run: a DDP wrapper's module,
    a distillation's student (``architecture``) or an online distillation's
    ``eval_peer``; a plain model as it is."""
    if is_model_wrapper(model):
        model = model.module
    if hasattr(model, 'eval_peer'):
        return getattr(model, model.eval_peer)
    return getattr(model, 'architecture', model)


def require_model(model: Optional[nn.Module], metric: str) -> nn.Module:
    """``model``, or a guard error naming the hook that attaches it."""
    if model is None:
        raise GuardError(
            f'{metric} has no model to run: add '
            "default_hooks.metric_model=dict(type='mmrazor.MetricModelHook') "
            'to the config (tools/train.py and tools/test.py add it).')
    return model


def segmentor_logits(model: nn.Module, data_batch: dict) -> List[Tensor]:
    """``(C, H, W)`` logits per image at its original size."""
    return [sample.seg_logits.data for sample in model.test_step(data_batch)]


def detector_logit_rows(model: nn.Module,
                        data_batch: dict,
                        inside_only: bool = False
                        ) -> Tuple[List[Tensor], bool]:
    """``(R, K)`` classification logits per image, and whether they are
    sigmoids.

    Rows run over FPN levels, then positions, then anchors (mmdet's prior
    order); K is the head's ``cls_out_channels`` (the classes, plus
    background last for a softmax head). With ``inside_only``, the rows of
    positions in the batch's padding, beyond the image, are left out (the
    head's ``prior_generator.valid_flags`` for the image's ``img_shape``),
    so that the rows do not depend on the other images of the batch.
    """
    head = getattr(model, 'bbox_head', None)
    if head is None or not hasattr(head, 'cls_out_channels'):
        raise TypeError(
            f'{type(model).__name__} has no dense bbox_head with '
            'cls_out_channels: detection fidelity and response statistics '
            'compare one-stage dense heads (RetinaNet, FCOS, GFL, ...); a '
            'two-stage detector is not supported yet.')
    data = model.data_preprocessor(data_batch, False)
    cls_scores = head(model.extract_feat(data['inputs']))[0]
    levels = [
        anchor_view(level, head.cls_out_channels).flatten(1, -2)
        for level in cls_scores
    ]  # (B, H*W*A, K) each
    rows = list(torch.cat(levels, dim=1).unbind(0))  # B x (R, K)
    if inside_only:
        sizes = [level.shape[-2:] for level in cls_scores]
        for i, sample in enumerate(data['data_samples']):
            inside = head.prior_generator.valid_flags(
                sizes, sample.metainfo['img_shape'][:2], rows[i].device)
            rows[i] = rows[i][torch.cat(inside)]
    return rows, bool(getattr(head, 'use_sigmoid_cls', False))


def labelled_pixel_rows(logits: Tensor, gt: Tensor,
                        ignore_index: int) -> Tuple[Tensor, Tensor]:
    """The ``(R, C)`` logits and ``(R, )`` labels of the labelled pixels.

    Args:
        logits (Tensor): ``(C, H, W)``.
        gt (Tensor): ``(H, W)`` or ``(1, H, W)`` labels, same size.
        ignore_index (int): The label of unlabelled pixels.
    """
    gt = gt.reshape(gt.shape[-2:]).to(logits.device)
    if gt.shape != logits.shape[1:]:
        raise ValueError(
            f'seg_logits {tuple(logits.shape[1:])} and gt_sem_seg '
            f'{tuple(gt.shape)} differ in size: the metric compares them at '
            "the original image size, as mmseg's test_step returns them.")
    labelled = gt != ignore_index  # (H, W)
    return logits[:, labelled].T, gt[labelled]  # (R, C), (R, )


def class_scores(logits: Tensor, sigmoid: bool) -> Tensor:
    """``(R, C)`` scores of the C classes from ``(R, K)`` head logits: a
    sigmoid head's sigmoids, a softmax head's softmax without its
    background (last) column."""
    if sigmoid:
        return logits.float().sigmoid()
    return logits.float().softmax(dim=1)[:, :-1]


def class_probabilities(logits: Tensor, sigmoid: bool) -> Tensor:
    """:func:`class_scores` renormalised to sum to 1 over the classes."""
    scores = class_scores(logits, sigmoid)
    return scores / scores.sum(dim=1, keepdim=True).clamp_min(1e-12)


def detector_positive_logits(
        model: nn.Module,
        data_batch: dict) -> Tuple[List[Tuple[Tensor, Tensor]], bool]:
    """Per image, the ``(P, K)`` head logits of the anchors its head assigns
    to an object and their ``(P, )`` classes; and whether the head is
    sigmoid.

    The labels are those ``AnchorHead.get_targets`` gives in the detector's
    own loss (RetinaNet and the heads built on it), recorded as the
    ``DetTargetLabels`` recorder does; the logits keep their gradient.
    """
    recorder = DetTargetLabelsRecorder()
    recorder.initialize()
    data = model.data_preprocessor(data_batch, False)
    with recorder, torch.no_grad():
        model.loss(data['inputs'], data['data_samples'])
    head = type(getattr(model, 'bbox_head', model)).__name__
    labels = recorder.data_buffer[0] if recorder.data_buffer else None
    if not isinstance(labels, (list, tuple)) or labels[0].dim() != 2:
        raise TypeError(
            f'{head} does not call AnchorHead.get_targets for per-level '
            '(N, H*W*A) labels in its loss: per-anchor targets (response '
            'statistics of detectors, PrUE) support RetinaNet-style anchor '
            'heads so far, not FCOS, ATSS, GFL or RepPoints heads.')
    labels = torch.cat(labels, dim=1)  # (N, R)
    rows, sigmoid = detector_logit_rows(model, data_batch)
    positives = []
    for logits, image_labels in zip(rows, labels):
        C = logits.shape[1] - (0 if sigmoid else 1)
        kept = (image_labels >= 0) & (image_labels < C)
        positives.append((logits[kept], image_labels[kept]))
    return positives, sigmoid
