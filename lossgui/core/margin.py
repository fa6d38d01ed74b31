"""Multi-class hinge loss as ``torch.nn.functional.multi_margin_loss`` computes it.

Each wrong class i whose score comes within ``margin`` of the target's score
costs ``max(0, margin - x[y] + x[i]) ** p``, weighted by the target class's
weight and divided by the number of classes C.

Each public function runs under ``np.errstate(all="ignore")``: non-finite
inputs give PyTorch's inf / NaN, not a NumPy warning (see :mod:`lossgui.core.binary`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossgui.core.activations import as_float_array
from lossgui.core.reduction import check_reduction, reduce
from lossgui.core.shapes import locate, same_dtype

__all__ = ["multi_margin_loss", "multi_margin_loss_grad"]


class _Hinge:
    """Checked arguments and the per-class hinge terms shared by loss and gradient."""

    def __init__(
        self,
        input: ArrayLike,
        target: ArrayLike,
        p: int,
        margin: float,
        weight: ArrayLike | None,
        reduction: str,
    ) -> None:
        if p not in (1, 2):
            raise ValueError(f"p must be 1 or 2 (PyTorch supports only these), not {p!r}")
        check_reduction(reduction)
        x = as_float_array(input)
        # PyTorch's rule: a 0-d input is one sample of one class, a 1-d input one sample.
        if x.ndim > 2 or (x.ndim == 1 and x.size == 0) or (x.ndim == 2 and x.shape[1] == 0):
            raise ValueError(
                f"input must be (C) scores for one sample or (N, C) for a batch, with at "
                f"least one class; got shape {x.shape}"
            )
        n = x.shape[0] if x.ndim == 2 else 1
        c = x.shape[-1] if x.ndim else 1
        y = np.asarray(target)
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(
                f"target must hold integer class indices, got {y.dtype} values "
                "(class indices are 0 .. C - 1)"
            )
        if y.ndim > 1 or y.size != n:
            raise ValueError(
                f"target must be 1-D with one class index per sample: input {x.shape} "
                f"has {n} sample{'s' * (n != 1)}, target has shape {y.shape}"
            )
        bad = (y < 0) | (y >= c)
        if bad.any():
            where = f" at {locate(bad)}" if y.ndim else ""
            raise ValueError(
                f"target {int(y[bad][0])}{where} is out of bounds "
                f"for {c} class{'es' * (c != 1)} (valid indices are 0 .. {c - 1})"
            )
        w_target = np.ones(n, dtype=x.dtype)
        if weight is not None:
            w = same_dtype(weight, x.dtype)
            if w.ndim != 1 or w.size != c:
                raise ValueError(
                    f"weight must be one-dimensional with one entry per class: "
                    f"input has {c} class{'es' * (c != 1)}, weight has shape {w.shape}"
                )
            w_target = w[y.reshape(n)]
        self.x = x
        self.scores = x.reshape(n, c)
        self.y = y.reshape(n)
        self.c = c
        self.p = p
        self.w_target = w_target
        self.reduction = reduction
        self.out_shape = y.shape
        rows = np.arange(n)
        z = margin - self.scores[rows, self.y][:, None] + self.scores
        # ``z > 0`` rather than ``max(z, 0)``: PyTorch's kernel skips a NaN z
        # the same way, so a NaN score costs 0 there too.
        self.active = (z > 0) & (np.arange(c) != self.y[:, None])
        self.z = np.where(self.active, z, 0)


@np.errstate(all="ignore")
def multi_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """``sum_{i != y} w[y] max(0, margin - x[y] + x[i]) ** p / C``, then the reduction.

    Parameters
    ----------
    input : array_like, shape (N, C), (C) or ()
        Class scores (N may be 0; a 0-d input is one sample of one class).
    target : array_like of int, shape (N), or () / (1) for one sample
        Class indices in [0, C).
    p : {1, 2}
        Exponent of the hinge; PyTorch rejects any other.
    margin : float
    weight : array_like, shape (C), optional
        Weight of each class, applied to the samples of that target class.
    reduction : {'none', 'mean', 'sum'}
        'mean' divides by N (not by any weight sum).

    Returns
    -------
    ndarray
        Input's float dtype; for 'none' the target's shape, else 0-d.

    Notes
    -----
    For N = 0 'mean' returns NaN (0 / 0); PyTorch 2.13 returns an uninitialised
    number there.
    """
    h = _Hinge(input, target, p, margin, weight, reduction)
    terms = h.z if p == 1 else h.z * h.z
    per_sample = np.sum(terms, axis=1) * h.w_target / h.c
    return reduce(np.asarray(per_sample.reshape(h.out_shape), dtype=h.x.dtype), reduction)


@np.errstate(all="ignore")
def multi_margin_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """Gradient of :func:`multi_margin_loss` with respect to ``input``.

    Each active wrong class i (``z_i = margin - x[y] + x[i] > 0``) gets
    ``w[y] dz / C`` with ``dz = 1`` (p = 1) or ``2 z_i`` (p = 2); the target
    class gets minus their sum. At ``z_i = 0`` exactly the gradient is 0, as in
    PyTorch. Divided by N under 'mean'.

    Returns
    -------
    ndarray
        Input's shape and float dtype.
    """
    h = _Hinge(input, target, p, margin, weight, reduction)
    n = h.scores.shape[0]
    scale = 1 / (n * h.c) if reduction == "mean" and n else 1 / h.c
    slope = h.active.astype(h.x.dtype) if p == 1 else 2 * h.z
    grad = slope * (h.w_target[:, None] * scale)
    grad[np.arange(n), h.y] = -np.sum(grad, axis=1)
    return np.asarray(grad.reshape(h.x.shape), dtype=h.x.dtype)
