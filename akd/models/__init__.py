"""akd's model-building pieces."""
from .avatar_perturbations import (AvatarChannelDropout, AvatarDropout,
                                   AvatarGaussianNoise, AvatarSpatialDropout)
from .bifpn_self_teacher import BiFPNSelfTeacher
from .dense_crd import PooledCRDConnector
from .frequency_prompts import FrequencyPrompts
from .level_connectors import LevelConnectors
from .receptive_tokens import ReceptiveTokens
from .recorders import (DetTargetLabelsRecorder, EnsembleOutputsRecorder,
                        LDRegionsRecorder, SegGtLabelsRecorder)
from .teacher_ensemble import TeacherEnsemble

__all__ = [
    'AvatarDropout', 'AvatarChannelDropout', 'AvatarSpatialDropout',
    'AvatarGaussianNoise', 'BiFPNSelfTeacher', 'DetTargetLabelsRecorder',
    'EnsembleOutputsRecorder', 'FrequencyPrompts', 'LDRegionsRecorder',
    'LevelConnectors', 'PooledCRDConnector', 'ReceptiveTokens',
    'SegGtLabelsRecorder', 'TeacherEnsemble'
]
