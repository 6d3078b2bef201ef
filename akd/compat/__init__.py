"""Fixes for the pinned OpenMMLab stack, applied once, in this order.

Each module names its upstream problem and has a test in
``tests/test_compat/``. :func:`apply_compat_fixes` runs on ``import akd``;
``yapf_grammar_cache`` goes first because importing mmengine imports yapf;
``mmrazor_quantization`` next because MMRazor cannot be imported on today's
PyTorch without it. No fix here changes what MMRazor's distillation classes
do: akd's behaviour lives in its own registered classes
(``FrozenTeacherDistill``, ``CheckedDistiller``).
"""
import importlib

FIXES = (
    # importing the stack: processes that start together
    'yapf_grammar_cache',
    # the stack on today's PyTorch
    'mmrazor_quantization', 'safe_checkpoint_load', 'cpu_distributed',
    'model_scope', 'renamed_configs', 'torchvision_urls',
    'mmdet_kd_teacher_config',
    # an extension: cfg_path may name a local config file
    'local_cfg_path',
    'cpu_first_checkpoints')


def apply_compat_fixes() -> None:
    """Install every fix; each one is idempotent."""
    for name in FIXES:
        importlib.import_module(f'{__name__}.{name}').install()
