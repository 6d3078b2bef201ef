"""Label smoothing for the task losses of segmentors and detectors.

Müller, Kornblith and Hinton, "When Does Label Smoothing Help?", NeurIPS
2019. https://arxiv.org/abs/1906.02629

Neither mmseg's nor mmdet's cross-entropy has a smoothing option, and their
focal loss takes hard labels only. These subclasses take ``smoothing`` and
are otherwise the library's loss, so a config swaps the ``type`` of a
decode head's ``loss_decode`` or a detector head's ``loss_cls``. They are
the task losses, not distillation losses: a teacher-free baseline for a
student, or the teacher's own training (Müller et al. find that a teacher
trained with label smoothing distils worse).
"""
import functools

import torch.nn.functional as F
from mmdet.models.losses import CrossEntropyLoss as DetCrossEntropyLoss
from mmdet.models.losses import FocalLoss
from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS as DET_MODELS
from mmseg.models.losses import CrossEntropyLoss as SegCrossEntropyLoss
from mmseg.registry import MODELS as SEG_MODELS
from torch import Tensor


def check_smoothing(owner, smoothing: float) -> None:
    if not 0 <= smoothing < 1:
        raise ValueError(
            f'{type(owner).__name__}: smoothing must be in [0, 1), got '
            f'{smoothing!r} (0.1 is the usual value).')


def smoothed_cross_entropy(pred: Tensor,
                           label: Tensor,
                           weight=None,
                           class_weight=None,
                           reduction: str = 'mean',
                           avg_factor=None,
                           ignore_index=-100,
                           avg_non_ignore: bool = False,
                           smoothing: float = 0.1) -> Tensor:
    """Cross-entropy to the smoothed targets, per pixel or per sample.

    With C classes and the one-hot label y, the target is
    t = (1 - smoothing) * y + smoothing / C, and

        l = -sum_c t_c log softmax(z)_c = (1 - smoothing) CE(y, z)
            + smoothing * mean_c(-log softmax(z)_c);

    ignored labels give 0. The mean divides by all labels, or by the
    non-ignored ones with ``avg_non_ignore``, as mmseg's and mmdet's
    ``cross_entropy`` do.
    """
    if class_weight is not None:
        raise ValueError(
            'LabelSmoothingCrossEntropyLoss: class_weight is not supported '
            'with smoothing; drop the loss\'s class_weight.')
    if ignore_index is None:  # mmdet's default
        ignore_index = -100
    loss = F.cross_entropy(pred, label, reduction='none',
                           ignore_index=ignore_index,
                           label_smoothing=smoothing)
    if avg_factor is None and reduction == 'mean':
        avg_factor = ((label != ignore_index).sum().item()
                      if avg_non_ignore else label.numel())
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight=weight, reduction=reduction,
                              avg_factor=avg_factor)


def smooth_softmax_criterion(loss, smoothing: float) -> None:
    """Make an mmseg/mmdet ``CrossEntropyLoss`` use smoothed targets."""
    check_smoothing(loss, smoothing)
    if loss.use_sigmoid or loss.use_mask:
        raise ValueError(f'{type(loss).__name__} smooths softmax targets: '
                         'set use_sigmoid=False, use_mask=False')
    loss.smoothing = smoothing
    loss.cls_criterion = functools.partial(smoothed_cross_entropy,
                                           smoothing=smoothing)


@SEG_MODELS.register_module(name='LabelSmoothingCrossEntropyLoss')
class SegLabelSmoothingCrossEntropyLoss(SegCrossEntropyLoss):
    """mmseg's ``CrossEntropyLoss`` (softmax) with smoothed targets.

    Args:
        smoothing (float): The mass spread evenly over the classes.
            Defaults to 0.1.
        **kwargs: ``CrossEntropyLoss``'s arguments (``loss_weight``,
            ``avg_non_ignore``, ``loss_name``, ...).
    """

    def __init__(self, smoothing: float = 0.1, **kwargs) -> None:
        super().__init__(**kwargs)
        smooth_softmax_criterion(self, smoothing)


@DET_MODELS.register_module(name='LabelSmoothingCrossEntropyLoss')
class DetLabelSmoothingCrossEntropyLoss(DetCrossEntropyLoss):
    """mmdet's ``CrossEntropyLoss`` (softmax, e.g. a Faster R-CNN box head's
    classes with background) with smoothed targets.

    Args:
        smoothing (float): The mass spread evenly over the classes.
            Defaults to 0.1.
        **kwargs: ``CrossEntropyLoss``'s arguments.
    """

    def __init__(self, smoothing: float = 0.1, **kwargs) -> None:
        super().__init__(**kwargs)
        smooth_softmax_criterion(self, smoothing)


@DET_MODELS.register_module()
class LabelSmoothingFocalLoss(FocalLoss):
    """mmdet's sigmoid ``FocalLoss`` (RetinaNet, FCOS, ...) with smoothed
    binary targets.

    Each class is its own binary problem, so its target is smoothed toward
    1/2: t = (1 - smoothing) * y + smoothing / 2, y = 1 for the anchor's
    class and 0 for the others (all 0 for background). The loss is mmdet's
    focal loss written for soft targets (``py_sigmoid_focal_loss``):

        l = BCE(t, sigmoid(z)) * (alpha t + (1 - alpha)(1 - t))
            * ((1 - p) t + p (1 - t))^gamma,   p = sigmoid(z),

    which is the focal loss at smoothing 0.

    Args:
        smoothing (float): Defaults to 0.1.
        **kwargs: ``FocalLoss``'s arguments (``gamma``, ``alpha``,
            ``loss_weight``, ...).
    """

    def __init__(self, smoothing: float = 0.1, **kwargs) -> None:
        super().__init__(**kwargs)
        check_smoothing(self, smoothing)
        self.smoothing = smoothing

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight=None,
                avg_factor=None,
                reduction_override=None) -> Tensor:
        """Args: pred ``(M, C)`` logits; target ``(M, )`` labels, C for
        background, or ``(M, C)`` one-hot."""
        reduction = reduction_override or self.reduction
        num_classes = pred.size(1)
        if target.dim() == 1:
            target = F.one_hot(target, num_classes + 1)[:, :num_classes]
        target = target.type_as(pred) * (1 - self.smoothing) + \
            self.smoothing / 2
        return self.loss_weight * py_sigmoid_focal_loss(
            pred, target, weight, gamma=self.gamma, alpha=self.alpha,
            reduction=reduction, avg_factor=avg_factor)
