"""Checkpoint files: written so a kill cannot tear them, read with the key
that named them, checked to fit the model they load into, downloaded with a
clear error, and the stage-1 weights of two-stage methods."""
from . import atomic_backend, downloads  # noqa: F401  (register with mmengine)
