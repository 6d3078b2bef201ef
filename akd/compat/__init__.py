"""Fixes for the pinned OpenMMLab stack on today's PyTorch, applied once.

Each module names its upstream problem and has a test in
``tests/test_compat/``. :func:`apply_compat_fixes` runs on ``import akd``,
before MMRazor is imported.
"""
from . import (cpu_distributed, model_scope, mmrazor_quantization,
               renamed_configs, safe_checkpoint_load, torchvision_urls)

FIXES = (mmrazor_quantization, safe_checkpoint_load, cpu_distributed,
         model_scope, renamed_configs, torchvision_urls)


def apply_compat_fixes() -> None:
    """Install every fix; each one is idempotent."""
    for fix in FIXES:
        fix.install()
