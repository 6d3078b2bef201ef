"""Recorders that deliver the student head's targets to the losses.

Label-based logit losses (DKD, NKD, CA-MKD, Zipf LS, ...) take
``gt_labels`` as their third input. These recorders take the labels the
student's own head trains on, so a config needs no code:

    student_recorders=dict(gt_labels=dict(type='SegGtLabels'))  # mmseg
    student_recorders=dict(gt_labels=dict(type='DetTargetLabels'))  # mmdet

and the loss mapping ``gt_labels=dict(from_student=True,
recorder='gt_labels')``. ``LDRegions`` adds LD's valuable localization
region to a GFL head's labels, and ``HeadAnchors`` gives an anchor head's
anchors to losses that decode boxes. All patch a head method only while
the student runs (MMRazor's ``MethodOutputsRecorder``), so the teacher's
call is not recorded.
"""
import functools
import inspect
from typing import Any, Callable, List, Optional

import torch
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmrazor.models.task_modules import MethodOutputsRecorder
from mmrazor.registry import TASK_UTILS
from torch import Tensor

from ..task_modules import valuable_localization_region
from ..task_modules.localization_regions import OVERLAPS


class _LabelsRecorder(MethodOutputsRecorder):
    """Says which method was never called, rather than an index error."""

    hint = ''  # a source for heads that do not call the default one

    def get_record_data(self,
                        record_idx: int = 0,
                        data_idx: Optional[int] = None) -> Any:
        if record_idx >= len(self.data_buffer):
            raise ValueError(
                f'{type(self).__name__[:-len("Recorder")]}: the student '
                f'never called {self.source} in its loss, so there are no '
                'labels: give the recorder the source method its head '
                f'calls{self.hint}. (A recorder of the same method among '
                'the teacher recorders of SelfDistill would also take '
                'the calls: record the labels once, from the student.)')
        return super().get_record_data(record_idx, data_idx)


@TASK_UTILS.register_module()
class SegGtLabelsRecorder(_LabelsRecorder):
    """The decode head's label maps ``(N, 1, H, W)`` at input resolution.

    Records ``BaseDecodeHead._stack_batch_gt``, which every mmseg decode
    head calls in its loss; the first record is the decode head's (the
    auxiliary heads' come after and are the same maps).

    Args:
        source (str): The method recorded. Defaults to mmseg's
            ``BaseDecodeHead._stack_batch_gt``.
    """

    def __init__(self, source: str = 'mmseg.models.decode_heads.'
                 'decode_head.BaseDecodeHead._stack_batch_gt') -> None:
        super().__init__(source)


@TASK_UTILS.register_module()
class DetTargetLabelsRecorder(_LabelsRecorder):
    """A dense head's assigned class per anchor/point, one tensor per level.

    Records the labels among the outputs of the head's ``get_targets``:
    for ``AnchorHead`` (RetinaNet, GFL, ...) ``(N, H*W*A)`` labels per
    level, for ``FCOSHead`` ``(N*H*W, )`` per level; background is label
    ``num_classes``, so label-based losses use the positive anchors (the
    sigmoid heads have no background logit to distil against).

    An anchor to which the head gives a label weight of 0 is labelled
    ``NOT_A_SAMPLE`` (-1): one its assigner ignores (a RetinaNet IoU between
    the negative and positive thresholds) or one in the padding of a
    smaller image of the batch. mmdet labels both background; the official
    CrossKD and BCKD weight their terms by the label weights, so the head
    losses leave such anchors out, and the label-based losses never take
    them (they keep labels 0..C-1).

    Args:
        source (str): The ``get_targets`` recorded. Defaults to mmdet's
            ``AnchorHead.get_targets``; use
            ``'mmdet.models.dense_heads.fcos_head.FCOSHead.get_targets'``
            for FCOS, ``'...gfl_head.GFLHead.get_targets'`` for GFL.
    """

    hint = (", e.g. source='mmdet.models.dense_heads.fcos_head.FCOSHead."
            "get_targets'")

    def __init__(self, source: str = 'mmdet.models.dense_heads.anchor_head.'
                 'AnchorHead.get_targets') -> None:
        super().__init__(source)

    def method_record_wrapper(self, orgin_method: Callable,
                              data_buffer: List) -> Callable:
        """Record only the labels, the first of the targets."""

        @functools.wraps(orgin_method)
        def wrap_method(*args, **kwargs):
            targets = orgin_method(*args, **kwargs)
            data_buffer.append(target_labels(targets))
            return targets

        return wrap_method


NOT_A_SAMPLE = -1


def target_labels(targets: tuple) -> List[Tensor]:
    """The per-level labels among a head's targets: the first list of
    integer tensors (``GFLHead.get_targets`` puts its priors first), with
    ``NOT_A_SAMPLE`` where the label weights that follow them are 0."""
    index, labels = next(
        (i, part) for i, part in enumerate(targets)
        if isinstance(part, (list, tuple)) and part and all(
            torch.is_tensor(x) and not x.is_floating_point() for x in part))
    weights = targets[index + 1] if index + 1 < len(targets) else None
    if not (isinstance(weights, (list, tuple))
            and len(weights) == len(labels) and all(
                torch.is_tensor(w) and w.shape == y.shape
                for w, y in zip(weights, labels))):
        return labels  # no label weights (FCOS): every label is a sample
    return [
        y.masked_fill(w == 0, NOT_A_SAMPLE) for y, w in zip(labels, weights)
    ]


