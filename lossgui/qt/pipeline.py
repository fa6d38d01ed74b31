"""The pipeline view: how the selected row becomes its loss, one step per line.

Reads the selected row (``state.selection``) and shows, as a compact read-only
table, each intermediate the loss computes: logits, shift, softmax or sigmoid,
the picked entry, weights and the row's loss; a line under the table gives the
row's share of the sum and the reduction that combines the rows.

The table is a QTableView over :class:`PipelineModel`, updated in place: an
edit of the selected row (a logit dragged, many times a second) changes a few
cell texts and repaints them; columns are spanned and sized again only when the
steps or columns themselves change (another loss, another number of classes).
An edit of another row leaves the table untouched.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lossgui.qt.pipeline_model import PipelineModel
from lossgui.qt.pipeline_steps import Step, pipeline_steps
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["PipelineView"]

# Steps that change with any row of the batch: shown under the table, not in it.
_BATCH_STEPS = ("share", "reduction")
# The widest number a ``.5g`` cell usually holds: numeric columns get this width
# once, so a dragged logit never makes the columns jump.
_WIDEST_NUMBER = "-0.00012345"
# Space around a cell's text (the delegate keeps ~3 px a side; the rest separates
# right-aligned numbers from their neighbours).
_PAD = 12
# Which font measures a text (see PipelineView._width).
_MONO, _ITALIC = 0, 1


class _Table(QTableView):
    """The steps' table: read-only, selectable, Ctrl+C copies the selection."""

    def __init__(self, owner: PipelineView) -> None:
        super().__init__(owner)
        self._owner = owner

    def event(self, event: QEvent) -> bool:
        # Claim Ctrl+C before a window-wide shortcut with the same keys does.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self._owner.copy_selection()
        else:
            super().keyPressEvent(event)


