"""akd's model-building pieces."""
from . import local_cfg_path
from .avatar_perturbations import (AvatarChannelDropout, AvatarDropout,
                                   AvatarGaussianNoise, AvatarSpatialDropout)
from .bifpn_self_teacher import BiFPNSelfTeacher
from .receptive_tokens import ReceptiveTokens

local_cfg_path.install()

__all__ = [
    'AvatarDropout', 'AvatarChannelDropout', 'AvatarSpatialDropout',
    'AvatarGaussianNoise', 'BiFPNSelfTeacher', 'ReceptiveTokens'
]
