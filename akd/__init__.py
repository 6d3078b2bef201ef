"""akd: Avatar Knowledge Distillation and friends for mmdet and mmseg.

Importing the package fixes the stack for today's PyTorch (``akd.compat``)
and registers akd's modules, so a config needs only
``custom_imports = dict(imports=['akd'], allow_failed_imports=False)``.
"""
# isort: skip_file  (the stack fixes must come before MMRazor's registries)
from .compat import apply_compat_fixes

apply_compat_fixes()

import mmrazor.models  # noqa: E402,F401  (registers MMRazor's distillers)

from . import (  # noqa: E402,F401  (registers akd's modules)
    algorithms, checkpoints, distillers, engine, evaluation, losses, models,
    pruning)
from .datasets import transforms  # noqa: E402,F401

__version__ = '0.1.0'
