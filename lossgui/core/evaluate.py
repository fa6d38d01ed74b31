"""One evaluation of a loss on the app's numbers: everything the panels show.

The grid shows a batch as P rows by C columns: an input of shape (N, C) is
shown as is, an (N, C, d1, ..., dk) input as P = N * d1 * ... * dk positions
(class dimension moved last). :func:`evaluate` runs the loss, its gradient and
the per-row decomposition once; panels read the result instead of recomputing.

Large inputs (at least :data:`LARGE_INPUT` elements, e.g. a segmentation batch
(8, 21, 400, 400)) take a lean path so that evaluating stays within a second or
two and about twice the input's memory: ``grad`` keeps the input's float dtype
(float32 stays float32) instead of float64; the (P, C) probabilities are not
kept (:attr:`Evaluation.probs` computes them on first use; the panels ask
:meth:`Evaluation.row_probs` for the rows they show); class-index cross
entropy's gradient is the softmax, written block by block straight into the
(P, C) grid layout on all cores, turned into the gradient in place with the
core's own coefficients; and cross entropy skips its full-size intermediate
arrays (``parts`` is None). The loss value is still the one the loss function
returns, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lossgui.core.activations import cast, log_softmax, sigmoid
from lossgui.core.categorical import (
    FAST_PATH_MIN_SIZE,
    CrossEntropyParts,
    cross_entropy_parts,
    nll_loss_parts,
)
from lossgui.core.categorical_args import CategoricalArgs, parse_args
from lossgui.core.grid_map import grid_map, grid_pick
from lossgui.core.registry import LossSpec, get_spec
from lossgui.core.row_probs import (
    RowIndex,
    RowProbabilities,
    pick_columns,
    predicted_from_probs,
    probability_kind,
    row_probabilities,
    target_columns,
)

__all__ = [
    "LARGE_INPUT",
    "Evaluation",
    "evaluate",
    "from_grid",
    "loss_kwargs",
    "prepare_inputs",
    "to_grid",
]

#: Inputs with at least this many elements take the lean path (see the module docstring).
LARGE_INPUT = FAST_PATH_MIN_SIZE


def to_grid(array: np.ndarray) -> np.ndarray:
    """View an (N, C, d1, ..., dk) array as (P, C) rows; (N, C) stays as is."""
    if array.ndim <= 2:
        return array.reshape(-1, array.shape[-1]) if array.ndim == 2 else array.reshape(1, -1)
    return np.moveaxis(array, 1, -1).reshape(-1, array.shape[1])


def from_grid(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`to_grid`: (P, C) rows back to ``shape``."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    moved = (shape[0], *shape[2:], shape[1])
    return np.moveaxis(rows.reshape(moved), -1, 1)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A loss evaluated on one Document's numbers.

    Attributes
    ----------
    value : float
        The reduced loss as a Python float (for 'none': the sum of the elements).
    returned : ndarray
        What the loss function returned (0-d, or per element for 'none').
    reduction : str
    numerator, denominator : float
        The reduction's parts: value == numerator / denominator under 'mean'.
    explanation : str
        The reduction with its numbers, e.g. "mean = Σ w·l / Σ w = 10.598 / 10 = 1.0598".
    row_loss : ndarray, shape (P,), float64
        Each grid row's contribution to the numerator (0 for ignored rows).
    row_share : ndarray, shape (P,), float64
        ``row_loss / numerator``; NaN where the numerator is 0.
    grad : ndarray, shape (P, C), float64 (the input's dtype for large inputs)
        d(value) / d(grid cell), through the input transform.
    target_prob : ndarray, shape (P,), float64
        Probability given to the target class (index targets), NaN otherwise or ignored.
    ignored : ndarray, shape (P,), bool
        Rows whose target equals ignore_index.
    parts : CrossEntropyParts or None
        The CE / NLL decomposition, for the pipeline view; None for other
        losses and for large inputs (its full-size arrays would double memory).
    source : RowProbabilities
        Computes the probabilities of any rows from the logits (see :meth:`row_probs`).
    probs : ndarray, shape (P, C), float64 (the input's dtype for large inputs)
        The model's probabilities per row (softmax or sigmoid); NaN for cosine.
        Computed when evaluated for small inputs; for large ones on first use
        (as much memory as the logits, kept afterwards): prefer :meth:`row_probs`.
    """

    value: float
    returned: np.ndarray
    reduction: str
    numerator: float
    denominator: float
    explanation: str
    row_loss: np.ndarray
    row_share: np.ndarray
    grad: np.ndarray
    target_prob: np.ndarray
    ignored: np.ndarray
    parts: CrossEntropyParts | None
    source: RowProbabilities = field(repr=False)
    _probs: np.ndarray | None = field(default=None, repr=False)

    @property
    def classes(self) -> int:
        """C, the number of grid columns."""
        return int(self.grad.shape[1])

    @property
    def probs(self) -> np.ndarray:
        """(P, C) probabilities (see the class docstring: large inputs compute them now)."""
        if self._probs is None:
            # Frozen: the cache is set once, like functools.cached_property would.
            object.__setattr__(self, "_probs", self.source.all())
        assert self._probs is not None
        return self._probs

    def row_probs(self, rows: RowIndex) -> np.ndarray:
        """Probabilities of grid rows ``rows``: (C,) for an int, (k, C) for a slice or indices.

        Cheap for a few rows whatever the batch size; equal to ``probs[rows]``.
        """
        if self._probs is not None:
            return self._probs[rows]
        return self.source.rows(rows)

    def predicted(self) -> np.ndarray:
        """The most probable class per grid row, shape (P,) int64; -1 where undefined (cosine)."""
        if self._probs is not None:
            return predicted_from_probs(self._probs)
        return self.source.predicted()


