"""akd's distillation losses (registered in MMRazor's ``MODELS``), and
label-smoothed task losses (in mmseg's and mmdet's)."""
from . import label_smoothing  # noqa: F401  (registers in mmseg, mmdet)
from .anchor_box_iou_kd import AnchorBoxIoUKDLoss
from .avatar_kd import AvatarKDLoss
from .bake import BAKELoss
from .bdkd import BDKDLoss
from .box_iou_kd import BoxIoUKDLoss
from .camkd import CAMKDLoss
from .dense_dist import DenseDISTLoss
from .dense_dkd import DenseDKDLoss
from .dense_kl import DenseKLDivergence
from .distribution_kd import DistributionKDLoss
from .freekd import FreeKDLoss
from .ld import LDLoss
from .level_sum import LevelSumLoss
from .maskd import MasKDLoss
from .nkd import NKDLoss, TFNKDLoss
from .quality_focal_kd import QualityFocalKDLoss
from .sp import SPLoss
from .tcs import TCSLoss
from .zipf_ls import ZipfLSLoss

__all__ = [
    'AnchorBoxIoUKDLoss', 'AvatarKDLoss', 'BAKELoss', 'BDKDLoss',
    'BoxIoUKDLoss', 'CAMKDLoss', 'DenseDISTLoss', 'DenseDKDLoss',
    'DenseKLDivergence', 'DistributionKDLoss', 'FreeKDLoss', 'LDLoss',
    'LevelSumLoss', 'MasKDLoss', 'NKDLoss', 'QualityFocalKDLoss', 'SPLoss',
    'TCSLoss', 'TFNKDLoss', 'ZipfLSLoss'
]
