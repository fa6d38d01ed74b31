"""Class weights people use against imbalance, from per-class target counts.

Every scheme returns one float64 weight per class, shape (C,). The per-class
weight vectors are normalised to sum to C (mean weight 1); pos_weight is a
ratio and is not. Classes without targets count as one target, so weights
stay finite.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "effective_number",
    "inverse_frequency",
    "pos_weight_from_counts",
    "sqrt_inverse_frequency",
]


def _normalised(raw: np.ndarray) -> np.ndarray:
    """Scale ``raw`` so the C weights sum to C (their mean is 1)."""
    return raw * (raw.size / np.sum(raw))


def _floored(counts: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(counts, dtype=np.float64), 1.0)


def inverse_frequency(counts: np.ndarray) -> np.ndarray:
    """Weights ``1 / n_c``, normalised to sum to C.

    Parameters
    ----------
    counts : ndarray, shape (C,)
        Targets per class (may be fractional for soft targets).

    Returns
    -------
    ndarray, shape (C,), float64

    Notes
    -----
    The sum-to-C normalisation keeps the mean weight at 1, so a weighted 'sum'
    stays on the unweighted loss's scale (under CE's weighted 'mean' any scale
    cancels). sklearn's "balanced" ``N / (C n_c)`` differs by a constant factor.
    A class without targets counts as 1 (the largest weight) rather than
    dividing by zero.
    """
    return _normalised(1.0 / _floored(counts))


def sqrt_inverse_frequency(counts: np.ndarray) -> np.ndarray:
    """Weights ``1 / sqrt(n_c)``, normalised to sum to C (a milder rebalancing).

    Counts of zero count as 1, as in :func:`inverse_frequency`. Shape (C,), float64.
    """
    return _normalised(1.0 / np.sqrt(_floored(counts)))


def effective_number(counts: np.ndarray, beta: float = 0.999) -> np.ndarray:
    """Class-balanced weights of Cui et al. (2019): ``(1 - beta) / (1 - beta ** n_c)``.

    Parameters
    ----------
    counts : ndarray, shape (C,)
    beta : float in [0, 1)
        0 gives equal weights; towards 1 it approaches inverse frequency.

    Returns
    -------
    ndarray, shape (C,), float64
        Normalised to sum to C, as in the paper. Counts of zero count as 1.
    """
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must be in [0, 1), not {beta:g}")
    n = _floored(counts)
    return _normalised((1.0 - beta) / (1.0 - np.power(beta, n)))


def pos_weight_from_counts(negatives: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """``pos_weight = negatives / positives`` per class, as PyTorch's docs suggest.

    Parameters
    ----------
    negatives, positives : ndarray, shape (C,)
        Per column, the number (or soft sum) of 0 and of 1 labels.

    Returns
    -------
    ndarray, shape (C,), float64
        Not normalised (pos_weight is a ratio). A column without positives
        counts 1 positive; a column without negatives gets 1 (nothing to balance).
    """
    neg = np.asarray(negatives, dtype=np.float64)
    pos = _floored(positives)
    return np.where(neg > 0, neg / pos, 1.0)
