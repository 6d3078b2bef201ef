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

from .utils.levels import Levels, as_levels, paired_levels
from .utils.loss_args import check_non_negative, check_num_classes
from .utils.pixel_samples import anchor_view, level_labels


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
        num_classes = self.num_classes or levels_S[0].shape[1]
        total = sum(
            self._gap_bce(s, t, y, num_classes) for s, t, y in zip(
                levels_S, levels_T, level_labels(self, labels, levels_S)))
        counted = labels if all_labels is None else all_labels
        return self.loss_weight * total / count_positives(counted,
                                                          num_classes)

    def _gap_bce(self, preds_S: Tensor, preds_T: Tensor, labels: Tensor,
                 num_classes: int) -> Tensor:
        target = preds_T.detach().sigmoid()
        bce = F.binary_cross_entropy_with_logits(
            preds_S, target, reduction='none')
        gap = (target - preds_S.sigmoid()).abs()
        terms = anchor_view(bce * gap.pow(self.beta), num_classes)
        samples = (labels >= 0).reshape(terms.shape[:-1])  # (N, H, W, A)
        return (terms * samples[..., None]).sum()

    def extra_repr(self) -> str:
        return (f'beta={self.beta}, loss_weight={self.loss_weight}, '
                f'num_classes={self.num_classes}')


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
