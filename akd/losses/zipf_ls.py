"""Zipf's label smoothing: self-distillation from the student's own ranking.

Liang et al., "Efficient One Pass Self-distillation with Zipf's Label
Smoothing", ECCV 2022. https://arxiv.org/abs/2207.12980
Official code (MegEngine and PyTorch, read, not copied):
https://github.com/megvii-research/zipfls
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels
from ..structures.pixel_samples import loss_rows
from .utils.loss_args import check_non_negative, check_num_classes


def zipf_ranks(logits: Tensor) -> Tensor:
    """1-based class ranks per row, ties sharing their smallest rank.

    rank_ic = 1 + #{j : z_ij > z_ic}, as ``scipy.stats.rankdata(-z,
    method='min')`` in the official code. NKD's Zipf labels
    (:func:`akd.losses.nkd.zipf_non_target_labels`) give tied logits
    distinct, consecutive ranks instead; the two differ only on exactly
    equal logits.

    Args:
        logits (Tensor): ``(M, C)``.

    Returns:
        Tensor: ``(M, C)`` ranks in [1, C], in the logits' dtype.
    """
    M, C = logits.shape
    values, order = logits.sort(dim=1, descending=True)  # (M, C)
    position = torch.arange(C, device=logits.device).expand(M, C)
    new_value = torch.ones_like(values, dtype=torch.bool)
    new_value[:, 1:] = values[:, 1:] != values[:, :-1]
    # each sorted position takes the position where its run of ties starts
    first_of_ties = (position * new_value).cummax(dim=1).values  # (M, C)
    ranks = torch.empty_like(logits)
    return ranks.scatter_(1, order, (first_of_ties + 1).to(logits.dtype))


def zipf_targets(ranks: Tensor, gt_labels: Tensor, power: float) -> Tensor:
    """q_ic = rank_ic^-power / sum_{j != y_i} rank_ij^-power, q_iy = 0.

    Args:
        ranks (Tensor): ``(M, C)`` ranks over all C classes, target
            included (``zipf_ranks``).
        gt_labels (Tensor): ``(M, )`` target classes y.
        power (float): Exponent of the Zipf law.

    Returns:
        Tensor: ``(M, C)`` distributions over the non-target classes.
    """
    is_target = F.one_hot(gt_labels, ranks.shape[1]).bool()  # (M, C)
    mass = ranks.pow(-power).masked_fill(is_target, 0)  # (M, C)
    return mass / mass.sum(dim=1, keepdim=True)


def zipf_ls_loss(preds_S: Tensor, preds_T: Tensor, gt_labels: Tensor,
                 power: float) -> Tensor:
    """L = 1/M * sum_i KL(q_i || softmax_{c != y_i}(S_i)), q from ranks of T.

    Summed over the C - 1 non-target classes of a row, averaged over the M
    rows; M = 0 gives a zero connected to ``preds_S``. The target q is a
    constant (``preds_T`` is only sorted).

    Args:
        preds_S (Tensor): Student logits ``(M, C)``, C >= 2.
        preds_T (Tensor): Logits ``(M, C)`` whose ranking gives the target.
        gt_labels (Tensor): ``(M, )`` classes in [0, C).
        power (float): Exponent of the Zipf law.
    """
    M, C = preds_S.shape
    q = zipf_targets(zipf_ranks(preds_T.detach()), gt_labels, power)
    is_target = F.one_hot(gt_labels, C).bool()  # (M, C)
    # the student's distribution over its non-target classes
    log_p = F.log_softmax(preds_S.masked_fill(is_target, float('-inf')),
                          dim=1).masked_fill(is_target, 0)  # (M, C)
    kl = (torch.xlogy(q, q) - q * log_p).sum(dim=1)  # (M,)
    return kl.sum() / max(M, 1)


@MODELS.register_module()
class ZipfLSLoss(nn.Module):
    """KL from a Zipf-law target over the non-target classes, ranked by
    the student's own (detached) prediction, to the student.

    Zipf's LS (Liang et al.) trains with L_CE + lambda * L_Zipf. For each
    sample the classes are ranked by the model's own prediction (rank 1 the
    largest logit, ties sharing the smallest rank, the target class
    included in the ranking), the non-target classes get the Zipf law
    q_c proportional to rank_c^-power, and the student's softmax over its
    non-target classes is pulled to q. For M rows of logits S with labels y
    and ranking logits T,

        L = loss_weight / M * sum_i sum_{c != y_i} q_ic log(q_ic / p_ic),
        q_ic = rank_ic(T_i)^-power / sum_{j != y_i} rank_ij(T_i)^-power,
        p_ic = exp(S_ic) / sum_{j != y_i} exp(S_ij).

    This is the official code's ``zipf_loss`` (its rank mode ``'hard'``,
    ``dense=False``) with ``loss_weight`` as lambda: 0.1 on CIFAR-100 and
    ImageNet, 1.0 on TinyImageNet and iNat21, power 1 throughout. The target
    class is left to the cross-entropy, which is the student's own task
    loss (e.g. the decode head's ``loss_ce``) and is not repeated here. The
    method has no temperature.

    ``preds_T`` is the logits the ranking is built from: in a teacher-free
    config, the student's own logits recorded a second time (MMRazor's
    ``SelfDistill`` teacher recorders hook the student). The target is a
    constant by the method's definition, so ``preds_T`` is always detached:
    only ``preds_S`` receives gradient.

    Dense input is per pixel (``pixel_samples``): each pixel or anchor is a
    sample ranked by its own logits, and the loss is an average over kept
    rows, not growing with resolution. Labels ``(N, H', W')`` are resized
    to the logits by nearest neighbour; detection takes per-anchor labels
    ``(N, H*W*A)`` per level with ``num_classes=C``. Rows labelled 255
    (ignore) or C (background) have no target class and are dropped; with
    none left the loss is a zero connected to ``preds_S``. The official
    "dense" ranking instead ranks an image's classes by votes of the
    per-location argmax over its feature map: a segmentation pixel has no
    map of its own to vote over, so here each pixel ranks its own logits,
    the official ``dense=False`` mode.

    Args:
        power (float): Exponent of the Zipf law, >= 0 (0 gives a uniform
            target). Defaults to 1.0.
        loss_weight (float): lambda, the scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C, where channels hold A anchors of C
            classes each. Defaults to None (every channel a class).

    Example:
        >>> import torch
        >>> from akd.losses.zipf_ls import ZipfLSLoss
        >>> loss = ZipfLSLoss(loss_weight=0.1)
        >>> logits = torch.randn(2, 19, 8, 16, requires_grad=True)
        >>> labels = torch.randint(0, 19, (2, 32, 64))  # resized to 8 x 16
        >>> loss(logits, logits, labels).shape
        torch.Size([])
        >>> ignored = torch.full((2, 8, 16), 255)
        >>> loss(logits, logits, ignored).item()
        0.0
    """

    def __init__(self,
                 power: float = 1.0,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_non_negative(self, 'power', power, '1 is the Zipf law')
        check_num_classes(self, num_classes)
        self.power = power
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self, preds_S: Levels, preds_T: Levels,
                gt_labels: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): logits
        ``(N, A*C, H, W)`` or ``(M, C)``, or one per level; gt_labels
        (Tensor | Sequence[Tensor]): labels as in ``pixel_samples``."""
        S, T, y = loss_rows(self, preds_S, preds_T, gt_labels)
        if S.shape[1] < 2:
            raise ValueError(
                f'{type(self).__name__}: the logits have {S.shape[1]} class: '
                "Zipf's LS needs non-target classes; set num_classes if the "
                'channels are anchors x classes.')
        return self.loss_weight * zipf_ls_loss(S, T, y, self.power)

    def extra_repr(self) -> str:
        return (f'power={self.power}, loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')
