"""The one place where 'none' / 'mean' / 'sum' / 'batchmean' are applied.

Every loss computes per-element values and hands them here with, where PyTorch
uses one, its own 'mean' denominator (for instance the sum of class weights of
the non-ignored targets). Keeping the numerator and denominator visible lets
the app print "mean = 10.598 / 10 = 1.0598" with the numbers actually used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["REDUCTIONS", "Reduced", "check_reduction", "reduce", "reduce_parts"]

REDUCTIONS: tuple[str, ...] = ("none", "mean", "sum")


def check_reduction(reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> str:
    """Return ``reduction`` if it is one of ``allowed``, else raise ValueError."""
    if reduction not in allowed:
        names = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"reduction must be one of {names}, not {reduction!r}")
    return reduction


@dataclass(frozen=True)
class Reduced:
    """A reduction with its parts.

    Attributes
    ----------
    value : ndarray
        What the loss returns: the per-element array for 'none', else 0-d.
    numerator : float
        Sum of the per-element values (float64 for display).
    denominator : float
        What 'mean' / 'batchmean' divided by; 1.0 for 'sum', NaN for 'none'.
    reduction : str
    """

    value: np.ndarray
    numerator: float
    denominator: float
    reduction: str


def reduce_parts(
    values: np.ndarray, reduction: str, denominator: float | np.ndarray | None = None
) -> Reduced:
    """Reduce per-element ``values`` and keep the numerator and denominator.

    Parameters
    ----------
    values : ndarray, any shape, float dtype
        Per-element losses (already weighted, zero where ignored).
    reduction : {'none', 'mean', 'sum', 'batchmean'}
    denominator : float, optional
        The 'mean' / 'batchmean' divisor. Default: ``values.size`` for 'mean'.
        0 gives NaN under 'mean', as PyTorch's 0/0.

    Returns
    -------
    Reduced
        ``value`` has ``values``' dtype.
    """
    dtype = values.dtype
    if reduction == "none":
        return Reduced(values, float("nan"), float("nan"), reduction)
    total = np.sum(values, dtype=dtype)
    if reduction == "sum":
        return Reduced(np.asarray(total, dtype=dtype), float(total), 1.0, reduction)
    if denominator is None:
        denominator = values.size
    denom = np.asarray(denominator, dtype=dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.asarray(total / denom, dtype=dtype)
    return Reduced(value, float(total), float(denom), reduction)


def reduce(
    values: np.ndarray, reduction: str, denominator: float | np.ndarray | None = None
) -> np.ndarray:
    """Reduce ``values`` as :func:`reduce_parts` does and return only the value."""
    return reduce_parts(values, reduction, denominator).value
