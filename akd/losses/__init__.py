"""akd's distillation losses (registered in MMRazor's ``MODELS``)."""
from .avatar_kd import AvatarKDLoss

__all__ = ['AvatarKDLoss']