def loss_kwargs(spec: LossSpec, options: Mapping[str, Any], dtype: np.dtype) -> dict[str, Any]:
    """The keyword arguments of ``spec.fn`` from the Document's options.

    Per-class vectors become arrays of ``dtype``; options the loss does not
    take are dropped, missing ones take the loss's defaults.
    """
    kwargs: dict[str, Any] = {}
    for opt in spec.options:
        value = options.get(opt.name, opt.default)
        if opt.kind == "class_vector" and value is not None:
            value = np.asarray(value, dtype=dtype)
        elif opt.kind == "int":
            value = int(value)
        elif opt.kind == "float":
            value = float(value)
        elif opt.kind == "bool":
            value = bool(value)
        kwargs[opt.name] = value
    return kwargs


def prepare_inputs(
    spec: LossSpec,
    logits: np.ndarray,
    target: np.ndarray,
    transform: str,
    dtype: str | np.dtype,
) -> tuple[np.ndarray, np.ndarray]:
    """Cast to ``dtype`` and apply the input transform, as a PyTorch user would.

    Returns
    -------
    (input, target) : the arrays passed to the loss. Index and sign targets are
    int64; other targets take ``dtype``.
    """
    dt = np.dtype(dtype)
    x = cast(logits, dt)
    if transform == "log_softmax":
        x = log_softmax(x, dim=1 if x.ndim > 1 else 0)
    elif transform == "sigmoid":
        x = sigmoid(x)
    elif transform != "none":
        raise ValueError(f"unknown input transform {transform!r}")
    kind_is_int = np.issubdtype(np.asarray(target).dtype, np.integer)
    t = np.asarray(target, dtype=np.int64) if kind_is_int else cast(target, dt)
    return x, t



def _transform_backward(grad: np.ndarray, x: np.ndarray, transform: str) -> np.ndarray:
    """Chain rule through the input transform; ``x`` is the transformed input."""
    if transform == "log_softmax":
        axis = 1 if x.ndim > 1 else 0
        return grad - np.exp(x) * np.sum(grad, axis=axis, keepdims=True)
    if transform == "sigmoid":
        return grad * x * (1 - x)
    return grad


def _explain(reduction: str, numerator: float, denominator: float, value: float, weighted: bool):
    if reduction == "none":
        return f"none: per-element losses kept; their sum = {numerator:.6g}"
    if reduction == "sum":
        return f"sum = Σ l = {value:.6g}"
    what = "Σ w·l / Σ w" if weighted else "Σ l / N" if reduction == "batchmean" else "Σ l / count"
    return f"{reduction} = {what} = {numerator:.6g} / {denominator:.6g} = {value:.6g}"


