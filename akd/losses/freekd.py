"""FreeKD: distillation in the wavelet bands, weighted by frequency prompts
(stage 2: the distillation).

Zhang et al., "FreeKD: Knowledge Distillation via Semantic Frequency
Prompt", CVPR 2024. https://arxiv.org/abs/2311.12079
Official code (read, not copied): https://github.com/Gumpest/FreeKD
Stage 1, learning the prompts on the teacher, is
``akd.algorithms.FreeKDPromptLearning``.
"""
from typing import Optional, Sequence, Union

import torch
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..checkpoints.stage_one_weights import load_stage_one
from ..models.frequency_prompts import PROMPTS_PREFIX, FrequencyPrompts
from ..models.haar_wavelet import haar_dwt
from ..structures.levels import PerLevelLoss
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_hyperparameters


def prompted_band_distance(preds_S: Tensor, preds_T: Tensor,
                           prompts: FrequencyPrompts) -> Tensor:
    """Per-sample FreeKD distance between student and teacher features.

    L_n = sum_{j=1..J} 1/(3*C*h_j*w_j) * sum_{c,o,h,w}
          Mbar_njhw * |D^S_njcohw - D^T_njcohw|,

    D_j the detail bands (LH, HL, HH) of wavelet level j (``haar_dwt``) and
    Mbar_j = 1/T sum_t M_jt the mean of the teacher's prompt masks of that
    level (``FrequencyPrompts.detail_masks``), computed without gradient.
    This is the official masked L1, mean |M_t D^S - M_t D^T| over the masks
    and all coefficients, per level; the LL band is not distilled. Each
    level's term is a mean over its coefficients, so the loss does not grow
    with resolution.

    Args:
        preds_S (Tensor): Student features S, ``(N, C, H, W)``.
        preds_T (Tensor): Teacher features T, ``(N, C, H, W)``.
        prompts (FrequencyPrompts): The frozen prompts of this level.

    Returns:
        Tensor: L_n, ``(N, )``.
    """
    levels = prompts.wavelet_levels
    with torch.no_grad():
        _, highs_T = haar_dwt(preds_T, levels)
        masks = [
            prompts.detail_masks(level, high).mean(dim=1)  # (N, h, w)
            for level, high in enumerate(highs_T, start=1)
        ]
    _, highs_diff = haar_dwt(preds_S - preds_T, levels)  # the DWT is linear
    return sum((mask[:, None, None] * high.abs()).flatten(1).mean(dim=1)
               for mask, high in zip(masks, highs_diff))  # (N, )


class FreeKDLevel(nn.Module):
    """FreeKD on one feature level: ``FreeKDLoss``'s loss of that level.

        L = loss_weight * 1/N * sum_n L_n(S, T)

    (``prompted_band_distance``), with this level's frozen prompts. Under
    ``AvatarKDLoss`` each avatar gets its own masks (``avatar_loss``), in
    one batched pass.

    Args:
        channels (int): Channels C of the level.
        num_prompts (int): Prompts T per band.
        wavelet_levels (int): Levels J of the decomposition.
        loss_weight (float): Scale of the loss.
    """

    def __init__(self, channels: int, num_prompts: int, wavelet_levels: int,
                 loss_weight: float):
        super().__init__()
        self.frequency_prompts = FrequencyPrompts(channels, num_prompts,
                                                  wavelet_levels)
        self.frequency_prompts.requires_grad_(False)
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """Args: preds_S, preds_T (Tensor): ``(N, C, H, W)`` each."""
        return self.avatar_loss(preds_S, preds_T.unsqueeze(1),
                                preds_T.new_ones(1))

    def avatar_loss(self, preds_S: Tensor, avatars: Tensor,
                    weights: Tensor) -> Tensor:
        """sum_k w_k * L(S, A_k), each avatar A_k masking with its own
        prompt masks.

        Args:
            preds_S (Tensor): Student features ``(N, C, H, W)``.
            avatars (Tensor): Teacher avatars ``(N, K, C, H, W)``.
            weights (Tensor): Avatar weights ``(K, )``.
        """
        if preds_S.shape != avatars[:, 0].shape:
            raise ValueError(
                f'FreeKDLoss: student shape {tuple(preds_S.shape)} != '
                f'teacher shape {tuple(avatars[:, 0].shape)}. Add a '
                'connector to model.distiller.connectors (LevelConnectors '
                'for a tuple of levels) and name it in the preds_S mapping '
                'of loss_forward_mappings.')
        N, K = avatars.shape[:2]
        students = preds_S.unsqueeze(1).expand_as(avatars)
        per_sample = prompted_band_distance(
            students.flatten(0, 1), avatars.flatten(0, 1),
            self.frequency_prompts).reshape(N, K)
        return self.loss_weight * (per_sample.mean(dim=0) * weights).sum()

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}'


