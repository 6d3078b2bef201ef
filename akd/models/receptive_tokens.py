"""Receptive tokens: learnable queries, each marking one region of a map.

Huang et al., "Masked Distillation with Receptive Tokens", ICLR 2023.
https://arxiv.org/abs/2205.14589
Official code (read, not copied): https://github.com/hunto/MasKD
"""
import math
from typing import Tuple

import torch
from torch import Tensor, nn

TOKENS_PREFIX = 'receptive_tokens.'  # MasKDTokenLearning's, one per level


def receptive_masks(tokens: Tensor, feats: Tensor) -> Tensor:
    """M_nthw = sigmoid(sum_c q_tc F_nchw): one soft mask per token.

    Args:
        tokens (Tensor): Receptive tokens q, ``(T, C)``.
        feats (Tensor): Feature maps F, ``(N, C, H, W)``.

    Returns:
        Tensor: Masks in (0, 1), ``(N, T, H, W)``.
    """
    return torch.einsum('tc,nchw->nthw', tokens, feats).sigmoid()


def dice_similarity(masks: Tensor, eps: float = 1e-12) -> Tensor:
    """Mean Dice coefficient between the distinct masks of each sample.

    D = 1/(N*T*(T-1)) * sum_n sum_{i != j}
        2 <M_ni, M_nj> / (|M_ni|^2 + |M_nj|^2 + 2*eps),

    inner products and norms over the H*W positions. Minimising D spreads
    the tokens over different regions (MasKD's mask diversity loss).

    Args:
        masks (Tensor): ``(N, T, H, W)`` with T >= 2.
        eps (float): Keeps empty masks finite. Defaults to 1e-12.
    """
    T = masks.shape[1]
    flat = masks.flatten(2)  # (N, T, H*W)
    inner = flat @ flat.transpose(1, 2)  # (N, T, T)
    squares = inner.diagonal(dim1=1, dim2=2)  # (N, T)
    dice = 2 * inner / (squares[:, :, None] + squares[:, None, :] + 2 * eps)
    distinct = ~torch.eye(T, dtype=torch.bool, device=masks.device)
    return dice[:, distinct].mean()


class ReceptiveTokens(nn.Module):
    """T receptive tokens of one feature level and their weighting head.

    ``masks(F)`` gives M = sigmoid(q F) per token; ``token_weights(F)``
    gives p = softmax_t(conv1x1(avgpool(conv3x3(F)))), how much each mask
    matters for this sample. Stage 1 of MasKD (``forward``) learns them on
    a frozen teacher by replacing its features with sum_t p_t M_t * F.

    Args:
        channels (int): Channels C of the feature level.
        num_tokens (int): Tokens T. Defaults to 6.
    """

    def __init__(self, channels: int, num_tokens: int = 6):
        super().__init__()
        if num_tokens < 2:
            raise ValueError(
                f'ReceptiveTokens.num_tokens must be >= 2 (the diversity '
                f'loss compares pairs of masks), got {num_tokens}')
        self.tokens = nn.Parameter(torch.empty(num_tokens, channels))
        self.weight_head = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=3, padding=1),
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, num_tokens, kernel_size=1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.tokens, std=0.01)
        for conv in self.weight_head:
            if isinstance(conv, nn.Conv2d):
                fan_out = conv.kernel_size[0] * conv.kernel_size[1] * \
                    conv.out_channels
                nn.init.normal_(conv.weight, std=math.sqrt(2.0 / fan_out))
                nn.init.zeros_(conv.bias)

    def masks(self, feats: Tensor) -> Tensor:
        """``(N, C, H, W)`` -> masks ``(N, T, H, W)``."""
        return receptive_masks(self.tokens, feats)

    def token_weights(self, feats: Tensor) -> Tensor:
        """``(N, C, H, W)`` -> per-sample token weights ``(N, T)``."""
        return self.weight_head(feats).flatten(1).softmax(dim=1)

    def forward(self, feats: Tensor) -> Tuple[Tensor, Tensor]:
        """Masked features sum_t p_t M_t * F ``(N, C, H, W)`` and Dice D."""
        masks = self.masks(feats)  # (N, T, H, W)
        weights = self.token_weights(feats)[:, :, None, None]  # (N, T, 1, 1)
        union = (weights * masks).sum(dim=1, keepdim=True)  # (N, 1, H, W)
        return feats * union, dice_similarity(masks)

    def extra_repr(self) -> str:
        num_tokens, channels = self.tokens.shape
        return f'channels={channels}, num_tokens={num_tokens}'
