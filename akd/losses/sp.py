"""Similarity-preserving distillation: match the batch's pairwise similarities.

Tung and Mori, "Similarity-Preserving Knowledge Distillation", ICCV 2019.
https://arxiv.org/abs/1907.09682
"""
from typing import Sequence

import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, paired_levels
from ..utils.full_precision import autocast_off
from .utils.loss_args import check_non_negative


def normalized_gram(feats: Tensor) -> Tensor:
    """G~ = row-normalised Q Q^T of Q = feats reshaped ``(b, C*H*W)``.

    Each row G_i = (<Q_i, Q_j>)_j is divided by its L2 norm, so G~ does not
    change when ``feats`` is scaled. An all-zero row stays zero. Computed in
    float32, autocast off, as half-precision inner products of C*H*W terms
    can overflow.

    Args:
        feats (Tensor): Activations ``(b, ...)``, e.g. ``(b, C, H, W)``.

    Returns:
        Tensor: G~, ``(b, b)``.
    """
    with autocast_off(feats):
        Q = feats.flatten(1).float()  # (b, C*H*W)
        return F.normalize(Q @ Q.t(), p=2, dim=1)  # (b, b)


def similarity_preserving(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """L = 1/b^2 * ||G~_T - G~_S||_F^2 for one student/teacher pair.

    Args:
        preds_S (Tensor): Student activations ``(b, ...)``.
        preds_T (Tensor): Teacher activations ``(b, ...)``; only b must
            equal the student's.

    Returns:
        Tensor: The scalar loss.
    """
    b = preds_S.shape[0]
    diff = normalized_gram(preds_T) - normalized_gram(preds_S)  # (b, b)
    return (diff**2).sum() / b**2


@MODELS.register_module()
class SPLoss(nn.Module):
    """Similarity-preserving KD: the student keeps the teacher's b x b
    similarities between the samples of a batch.

    For a batch of b samples and activations A (``(b, C, H, W)`` or any
    ``(b, ...)``), Q = A reshaped ``(b, C*H*W)``, G = Q Q^T and G~ = G with
    each row divided by its L2 norm. With layer pairs l = 1..L (a tuple of
    levels, e.g. FPN outputs; one pair for plain tensors),

        L = loss_weight * sum_l 1/b^2 * ||G~_T^(l) - G~_S^(l)||_F^2,

    the squared differences summed over the b^2 entries and averaged, then
    summed over the pairs, as the paper's L_SP (its gamma is
    ``loss_weight``: 3000 in the CIFAR-10 experiments).

    Normalisation: G~ is invariant to the scale of the activations, and
    nearest-upsampling a map multiplies every inner product by the same
    factor, so the loss does not grow with H*W (nor with C). The rows of G~
    have unit norm, so L <= 4/b per pair. Student and teacher may differ in
    C, H and W: only the batch size b must agree, and no connector is needed.
    With b = 1, G~ is the 1 x 1 matrix [1] for both (or [0] for an all-zero
    map), so the loss is 0: SP needs several samples per batch (per GPU, as
    the Gram is computed on each rank's batch).

    Args:
        loss_weight (float): Scale of the loss, the paper's gamma.
            Defaults to 1.0.

    Example:
        >>> import torch
        >>> from akd.losses.sp import SPLoss
        >>> loss = SPLoss(loss_weight=3000.0)
        >>> student = torch.randn(4, 64, 8, 8)
        >>> teacher = torch.randn(4, 256, 16, 16)  # other C, H and W
        >>> loss(student, teacher).shape
        torch.Size([])
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight

    def forward(self, preds_S: Levels, preds_T: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): activations
        ``(b, ...)``, or tuples of them with one entry per layer pair."""
        preds_S, preds_T = paired_levels(self, preds_S, preds_T)
        self._check(preds_S, preds_T)
        return self.loss_weight * sum(
            similarity_preserving(student, teacher)
            for student, teacher in zip(preds_S, preds_T))

    def _check(self, preds_S: Sequence[Tensor],
               preds_T: Sequence[Tensor]) -> None:
        name = type(self).__name__
        for student, teacher in zip(preds_S, preds_T):
            if student.shape[0] != teacher.shape[0]:
                raise ValueError(
                    f'{name}: student shape {tuple(student.shape)} and '
                    f'teacher shape {tuple(teacher.shape)} have different '
                    'batch sizes; the b x b similarities need the same b '
                    'samples from both.')

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}'
