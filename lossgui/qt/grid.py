"""The batch grid: logits, targets and per-row results in one editable table.

:class:`GridView` is a QTableView over :class:`~lossgui.qt.grid_model.GridModel`
with spreadsheet habits: type to edit, Enter to commit, Ctrl+C copies the
selection as tab-separated text, Ctrl+V pastes a block from a spreadsheet or a
printed NumPy array / PyTorch tensor at the current cell as one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from lossgui.document import EditError
from lossgui.qt.grid_model import FULL_TEXT_ROLE, GridModel
from lossgui.qt.grid_widgets import CompactHeader, GridTable, NumberDelegate
from lossgui.qt.paste import format_block, parse_block
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["GridModel", "GridView"]

_FIT_CELLS = 600  # grids up to this many cells get their columns widened to fit
#: Bigger grids fit each column to this many rows around the top: Qt asks the model
#: for about eight roles of every measured cell, and a file's first rows are as wide
#: as the rest (24 rows of 25 columns took ~25 ms of the event-loop stall of an open).
_FIT_SAMPLE_ROWS = 12
# Widest text a computed column of a big grid shows (6 significant digits; a share).
_COMPUTED_SAMPLES = {"share": "100.00 %", "loss": "0.0123457", "target_prob": "0.0123457"}


class GridView(QWidget):
    """The batch as an editable table, with a one-line summary above it.

    Parameters
    ----------
    state : AppState
    parent : QWidget, optional

    Attributes
    ----------
    model : GridModel
    view : QTableView
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = GridModel(state, self)
        self.view = GridTable(self)
        self.view.setHorizontalHeader(CompactHeader(self.view))
        self.view.setModel(self.model)
        self.view.setItemDelegate(NumberDelegate(self.view))
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        # Columns are sized by code (see _refit_columns), not ResizeToContents, which
        # would measure 32k cells on a 512 x 64 grid; the user may still drag them.
        metrics = self.view.fontMetrics()
        horizontal = self.view.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setDefaultSectionSize(metrics.horizontalAdvance("-0.123456") + 16)
        # Narrow columns for short numbers (a class index, a one-decimal logit; 7 px is
        # the cell's 2 x 3 px text margin and its grid line): a half-width grid then
        # shows a segmentation batch's share column.
        horizontal.setMinimumSectionSize(metrics.horizontalAdvance("-0.0") + 7)
        vertical = self.view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(metrics.height() + 8)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.setToolTip(
            "Type to edit a cell (Enter commits). Ctrl+C copies, Ctrl+V pastes a block or a "
            "printed tensor. Grey italic columns are computed."
        )

        self._summary = QLabel(self)
        self._summary.setTextFormat(Qt.TextFormat.PlainText)
        # Wraps instead of setting the grid's minimum width (a long spatial shape would
        # take room from the plots).
        self._summary.setWordWrap(True)
        self.gradient_box = QCheckBox("Colour logits by ∂loss/∂x", self)
        self.gradient_box.setToolTip(
            "Colour each logit cell by the gradient of the loss: red pushes the logit "
            "down, blue pushes it up (gradient descent moves against the gradient)."
        )
        self.gradient_box.toggled.connect(self.set_gradient_colouring)

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self._summary, 1)
        header.addWidget(self.gradient_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)

        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        # Qt marks the current row's number in bold but does not repaint the old one
        # when the current cell moves in code (the selection follows the plots).
        self.view.selectionModel().currentRowChanged.connect(self._repaint_row_numbers)
        self.model.modelReset.connect(self._show_selection)
        state.selectionChanged.connect(self._show_selection)
        state.changed.connect(self._update_summary)
        state.changed.connect(self._fit_columns)
        self.model.modelReset.connect(self._refit_columns)
        self._refit_columns()
        self._update_summary()
        self._show_selection()

    # ------------------------------------------------------------- selection
    @guarded
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        column = self.model.column(current.column())
        if column.kind in ("logit", "input2", "target_cell"):
            self.state.select(current.row(), column.index)
        else:
            self.state.select(current.row(), self.state.selection[1])

    @guarded
    def _repaint_row_numbers(self, *_: QModelIndex) -> None:
        self.view.verticalHeader().viewport().update()

    @guarded
    def _show_selection(self, *_: int) -> None:
        row, col = self.state.selection
        current = self.view.currentIndex()
        if current.isValid() and current.row() == row:
            column = self.model.column(current.column())
            if column.kind != "logit" or column.index == col:
                return
        target = self.model.index(row, self.model.column_of("logit", col))
        if target.isValid():
            self.view.setCurrentIndex(target)
            self.view.scrollTo(target)

    @guarded
    def _refit_columns(self) -> None:
        """After a new layout: fit every column to its numbers and its label.

        Small grids measure every cell. Big ones measure ``_FIT_SAMPLE_ROWS``
        rows (around the top), and their computed columns,
        which may still be waiting for the evaluation, take the width of the
        widest number they show; a wider number further down is elided, with
        the full value in its tooltip.
        """
        rows, cols = self.model.rowCount(), self.model.columnCount()
        header = self.view.horizontalHeader()
        # How many rows sizeHintForColumn reads (Qt takes it from the horizontal header).
        if rows * cols <= _FIT_CELLS:
            header.setResizeContentsPrecision(-1)  # every row
            self.view.resizeColumnsToContents()
            return
        header.setResizeContentsPrecision(_FIT_SAMPLE_ROWS)
        metrics = self.view.fontMetrics()
        for col in range(cols):
            sample = _COMPUTED_SAMPLES.get(self.model.column(col).kind)
            wanted = max(self.view.sizeHintForColumn(col), header.sectionSizeHint(col))
            if sample is not None:
                # The cell's 2 x 3 px text margin and the grid line, as Qt measures a cell.
                wanted = max(wanted, metrics.horizontalAdvance(sample) + 7)
            header.resizeSection(col, wanted)

    @guarded
    def _fit_columns(self) -> None:
        """Widen columns whose numbers would be cut, on small grids only.

        Measuring needs every cell's text, so big grids keep the fixed width
        (the tooltip shows any cut value in full). Columns only grow, so they
        do not jump back and forth while the user types.
        """
        if self.model.rowCount() * self.model.columnCount() > _FIT_CELLS:
            return
        header = self.view.horizontalHeader()
        for col in range(self.model.columnCount()):
            wanted = max(self.view.sizeHintForColumn(col), header.sectionSizeHint(col))
            if wanted > header.sectionSize(col):
                header.resizeSection(col, wanted)

    @guarded
    def _update_summary(self) -> None:
        doc = self.state.document
        shape = " × ".join(str(n) for n in doc.logits.shape)
        spatial = f" ({doc.rows} positions)" if doc.logits.ndim > 2 else ""
        self._summary.setText(f"{doc.spec.label} · input {shape}{spatial} · {doc.dtype}")

    # ------------------------------------------------------ gradient colour
    @guarded
    def set_gradient_colouring(self, on: bool) -> None:
        """Turn the gradient colouring of the logit cells on or off."""
        self.model.set_gradient_colouring(on)
        if self.gradient_box.isChecked() != bool(on):
            self.gradient_box.setChecked(bool(on))

    # ------------------------------------------------------------ clipboard
    def selection_text(self) -> str:
        """The selected cells' bounding box as tab-separated text, full precision."""
        indexes = self.view.selectionModel().selectedIndexes()
        if not indexes:
            current = self.view.currentIndex()
            indexes = [current] if current.isValid() else []
        if not indexes:
            return ""
        chosen = {(i.row(), i.column()) for i in indexes}
        rows = range(min(r for r, _ in chosen), max(r for r, _ in chosen) + 1)
        cols = range(min(c for _, c in chosen), max(c for _, c in chosen) + 1)
        block: list[list[float | int | str | None]] = []
        for r in rows:
            line: list[float | int | str | None] = []
            for c in cols:
                text = self.model.data(self.model.index(r, c), FULL_TEXT_ROLE)
                line.append(text if (r, c) in chosen and text else None)
            block.append(line)
        return format_block(block)

    @guarded
    def copy_selection(self) -> None:
        """Copy the selection to the clipboard as tab-separated numbers."""
        text = self.selection_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.state.message.emit("Copied the selection as tab-separated numbers")

    @guarded
    def paste(self, text: str | None = None) -> bool:
        """Paste a block of numbers into the logits at the current cell.

        Parameters
        ----------
        text : str, optional
            Spreadsheet cells or a printed list / array / tensor; the clipboard's
            text when omitted.

        Returns
        -------
        bool
            False when the text was refused (the reason goes to the status bar).
        """
        if text is None:
            text = QGuiApplication.clipboard().text()
        current = self.view.currentIndex()
        row = current.row() if current.isValid() else 0
        col = current.column() if current.isValid() else 0
        column = self.model.column(col)
        if column.kind != "logit":
            self.state.message.emit("Paste refused: select a logit cell to paste into")
            return False
        try:
            block = parse_block(text)
        except EditError as err:
            self.state.message.emit(f"Paste refused: {err}")
            return False
        left = column.index
        doc = self.state.document
        rows = min(block.shape[0], doc.rows - row)
        cols = min(block.shape[1], doc.classes - left)
        ok = self.state.edit(
            lambda d: d.with_cells(row, left, block),
            f"Paste {rows} × {cols} block at ({doc.row_label(row)}, {left})",
        )
        if ok:
            clipped = (rows, cols) != block.shape
            note = f" (clipped from {block.shape[0]} × {block.shape[1]})" if clipped else ""
            self.state.message.emit(f"Pasted {rows} × {cols} numbers{note}")
        return ok

    @guarded
    def _context_menu(self, pos: object) -> None:
        menu = QMenu(self)
        copy = menu.addAction("Copy", self.copy_selection)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        paste = menu.addAction("Paste at current cell", self.paste)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        menu.addSeparator()
        colour = menu.addAction("Colour logits by gradient")
        colour.setCheckable(True)
        colour.setChecked(self.model.gradient_colouring())
        colour.toggled.connect(self.set_gradient_colouring)
        menu.exec(self.view.viewport().mapToGlobal(pos))
