"""The pieces the batch grid's table is built from: cell editor, header, table.

:class:`NumberDelegate` edits a cell as text, :class:`CompactHeader` draws the
columns' compact labels, and :class:`GridTable` is the QTableView that frames
its selection and keeps Copy / Paste / Delete for the grid;
:class:`~lossgui.qt.grid.GridView` puts them together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from lossgui.qt.grid_model import FULL_TEXT_ROLE, GridModel

if TYPE_CHECKING:
    from lossgui.qt.grid import GridView

__all__ = ["CompactHeader", "GridTable", "NumberDelegate"]

_INDEX = QModelIndex | QPersistentModelIndex


class NumberDelegate(QStyledItemDelegate):
    """Edits every cell as text, so nothing is rounded or clamped on the way in.

    Qt's default editor for a float is a QDoubleSpinBox with two decimals and a
    range of ±99.99: it would silently change what the user typed. The model
    parses the text and refuses it with a reason instead.
    """

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _INDEX) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setToolTip("Type a number; Enter to commit, Esc to cancel")
        view = self.parent()
        if isinstance(view, GridTable):
            editor.setPalette(view.editor_palette)
        return editor

    def setEditorData(self, editor: QWidget, index: _INDEX) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(FULL_TEXT_ROLE) or ""))
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: _INDEX) -> None:
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class CompactHeader(QHeaderView):
    """The grid's column header: draws and measures each column's compact label.

    The model's header text stays the full name ("target", "x0 (input1)"); the
    header draws :attr:`Column.compact` ("y", "x0 / in1") where a column has
    one, so that the computed columns fit a half-width grid. The header's
    tooltip (the model's) starts with the full name.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        # What QTableView gives its own header: click to select a column, the
        # current column's label in bold.
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def _compact(self, logical: int) -> str:
        model = self.model()
        if isinstance(model, GridModel) and 0 <= logical < model.columnCount():
            return model.column(logical).compact
        return ""

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logical: int) -> None:
        super().initStyleOptionForIndex(option, logical)
        compact = self._compact(logical)
        if compact:
            option.text = compact

    def sectionSizeFromContents(self, logical: int) -> QSize:
        compact = self._compact(logical)
        if not compact:
            return super().sectionSizeFromContents(logical)
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.section = logical
        font = self.model().headerData(logical, Qt.Orientation.Horizontal, Qt.ItemDataRole.FontRole)
        font = QFont(font if isinstance(font, QFont) else self.font())
        # Measured bold, as Qt measures every label: the current column's is drawn bold.
        font.setBold(True)
        option.fontMetrics = QFontMetrics(font)
        option.text = compact
        return self.style().sizeFromContents(
            QStyle.ContentsType.CT_HeaderSection, option, QSize(), self
        )


class GridTable(QTableView):
    """QTableView that keeps Copy / Paste / Delete for the grid, not the window.

    Selected cells keep their own colours and are framed, like a spreadsheet: a
    filled selection would hide the gradient colours (its blue reads as a
    gradient). Cells are painted by Qt's delegate from the model's colour and
    font roles; only the frames are drawn here, once per repaint rather than
    once per cell.
    """

    def __init__(self, owner: GridView) -> None:
        super().__init__(owner)
        self._owner = owner
        palette = self.palette()
        self._frame_pen = QPen(palette.color(QPalette.ColorRole.Highlight))
        self._frame_pen.setWidth(2)
        # Cells keep their colours when selected; the cell editor keeps the normal
        # palette so its own text selection stays visible.
        self.editor_palette = QPalette(palette)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Highlight, QColor(0, 0, 0, 0))
            text = palette.color(group, QPalette.ColorRole.Text)
            palette.setColor(group, QPalette.ColorRole.HighlightedText, text)
        self.setPalette(palette)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        selection = self.selectionModel()
        if selection is None or not selection.hasSelection():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self._frame_pen)
        exposed = event.rect()
        for block in selection.selection():
            rect = self.visualRect(block.topLeft()) | self.visualRect(block.bottomRight())
            if rect.intersects(exposed):
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.end()

    def event(self, event: QEvent) -> bool:
        # Claim Ctrl+C / Ctrl+V before a window-wide shortcut with the same keys does.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if self._is_grid_key(event):
                event.accept()
                return True
        return super().event(event)

    @staticmethod
    def _is_grid_key(event: QKeyEvent) -> bool:
        return (
            event.matches(QKeySequence.StandardKey.Copy)
            or event.matches(QKeySequence.StandardKey.Paste)
            or event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.state() == QAbstractItemView.State.EditingState:
            super().keyPressEvent(event)
        elif event.matches(QKeySequence.StandardKey.Copy):
            self._owner.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self._owner.paste()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            # A cell cannot be empty; say so instead of silently doing nothing.
            self._owner.state.message.emit("Cells cannot be blank: type a number to replace it")
        else:
            super().keyPressEvent(event)
