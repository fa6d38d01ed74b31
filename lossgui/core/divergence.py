"""Kullback-Leibler divergence as ``torch.nn.functional.kl_div`` computes it.

The input is the model's log-probabilities log q and the target the reference
distribution p (or log p with ``log_target``). Pointwise the loss is
``p (log p - log q)``, so ``sum`` over a row is KL(p || q).

Each public function runs under ``np.errstate(all="ignore")``: non-finite
inputs give PyTorch's inf / NaN, not a NumPy warning (see :mod:`lossgui.core.binary`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossgui.core.activations import as_float_array
from lossgui.core.reduction import REDUCTIONS, check_reduction, reduce
from lossgui.core.shapes import broadcast_shape, same_dtype, sum_to_shape

__all__ = ["kl_div", "kl_div_grad"]

_KL_REDUCTIONS: tuple[str, ...] = (*REDUCTIONS, "batchmean")


def _checked(
    input: ArrayLike, target: ArrayLike, reduction: str
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    check_reduction(reduction, _KL_REDUCTIONS)
    x = as_float_array(input)
    t = same_dtype(target, x.dtype)
    return x, t, broadcast_shape(("input", x.shape), ("target", t.shape))


def _denominator(x: np.ndarray, shape: tuple[int, ...], reduction: str) -> int:
    """What 'mean' and 'batchmean' divide the sum by.

    'mean' counts the elements of the (broadcast) loss; 'batchmean' takes the
    input's first dimension, even when the target broadcast it to more rows,
    and divides by nothing for a 0-d input, exactly as PyTorch.
    """
    if reduction == "batchmean":
        return x.shape[0] if x.ndim else 1
    return int(np.prod(shape))


@np.errstate(all="ignore")
def kl_div(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    log_target: bool = False,
) -> np.ndarray:
    """Pointwise ``target (log target - input)``, then the reduction.

    Parameters
    ----------
    input : array_like, any shape
        Log-probabilities log q (for instance a log_softmax output).
    target : array_like
        Probabilities p (log p if ``log_target``); broadcasts against the input.
    reduction : {'none', 'mean', 'sum', 'batchmean'}
        'mean' divides by the number of elements, which is not the KL
        divergence per sample (PyTorch warns about it); 'batchmean' divides the
        sum by ``input.shape[0]`` and is the per-sample KL.
    log_target : bool
        If True the target is log p and the pointwise loss is
        ``exp(target) (target - input)``.

    Returns
    -------
    ndarray
        Input's float dtype; the broadcast shape for 'none', else 0-d.

    Notes
    -----
    Without ``log_target`` the term is ``xlogy(p, p) - p log q``, which is 0
    where p == 0 and log q is finite (no 0 log 0 NaN). As in PyTorch, p == 0
    against log q = -inf is NaN (0 times -inf), a negative p is NaN, and with
    ``log_target`` a target of -inf is NaN.
    """
    x, t, shape = _checked(input, target, reduction)
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        # xlogy(t, t): t log t is 0 log 0 = NaN at t == 0, where the limit is 0.
        loss = np.where(t == 0, 0, t * np.log(t)) - t * x
    values = np.asarray(loss, dtype=x.dtype)
    return reduce(values, reduction, _denominator(x, shape, reduction))


@np.errstate(all="ignore")
def kl_div_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    log_target: bool = False,
) -> np.ndarray:
    """Gradient of :func:`kl_div` with respect to ``input``.

    Per element ``-target`` (``-exp(target)`` with ``log_target``) over the
    'mean' / 'batchmean' denominator, summed over any dimensions along which
    the target broadcast the input.

    Returns
    -------
    ndarray
        Input's shape and float dtype.
    """
    x, t, shape = _checked(input, target, reduction)
    grad = -np.exp(t) if log_target else -t
    denominator = _denominator(x, shape, reduction) if reduction != "sum" else 1
    # An empty batch has an empty gradient; only scale when there is something to scale.
    scale = 1 / denominator if reduction != "none" and denominator else 1.0
    grad = np.broadcast_to(grad, shape) * scale
    return sum_to_shape(np.asarray(grad, dtype=x.dtype), x.shape)
