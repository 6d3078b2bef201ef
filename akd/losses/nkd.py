"""Normalized KD and its teacher-free form on dense logits.

Yang et al., "From Knowledge Distillation to Self-Knowledge Distillation: A
Unified Approach with Normalized Loss and Customized Soft Labels", ICCV 2023.
https://arxiv.org/abs/2303.13005
Official code (mmcls, read, not copied): https://github.com/yzd-v/cls_KD
(``mmcls/models/dis_losses/nkd.py`` and ``uskd.py``).

Every pixel or anchor is one sample (``pixel_samples``): both losses are
computed on the ``(M, C)`` rows of logits whose label is a class, and
averaged over those M rows.
"""
from typing import Optional

import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels
from ..structures.pixel_samples import loss_rows, non_target
from .utils.loss_args import (check_non_negative, check_num_classes,
                              check_positive)


def nkd_loss(preds_S: Tensor, preds_T: Tensor, labels: Tensor, tau: float,
             gamma: float) -> Tensor:
    """L = 1/M sum_m [-T_t log S_t
    - gamma * tau^2 * sum_{i != t} N_i(T/tau) log N_i(S/tau)].

    For row m with label t: S = softmax(preds_S), T = softmax(preds_T) at
    temperature 1, and N_i(z/tau) = softmax over the C-1 non-target classes
    of z_i/tau, the non-target probabilities at temperature tau renormalised
    to sum 1. Nothing is detached.

    Args:
        preds_S (Tensor): Student logits ``(M, C)``.
        preds_T (Tensor): Teacher logits ``(M, C)``.
        labels (Tensor): Classes ``(M, )`` in [0, C).
        tau (float): Temperature of the non-target term.
        gamma (float): Weight of the non-target term.
    """
    M, C = preds_S.shape
    if M == 0:
        return preds_S.sum() * 0  # zero, still connected to preds_S
    t = labels[:, None]  # (M, 1)
    log_S_t = F.log_softmax(preds_S, dim=1).gather(1, t)[:, 0]  # (M, )
    T_t = F.softmax(preds_T, dim=1).gather(1, t)[:, 0]  # (M, )
    log_N_S = F.log_softmax(non_target(preds_S, labels) / tau, dim=1)
    N_T = F.softmax(non_target(preds_T, labels) / tau, dim=1)  # (M, C-1)
    cross_non_target = -(N_T * log_N_S).sum(dim=1)  # (M, )
    return (-T_t * log_S_t + gamma * tau**2 * cross_non_target).mean()


def soft_target_labels(P_t: Tensor) -> Tensor:
    """V_t = P_t^2 + 1 - mean_m(P_t^2): squared, shifted to mean 1 (M, )."""
    squared = P_t**2
    return squared + 1 - squared.mean()


def zipf_non_target_labels(preds_T: Tensor, labels: Tensor) -> Tensor:
    """Z_i = (1/r_i) / sum_{j != t} (1/r_j) for the non-target classes.

    r_i is class i's 1-based rank by descending ``preds_T`` among all C
    classes, the label t included (as in the official code), so a row whose
    label ranks first gets non-target labels proportional to 1/2, 1/3, ...
    Tied logits take distinct, consecutive ranks in the order the sort
    leaves them. :func:`akd.losses.zipf_ls.zipf_ranks` ranks otherwise, as
    Zipf's label smoothing's official code does: tied classes share their
    smallest rank. The two differ only on exactly equal logits.

    Args:
        preds_T (Tensor): Logits ``(M, C)`` that rank the classes.
        labels (Tensor): Classes ``(M, )`` in [0, C).

    Returns:
        Tensor: ``(M, C-1)`` labels, each row summing to 1.
    """
    order = preds_T.argsort(dim=1, descending=True)  # (M, C) classes by rank
    rank = order.argsort(dim=1) + 1  # (M, C) 1-based rank of each class
    zipf = non_target(rank.to(preds_T.dtype).reciprocal(), labels)
    return zipf / zipf.sum(dim=1, keepdim=True)  # (M, C-1)


