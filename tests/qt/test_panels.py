"""Plot panels: what they draw equals what core computes, and they follow the state."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest

from lossgui.core.entropy import document_entropy_kl
from lossgui.core.imbalance import (
    class_balance,
    inverse_frequency,
    pos_weight_from_counts,
    sqrt_inverse_frequency,
)
from lossgui.core.imbalance_sweep import loss_vs_weight_ratio
from lossgui.core.sweeps import (
    loss_vs_logit,
    numerics,
    overlay_losses,
    sigmoid_vs_softmax,
)
from lossgui.document import Document
from lossgui.document_convert import default_document, randomized, resize
from lossgui.qt.panels.entropy_kl import MAX_BARS, EntropyKLPanel
from lossgui.qt.panels.imbalance import RATIOS, ImbalancePanel
from lossgui.qt.panels.loss_curve import POINTS, LossCurvePanel
from lossgui.qt.panels.numerics import DRAW_EVERY, NumericsPanel
from lossgui.qt.panels.sigmoid_softmax import ZERO_FLOOR, SigmoidSoftmaxPanel
from lossgui.qt.state import AppState

PANELS = (LossCurvePanel, SigmoidSoftmaxPanel, ImbalancePanel, NumericsPanel, EntropyKLPanel)


def big_document():
    return randomized(resize(default_document(), 64, 10), np.random.default_rng(5))


@pytest.fixture
def state(qapp):
    return AppState(default_document())


def make(qtbot, cls, state):
    panel = cls(state)
    qtbot.addWidget(panel)
    return panel


def curve_xy(curve):
    x, y = curve.getData()
    return np.asarray(x), np.asarray(y)


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


def break_document(state):
    """Give the state a Document PyTorch rejects (a target out of range)."""
    bad = replace(state.document, target=np.array([0, 1, 2, 7]))
    assert state.edit(lambda d: bad, "break")
    assert state.error is not None


# ------------------------------------------------------------------ loss curve
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
    assert "x[3, 2]" in panel.title_label.text()


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


# ---------------------------------------------------------- sigmoid vs softmax
def test_sigmoid_softmax_draws_core_values_for_the_row(qtbot, state):
    state.select(2, 0)
    panel = make(qtbot, SigmoidSoftmaxPanel, state)
    row = state.document.grid_logits()[2]
    sweep = sigmoid_vs_softmax((-20, 20), 401, b=row[1], dtype="float32")
    np.testing.assert_array_equal(curve_xy(panel.softmax_curve)[1], sweep.softmax_a)
    np.testing.assert_array_equal(curve_xy(panel.sigmoid_curve)[1], sweep.sigmoid)
    np.testing.assert_array_equal(curve_xy(panel.ce_curve)[1], sweep.cross_entropy)
    np.testing.assert_array_equal(curve_xy(panel.bce_curve)[1], sweep.bce_with_logits)
    drawn = panel.difference_curve.yData  # the data as given; getData() is log10 here
    np.testing.assert_array_equal(drawn, np.maximum(sweep.abs_difference, ZERO_FLOOR))
    assert panel.markers[0].value() == pytest.approx(row[0] - row[1], rel=1e-6)


def test_sigmoid_softmax_pair_selector(qtbot, state):
    state.select(1, 0)
    panel = make(qtbot, SigmoidSoftmaxPanel, state)
    assert panel.pair() == (0, 1)
    assert not panel.class_a.isHidden()
    panel.class_b.setValue(2)
    row = state.document.grid_logits()[1]
    assert panel.markers[1].value() == pytest.approx(row[0] - row[2], rel=1e-6)
    sweep = sigmoid_vs_softmax((-20, 20), 401, b=row[2], dtype="float32")
    np.testing.assert_array_equal(curve_xy(panel.softmax_curve)[1], sweep.softmax_a)


def test_two_classes_hide_the_pair_selector(qtbot, qapp):
    doc = replace(resize(default_document(), 4, 2), target=np.array([0, 1, 1, 0]))
    state = AppState(doc)
    panel = make(qtbot, SigmoidSoftmaxPanel, state)
    assert panel.class_a.isHidden()
    row = doc.grid_logits()[0]
    assert panel.markers[0].value() == pytest.approx(row[0] - row[1])


# ------------------------------------------------------------------- imbalance
def test_imbalance_bars_equal_core(qtbot, qapp):
    state = AppState(big_document())
    panel = make(qtbot, ImbalancePanel, state)
    doc = state.document
    balance = class_balance(
        doc.loss, doc.logits, doc.target, doc.options, transform=doc.transform, dtype=doc.dtype
    )
    np.testing.assert_array_equal(panel.count_bars.opts["height"], balance.counts)
    np.testing.assert_allclose(
        panel.loss_bars["weighted"].opts["height"], 100 * balance.share_weighted
    )
    np.testing.assert_allclose(
        panel.grad_bars["unweighted"].opts["height"], 100 * balance.grad_share_unweighted
    )
    sweep = loss_vs_weight_ratio(
        doc.loss,
        doc.logits,
        doc.target,
        doc.options,
        transform=doc.transform,
        dtype=doc.dtype,
        ratios=RATIOS,
    )
    np.testing.assert_allclose(panel.ratio_loss_curve.yData, sweep.loss)
    np.testing.assert_allclose(panel.ratio_share_curve.yData, 100 * sweep.minority_grad_share)
    assert str(balance.minority) in panel.info_label.text()


@pytest.mark.parametrize(
    ("key", "scheme"), [("inverse", inverse_frequency), ("sqrt", sqrt_inverse_frequency)]
)
def test_weight_buttons_push_one_undo_step(qtbot, qapp, key, scheme):
    state = AppState(big_document())
    panel = make(qtbot, ImbalancePanel, state)
    counts = np.bincount(state.document.target, minlength=10)
    with qtbot.waitSignal(state.changed):
        panel.buttons[key].click()
    assert state.undo_stack.count() == 1
    np.testing.assert_allclose(state.document.option("weight"), scheme(counts))
    assert panel.loss_bars["weighted"].opts["height"] is not None
    assert panel.buttons["clear"].isEnabled()
    panel.buttons["clear"].click()
    assert state.document.option("weight") is None
    assert state.undo_stack.count() == 2


def test_effective_number_uses_the_beta_box(qtbot, state):
    panel = make(qtbot, ImbalancePanel, state)
    panel.beta.setValue(0.5)
    panel.buttons["effective"].click()
    counts = np.array([1.0, 2.0, 1.0])
    raw = 0.5 / (1 - 0.5**counts)
    np.testing.assert_allclose(state.document.option("weight"), raw * 3 / raw.sum())


def test_pos_weight_button_only_for_bce_with_logits(qtbot, state):
    panel = make(qtbot, ImbalancePanel, state)
    assert not panel.buttons["pos_weight"].isEnabled()
    assert "pos_weight" in panel.buttons["pos_weight"].toolTip()
    state.edit(lambda d: d.with_loss("binary_cross_entropy_with_logits"), "switch")
    assert panel.buttons["pos_weight"].isEnabled()
    target = state.document.target
    steps = state.undo_stack.count()
    panel.buttons["pos_weight"].click()
    assert state.undo_stack.count() == steps + 1
    expected = pos_weight_from_counts((1 - target).sum(axis=0), target.sum(axis=0))
    np.testing.assert_allclose(state.document.option("pos_weight"), expected)


def test_focal_loss_disables_weight_buttons(qtbot, state):
    panel = make(qtbot, ImbalancePanel, state)
    state.edit(lambda d: d.with_loss("sigmoid_focal_loss"), "switch")
    assert not panel.buttons["inverse"].isEnabled()
    assert "no per-class weight" in panel.buttons["inverse"].toolTip()
    assert panel.ratio_loss_curve.yData is None or len(panel.ratio_loss_curve.yData) == 0


# -------------------------------------------------------------------- numerics
def test_numerics_draws_naive_and_stable_for_the_selected_class(qtbot, state):
    state.select(2, 2)
    panel = make(qtbot, NumericsPanel, state)
    row = state.document.grid_logits()[2]
    scales = np.geomspace(0.1 / 3.1, 2000 / 3.1, 400)
    sweep = numerics(row, "float32", scales)
    x, y = curve_xy(panel.curves[("log_softmax", "float32", "naive")])
    drawn = slice(None, None, DRAW_EVERY)  # the curves draw every other sweep point
    np.testing.assert_allclose(10**x, sweep.max_logit[drawn])  # log-x axis shows log10
    expected = sweep.curves["float32"].naive_log_softmax[drawn, 2]
    finite = np.isfinite(expected)
    np.testing.assert_allclose(y[finite], expected[finite])
    assert np.all(np.isnan(y[~finite]))
    stable = curve_xy(panel.curves[("softmax", "float64", "stable")])[1]
    np.testing.assert_allclose(stable, sweep.curves["float64"].stable_softmax[drawn, 2])
    line = panel.overflow_lines[("softmax", "float32")]
    assert line.isVisible() or not line.isHidden()
    assert 88 < 10 ** line.value() < 92
    assert "float32" in panel.table_label.text()


def test_numerics_csv_export_gives_the_scaled_logits_not_their_log(qtbot, state, tmp_path):
    from lossgui.qt.export import export_plot

    state.select(1, 0)
    panel = make(qtbot, NumericsPanel, state)
    row = state.document.grid_logits()[1]
    sweep = numerics(row, "float32", np.geomspace(0.1, 2000, 400) / np.max(np.abs(row)))
    out = export_plot(panel.plots[0], tmp_path / "numerics.csv")
    lines = out.read_text().splitlines()
    first_x = np.array([float(line.split(",")[0]) for line in lines[1:]])
    np.testing.assert_allclose(first_x, sweep.max_logit[::DRAW_EVERY], rtol=1e-9)


def test_numerics_table_is_plain_until_a_value_fails_then_marks_it(qtbot, state):
    from PySide6.QtCore import Qt

    state.select(0, 0)
    panel = make(qtbot, NumericsPanel, state)
    assert panel.table_label.textFormat() == Qt.TextFormat.PlainText
    assert "float32" in panel.table_label.text() and "nan" not in panel.table_label.text()
    state.edit(lambda d: d.with_cell(0, 0, 1000.0), "overflow float32 and float64")
    text = panel.table_label.text()
    assert panel.table_label.textFormat() == Qt.TextFormat.RichText
    assert "D55E00" in text and ("nan" in text or "inf" in text)


def test_numerics_follows_selection(qtbot, state):
    panel = make(qtbot, NumericsPanel, state)
    state.select(0, 1)
    row = state.document.grid_logits()[0]
    sweep = numerics(row, "float32", np.geomspace(0.1 / 2.0, 2000 / 2.0, 400))
    y = curve_xy(panel.curves[("softmax", "float64", "stable")])[1]
    np.testing.assert_allclose(y, sweep.curves["float64"].stable_softmax[::DRAW_EVERY, 1])


# ------------------------------------------------------------------ entropy/KL
def test_entropy_bars_add_up_to_cross_entropy(qtbot, qapp):
    doc = big_document().with_loss("cross_entropy", "probability")
    state = AppState(doc)
    panel = make(qtbot, EntropyKLPanel, state)
    result = document_entropy_kl(
        doc.loss, doc.logits, doc.target, doc.options, dtype=doc.dtype, target_kind="probability"
    )
    np.testing.assert_allclose(panel.entropy_bars.opts["height"], result.parts.entropy)
    np.testing.assert_allclose(panel.kl_bars.opts["y0"], result.parts.entropy)
    np.testing.assert_allclose(panel.kl_bars.opts["height"], result.parts.kl)
    _, ce = panel.ce_points.getData()
    np.testing.assert_allclose(ce, result.parts.entropy + result.parts.kl, rtol=1e-5)
    np.testing.assert_allclose(ce, state.evaluation.row_loss, rtol=1e-5)


def test_entropy_panel_says_index_targets_are_one_hot(qtbot, state):
    panel = make(qtbot, EntropyKLPanel, state)
    assert "one-hot" in panel.note_label.text()
    np.testing.assert_array_equal(panel.entropy_bars.opts["height"], 0)
    np.testing.assert_allclose(panel.kl_bars.opts["height"], state.evaluation.row_loss, rtol=1e-5)
    state.edit(lambda d: d.with_loss("multi_margin_loss"), "switch")
    assert "not a cross entropy" in panel.note_label.text()
    assert len(panel.kl_bars.opts["height"]) == 0


# ------------------------------------------------------------------ all panels
@pytest.mark.parametrize("cls", PANELS)
def test_panels_keep_their_last_curves_when_the_document_is_rejected(qtbot, state, cls):
    panel = make(qtbot, cls, state)
    assert all(isinstance(p, pg.PlotWidget) for p in panel.plots) and panel.plots
    before = [
        [np.array(c.getData()[1], dtype=float) for c in p.getPlotItem().listDataItems()]
        for p in panel.plots
    ]
    assert panel.stale_label.isHidden()
    break_document(state)
    assert not panel.stale_label.isHidden()
    assert "stale" in panel.stale_label.text()
    after = [
        [np.array(c.getData()[1], dtype=float) for c in p.getPlotItem().listDataItems()]
        for p in panel.plots
    ]
    for a, b in zip(before, after, strict=True):
        for ca, cb in zip(a, b, strict=True):
            np.testing.assert_array_equal(ca, cb)
    state.undo_stack.undo()
    assert panel.stale_label.isHidden()


@pytest.mark.parametrize("cls", PANELS)
@pytest.mark.parametrize(
    "loss",
    [
        "nll_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "sigmoid_focal_loss",
        "multilabel_soft_margin_loss",
        "multi_margin_loss",
        "kl_div",
        "cosine_embedding_loss",
    ],
)
def test_panels_draw_every_loss_without_going_stale(qtbot, state, cls, loss):
    panel = make(qtbot, cls, state)
    assert state.edit(lambda d: d.with_loss(loss), "switch")
    assert state.error is None
    state.select(1, 2)
    assert panel.stale_label.isHidden(), panel.stale_label.text()


@pytest.mark.parametrize("cls", PANELS)
def test_hidden_panels_catch_up_when_shown(qtbot, state, cls):
    from PySide6.QtWidgets import QTabWidget, QWidget

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "first")
    panel = cls(state)
    tabs.addTab(panel, "panel")
    tabs.show()
    qtbot.waitExposed(tabs)
    # another row than the selected cell's, so the loss curve keeps its x range
    state.edit(lambda d: d.with_cell(1, 1, 5.0), "edit")
    tabs.setCurrentIndex(1)
    fresh = make(qtbot, cls, state)
    for shown, current in zip(panel.plots, fresh.plots, strict=True):
        items = zip(
            shown.getPlotItem().listDataItems(), current.getPlotItem().listDataItems(), strict=True
        )
        for a, b in items:
            np.testing.assert_array_equal(a.getData()[1], b.getData()[1])


def spatial_document():
    rng = np.random.default_rng(11)
    return Document(
        loss="cross_entropy",
        logits=np.round(rng.normal(0, 2, size=(2, 3, 20, 20)), 2),
        target=rng.integers(0, 3, size=(2, 20, 20)),
        options={"weight": (1.0, 2.0, 0.5), "ignore_index": 1},
    )


@pytest.mark.parametrize("cls", PANELS)
def test_panels_draw_a_spatial_batch(qtbot, qapp, cls):
    state = AppState(spatial_document())
    panel = make(qtbot, cls, state)
    state.select(613, 2)
    assert state.error is None
    assert panel.stale_label.isHidden(), panel.stale_label.text()


def test_spatial_loss_curve_passes_through_the_batch_loss(qtbot, qapp):
    state = AppState(spatial_document())
    panel = make(qtbot, LossCurvePanel, state)
    state.select(613, 2)
    x, y = curve_xy(panel.batch_curve)
    value = state.document.grid_logits()[613, 2]
    assert np.interp(value, x, y) == pytest.approx(state.evaluation.value, rel=1e-4)


def test_entropy_panel_windows_large_batches_around_the_selection(qtbot, qapp):
    state = AppState(replace(spatial_document(), options={}))
    panel = make(qtbot, EntropyKLPanel, state)
    state.select(700, 0)
    heights = panel.kl_bars.opts["height"]
    x = panel.kl_bars.opts["x"]
    assert len(heights) == MAX_BARS
    assert x[0] <= 700 <= x[-1]
    assert x[-1] == state.document.rows - 1
    rows = x.astype(int)
    np.testing.assert_allclose(heights, state.evaluation.row_loss[rows], rtol=1e-5)
    assert f"of {state.document.rows}" in panel.note_label.text()


def test_a_bug_in_a_panel_is_reported_not_raised(qtbot, state, monkeypatch):
    import lossgui.qt.panels.numerics as module

    panel = make(qtbot, NumericsPanel, state)

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "numerics", broken)
    with qtbot.waitSignal(state.message) as blocker:
        state.select(1, 1)
    assert "boom" in blocker.args[0]
    assert "internal error" in panel.stale_label.text()
    assert not panel.stale_label.isHidden()


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
