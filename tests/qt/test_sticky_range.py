"""Automatic plot ranges hold still while a dragged value moves the data a little."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.qt.panels.plot_items import StickyViewBox


def test_a_range_that_holds_the_data_is_kept():
    assert StickyViewBox.sticky_range([0.0, 10.0], [1.0, 9.0]) is None


def test_data_crossing_an_edge_get_room_to_keep_moving():
    lo, hi = StickyViewBox.sticky_range([0.0, 10.0], [-1.0, 9.0])
    assert lo <= -1.0 - 0.1 * 10.0 + 1e-9  # a tenth of the span beyond the crossed edge
    assert 9.0 <= hi <= 10.0  # the other side only rounds
    # The next steps the same way fit without another change.
    assert StickyViewBox.sticky_range([lo, hi], [-1.8, 9.0]) is None


def test_a_range_shrinks_once_the_data_fill_too_little_of_it():
    assert StickyViewBox.sticky_range([0.0, 10.0], [0.0, 6.5]) is None
    lo, hi = StickyViewBox.sticky_range([0.0, 10.0], [0.0, 5.0])
    assert lo == pytest.approx(0.0) and 5.0 <= hi < 6.0


def test_a_drag_changes_the_range_rarely():
    """A logit dragged back and forth: the curve's minimum moves on every step."""
    current = [-2.0, 0.5]
    changes = 0
    for k in range(200):
        low = -1.5 - 0.3 * np.sin(k / 9.0)  # between -1.8 and -1.2
        wanted = StickyViewBox.sticky_range(current, [low, 0.0])
        if wanted is not None:
            current, changes = wanted, changes + 1
        assert current[0] <= low and current[1] >= 0.0  # the data always fit
    assert changes <= 4  # exact auto-ranging: ~200; KEEP 0.75 without headroom: 19


def test_a_first_fit_has_no_headroom():
    """Nothing moved yet: a probability plot fits [0, 1] snugly, not [-0.2, 1.2]."""
    lo, hi = StickyViewBox.sticky_range([np.inf, -np.inf], [-0.05, 1.05])
    assert -0.1 < lo <= -0.05 and 1.05 <= hi < 1.1


def test_plots_redrawn_on_every_edit_hold_their_data_without_pyqtgraphs_measuring(qtbot, state):
    """The loss curve, the weight sweep and the histogram set their own y ranges.

    Left automatic, pyqtgraph measures every item of a plot on the paint after
    each change; these plots change with every edit, so they fit themselves from
    the values they draw, and the range must still hold all of them.
    """
    from lossgui.qt.panels.imbalance import ImbalancePanel
    from lossgui.qt.panels.loss_curve import LossCurvePanel
    from lossgui.qt.sample_table import SampleTable
    from tests.qt.panel_helpers import curve_xy, make

    loss = make(qtbot, LossCurvePanel, state)
    imbalance = make(qtbot, ImbalancePanel, state)
    samples = make(qtbot, SampleTable, state)
    for k, value in enumerate((5.0, -7.0, 0.3, 12.0)):
        state.edit(lambda d, v=value, r=k % 3: d.with_cell(r, 1, v), "edit")
        checks = [
            (loss.loss_plot, [loss.sample_curve, loss.batch_curve]),
            (imbalance.ratio_plot, [imbalance.ratio_loss_curve]),
            (samples.hist_plot, [samples.histogram]),
        ]
        for plot, curves in checks:
            view = plot.getViewBox()
            assert view.autoRangeEnabled()[1] is False
            lo, hi = view.viewRange()[1]
            for curve in curves:
                y = curve_xy(curve)[1]
                y = y[np.isfinite(y)]
                assert y.size and lo <= y.min() and y.max() <= hi
