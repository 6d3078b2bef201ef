"""Tolerances for float32 results that two code paths compute.

Batched and looped, wrapped and plain, a reference loop and vectorised
code, a map and its rows: two paths to one value sum their float32 terms
in different orders, and so does one path on another x86 CPU, whose
kernels vectorise differently. Their results agree up to the last bits
only, so they are compared with ``assert_close_float32``, never with
float64 tolerances or ``torch.equal``. Bit-exact comparisons are for one
code path on the same inputs (a copy, a reloaded checkpoint).
"""
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor

EPS = torch.finfo(torch.float32).eps  # 2**-23 = 1.2e-7
# Float32 sums of n terms taken in another order differ by about log2(n)
# to sqrt(n) ulps of their magnitude; the suite sums up to ~5e3 terms
# (sqrt = 70), and the worst measured under other CPU kernels is 36 ulps.
# 256 ulps (3e-5 relative) leaves room for that, while a wrong formula,
# off by 1e-2 or more, exceeds it 300-fold.
ULPS = 256

Values = Union[Tensor, np.ndarray, float]


def assert_close_float32(actual: Values,
                         expected: Values,
                         ulps: float = ULPS,
                         scale: Optional[float] = None) -> None:
    """Assert that actual equals expected up to float32 rounding.

    Both are compared in float64, with rtol = ulps * eps and atol = ulps *
    eps * scale, eps the float32 epsilon: entries near 0 are held to the
    magnitude of the whole result, not to their own.

    Args:
        actual (Tensor | np.ndarray | float): Any float dtype.
        expected (Tensor | np.ndarray | float): Shaped as ``actual``.
        ulps (float): Tolerance in float32 ulps of ``scale``; multiply it
            by the condition number of an ill-conditioned result (e.g.
            principal directions: lambda_max / eigengap). Defaults to
            ``ULPS`` (256).
        scale (float, optional): The magnitude the rounding is relative
            to. Defaults to max |expected|; pass the magnitude of the
            summed terms where the result is smaller than they are (a
            mean of values of both signs).
    """
    actual, expected = _float64(actual), _float64(expected)
    if scale is None:
        scale = expected.abs().max().item() if expected.numel() else 0.
    torch.testing.assert_close(actual,
                               expected,
                               rtol=ulps * EPS,
                               atol=ulps * EPS * scale)


def _float64(values: Values) -> Tensor:
    if isinstance(values, Tensor):
        return values.detach().cpu().double()
    return torch.from_numpy(np.array(values, dtype=np.float64, order='C'))
