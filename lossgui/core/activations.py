"""Activations as PyTorch computes them, plus the naive textbook forms.

The stable forms subtract the maximum (softmax) or work on ``-|x|`` (sigmoid)
so that no ``exp`` ever sees a large positive argument: logits of +-1e4 give
finite results in float32. The naive forms exist so the app can show what goes
wrong without those tricks; they never raise, they return ``inf``/``nan``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "as_float_array",
    "cast",
    "log_sigmoid",
    "log_softmax",
    "naive_log_softmax",
    "naive_softmax",
    "sigmoid",
    "softmax",
    "softmax_dim",
    "softplus",
]


def as_float_array(x: ArrayLike) -> np.ndarray:
    """Return ``x`` as a floating NumPy array, keeping float16/32/64 as given.

    Integer and boolean inputs (and Python lists of numbers) become float64.
    """
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def cast(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``values`` in ``dtype``; float64 numbers beyond float32's range become +-inf.

    That is what ``torch.tensor(1e39, dtype=torch.float32)`` gives, so the
    overflow is the faithful answer rather than a warning.
    """
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=dtype)


def softmax_dim(ndim: int, dim: int | None) -> int:
    """The class dimension PyTorch uses: ``dim`` if given, else its legacy rule.

    ``torch.nn.functional.softmax`` without ``dim`` picks 0 for 0-, 1- and 3-D
    inputs and 1 otherwise; the losses always pass dim 1 (or 0 for 1-D input).
    """
    if dim is None:
        return 0 if ndim in (0, 1, 3) else 1
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise ValueError(f"dim {dim} is out of range for an input with {ndim} dimensions")
    return dim % max(ndim, 1)


def softmax(x: ArrayLike, dim: int | None = None) -> np.ndarray:
    """Stable softmax along ``dim``: ``exp(x - max) / sum(exp(x - max))``.

    Parameters
    ----------
    x : array_like, any shape
    dim : int, optional
        Dimension to normalise over (PyTorch's rule when omitted).

    Returns
    -------
    ndarray, same shape and float dtype as ``x``.
    """
    arr = as_float_array(x)
    if arr.ndim == 0:
        return np.ones_like(arr)
    d = softmax_dim(arr.ndim, dim)
    if arr.shape[d] == 0:
        return arr.copy()  # zero classes: nothing to normalise (np.max would raise)
    # A row holding both ~3e38 and ~-3e38 overflows x - max to -inf, whose exp is
    # exactly the 0 PyTorch gives; a row holding inf gives NaN (inf - inf), as in
    # PyTorch. Both are the right answer, not an error.
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = arr - np.max(arr, axis=d, keepdims=True)
    e = np.exp(shifted)
    e /= np.sum(e, axis=d, keepdims=True)
    return e


def log_softmax(x: ArrayLike, dim: int | None = None) -> np.ndarray:
    """Stable log-softmax: ``x - max - log(sum(exp(x - max)))``.

    Same shapes and dtype rules as :func:`softmax`.
    """
    arr = as_float_array(x)
    if arr.ndim == 0:
        return np.zeros_like(arr)
    d = softmax_dim(arr.ndim, dim)
    if arr.shape[d] == 0:
        return arr.copy()
    with np.errstate(over="ignore", invalid="ignore"):  # as in softmax above
        shifted = arr - np.max(arr, axis=d, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=d, keepdims=True))


def naive_softmax(x: ArrayLike, dim: int | None = None) -> np.ndarray:
    """Textbook ``exp(x) / sum(exp(x))`` with no max subtraction.

    Overflows to ``inf`` and then ``nan`` once a logit exceeds about 88
    (float32) or 709 (float64); this is the point of showing it.
    """
    arr = as_float_array(x)
    if arr.ndim == 0:
        return np.ones_like(arr)
    d = softmax_dim(arr.ndim, dim)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        e = np.exp(arr)
        return e / np.sum(e, axis=d, keepdims=True)


def naive_log_softmax(x: ArrayLike, dim: int | None = None) -> np.ndarray:
    """Textbook ``log(exp(x) / sum(exp(x)))``, overflowing like :func:`naive_softmax`."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return np.log(naive_softmax(x, dim))


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Stable logistic function ``1 / (1 + exp(-x))``, elementwise, dtype kept."""
    arr = as_float_array(x)
    e = np.exp(-np.abs(arr))
    return np.where(arr >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(arr.dtype, copy=False)


def softplus(x: ArrayLike) -> np.ndarray:
    """Stable ``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``, dtype kept."""
    arr = as_float_array(x)
    return np.maximum(arr, 0) + np.log1p(np.exp(-np.abs(arr)))


def log_sigmoid(x: ArrayLike) -> np.ndarray:
    """Stable ``log(sigmoid(x)) = -softplus(-x)``, elementwise, dtype kept."""
    arr = as_float_array(x)
    return np.minimum(arr, 0) - np.log1p(np.exp(-np.abs(arr)))
