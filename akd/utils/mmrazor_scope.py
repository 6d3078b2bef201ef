"""Build a config from MMRazor's registry whatever the default scope."""
from mmrazor.registry import MODELS
from torch import nn


def build_in_mmrazor_scope(cfg: dict) -> nn.Module:
    """``MODELS.build(cfg)`` in MMRazor's scope, where akd registers.

    A config under mmdet's or mmseg's default scope would otherwise look
    names such as ``ATLoss`` up in their registries first.
    """
    return MODELS.build({'_scope_': 'mmrazor', **cfg})
