"""A virtual table of grid rows (samples) over an Evaluation: nothing is copied per row.

:class:`SampleTableModel` reads each cell straight from the Document and the
Evaluation it was given, through one permutation array ``order`` (view row ->
grid row). Sorting computes that permutation with ``np.argsort`` over the
column's array: a few milliseconds for 100,000 rows, and for larger batches it
runs in a worker thread (NumPy releases the GIL while sorting) so the window
keeps painting while a segmentation batch's million pixels are sorted.
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from lossgui.core.evaluate import Evaluation
from lossgui.core.row_probs import predicted_from_probs
from lossgui.document import Document
from lossgui.qt.background_jobs import Background
from lossgui.qt.sample_changes import changed_cells, share_percent_text

__all__ = [
    "COLUMNS",
    "SYNC_SORT_ROWS",
    "SampleTableModel",
    "column_key",
    "predicted_classes",
    "target_classes",
]

#: (header, tooltip) per column.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("sample", "The grid row: the sample index, or n=… (position) for spatial inputs."),
    ("loss", "The row's contribution to the loss numerator (its loss, weighted)."),
    ("share %", "The row's share of the summed loss."),
    ("p(target)", "Probability the model gives to the target class."),
    ("target", "The row's class index (argmax for per-class targets); 'ignored' = ignore_index."),
    ("predicted", "The class with the highest probability."),
)
SAMPLE, LOSS, SHARE, P_TARGET, TARGET, PREDICTED = range(len(COLUMNS))
_COLUMN_NUMBERS = {
    "sample": SAMPLE,
    "loss": LOSS,
    "share": SHARE,
    "p_target": P_TARGET,
    "target": TARGET,
    "predicted": PREDICTED,
}
#: After edits, the rows re-sort once no edit came for this long (milliseconds).
RESORT_DELAY_MS = 300
#: Up to this many rows a sort runs at once; above it, in a worker thread.
SYNC_SORT_ROWS = 200_000
_GREY = QColor("#8a8a8a")
_Index = QModelIndex | QPersistentModelIndex


class SampleTableModel(QAbstractTableModel):
    """Rows = grid rows of the last valid (Document, Evaluation), in sorted order.

    Attributes
    ----------
    background : Background
        Where sorts of more than :data:`SYNC_SORT_ROWS` rows run.

    Signals
    -------
    resorted()
        The rows took a new order (the view's current row may now be another sample).
    """

    resorted = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc: Document | None = None
        self._ev: Evaluation | None = None
        self._order: np.ndarray | None = None  # None: grid order
        self._inverse: np.ndarray | None = None
        self._predicted: np.ndarray | None = None
        self._classes: np.ndarray | None = None
        self._sort = (LOSS, Qt.SortOrder.DescendingOrder)
        self.background = Background(self)
        self._resort = QTimer(self)
        self._resort.setSingleShot(True)
        self._resort.setInterval(RESORT_DELAY_MS)
        self._resort.timeout.connect(self._sort_again)

    # ------------------------------------------------------------------ source
    def set_source(self, document: Document, evaluation: Evaluation) -> None:
        """Show ``evaluation`` (of ``document``) and sort it as the user last chose."""
        same_rows = self._ev is not None and self._ev.row_loss.shape == evaluation.row_loss.shape
        if same_rows:
            # An edit of the numbers: the rows stay and their values change in place (a
            # reset would rebuild the header and scroll the view for nothing). The rows
            # re-sort once the edits pause: rows that jump under the mouse at every step
            # of a drag cannot be read, and re-sorting is what costs.
            assert self._doc is not None and self._ev is not None
            old_doc, old = self._doc, self._ev
            self._doc, self._ev = document, evaluation
            self._predicted = self._classes = None
            self._announce(changed_cells(old_doc, old, document, evaluation, _COLUMN_NUMBERS))
            if self._sort != (SAMPLE, Qt.SortOrder.AscendingOrder):
                self._resort.start()
            return
        self.beginResetModel()
        self._doc, self._ev = document, evaluation
        self._predicted = self._classes = None
        if not same_rows:
            # Keep the previous permutation while the new one is computed only if it fits.
            self._order = self._inverse = None
        self.endResetModel()
        self.sort(*self._sort)

    @property
    def evaluation(self) -> Evaluation | None:
        """The Evaluation the rows show."""
        return self._ev

    def source_row(self, view_row: int) -> int:
        """The grid row shown at table row ``view_row``."""
        return int(view_row if self._order is None else self._order[view_row])

    def view_row(self, source_row: int) -> int:
        """The table row that shows grid row ``source_row``."""
        if self._order is None:
            return int(source_row)
        if self._inverse is None:
            self._inverse = _inverse(self._order)
        return int(self._inverse[source_row])

    def target_classes(self) -> np.ndarray:
        """Class per grid row, shape (P,): the index target, or argmax of a per-class target."""
        if self._classes is None:
            assert self._doc is not None
            self._classes = target_classes(self._doc)
        return self._classes

    def set_target_classes(self, evaluation: Evaluation, classes: np.ndarray) -> None:
        """Adopt :func:`target_classes` computed elsewhere (in a worker) for ``evaluation``."""
        if evaluation is self._ev:
            self._classes = classes

    def row_class(self, row: int) -> int:
        """:meth:`target_classes` of one row, without computing the whole array."""
        if self._classes is not None:
            return int(self._classes[row])
        assert self._doc is not None
        if self._doc.target_kind == "index":
            return int(self._doc.target.reshape(-1)[row])
        return int(target_classes(self._doc, row)[0])

    def predicted(self) -> np.ndarray:
        """The most probable class per grid row, shape (P,) (-1 where undefined)."""
        if self._predicted is None:
            assert self._ev is not None
            self._predicted = self._ev.predicted()
        return self._predicted

    def row_predicted(self, row: int) -> int:
        """:meth:`predicted` of one row, without computing the whole array."""
        if self._predicted is not None:
            return int(self._predicted[row])
        assert self._ev is not None
        return int(predicted_classes(self._ev.row_probs(slice(row, row + 1)))[0])

    # ----------------------------------------------------------------- sorting
    def sort_key(self, column: int) -> np.ndarray:
        """The array column ``column`` sorts by, shape (P,)."""
        assert self._doc is not None and self._ev is not None
        if column == TARGET:
            return self.target_classes()
        if column == PREDICTED:
            return self.predicted()
        return column_key(self._doc, self._ev, column)

    def _sort_again(self) -> None:
        try:
            self.sort(*self._sort)
        except Exception:  # a bug must not escape into the event loop
            traceback.print_exc()

    def _announce(self, changed: dict[int, np.ndarray] | None) -> None:
        """dataChanged for the cells that may look different (all when ``changed`` is None)."""
        rows = self.rowCount()
        if not rows:
            return
        if changed is None:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, self.columnCount() - 1))
            return
        for column, mask in changed.items():
            grid_rows = np.flatnonzero(mask)
            if grid_rows.size > 32:
                # The whole column: one update (the view repaints only what is on screen).
                self.dataChanged.emit(self.index(0, column), self.index(rows - 1, column))
                continue
            for grid_row in grid_rows.tolist():
                r = self.view_row(grid_row)
                self.dataChanged.emit(self.index(r, column), self.index(r, column))

    def is_sorting(self) -> bool:
        """True while a sort is pending (after edits) or running in the background."""
        return self._resort.isActive() or self.background.busy()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (NaN last); large tables sort in a worker thread."""
        self._resort.stop()
        self._sort = (column, order)
        if self._ev is None:
            return
        if column == SAMPLE and order == Qt.SortOrder.AscendingOrder:
            self._apply(None)
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if self._ev.row_loss.shape[0] <= SYNC_SORT_ROWS:
            self._apply(_argsort(self.sort_key(column), descending))
            return
        document, evaluation = self._doc, self._ev

        def done(result: tuple[np.ndarray, np.ndarray]) -> None:
            # A result for an older evaluation or sort choice is dropped.
            if evaluation is self._ev and (column, order) == self._sort:
                self._apply(*result)

        # The key (an argmax over every row, for some columns) is computed there too.
        self.background.run(
            "sort", _sorted_order, document, evaluation, column, descending, done=done
        )

    def _apply(self, order: np.ndarray | None, inverse: np.ndarray | None = None) -> None:
        if _same_order(order, self._order):
            return  # most edits move no row past another
        self.layoutAboutToBeChanged.emit()
        self._order, self._inverse = order, inverse
        self.layoutChanged.emit()
        self.resorted.emit()

    # ------------------------------------------------------------------- model
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        if parent.isValid() or self._ev is None:
            return 0
        return int(self._ev.row_loss.shape[0])

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._ev is None or self._doc is None:
            return None
        row = self.source_row(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignLeft if column == SAMPLE else Qt.AlignmentFlag.AlignRight
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _GREY if bool(self._ev.ignored[row]) else None
        if role == Qt.ItemDataRole.UserRole:
            return self._value(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        return None

    def _value(self, row: int, column: int) -> float | int:
        assert self._doc is not None and self._ev is not None
        if column == SAMPLE:
            return row
        if column == TARGET:
            return self.row_class(row)
        if column == PREDICTED:
            return self.row_predicted(row)
        return float(column_key(self._doc, self._ev, column)[row])

    def _text(self, row: int, column: int) -> str:
        ev, doc = self._ev, self._doc
        assert ev is not None and doc is not None
        if column == SAMPLE:
            return doc.row_label(row) if doc.rows == ev.row_loss.shape[0] else str(row)
        if column == TARGET:
            if bool(ev.ignored[row]):
                return f"ignored ({self.row_class(row)})"
            prefix = "" if doc.target_kind in ("index", "sign") else "≈ "
            return f"{prefix}{self.row_class(row)}"
        if column == PREDICTED:
            best = self.row_predicted(row)
            return "—" if best < 0 else str(best)
        value = float(column_key(doc, ev, column)[row])
        if np.isnan(value):
            return "—"
        return share_percent_text(value) if column == SHARE else f"{value:.5g}"

    def _tooltip(self, row: int) -> str:
        ev = self._ev
        assert ev is not None
        if bool(ev.ignored[row]):
            return "Target equals ignore_index: this row adds nothing to the loss."
        return (
            f"loss {float(ev.row_loss[row]):.10g}, p(target) {float(ev.target_prob[row]):.6g}, "
            f"share {100 * float(ev.row_share[row]):.4g}% of the summed loss"
        )


def _same_order(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Whether two row permutations (None: grid order) are the same."""
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b))


def target_classes(document: Document, row: int | None = None) -> np.ndarray:
    """Class per grid row (P,), or of row ``row`` only (1,): index targets as they are,
    argmax of per-class targets, +1 / -1 for sign targets. Safe in a worker thread."""
    target = document.grid_target()
    if row is not None:
        target = target[row : row + 1]
    if document.target_kind == "index":
        return target
    if document.target_kind == "sign":
        return np.where(target > 0, 1, -1)
    return np.argmax(target, axis=1)


def predicted_classes(probs: np.ndarray) -> np.ndarray:
    """Argmax class per row of (P, C) probabilities; -1 where a row is NaN (cosine)."""
    return predicted_from_probs(probs)


def column_key(document: Document, evaluation: Evaluation, column: int) -> np.ndarray:
    """The (P,) array that column ``column`` shows and sorts by. Safe in a worker thread."""
    if column == SAMPLE:
        return np.arange(evaluation.row_loss.shape[0])
    if column == TARGET:
        return target_classes(document)
    if column == PREDICTED:
        return evaluation.predicted()
    if column == P_TARGET:
        return evaluation.target_prob
    if column == SHARE:
        return evaluation.row_share
    return evaluation.row_loss


def _sorted_order(
    document: Document, evaluation: Evaluation, column: int, descending: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The permutation and its inverse (worker thread: neither is computed on the GUI thread)."""
    order = _argsort(column_key(document, evaluation, column), descending)
    return order, _inverse(order)


def _argsort(key: np.ndarray, descending: bool) -> np.ndarray:
    """A stable permutation sorting ``key``; NaN rows go last in either direction.

    int32 when it fits (any batch below 2**31 rows): half the memory of int64.
    """
    values = np.asarray(key)
    # -NaN is NaN, which argsort puts last; ties keep grid order (stable).
    order = np.argsort(-values if descending else values, kind="stable")
    return order.astype(np.int32) if order.size < 2**31 else order


def _inverse(order: np.ndarray) -> np.ndarray:
    """``inverse[order[k]] == k``: the view row of each grid row."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size, dtype=order.dtype)
    return inverse