def tf_nkd_loss(preds_S: Tensor, preds_T: Tensor, labels: Tensor,
                alpha: float, beta: float) -> Tensor:
    """L = 1/M sum_m [-alpha * V_t log S_t
    - beta * sum_{i != t} Z_i log N_i(S)].

    For row m with label t: S = softmax(preds_S); P = softmax(preds_T),
    detached; V_t = ``soft_target_labels(P_t)``, whose mean is over the M
    rows; Z = ``zipf_non_target_labels(preds_T)``; N_i(S) = softmax over the
    C-1 non-target classes of preds_S.

    Args:
        preds_S (Tensor): Student logits ``(M, C)``.
        preds_T (Tensor): Logits ``(M, C)`` the soft labels are built from
            (the student's own); detached here.
        labels (Tensor): Classes ``(M, )`` in [0, C).
        alpha (float): Weight of the target term.
        beta (float): Weight of the non-target term.
    """
    M, C = preds_S.shape
    if M == 0:
        return preds_S.sum() * 0  # zero, still connected to preds_S
    preds_T = preds_T.detach()
    t = labels[:, None]  # (M, 1)
    log_S_t = F.log_softmax(preds_S, dim=1).gather(1, t)[:, 0]  # (M, )
    V_t = soft_target_labels(
        F.softmax(preds_T, dim=1).gather(1, t)[:, 0])  # (M, )
    Z = zipf_non_target_labels(preds_T, labels)  # (M, C-1)
    log_N_S = F.log_softmax(non_target(preds_S, labels), dim=1)  # (M, C-1)
    cross_non_target = -(Z * log_N_S).sum(dim=1)  # (M, )
    return (-alpha * V_t * log_S_t + beta * cross_non_target).mean()


