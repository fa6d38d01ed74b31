"""The plain cell delegate paints the pixels Qt's delegate paints."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QWidget

from lossgui.document_convert import default_document, randomized, resize
from lossgui.qt.pipeline import PipelineView
from lossgui.qt.plain_cell_delegate import PlainCellDelegate
from lossgui.qt.state import AppState


@pytest.fixture
def view(qtbot) -> PipelineView:
    doc = randomized(resize(default_document(), 8, 6), np.random.default_rng(5))
    pipeline = PipelineView(AppState(doc))
    qtbot.addWidget(pipeline)
    pipeline.resize(1000, 360)
    pipeline.show()
    qtbot.waitExposed(pipeline)
    return pipeline


def _pixels(view: PipelineView, delegate: QStyledItemDelegate) -> np.ndarray:
    view.table.setItemDelegate(delegate)
    QApplication.processEvents()
    image = view.table.viewport().grab().toImage()  # kept: the array is a view of it
    return pg.imageToArray(image).copy()


def _same_as_qt(view: PipelineView) -> bool:
    ours = view.table.itemDelegate()
    assert isinstance(ours, PlainCellDelegate)
    fast = _pixels(view, ours)
    qt = _pixels(view, QStyledItemDelegate(view.table))
    view.table.setItemDelegate(ours)
    return bool(np.array_equal(fast, qt))


def test_the_table_paints_its_numbers_with_the_plain_cell_delegate(view):
    model = view.model
    plain = [
        (r, c)
        for r in range(model.rowCount())
        for c in range(model.columnCount())
        if model.plain_text(r, c) is not None
    ]
    # Every class column of every per-class step, and nothing else.
    vectors = [r for r in range(model.rowCount()) if not model.is_scalar(r)]
    classes = [c for c, column in enumerate(model.columns) if column.kind == "class"]
    assert plain == [(r, c) for r in vectors for c in classes]
    assert model.plain_text(0, 0) is None  # the step's name is Qt's to paint


def test_number_cells_look_as_qt_paints_them(view):
    assert _same_as_qt(view)  # shading of the target class and of alternate rows


def test_selected_and_current_cells_look_as_qt_paints_them(view):
    selection = view.table.selectionModel()
    for row, col in ((0, 2), (1, 3), (2, 1)):
        selection.select(view.model.index(row, col), QItemSelectionModel.SelectionFlag.Select)
    view.table.setFocus()
    selection.setCurrentIndex(view.model.index(1, 3), QItemSelectionModel.SelectionFlag.NoUpdate)
    assert _same_as_qt(view)


def test_a_disabled_table_looks_as_qt_paints_it(view):
    view.table.setEnabled(False)  # other text colours: the delegate reads them again
    assert _same_as_qt(view)


def test_an_inactive_window_looks_as_qt_paints_it(view, qtbot):
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    QApplication.processEvents()
    view.table.selectionModel().select(
        view.model.index(0, 2), QItemSelectionModel.SelectionFlag.Select
    )
    assert _same_as_qt(view)


def test_a_number_too_wide_for_its_column_is_elided_as_qt_does(view):
    view.table.setColumnWidth(2, 30)
    assert _same_as_qt(view)



def test_a_proportional_font_looks_as_qt_paints_it(view):
    view.table.setFont(QApplication.font())  # measured per text; another line box
    assert _same_as_qt(view)
