"""Softmax against sigmoid, and naive against stable softmax: floating point up close.

:func:`sigmoid_vs_softmax` sweeps a - b for two classes, where softmax and
sigmoid agree in mathematics and only rounding can tell them apart;
:func:`numerics` scales a row of logits until the textbook
``exp(x) / sum(exp(x))`` overflows while the max-subtracted form does not.
Everything is computed by the core functions in the requested dtype.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lossgui.core.activations import (
    cast,
    sigmoid,
    softmax,
)
from lossgui.core.binary import binary_cross_entropy_with_logits
from lossgui.core.categorical import cross_entropy

__all__ = [
    "ClassNumerics",
    "ClassNumericsSweep",
    "NumericsCurves",
    "NumericsSweep",
    "TwoClassSweep",
    "class_numerics",
    "numerics",
    "sigmoid_vs_softmax",
    "two_class_at",
]


@dataclass(frozen=True, eq=False)
class TwoClassSweep:
    """Softmax over two classes against the sigmoid of their difference; shape (K,) each.

    ``diff`` is a - b; the probabilities and losses are the core's values in
    the requested dtype, as float64. ``abs_difference`` compares the two
    probabilities, ``loss_abs_difference`` the two losses: cross entropy goes
    through log(sum(exp)), which rounds 1 + e^-(a-b) to 1 once a - b is large,
    while BCE with logits uses log1p and keeps e^-(a-b).
    """

    diff: np.ndarray
    softmax_a: np.ndarray
    sigmoid: np.ndarray
    abs_difference: np.ndarray
    cross_entropy: np.ndarray
    bce_with_logits: np.ndarray
    loss_abs_difference: np.ndarray


def sigmoid_vs_softmax(
    a_minus_b_range: tuple[float, float], K: int, *, b: float = 0.0, dtype: str = "float32"
) -> TwoClassSweep:
    """``softmax([a, b])[0]`` beside ``sigmoid(a - b)`` for a - b over a range.

    Parameters
    ----------
    a_minus_b_range : (float, float)
        The range of a - b.
    K : int
        Number of points.
    b : float
        The second logit (a = b + (a - b)); the two forms agree exactly in
        mathematics, and in floating point only up to the rounding of a, b
        and a - b, which is what ``abs_difference`` shows.
    dtype : {'float32', 'float64'}

    Returns
    -------
    TwoClassSweep
        With ``cross_entropy([a, b], 0)`` and
        ``binary_cross_entropy_with_logits(a - b, 1)`` per point.
    """
    dt = np.dtype(dtype)
    diff = np.linspace(float(a_minus_b_range[0]), float(a_minus_b_range[1]), int(K))
    return _two_class(cast(b + diff, dt), np.full(diff.shape, b, dtype=dt), diff)


def two_class_at(a: float, b: float, *, dtype: str = "float32") -> TwoClassSweep:
    """:func:`sigmoid_vs_softmax` at one pair of logits (a, b) as given; arrays of shape (1,)."""
    dt = np.dtype(dtype)
    aa, bb = cast([a], dt), cast([b], dt)
    return _two_class(aa, bb, (aa - bb).astype(np.float64))


def _two_class(a: np.ndarray, b: np.ndarray, diff: np.ndarray) -> TwoClassSweep:
    pair = np.stack([a, b], axis=1)
    p_a = softmax(pair, dim=1)[:, 0].astype(np.float64)
    s = sigmoid(a - b).astype(np.float64)
    ce = cross_entropy(pair, np.zeros(a.shape, dtype=np.int64), reduction="none")
    ones = np.ones(a.shape, dtype=a.dtype)
    bce = binary_cross_entropy_with_logits(a - b, ones, reduction="none")
    ce, bce = ce.astype(np.float64), bce.astype(np.float64)
    return TwoClassSweep(diff, p_a, s, np.abs(p_a - s), ce, bce, np.abs(ce - bce))


@dataclass(frozen=True, eq=False)
class NumericsCurves:
    """Naive and stable (log-)softmax of a scaled row in one dtype; arrays (S, C), float64.

    ``first_bad_softmax`` / ``first_bad_log_softmax`` (shape (C,), int) index,
    per class, the first scale at which the naive form is not finite (inf or
    NaN), -1 where it stays finite over the whole sweep.
    """

    dtype: str
    naive_softmax: np.ndarray
    stable_softmax: np.ndarray
    naive_log_softmax: np.ndarray
    stable_log_softmax: np.ndarray
    first_bad_softmax: np.ndarray
    first_bad_log_softmax: np.ndarray


@dataclass(frozen=True, eq=False)
class NumericsSweep:
    """The row scaled by each of ``scales`` (S,); ``max_logit`` is max |scale * row|."""

    scales: np.ndarray
    max_logit: np.ndarray
    curves: dict[str, NumericsCurves]
    dtype: str


def _first_bad(values: np.ndarray) -> np.ndarray:
    """Per column the first row index holding a non-finite value, -1 if none: (C,)."""
    bad = ~np.isfinite(values)
    first = np.argmax(bad, axis=0)
    return np.where(bad.any(axis=0), first, -1).astype(np.int64)


def _softmax_forms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Naive and stable softmax and log-softmax of ``x`` (S, C) over C, in x's dtype.

    The same operations, in the same order, as :func:`naive_softmax`,
    :func:`softmax`, :func:`naive_log_softmax` and :func:`log_softmax` (so the
    same bits), sharing their exps and sums: this runs on every drag step of
    the selected row. Returns (naive, stable, naive_log, stable_log).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        e = np.exp(x)
        naive = e / np.sum(e, axis=1, keepdims=True)
        shifted = x - np.max(x, axis=1, keepdims=True)
        e_shifted = np.exp(shifted)
        total = np.sum(e_shifted, axis=1, keepdims=True)
        return naive, e_shifted / total, np.log(naive), shifted - np.log(total)


def numerics(
    row_logits: np.ndarray,
    dtype: str,
    scales: np.ndarray,
    dtypes: Sequence[str] = ("float32", "float64"),
) -> NumericsSweep:
    """Naive ``exp(x) / sum(exp(x))`` against the max-subtracted form as a row grows.

    Parameters
    ----------
    row_logits : ndarray, shape (C,)
    dtype : str
        The Document's dtype (recorded; curves are made for every ``dtypes``).
    scales : ndarray, shape (S,)
        Factors applied to the row (in float64, then cast to each dtype).
    dtypes : sequence of str

    Returns
    -------
    NumericsSweep
        The naive forms overflow once a logit passes about 88.7 (float32) or
        709.8 (float64); they turn NaN when every exp underflows to 0.
    """
    s = np.asarray(scales, dtype=np.float64).reshape(-1)
    scaled = s[:, None] * np.asarray(row_logits, dtype=np.float64)[None, :]
    curves = {}
    for name in dtypes:  # two dtypes, not sweep points: each call is vectorised over S
        forms = [f.astype(np.float64) for f in _softmax_forms(cast(scaled, np.dtype(name)))]
        naive, stable, naive_log, stable_log = forms
        curves[name] = NumericsCurves(
            name, naive, stable, naive_log, stable_log, _first_bad(naive), _first_bad(naive_log)
        )
    max_logit = np.max(np.abs(scaled), axis=1) if scaled.size else np.zeros_like(s)
    return NumericsSweep(s, max_logit, curves, dtype)


@dataclass(frozen=True, eq=False)
class ClassNumerics:
    """One class of a scaled row in one dtype: naive and stable (log-)softmax; (S,) each, float64.

    The same bits as column ``col`` of :class:`NumericsCurves`. ``first_bad_row``
    is the first scale at which the naive softmax of *any* class of the row is
    not finite (the smallest non-negative ``first_bad_softmax``), and
    ``first_bad_log`` the first at which this class's naive log-softmax is not
    (its ``first_bad_log_softmax``); -1 where the sweep never fails.
    """

    dtype: str
    naive_softmax: np.ndarray
    stable_softmax: np.ndarray
    naive_log_softmax: np.ndarray
    stable_log_softmax: np.ndarray
    first_bad_row: int
    first_bad_log: int


@dataclass(frozen=True, eq=False)
class ClassNumericsSweep:
    """:func:`class_numerics` of a row: ``max_logit`` (S,) is max |scale * row|."""

    scales: np.ndarray
    max_logit: np.ndarray
    curves: dict[str, ClassNumerics]


def _first(bad: np.ndarray) -> int:
    """Index of the first True of ``bad`` (S,), -1 if none."""
    return int(np.argmax(bad)) if bad.any() else -1


def class_numerics(
    row_logits: np.ndarray,
    col: int,
    scales: np.ndarray,
    dtypes: Sequence[str] = ("float32", "float64"),
) -> ClassNumericsSweep:
    """:func:`numerics` of one class of the row: what a plot of that class shows.

    The numerics panel redraws on every drag step of the selected row and
    shows one class: this computes its four curves with the same operations
    as :func:`numerics` (so the same bits) but forms the logarithms, the
    stable division and the float64 copies for that class alone.

    Parameters
    ----------
    row_logits, scales, dtypes
        As :func:`numerics` takes them: shapes (C,) and (S,).
    col : int
        The class, 0 <= col < C.

    Returns
    -------
    ClassNumericsSweep
    """
    s = np.asarray(scales, dtype=np.float64).reshape(-1)
    row = np.asarray(row_logits, dtype=np.float64)
    if not 0 <= col < row.shape[0]:
        raise IndexError(f"class {col} is out of range for a row of {row.shape[0]} logits")
    scaled = s[:, None] * row[None, :]
    curves = {}
    for name in dtypes:
        x = cast(scaled, np.dtype(name))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            # As _softmax_forms, column by column where only `col` is wanted.
            e = np.exp(x)
            naive_row = e / np.sum(e, axis=1, keepdims=True)
            shifted = x - np.max(x, axis=1, keepdims=True)
            e_shifted = np.exp(shifted)
            total = np.sum(e_shifted, axis=1)
            naive = naive_row[:, col]
            naive_log = np.log(naive)
            stable = e_shifted[:, col] / total
            stable_log = shifted[:, col] - np.log(total)
        row_bad = ~np.isfinite(naive_row).all(axis=1)
        curves[name] = ClassNumerics(
            name,
            naive.astype(np.float64),
            stable.astype(np.float64),
            naive_log.astype(np.float64),
            stable_log.astype(np.float64),
            _first(row_bad),
            _first(~np.isfinite(naive_log)),
        )
    max_logit = np.max(np.abs(scaled), axis=1) if scaled.size else np.zeros_like(s)
    return ClassNumericsSweep(s, max_logit, curves)
