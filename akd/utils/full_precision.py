"""Matrix products in float32 even under autocast (AMP).

Autocast runs matmul in half precision whatever its inputs' dtype, so a
``.float()`` cast alone does not keep a sum of millions of squared
activations (a Gram or covariance matrix) from overflowing.
"""
import torch
from torch import Tensor


def autocast_off(tensor: Tensor) -> torch.autocast:
    """A context in which ``tensor``'s device runs without autocast."""
    return torch.autocast(device_type=tensor.device.type, enabled=False)