avatar_form(FreeKDLevel)(FreeKDLevel.avatar_loss)


@MODELS.register_module()
class FreeKDLoss(PerLevelLoss):
    """FreeKD on one feature map or all FPN levels, with frequency prompts
    learned in stage 1.

    Each level l is decomposed into J levels of Haar wavelet bands; the
    detail bands (LH, HL, HH) are distilled with an L1 weighted, pixel by
    pixel, by the teacher's frequency-prompt masks:

        L = loss_weight * sum_l 1/N * sum_n L_n(S_l, T_l),

    L_n = sum_j mean_{c,o,h,w} Mbar_njhw |D^S_njcohw - D^T_njcohw|
    (``prompted_band_distance``, one ``FreeKDLevel`` per level). The prompts
    of level l are the checkpoint's level ``prompts_level + l`` and stay
    frozen, as in the original (lr_mult 0); the student receives all the
    gradient.

    This follows the official code, which the paper's RetinaNet result
    (39.9 AP) comes from: its loss is this masked L1 on the detail bands.
    The paper's text also names a position-aware relational weighting that
    the released code does not contain; it is not implemented here. The
    official config adds a plain MSE on the aligned FPN features and a
    SmoothL1 on the box-regression outputs, as separate loss entries (see
    ``configs/freekd``).

    Args:
        channels (int | list[int]): Channels C of the one level, or of each
            level.
        prompts_ckpt (str, optional): Stage-1 checkpoint (a path or URL)
            written by ``FreeKDPromptLearning``. None leaves the prompts
            random and logs a warning: useful in tests only.
        prompts_level (int): The checkpoint's level of the first level here
            (level l loads ``prompts_level + l``). Defaults to 0.
        num_prompts (int): Prompts T per band, as in stage 1. Defaults to 6.
        wavelet_levels (int): Levels J of the decomposition, as in stage 1.
            Defaults to 3.
        loss_weight (float): Scale of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from akd.losses import FreeKDLoss
        >>> loss = FreeKDLoss(channels=[8, 8], prompts_ckpt=None)
        >>> student = (torch.randn(2, 8, 16, 16), torch.randn(2, 8, 8, 8))
        >>> teacher = (torch.randn(2, 8, 16, 16), torch.randn(2, 8, 8, 8))
        >>> loss(student, teacher).shape
        torch.Size([])
    """
    levels_key = 'channels'

    def __init__(self,
                 channels: Union[int, Sequence[int]],
                 prompts_ckpt: Optional[str],
                 prompts_level: int = 0,
                 num_prompts: int = 6,
                 wavelet_levels: int = 3,
                 loss_weight: float = 1.0):
        super().__init__()
        check_hyperparameters(self,
                              channels=channels,
                              prompts_level=prompts_level,
                              loss_weight=loss_weight)
        widths = [channels] if isinstance(channels, int) else list(channels)
        self.levels = nn.ModuleList(
            FreeKDLevel(width, num_prompts, wavelet_levels, loss_weight)
            for width in widths)
        self.prompts_level = prompts_level
        load_stage_one(self,
                       [level.frequency_prompts for level in self.levels],
                       prompts_ckpt, prompts_level, PROMPTS_PREFIX,
                       'channels, num_prompts and wavelet_levels')

    def extra_repr(self) -> str:
        return f'prompts_level={self.prompts_level}'
