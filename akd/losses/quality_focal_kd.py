"""Binary (per-class sigmoid) distillation of dense classification scores,
modulated by the score gap: the classification KD of CrossKD and BCKD.

Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024 (https://arxiv.org/abs/2306.11369), and Yang et al.,
"Bridging Cross-task Protocol Inconsistency for Distillation in Dense
Object Detection", ICCV 2023 (https://arxiv.org/abs/2308.14286), after the
quality focal loss of GFL (Li et al., NeurIPS 2020).
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels, paired_levels
from ..structures.pixel_samples import anchor_view, level_labels
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_non_negative, check_num_classes


@MODELS.register_module()
class QualityFocalKDLoss(nn.Module):
    """Each class score a binary target: the teacher's sigmoid.

    With s = sigmoid(z_S), t = sigmoid(z_T) (detached) for every prior i
    and class c of every level,

        L = loss_weight / N_pos * sum_ic BCE(s_ic, t_ic) * |t_ic - s_ic|^beta,

    BCE(s, t) = -t log s - (1 - t) log(1 - s), summed over the priors the
    head trains on (not only the positives; ``labels`` -1, an anchor with
    label weight 0, is left out as the official code's label weights leave
    it) and normalised by N_pos, the priors the student's assignment calls
    positive over all levels, counted per image with at least 1 per image
    as mmdet's ``avg_factor`` (:func:`count_positives`).

    Under ``AvatarKDLoss``, which distils level by level and splits
    ``labels`` with the levels, map ``all_labels`` to the same record: it
    is passed whole (``whole_inputs``), so every level is normalised by the
    positives of all levels, as without it.

    Args:
        beta (float): Exponent of the modulating gap. Defaults to 1, as
            CrossKD and BCKD.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        num_classes (int, optional): Classes C, to tell positives
            (labels 0..C-1) from background in ``labels``; None takes the
            logits' channels (one prior per position, as GFL). Defaults to
            None.

    Example:
        >>> import torch
        >>> from akd.losses import QualityFocalKDLoss
        >>> loss = QualityFocalKDLoss()
        >>> student = torch.randn(2, 80, 4, 4)
        >>> teacher = torch.randn(2, 80, 4, 4)
        >>> labels = torch.full((2, 16), 80)
        >>> labels[0, :3] = 7  # three positive priors
        >>> loss(student, teacher, labels).shape
        torch.Size([])
    """
    whole_inputs = ('all_labels', )

    def __init__(self,
                 beta: float = 1.0,
                 loss_weight: float = 1.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        check_non_negative(self, 'beta', beta)
        check_num_classes(self, num_classes)
        self.beta = beta
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.num_classes = num_classes

    def forward(self,
                preds_S: Levels,
                preds_T: Levels,
                labels: Levels,
                all_labels: Optional[Levels] = None) -> Tensor:
        """Args: preds_S, preds_T: classification logits, one level or a
        tuple; labels: the student's assigned class per prior
        (``DetTargetLabels``), one tensor per level of the logits;
        all_labels: those of every level, for N_pos (defaults to
        ``labels``)."""
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        total = sum(
            self._level_sum(s, t.unsqueeze(1), t.new_ones(1), y)
            for s, t, y in zip(levels_S, levels_T,
                               level_labels(self, labels, levels_S)))
        return self.loss_weight * per_positive(
            total, labels, all_labels, self.num_classes
            or levels_S[0].shape[1])

    def avatar_loss(self,
                    preds_S: Tensor,
                    avatars: Tensor,
                    weights: Tensor,
                    labels: Levels,
                    all_labels: Optional[Levels] = None) -> Tensor:
        """sum_k w_k L(S, A_k) for the avatars ``(N, K, C, ...)`` of one
        level's teacher logits, in one pass: the K terms of each logit and
        their gradient are summed as they are computed, and only that
        gradient is kept for the backward, as for one teacher."""
        labels, = level_labels(self, labels, [preds_S])
        total = self._level_sum(preds_S, avatars, weights, labels)
        return self.loss_weight * per_positive(
            total, labels, all_labels, self.num_classes or preds_S.shape[1])

    def _level_sum(self, preds_S: Tensor, avatars: Tensor, weights: Tensor,
                   labels: Tensor) -> Tensor:
        """sum_k w_k sum_ic BCE(s_ic, t_kic) |t_kic - s_ic|^beta over one
        level's samples, t_k = sigmoid of avatar k ``(N, K, A*C, ...)``."""
        num_classes = self.num_classes or preds_S.shape[1]
        anchors = anchor_view(preds_S, num_classes).shape[-2]
        samples = (labels >= 0).reshape(preds_S.shape[0], -1, anchors)
        samples = samples.movedim(-1, 1).reshape(  # (N, A, 1, ...)
            preds_S.shape[0], anchors, 1, *preds_S.shape[2:])
        return GapBCEOverAvatars.apply(preds_S, avatars.detach(), weights,
                                       self.beta, samples, num_classes)

    def extra_repr(self) -> str:
        return (f'beta={self.beta}, loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')


avatar_form(QualityFocalKDLoss)(QualityFocalKDLoss.avatar_loss)


# Elements of one block of anchor rows on CPU: the block's eight buffers
# (512 KiB each) then stay in cache instead of streaming through memory once
# per avatar, and add little to the step's peak memory.
CPU_BLOCK = 1 << 17


