"""Masked distillation with receptive tokens (stage 2: the distillation).

Huang et al., "Masked Distillation with Receptive Tokens", ICLR 2023.
https://arxiv.org/abs/2205.14589
Official code (read, not copied): https://github.com/hunto/MasKD
Stage 1, learning the tokens on the teacher, is
``akd.algorithms.MasKDTokenLearning``.
"""
from typing import Optional, Sequence, Union

import torch
from mmengine.logging import MessageHub
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..checkpoints.stage_one_weights import load_stage_one
from ..models.receptive_tokens import TOKENS_PREFIX, ReceptiveTokens
from ..structures.levels import PerLevelLoss
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_hyperparameters

AREA_EPS = 1e-12  # mask areas are clamped here: empty masks give 0, not 0/0


def masked_feature_distance(preds_S: Tensor, preds_T: Tensor, masks: Tensor,
                            token_weights: Tensor) -> Tensor:
    """Per-sample MasKD distance between student and teacher features.

    L_n = sum_t p_nt * 1/C * sum_c [sum_hw (M_nthw (S_nchw - T_nchw))^2]
          / sum_hw M_nthw,

    the squared error inside each soft mask, normalised by the mask's area,
    averaged over channels and weighted by the token weights p (summing to
    1 over t), so it does not grow with resolution. A mask whose sigmoid
    underflows to 0 everywhere (large features, e.g. on the coarsest FPN
    level) has an error of 0 and contributes 0: the area is clamped at
    ``AREA_EPS`` instead of dividing 0 by 0.

    Args:
        preds_S (Tensor): Student features S, ``(N, C, H, W)``.
        preds_T (Tensor): Teacher features T, ``(N, C, H, W)``.
        masks (Tensor): Masks M, ``(N, T, H, W)``.
        token_weights (Tensor): p, ``(N, T)``.

    Returns:
        Tensor: L_n, ``(N, )``.
    """
    C = preds_S.shape[1]
    squared_error = ((preds_S - preds_T)**2).sum(dim=1)  # (N, H, W)
    inside = torch.einsum('nthw,nhw->nt', masks**2, squared_error)
    area = masks.sum(dim=(2, 3)).clamp_min(AREA_EPS)  # (N, T)
    return (token_weights * inside / (C * area)).sum(dim=1)  # (N, )


class MasKDLevel(nn.Module):
    """MasKD on one feature level: ``MasKDLoss``'s loss of that level.

    The frozen receptive tokens mask the teacher's map T; the loss is

        L = loss_weight * 1/N * sum_n L_n(S, T, M(T), p(T))

    (``masked_feature_distance``). From iteration ``custom_mask_warmup`` on,
    the masks are customised to the student: M = M(T) * M(S), M(S) computed
    without gradient. Under ``AvatarKDLoss`` each avatar gets its own masks
    and weights (``avatar_loss``), in one batched pass.

    Args:
        channels (int): Channels C of the level.
        num_tokens (int): Tokens T.
        custom_mask_warmup (int, optional): Iteration from which masks are
            customised to the student; None never.
        loss_weight (float): Scale of the loss.
    """

    def __init__(self, channels: int, num_tokens: int,
                 custom_mask_warmup: Optional[int], loss_weight: float):
        super().__init__()
        self.receptive_tokens = ReceptiveTokens(channels, num_tokens)
        self.receptive_tokens.requires_grad_(False)
        self.custom_mask_warmup = custom_mask_warmup
        self.loss_weight = loss_weight

    def _masks_and_weights(self, preds_S: Tensor, teachers: Tensor):
        """Masks ``(N, K, T, H, W)`` and weights ``(N, K, T)`` of teachers
        ``(N, K, C, H, W)``, customised to the student after the warm-up."""
        N, K = teachers.shape[:2]
        flat = teachers.flatten(0, 1)  # (N*K, C, H, W)
        masks = self.receptive_tokens.masks(flat).unflatten(0, (N, K))
        weights = self.receptive_tokens.token_weights(flat).unflatten(
            0, (N, K))
        if self._customise_masks():
            with torch.no_grad():
                student_masks = self.receptive_tokens.masks(preds_S)
            masks = masks * student_masks.unsqueeze(1)
        return masks, weights

    def _customise_masks(self) -> bool:
        if self.custom_mask_warmup is None:
            return False
        iteration = MessageHub.get_current_instance().get_info('iter', 0)
        return iteration >= self.custom_mask_warmup

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """Args: preds_S, preds_T (Tensor): ``(N, C, H, W)`` each."""
        return self.avatar_loss(preds_S, preds_T.unsqueeze(1),
                                preds_T.new_ones(1))

    def avatar_loss(self, preds_S: Tensor, avatars: Tensor,
                    weights: Tensor) -> Tensor:
        """sum_k w_k * L(S, A_k), each avatar A_k masking with its own M, p.

        Args:
            preds_S (Tensor): Student features ``(N, C, H, W)``.
            avatars (Tensor): Teacher avatars ``(N, K, C, H, W)``.
            weights (Tensor): Avatar weights ``(K, )``.
        """
        if preds_S.shape != avatars[:, 0].shape:
            raise ValueError(
                f'MasKDLoss: student shape {tuple(preds_S.shape)} != teacher '
                f'shape {tuple(avatars[:, 0].shape)}. Add a connector to '
                'model.distiller.connectors (LevelConnectors for a tuple of '
                'levels) and name it in the preds_S mapping of '
                'loss_forward_mappings.')
        N, K = avatars.shape[:2]
        masks, token_weights = self._masks_and_weights(preds_S, avatars)
        students = preds_S.unsqueeze(1).expand_as(avatars)
        per_sample = masked_feature_distance(
            students.flatten(0, 1), avatars.flatten(0, 1), masks.flatten(0, 1),
            token_weights.flatten(0, 1)).reshape(N, K)
        return self.loss_weight * (per_sample.mean(dim=0) * weights).sum()

    def extra_repr(self) -> str:
        return (f'custom_mask_warmup={self.custom_mask_warmup}, '
                f'loss_weight={self.loss_weight}')


