"""The 2-D Haar wavelet transform of feature maps, in plain torch.

FreeKD (Zhang et al., "FreeKD: Knowledge Distillation via Semantic
Frequency Prompt", CVPR 2024, https://arxiv.org/abs/2311.12079) distils
FPN features in these bands. The convention is PyWavelets'
``pywt.wavedec2(x, 'haar', mode='zero', level=J)``, which the tests check:
each level splits 2x2 blocks [[a, b], [c, d]] into

    LL = (a + b + c + d) / 2,   LH = (a + b - c - d) / 2,
    HL = (a - b + c - d) / 2,   HH = (a - b - c + d) / 2,

an orthonormal transform; an odd height or width is padded with one zero
row or column at the end (``mode='zero'``).
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def haar_dwt_level(x: Tensor) -> Tuple[Tensor, Tensor]:
    """One level: ``(N, C, H, W)`` -> LL ``(N, C, h, w)`` and the three
    detail bands LH, HL, HH stacked ``(N, C, 3, h, w)``, h = ceil(H/2)."""
    H, W = x.shape[-2:]
    x = F.pad(x, (0, W % 2, 0, H % 2))
    a, b = x[..., 0::2, 0::2], x[..., 0::2, 1::2]  # (N, C, h, w) each
    c, d = x[..., 1::2, 0::2], x[..., 1::2, 1::2]
    low = (a + b + c + d) / 2
    high = torch.stack(((a + b - c - d) / 2, (a - b + c - d) / 2,
                        (a - b - c + d) / 2),
                       dim=2)  # (N, C, 3, h, w)
    return low, high


def haar_dwt(x: Tensor, levels: int) -> Tuple[Tensor, List[Tensor]]:
    """``levels`` levels of the transform of ``x`` ``(N, C, H, W)``.

    Returns:
        tuple: The coarsest LL band ``(N, C, h_J, w_J)`` and the detail
        bands of each level, finest first, ``(N, C, 3, h_j, w_j)``.
    """
    if levels < 1:
        raise ValueError(f'haar_dwt: levels must be >= 1, got {levels}')
    low, highs = x, []
    for _ in range(levels):
        low, high = haar_dwt_level(low)
        highs.append(high)
    return low, highs


def haar_idwt_level(low: Tensor, high: Tensor, size: Sequence[int]) -> Tensor:
    """Invert :func:`haar_dwt_level`, cropping its padding to ``size``
    (H, W)."""
    lh, hl, hh = high.unbind(dim=2)  # (N, C, h, w) each
    a = (low + lh + hl + hh) / 2
    b = (low + lh - hl - hh) / 2
    c = (low - lh + hl - hh) / 2
    d = (low - lh - hl + hh) / 2
    top = torch.stack((a, b), dim=-1).flatten(-2)  # (N, C, h, 2w)
    bottom = torch.stack((c, d), dim=-1).flatten(-2)
    x = torch.stack((top, bottom), dim=-2).flatten(-3, -2)  # (N, C, 2h, 2w)
    return x[..., :size[0], :size[1]]


def haar_idwt(low: Tensor, highs: Sequence[Tensor],
              size: Sequence[int]) -> Tensor:
    """Invert :func:`haar_dwt`: the map of height and width ``size``."""
    sizes = [size] + [high.shape[-2:] for high in highs[:-1]]
    x = low
    for high, finer in zip(reversed(highs), reversed(sizes)):
        x = haar_idwt_level(x, high, finer)
    return x
