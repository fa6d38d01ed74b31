"""The result's check mark against PyTorch's value, and resizing batches bigger than the grid."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from lossgui.core.presets import PRESETS
from lossgui.document import MAX_ROWS, Document
from lossgui.document_convert import default_document
from lossgui.presets_doc import preset_document
from lossgui.qt.controls import ControlsPanel
from lossgui.qt.result_view import ResultView, compare_to_expected, format_value
from lossgui.qt.state import AppState


def result_for(qtbot, doc: Document) -> ResultView:
    view = ResultView(AppState(doc))
    qtbot.addWidget(view)
    return view


# ------------------------------------------------------------------ check mark
@pytest.mark.parametrize("name", list(PRESETS))
def test_no_preset_shows_a_red_cross(qtbot, name: str) -> None:
    view = result_for(qtbot, preset_document(name))
    text = view.expected_label.text()
    assert text.startswith("PyTorch gives")
    assert "✗" not in text, text


def test_an_edited_preset_no_longer_claims_pytorchs_value(qtbot) -> None:
    """PyTorch's value is the preset's: after an edit it is hidden, not shown as a mismatch."""
    view = result_for(qtbot, preset_document("segmentation-2x2"))
    state = view.state
    assert "✓" in view.expected_label.text() and not view.expected_label.isHidden()
    edits = [
        lambda d: d.with_cell(0, 0, 1.6),
        lambda d: d.with_option("reduction", "sum"),
        lambda d: d.with_dtype("float64"),
    ]
    for build in edits:
        assert state.edit(build, "edit")
        assert state.document.expected is None
        assert view.expected_label.isHidden()
        assert "✗" not in view.expected_label.text() or view.expected_label.isHidden()
    for _ in edits:
        state.undo_stack.undo()
    assert state.document.expected is not None  # the preset itself again
    assert "✓" in view.expected_label.text() and not view.expected_label.isHidden()


def test_one_float32_unit_apart_is_a_check_with_the_distance_in_ulps(qtbot) -> None:
    view = result_for(qtbot, preset_document("imbalance-99-percent"))
    assert "✓" in view.expected_label.text()
    assert "2 float32 ulps" in view.expected_label.text()
    # The big number stays ours, exactly, not PyTorch's.
    value = view.state.evaluation.value
    assert view.value_label.text() == format_value(value, "float32")
    assert np.float32(value) != np.float32(view.state.document.expected)


def test_an_exact_match_says_equal(qtbot) -> None:
    doc = default_document()
    value = AppState.compute_evaluation(doc).value
    view = result_for(qtbot, replace(doc, expected=value))
    assert "✓ (equal in float32)" in view.expected_label.text()


def test_nan_equals_nan(qtbot) -> None:
    view = result_for(qtbot, preset_document("ce-all-ignored"))
    assert view.value_label.text() == "nan"
    assert "✓" in view.expected_label.text()


def test_a_real_difference_is_a_cross_with_its_size(qtbot) -> None:
    doc = default_document()
    value = AppState.compute_evaluation(doc).value
    view = result_for(qtbot, replace(doc, expected=value * 1.001))
    text = view.expected_label.text()
    assert "✗" in text and "differs by" in text and "ulps" in text


def test_compare_to_expected_counts_units_in_the_last_place() -> None:
    one = float(np.float32(1.0))
    next_up = float(np.nextafter(np.float32(1.0), np.float32(2.0)))
    assert compare_to_expected(one, one, "float32").verdict == "exact"
    near = compare_to_expected(next_up, one, "float32")
    assert (near.verdict, near.ulps) == ("ulps", 1.0)
    far = compare_to_expected(1.001, one, "float32")
    assert far.verdict == "differs" and far.ulps > 1000
    # float64 counts float64 units: a float32 unit is far more than four of them.
    assert compare_to_expected(next_up, one, "float64").verdict == "differs"
    assert compare_to_expected(math.nan, math.nan, "float32").verdict == "exact"
    assert compare_to_expected(math.nan, 1.0, "float32").verdict == "differs"
    # A small result of a cancelling sum: within float32 rounding of the terms' scale.
    small = 0.005986131727695465
    assert compare_to_expected(small * (1 + 1.2e-6), small, "float32", 2.4).verdict == "rounding"


# --------------------------------------------------------------- batch shape
@pytest.fixture
def big(qtbot):
    state = AppState(preset_document("imbalance-99-percent"))
    panel = ControlsPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    return state, panel


def test_the_rows_box_shows_a_batch_larger_than_the_grid_limit(big) -> None:
    state, panel = big
    assert state.document.logits.shape == (1010, 2) and 1010 > MAX_ROWS
    assert panel.rows_spin.value() == 1010
    assert panel.rows_spin.maximum() == 1010
    assert "can keep its size or shrink" in panel.rows_spin.toolTip()


def test_changing_classes_keeps_every_row_in_one_undo_step(big, qtbot) -> None:
    state, panel = big
    before = state.document
    with qtbot.waitSignal(state.changed):
        panel.classes_spin.setValue(3)
    assert state.document.logits.shape == (1010, 3)
    np.testing.assert_array_equal(state.document.target, before.target)
    np.testing.assert_array_equal(state.document.logits[:, :2], before.logits)
    assert state.undo_stack.count() == 1
    assert panel.rows_spin.value() == 1010
    state.undo_stack.undo()
    assert state.document.logits.shape == (1010, 2)
    assert panel.classes_spin.value() == 2


def test_shrinking_a_big_batch_says_what_it_dropped(big, qtbot) -> None:
    state, panel = big
    with qtbot.waitSignal(state.message) as said:
        panel.rows_spin.setValue(1000)
    assert state.document.logits.shape == (1000, 2)
    assert "dropped rows 1000–1009" in said.args[0]
    state.undo_stack.undo()
    assert state.document.logits.shape == (1010, 2)


def test_growing_a_big_batch_is_refused_with_a_reason(big, qtbot) -> None:
    state, _panel = big
    with qtbot.waitSignal(state.message) as said:
        assert not state.edit(lambda d: d.with_shape(1020, 2), "grow")
    assert "can only shrink" in said.args[0]
    assert state.document.logits.shape == (1010, 2)
    assert state.undo_stack.count() == 0


def test_a_small_batch_still_stops_at_the_grid_limit(qtbot) -> None:
    state = AppState()
    panel = ControlsPanel(state)
    qtbot.addWidget(panel)
    assert panel.rows_spin.maximum() == MAX_ROWS
    assert not state.edit(lambda d: d.with_shape(MAX_ROWS + 1, 3), "grow")
    assert state.document.logits.shape == (4, 3)
