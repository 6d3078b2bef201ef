"""Computations that stay in float32 under autocast (AMP) and with
half-precision inputs.

Autocast runs matmul in half precision whatever its inputs' dtype, so a
``.float()`` cast alone does not keep a sum of millions of squared
activations (a Gram or covariance matrix) from overflowing; and a softmax
over a bfloat16 teacher map keeps only 8 bits of each probability.
"""
from typing import Any

import torch
from torch import Tensor, nn


def autocast_off(tensor: Tensor) -> torch.autocast:
    """A context in which ``tensor``'s device runs without autocast."""
    return torch.autocast(device_type=tensor.device.type, enabled=False)


def to_float32(value: Any) -> Any:
    """``value`` with half-precision tensors, also inside lists and tuples,
    cast to float32, and every tensor contiguous (a ``channels_last``
    teacher's records reach losses that ``view`` them); anything else as it
    is."""
    if isinstance(value, Tensor):
        if value.dtype in (torch.float16, torch.bfloat16):
            value = value.float()
        return value.contiguous()
    if type(value) in (list, tuple):
        return type(value)(to_float32(item) for item in value)
    return value


def _first_tensor(value: Any):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (list, tuple)):
        return next((t for t in map(_first_tensor, value) if t is not None),
                    None)
    return None


def call_in_float32(loss: nn.Module, **kwargs) -> Any:
    """``loss(**kwargs)`` in float32: half-precision inputs cast up (and
    made contiguous, :func:`to_float32`) and autocast off, so softmax, KL,
    Gram and covariance sums keep float32 precision whatever precision the
    models ran in."""
    kwargs = {key: to_float32(value) for key, value in kwargs.items()}
    tensor = _first_tensor(list(kwargs.values()))
    if tensor is None:
        return loss(**kwargs)
    with autocast_off(tensor):
        return loss(**kwargs)
