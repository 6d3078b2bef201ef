"""Frequency prompts: learnable queries marking the pixels of interest in
each wavelet band of a feature map.

Zhang et al., "FreeKD: Knowledge Distillation via Semantic Frequency
Prompt", CVPR 2024. https://arxiv.org/abs/2311.12079
Official code (read, not copied): https://github.com/Gumpest/FreeKD
"""
from typing import List, Tuple

import torch
from torch import Tensor, nn

from .haar_wavelet import haar_dwt, haar_idwt
from .receptive_tokens import dice_similarity, receptive_masks

PROMPTS_PREFIX = 'frequency_prompts.'  # FreeKDPromptLearning's, per level


class FrequencyPrompts(nn.Module):
    """T prompts for each band of a J-level Haar decomposition of one level.

    Band 0 is the coarsest LL band, band j (1..J) the details of wavelet
    level j, finest first (``haar_dwt``). Prompt set P_b ``(T, C)`` marks
    band b's pixels of interest with

        M_b = sigmoid(P_b X_b)   ``(N, T, h_b, w_b)``,

    X_0 = LL and X_j = LH_j + HL_j + HH_j, one mask shared by a level's
    three orientations, as in the official code. Stage 1 of FreeKD
    (``forward``) learns the prompts on a frozen teacher by replacing its
    features F with

        F' = IDWT(LL * sum_t M_0t, {D_j * sum_t M_jt}_j),

    so the teacher sees only what its masks keep, and by keeping the T
    masks of each band apart with the Dice similarity (``dice_similarity``,
    FreeKD's prompt-dissimilarity loss).

    Args:
        channels (int): Channels C of the feature level.
        num_prompts (int): Prompts T per band. Defaults to 6, the official
            RetinaNet prompts' (the paper's text says 2).
        wavelet_levels (int): Levels J of the decomposition. Defaults to 3.
    """

    def __init__(self,
                 channels: int,
                 num_prompts: int = 6,
                 wavelet_levels: int = 3):
        super().__init__()
        if num_prompts < 2:
            raise ValueError(
                f'FrequencyPrompts.num_prompts must be >= 2 (the '
                f'dissimilarity loss compares pairs of masks), got '
                f'{num_prompts}')
        if wavelet_levels < 1:
            raise ValueError(
                f'FrequencyPrompts.wavelet_levels must be >= 1, got '
                f'{wavelet_levels}')
        self.wavelet_levels = wavelet_levels
        self.prompts = nn.Parameter(
            torch.empty(wavelet_levels + 1, num_prompts, channels))
        nn.init.normal_(self.prompts, std=0.01)

    def low_masks(self, low: Tensor) -> Tensor:
        """Masks of the LL band ``(N, C, h, w)`` -> ``(N, T, h, w)``."""
        return receptive_masks(self.prompts[0], low)

    def detail_masks(self, level: int, high: Tensor) -> Tensor:
        """Masks of wavelet level ``level`` (1..J) from its detail bands
        ``(N, C, 3, h, w)`` -> ``(N, T, h, w)``."""
        return receptive_masks(self.prompts[level], high.sum(dim=2))

    def forward(self, feats: Tensor) -> Tuple[Tensor, Tensor]:
        """The masked features F' ``(N, C, H, W)`` and the summed Dice
        similarity of the J+1 bands' masks."""
        low, highs = haar_dwt(feats, self.wavelet_levels)
        low_masks = self.low_masks(low)  # (N, T, h, w)
        masked_highs: List[Tensor] = []
        similarity = dice_similarity(low_masks)
        for level, high in enumerate(highs, start=1):
            masks = self.detail_masks(level, high)  # (N, T, h, w)
            masked_highs.append(high * masks.sum(dim=1)[:, None, None])
            similarity = similarity + dice_similarity(masks)
        masked_low = low * low_masks.sum(dim=1, keepdim=True)
        return haar_idwt(masked_low, masked_highs,
                         feats.shape[-2:]), similarity

    def extra_repr(self) -> str:
        _, num_prompts, channels = self.prompts.shape
        return (f'channels={channels}, num_prompts={num_prompts}, '
                f'wavelet_levels={self.wavelet_levels}')