class PipelineView(QWidget):
    """The selected row's computation as a read-only table.

    Parameters
    ----------
    state : AppState
    parent : QWidget, optional

    Attributes
    ----------
    title_label : QLabel
    model : PipelineModel
    table : QTableView
        The table (cells selectable; Ctrl+C copies them tab-separated).
    error_label : QLabel
        Shown instead of the table while PyTorch would refuse the numbers.
    batch_line : QLineEdit
        Read-only: the steps that depend on the whole batch (the row's share and
        the reduction). A line edit, not a label: its size does not depend on its
        text, so updating it on every edit does not lay the window out again.
    steps : list of Step
        What is shown now (empty while PyTorch would refuse the numbers).
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.steps: list[Step] = []
        self._error_text = ""
        self.title_label = QLabel(self)
        self.title_label.setToolTip("Select a cell in the grid to follow another row")
        self.model = PipelineModel(self)
        self.table = _Table(self)
        self._setup_table()
        self.error_label = QLabel(self)
        self.error_label.setTextFormat(Qt.TextFormat.RichText)
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.error_label.setMargin(6)
        self.error_label.setAutoFillBackground(True)
        self.error_label.setBackgroundRole(QPalette.ColorRole.Base)
        self.error_label.hide()
        self.batch_line = QLineEdit(self)
        self.batch_line.setReadOnly(True)
        self.batch_line.setFrame(False)
        palette = self.batch_line.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self.batch_line.setPalette(palette)
        # Opaque (see hold_label): its text changes with every edit.
        self.batch_line.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label, 1)
        layout.addWidget(self.batch_line)
        state.changed.connect(self.refresh)
        state.selectionChanged.connect(self.refresh)
        self.refresh()

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setCornerButtonEnabled(False)
        # Rows are told apart by shading, as in a printed table.
        table.setAlternatingRowColors(True)
        palette = table.palette()
        palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f3f3f3"))
        table.setPalette(palette)
        # The numbers' font is the table's: most cells then need no font from the model.
        # The header keeps the window's font: set explicitly, or it would inherit mono.
        header_font = QFont(table.font())
        header_font.setFamilies(header_font.families() or [header_font.family()])
        table.setFont(self.model.mono)
        metrics = [QFontMetrics(f) for f in (self.model.mono, self.model.bold, header_font)]
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setMinimumSectionSize(1)
        vertical.setDefaultSectionSize(max(m.height() for m in metrics) + 4)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setFont(header_font)
        header.setHighlightSections(False)
        header.setSectionsClickable(False)
        header.setMinimumSectionSize(8)
        # A plain header (grey labels over the numbers), not a row of buttons.
        header.setStyleSheet(
            "QHeaderView { background: palette(base); }"
            " QHeaderView::section { background: palette(base); color: #555555; border: none;"
            " padding: 1px 3px; }"
        )
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.setToolTip(
            "Each step of the loss for the selected row; the target class is highlighted. "
            "Ctrl+C copies the selected cells."
        )
        self._mono = QFontMetrics(self.model.mono)
        self._italic = QFontMetrics(self.model.italic)
        self._number_width = self._mono.horizontalAdvance(_WIDEST_NUMBER) + _PAD
        self._widths: dict[tuple[int, str], int] = {}

    # ------------------------------------------------------------- updating
    @guarded
    def refresh(self, *_: int) -> None:
        """Show the steps of the selected row (only changed cells are repainted)."""
        doc = self.state.document
        row = min(self.state.selection[0], doc.rows - 1)
        self.title_label.setText(f"{doc.spec.label}, row {doc.row_label(row)}: step by step")
        evaluation = self.state.evaluation
        if self.state.error is not None or evaluation is None:
            self.steps = []
            self.model.clear()
            self._show_error(self.state.error or "no result yet")
            self._set_batch_line("")
            return
        self.steps = pipeline_steps(doc, evaluation, row)
        if self.table.isHidden():
            self.error_label.hide()
            self.table.show()
        row_steps = [s for s in self.steps if s.name not in _BATCH_STEPS]
        if self.model.show(row_steps, doc.classes):
            self._restructure()
        else:
            self._widen()
        self._set_batch_line(
            "   ·   ".join(
                f"{s.name} ({s.formula}): {s.scalar}" for s in self.steps if s.name in _BATCH_STEPS
            )
        )

    def _show_error(self, reason: str) -> None:
        self._error_text = (
            f"PyTorch would raise: {reason}\nFix the numbers or options to see the steps again."
        )
        escaped = html.escape(reason)
        self.error_label.setText(
            f"<p style='color:#8a1c12'>PyTorch would raise: {escaped}</p>"
            "<p>Fix the numbers or options to see the steps again.</p>"
        )
        if self.error_label.isHidden():
            self.table.hide()
            self.error_label.show()

    def _set_batch_line(self, text: str) -> None:
        self.batch_line.setText(text)
        self.batch_line.setCursorPosition(0)  # show the start when the line is cut
        about = "The row's share of the summed loss, and how the reduction combines the rows."
        self.batch_line.setToolTip(f"{text}\n\n{about}" if text else about)

    def _restructure(self) -> None:
        """Span the scalar rows and size every column: the steps or columns changed."""
        table, model = self.table, self.model
        table.clearSpans()
        middle = len(model.columns) - 2
        for row in range(model.rowCount()):
            if model.is_scalar(row) and middle > 1:
                table.setSpan(row, 1, 1, middle)
        gap = self._mono.horizontalAdvance("…") + _PAD
        for col, column in enumerate(model.columns):
            if column.kind == "class":
                table.setColumnWidth(col, self._number_width)
            elif column.kind == "gap":
                table.setColumnWidth(col, gap)
        if model.columns:
            table.resizeColumnToContents(0)
            table.setColumnWidth(len(model.columns) - 1, self._formula_width())
        self._widen()

    def _widen(self) -> None:
        """Widen a column whose new text no longer fits (never narrow it during a drag).

        A formula may carry a number (Σ = 1.5 after Σ = 1.51745), a value may
        need more than :data:`_WIDEST_NUMBER` (1.2346e+100) and a scalar may be
        wider than the class columns it spans. Text widths are remembered, so
        this costs a few look-ups per update; resizing happens only when a text
        does not fit.
        """
        model, table = self.model, self.table
        last = len(model.columns) - 1
        if last < 1:
            return
        formula = self._formula_width()
        if formula > table.columnWidth(last):
            table.setColumnWidth(last, formula)
        numbers = [c for c, column in enumerate(model.columns) if column.kind == "class"]
        needed = self._width(_MONO, "0" * model.number_chars())
        if numbers and needed > table.columnWidth(numbers[0]):
            for col in numbers:
                table.setColumnWidth(col, needed)
        scalar = max((self._width(_MONO, t) for t in model.scalars()), default=0)
        if last > 1 and scalar > 0:
            span = sum(table.columnWidth(c) for c in range(1, last))
            if scalar > span:
                table.setColumnWidth(last - 1, table.columnWidth(last - 1) + scalar - span)

    def _formula_width(self) -> int:
        return max((self._width(_ITALIC, t) for t in self.model.formulas()), default=0)

    def _width(self, font: int, text: str) -> int:
        """The width of a cell showing ``text`` in the mono or italic font (remembered)."""
        key = (font, text)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > 4096:  # a long drag makes many formulas: forget them
                self._widths.clear()
            metrics = self._mono if font == _MONO else self._italic
            width = self._widths[key] = metrics.horizontalAdvance(text) + _PAD
        return width

    # -------------------------------------------------------------- reading
    def table_text(self) -> str:
        """The table as plain text: a header line, then one tab-separated line per step.

        While PyTorch would refuse the numbers, the error shown instead.
        """
        if self.table.isHidden():
            return self._error_text
        model = self.model
        lines = ["\t".join(c.label for c in model.columns)]
        lines += [
            "\t".join(model.text(r, c) for c in range(model.columnCount()))
            for r in range(model.rowCount())
        ]
        return "\n".join(lines)

    def selection_text(self) -> str:
        """The selected cells as tab-separated lines ("" without a selection).

        Cells inside the selection's bounding box that are not selected are empty.
        """
        indexes = self.table.selectionModel().selectedIndexes()
        if not indexes:
            return ""
        chosen = {(i.row(), i.column()) for i in indexes}
        rows = [r for r, _ in chosen]
        cols = [c for _, c in chosen]
        return "\n".join(
            "\t".join(
                self.model.text(r, c) if (r, c) in chosen else ""
                for c in range(min(cols), max(cols) + 1)
            )
            for r in range(min(rows), max(rows) + 1)
        )

    @guarded
    def copy_selection(self) -> None:
        """Copy the selected cells to the clipboard as tab-separated text."""
        text = self.selection_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.state.message.emit("Copied the selected steps as tab-separated text")

    @guarded
    def copy_table(self) -> None:
        """Copy the whole table (or the error) to the clipboard as tab-separated text."""
        QGuiApplication.clipboard().setText(self.table_text())
        self.state.message.emit("Copied the step-by-step table as tab-separated text")

    @guarded
    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        copy = menu.addAction("Copy", self.copy_selection)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setEnabled(self.table.selectionModel().hasSelection())
        menu.addAction("Copy whole table", self.copy_table)
        menu.exec(self.table.viewport().mapToGlobal(pos))
