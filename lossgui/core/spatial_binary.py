"""Two channels with softmax against one channel with sigmoid, pixel by pixel.

A two-class softmax over logits ``[x_a, x_b]`` gives class a the probability
``exp(x_a) / (exp(x_a) + exp(x_b)) = sigmoid(x_a - x_b)``: two channels with
softmax and one channel (their difference) with sigmoid are the same model.
Likewise cross entropy with target a equals binary_cross_entropy_with_logits
of ``x_a - x_b`` with target 1. This module computes both sides for one image
of an (N, C, H, W) batch so the view can show where float rounding makes them
differ (almost nowhere, and then by a few units in the last place).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossgui.core import binary_cross_entropy_with_logits, cross_entropy, sigmoid, softmax

__all__ = ["BinaryComparison", "two_channel_vs_sigmoid"]


@dataclass(frozen=True)
class BinaryComparison:
    """Per-pixel results of :func:`two_channel_vs_sigmoid`, each of shape (H, W).

    Attributes
    ----------
    p_softmax : ndarray, shape (H, W)
        ``softmax([x_a, x_b])[0]``: probability of class a from two channels.
    p_sigmoid : ndarray, shape (H, W)
        ``sigmoid(x_a - x_b)``: the same probability from one channel.
    abs_diff : ndarray, shape (H, W)
        ``|p_softmax - p_sigmoid|``.
    ce : ndarray, shape (H, W)
        Two-class cross entropy with target a (nats), ``reduction='none'``.
    bce : ndarray, shape (H, W)
        ``binary_cross_entropy_with_logits(x_a - x_b, 1)`` (nats), ``reduction='none'``.
    """

    p_softmax: np.ndarray
    p_sigmoid: np.ndarray
    abs_diff: np.ndarray
    ce: np.ndarray
    bce: np.ndarray

    @property
    def differing(self) -> int:
        """Number of pixels where the two probabilities are not bit-for-bit equal."""
        return int(np.count_nonzero(self.p_softmax != self.p_sigmoid))

    @property
    def max_diff(self) -> float:
        """Largest ``|p_softmax - p_sigmoid|`` (NaN where either is NaN is skipped)."""
        finite = self.abs_diff[np.isfinite(self.abs_diff)]
        return float(finite.max()) if finite.size else 0.0

    @property
    def max_loss_diff(self) -> float:
        """Largest ``|ce - bce|`` in nats over pixels where both are finite."""
        delta = np.abs(self.ce.astype(np.float64) - self.bce.astype(np.float64))
        finite = delta[np.isfinite(delta)]
        return float(finite.max()) if finite.size else 0.0


def two_channel_vs_sigmoid(
    logits_nchw: np.ndarray, n: int, a: int, b: int, dtype: str | np.dtype
) -> BinaryComparison:
    """Compare softmax over channels [a, b] with sigmoid of ``x_a - x_b`` for image n.

    Parameters
    ----------
    logits_nchw : ndarray, shape (N, C, H, W)
        Segmentation logits.
    n : int
        Image index, ``0 <= n < N``.
    a, b : int
        Two different channels, ``0 <= a, b < C``; a is the positive class.
    dtype : str or numpy dtype
        Float dtype every step is computed in (the Document's, e.g. 'float32').

    Returns
    -------
    BinaryComparison
        Arrays of shape (H, W) in ``dtype``.

    Raises
    ------
    ValueError
        If the input is not 4-D, an index is out of range, or ``a == b``.
    """
    x = np.asarray(logits_nchw)
    if x.ndim != 4:
        raise ValueError(f"expected logits of shape (N, C, H, W), got shape {tuple(x.shape)}")
    count, classes = x.shape[0], x.shape[1]
    if not 0 <= n < count:
        raise ValueError(f"image {n} is out of range for a batch of {count} images")
    for name, c in (("a", a), ("b", b)):
        if not 0 <= c < classes:
            raise ValueError(f"class {name}={c} is out of range for {classes} classes")
    if a == b:
        raise ValueError("classes a and b must differ")
    pair = x[n, [a, b]].astype(np.dtype(dtype))  # (2, H, W)
    p_softmax = softmax(pair, dim=0)[0]
    # The one-channel logit is the difference, rounded once in the same dtype.
    margin = pair[0] - pair[1]
    p_sigmoid = sigmoid(margin)
    target = np.zeros((1, *pair.shape[1:]), dtype=np.int64)  # class a is index 0 of [a, b]
    ce = cross_entropy(pair[None], target, reduction="none")[0]
    bce = binary_cross_entropy_with_logits(margin, np.ones_like(margin), reduction="none")
    return BinaryComparison(
        p_softmax=p_softmax,
        p_sigmoid=p_sigmoid,
        abs_diff=np.abs(p_softmax - p_sigmoid),
        ce=ce,
        bce=bce,
    )