avatar_form(MasKDLevel)(MasKDLevel.avatar_loss)


@MODELS.register_module()
class MasKDLoss(PerLevelLoss):
    """MasKD on one feature map or all FPN levels, with receptive tokens
    learned in stage 1.

    Each level l has its own frozen tokens (those of the checkpoint's level
    ``tokens_level + l``), which mask the teacher's map T_l; the loss is

        L = loss_weight * sum_l 1/N * sum_n L_n(S_l, T_l, M(T_l), p(T_l))

    (``masked_feature_distance``, one ``MasKDLevel`` per level). From
    iteration ``custom_mask_warmup`` on, the masks are customised to the
    student: M = M(T) * M(S), M(S) computed without gradient. The tokens
    and their weighting heads stay frozen, as in the original (lr_mult 0);
    the student receives all the gradient.

    One entry takes a whole neck (a tuple of levels), as the other feature
    losses do; ``LevelConnectors`` maps a student's levels to the teacher's
    widths. Under ``AvatarKDLoss`` each level's avatars are masked with that
    level's tokens, each avatar with its own masks and weights.

    Args:
        channels (int | list[int]): Channels C of the one level, or of each
            level.
        tokens_ckpt (str, optional): Stage-1 checkpoint (a path or URL)
            written by ``MasKDTokenLearning``. None leaves the tokens random
            and logs a warning: useful in tests only.
        tokens_level (int): The checkpoint's level of the first level here
            (level l loads ``tokens_level + l``). Defaults to 0.
        num_tokens (int): Tokens T, as in stage 1. Defaults to 6.
        custom_mask_warmup (int, optional): Iteration from which masks are
            customised to the student; None never. Defaults to None.
        loss_weight (float): Scale of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from akd.losses import MasKDLoss
        >>> loss = MasKDLoss(channels=[8, 8], tokens_ckpt=None)
        >>> student = (torch.randn(2, 8, 6, 6), torch.randn(2, 8, 3, 3))
        >>> teacher = (torch.randn(2, 8, 6, 6), torch.randn(2, 8, 3, 3))
        >>> loss(student, teacher).shape
        torch.Size([])
    """
    levels_key = 'channels'

    def __init__(self,
                 channels: Union[int, Sequence[int]],
                 tokens_ckpt: Optional[str],
                 tokens_level: int = 0,
                 num_tokens: int = 6,
                 custom_mask_warmup: Optional[int] = None,
                 loss_weight: float = 1.0):
        super().__init__()
        check_hyperparameters(self,
                              channels=channels,
                              tokens_level=tokens_level,
                              loss_weight=loss_weight)
        widths = [channels] if isinstance(channels, int) else list(channels)
        self.levels = nn.ModuleList(
            MasKDLevel(width, num_tokens, custom_mask_warmup, loss_weight)
            for width in widths)
        self.tokens_level = tokens_level
        load_stage_one(self, [level.receptive_tokens for level in self.levels],
                       tokens_ckpt, tokens_level, TOKENS_PREFIX,
                       'channels and num_tokens')

    def extra_repr(self) -> str:
        return f'tokens_level={self.tokens_level}'
