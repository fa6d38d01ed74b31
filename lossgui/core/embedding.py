"""Cosine embedding loss as ``torch.nn.functional.cosine_embedding_loss`` computes it.

Pairs of vectors labelled similar (+1) or dissimilar (-1):
``1 - cos`` for +1, ``max(0, cos - margin)`` for -1, and 0 for any other label.

Each public function runs under ``np.errstate(all="ignore")``: non-finite
inputs give PyTorch's inf / NaN, not a NumPy warning (see :mod:`lossgui.core.binary`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossgui.core.activations import as_float_array
from lossgui.core.reduction import check_reduction, reduce
from lossgui.core.shapes import broadcast_shape, mean_scale, sum_to_shape

__all__ = ["cosine_embedding_loss", "cosine_embedding_loss_grad"]

# PyTorch adds this to each squared norm so that a zero vector has cos = 0
# instead of 0 / 0. It is EPSILON of ATen's Loss.cpp, a float32 1e-12, hence
# 9.99999996e-13 in float64 too; plain 1e-12 is off by 2e-9 relative near 0.
_NORM_EPS = float(np.float32(1e-12))


class _Cosine:
    """The forward pieces both the loss and its gradient need."""

    def __init__(
        self, input1: ArrayLike, input2: ArrayLike, target: ArrayLike, reduction: str
    ) -> None:
        check_reduction(reduction)
        x1 = as_float_array(input1)
        x2 = as_float_array(input2)
        y = np.asarray(target)
        if y.ndim > 1:
            raise ValueError(
                f"target must be a single +1/-1 label (0-D) or one per pair (1-D), "
                f"got shape {y.shape}"
            )
        want = y.ndim + 1
        if x1.ndim != want or x2.ndim != want:
            kind = "one label per pair needs (N, D)" if y.ndim else "a single label needs (D)"
            raise ValueError(
                f"{kind} inputs: got input1 {x1.shape} and input2 {x2.shape} with target {y.shape}"
            )
        self.shape1, self.shape2 = x1.shape, x2.shape
        self.dtype1, self.dtype2 = x1.dtype, x2.dtype
        self.dtype = np.result_type(x1, x2)
        self.x1 = x1.astype(self.dtype, copy=False)
        self.x2 = x2.astype(self.dtype, copy=False)
        self.y = y
        axis = y.ndim  # the vector dimension: 0 for a single pair, 1 for a batch
        broadcast_shape(("input1", x1.shape), ("input2", x2.shape))
        self.dot = np.asarray(np.sum(self.x1 * self.x2, axis=axis))
        self.sq1 = np.asarray(np.sum(self.x1 * self.x1, axis=axis) + _NORM_EPS)
        self.sq2 = np.asarray(np.sum(self.x2 * self.x2, axis=axis) + _NORM_EPS)
        self.denom = np.asarray(np.sqrt(self.sq1 * self.sq2))
        self.cos = np.asarray(self.dot / self.denom)
        try:
            self.shape = np.broadcast_shapes(self.cos.shape, y.shape)
        except ValueError:
            raise ValueError(
                f"target has {y.shape[0]} labels but the inputs hold {self.cos.shape[0]} pairs"
            ) from None


@np.errstate(all="ignore")
def cosine_embedding_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    margin: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    """``1 - cos`` where target == 1, ``max(0, cos - margin)`` where target == -1, else 0.

    ``cos = sum(x1 x2) / sqrt((|x1|^2 + eps) (|x2|^2 + eps))``: PyTorch adds
    eps, a float32 1e-12, to each squared norm before the product.

    Parameters
    ----------
    input1, input2 : array_like, shape (N, D) with target (N), or (D) with target ()
        The two embeddings of each pair; they broadcast against each other.
    target : array_like, shape (N) or ()
        +1 (similar) or -1 (dissimilar); any other value contributes 0.
    margin : float
        Dissimilar pairs cost nothing once their cosine is at most ``margin``.
    reduction : {'none', 'mean', 'sum'}

    Returns
    -------
    ndarray
        The inputs' promoted float dtype; shape (N) (or () for a single pair)
        for 'none', else 0-d.
    """
    c = _Cosine(input1, input2, target, reduction)
    similar = np.where(c.y == 1, 1 - c.cos, 0)
    dissimilar = np.where(c.y == -1, np.maximum(c.cos - margin, 0), 0)
    return reduce(np.asarray(similar + dissimilar, dtype=c.dtype), reduction)


@np.errstate(all="ignore")
def cosine_embedding_loss_grad(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    margin: float = 0.0,
    reduction: str = "mean",
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of :func:`cosine_embedding_loss` with respect to both inputs.

    ``d cos / d x1 = x2 / sqrt(s1 s2) - cos x1 / s1`` with ``s = |x|^2 + 1e-12``;
    the loss passes ``-d cos`` for +1 pairs and ``d cos`` for -1 pairs with
    ``cos >= margin`` (PyTorch's clamp lets the gradient through at equality).

    Returns
    -------
    tuple of ndarray
        (d loss / d input1, d loss / d input2), each with its input's shape and
        float dtype.
    """
    c = _Cosine(input1, input2, target, reduction)
    scale = mean_scale(reduction, int(np.prod(c.shape)))
    g_cos = np.where(c.y == 1, -scale, 0) + np.where((c.y == -1) & (c.cos - margin >= 0), scale, 0)
    g_cos = sum_to_shape(np.broadcast_to(g_cos.astype(c.dtype), c.shape), c.cos.shape)
    g_cos = np.expand_dims(g_cos, -1)
    cos = np.expand_dims(c.cos, -1)
    denom = np.expand_dims(c.denom, -1)
    g1 = _input_grad(g_cos, cos, c.x1, c.x2, denom, np.expand_dims(c.sq1, -1), c.shape1)
    g2 = _input_grad(g_cos, cos, c.x2, c.x1, denom, np.expand_dims(c.sq2, -1), c.shape2)
    return np.asarray(g1, dtype=c.dtype1), np.asarray(g2, dtype=c.dtype2)


def _input_grad(
    g_cos: np.ndarray,
    cos: np.ndarray,
    own: np.ndarray,
    other: np.ndarray,
    denom: np.ndarray,
    sq: np.ndarray,
    shape: tuple[int, ...],
) -> np.ndarray:
    """``g_cos * d cos / d own``, summed back to ``own``'s ``shape``.

    ``d cos / d own = other / denom - cos own / sq``. The first term follows
    the dot product, which broadcasts ``own`` along the vector dimension; the
    second follows ``|own|^2``, which does not. So when ``own`` has a vector
    dimension of 1 against a longer ``other``, the terms are summed back apart
    (the second one must not be counted once per element of ``other``).
    """
    if own.shape[-1] == 1 < other.shape[-1]:
        along_dot = sum_to_shape(g_cos * other / denom, shape)
        return along_dot - sum_to_shape(g_cos * cos * own / sq, shape)
    return sum_to_shape(g_cos * (other / denom - cos * own / sq), shape)
