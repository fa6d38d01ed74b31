"""Class imbalance: how much each class contributes to a loss and to its gradient.

Rows with index targets are grouped by their target class, rows with
probability targets by the class the target favours most (its argmax), and
the sigmoid losses (one label per cell) by column. For each group this module
reports how many targets it has, its share of the loss and of the gradient's
absolute mass, with and without the Document's weights; how both move as the
minority class's weight is scaled is :mod:`lossgui.core.imbalance_sweep`. The
weight schemes people use to rebalance (:mod:`lossgui.core.class_weights`) are
re-exported here.
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
    "Prepared",
    "class_balance",
    "class_counts",
    "effective_number",
    "inverse_frequency",
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


class Prepared:
    """A Document's arrays as the loss sees them, and how rows map to classes.

    Shared with the weight-ratio sweep (:mod:`lossgui.core.imbalance_sweep`).
    """

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
        # Evaluations by options: class_balance and the weight-ratio sweep, given the
        # same Prepared, ask for the same unweighted one (see _evaluated).
        self._evaluations: dict[tuple[Any, ...], np.ndarray] = {}
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
        return self._evaluated("cells", kwargs, lambda: self._cell_losses(kwargs))

    def grad(self, kwargs: Mapping[str, Any]) -> np.ndarray:
        """d(sum of the loss) / d(grid logits), (P, C), float64."""
        return self._evaluated("grad", kwargs, lambda: self._grad(kwargs))

    def _evaluated(
        self, what: str, kwargs: Mapping[str, Any], compute: Callable[[], np.ndarray]
    ) -> np.ndarray:
        """``compute()`` once per kind and options; later askers share the read-only result."""
        key = (what, _options_key(kwargs))
        value = self._evaluations.get(key)
        if value is None:
            value = compute()
            value.setflags(write=False)
            self._evaluations[key] = value
        return value

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
    prep = Prepared(loss, logits, target, options, transform, dtype)
    return prep.counts, prep.negatives


def class_balance(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
    prepared: Prepared | None = None,
) -> ClassBalance:
    """Per-class targets, loss and gradient share of a Document's batch.

    Parameters
    ----------
    loss, logits, target, options, transform, dtype
        As :func:`lossgui.core.evaluate.evaluate` takes them.
    prepared : Prepared, optional
        ``Prepared`` of these same arguments, to share its evaluations with
        :func:`~lossgui.core.imbalance_sweep.loss_vs_weight_ratio`.

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
    prep = prepared or Prepared(loss, logits, target, options, transform, dtype)
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
