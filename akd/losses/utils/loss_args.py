"""Checks of a loss's arguments, with errors that name the loss's class.

``check_*`` validate ``__init__`` arguments (``<Class>.<key> must be ...``).
A distiller's config gets the same ranges with the config key named
(:mod:`akd.losses.utils.hyperparameters`).
"""
import math
from typing import Optional

from torch import nn

from .hyperparameters import out_of_range


def _require(loss: nn.Module, key: str, ok: bool, bound: str, value,
             hint: str) -> None:
    if not ok:
        note = f' ({hint})' if hint else ''
        raise ValueError(f'{type(loss).__name__}.{key} must be {bound}{note}, '
                         f'got {value!r}')


def check_positive(loss: nn.Module, key: str, value: float,
                   hint: str = '') -> None:
    """Raise ``<Class>.<key> must be > 0`` unless ``value`` is finite and
    > 0."""
    _require(loss, key, math.isfinite(value) and value > 0, '> 0', value,
             hint)


def check_non_negative(loss: nn.Module, key: str, value: float,
                       hint: str = '') -> None:
    """Raise ``<Class>.<key> must be >= 0`` unless ``value`` is finite and
    >= 0."""
    _require(loss, key, math.isfinite(value) and value >= 0, '>= 0', value,
             hint)


def check_num_classes(loss: nn.Module, value: Optional[int]) -> None:
    """Raise unless ``num_classes`` is None or an integer >= 2."""
    ok = value is None or (isinstance(value, int) and value >= 2)
    _require(loss, 'num_classes', ok, 'None or an integer >= 2', value,
             "the head's number of classes")


def check_hyperparameters(loss: nn.Module, **values) -> None:
    """Raise ``<Class>.<key> must be <range>`` for the first value outside
    the range the hyper-parameter table gives its key."""
    for key, value in values.items():
        problem = out_of_range(type(loss).__name__, key, value)
        if problem:
            raise ValueError(f'{type(loss).__name__}.{key} {problem}')
