"""The per-sample table: worst-first sorting, selection both ways, histogram and class totals."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

import lossgui.core.evaluate as evaluate_module
import lossgui.qt.sample_table as sample_table
import lossgui.qt.sample_table_model as table_model
from lossgui.document import Document
from lossgui.qt.sample_table import SampleTable
from lossgui.qt.sample_table_model import (
    LOSS,
    P_TARGET,
    PREDICTED,
    SAMPLE,
    TARGET,
    SampleTableModel,
)
from lossgui.qt.state import AppState

RNG = np.random.default_rng(5)


def _document(rows: int = 300, classes: int = 6) -> Document:
    target = RNG.integers(0, classes, rows)
    target[::10] = -100
    logits = RNG.normal(size=(rows, classes)) * 2
    return Document(loss="cross_entropy", logits=logits, target=target, title="val")


@pytest.fixture
def table(qapp, qtbot) -> SampleTable:
    widget = SampleTable(AppState(_document()))
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitUntil(lambda: not widget.model.background.busy())
    return widget


def _column(table: SampleTable, column: int, rows: int) -> list[float]:
    model = table.model
    return [model.data(model.index(r, column), Qt.ItemDataRole.UserRole) for r in range(rows)]


def test_model_passes_qtmodeltester(qtmodeltester, qapp) -> None:
    state = AppState(_document(40, 3))
    model = SampleTableModel()
    model.set_source(state.document, state.evaluation)
    qtmodeltester.check(model, force_py=True)


def test_rows_are_sorted_worst_first(table: SampleTable) -> None:
    ev = table.state.evaluation
    assert table.model.rowCount() == 300
    losses = _column(table, LOSS, 300)
    assert losses[0] == pytest.approx(float(ev.row_loss.max()))
    assert losses == sorted(losses, reverse=True)
    shown = table.model.data(table.model.index(0, SAMPLE))
    assert shown == str(int(np.argmax(ev.row_loss)))


def test_header_click_sorts_by_that_column(table: SampleTable, qtbot) -> None:
    table.table.sortByColumn(SAMPLE, Qt.SortOrder.AscendingOrder)
    assert _column(table, SAMPLE, 5) == [0, 1, 2, 3, 4]
    table.table.sortByColumn(P_TARGET, Qt.SortOrder.AscendingOrder)
    probs = _column(table, P_TARGET, 300)
    finite = [p for p in probs if not np.isnan(p)]
    assert finite == sorted(finite)
    # Ignored samples have no p(target): they come last, not first.
    assert all(np.isnan(p) for p in probs[len(finite) :])
    qtbot.mouseClick(table.worst_button, Qt.MouseButton.LeftButton)
    assert _column(table, LOSS, 1)[0] == pytest.approx(float(table.state.evaluation.row_loss.max()))


def test_ignored_samples_say_so(table: SampleTable) -> None:
    table.table.sortByColumn(SAMPLE, Qt.SortOrder.AscendingOrder)
    assert table.model.data(table.model.index(0, TARGET)) == "ignored (-100)"
    second = table.model.data(table.model.index(1, TARGET))
    assert second == str(int(table.state.document.target[1]))


def test_clicking_a_row_selects_that_sample_everywhere(table: SampleTable, qtbot) -> None:
    view_row = 7
    sample = table.model.source_row(view_row)
    rect = table.table.visualRect(table.model.index(view_row, LOSS))
    qtbot.mouseClick(table.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert table.state.selection[0] == sample
    loss = float(table.state.evaluation.row_loss[sample])
    assert table.selected_line.value() == pytest.approx(loss)


def test_selection_elsewhere_moves_the_table(table: SampleTable) -> None:
    table.state.select(123, 2)
    assert table.model.source_row(table.table.currentIndex().row()) == 123
    assert table.state.selection == (123, 2)


def test_histogram_and_class_totals_match_the_evaluation(table: SampleTable) -> None:
    ev, doc = table.state.evaluation, table.state.document
    _x, counts = table.histogram.getData()
    assert counts.sum() == np.count_nonzero(~ev.ignored)
    stats = table.stats
    valid = doc.target >= 0
    expected = np.bincount(doc.target[valid], weights=ev.row_loss[valid], minlength=6)
    np.testing.assert_allclose(stats.class_totals, expected)
    np.testing.assert_array_equal(stats.class_counts, np.bincount(doc.target[valid], minlength=6))
    assert "30 ignored" in table.summary_label.text()
    # The class axis is labelled with the classes themselves.
    ticks = table.class_plot.getPlotItem().getAxis("bottom")._tickLevels
    assert ticks is not None and [label for _x, label in ticks[0]] == [str(c) for c in range(6)]


def test_select_worst_of_class(table: SampleTable) -> None:
    ev, doc = table.state.evaluation, table.state.document
    assert table.select_worst_of_class(2)
    mine = np.where(doc.target == 2, ev.row_loss, -np.inf)
    assert table.state.selection[0] == int(np.argmax(mine))
    assert "class 2:" in table.class_label.text()


def test_large_tables_sort_in_the_background(qapp, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(table_model, "SYNC_SORT_ROWS", 50)
    monkeypatch.setattr(sample_table, "SYNC_SORT_ROWS", 50)
    widget = SampleTable(AppState(_document(2000, 4)))
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: not widget.model.background.busy())
    losses = _column(widget, LOSS, 2000)
    assert losses == sorted(losses, reverse=True)
    assert widget.stats is not None and widget.stats.worst == widget.model.source_row(0)


def test_a_rejected_document_keeps_the_last_valid_rows(table: SampleTable) -> None:
    before = table.model.evaluation
    assert table.state.edit(lambda d: d.with_option("label_smoothing", 0.5), "smooth")
    assert table.model.evaluation is table.state.evaluation is not before
    table.state.edit(lambda d: d.with_shape(300, 2), "shrink")
    # Targets up to 5 no longer fit 2 classes: PyTorch refuses, the table keeps its rows.
    assert table.state.error is not None
    assert table.model.rowCount() == 300
    assert table.stale_label.isVisible()


def test_a_large_batch_shows_predictions_without_its_probabilities(
    qapp, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr(evaluate_module, "LARGE_INPUT", 10)  # the lean evaluation
    doc = _document(200, 5)
    widget = SampleTable(AppState(doc))
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: not widget.model.background.busy())
    expected = np.argmax(doc.logits, axis=1)
    model = widget.model
    for view_row in (0, 7, 199):
        row = model.source_row(view_row)
        assert model.data(model.index(view_row, PREDICTED)) == str(expected[row])
    widget.table.sortByColumn(PREDICTED, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not widget.model.background.busy())
    assert _column(widget, PREDICTED, 200) == sorted(expected.tolist())


def test_the_table_says_when_a_large_batch_is_being_recomputed(table: SampleTable, qtbot) -> None:
    state = table.state
    state.async_elements = 1
    before = table.model.evaluation
    assert state.edit(lambda d: d.with_cell(3, 1, 12.0), "Edit")
    assert "Computing" in table.busy_label.text()
    assert table.model.evaluation is before  # the last rows stay meanwhile
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    qtbot.waitUntil(lambda: not table.model.background.busy())
    assert table.model.evaluation is state.evaluation is not before
    assert table.busy_label.text() == ""


def test_an_infinite_loss_is_not_marked_on_the_histogram(qapp, qtbot) -> None:
    logits = np.array([[-3.4e38, 3.4e38], [0.5, -0.5], [1.0, 2.0]], dtype=np.float32)
    doc = Document(loss="cross_entropy", logits=logits, target=np.array([0, 1, 1]))
    widget = SampleTable(AppState(doc))
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    state = widget.state
    assert np.isinf(state.evaluation.row_loss[0])
    state.select(0, 0)
    # The marker would sit at infinity, which breaks the plot's range: it is hidden.
    assert not widget.selected_line.isVisible()
    assert not widget.grab().isNull()
    state.select(1, 0)
    assert widget.selected_line.isVisible()
    assert widget.selected_line.value() == pytest.approx(float(state.evaluation.row_loss[1]))


def test_an_edit_keeps_the_table_scrolled_and_sorted(table: SampleTable, qtbot) -> None:
    """Editing a number updates the rows in place: no reset, the reader keeps their place."""
    resets = []
    table.model.modelReset.connect(lambda: resets.append(True))
    bar = table.table.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    scrolled = bar.value()
    state = table.state
    ev = state.evaluation
    row = int(np.argmin(np.where(ev.ignored, np.inf, ev.row_loss)))  # a counted row
    view_row = table.model.view_row(row)
    wrong = (int(state.document.target[row]) + 1) % state.document.classes
    state.edit(lambda d: d.with_cell(row, wrong, 40.0), "make a sample the worst")
    # At once: the row shows its new loss where it was (rows do not jump while editing)
    # and the reader keeps their place.
    assert table.model.view_row(row) == view_row
    shown = table.model.data(table.model.index(view_row, LOSS), Qt.ItemDataRole.UserRole)
    assert shown == pytest.approx(float(state.evaluation.row_loss[row]))
    assert bar.value() == scrolled
    # Once the edits pause, the rows are in order again, without a reset.
    qtbot.waitUntil(lambda: not table.model.is_sorting())
    assert not resets
    losses = _column(table, LOSS, 300)
    assert losses[0] == pytest.approx(float(state.evaluation.row_loss.max()))
    assert losses == sorted(losses, key=lambda v: -v if np.isfinite(v) else np.inf)
    assert table.model.view_row(row) == 0
    # The selected sample is still the current row (rows moved under it).
    selected = table.model.view_row(state.selection[0])
    assert table.table.currentIndex().row() == selected


def test_the_class_bars_follow_every_new_batch(table: SampleTable) -> None:
    # Each new batch brings new per-class totals; the bars must show them, never an
    # earlier batch's (a freed statistics object's id may be reused by the next).
    state = table.state
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        doc = state.document
        logits = rng.normal(size=doc.logits.shape) * (1 + seed)
        state.edit(lambda d, x=logits: d.with_cells(0, 0, x), "new numbers")
        totals = table.stats.class_totals
        np.testing.assert_array_equal(table.class_bars.opts["height"], totals)
        # The rectangles drawn, not only the options: tops at the totals, bases at 0.
        rects = table.class_bars._rectarray.ndarray()
        np.testing.assert_allclose(rects[:, 1] + rects[:, 3], np.maximum(totals, 0))


def test_counts_of_one_are_singular(qapp, qtbot) -> None:
    doc = Document(
        loss="cross_entropy", logits=np.array([[2.0, 0.0], [0.0, 1.0]]), target=np.array([0, 1])
    )
    widget = SampleTable(AppState(doc))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.stats is not None)
    assert widget.summary_label.text().startswith("2 samples ·")
    assert widget.select_worst_of_class(1)
    assert "class 1: 1 sample," in widget.class_label.text()
