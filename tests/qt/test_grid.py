"""The batch grid: edits, refusals with reasons, undo, paste, copy, computed columns."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QLineEdit

from lossgui.document import Document
from lossgui.document_convert import default_document
from lossgui.qt.grid import GridView
from lossgui.qt.state import AppState

DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
TIP = Qt.ItemDataRole.ToolTipRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole


@pytest.fixture
def state(qapp):
    return AppState()


@pytest.fixture
def grid(state, qtbot):
    view = GridView(state)
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def headers(model):
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_model_passes_qt_model_tester(state, qtmodeltester):
    from lossgui.qt.grid import GridModel

    model = GridModel(state)
    qtmodeltester.check(model)
    state.edit(lambda d: d.with_loss("cross_entropy", "probability"), "soft")
    qtmodeltester.check(model)
    state.edit(lambda d: d.with_shape(7, 5), "resize")
    qtmodeltester.check(model)
    state.edit(lambda d: d.with_loss("cosine_embedding_loss"), "cosine")
    qtmodeltester.check(model)


def test_spatial_batch_rows_are_positions(qapp, qtmodeltester):
    from lossgui.qt.grid import GridModel

    logits = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    doc = Document(loss="cross_entropy", logits=logits, target=np.zeros((2, 2, 2), dtype=int))
    state = AppState(doc)
    model = GridModel(state)
    qtmodeltester.check(model)
    assert model.rowCount() == 8
    assert model.headerData(5, Qt.Orientation.Vertical) == "n=1 (0, 1)"
    # Grid row 5 is sample 1, position (0, 1): its class-2 logit is logits[1, 2, 0, 1].
    assert model.data(model.index(5, 2), EDIT) == logits[1, 2, 0, 1]
    assert model.setData(model.index(5, 2), "-7", EDIT)
    assert state.document.logits[1, 2, 0, 1] == -7.0


def test_columns_follow_the_target_form(grid, state):
    model = grid.model
    assert headers(model) == ["x0", "x1", "x2", "target", "p(target)", "loss", "share"]
    state.edit(lambda d: d.with_loss("cross_entropy", "probability"), "soft")
    assert headers(model) == ["x0", "x1", "x2", "q0", "q1", "q2", "loss", "share"]
    state.edit(lambda d: d.with_loss("binary_cross_entropy_with_logits"), "bce")
    assert headers(model)[3:6] == ["y0", "y1", "y2"]
    state.edit(lambda d: d.with_loss("cosine_embedding_loss"), "cos")
    assert headers(model)[0] == "x0 (input1)"
    assert headers(model)[3] == "x0 (input2)"
    assert headers(model)[6] == "y (±1)"
    assert model.rowCount() == 4


def test_cells_show_the_document_numbers(grid, state):
    model = grid.model
    assert model.data(model.index(1, 1), DISPLAY) == "2.5"
    assert model.data(model.index(1, 1), EDIT) == 2.5
    assert model.data(model.index(3, 3), DISPLAY) == "1"
    assert "2.5" in model.data(model.index(1, 1), TIP)
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, 5)) & Qt.ItemFlag.ItemIsEditable


def test_computed_columns_equal_the_evaluation(grid, state):
    model = grid.model
    evaluation = state.evaluation
    for row in range(4):
        assert model.data(model.index(row, 4), EDIT) == evaluation.target_prob[row]
        assert model.data(model.index(row, 5), EDIT) == evaluation.row_loss[row]
        assert model.data(model.index(row, 6), EDIT) == evaluation.row_share[row]
        share = model.data(model.index(row, 6), DISPLAY)
        assert share == f"{100 * evaluation.row_share[row]:.2f} %"
    assert model.data(model.index(0, 5), DISPLAY) == f"{evaluation.row_loss[0]:.6g}"
    assert "Computed" in model.data(model.index(0, 5), TIP)
    assert model.data(model.index(0, 5), Qt.ItemDataRole.FontRole).italic()


def test_set_data_edits_the_document_and_refreshes_results(grid, state, qtbot):
    model = grid.model
    old_loss = model.data(model.index(0, 5), EDIT)
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(model.index(0, 0), "-3", EDIT)
    assert state.document.logits[0, 0] == -3.0
    assert model.data(model.index(0, 0), DISPLAY) == "-3"
    assert model.data(model.index(0, 5), EDIT) != old_loss
    assert model.setData(model.index(0, 3), "2", EDIT)
    assert state.document.target[0] == 2


@pytest.mark.parametrize(
    ("col", "text", "reason"),
    [(0, "abc", "not a number"), (0, "", "empty"), (1, "nan", "finite"), (3, "5", "out of range")],
)
def test_refused_input_keeps_value_and_explains(grid, state, qtbot, col, text, reason):
    model = grid.model
    before = state.document
    index = model.index(2, col)
    shown = model.data(index, DISPLAY)
    with qtbot.waitSignal(state.message) as status:
        assert not model.setData(index, text, EDIT)
    assert reason in status.args[0]
    assert state.document is before
    assert model.data(index, DISPLAY) == shown
    assert reason in model.data(index, TIP)
    assert state.undo_stack.count() == 0
    # The next accepted edit of that cell clears the refusal from its tooltip.
    assert model.setData(index, "1", EDIT)
    assert "refused" not in model.data(index, TIP).lower()


def test_typing_a_number_and_enter_edits_the_cell(grid, state, qtbot):
    table = grid.view
    index = grid.model.index(1, 2)
    table.setCurrentIndex(index)
    table.setFocus()
    qtbot.keyClicks(table, "7")
    editor = table.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    qtbot.keyClicks(editor, ".25")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits through a queued call: let the event loop deliver it.
    qtbot.waitUntil(lambda: state.undo_stack.count() > 0)
    assert state.document.logits[1, 2] == 7.25
    assert state.undo_stack.count() == 1


def test_typing_bad_text_keeps_the_value(grid, state, qtbot):
    table = grid.view
    index = grid.model.index(0, 1)
    table.setCurrentIndex(index)
    table.setFocus()
    qtbot.keyClicks(table, "x")
    editor = table.findChild(QLineEdit)
    with qtbot.waitSignal(state.message):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert state.document.logits[0, 1] == 1.0
    assert "not a number" in grid.model.data(index, TIP)


def test_undo_redo_of_a_cell_edit(grid, state):
    model = grid.model
    model.setData(model.index(2, 0), "9", EDIT)
    assert model.data(model.index(2, 0), DISPLAY) == "9"
    state.undo_stack.undo()
    assert model.data(model.index(2, 0), DISPLAY) == "1.2"
    state.undo_stack.redo()
    assert model.data(model.index(2, 0), DISPLAY) == "9"


def test_repeated_edits_of_one_cell_merge_into_one_undo_step(grid, state):
    model = grid.model
    for text in ("1", "2", "3"):
        assert model.setData(model.index(0, 0), text, EDIT)
    assert state.undo_stack.count() == 1
    model.setData(model.index(0, 1), "4", EDIT)
    assert state.undo_stack.count() == 2
    state.undo_stack.undo()
    state.undo_stack.undo()
    assert state.document.logits[0, 0] == 2.0


def test_paste_spreadsheet_block_is_one_undo_step(grid, state):
    grid.view.setCurrentIndex(grid.model.index(1, 1))
    assert grid.paste("7\t8\n9\t10\n")
    logits = state.document.logits
    assert logits[1:3, 1:3].tolist() == [[7.0, 8.0], [9.0, 10.0]]
    assert logits[0, 0] == 2.0
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert state.document.logits[1, 1] == 2.5


def test_paste_nested_tensor_text_at_origin(grid, state):
    grid.view.setCurrentIndex(grid.model.index(0, 0))
    text = "tensor([[ 0.5000, -1.0000,  2.0000],\n        [ 3.0000,  4.0000, -5.0000]])"
    assert grid.paste(text)
    assert state.document.logits[:2].tolist() == [[0.5, -1.0, 2.0], [3.0, 4.0, -5.0]]


def test_paste_from_clipboard_with_ctrl_v(grid, state, qtbot):
    QGuiApplication.clipboard().setText("[[11, 12]]")
    grid.view.setCurrentIndex(grid.model.index(3, 0))
    grid.view.setFocus()
    qtbot.keyClick(grid.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert state.document.logits[3, :2].tolist() == [11.0, 12.0]


def test_paste_refuses_bad_text_with_reason(grid, state, qtbot):
    before = state.document
    with qtbot.waitSignal(state.message) as status:
        assert not grid.paste("1 2\n3")
    assert "not rectangular" in status.args[0]
    assert not grid.paste("[[1, eval('x')]]")
    grid.view.setCurrentIndex(grid.model.index(0, 3))
    assert not grid.paste("1")
    assert state.document is before


def test_copy_selection_as_tab_separated_text(grid, state, qtbot):
    table = grid.view
    table.selectionModel().clearSelection()
    for row, col in ((0, 0), (0, 1), (1, 0), (1, 1)):
        table.selectionModel().select(
            grid.model.index(row, col), table.selectionModel().SelectionFlag.Select
        )
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "2.0\t1.0\n0.5\t2.5"
    # What was copied pastes back as the same numbers.
    table.setCurrentIndex(grid.model.index(2, 1))
    assert grid.paste(QGuiApplication.clipboard().text())
    assert state.document.logits[2:4, 1:3].tolist() == [[2.0, 1.0], [0.5, 2.5]]


def test_delete_key_does_not_blank_a_cell(grid, state, qtbot):
    grid.view.setCurrentIndex(grid.model.index(0, 0))
    grid.view.setFocus()
    with qtbot.waitSignal(state.message):
        qtbot.keyClick(grid.view, Qt.Key.Key_Delete)
    assert state.document.logits[0, 0] == 2.0
    assert state.undo_stack.count() == 0


def test_gradient_colouring_toggles(grid, state):
    model = grid.model
    index = model.index(0, 0)
    assert model.data(index, BACKGROUND) is None
    grid.set_gradient_colouring(True)
    assert grid.gradient_box.isChecked()
    colour = model.data(index, BACKGROUND)
    assert isinstance(colour, QColor)
    # Target logit of row 0: its gradient is negative (raising it lowers the loss): blue.
    assert state.evaluation.grad[0, 0] < 0
    assert colour.blue() > colour.red()
    wrong = model.data(model.index(3, 0), BACKGROUND)
    assert wrong.red() > wrong.blue()
    grid.gradient_box.setChecked(False)
    assert model.data(index, BACKGROUND) is None


def test_error_state_shows_dashes_in_computed_columns(grid, state):
    state.edit(lambda d: d.with_loss("binary_cross_entropy"), "bce")
    state.edit(lambda d: d.with_transform("none"), "as given")
    assert state.error is not None
    model = grid.model
    loss_col = headers(model).index("loss")
    assert model.data(model.index(0, loss_col), DISPLAY) == "—"
    assert "PyTorch would raise" in model.data(model.index(0, loss_col), TIP)
    assert model.data(model.index(0, 0), DISPLAY) == "2"


def test_ignored_rows_are_greyed(grid, state):
    model = grid.model
    assert model.setData(model.index(1, 3), "-100", EDIT)
    assert model.data(model.index(1, 4), DISPLAY) == "ignored"
    assert model.data(model.index(1, 0), BACKGROUND) is not None
    assert "ignored" in model.data(model.index(1, 0), TIP)
    assert model.data(model.index(0, 0), BACKGROUND) is None


def test_selection_follows_state_both_ways(grid, state):
    grid.view.setCurrentIndex(grid.model.index(2, 1))
    assert state.selection == (2, 1)
    state.select(3, 2)
    assert (grid.view.currentIndex().row(), grid.view.currentIndex().column()) == (3, 2)
    grid.view.setCurrentIndex(grid.model.index(1, 3))  # target column: row follows
    assert state.selection == (1, 2)


def test_probability_and_cosine_targets_edit_their_cells(grid, state):
    state.edit(lambda d: d.with_loss("cross_entropy", "probability"), "soft")
    model = grid.model
    assert model.setData(model.index(0, 4), "0.25", EDIT)
    assert state.document.target[0, 1] == 0.25
    state.edit(lambda d: d.with_loss("cosine_embedding_loss"), "cos")
    assert model.setData(model.index(0, 4), "6", EDIT)
    assert state.document.input2[0, 1] == 6.0
    assert model.setData(model.index(0, 6), "-1", EDIT)
    assert state.document.target[0] == -1
    assert model.data(model.index(0, 6), DISPLAY) == "-1"


def test_large_grid_reads_every_cell(qapp):
    rng = np.random.default_rng(0)
    doc = Document(
        loss="cross_entropy", logits=rng.normal(size=(512, 64)), target=rng.integers(0, 64, 512)
    )
    from lossgui.qt.grid import GridModel

    model = GridModel(AppState(doc))
    assert (model.rowCount(), model.columnCount()) == (512, 68)
    assert model.data(model.index(511, 63), EDIT) == doc.logits[511, 63]
    assert model.data(model.index(511, 66), EDIT) == AppState(doc).evaluation.row_loss[511]


def test_default_document_unchanged_by_grid(state, grid):
    assert np.array_equal(state.document.logits, default_document().logits)
