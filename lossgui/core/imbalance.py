"""Class imbalance: how much each class contributes to a loss and to its gradient.

Rows with index targets are grouped by their target class, rows with
probability targets by the class the target favours most (its argmax), and
the sigmoid losses (one label per cell) by column. For each group this module
reports how many targets it has, its share of the loss and of the gradient's
absolute mass, with and without the Document's weights, and how both move as
the minority class's weight is scaled. The weight schemes people use to
rebalance (:mod:`lossgui.core.class_weights`) are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossgui.core.binary import binary_cross_entropy_with_logits
from lossgui.core.class_weights import (
    effective_number,
    inverse_frequency,
    pos_weight_from_counts,
    sqrt_inverse_frequency,
)
from lossgui.core.evaluate import loss_kwargs, prepare_inputs, to_grid
from lossgui.core.registry import LossSpec, get_spec
from lossgui.core.sweeps import transform_backward

__all__ = [
    "ClassBalance",
    "RatioSweep",
    "abs_affine_sums",
    "class_balance",
    "class_counts",
    "effective_number",
    "inverse_frequency",
    "loss_vs_weight_ratio",
    "pos_weight_from_counts",
    "sqrt_inverse_frequency",
]


# ---------------------------------------------------------------- per-class shares
@dataclass(frozen=True, eq=False)
class ClassBalance:
    """Each class's targets, loss and gradient; every array has shape (C,), float64.

    Attributes
    ----------
    grouping : {'target', 'argmax', 'column'}
        How rows or cells were assigned to classes.
    counts : targets per class ('column': positives per column).
    negatives : per column the negatives ('column' only), else None.
    loss_unweighted, loss_weighted : the class's part of the loss numerator
        without and with the weight / pos_weight options.
    share_unweighted, share_weighted : those as fractions of their total.
    grad_share_unweighted, grad_share_weighted : fraction of sum |d loss / d logit|.
    weighted : whether the Document sets a weight or pos_weight at all.
    minority : the class with the fewest targets (among classes that have any).
    """

    grouping: str
    counts: np.ndarray
    negatives: np.ndarray | None
    loss_unweighted: np.ndarray
    loss_weighted: np.ndarray
    share_unweighted: np.ndarray
    share_weighted: np.ndarray
    grad_share_unweighted: np.ndarray
    grad_share_weighted: np.ndarray
    weighted: bool
    minority: int


def _share(parts: np.ndarray) -> np.ndarray:
    """``parts / sum(parts)``, NaN everywhere when there is nothing to share."""
    parts = np.asarray(parts, dtype=np.float64)
    total = np.sum(parts)
    if total == 0 or not np.isfinite(total):
        return np.full(parts.shape, np.nan)
    return parts / total


class _Prepared:
    """A Document's arrays as the loss sees them, and how rows map to classes."""

    def __init__(
        self,
        loss: str,
        logits: np.ndarray,
        target: np.ndarray,
        options: Mapping[str, Any],
        transform: str,
        dtype: str,
    ) -> None:
        spec = get_spec(loss)
        if spec.target_kinds[0] == "sign":
            raise ValueError(f"{spec.label} compares pairs of embeddings; it has no classes")
        self.spec: LossSpec = spec
        self.source = (logits, target)  # for the memo of evaluations (identity)
        self.dt = np.dtype(dtype)
        self.transform = transform
        self.x, self.t = prepare_inputs(spec, logits, target, transform, self.dt)
        self.kwargs = loss_kwargs(spec, options, self.dt)
        self.classes = int(np.shape(logits)[1])
        self.shape = tuple(np.shape(logits))
        t = np.asarray(target)
        if t.ndim == len(self.shape):
            self.grouping = "column" if spec.target_kinds[0] == "binary" else "argmax"
        else:
            self.grouping = "target"
        if self.grouping == "column":
            cells = to_grid(np.asarray(t, dtype=np.float64))
            self.counts = cells.sum(axis=0)
            self.negatives = (1.0 - cells).sum(axis=0)
            self.labels = np.zeros(0, dtype=np.int64)
        else:
            labels = t.reshape(-1) if self.grouping == "target" else to_grid(t).argmax(axis=1)
            ignore = self.kwargs.get("ignore_index", None)
            valid = (labels >= 0) & (labels < self.classes)
            if ignore is not None:
                valid &= labels != ignore
            self.labels = np.where(valid, labels, -1)
            self.counts = np.bincount(self.labels[valid], minlength=self.classes).astype(float)
            self.negatives = None

    def with_options(self, **changes: Any) -> dict[str, Any]:
        return {**self.kwargs, **changes}

    def minority(self) -> int:
        present = np.where(self.counts > 0, self.counts, np.inf)
        return int(np.argmin(present)) if np.isfinite(present).any() else 0

    def cell_losses(self, kwargs: Mapping[str, Any]) -> np.ndarray:
        """Per-cell loss (P, C) for 'column', else per-row loss (P,); float64."""
        return _memo(self, "cells", kwargs, lambda: self._cell_losses(kwargs))

    def grad(self, kwargs: Mapping[str, Any]) -> np.ndarray:
        """d(sum of the loss) / d(grid logits), (P, C), float64."""
        return _memo(self, "grad", kwargs, lambda: self._grad(kwargs))

    def _cell_losses(self, kwargs: Mapping[str, Any]) -> np.ndarray:
        none = {**kwargs, "reduction": "none"}
        if self.spec.name == "multilabel_soft_margin_loss":
            # Its per-sample value is the class mean of BCE-with-logits terms.
            cells = binary_cross_entropy_with_logits(
                self.x, self.t, weight=kwargs.get("weight"), reduction="none"
            )
            return to_grid(np.asarray(cells, dtype=np.float64)) / self.classes
        values = np.asarray(self.spec.fn(self.x, self.t, **none), dtype=np.float64)
        if self.grouping == "column":
            return to_grid(values)
        rows = int(np.prod(self.shape)) // self.classes
        return values.reshape(rows, -1).sum(axis=1)

    def _grad(self, kwargs: Mapping[str, Any]) -> np.ndarray:
        g = self.spec.grad(self.x, self.t, **{**kwargs, "reduction": "sum"})
        g = np.asarray(g[0] if isinstance(g, tuple) else g, dtype=np.float64)
        x = to_grid(self.x.astype(np.float64))
        return transform_backward(to_grid(g), x, self.transform)

    def by_class(self, values: np.ndarray) -> np.ndarray:
        """Sum per-row (P,) or per-cell (P, C) values into (C,) classes."""
        if self.grouping == "column":
            return values.sum(axis=0)
        per_row = values if values.ndim == 1 else values.sum(axis=1)
        keep = self.labels >= 0
        sums = np.bincount(self.labels[keep], weights=per_row[keep], minlength=self.classes)
        # bincount of nothing is an int array; keep float64 either way.
        return sums.astype(np.float64)


