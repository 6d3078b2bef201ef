"""Keep MMRazor's quantization structures out of ``import mmrazor``.

Upstream problem (MMRazor issue #615): ``mmrazor.structures`` imports its
quantization backend configs at import time, and those use torch.ao internals
that torch >= 2.1 removed (``reverse2``/``reverse3`` in
``torch.ao.quantization.fuser_method_mappings``, ``backend_config.utils``,
``BackendPatternConfig._set_overwrite_output_fake_quantize``, ...), so even
``import mmrazor.models`` fails. Distillation never touches them, so a stand-in
module takes their place; anything that uses a name from it raises
:class:`QuantizationUnavailable` with the reason.
"""
import sys
import types

import torch

MODULE = 'mmrazor.structures.quantization'


class QuantizationUnavailable(RuntimeError):
    """Raised when a config or import uses MMRazor's quantization."""


def _unavailable(name: str) -> QuantizationUnavailable:
    return QuantizationUnavailable(
        f'{MODULE}.{name} is unavailable under torch {torch.__version__}: '
        "MMRazor 1.0's quantization uses torch.ao internals removed in "
        'torch 2.1 (MMRazor issue #615), so akd keeps it out of the import '
        'to let distillation run. Quantize with MMRazor on torch<2.1.')


class _Placeholder:
    """Stands for one quantization name; raises on any real use."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        raise _unavailable(f'{self._name}.{attr}')

    def __getitem__(self, key):
        raise _unavailable(f'{self._name}[{key!r}]')

    def __call__(self, *args, **kwargs):
        raise _unavailable(self._name)


def _module_getattr(name: str):
    if name.startswith('__'):
        raise AttributeError(name)
    return _Placeholder(name)


def torch_older_than_2_1() -> bool:
    major, minor = (int(v) for v in torch.__version__.split('.')[:2])
    return (major, minor) < (2, 1)


def install() -> None:
    """Register the stand-in before MMRazor is imported; idempotent."""
    if MODULE in sys.modules or 'mmrazor.structures' in sys.modules:
        return  # already imported: the real module loaded (older torch)
    if torch_older_than_2_1():
        return
    stand_in = types.ModuleType(MODULE, __doc__)
    stand_in.__all__ = []
    stand_in.__getattr__ = _module_getattr
    sys.modules[MODULE] = stand_in
