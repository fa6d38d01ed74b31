"""Shared by the core tests: central differences and the agreement PyTorch gives."""

from collections.abc import Callable

import numpy as np

# float32 results are compared at float32 rounding, float64 ones to ~1e-9.
TOL = {np.float32: {"rtol": 2e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-9, "atol": 1e-12}}


def numeric_grad(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, eps: float = 1e-6):
    """Central differences of ``sum(f(x))`` in float64, same shape as ``x``."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (np.sum(f(up)) - np.sum(f(down))) / (2 * eps)
    return grad


def assert_grad_matches_numeric(
    loss: Callable[..., np.ndarray],
    grad: Callable[..., np.ndarray],
    x: np.ndarray,
    *args: object,
    rtol: float = 1e-6,
    atol: float = 1e-10,
) -> None:
    """``grad(x, *args)`` equals central differences of ``sum(loss(x, *args))`` in ``x``."""
    numeric = numeric_grad(lambda v: loss(v, *args), x)
    np.testing.assert_allclose(grad(x, *args), numeric, rtol=rtol, atol=atol)
