"""A table delegate that paints plain number cells itself, and leaves the rest to Qt.

A drag of one logit changes about thirty numbers of the step-by-step table (a
new softmax row, its log, ...) and each is painted again. Qt's
:class:`QStyledItemDelegate` asks the model for seven roles per cell (each a
call into Python) and lays the text out three times (size, elision, drawing).
This delegate paints the cells the model calls plain (one line of text in the
view's font, right-aligned, no role but an optional background) with one
``drawText`` at the baseline Qt would use, over the row background the view
has painted: the same pixels (a test compares them). Everything else (names,
formulas, spanned scalars, the current cell's focus frame, a text too wide
for its cell) is Qt's.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPointF
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPalette, QTextLayout
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

__all__ = ["PlainCellDelegate", "PlainCells"]

Index = QModelIndex | QPersistentModelIndex


class PlainCells(Protocol):
    """What the delegate asks the model, in Python, without Qt's roles."""

    def plain_text(self, row: int, column: int) -> str | None:
        """The cell's text if it is a plain right-aligned number cell, else None."""
        ...

    def plain_background(self, row: int, column: int) -> QBrush | None:
        """The background of a plain cell (None: the view's)."""
        ...


# Changes of the view that change how its plain cells look.
_LOOK_CHANGES = (
    QEvent.Type.PaletteChange,
    QEvent.Type.FontChange,
    QEvent.Type.StyleChange,
    QEvent.Type.EnabledChange,
)


class _Colours:
    """The colours of one colour group, read once from the palette."""

    def __init__(self, palette: QPalette, group: QPalette.ColorGroup) -> None:
        role = QPalette.ColorRole
        self.text = QColor(palette.color(group, role.Text))
        self.highlighted_text = QColor(palette.color(group, role.HighlightedText))
        self.highlight = QBrush(palette.brush(group, role.Highlight))


class PlainCellDelegate(QStyledItemDelegate):
    """Paints a table's plain number cells directly; the other cells as Qt does.

    Parameters
    ----------
    view : QTableView
        The table; its font is the numbers' font, and its palette gives the
        colours (read again when either changes).
    cells : PlainCells
        The model, asked which cells are plain and what they show.
    """

    def __init__(self, view: QTableView, cells: PlainCells) -> None:
        super().__init__(view)
        self._view = view
        self._cells = cells
        self._current: tuple[int, int] = (-1, -1)
        self.sync()
        view.selectionModel().currentChanged.connect(self._on_current_changed)
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view:
            if event.type() in _LOOK_CHANGES:
                self.sync()
            return False
        # The view makes its delegate the filter of each editor (Tab, Enter, Escape).
        return super().eventFilter(watched, event)

    def sync(self) -> None:
        """Read the view's font, colours and margins again (after a change of either)."""
        view = self._view
        metrics = QFontMetricsF(view.font())
        self._advance = metrics.horizontalAdvance("0")
        # A proportional font: measure each text (the fast path still skips Qt's layout).
        self._metrics = None if view.fontInfo().fixedPitch() else metrics
        # The line box Qt's item text centres: a text layout's line (its height rounds up).
        probe = QTextLayout("0", view.font())
        probe.beginLayout()
        line = probe.createLine()
        probe.endLayout()
        self._line_height = int(line.height())
        self._ascent = line.ascent()
        style = view.style()
        # Qt's item text keeps the focus frame's margin plus one pixel on each side.
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        palette = view.palette()
        # Qt's colour group: disabled, else active or inactive with the window (asked per cell).
        if view.isEnabled():
            self._colours = {
                True: _Colours(palette, QPalette.ColorGroup.Active),
                False: _Colours(palette, QPalette.ColorGroup.Inactive),
            }
        else:
            disabled = _Colours(palette, QPalette.ColorGroup.Disabled)
            self._colours = {True: disabled, False: disabled}

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._current = (current.row(), current.column()) if current.isValid() else (-1, -1)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row, column = index.row(), index.column()
        text = self._cells.plain_text(row, column)
        # The current cell may carry a focus frame: Qt's.
        if text is None or (row, column) == self._current:
            super().paint(painter, option, index)
            return
        rect = option.rect
        width = (
            len(text) * self._advance
            if self._metrics is None
            else self._metrics.horizontalAdvance(text)
        )
        if width > rect.width() - 2 * self._margin:
            super().paint(painter, option, index)  # Qt elides it
            return
        view = self._view
        colours = self._colours[view.isActiveWindow()]
        selection = view.selectionModel()
        if selection.hasSelection() and selection.isSelected(index):
            # Styles that show selection as a row decoration have painted it already.
            painter.fillRect(rect, colours.highlight)
            painter.setPen(colours.highlighted_text)
        else:
            # The view has painted the row's (alternate) background already.
            background = self._cells.plain_background(row, column)
            if background is not None:
                painter.fillRect(rect, background)
            painter.setPen(colours.text)
        # Qt centres the line box in the cell, on whole pixels.
        top = rect.top() + (rect.height() - self._line_height) // 2
        x = rect.right() + 1 - self._margin - width
        painter.drawText(QPointF(x, top + self._ascent), text)
