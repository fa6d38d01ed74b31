"""The table model of the batch grid: a view of AppState, never a copy of it.

Rows are the grid rows of the Document (samples, or positions of a spatial
batch); columns are the C logits, the target in the form the loss needs, and
three read-only computed columns (p(target), loss, share). ``data()`` reads the
current Document and Evaluation; what is cached is the column layout (so
row/column counts change only inside a model reset) and, keyed on the identity
of the Document / Evaluation they came from, read-only views of its arrays,
formatted cell texts and gradient colours (see grid_colours), so scrolling a
512 x 64 grid never formats or colours a cell twice, and the caches stay bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from lossgui.core.evaluate import Evaluation
from lossgui.document import Document, EditError
from lossgui.qt.grid_changes import changed_blocks
from lossgui.qt.grid_colours import GradientColouring
from lossgui.qt.grid_columns import Column, layout_key, layout_of, share_text
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["FULL_TEXT_ROLE", "Column", "GridModel"]

# The exact text an editor opens with: the shortest repr that round-trips the dtype.
FULL_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1

# Role constants: attribute lookups on PySide enums cost more than the rest of data().
_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_ROLES = (_DISPLAY, _EDIT, _TOOLTIP, _BACKGROUND, _FOREGROUND, _FONT, _ALIGN, FULL_TEXT_ROLE)
# PySide's enums hash by name, not value: hold both forms so ints and enums both match.
_HANDLED = frozenset((*_ROLES, *(int(role) for role in _ROLES)))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_HORIZONTAL = Qt.Orientation.Horizontal
_MISSING = object()  # "not formatted yet" in the text cache
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_READ_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDIT_FLAGS = _READ_FLAGS | Qt.ItemFlag.ItemIsEditable

_INDEX = QModelIndex | QPersistentModelIndex

_COMPUTED_BG = QColor(236, 236, 236)
_TARGET_BG = QColor(255, 249, 222)
_IGNORED_BG = QColor(222, 222, 222)
# Refused cells are hatched, not tinted, so they never read as a gradient colour.
_REFUSED_BG = QBrush(QColor(214, 80, 64, 140), Qt.BrushStyle.BDiagPattern)
_REFUSED_TEXT = QColor(160, 30, 20)
_GREY_TEXT = QColor(120, 120, 120)

# At most _COLOUR_BLOCKS blocks of gradient colours (see grid_colours) and _MAX_CACHED
# cell colours or texts are kept (a screen shows a few hundred cells; scrolling
# through millions must not keep them all).
_COLOUR_BLOCKS = 32
_MAX_CACHED = 1 << 16


def _short(value: float) -> str:
    return f"{value:.6g}"


class GridModel(GradientColouring, QAbstractTableModel):
    """QAbstractTableModel over an :class:`AppState`'s Document and Evaluation.

    Parameters
    ----------
    state : AppState
        The single source of truth; every edit goes through ``state.edit``.
    """

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._layout = layout_of(state.document)
        self._doc: Document | None = None
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
        self._ignored_rows: frozenset[int] = frozenset()
        self._text_cache: dict[tuple[int, int], object] = {}
        self._init_gradient_colouring(_COLOUR_BLOCKS, _MAX_CACHED)
        self._gradient = False
        self._refused: dict[tuple[int, int], str] = {}
        # The Document and error the view last painted from: what an edit is compared with.
        self._shown: tuple[Document | None, str | None] = (state.document, state.error)
        # The evaluation the computed columns show, to repaint only the values that moved.
        self._shown_evaluation: Evaluation | None = state.evaluation
        # Whether the view last painted while a large batch was computing (computed cells "…").
        self._shown_computing = state.computing
        self._italic = QFont()
        self._italic.setItalic(True)
        state.changed.connect(self._on_changed)

    # ---------------------------------------------------------------- layout
    @property
    def state(self) -> AppState:
        return self._state

    def column(self, col: int) -> Column:
        """The :class:`Column` shown at model column ``col``."""
        return self._layout.columns[col]

    def column_of(self, kind: str, index: int = 0) -> int:
        """Model column of (kind, index), or -1 when this layout has none."""
        for col, column in enumerate(self._layout.columns):
            if column.kind == kind and column.index == index:
                return col
        return -1

    def rowCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else self._layout.rows

    def columnCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._layout.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == _HORIZONTAL:
            if not 0 <= section < len(self._layout.columns):
                return None
            column = self._layout.columns[section]
            if role == _DISPLAY:
                return column.header
            if role == _TOOLTIP:
                return column.tooltip
            if role == _FONT and column.computed:
                return self._italic
            return None
        if not 0 <= section < self._layout.rows:
            return None
        if role == _DISPLAY:
            return self._state.document.row_label(section)
        if role == _TOOLTIP:
            return f"Grid row {section}: sample {self._state.document.row_label(section)}"
        return None

    # ------------------------------------------------------------------ reads
    def _current(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
        """Read-only grid views of the current Document, or None mid-reset."""
        doc = self._state.document
        if doc is not self._doc:
            self._doc = doc
            self._text_cache = {}
            layout_ok = layout_key(doc) == self._layout.key
            self._arrays = (doc.grid_logits(), doc.grid_target(), doc.input2) if layout_ok else None
            self._ignored_rows = frozenset()
            if doc.target_kind == "index" and "ignore_index" in doc.spec.defaults:
                mask = doc.grid_target() == int(doc.option("ignore_index"))
                self._ignored_rows = frozenset(np.flatnonzero(mask).tolist())
        return self._arrays

    def _ignored(self, row: int) -> bool:
        """Whether row ``row``'s target equals ignore_index (greyed, no loss)."""
        if self._current() is None:
            return False
        return row in self._ignored_rows

    def raw_value(self, row: int, col: int) -> Any:
        """The number at (row, col) as a NumPy scalar, or None (computed column in error)."""
        arrays = self._current()
        if arrays is None:
            return None
        logits, target, input2 = arrays
        column = self._layout.columns[col]
        if column.kind == "logit":
            return logits[row, column.index]
        if column.kind == "target":
            return target[row]
        if column.kind == "target_cell":
            return target[row, column.index]
        if column.kind == "input2":
            return None if input2 is None else input2[row, column.index]
        evaluation = self._state.evaluation
        # While a large batch is computing, the evaluation is the previous numbers'
        # (maybe of another row count): show nothing rather than pair them.
        if self._state.error is not None or evaluation is None or self._state.computing:
            return None
        source = {"target_prob": evaluation.target_prob, "loss": evaluation.row_loss}
        values = source.get(column.kind, evaluation.row_share)
        return values[row] if row < values.shape[0] else None

    def data(self, index: _INDEX, role: int = _DISPLAY) -> Any:
        return self._data(index, role) if role in _HANDLED else None

    def _data(self, index: _INDEX, role: int) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        layout = self._layout
        if row >= layout.rows or col >= len(layout.columns):
            return None
        column = layout.columns[col]
        if role == _DISPLAY:
            # Formatted once per Document: repaints while scrolling reuse the text.
            text = self._text_cache.get((row, col), _MISSING)
            if text is _MISSING:
                text = self._display(row, column, self.raw_value(row, col))
                if len(self._text_cache) >= _MAX_CACHED:
                    self._text_cache = {}
                self._text_cache[(row, col)] = text
            return text
        if role == _EDIT or role == FULL_TEXT_ROLE:
            value = self.raw_value(row, col)
            if value is None:
                return None
            return value.item() if role == _EDIT else str(value)
        if role == _BACKGROUND:
            return self._background(row, col, column)
        if role == _FOREGROUND:
            if (row, col) in self._refused:
                return _REFUSED_TEXT
            return _GREY_TEXT if column.computed or self._ignored(row) else None
        if role == _FONT:
            return self._italic if column.computed else None
        if role == _ALIGN:
            return _RIGHT
        return self._tooltip(row, col, column)

    def _display(self, row: int, column: Column, value: Any) -> str | None:
        if value is None:
            if not column.computed:
                return None
            return "…" if self._state.computing and self._state.error is None else "—"
        if column.kind == "target":
            return f"{int(value):+d}" if column.header.startswith("y") else str(int(value))
        if column.kind == "target_prob" and self._ignored(row):
            return "ignored"
        number = float(value)
        if column.kind == "share":
            return share_text(number)
        return _short(number)

    def _tooltip(self, row: int, col: int, column: Column) -> str:
        label = self._state.document.row_label(row)
        value = self.raw_value(row, col)
        if column.computed:
            if self._state.error is not None:
                lines = [column.tooltip, f"PyTorch would raise: {self._state.error}"]
            elif value is None:
                lines = [column.tooltip, "computing… (the new numbers are being evaluated)"]
            else:
                lines = [column.tooltip, f"= {float(value)!r}"]
                if column.kind == "target_prob" and self._ignored(row):
                    lines.append("This row is ignored (target == ignore_index).")
        else:
            lines = [f"{column.header}, row {label} = {'' if value is None else value}"]
            evaluation = self._state.evaluation
            current = self._state.error is None and not self._state.computing
            if column.kind == "logit" and current and evaluation is not None:
                lines.append(f"∂loss/∂x = {float(evaluation.grad[row, column.index]):.6g}")
            if self._ignored(row):
                lines.append("This row is ignored (target == ignore_index).")
        refused = self._refused.get((row, col))
        if refused:
            lines.append(f"Last edit refused: {refused}")
        return "\n".join(lines)

    def _background(self, row: int, col: int, column: Column) -> QColor | QBrush | None:
        if (row, col) in self._refused:
            return _REFUSED_BG
        if column.computed:
            return _COMPUTED_BG
        if self._ignored(row):
            return _IGNORED_BG
        if column.kind in ("target", "target_cell"):
            return _TARGET_BG
        if column.kind == "logit" and self._gradient and self._state.error is None:
            return self._gradient_colour(row, column.index)
        return None

    # ---------------------------------------------------------------- writes
    def flags(self, index: _INDEX) -> Qt.ItemFlag:
        if not index.isValid() or index.column() >= len(self._layout.columns):
            return _NO_FLAGS
        return _READ_FLAGS if self._layout.columns[index.column()].computed else _EDIT_FLAGS

    def setData(self, index: _INDEX, value: Any, role: int = _EDIT) -> bool:
        if role != _EDIT or not index.isValid():
            return False
        row, col = index.row(), index.column()
        if row >= self._layout.rows or col >= len(self._layout.columns):
            return False
        edit = self._edit_for(row, self._layout.columns[col], value)
        if edit is None:
            return False
        build, text, key = edit
        reasons: list[str] = []

        def checked(doc: Document) -> Document:
            try:
                return build(doc)
            except (EditError, ValueError, IndexError, TypeError) as err:
                reasons.append(str(err))
                raise

        accepted = self._state.edit(checked, text, merge_key=key)
        if accepted:
            if self._refused.pop((row, col), None) is not None:
                self.dataChanged.emit(index, index)
        else:
            self._refused[(row, col)] = reasons[0] if reasons else "refused"
            self.dataChanged.emit(index, index)
        return accepted

    def _edit_for(
        self, row: int, column: Column, value: Any
    ) -> tuple[Callable[[Document], Document], str, tuple[Any, ...]] | None:
        """The Document edit, undo text and merge key for typing ``value`` into a cell."""
        label = self._state.document.row_label(row)
        c = column.index
        if column.kind == "logit":
            return (
                lambda d: d.with_cell(row, c, value),
                f"Edit logit ({label}, {c})",
                ("cell", row, c),
            )
        if column.kind == "target":
            return (
                lambda d: d.with_target(row, value),
                f"Edit target of row {label}",
                ("target", row),
            )
        if column.kind == "target_cell":
            return (
                lambda d: d.with_target(row, value, c),
                f"Edit target ({label}, {c})",
                ("target", row, c),
            )
        if column.kind == "input2":
            return (
                lambda d: d.with_input2(row, c, value),
                f"Edit input2 ({label}, {c})",
                ("input2", row, c),
            )
        return None

    def refused_reason(self, row: int, col: int) -> str | None:
        """Why the last edit of (row, col) was refused, or None."""
        return self._refused.get((row, col))

    def set_gradient_colouring(self, on: bool) -> None:
        """Colour each logit cell by d(loss)/d(cell): blue negative, red positive."""
        if bool(on) != self._gradient:
            self._gradient = bool(on)
            self._emit_all()

    def gradient_colouring(self) -> bool:
        return self._gradient

    # --------------------------------------------------------------- refresh
    def _emit_all(self) -> None:
        if self._layout.rows and self._layout.columns:
            last = self.index(self._layout.rows - 1, len(self._layout.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    @guarded
    def _on_changed(self) -> None:
        doc, error = self._state.document, self._state.error
        shown, self._shown = self._shown, (doc, error)
        evaluation = self._state.evaluation
        shown_evaluation, self._shown_evaluation = self._shown_evaluation, evaluation
        computing = self._state.computing
        was_computing, self._shown_computing = self._shown_computing, computing
        # Texts are cached per Document and Evaluation; a large Document's evaluation
        # arrives in a second `changed` for the same Document.
        self._doc = None
        self._text_cache = {}
        if layout_key(doc) != self._layout.key:
            self.beginResetModel()
            self._layout = layout_of(doc)
            self._refused.clear()
            self.endResetModel()
            return
        # Only the cells that can look different are repainted (see grid_changes).
        blocks = None
        # Computed cells read "…" while computing: a start or an end repaints them all.
        if (shown[1] is None) == (error is None) and computing == was_computing:
            blocks = changed_blocks(
                shown[0],
                doc,
                self._layout,
                colouring=self._gradient,
                old_evaluation=shown_evaluation,
                new_evaluation=evaluation,
            )
        if blocks is None:
            self._emit_all()
            return
        for top, left, bottom, right in blocks:
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right))