def _row_losses(
    none_values: np.ndarray, input_shape: tuple[int, ...], rows: int, large: bool
) -> np.ndarray:
    """Per grid row sum of the 'none' output, whatever shape the loss returns."""
    if large and np.shape(none_values) == input_shape and len(input_shape) >= 2:
        # Summing over the class axis in place avoids a float64 grid copy.
        return np.sum(none_values, axis=1, dtype=np.float64).reshape(-1)
    v = np.asarray(none_values, dtype=np.float64)
    if v.shape == input_shape and len(input_shape) >= 1:
        grid = to_grid(v) if v.ndim >= 2 else v.reshape(1, -1)
        return grid.sum(axis=1)
    return v.reshape(rows, -1).sum(axis=1)


def evaluate(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
    input2: np.ndarray | None = None,
) -> Evaluation:
    """Evaluate ``loss`` on the app's numbers.

    Parameters
    ----------
    loss : str
        A registry name (``cross_entropy`` ...).
    logits : ndarray, shape (N, C) or (N, C, d1, ..., dk)
        The grid's numbers before the transform.
    target : ndarray
        Index targets (N,) / (N, d1..dk) int; probability or binary targets of
        the logits' shape; sign targets (N,) for cosine.
    options : mapping
        Loss keywords (missing ones take PyTorch's defaults).
    transform : {'none', 'log_softmax', 'sigmoid'}
    dtype : {'float32', 'float64'}
        The dtype PyTorch would compute in.
    input2 : ndarray, shape (N, D), optional
        The second input of cosine_embedding_loss.

    Raises
    ------
    ValueError, IndexError
        What PyTorch would reject, with the reason in words.
    """
    spec = get_spec(loss)
    dt = np.dtype(dtype)
    x, t = prepare_inputs(spec, logits, target, transform, dt)
    kwargs = loss_kwargs(spec, options, dt)
    reduction = kwargs["reduction"]
    args: tuple[Any, ...] = (x, t)
    if spec.name == "cosine_embedding_loss":
        if input2 is None:
            raise ValueError("cosine_embedding_loss needs a second input of the first's shape")
        args = (x, cast(input2, dt), t)
    large = x.size >= LARGE_INPUT
    # float64 for the small batches people type (exact display); the input's
    # dtype for large ones, where a float64 copy would double the memory.
    work = x.dtype if large else np.dtype(np.float64)
    categorical = spec.name in ("cross_entropy", "nll_loss") and t.dtype.kind == "i"

    parts: CrossEntropyParts | None = None
    if categorical and not large:
        # One call gives the value, the per-row losses and the decomposition.
        make_parts = cross_entropy_parts if spec.name == "cross_entropy" else nll_loss_parts
        parts = make_parts(*args, **kwargs)
        returned = np.asarray(parts.value)
        none_values = parts.losses
    else:
        returned = np.asarray(spec.fn(*args, **kwargs))
        none_values = (
            returned if reduction == "none" else spec.fn(*args, **{**kwargs, "reduction": "none"})
        )
    grid_rows = int(np.prod(x.shape)) // x.shape[1] if x.ndim >= 2 else 1
    kind = probability_kind(spec, transform)
    source = RowProbabilities(np.asarray(logits), transform, dt, kind, work)
    ignored, columns = target_columns(spec, t, kwargs, grid_rows)
    probs: np.ndarray | None = None
    if large and x.ndim >= 2 and categorical and spec.name == "cross_entropy":
        # The softmax rows become the gradient in place: besides the logits, the
        # gradient is the only (P, C) array, and no (N, C, ...) one is made.
        rows = grid_map(x, "softmax", x.dtype)
        target_prob = pick_columns(rows, columns)
        grad = _cross_entropy_grid_grad(_checked(spec, x, t, kwargs, reduction), rows)
    elif large and x.ndim >= 2:
        target_prob = (
            np.full(grid_rows, np.nan) if columns is None else grid_pick(x, kind, x.dtype, columns)
        )
        grad = _grid_grad(spec, args, kwargs, x, transform, work)
    else:
        xg = x.astype(np.float64)
        probs = row_probabilities(kind, to_grid(xg) if x.ndim >= 2 else xg.reshape(1, -1))
        target_prob = pick_columns(probs, columns)
        grad = _grid_grad(spec, args, kwargs, x, transform, work)
    row_loss = _row_losses(none_values, x.shape, grid_rows, large)

    weighted = categorical and kwargs.get("weight") is not None
    if parts is not None:
        numerator, denominator = parts.numerator, parts.denominator
    else:
        numerator = float(np.sum(none_values, dtype=np.float64))
        if reduction == "mean":
            denominator = _mean_denominator(spec, x, t, kwargs, none_values, categorical)
        elif reduction == "batchmean":
            denominator = float(x.shape[0]) if x.ndim else 1.0
        else:
            denominator = 1.0
    value = float(np.sum(returned, dtype=np.float64)) if reduction == "none" else float(returned)
    if reduction == "none":
        # The reductions' numerator is undefined under 'none'; show the sum.
        numerator = float(np.sum(none_values, dtype=np.float64))
        denominator = float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        row_share = row_loss / numerator if numerator != 0 else np.full_like(row_loss, np.nan)
    return Evaluation(
        value=value,
        returned=returned,
        reduction=reduction,
        numerator=numerator,
        denominator=denominator,
        explanation=_explain(reduction, numerator, denominator, value, weighted),
        row_loss=row_loss,
        row_share=row_share,
        grad=grad,
        target_prob=target_prob,
        ignored=ignored,
        parts=parts,
        source=source,
        _probs=probs,
    )


