"""Numerics panel: naive and stable softmax curves equal core, its table and its CSV."""

from __future__ import annotations

import numpy as np

from lossgui.core.sweeps import numerics
from lossgui.qt.panels.numerics import DRAW_EVERY, NumericsPanel
from tests.qt.panel_helpers import curve_xy, make


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
