"""The grid at a 1440 x 900 window: every column, loss and share included, shows unclipped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QStyleOptionHeader

from lossgui.presets_doc import preset_document
from lossgui.qt.grid import GridView
from lossgui.qt.main_window import MainWindow
from lossgui.qt.state import AppState

HORIZONTAL = Qt.Orientation.Horizontal
# The cell's text margin (3 px a side) and the grid line: text wider than this is elided.
CELL_PADDING = 7

# Spatial batches (long row labels), the widest target forms, and a big grid.
PRESETS = [
    "segmentation-ignore-255",
    "segmentation-2x2",
    "ce-kdim-class-weights",
    "cosine-embedding",
    "multilabel-good-prediction",
    "focal-easy-vs-hard",
    "imbalance-99-percent",
    "kl-div-batchmean",
]


def open_window(qtbot, preset: str) -> MainWindow:
    window = MainWindow(
        AppState(preset_document(preset)), restore=False, settings=None, with_session=False
    )
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    for _ in range(3):
        QApplication.processEvents()
    return window


@pytest.mark.parametrize("preset", PRESETS)
def test_loss_and_share_show_without_scrolling_at_1440x900(qtbot, preset: str) -> None:
    window = open_window(qtbot, preset)
    view = window.grid.view
    header = view.horizontalHeader()
    share = window.grid.model.column_of("share")
    loss = window.grid.model.column_of("loss")
    assert share == header.count() - 1 and loss == share - 1
    right = header.sectionViewportPosition(share) + header.sectionSize(share)
    assert header.sectionViewportPosition(0) == 0
    assert right <= view.viewport().width(), (preset, right, view.viewport().width())
    assert view.horizontalScrollBar().maximum() == 0


@pytest.mark.parametrize("preset", ["segmentation-ignore-255", "imbalance-99-percent"])
def test_shown_numbers_are_not_elided(qtbot, preset: str) -> None:
    """Every cell on screen (a big grid: its first rows) fits its column's width."""
    window = open_window(qtbot, preset)
    view, model = window.grid.view, window.grid.model
    metrics = view.fontMetrics()
    for row in range(min(model.rowCount(), 30)):
        for col in range(model.columnCount()):
            text = model.data(model.index(row, col))
            width = view.columnWidth(col)
            assert metrics.horizontalAdvance(text) + CELL_PADDING <= width, (row, col, text)


def _drawn_label(header, section: int) -> str:
    option = QStyleOptionHeader()
    header.initStyleOption(option)
    header.initStyleOptionForIndex(option, section)
    return option.text


def test_header_draws_compact_labels_that_fit(qtbot) -> None:
    window = open_window(qtbot, "segmentation-ignore-255")
    header, model = window.grid.view.horizontalHeader(), window.grid.model
    # The model keeps the full names (cell tooltips say "target, row ..."); the
    # header draws the compact ones and its tooltip starts with the full name.
    drawn = [_drawn_label(header, c) for c in range(model.columnCount())]
    assert drawn == ["x0", "x1", "x2", "y", "p(y)", "loss", "share"]
    assert model.headerData(3, HORIZONTAL) == "target"
    assert model.headerData(3, HORIZONTAL, Qt.ItemDataRole.ToolTipRole).startswith("target y")
    assert model.headerData(4, HORIZONTAL, Qt.ItemDataRole.ToolTipRole).startswith("p(target)")
    for section, label in enumerate(drawn):
        font = QFont(header.font())
        font.setBold(True)  # the current column's label is drawn bold
        width = QFontMetrics(font).horizontalAdvance(label)
        assert width + 4 <= header.sectionSize(section), label


def test_cosine_headers_take_two_lines_and_fit(qtbot, qapp) -> None:
    state = AppState(preset_document("cosine-embedding"))
    grid = GridView(state)
    qtbot.addWidget(grid)
    grid.show()
    header = grid.view.horizontalHeader()
    assert _drawn_label(header, 0) == "x0\nin1"
    assert _drawn_label(header, 3) == "x0\nin2"
    assert _drawn_label(header, 6) == "y\n±1"
    line = header.fontMetrics().lineSpacing()
    assert header.height() >= 2 * line
    font = QFont(header.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    for section in range(header.count()):
        widest = max(
            metrics.horizontalAdvance(part) for part in _drawn_label(header, section).split("\n")
        )
        assert widest + 4 <= header.sectionSize(section)