#: Batches up to this many logits keep their last evaluations (see :func:`_memo`).
_MEMO_LIMIT = 1 << 18
_MEMO: dict[tuple[Any, ...], tuple[Any, Any, np.ndarray]] = {}


def _memo(
    prep: _Prepared, what: str, kwargs: Mapping[str, Any], compute: Callable[[], np.ndarray]
) -> np.ndarray:
    """``compute()``, or its result for the same batch and options, computed just before.

    One redraw of the imbalance panel asks :func:`class_balance` and
    :func:`loss_vs_weight_ratio` for the same unweighted evaluation of the
    same (frozen) arrays; the second gets the first's read-only result. The
    arrays are compared by identity and only small batches are kept.
    """
    if prep.x.size > _MEMO_LIMIT:
        return compute()
    key = (what, prep.spec.name, prep.transform, prep.dt.str, _options_key(kwargs))
    logits, target = prep.source
    entry = _MEMO.get(key)
    if entry is not None and entry[0] is logits and entry[1] is target:
        return entry[2]
    value = compute()
    value.setflags(write=False)
    if len(_MEMO) >= 8:
        _MEMO.clear()
    _MEMO[key] = (logits, target, value)
    return value


def _options_key(kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable, value-equal form of a loss's keyword arguments."""
    items = []
    for name, value in sorted(kwargs.items()):
        if isinstance(value, np.ndarray):
            value = (value.dtype.str, value.shape, value.tobytes())
        items.append((name, value))
    return tuple(items)


def class_counts(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Targets per class, and per column the negatives for per-cell (binary) targets.

    Cheap (no loss is evaluated), so weight buttons can use it even while the
    loss itself rejects the batch. Returns ((C,), (C,) or None), float64;
    grouping as :class:`ClassBalance` describes.
    """
    prep = _Prepared(loss, logits, target, options, transform, dtype)
    return prep.counts, prep.negatives


def class_balance(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
) -> ClassBalance:
    """Per-class targets, loss and gradient share of a Document's batch.

    Parameters
    ----------
    loss, logits, target, options, transform, dtype
        As :func:`lossgui.core.evaluate.evaluate` takes them.

    Returns
    -------
    ClassBalance
        "Unweighted" drops ``weight`` and ``pos_weight`` and keeps every other
        option (ignore_index, label_smoothing ...).

    Raises
    ------
    ValueError
        For cosine_embedding_loss (no classes), or what the loss raises.
    """
    prep = _Prepared(loss, logits, target, options, transform, dtype)
    plain = prep.with_options(**{k: None for k in ("weight", "pos_weight") if k in prep.kwargs})
    weighted = any(prep.kwargs.get(k) is not None for k in ("weight", "pos_weight"))
    loss_u = prep.by_class(prep.cell_losses(plain))
    grad_u = prep.by_class(np.abs(prep.grad(plain)))
    # Without weights the weighted figures are the same numbers: skip the second pass.
    loss_w = prep.by_class(prep.cell_losses(prep.kwargs)) if weighted else loss_u
    grad_w = prep.by_class(np.abs(prep.grad(prep.kwargs))) if weighted else grad_u
    return ClassBalance(
        prep.grouping,
        prep.counts,
        prep.negatives,
        loss_u,
        loss_w,
        _share(loss_u),
        _share(loss_w),
        _share(grad_u),
        _share(grad_w),
        weighted,
        prep.minority(),
    )


# ------------------------------------------------------------------- ratio sweep
@dataclass(frozen=True, eq=False)
class RatioSweep:
    """The loss as the minority class's weight is ``ratio`` times the others' (1).

    Attributes
    ----------
    ratios : ndarray, shape (K,)
    loss : ndarray, shape (K,), the reduced loss (for 'none', the sum).
    minority_grad_share : ndarray, shape (K,), the minority class's fraction of
        sum |d loss / d logit|.
    minority : int
    """

    ratios: np.ndarray
    loss: np.ndarray
    minority_grad_share: np.ndarray
    minority: int


def _denominators(prep: _Prepared, w0: np.ndarray, w1: np.ndarray) -> tuple[float, float]:
    """The reduction's divisor with weights w0 and w1 (affine in the weights)."""
    reduction = prep.kwargs["reduction"]
    if reduction in ("sum", "none"):
        return 1.0, 1.0
    if prep.spec.name in ("cross_entropy", "nll_loss") and prep.grouping == "target":
        keep = prep.labels >= 0
        return float(np.sum(w0[prep.labels[keep]])), float(np.sum(w1[prep.labels[keep]]))
    if reduction == "batchmean":
        return float(prep.shape[0]), float(prep.shape[0])
    # Every other 'mean' divides by the number of elements of the 'none' output.
    none = prep.spec.fn(prep.x, prep.t, **prep.with_options(reduction="none"))
    count = float(np.asarray(none).size)
    return count, count


def loss_vs_weight_ratio(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
    ratios: np.ndarray,
    minority: int | None = None,
) -> RatioSweep:
    """Reduced loss and minority gradient share as ``weight[minority] / weight[other]`` sweeps.

    The weight vector is 1 for every class but the minority, whose weight is
    each ratio. The loss's numerator, its gradient and (for CE/NLL 'mean') its
    denominator are linear in the weight vector, so two evaluations (minority
    weight 0 and 1) give every ratio exactly; pos_weight, if set, is kept.

    Parameters
    ----------
    loss, logits, target, options, transform, dtype
        As :func:`lossgui.core.evaluate.evaluate` takes them.
    ratios : ndarray, shape (K,)
    minority : int, optional
        The class to reweight; default the class with the fewest targets.

    Raises
    ------
    ValueError
        When the loss has no per-class ``weight`` option, or a spatial batch of
        a sigmoid loss (whose weight broadcasts against the last dimension, not C).
    """
    prep = _Prepared(loss, logits, target, options, transform, dtype)
    if "weight" not in prep.spec.defaults:
        raise ValueError(f"{prep.spec.label} has no per-class weight option")
    if prep.grouping == "column" and len(prep.shape) > 2:
        raise ValueError(
            f"{prep.spec.label}'s weight broadcasts against the last dimension; "
            "per-class weights need an (N, C) batch"
        )
    m = prep.minority() if minority is None else int(minority)
    r = np.asarray(ratios, dtype=np.float64).reshape(-1)
    w0 = np.ones(prep.classes)
    w0[m] = 0.0
    w1 = np.ones(prep.classes)
    ends = _ends_by_masking(prep, m)
    if ends is None:
        totals, grads = [], []
        for w in (w0, w1):  # the two end points of a linear function, not sweep points
            kwargs = prep.with_options(weight=w.astype(prep.dt))
            totals.append(float(np.sum(prep.cell_losses(kwargs))))
            grads.append(prep.grad(kwargs))
    else:
        totals, grads = ends
    d0, d1 = _denominators(prep, w0, w1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = (totals[0] + r * (totals[1] - totals[0])) / (d0 + r * (d1 - d0))
    mask = np.zeros(grads[0].shape, dtype=bool)
    if prep.grouping == "column":
        mask[:, m] = True
    else:
        mask[prep.labels == m, :] = True
    g0, slope = grads[0], grads[1] - grads[0]
    total = abs_affine_sums(g0.ravel(), slope.ravel(), r)
    minority_mass = abs_affine_sums(g0[mask], slope[mask], r)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = minority_mass / total
    return RatioSweep(r, values, share, m)


def _ends_by_masking(
    prep: _Prepared, m: int
) -> tuple[list[float], list[np.ndarray]] | None:
    """The sweep's two end points from one evaluation, where a class weight only scales.

    For cross_entropy / nll_loss without label smoothing a row's loss and gradient
    are its class's weight times the unweighted ones; for the per-cell (binary)
    losses each cell is its column's weight times the unweighted cell. So weight 0
    for class ``m`` is the all-ones evaluation with class m's rows (or column)
    zeroed, and one evaluation serves both ends. None where that does not hold.
    """
    smoothing = float(prep.kwargs.get("label_smoothing") or 0.0)
    by_rows = (
        prep.grouping == "target"
        and prep.spec.name in ("cross_entropy", "nll_loss")
        and smoothing == 0.0
    )
    if not (by_rows or prep.grouping == "column"):
        return None
    # All-ones weights are no weights for these losses (a factor of exactly 1): ask for
    # none, the evaluation class_balance made just before (see _memo).
    kwargs = prep.with_options(weight=None)
    cells, grad = prep.cell_losses(kwargs), prep.grad(kwargs)
    if by_rows:
        dropped = prep.labels == m
        cells0 = np.where(dropped, 0.0, cells)
        grad0 = np.where(dropped[:, None], 0.0, grad)
    else:
        cells0, grad0 = cells.copy(), grad.copy()
        cells0[:, m] = 0.0
        grad0[:, m] = 0.0
    return [float(np.sum(cells0)), float(np.sum(cells))], [grad0, grad]


def abs_affine_sums(a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``sum_i |a_i + r b_i|`` for every r, without a (K, M) array.

    Each term is ``|b_i| |r - t_i|`` with ``t_i = -a_i / b_i`` (or the constant
    ``|a_i|`` where ``b_i = 0``), so after sorting the t_i once, prefix sums
    give every r in O(log M): the sum is piecewise linear in r.

    Parameters
    ----------
    a, b : ndarray, shape (M,)
    r : ndarray, shape (K,)

    Returns
    -------
    ndarray, shape (K,), float64
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    moving = b != 0
    constant = float(np.sum(np.abs(a[~moving])))
    w = np.abs(b[moving])
    t = -a[moving] / b[moving]
    order = np.argsort(t, kind="stable")
    t, w = t[order], w[order]
    cum_w = np.concatenate([[0.0], np.cumsum(w)])
    cum_wt = np.concatenate([[0.0], np.cumsum(w * t)])
    k = np.searchsorted(t, r, side="left")
    below = r * cum_w[k] - cum_wt[k]
    above = (cum_wt[-1] - cum_wt[k]) - r * (cum_w[-1] - cum_w[k])
    return constant + below + above
