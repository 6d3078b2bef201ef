"""DIST's inter- and intra-class relations on dense logits.

Huang et al., "Knowledge Distillation from A Stronger Teacher", NeurIPS 2022.
https://arxiv.org/abs/2205.10536
Official code, with a segmentation setting (read, not copied):
https://github.com/hunto/DIST_KD
"""
from typing import Optional, Tuple

from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels
from ..structures.pixel_samples import loss_rows
from .utils.loss_args import (check_non_negative, check_num_classes,
                              check_positive)


def pearson(a: Tensor, b: Tensor, dim: int, eps: float = 1e-8) -> Tensor:
    """Pearson correlation of a and b along ``dim``.

    rho = sum (a - mean a)(b - mean b) / (|a - mean a| |b - mean b| + eps),
    the official code's form (eps keeps a constant vector at rho = 0).
    """
    a = a - a.mean(dim, keepdim=True)
    b = b - b.mean(dim, keepdim=True)
    return (a * b).sum(dim) / (a.norm(dim=dim) * b.norm(dim=dim) + eps)


def dist_relations(preds_S: Tensor, preds_T: Tensor,
                   tau: float) -> Tuple[Tensor, Tensor]:
    """DIST's inter- and intra-class terms of M rows of logits.

    Args:
        preds_S (Tensor): Student logits ``(M, C)``.
        preds_T (Tensor): Teacher logits ``(M, C)``.
        tau (float): Temperature.

    Returns:
        tuple: inter = 1 - mean_i rho(Y^S_i:, Y^T_i:) (each row correlated
        over its C classes) and intra = 1 - mean_c rho(Y^S_:c, Y^T_:c) (each
        class correlated over the M rows), Y = softmax(z / tau).
    """
    Y_S = (preds_S / tau).softmax(dim=1)  # (M, C)
    Y_T = (preds_T / tau).softmax(dim=1)  # (M, C)
    inter = 1 - pearson(Y_S, Y_T, dim=1).mean()  # (M,) rows, averaged
    intra = 1 - pearson(Y_S, Y_T, dim=0).mean()  # (C,) classes, averaged
    return inter, intra


@MODELS.register_module()
class DenseDISTLoss(nn.Module):
    """DIST's relation matching, every pixel or anchor a sample.

    On the M rows of logits z^S_i, z^T_i (i = 1..M) with Y = softmax(z/tau)
    row-wise, Y^S and Y^T of shape ``(M, C)``,

        inter = 1 - 1/M * sum_i rho(Y^S_i:, Y^T_i:),
        intra = 1 - 1/C * sum_c rho(Y^S_:c, Y^T_:c),
        L = loss_weight * tau^2 * (inter_loss_weight * inter
                                   + intra_loss_weight * intra),

    with rho the Pearson correlation (``pearson``). The inter-class term
    averages each pixel's correlation over its classes; the intra-class term
    correlates each class's probabilities over all M pixels of the batch and
    averages over classes. Neither grows with H*W: nearest upsampling leaves
    both unchanged. The rows come from ``pixel_samples``: ``(N, C, H, W)``
    maps give N*H*W rows, and a tuple of FPN levels of ``(N, A*C, H, W)``
    per-anchor logits (``num_classes=C``) gives all anchors of all levels, so
    intra correlates over every anchor. Every row counts, unless ``labels``
    are given: then the rows labelled -1 (anchors without label weight:
    ignored by the assigner, or in the batch's padding, as
    ``DetTargetLabels`` marks them) or 255 (ignored pixels) are left out,
    and background stays. The detection configs map the student's
    ``DetTargetLabels``; the segmentation configs give none, as the
    official code uses every pixel. Without rows the loss is a zero that
    keeps the graph.

    MMRazor's ``DISTLoss`` on ``(N, C, H, W)`` computes the same inter term,
    but its intra term correlates the N images' values at each (class,
    pixel): with batch 2 every such correlation is +-1, so the term counts
    sign agreements between the two images, a step function with no
    gradient but eps's, and with batch 1 it is the constant 1. The relation
    between the pixels of an image never enters, hence a new name.
    The official segmentation code (``segmentation/losses/dist_kd.py``)
    reshapes the maps to ``(N*W*H, C)`` rows as here (row order does not
    matter) and uses all pixels, without temperature (tau=1, no tau^2),
    with weights beta = gamma = 1 and loss weight 1 on the main head and 0.4
    on the auxiliary head. Unlike MMRazor's ``DISTLoss``, which takes
    ``logits_S, logits_T``, ``forward`` takes ``preds_S, preds_T`` as every
    dense loss here, and the teacher is not detached (the distiller runs it
    without gradient).

    Args:
        tau (float): Temperature. Defaults to 1.0.
        inter_loss_weight (float): Weight of the inter-class term (the
            paper's beta). Defaults to 1.0.
        intra_loss_weight (float): Weight of the intra-class term (gamma).
            Defaults to 1.0.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): C where logit channels are A anchors x
            C classes (detection heads). Defaults to None (channels = C).

    Example:
        >>> import torch
        >>> from akd.losses.dense_dist import DenseDISTLoss
        >>> loss = DenseDISTLoss(tau=1.0)
        >>> preds_S = torch.randn(2, 19, 8, 16)
        >>> loss(preds_S, preds_S.clone()).abs() < 1e-5
        tensor(True)
    """

    def __init__(self,
                 tau: float = 1.0,
                 inter_loss_weight: float = 1.0,
                 intra_loss_weight: float = 1.0,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_positive(self, 'tau', tau)
        check_non_negative(self, 'inter_loss_weight', inter_loss_weight)
        check_non_negative(self, 'intra_loss_weight', intra_loss_weight)
        check_num_classes(self, num_classes)
        self.tau = tau
        self.inter_loss_weight = inter_loss_weight
        self.intra_loss_weight = intra_loss_weight
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                labels: Optional[Levels] = None) -> Tensor:
        """Args: preds_S, preds_T (Tensor | tuple): logits ``(N, C, H, W)``,
        ``(M, C)`` or FPN levels; labels (optional): per-anchor labels or
        label maps (``pixel_samples``), to leave out the rows that are no
        samples."""
        S, T, _ = loss_rows(self, preds_S, preds_T, labels,
                            keep_background=True)
        if S.shape[0] == 0:
            return S.sum() * 0  # no rows; keeps the graph
        inter, intra = dist_relations(S, T, self.tau)
        return self.loss_weight * self.tau**2 * (
            self.inter_loss_weight * inter + self.intra_loss_weight * intra)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, inter_loss_weight={self.inter_loss_weight}, '
                f'intra_loss_weight={self.intra_loss_weight}, '
                f'loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')
