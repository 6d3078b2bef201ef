"""Dense logits as samples: every pixel or anchor is one row of logits.

The zoo's convention (docs/method_zoo.md): a logit loss given
``(N, C, H, W)`` maps equals the same loss on the ``(N*H*W, C)`` matrix of
pixel logits, with ignored pixels left out. Detection logits
``(N, A*C, H, W)`` are A anchors of C classes at each position (mmdet's
layout), and a tuple of FPN levels is one set of rows.

Labels follow the logits: segmentation maps ``(N, H', W')`` or
``(N, 1, H', W')`` are resized to ``(H, W)`` by nearest neighbour; detection
targets are the head's per-anchor labels, one ``(N, H*W*A)`` tensor per
level (``AnchorHead.get_targets``), where background is label C. A row whose
label is not a class in [0, C) (255 = ignore, C = background, -1 = an
anchor the head gives no weight: ignored by its assigner or in the batch's
padding) is dropped. The losses that distil every anchor keep background
and drop -1: the head losses (``QualityFocalKDLoss``, the GIoU and
distribution KD) through :func:`level_labels`, DIST and BD-KD given labels
through ``pixel_samples(..., keep_background=True)``.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .levels import Levels, as_levels


def anchor_view(logits: Tensor, num_classes: Optional[int] = None) -> Tensor:
    """``(N, A*C, *spatial)`` as an ``(N, *spatial, A, C)`` view, no copy.

    Flattening the leading dims gives the rows in mmdet's anchor order.

    Args:
        logits (Tensor): ``(N, C)`` rows, or maps ``(N, A*C, ...)``.
        num_classes (int, optional): C, where channels hold A anchors of C
            classes each. Defaults to None (A = 1).
    """
    channels = logits.shape[1]
    C = num_classes or channels
    if channels % C:
        raise ValueError(
            f'num_classes={C} does not divide the {channels} logit channels: '
            'set the loss\'s num_classes to the head\'s number of classes '
            '(channels = anchors x classes).')
    anchors = logits.unflatten(1, (channels // C, C))  # (N, A, C, ...)
    return anchors.movedim((1, 2), (-2, -1))  # (N, ..., A, C)


def label_rows(labels: Tensor, logits: Tensor, num_classes: int) -> Tensor:
    """One label per row of ``anchor_view(logits, num_classes)``.

    Args:
        labels (Tensor): Segmentation maps ``(N, H', W')``/``(N, 1, H', W')``
            (resized to the logits' size by nearest neighbour), per-anchor
            detection labels ``(N, H*W*A)``, or ``(M, )`` for ``(M, C)``
            logits.
        logits (Tensor): The logits the labels belong to.
        num_classes (int): C.
    """
    rows = logits.numel() // num_classes
    if logits.dim() == 4 and labels.dim() in (3, 4):
        if labels.dim() == 4:
            labels = labels.squeeze(1)  # (N, H', W')
        labels = F.interpolate(
            labels[:, None].float(), size=logits.shape[2:],
            mode='nearest')[:, 0].long()  # (N, H, W)
    labels = labels.reshape(-1)
    if labels.numel() != rows:
        raise ValueError(
            f'gt_labels {tuple(labels.shape)} do not fit logits '
            f'{tuple(logits.shape)} ({rows} rows of {num_classes} classes): '
            'give per-pixel maps (N, H, W) for segmentation, or per-anchor '
            'labels (N, H*W*A) per level for detection with num_classes set '
            'to the head\'s number of classes.')
    return labels


def pixel_samples(
    preds_S: Levels,
    preds_T: Optional[Levels] = None,
    gt_labels: Optional[Levels] = None,
    num_classes: Optional[int] = None,
    keep_background: bool = False,
) -> Tuple[Tensor, Optional[Tensor], Optional[Tensor]]:
    """Rows of student logits, teacher logits and labels, ignored dropped.

    Args:
        preds_S (Tensor | Sequence[Tensor]): Student logits, or one tensor
            per FPN level.
        preds_T (Tensor | Sequence[Tensor], optional): Teacher logits, shaped
            as the student's.
        gt_labels (Tensor | Sequence[Tensor], optional): Labels (see
            ``label_rows``): one tensor, or one per level.
        num_classes (int, optional): C, if channels are anchors x classes.
        keep_background (bool): Keep the rows labelled C (detection's
            background) too, for losses that distil every sample: then only
            -1 (no label weight) and ignored labels (255) are dropped.
            Defaults to False.

    Returns:
        tuple: ``(M, C)`` student rows, ``(M, C)`` teacher rows (or None) and
        ``(M, )`` labels in [0, C) (or None); in [0, C] with
        ``keep_background``.
    """
    levels_S = as_levels(preds_S)
    levels_T = None if preds_T is None else as_levels(preds_T)
    if levels_T is not None:
        shapes_S = [tuple(x.shape) for x in levels_S]
        shapes_T = [tuple(x.shape) for x in levels_T]
        if shapes_S != shapes_T:
            raise ValueError(
                f'student logits {shapes_S} != teacher logits {shapes_T}: '
                'record the same head outputs from both models (or map the '
                'student with a connector in model.distiller.connectors).')
    views_S = [anchor_view(x, num_classes) for x in levels_S]
    views_T = None if levels_T is None else [
        anchor_view(x, num_classes) for x in levels_T]
    C = views_S[0].shape[-1]
    if gt_labels is None:
        return _rows(views_S), _rows(views_T), None
    levels_y = as_levels(gt_labels)
    if len(levels_y) != len(levels_S):
        raise ValueError(
            f'{len(levels_S)} levels of logits but {len(levels_y)} of '
            'gt_labels: give one label tensor per level.')
    ys = [label_rows(y, x, C).long() for y, x in zip(levels_y, levels_S)]
    last = C if keep_background else C - 1
    keeps = [(y >= 0) & (y <= last) for y in ys]
    if bool(torch.cat(keeps).all()):
        return _rows(views_S), _rows(views_T), torch.cat(ys)
    # Select the kept rows from the strided views: only they are copied, and
    # the backward scatters into the logits' layout without a permute.
    return (_rows(views_S, keeps), _rows(views_T, keeps),
            torch.cat([y[keep] for y, keep in zip(ys, keeps)]))


def _rows(views: Optional[Sequence[Tensor]],
          keeps: Optional[Sequence[Tensor]] = None) -> Optional[Tensor]:
    """The ``(M, C)`` rows of anchor views, only the kept ones if given."""
    if views is None:
        return None
    if keeps is None:
        return torch.cat([v.flatten(0, -2) for v in views])
    return torch.cat(
        [v[keep.view(v.shape[:-1])] for v, keep in zip(views, keeps)])


def sample_anchors(labels: Tensor, logits: Tensor) -> Tensor:
    """Which anchors of ``logits`` are samples: not those labelled -1 (an
    anchor without label weight: ignored by the assigner, or in the batch's
    padding) or 255 (an ignored pixel); background stays a sample.

    Args:
        labels (Tensor): Per-anchor labels ``(N, H*W*A)`` of logits
            ``(N, A*C, H, W)`` (A anchors of C classes, mmdet's order;
            A is read from the label count), or label maps ``(N, H, W)``
            at the logits' size.
        logits (Tensor): The logits the labels belong to.

    Returns:
        Tensor: ``(N, A, H*W)``, True for a sample.
    """
    N, channels = logits.shape[:2]
    positions = logits.numel() // channels
    anchors = labels.numel() // positions
    if anchors * positions != labels.numel() or channels % anchors:
        raise ValueError(
            f'labels {tuple(labels.shape)} do not fit logits '
            f'{tuple(logits.shape)}: give one label per anchor, (N, H*W*A) '
            'per level (DetTargetLabels), or label maps (N, H, W) at the '
            "logits' size.")
    keep = (labels >= 0) & (labels != 255)
    return keep.reshape(N, -1, anchors).transpose(1, 2)  # (N, A, H*W)


def masked_sum(terms: Tensor,
               samples: Tensor,
               avatars: bool = False) -> Tensor:
    """The sum of ``terms`` ``(N, A*C, ...)`` over the anchors that
    ``samples`` ``(N, A, H*W)`` keeps, or per avatar of ``(K, N, A*C, ...)``
    terms with ``avatars``: each anchor's C terms are summed first, so no
    mask of the logits' size is written."""
    N, anchors, positions = samples.shape
    lead = terms.shape[:1] if avatars else ()
    per_anchor = terms.reshape(*lead, N, anchors, -1, positions).sum(
        dim=-2)  # (..., N, A, H*W)
    return (per_anchor * samples).sum(dim=(-3, -2, -1))


def loss_rows(
    loss: nn.Module,
    preds_S: Levels,
    preds_T: Optional[Levels] = None,
    gt_labels: Optional[Levels] = None,
    keep_background: bool = False,
) -> Tuple[Tensor, Optional[Tensor], Optional[Tensor]]:
    """``pixel_samples`` with ``loss.num_classes``, its errors prefixed with
    the loss's class name (``NKDLoss: gt_labels ...``)."""
    try:
        return pixel_samples(preds_S, preds_T, gt_labels, loss.num_classes,
                             keep_background)
    except ValueError as error:
        raise ValueError(f'{type(loss).__name__}: {error}') from None


def level_labels(loss: nn.Module, labels: Levels,
                 levels: Sequence[Tensor]) -> Sequence[Tensor]:
    """A head loss's per-anchor labels as one tensor per level of its
    predictions ``levels``; a label of -1 (``NOT_A_SAMPLE``) marks an
    anchor that is no sample.

    Raises a ``ValueError`` naming ``loss``'s class when the level counts
    differ.
    """
    label_levels = as_levels(labels)
    if len(label_levels) != len(levels):
        raise ValueError(
            f'{type(loss).__name__}: {len(levels)} levels of predictions '
            f'but {len(label_levels)} of labels: map labels to the '
            "student's DetTargetLabels record of the same levels (under "
            'AvatarKDLoss, which splits labels by level, map all_labels to '
            'it too).')
    return label_levels


def non_target(x: Tensor, labels: Tensor) -> Tensor:
    """Each row of ``x`` ``(M, C)`` without its label's column: ``(M, C-1)``,
    row i holding x[i, c] for c != labels[i], in class order."""
    M, C = x.shape
    cols = torch.arange(C - 1, device=x.device).expand(M, C - 1)
    cols = cols + (cols >= labels[:, None]).long()  # skip the label column
    return x.gather(1, cols)
