"""Perturbations that turn one teacher tensor into K avatars.

Zhang et al., "Avatar Knowledge Distillation: Self-ensemble Teacher Paradigm
with Uncertainty", ACM MM 2023. https://arxiv.org/abs/2305.02722

Each perturbation maps a detached teacher tensor ``(N, C, ...)`` to its
avatars ``(N, K, C, ...)``, the avatar axis next to the batch axis so that
``(N, K*C, ...)`` is a view for batch statistics. Every perturbation keeps
the teacher's expectation, E[avatar] = teacher. The original code uses one
element-wise dropout avatar (p=0.1) per iteration.

Dropout masks are drawn from 16-bit random integers, 4 per int64 draw: on
CPU this costs about a tenth of ``F.dropout``'s float draw for the same
tensor, and p is rounded to a multiple of 2^-16 (the scale uses the rounded
p, so the expectation is exact).
"""
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

_RESOLUTION = 1 << 16  # drop masks compare 16-bit uniform integers


def _quantized(p: float) -> float:
    """The drop probability the 16-bit masks realise for ``p``."""
    return round(p * _RESOLUTION) / _RESOLUTION


def drop_mask(shape: tuple, p: float, device: torch.device) -> Tensor:
    """A bool tensor of ``shape``, each entry True with probability p."""
    numel = 1
    for size in shape:
        numel *= size
    draws = torch.empty((numel + 3) // 4, dtype=torch.int64, device=device)
    draws.random_(-2**63, None)  # uniform over all int64: four int16 lanes
    lanes = draws.view(torch.int16)[:numel].reshape(shape)
    return lanes < round(p * _RESOLUTION) - _RESOLUTION // 2


def _check_probability(name: str, p: float) -> None:
    if not 0 <= p < 1:
        raise ValueError(f'{name}.p must be in [0, 1), got {p}')


def _broadcast_avatars(teacher: Tensor, num_avatars: int) -> Tensor:
    """The teacher repeated as K avatars, ``(N, K, C, ...)`` (a view)."""
    N, *rest = teacher.shape
    return teacher.unsqueeze(1).expand(N, num_avatars, *rest)


@MODELS.register_module()
class AvatarDropout(nn.Module):
    """Element-wise dropout, the original AKD perturbation.

    avatar_k = teacher * m_k / (1 - p), m_k ~ Bernoulli(1 - p) per element.

    Args:
        p (float): Drop probability. Defaults to 0.1.
    """

    def __init__(self, p: float = 0.1):
        super().__init__()
        _check_probability(type(self).__name__, p)
        self.p = p

    def mask_shape(self, teacher: Tensor, num_avatars: int) -> tuple:
        N, *rest = teacher.shape
        return (N, num_avatars, *rest)

    def forward(self, teacher: Tensor, num_avatars: int) -> Tensor:
        """Return ``(N, K, C, ...)`` avatars of ``teacher`` ``(N, C, ...)``."""
        dropped = drop_mask(
            self.mask_shape(teacher, num_avatars), self.p, teacher.device)
        scale = 1 / (1 - _quantized(self.p))
        # masked_fill writes the avatars once; a product with the bool mask
        # would first convert the mask to floats
        return _broadcast_avatars(teacher * scale,
                                  num_avatars).masked_fill(dropped, 0)

    def extra_repr(self) -> str:
        return f'p={self.p}'


@MODELS.register_module()
class AvatarChannelDropout(AvatarDropout):
    """Channel dropout: whole channels of an avatar are zeroed.

    avatar_k[n, c] = teacher[n, c] * m_knc / (1 - p), one m per channel map.
    On ``(N, C)`` logits this is element-wise dropout.

    Args:
        p (float): Drop probability of a channel. Defaults to 0.1.
    """

    def mask_shape(self, teacher: Tensor, num_avatars: int) -> tuple:
        N, C, *spatial = teacher.shape
        return (N, num_avatars, C, *[1] * len(spatial))  # (N, K, C, 1, 1)


@MODELS.register_module()
class AvatarSpatialDropout(nn.Module):
    """DropBlock-like dropout of square spatial blocks, shared by channels.

    Ghiasi et al., "DropBlock: A regularization method for convolutional
    networks", NeurIPS 2018. Block centres are drawn at every position with
    rate gamma = 1 - (1 - p)^(1/b^2) and grown to b x b blocks, so an
    interior position is dropped with probability p. A position covered by
    n(y, x) possible blocks (b^2 inside, fewer at the border) is kept with
    probability (1 - gamma)^n(y, x) and scaled by its inverse, so every
    position keeps the teacher's expectation.

    Args:
        p (float): Drop probability of an interior position. Defaults to 0.1.
        block_size (int): Side b of a dropped block (odd). Defaults to 3.
    """

    def __init__(self, p: float = 0.1, block_size: int = 3):
        super().__init__()
        name = type(self).__name__
        _check_probability(name, p)
        if block_size < 1 or block_size % 2 == 0:
            raise ValueError(
                f'{name}.block_size must be a positive odd integer, got '
                f'{block_size}')
        self.p = p
        self.block_size = block_size

    def forward(self, teacher: Tensor, num_avatars: int) -> Tensor:
        """``(N, K, C, H, W)`` avatars of ``teacher`` ``(N, C, H, W)``."""
        if teacher.dim() != 4:
            raise ValueError(
                f'{type(self).__name__} drops spatial blocks of (N, C, H, W) '
                f'maps, got a tensor of shape {tuple(teacher.shape)}: use '
                "perturbation=dict(type='AvatarDropout') for logits.")
        N, C, H, W = teacher.shape
        b = min(self.block_size, H, W) // 2 * 2 + 1  # odd, fits the map
        gamma = _quantized(1 - (1 - self.p)**(1 / b**2))
        seeds = drop_mask((N * num_avatars, 1, H, W), gamma, teacher.device)
        dropped = F.max_pool2d(
            seeds.to(teacher.dtype), kernel_size=b, stride=1, padding=b // 2)
        covering = F.avg_pool2d(
            teacher.new_ones(1, 1, H, W), kernel_size=b, stride=1,
            padding=b // 2) * b**2  # n(y, x): blocks that can cover (y, x)
        scale = (1 - gamma)**-covering  # 1 / P(kept), (1, 1, H, W)
        keep = ((1 - dropped) * scale).reshape(N, num_avatars, 1, H, W)
        return _broadcast_avatars(teacher, num_avatars) * keep

    def extra_repr(self) -> str:
        return f'p={self.p}, block_size={self.block_size}'


@MODELS.register_module()
class AvatarGaussianNoise(nn.Module):
    """Additive Gaussian noise scaled by each channel's own spread.

    avatar_k = teacher + sigma * std_c(teacher) * eps_k, eps_k ~ N(0, I),
    std_c over the batch and spatial positions of channel c.

    Args:
        sigma (float): Noise level relative to the channel std.
            Defaults to 0.1.
    """

    def __init__(self, sigma: float = 0.1):
        super().__init__()
        if sigma < 0:
            raise ValueError(
                f'{type(self).__name__}.sigma must be >= 0, got {sigma}')
        self.sigma = sigma

    def forward(self, teacher: Tensor, num_avatars: int) -> Tensor:
        """Return ``(N, K, C, ...)`` avatars of ``teacher`` ``(N, C, ...)``."""
        N, C, *spatial = teacher.shape
        # per channel over images and positions, unbiased where it can be
        var = teacher.var(dim=[d for d in range(teacher.dim()) if d != 1],
                          correction=1 if teacher.numel() > C else 0)
        scale = (self.sigma * var.sqrt()).reshape(C, *[1] * len(spatial))
        noise = teacher.new_empty(N, num_avatars, C, *spatial).normal_()
        repeated = _broadcast_avatars(teacher, num_avatars)
        if torch.is_grad_enabled() and teacher.requires_grad:
            return torch.addcmul(repeated, scale, noise)
        # one pass, written over the noise: no second K-avatar allocation
        return torch.addcmul(repeated, scale, noise, out=noise)

    def extra_repr(self) -> str:
        return f'sigma={self.sigma}'
