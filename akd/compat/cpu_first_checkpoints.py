"""Read checkpoints onto the CPU unless a device is asked for.

Upstream problem (mmengine 0.10): ``load_checkpoint`` and
``CheckpointLoader.load_checkpoint`` default to ``map_location=None``, which
puts every tensor back on the device it was saved from. A teacher saved on
GPU 0 and loaded by 8 ranks lands 8 times on GPU 0 before the runner moves
each model to its own device (out of memory on large teachers, or a slow
start). MMRazor's teachers, ``get_model(..., pretrained=True)`` and mmdet's
own teacher loading all use that default. ``None`` now means the CPU;
``--resume``, which asks for the rank's device, is unchanged.
"""
from mmengine.runner.checkpoint import CheckpointLoader

_PATCHED = '_akd_cpu_first'


def install() -> None:
    """Wrap ``CheckpointLoader.load_checkpoint``; idempotent."""
    original = CheckpointLoader.load_checkpoint
    if getattr(original, _PATCHED, False):
        return

    def load_checkpoint(filename, map_location=None, logger='current'):
        return original(filename, map_location or 'cpu', logger)

    setattr(load_checkpoint, _PATCHED, True)
    CheckpointLoader.load_checkpoint = staticmethod(load_checkpoint)
