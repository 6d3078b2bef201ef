"""akd's distillation losses (registered in MMRazor's ``MODELS``)."""
from .avatar_kd import AvatarKDLoss
from .camkd import CAMKDLoss
from .dense_kl import DenseKLDivergence
from .maskd import MasKDLoss
from .nkd import NKDLoss, TFNKDLoss

__all__ = [
    'AvatarKDLoss', 'CAMKDLoss', 'DenseKLDivergence', 'MasKDLoss', 'NKDLoss',
    'TFNKDLoss'
]