class GapBCEOverAvatars(torch.autograd.Function):
    """sum_k w_k sum BCE(s, t_k) |t_k - s|^beta over the samples, s the
    student's sigmoid, t_k avatar k's, with its gradient computed in the
    forward.

    Per logit z, with d_k = t_k - s and s' = s(1 - s),

        d/dz [BCE(s, t_k) |d_k|^beta]
            = -d_k |d_k|^beta - beta |d_k|^(beta-1) sign(d_k) BCE s',

    what autograd gives for the loss written out, summed over the avatars
    as each is computed. The backward keeps one tensor the size of the
    logits, instead of autograd's intermediates for every avatar. On CPU
    the anchors are taken in blocks of about ``CPU_BLOCK`` logits, each
    block through every avatar, with buffers reused across avatars.
    """

    @staticmethod
    def forward(ctx, preds_S: Tensor, avatars: Tensor, weights: Tensor,
                beta: float, samples: Tensor, num_classes: int) -> Tensor:
        """preds_S ``(N, A*C, ...)``, avatars ``(N, K, A*C, ...)`` logits,
        weights ``(K, )``, samples ``(N, A, 1, ...)`` (1 where the anchor
        is a sample)."""
        # half-precision logits (AMP) in float32
        dtype = torch.promote_types(preds_S.dtype, torch.float32)
        rows = samples.shape[0] * samples.shape[1]  # N x A anchor rows
        shape = (rows, num_classes, -1)  # (N*A, C, positions)
        z = preds_S.reshape(shape)
        each = [avatars[:, k].reshape(shape) for k in range(len(weights))]
        mask = samples.reshape(rows, 1, -1).to(dtype)
        grad = torch.empty(z.shape, dtype=dtype, device=z.device)
        step = rows
        if z.device.type == 'cpu':
            step = max(1, CPU_BLOCK // z[0].numel())
        total = z.new_zeros((), dtype=dtype)
        ws = weights.tolist()
        for first in range(0, rows, step):
            block = slice(first, first + step)
            total += _gap_bce_block(z[block].to(dtype),
                                    [a[block] for a in each], ws, beta,
                                    mask[block], grad[block])
        ctx.save_for_backward(grad.reshape(preds_S.shape).to(preds_S.dtype))
        return total

    @staticmethod
    def backward(ctx, grad_total: Tensor):
        grad, = ctx.saved_tensors
        return grad * grad_total, None, None, None, None, None


def _gap_bce_block(z: Tensor, avatars: Sequence[Tensor],
                   weights: Sequence[float], beta: float, mask: Tensor,
                   grad: Tensor) -> Tensor:
    """``GapBCEOverAvatars`` on one block of anchor rows ``(R, C, P)``:
    returns its masked sum and writes its gradient into ``grad``."""
    s = z.sigmoid()
    slope = s * (1 - s)
    softplus = F.softplus(z)  # BCE(s, t) = softplus(z) - t z
    value = torch.zeros_like(z)
    grad.zero_()
    t, bce, size = (torch.empty_like(z) for _ in range(3))
    for avatar, w in zip(avatars, weights):
        if avatar.dtype == z.dtype:
            torch.sigmoid(avatar, out=t)
        else:
            t.copy_(avatar).sigmoid_()
        torch.addcmul(softplus, t, z, value=-1, out=bce)
        gap = t.sub_(s)  # d_k
        modulation = torch.abs(gap, out=size)
        if beta != 1:
            modulation = modulation.pow(beta)
        value.addcmul_(bce, modulation, value=w)
        grad.addcmul_(gap, modulation, value=-w)
        if beta == 1:
            rate = torch.sign(gap, out=size)
        else:
            rate = size.pow_(beta - 1).mul_(gap.sign()).mul_(beta)
        grad.addcmul_(bce.mul_(rate), slope, value=-w)
    grad.mul_(mask)
    return (value * mask).sum()


def count_positives(labels: Levels, num_classes: int) -> Tensor:
    """mmdet's ``avg_factor`` of a dense head: each image's priors labelled
    0..C-1 over every level, at least 1 per image, summed over the batch
    (``SamplingResult.num_pos`` is ``max(#positives, 1)``; the official
    CrossKD and BCKD normalise by it).

    Args:
        labels (Tensor | Sequence[Tensor]): ``(N, P_l)`` per level
            (``AnchorHead.get_targets``); labels without an image axis
            (``(N * P_l, )``, FCOS's layout) are counted as one image.
        num_classes (int): C; background is C.
    """
    counted: Sequence[Tensor] = as_levels(labels)
    positives = [(x >= 0) & (x < num_classes) for x in counted]
    if all(x.dim() == 2 for x in positives):
        per_image = sum(x.sum(dim=1) for x in positives)  # (N, )
    else:
        per_image = sum(x.sum() for x in positives)
    return torch.clamp(torch.as_tensor(per_image, dtype=torch.float32),
                       min=1).sum()


def per_positive(total: Tensor, labels: Levels, all_labels: Optional[Levels],
                 num_classes: int) -> Tensor:
    """``total`` over N_pos (:func:`count_positives`) of ``all_labels``,
    every level's labels, or of ``labels`` where those are not given."""
    counted = labels if all_labels is None else all_labels
    return total / count_positives(counted, num_classes).to(total.device)
