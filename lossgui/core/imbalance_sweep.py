"""Class imbalance as a weight ratio: the loss as the minority class's weight is scaled.

:func:`loss_vs_weight_ratio` sweeps ``weight[minority] / weight[other]``
exactly from two evaluations (the loss's numerator, gradient and denominator
are linear in the weight vector) and reports the reduced loss and the
minority class's share of the gradient's absolute mass at every ratio;
:func:`abs_affine_sums` gives that share without a (ratios, logits) array.
Per-class shares at the Document's own weights are :mod:`lossgui.core.imbalance`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossgui.core.imbalance import Prepared

__all__ = ["RatioSweep", "abs_affine_sums", "loss_vs_weight_ratio"]


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


def _denominators(prep: Prepared, w0: np.ndarray, w1: np.ndarray) -> tuple[float, float]:
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
    prepared: Prepared | None = None,
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
    prepared : Prepared, optional
        ``Prepared`` of these same arguments: its evaluations are shared with
        :func:`~lossgui.core.imbalance.class_balance` given the same one.

    Raises
    ------
    ValueError
        When the loss has no per-class ``weight`` option, or a spatial batch of
        a sigmoid loss (whose weight broadcasts against the last dimension, not C).
    """
    prep = prepared or Prepared(loss, logits, target, options, transform, dtype)
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


def _ends_by_masking(prep: Prepared, m: int) -> tuple[list[float], list[np.ndarray]] | None:
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
    # none, the evaluation class_balance made just before (given the same Prepared).
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