def _checked(
    spec: LossSpec, x: np.ndarray, t: np.ndarray, kwargs: Mapping[str, Any], reduction: str
) -> CategoricalArgs:
    """The CE / NLL call as the core checks it (per-position weights, denominator)."""
    return parse_args(
        x,
        t,
        kwargs.get("weight"),
        kwargs.get("ignore_index", -100),
        reduction,
        kwargs.get("label_smoothing", 0.0),
        loss=spec.name,
    )


def _mean_denominator(
    spec: LossSpec,
    x: np.ndarray,
    t: np.ndarray,
    kwargs: Mapping[str, Any],
    none_values: np.ndarray,
    categorical: bool,
) -> float:
    """What 'mean' divided by: the targets' weight sum for CE / NLL, else the count."""
    if not categorical:
        return float(np.asarray(none_values).size)
    return _checked(spec, x, t, kwargs, "mean").denominator


def _cross_entropy_grid_grad(checked: CategoricalArgs, rows: np.ndarray) -> np.ndarray:
    """Class-index cross entropy's gradient as (P, C) rows, made in place from the softmax rows.

    ``a p_c - b [c == y] - e w_c`` per row, with the core's coefficients
    (:meth:`CategoricalArgs.index_grad_coefficients`); equal to
    ``to_grid(cross_entropy_grad(...))`` up to float rounding of the last bit.
    ``rows`` (the (P, C) softmax) is overwritten and returned.
    """
    a, b, e = checked.index_grad_coefficients()
    assert checked.classes is not None
    grad = rows
    grad *= a.reshape(-1, 1)
    index = np.arange(grad.shape[0])
    grad[index, checked.classes.reshape(-1)] -= b.reshape(-1)
    if e is not None:
        w = checked.weight if checked.weight is not None else np.ones(grad.shape[1], grad.dtype)
        e_rows = e.reshape(-1, 1)
        # A block of rows at a time: e w^T whole would be one more (P, C) array.
        step = max(1, (1 << 16) // max(grad.shape[1], 1))
        for start in range(0, grad.shape[0], step):
            grad[start : start + step] -= e_rows[start : start + step] * w.reshape(1, -1)
    return grad


def _grid_grad(
    spec: LossSpec,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    x: np.ndarray,
    transform: str,
    work: np.dtype,
) -> np.ndarray:
    """d(value) / d(grid cell) as (P, C) rows of dtype ``work``."""
    grad = spec.grad(*args, **kwargs)
    if isinstance(grad, tuple):
        grad = grad[0]
    grad = _transform_backward(np.asarray(grad, dtype=work), x.astype(work, copy=False), transform)
    if grad.ndim < 2:
        return grad.reshape(1, -1)
    # The loss's own (N, C, ...) gradient is dropped once copied into the grid.
    return grid_map(grad, None, work) if grad.ndim > 2 else grad
