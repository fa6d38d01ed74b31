"""Arrays the plot panels draw: a loss as one number of the batch moves.

The two-class and overflow sweeps live in :mod:`lossgui.core.softmax_numerics`
and the entropy decomposition in :mod:`lossgui.core.entropy`; they are
re-exported here so every plot's arrays come from one place.

Every sweep here is vectorised: the K points of a sweep are K copies of one
grid row stacked into a (K, C) batch and passed to the core loss once (and to
its gradient twin once), so a curve costs one loss evaluation, not K. Losses
are computed in the Document's dtype, exactly as :mod:`lossgui.core` computes
them; the returned curves are float64 for plotting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossgui.core.activations import cast, sigmoid
from lossgui.core.binary import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    sigmoid_focal_loss,
)
from lossgui.core.categorical import cross_entropy
from lossgui.core.entropy import EntropyKL, document_entropy_kl, entropy_kl, target_distribution
from lossgui.core.evaluate import Evaluation, evaluate, loss_kwargs, prepare_inputs, to_grid
from lossgui.core.margin import multi_margin_loss
from lossgui.core.registry import LossSpec, get_spec
from lossgui.core.softmax_numerics import (
    NumericsCurves,
    NumericsSweep,
    TwoClassSweep,
    numerics,
    sigmoid_vs_softmax,
    two_class_at,
)

__all__ = [
    "OVERLAYS",
    "EntropyKL",
    "LogitSweep",
    "NumericsCurves",
    "NumericsSweep",
    "TwoClassSweep",
    "document_entropy_kl",
    "entropy_kl",
    "loss_vs_logit",
    "numerics",
    "overlay_losses",
    "row_values",
    "sigmoid_vs_softmax",
    "sweep_values",
    "target_distribution",
    "transform_backward",
    "two_class_at",
]

#: Overlay curve names and the labels a legend shows for them.
OVERLAYS: dict[str, str] = {
    "cross_entropy": "cross_entropy",
    "sigmoid_focal_loss": "sigmoid_focal_loss (one-hot)",
    "multi_margin_loss": "multi_margin_loss",
    "bce_after_sigmoid": "BCE(sigmoid(x)) (log clamped at -100)",
    "binary_cross_entropy_with_logits": "BCE with logits (one-hot)",
}


def transform_backward(grad: np.ndarray, x: np.ndarray, transform: str) -> np.ndarray:
    """Chain rule through the input transform along the class axis 1.

    Parameters
    ----------
    grad : ndarray, shape (K, C)
        d loss / d (transformed input).
    x : ndarray, shape (K, C)
        The transformed input (log-probabilities or probabilities).
    transform : {'none', 'log_softmax', 'sigmoid'}

    Returns
    -------
    ndarray, shape (K, C)
        d loss / d (grid logits).
    """
    if transform == "log_softmax":
        return grad - np.exp(x) * np.sum(grad, axis=1, keepdims=True)
    if transform == "sigmoid":
        return grad * x * (1 - x)
    return grad


def row_values(values: np.ndarray, rows: int) -> np.ndarray:
    """Sum a loss's 'none' output over each of ``rows`` rows, as float64 (shape (rows,))."""
    return np.asarray(values, dtype=np.float64).reshape(rows, -1).sum(axis=1)


def sweep_values(
    current: float, loss: str, transform: str, half_width: float = 6.0, points: int = 241
) -> np.ndarray:
    """The x values of a loss-vs-logit sweep: ``current +- half_width``, shape (points,).

    BCELoss without the sigmoid takes probabilities, so its sweep covers
    [0.001, 0.999] instead (the ends stay off 0 and 1, where PyTorch's
    gradient is +-1e12 and would flatten every other point of the plot).
    """
    if loss == "binary_cross_entropy" and transform == "none":
        return np.linspace(1e-3, 1 - 1e-3, points)
    return np.linspace(current - half_width, current + half_width, points)


@dataclass(frozen=True, eq=False)
class LogitSweep:
    """One cell of the grid swept over ``values``; every array has shape (K,), float64.

    Attributes
    ----------
    values : the swept cell's values.
    sample_loss : this grid row's contribution to the loss's numerator ('none'
        summed over the row; 0 for an ignored row).
    batch_loss : the whole batch's reduced loss with the cell at each value
        (for 'none', the sum of the elements, as :class:`Evaluation` reports).
    grad : d(batch_loss) / d(cell).
    rest : float, the numerator of every other row.
    denominator : float, what the reduction divides by (1 for 'sum' / 'none').
    """

    values: np.ndarray
    sample_loss: np.ndarray
    batch_loss: np.ndarray
    grad: np.ndarray
    rest: float
    denominator: float
    row: int
    col: int