@TASK_UTILS.register_module()
class LDRegionsRecorder(_LabelsRecorder):
    """A GFL head's two LD regions per level: its ATSS labels and the VLR.

    Records, from the student's ``GFLHead.get_targets``, a pair
    ``(labels, vlr_weights)``, each one ``(N, H*W)`` tensor per level: the
    assigned class per prior (background is ``num_classes``), whose
    positives are LD's main distillation region, and the weight of each
    prior in the valuable localization region
    (:func:`akd.models.task_modules.valuable_localization_region`). Map
    ``data_idx=0`` and ``data_idx=1`` to ``LDLoss``'s ``labels`` and
    ``vlr_weights``.

    As in the released code, each image's region is found among its
    priors inside the image (the head's ``anchor_inside_flags``): priors in
    the padding of a smaller image of the batch weigh 0 and take no part in
    the ATSS thresholds.

    Args:
        source (str): The ``get_targets`` recorded. Defaults to mmdet's
            ``GFLHead.get_targets`` (which returns the priors first).
        topk (int): ATSS's candidates per level, as the head's assigner.
            Defaults to 9.
        alpha (float): The VLR's lower bound, a fraction of the ATSS
            threshold. Defaults to 0.25.
        vlr_overlap (str): The overlap of the DIoU that bounds the region:
            ``'iof'``, the intersection over the prior's area, as the
            released code computes it (default), or ``'iou'``, the paper's
            DIoU.
    """

    def __init__(self,
                 source: str = 'mmdet.models.dense_heads.gfl_head.GFLHead.'
                 'get_targets',
                 topk: int = 9,
                 alpha: float = 0.25,
                 vlr_overlap: str = 'iof') -> None:
        super().__init__(source)
        if vlr_overlap not in OVERLAPS:
            raise ValueError(f'LDRegions.vlr_overlap must be one of '
                             f'{OVERLAPS}, got {vlr_overlap!r}')
        self.topk = topk
        self.alpha = alpha
        self.vlr_overlap = vlr_overlap

    def method_record_wrapper(self, orgin_method: Callable,
                              data_buffer: List) -> Callable:
        """Record the labels and the VLR weights of the targets."""
        signature = inspect.signature(orgin_method)

        @functools.wraps(orgin_method)
        def wrap_method(*args, **kwargs):
            bound = signature.bind(*args, **kwargs).arguments
            targets = orgin_method(*args, **kwargs)
            priors, labels = targets[0], target_labels(targets)
            num_level_priors = [level.shape[1] for level in priors]
            image_priors = [  # (P, 4) per image, levels joined
                torch.cat([level[i] for level in priors])
                for i in range(len(bound['batch_img_metas']))
            ]
            with torch.no_grad():
                inside = _inside_flags(bound['self'], image_priors,
                                       bound['valid_flag_list'],
                                       bound['batch_img_metas'])
                vlr = self._vlr_weights(image_priors, num_level_priors,
                                        inside, bound['batch_gt_instances'])
            data_buffer.append((labels, vlr))
            return targets

        return wrap_method

    def _vlr_weights(self, image_priors: List[Tensor],
                     num_level_priors: List[int], inside: List[Tensor],
                     gt_instances: list) -> List[Tensor]:
        """Per level ``(N, P_l)`` VLR weights of each image's priors
        ``(P, 4)``, found among those inside it (``(P, )`` flags)."""
        per_image = []
        for priors, flags, gt in zip(image_priors, inside, gt_instances):
            num_inside = [int(f.sum()) for f in flags.split(num_level_priors)]
            weights = priors.new_zeros(priors.shape[0])
            weights[flags] = valuable_localization_region(
                priors[flags], num_inside, gt.bboxes, self.topk, self.alpha,
                self.vlr_overlap)
            per_image.append(weights)
        return [
            torch.stack(level)
            for level in zip(*(w.split(num_level_priors) for w in per_image))
        ]


def _inside_flags(head, image_priors: List[Tensor], valid_flags: list,
                  img_metas: List[dict]) -> List[Tensor]:
    """Each image's ``(P, )`` priors that its head trains on: valid (not in
    the batch's padding) and within ``train_cfg.allowed_border``, as
    ``GFLHead._get_targets_single`` computes them. ``get_targets`` has
    already joined each image's per-level flags."""
    allowed_border = head.train_cfg.get('allowed_border', -1)
    flags = []
    for priors, image_flags, meta in zip(image_priors, valid_flags,
                                         img_metas):
        if isinstance(image_flags, (list, tuple)):
            image_flags = torch.cat(image_flags)
        flags.append(
            anchor_inside_flags(priors, image_flags, meta['img_shape'][:2],
                                allowed_border))
    return flags


@TASK_UTILS.register_module()
class HeadAnchorsRecorder(_LabelsRecorder):
    """An anchor head's anchors, one ``(N, H*W*A, 4)`` tensor per level.

    Records the first output of the student's ``AnchorHead.get_anchors``
    (called in its loss), stacked over the images, in the order of the
    head's per-anchor outputs (``permute(0, 2, 3, 1)``), for losses that
    decode boxes from anchor deltas.

    Args:
        source (str): The ``get_anchors`` recorded. Defaults to mmdet's
            ``AnchorHead.get_anchors``.
    """

    def __init__(self, source: str = 'mmdet.models.dense_heads.anchor_head.'
                 'AnchorHead.get_anchors') -> None:
        super().__init__(source)

    def method_record_wrapper(self, orgin_method: Callable,
                              data_buffer: List) -> Callable:
        """Record the anchors, stacked per level."""

        @functools.wraps(orgin_method)
        def wrap_method(*args, **kwargs):
            anchors = orgin_method(*args, **kwargs)
            per_image = anchors[0]  # [image][level] (H*W*A, 4)
            data_buffer.append(
                [torch.stack(level) for level in zip(*per_image)])
            return anchors

        return wrap_method
