"""Resolve ``torchvision://`` checkpoints without torchvision installed.

Upstream problem (mmengine 0.10): mmdet's configs initialise backbones from
``torchvision://resnet50``, and mmengine looks the URL up by importing
torchvision, which akd's stack does not install (the registry's build does
not match a CPU or custom torch). mmengine ships the same URL table as
``mmengine/hub/torchvision_0.12.json``; it is used when torchvision is absent.
"""
import os.path as osp

import mmengine
import mmengine.runner.checkpoint as checkpoint

_PATCHED = '_akd_without_torchvision'


def install() -> None:
    """Wrap mmengine's torchvision URL lookup; idempotent."""
    original = checkpoint.get_torchvision_models
    if getattr(original, _PATCHED, False):
        return

    def get_torchvision_models():
        try:
            return original()
        except ImportError:
            return mmengine.load(
                osp.join(mmengine.__path__[0], 'hub', 'torchvision_0.12.json'))

    setattr(get_torchvision_models, _PATCHED, True)
    checkpoint.get_torchvision_models = get_torchvision_models
