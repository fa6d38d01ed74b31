"""The model's probabilities per grid row: all at once for small batches, row by row for large.

A typed batch is a few rows, and :func:`row_probabilities` gives all of them in
float64. A segmentation batch has a million rows of C classes, and nothing
shows them all at once: the grid shows p(target) per row, the panels one
selected row. Keeping its (P, C) probabilities would cost as much memory as the
logits themselves, so :class:`RowProbabilities` computes the rows asked for,
when they are asked for, from the logits the loss saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossgui.core.activations import log_softmax, sigmoid, softmax
from lossgui.core.grid_map import KINDS, grid_argmax, grid_map
from lossgui.core.registry import LossSpec

__all__ = [
    "RowProbabilities",
    "pick_columns",
    "predicted_from_probs",
    "probability_kind",
    "row_probabilities",
    "target_columns",
]

RowIndex = int | slice | np.ndarray | list[int]


def probability_kind(spec: LossSpec, transform: str) -> str:
    """How the loss turns its input into probabilities: a :data:`grid_map.KINDS` name."""
    if spec.name == "cosine_embedding_loss":
        return "nan"
    if spec.name in ("nll_loss", "kl_div"):
        # The loss already sees log-probabilities: show what it sees.
        return "exp"
    if spec.name == "binary_cross_entropy":
        return "copy"
    if spec.target_kinds[0] == "binary":
        return "sigmoid"
    return "softmax"


def row_probabilities(kind: str, xg: np.ndarray) -> np.ndarray:
    """``kind`` applied to (P, C) float64 rows at once (small inputs)."""
    if kind == "nan":
        return np.full_like(xg, np.nan)
    if kind == "exp":
        # NLL / KL on numbers "as given": exp of a large one is inf, as it would be in torch.
        with np.errstate(over="ignore"):
            return np.exp(xg)
    if kind == "copy":
        return xg
    if kind == "sigmoid":
        return sigmoid(xg)
    return softmax(xg, dim=1)


def predicted_from_probs(probs: np.ndarray) -> np.ndarray:
    """Argmax class per row of (P, C) probabilities; -1 where a row is NaN (cosine)."""
    best = np.argmax(probs, axis=1)
    if probs.dtype.kind == "f" and probs.shape[1]:
        best[np.isnan(probs[:, 0])] = -1
    return best


@dataclass(frozen=True, eq=False)
class RowProbabilities:
    """Probabilities of any grid rows, computed on demand from the evaluated logits.

    Attributes
    ----------
    logits : ndarray, shape (N, C) or (N, C, d1, ..., dk)
        The numbers given to ``evaluate`` (before the cast and the transform);
        shared, never copied whole.
    transform : {'none', 'log_softmax', 'sigmoid'}
    dtype : dtype
        What the loss computed in (the cast before the transform).
    kind : str
        :func:`probability_kind` of the loss.
    work : dtype
        The probabilities' dtype.
    """

    logits: np.ndarray
    transform: str
    dtype: np.dtype
    kind: str
    work: np.dtype

    @property
    def classes(self) -> int:
        """C."""
        return int(self.logits.shape[1]) if self.logits.ndim >= 2 else int(self.logits.shape[0])

    def rows(self, index: RowIndex) -> np.ndarray:
        """Probabilities of grid rows ``index``: (C,) for an int, (k, C) otherwise."""
        raw = self._raw_rows(index)
        single = raw.ndim == 1
        x = np.array(raw, dtype=self.dtype, ndmin=2)
        with np.errstate(all="ignore"):  # inf / NaN propagate as PyTorch's would
            if self.transform == "log_softmax":
                x = log_softmax(x, dim=1)
            elif self.transform == "sigmoid":
                x = sigmoid(x)
            out = np.empty(x.shape, dtype=self.work)
            KINDS[self.kind](x, out)
        return out[0] if single else out

    def all(self) -> np.ndarray:
        """Every row's probabilities, shape (P, C): as much memory as the logits."""
        if self.transform == "none" and self.logits.dtype == self.dtype and self.logits.ndim >= 2:
            return grid_map(self.logits, self.kind, self.work)
        return self.rows(slice(None))

    def predicted(self) -> np.ndarray:
        """The most probable class per grid row, shape (P,) int64; -1 where undefined.

        Every transform and probability kind keeps each row's order, so this is
        the argmax of the logits, found block by block without a (P, C) copy.
        """
        if self.kind == "nan":
            return np.full(self._row_count(), -1, dtype=np.int64)
        if self.logits.ndim < 2:
            return np.array([int(np.argmax(self.logits))], dtype=np.int64)
        return grid_argmax(self.logits)

    def _row_count(self) -> int:
        if self.logits.ndim < 2:
            return 1
        return int(np.prod(self.logits.shape[:1] + self.logits.shape[2:], dtype=np.int64))

    def _raw_rows(self, index: RowIndex) -> Any:
        logits = self.logits
        if logits.ndim < 2:
            return logits.reshape(1, -1)[index]
        moved = np.moveaxis(logits, 1, -1)
        if logits.ndim == 2 or moved.flags.c_contiguous:
            return moved.reshape(-1, logits.shape[1])[index]  # a view of the rows
        # Classes not last in memory: gather just the rows asked for.
        picked = np.arange(self._row_count())[index]
        return moved[np.unravel_index(picked, moved.shape[:-1])]


def target_columns(
    spec: LossSpec, t: np.ndarray, kwargs: Mapping[str, Any], rows: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ignored mask (P,) and the target's column per row (-1 where ignored), or None.

    Columns exist for class-index targets only; other targets have no target class.
    """
    if t.dtype.kind == "i" and spec.target_kinds[0] == "index":
        flat = t.reshape(-1)
        ignored = flat == kwargs.get("ignore_index", -100)
        return ignored, np.where(ignored, -1, flat)
    return np.zeros(rows, dtype=bool), None


def pick_columns(probs: np.ndarray, columns: np.ndarray | None) -> np.ndarray:
    """``probs[p, columns[p]]`` as float64 (P,); NaN where the column is outside 0..C-1."""
    picked = np.full(probs.shape[0], np.nan)
    if columns is not None:
        valid = np.nonzero((columns >= 0) & (columns < probs.shape[1]))[0]
        picked[valid] = probs[valid, columns[valid]]
    return picked
