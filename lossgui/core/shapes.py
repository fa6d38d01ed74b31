"""Shape and dtype helpers the loss modules share: broadcasting as PyTorch does it,
gradients summed back over broadcast dimensions, and error locations in words."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["broadcast_shape", "fitted", "locate", "mean_scale", "same_dtype", "sum_to_shape"]


def locate(mask: np.ndarray) -> str:
    """Name the first True cell of ``mask`` for an error message: ``element (1, 0)``."""
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return "the value" if not idx else f"element {idx[0] if len(idx) == 1 else idx}"


def same_dtype(values: ArrayLike, dtype: np.dtype) -> np.ndarray:
    """``values`` as an array of the input's float ``dtype``."""
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as torch
        return np.asarray(values).astype(dtype, copy=False)


def fitted(values: ArrayLike, shape: tuple[int, ...], name: str, dtype: np.dtype) -> np.ndarray:
    """A weight that must broadcast to ``shape`` without enlarging it, as PyTorch's in-place
    multiplication into the per-element loss requires."""
    arr = same_dtype(values, dtype)
    try:
        fits = np.broadcast_shapes(shape, arr.shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} of shape {arr.shape} does not broadcast to the input's shape {shape}: "
            "it must have the input's shape or size 1 (or be missing) along each dimension, "
            "counted from the last"
        )
    return arr


def broadcast_shape(*named: tuple[str, tuple[int, ...]]) -> tuple[int, ...]:
    """The broadcast of ``(name, shape)`` pairs, or a ValueError naming the shapes."""
    try:
        return np.broadcast_shapes(*(shape for _, shape in named))
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in named)
        raise ValueError(
            f"shapes do not broadcast together: {listed}; sizes must match or be 1 "
            "along each dimension, counted from the last"
        ) from None


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions along which an argument of ``shape`` was broadcast."""
    lead = grad.ndim - len(shape)
    if lead:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def mean_scale(reduction: str, count: int) -> float:
    """Factor by which 'mean' scales each element's gradient (1 for 'none' and 'sum')."""
    return 1.0 / count if reduction == "mean" and count else 1.0