@MODELS.register_module()
class NKDLoss(nn.Module):
    """Normalized KD: the teacher's target probability as the target's soft
    label, and its renormalised non-target distribution.

    For the M rows of logits whose label t is a class (every pixel or anchor
    a row, see ``pixel_samples``),

        L = loss_weight / M * sum_m [-T_t log S_t
            - gamma * tau^2 * sum_{i != t} N_i(T/tau) log N_i(S/tau)],

    S = softmax(preds_S), T = softmax(preds_T) at temperature 1, and
    N_i(z/tau) = exp(z_i/tau) / sum_{j != t} exp(z_j/tau), the non-target
    probabilities at temperature tau renormalised over the C-1 non-target
    classes, so that student and teacher non-target distributions both sum
    to 1. Both terms are summed over classes and averaged over the kept
    rows: the value does not grow with H*W, and a map ``(N, C, H, W)`` gives
    the loss of its ``(N*H*W, C)`` pixel rows, ignored pixels (255) and
    background anchors (label C) left out. This is the official code's
    loss for hard labels (soft mixup labels do not occur in dense
    prediction).

    Gradient: nothing is detached (MMRazor's distill algorithms run the
    teacher under ``no_grad``). The official code detaches T_t but not the
    non-target N(T/tau); with a teacher run under ``no_grad`` both are
    constants, and the value is the same.

    Args:
        tau (float): Temperature lambda of the non-target term. Defaults to
            1.0.
        gamma (float): Weight of the non-target term. Defaults to 1.5.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C, where the logit channels are anchors
            x classes (mmdet's ``(N, A*C, H, W)``). Defaults to None (the
            channels are the classes).

    Example:
        >>> import torch
        >>> from akd.losses.nkd import NKDLoss
        >>> loss = NKDLoss(tau=1.0, gamma=1.5)
        >>> preds_S = torch.randn(2, 19, 8, 16)
        >>> preds_T = torch.randn(2, 19, 8, 16)
        >>> gt_labels = torch.randint(0, 19, (2, 32, 64))  # nearest-resized
        >>> gt_labels[:, :4] = 255  # ignored
        >>> loss(preds_S, preds_T, gt_labels).shape
        torch.Size([])
    """

    def __init__(self,
                 tau: float = 1.0,
                 gamma: float = 1.5,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_positive(self, 'tau', tau)
        check_non_negative(self, 'gamma', gamma)
        check_num_classes(self, num_classes)
        self.tau = tau
        self.gamma = gamma
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self, preds_S: Levels, preds_T: Levels,
                gt_labels: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): logits
        ``(N, C, H, W)``, ``(M, C)``, or one ``(N, A*C, H, W)`` per level;
        gt_labels: maps ``(N, H', W')``, ``(M, )`` or one ``(N, H*W*A)`` per
        level (``pixel_samples``)."""
        S, T, labels = loss_rows(self, preds_S, preds_T, gt_labels)
        return self.loss_weight * nkd_loss(S, T, labels, self.tau,
                                           self.gamma)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, gamma={self.gamma}, '
                f'loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')


@MODELS.register_module()
class TFNKDLoss(nn.Module):
    """Teacher-free NKD (USKD): soft labels from the student's own logits.

    For the M rows of logits whose label t is a class (every pixel or anchor
    a row, see ``pixel_samples``),

        L = loss_weight / M * sum_m [-alpha * V_t log S_t
            - beta * sum_{i != t} Z_i log N_i(S)],

    - S = softmax(preds_S), and N(S) the softmax over the C-1 non-target
      logits of preds_S (the student's non-target distribution, at
      temperature 1);
    - the soft target label V_t = P_t^2 + 1 - mean(P_t^2), with
      P = softmax(preds_T): the own target probability, squared, shifted so
      that its mean over the M rows is 1, the hard label's;
    - the soft non-target labels Z_i = (1/r_i) / sum_{j != t} (1/r_j)
      (Zipf's law), r_i the 1-based rank of class i by descending preds_T
      among all C classes, the target included.

    Both terms are summed over classes and averaged over the kept rows: the
    value does not grow with H*W, and a map ``(N, C, H, W)`` gives the loss
    of its ``(N*H*W, C)`` pixel rows, ignored pixels (255) and background
    anchors (label C) left out. The paper's batch mean of P_t^2 becomes the
    mean over the kept rows of one call (all images, and all levels of a
    tuple; ``AvatarKDLoss`` calls the loss level by level, so there it is
    per level).

    ``preds_T`` is the tensor the soft labels are built from: in a
    teacher-free config, the student's own logits recorded a second time
    (MMRazor's ``SelfDistill`` teacher recorders hook the student, so it is
    the very tensor of ``preds_S``). It is always detached, because the soft
    labels are constants by the method's definition (the official code
    detaches both): the gradient reaches the student through preds_S only.

    Left out of the official USKD: the weak supervision. There, a linear
    classifier on pooled intermediate backbone features is trained with
    label-smoothed cross-entropy (weight mu = 0.005), and the classes are
    ranked by w_i/(1-w_t) + S_i/(1-S_t), w its probabilities. A dense loss
    receives only the head's logits, and that classifier would be a further
    trainable module on a recorded backbone stage, which a dense head does
    not have; here the rank comes from the logits alone (S_i/(1-S_t) ranks
    the classes as the logits do). The official soft-label branch (mixup's
    two top classes) does not occur in dense prediction either. The early
    arXiv tf-NKD was the target term alone with V_t = P_t + 1 - mean(P_t).

    Args:
        alpha (float): Weight of the target term. Defaults to 1.0.
        beta (float): Weight of the non-target term. Defaults to 0.1.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C, where the logit channels are anchors
            x classes (mmdet's ``(N, A*C, H, W)``). Defaults to None (the
            channels are the classes).

    Example:
        >>> import torch
        >>> from akd.losses.nkd import TFNKDLoss
        >>> loss = TFNKDLoss(alpha=1.0, beta=0.1)
        >>> logits = torch.randn(2, 19, 8, 16, requires_grad=True)
        >>> gt_labels = torch.randint(0, 19, (2, 8, 16))
        >>> value = loss(logits, logits, gt_labels)  # own logits as target
        >>> value.backward()
        >>> value.shape, logits.grad.shape
        (torch.Size([]), torch.Size([2, 19, 8, 16]))
    """

    def __init__(self,
                 alpha: float = 1.0,
                 beta: float = 0.1,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_non_negative(self, 'alpha', alpha)
        check_non_negative(self, 'beta', beta)
        check_num_classes(self, num_classes)
        self.alpha = alpha
        self.beta = beta
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self, preds_S: Levels, preds_T: Levels,
                gt_labels: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): logits
        ``(N, C, H, W)``, ``(M, C)``, or one ``(N, A*C, H, W)`` per level,
        preds_T detached; gt_labels: maps ``(N, H', W')``, ``(M, )`` or one
        ``(N, H*W*A)`` per level (``pixel_samples``)."""
        S, T, labels = loss_rows(self, preds_S, preds_T, gt_labels)
        return self.loss_weight * tf_nkd_loss(S, T, labels, self.alpha,
                                              self.beta)

    def extra_repr(self) -> str:
        return (f'alpha={self.alpha}, beta={self.beta}, '
                f'loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')
