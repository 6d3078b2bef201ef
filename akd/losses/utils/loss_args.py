"""Checks of a loss's arguments, with errors that name the loss's class.

``check_*`` validate ``__init__`` arguments (``<Class>.<key> must be ...``);
``paired_levels`` pairs the student's and teacher's levels in ``forward``.
"""
from typing import Optional, Sequence, Tuple

from torch import Tensor, nn

from .pixel_samples import Levels


def _require(loss: nn.Module, key: str, ok: bool, bound: str, value,
             hint: str) -> None:
    if not ok:
        note = f' ({hint})' if hint else ''
        raise ValueError(f'{type(loss).__name__}.{key} must be {bound}{note}, '
                         f'got {value!r}')


def check_positive(loss: nn.Module, key: str, value: float,
                   hint: str = '') -> None:
    """Raise ``<Class>.<key> must be > 0`` unless ``value > 0``."""
    _require(loss, key, value > 0, '> 0', value, hint)


def check_non_negative(loss: nn.Module, key: str, value: float,
                       hint: str = '') -> None:
    """Raise ``<Class>.<key> must be >= 0`` unless ``value >= 0``."""
    _require(loss, key, value >= 0, '>= 0', value, hint)


def check_num_classes(loss: nn.Module, value: Optional[int]) -> None:
    """Raise unless ``num_classes`` is None or an integer >= 2."""
    ok = value is None or (isinstance(value, int) and value >= 2)
    _require(loss, 'num_classes', ok, 'None or an integer >= 2', value,
             "the head's number of classes")


def paired_levels(
        loss: nn.Module, preds_S: Levels,
        preds_T: Levels) -> Tuple[Sequence[Tensor], Sequence[Tensor]]:
    """Student and teacher as equally many levels; a tensor is one level."""
    if isinstance(preds_S, Tensor):
        preds_S = (preds_S, )
        preds_T = (preds_T, ) if isinstance(preds_T, Tensor) else preds_T
    if isinstance(preds_T, Tensor) or len(preds_T) != len(preds_S):
        found = ('a tensor'
                 if isinstance(preds_T, Tensor) else f'{len(preds_T)} tensors')
        raise ValueError(
            f'{type(loss).__name__}: the student gave {len(preds_S)} tensors '
            f'(levels) but the teacher gave {found}: record as many module '
            'outputs from the teacher as from the student.')
    return preds_S, preds_T
