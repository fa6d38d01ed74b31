"""Numerics panel: naive and stable softmax curves equal core, its table and its CSV."""

from __future__ import annotations

import numpy as np

from lossgui.core.sweeps import numerics
from lossgui.qt.panels.numerics import POINTS, NumericsPanel, draw_every
from tests.qt.panel_helpers import curve_xy, make, settle, shown


def test_numerics_draws_naive_and_stable_for_the_selected_class(qtbot, state):
    state.select(2, 2)
    panel = make(qtbot, NumericsPanel, state)
    row = state.document.grid_logits()[2]
    scales = np.geomspace(0.1 / 3.1, 2000 / 3.1, 400)
    sweep = numerics(row, "float32", scales)
    x, y = curve_xy(panel.curves[("log_softmax", "float32", "naive")])
    drawn = slice(None, None, panel.curve_stride())  # a stride matched to the plot's pixels
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
    # Every sweep point, however few the plot draws.
    np.testing.assert_allclose(first_x, sweep.max_logit, rtol=1e-9)


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
    every = panel.curve_stride()
    np.testing.assert_allclose(y, sweep.curves["float64"].stable_softmax[::every, 1])


def test_log_floor_holds_through_small_moves_and_follows_big_ones():
    from lossgui.qt.panels.numerics import log_floor

    first = log_floor(None, -1764.0)
    assert first >= 1.3 * 1764 and first in (2500.0, 3000.0)
    assert log_floor(first, -1000.0) == first  # 40 % of it: kept
    assert log_floor(first, -first) == first
    assert log_floor(first, -1.01 * first) > 1.01 * first  # deeper: a new floor
    assert log_floor(first, -0.2 * first) < first  # far shallower: a new floor
    assert log_floor(None, float("nan")) > 0  # nothing finite to show
    assert log_floor(None, 0.0) > 0


def test_numerics_ranges_hold_every_value_and_stay_still_under_a_drag(qtbot, state):
    """Probabilities on a fixed 0..1 axis; the log axis holds all values and rarely moves."""
    state.select(2, 1)
    panel = make(qtbot, NumericsPanel, state)
    log_view = panel.log_plot.getViewBox()
    changes = []
    log_view.sigRangeChanged.connect(lambda *_: changes.append(1))
    start = float(state.document.grid_logits()[2][1])
    for k in range(60):
        value = start + 2.5 * np.sin(k / 9.0)
        state.edit(lambda d, v=value: d.with_cell(2, 1, v), "drag")
        for quantity, plot in (("softmax", panel.prob_plot), ("log_softmax", panel.log_plot)):
            lo, hi = plot.getViewBox().viewRange()[1]
            for (q, _dt, _form), curve in panel.curves.items():
                if q == quantity:
                    y = curve_xy(curve)[1]
                    y = y[np.isfinite(y)]
                    assert np.all((lo <= y) & (y <= hi))
    assert panel.prob_plot.getViewBox().viewRange()[1] == [-0.04, 1.04]
    # The drag takes the row's gap, and so the depth of the curves, through a 13-fold
    # swing; a range fitted to the values (with a 60 % keep) changed on 17 of the 60.
    assert len(changes) <= 8


def test_draw_every_gives_about_a_point_per_two_pixels():
    def drawn(width: float) -> int:
        return len(range(0, POINTS, draw_every(width)))

    assert drawn(2000) == POINTS  # wide: every point of the sweep
    assert drawn(400) == 200
    assert drawn(160) == 80  # narrow: fewer strokes, the same pixels
    assert 60 <= drawn(0) < 80  # not laid out yet: still a readable curve


def test_numerics_draws_more_points_when_its_plots_widen(qtbot, state):
    state.select(1, 0)
    panel = make(qtbot, NumericsPanel, state)
    shown(qtbot, panel, (520, 420))
    settle()
    curve = panel.curves[("softmax", "float32", "stable")]
    narrow = curve.getData()[0].size
    assert narrow == len(range(0, POINTS, draw_every(panel.log_plot.getPlotItem().vb.width())))
    panel.resize(1800, 420)
    settle()
    wide = curve.getData()[0].size
    assert wide > narrow
    assert wide == len(range(0, POINTS, panel.curve_stride()))
