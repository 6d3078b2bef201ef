"""Let ``torch.load(weights_only=True)`` read the checkpoints mmengine writes.

Upstream problem: since torch 2.6, ``torch.load`` defaults to
``weights_only=True``, and mmengine 0.10 loads checkpoints without saying
otherwise, so ``--resume`` fails with "Weights only load failed". Besides
tensors, mmengine stores numpy scalars and arrays (seed, message hub) and
:class:`HistoryBuffer` objects, whose pickled state names their statistics
methods as ``getattr(HistoryBuffer, 'mean')``. Those exact types are
allow-listed; ``getattr`` is allowed only for those methods, so safety stays
on for everything else.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def history_buffer_method(owner, name: str):
    """``getattr`` restricted to :class:`HistoryBuffer` statistics methods."""
    if owner is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({owner!r}, {name!r}) while loading a checkpoint '
        'with weights_only=True: akd allows getattr only for mmengine '
        'HistoryBuffer statistics methods. Load the file with '
        'weights_only=False only if you trust where it came from.')


def _numpy_types() -> list:
    dtype_classes = [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType')
    ]
    core = getattr(np, '_core', None) or np.core  # numpy 2.x / 1.x
    multiarray = core.multiarray
    return [np.dtype, np.ndarray, multiarray.scalar, multiarray._reconstruct
            ] + dtype_classes


def install() -> None:
    """Allow-list mmengine's checkpoint types; idempotent."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return  # torch < 2.4 loads everything anyway
    HistoryBuffer._set_default_statistics(HistoryBuffer)
    torch.serialization.add_safe_globals(
        [HistoryBuffer, *_numpy_types(),
         (history_buffer_method, 'builtins.getattr'),
         (history_buffer_method, '__builtin__.getattr')])
