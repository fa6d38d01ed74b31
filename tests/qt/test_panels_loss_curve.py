"""Loss-vs-logit panel: it draws core's sweep of the selected cell, and a drag edits it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from lossgui.core.sweeps import loss_vs_logit, overlay_losses
from lossgui.qt.panels.loss_curve import POINTS, LossCurvePanel
from lossgui.qt.state import AppState
from tests.qt.panel_helpers import curve_xy, make, spatial_document


def expected_sweep(state, row, col, lo, hi):
    doc = state.document
    return loss_vs_logit(
        doc.loss,
        doc.logits,
        doc.target,
        doc.options,
        transform=doc.transform,
        dtype=doc.dtype,
        input2=doc.input2,
        row=row,
        col=col,
        values=np.linspace(lo, hi, POINTS),
    )


def test_loss_curve_draws_the_sweep_of_the_selected_cell(qtbot, state):
    state.select(2, 1)
    panel = make(qtbot, LossCurvePanel, state)
    value = state.document.grid_logits()[2, 1]
    sweep = expected_sweep(state, 2, 1, value - 6, value + 6)
    x, y = curve_xy(panel.sample_curve)
    np.testing.assert_allclose(x, sweep.values)
    np.testing.assert_allclose(y, sweep.sample_loss)
    np.testing.assert_allclose(curve_xy(panel.batch_curve)[1], sweep.batch_loss)
    np.testing.assert_allclose(curve_xy(panel.grad_curve)[1], sweep.grad)
    assert panel.value_line.value() == pytest.approx(value)
    # the batch curve passes through the loss the app shows
    i = int(np.argmin(np.abs(x - value)))
    assert y[i] >= 0
    assert np.interp(value, x, curve_xy(panel.batch_curve)[1]) == pytest.approx(
        state.evaluation.value, rel=1e-3
    )


def test_loss_curve_follows_the_selection(qtbot, state):
    panel = make(qtbot, LossCurvePanel, state)
    state.select(3, 2)
    value = state.document.grid_logits()[3, 2]
    sweep = expected_sweep(state, 3, 2, value - 6, value + 6)
    np.testing.assert_allclose(curve_xy(panel.sample_curve)[1], sweep.sample_loss)
    assert panel.value_line.value() == pytest.approx(value)
    assert panel.value_tag.value() == pytest.approx(value)
    assert panel.value_tag.label_text() == f"x = {value:.4g}"
    assert panel.title_label.text().startswith(f"x[3, 2] = {value:.6g}")
    # Plain text, as it is redrawn on every drag step (rich text is a text document).
    assert panel.title_label.textFormat() == Qt.TextFormat.PlainText


def test_dragging_the_line_edits_the_cell_as_one_undo_step(qtbot, state):
    state.select(1, 0)
    panel = make(qtbot, LossCurvePanel, state)
    before = state.document.grid_logits()[1, 0]
    steps = state.undo_stack.count()
    for v in (1.0, 1.5, 2.25):  # what a drag emits: position changes, then one finish
        panel.value_line.setValue(v)
    panel.value_line.sigPositionChangeFinished.emit(panel.value_line)
    assert state.document.grid_logits()[1, 0] == pytest.approx(2.25)
    assert state.undo_stack.count() == steps + 1
    # a second drag is a second step
    panel.value_line.setValue(-1.0)
    panel.value_line.sigPositionChangeFinished.emit(panel.value_line)
    assert state.undo_stack.count() == steps + 2
    state.undo_stack.undo()
    assert state.document.grid_logits()[1, 0] == pytest.approx(2.25)
    state.undo_stack.undo()
    assert state.document.grid_logits()[1, 0] == pytest.approx(before)
    assert panel.value_line.value() == pytest.approx(before)


def test_redrawing_does_not_edit_the_document(qtbot, state):
    panel = make(qtbot, LossCurvePanel, state)
    state.select(0, 2)
    state.select(3, 1)
    panel.refresh()
    assert state.undo_stack.count() == 0


def test_overlays_draw_other_losses_of_the_row(qtbot, state):
    state.select(0, 1)
    panel = make(qtbot, LossCurvePanel, state)
    panel.overlay_boxes["bce_after_sigmoid"].setChecked(True)
    curve = panel.overlay_curves["bce_after_sigmoid"]
    assert curve.scene() is not None
    value = state.document.grid_logits()[0, 1]
    xs = np.linspace(value - 6, value + 6, POINTS)
    expected = overlay_losses(state.document.grid_logits()[0], 0, 1, xs, dtype="float32")
    np.testing.assert_allclose(curve_xy(curve)[1], expected["bce_after_sigmoid"])
    panel.overlay_boxes["bce_after_sigmoid"].setChecked(False)
    assert curve.scene() is None


def test_loss_curve_range_follows_the_spin_box(qtbot, state):
    panel = make(qtbot, LossCurvePanel, state)
    panel.half_width.setValue(20)
    x, _ = curve_xy(panel.sample_curve)
    assert x[-1] - x[0] == pytest.approx(40)


def test_spatial_loss_curve_passes_through_the_batch_loss(qtbot, qapp):
    state = AppState(spatial_document())
    panel = make(qtbot, LossCurvePanel, state)
    state.select(613, 2)
    x, y = curve_xy(panel.batch_curve)
    value = state.document.grid_logits()[613, 2]
    assert np.interp(value, x, y) == pytest.approx(state.evaluation.value, rel=1e-4)


def test_bce_on_probabilities_sweeps_zero_to_one(qtbot, state):
    panel = make(qtbot, LossCurvePanel, state)
    state.select(0, 0)

    def to_probabilities(d):
        d = d.with_loss("binary_cross_entropy")
        grid = np.clip(np.abs(d.grid_logits()) / 4, 0.05, 0.95)
        return d.with_cells(0, 0, grid).with_transform("none")

    assert state.edit(to_probabilities, "probabilities")
    assert state.error is None
    x, _ = curve_xy(panel.sample_curve)
    assert 0 < x[0] and x[-1] < 1
    assert panel.stale_label.isHidden()