def _row_batch(
    spec: LossSpec,
    logits: np.ndarray,
    target: np.ndarray,
    input2: np.ndarray | None,
    row: int,
    col: int,
    values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """K copies of grid row ``row`` with cell ``col`` set to ``values``: (K, C) + targets."""
    k = values.shape[0]
    grid = to_grid(np.asarray(logits))
    batch = np.repeat(grid[row : row + 1].astype(np.float64), k, axis=0)
    batch[:, col] = values
    t = np.asarray(target)
    if t.ndim == np.asarray(logits).ndim:  # per-cell targets (binary, probability)
        row_target = np.repeat(to_grid(t)[row : row + 1], k, axis=0)
    else:
        row_target = np.repeat(t.reshape(-1)[row : row + 1], k, axis=0)
    other = None
    if spec.name == "cosine_embedding_loss" and input2 is not None:
        other = np.repeat(to_grid(np.asarray(input2))[row : row + 1], k, axis=0)
    return batch, row_target, other


def _row_kwargs(
    spec: LossSpec, options: Mapping[str, Any], dt: np.dtype, shape: tuple[int, ...], row: int
) -> dict[str, Any]:
    """The loss keywords for a (K, C) batch of one grid row.

    Per-element weights of the sigmoid losses broadcast against the whole
    input (from its last dimension, as PyTorch does); they are broadcast first
    and the row's slice is taken, so a spatial batch keeps its exact weights.
    """
    kwargs = loss_kwargs(spec, options, dt)
    if spec.target_kinds[0] == "binary":
        for name in ("weight", "pos_weight"):
            if kwargs.get(name) is not None:
                full = np.broadcast_to(kwargs[name], shape)
                kwargs[name] = to_grid(full)[row].copy()
    return kwargs


def _call(
    spec: LossSpec, x: np.ndarray, t: np.ndarray, other: np.ndarray | None, dt: np.dtype
) -> tuple[Any, ...]:
    return (x, t) if other is None else (x, cast(other, dt), t)


def loss_vs_logit(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
    input2: np.ndarray | None = None,
    row: int,
    col: int,
    values: np.ndarray,
    base: Evaluation | None = None,
) -> LogitSweep:
    """The loss as grid cell (row, col) takes each of ``values``, everything else fixed.

    Parameters
    ----------
    loss, logits, target, options, transform, dtype, input2
        As :func:`lossgui.core.evaluate.evaluate` takes them.
    row, col : int
        The grid cell (row of ``to_grid(logits)``, class column).
    values : ndarray, shape (K,)
        The cell's values to evaluate.
    base : Evaluation, optional
        ``evaluate`` of these same arguments, if the caller has it (saves one
        evaluation of the batch).

    Returns
    -------
    LogitSweep

    Notes
    -----
    The reduction's denominator (element count, N, or the targets' weight sum
    for weighted CE/NLL) never depends on a logit, so the batch loss is
    ``(rest + sample_loss) / denominator`` with ``rest`` the other rows'
    numerator, exactly what re-evaluating the whole batch gives.

    Raises
    ------
    ValueError, IndexError
        What the loss itself raises for these arguments.
    """
    spec = get_spec(loss)
    dt = np.dtype(dtype)
    vals = np.asarray(values, dtype=np.float64).reshape(-1)
    if base is None:
        base = evaluate(
            loss, logits, target, options, transform=transform, dtype=dtype, input2=input2
        )
    batch, row_target, other = _row_batch(spec, logits, target, input2, row, col, vals)
    x, t = prepare_inputs(spec, batch, row_target, transform, dt)
    kwargs = _row_kwargs(spec, options, dt, np.shape(logits), row)
    args = _call(spec, x, t, other, dt)
    none = spec.fn(*args, **{**kwargs, "reduction": "none"})
    sample = row_values(none, vals.shape[0])
    grad = spec.grad(*args, **{**kwargs, "reduction": "sum"})
    if isinstance(grad, tuple):
        grad = grad[0]
    grad = transform_backward(np.asarray(grad, dtype=np.float64), x.astype(np.float64), transform)

    others = np.ones(base.row_loss.shape[0], dtype=bool)
    others[row] = False
    rest = float(np.sum(base.row_loss[others]))
    denominator = base.denominator if base.reduction in ("mean", "batchmean") else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        batch_loss = (rest + sample) / denominator
        cell_grad = grad[:, col] / denominator
    return LogitSweep(vals, sample, batch_loss, cell_grad, rest, float(denominator), row, col)


def overlay_losses(
    row_logits: np.ndarray,
    target_class: int,
    col: int,
    values: np.ndarray,
    *,
    dtype: str = "float32",
    names: Sequence[str] = tuple(OVERLAYS),
) -> dict[str, np.ndarray]:
    """Other losses of the same row as cell ``col`` sweeps ``values``, with default options.

    Parameters
    ----------
    row_logits : ndarray, shape (C,)
        The row's logits (before any transform).
    target_class : int
        The row's class; the sigmoid losses see its one-hot vector.
    col : int
    values : ndarray, shape (K,)
    dtype : str
    names : sequence of str
        Keys of :data:`OVERLAYS`.

    Returns
    -------
    dict of name -> ndarray, shape (K,), float64
        The sample's loss ('none' summed over the row). BCE after sigmoid keeps
        PyTorch's clamp of log at -100, so it levels off where the sigmoid
        rounds to 0 or 1 while BCE with logits keeps growing.
    """
    dt = np.dtype(dtype)
    vals = np.asarray(values, dtype=np.float64).reshape(-1)
    k, c = vals.shape[0], int(np.shape(row_logits)[0])
    x = np.repeat(np.asarray(row_logits, dtype=np.float64)[None, :], k, axis=0)
    x[:, col] = vals
    x = cast(x, dt)
    index = np.full(k, int(target_class), dtype=np.int64)
    one_hot = np.zeros((k, c), dtype=dt)
    one_hot[:, int(target_class)] = 1
    makers = {
        "cross_entropy": lambda: cross_entropy(x, index, reduction="none"),
        "sigmoid_focal_loss": lambda: sigmoid_focal_loss(x, one_hot, reduction="none"),
        "multi_margin_loss": lambda: multi_margin_loss(x, index, reduction="none"),
        "bce_after_sigmoid": lambda: binary_cross_entropy(sigmoid(x), one_hot, reduction="none"),
        "binary_cross_entropy_with_logits": lambda: binary_cross_entropy_with_logits(
            x, one_hot, reduction="none"
        ),
    }
    return {name: row_values(makers[name](), k) for name in names}
