"""Fixes for the pinned OpenMMLab stack, applied once, in this order.

Each module names its upstream problem and has a test in
``tests/test_compat/``. :func:`apply_compat_fixes` runs on ``import akd``;
``yapf_grammar_cache`` goes first because importing mmengine imports yapf;
``mmrazor_quantization`` next because MMRazor cannot be imported on today's
PyTorch without it, and the fixes after it patch MMRazor's classes.
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
    # guarded runs: mistakes stop at once with a message
    'cpu_first_checkpoints', 'checkpoint_downloads', 'atomic_checkpoints',
    # the teacher's forward: before checked_teacher_loading, which wraps
    # FpnTeacherDistill's (inherited) __init__
    'teacher_forward_policy',
    'checked_teacher_loading', 'frozen_teacher_eval', 'checked_distiller')


def apply_compat_fixes() -> None:
    """Install every fix; each one is idempotent."""
    for name in FIXES:
        importlib.import_module(f'{__name__}.{name}').install()
