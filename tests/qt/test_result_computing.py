"""The result view while a large batch is evaluated in the worker: the old value is marked."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from lossgui.document_convert import default_document
from lossgui.qt.result_view import ResultView, format_value
from lossgui.qt.state import AppState


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Holds every worker evaluation until the test sets the event."""
    release = threading.Event()
    real = AppState.compute_evaluation

    def held(document):
        assert release.wait(30), "the test never released the worker"
        return real(document)

    import lossgui.qt.state as state_module

    monkeypatch.setattr(state_module, "_compute_in_worker", held)
    yield release
    release.set()


def _view(qtbot, state: AppState) -> ResultView:
    view = ResultView(state)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def _value_colour(view: ResultView) -> str:
    return view.value_label.styleSheet()


def test_the_previous_value_is_marked_while_the_new_one_is_computed(qtbot, gate):
    doc = default_document()
    expected = AppState.compute_evaluation(doc).value
    state = AppState(replace(doc, expected=expected))
    view = _view(qtbot, state)
    old_text = view.value_label.text()
    assert view.stale_label.isHidden() and not view.expected_label.isHidden()
    state.async_elements = 1  # every Document is evaluated in the worker
    # Another preset (an edit would drop the expected value): its own PyTorch value.
    other = doc.with_cell(0, 0, 7.0)
    other = replace(other, expected=AppState.compute_evaluation(other).value)
    assert state.edit(lambda _d: other, "Load preset")
    assert state.computing
    # The old number stays readable, greyed, and says it is the previous one.
    assert view.value_label.text() == old_text
    assert not view.stale_label.isHidden()
    assert "computing" in view.stale_label.text() and "previous" in view.stale_label.text()
    assert "9a9a9a" in _value_colour(view)
    # The preset's check mark compared the previous value: hidden meanwhile.
    assert view.expected_label.isHidden()
    gate.set()
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    fresh = AppState.compute_evaluation(state.document)
    assert view.value_label.text() == format_value(fresh.value, fresh.returned.dtype)
    assert view.value_label.text() != old_text
    assert view.stale_label.isHidden()
    assert "palette(text)" in _value_colour(view)
    assert not view.expected_label.isHidden()


def test_an_error_of_the_previous_numbers_says_so_while_computing(qtbot, gate):
    state = AppState()
    view = _view(qtbot, state)
    assert int(state.document.target[2]) == 2
    assert state.edit(lambda d: d.with_shape(4, 2), "two classes")  # target 2 is out of range
    assert state.error is not None and not view.banner.isHidden()
    assert view.stale_label.text().startswith("stale")
    state.async_elements = 1
    assert state.edit(lambda d: d.with_target(2, 1), "target 1")
    assert state.computing
    assert "previous numbers" in view.banner.text()
    assert "computing" in view.stale_label.text()
    gate.set()
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    # The fix was valid: no error, no note, the new value.
    assert view.banner.isHidden() and view.stale_label.isHidden()
    assert view.value_label.text() == format_value(
        state.evaluation.value, state.evaluation.returned.dtype
    )


def test_grid_computed_columns_wait_for_the_new_numbers(qtbot, gate):
    from PySide6.QtCore import Qt

    from lossgui.document import Document
    from lossgui.qt.grid import GridView

    state = AppState()  # 4 rows
    grid = GridView(state)
    qtbot.addWidget(grid)
    grid.resize(700, 300)
    grid.show()
    qtbot.waitExposed(grid)
    model = grid.model
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((2, 5, 40, 40)).astype(np.float32)
    bigger = Document("cross_entropy", logits, rng.integers(0, 5, (2, 40, 40)))
    state.async_elements = 1
    errors: list[str] = []
    state.message.connect(errors.append)
    # The grid resets and measures its columns while the evaluation is of the 4-row batch.
    assert state.edit(lambda _d: bigger, "Open")
    assert state.computing
    loss = model.column_of("loss")
    for row in (0, 3, 4, 3199):
        index = model.index(row, loss)
        assert model.data(index, Qt.ItemDataRole.DisplayRole) == "…"
        assert "computing" in model.data(index, Qt.ItemDataRole.ToolTipRole)
        logit_tip = model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
        assert "∂loss" not in logit_tip  # no gradient of other numbers
    assert not any("Internal error" in m for m in errors)
    gate.set()
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    fresh = AppState.compute_evaluation(state.document)
    shown = model.data(model.index(3199, loss), Qt.ItemDataRole.DisplayRole)
    assert shown == f"{float(fresh.row_loss[3199]):.6g}"


def test_the_loss_curve_waits_for_the_new_evaluation_and_says_so(qtbot, gate):
    """Its batch curve starts from state.evaluation: it must not pair old and new."""
    from lossgui.qt.panels.loss_curve import LossCurvePanel
    from lossgui.qt.panels.numerics import NumericsPanel

    state = AppState(default_document())
    curve = LossCurvePanel(state)
    numerics = NumericsPanel(state)  # drawn from the Document alone: stays live
    for panel in (curve, numerics):
        qtbot.addWidget(panel)
        panel.show()
    drawn = curve.batch_curve.getData()[1].copy()
    state.async_elements = 1
    assert state.edit(lambda d: d.with_cell(1, 0, 5.0), "Edit another row")
    assert state.computing
    assert "computing" in curve.stale_label.text() and not curve.stale_label.isHidden()
    np.testing.assert_array_equal(curve.batch_curve.getData()[1], drawn)
    assert numerics.stale_label.isHidden()
    gate.set()
    qtbot.waitUntil(lambda: not state.computing, timeout=10_000)
    qtbot.waitUntil(lambda: curve.stale_label.isHidden(), timeout=5_000)
    assert not np.array_equal(curve.batch_curve.getData()[1], drawn)
