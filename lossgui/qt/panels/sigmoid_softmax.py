"""Two classes: softmax over (a, b) is the sigmoid of a - b, up to rounding.

Three plots over a - b: the two probabilities (they coincide), the two losses
cross_entropy([a, b], 0) and binary_cross_entropy_with_logits(a - b, 1) (they
coincide too), and the absolute differences of the probabilities and of the
losses on a log axis, which is where floating point shows (exact zeros are
drawn at a floor).
The losses part ways where 1 + e^-(a-b) rounds to 1: cross entropy's
log-sum-exp returns 0 there while BCE with logits' log1p keeps e^-(a-b).
The selected row's a - b is marked on each plot.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from lossgui.core.sweeps import sigmoid_vs_softmax, two_class_at
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.panels.base import (
    PanelBase,
    coloured,
    dashed,
    make_plot,
    marker,
    pen,
    safe_slot,
    set_line,
)
from lossgui.qt.panels.data_items import LogYPoints
from lossgui.qt.panels.marker_line import MarkerLine
from lossgui.qt.state import AppState

__all__ = ["ZERO_FLOOR", "SigmoidSoftmaxPanel"]

#: Smallest plot width (three in a row fit half a 1440-pixel window).
_PLOT_MIN_WIDTH = 180
#: The plots go in one row once each would be at least this wide.
_WIDE_PLOT = 215
#: Where differences that are exactly 0 are drawn on the log axis.
ZERO_FLOOR = 1e-18
POINTS = 401
#: The difference plot's points: |softmax − sigmoid| and |CE − BCEWithLogits|.
_DIFF_COLOURS = ("#D55E00", "#009E73")


class SigmoidSoftmaxPanel(PanelBase):
    """softmax([a, b])[0] against sigmoid(a - b) for a pair of classes of the selected row.

    Attributes
    ----------
    class_a, class_b : QSpinBox
        The pair of classes (shown when C > 2; default 0 and 1).
    half_range : QDoubleSpinBox
        a - b spans +- this.
    softmax_curve, sigmoid_curve, ce_curve, bce_curve : pg.PlotDataItem
    difference_curve, loss_difference_curve : LogYPoints
        |softmax - sigmoid| and |CE - BCE with logits|, exact zeros at ZERO_FLOOR.
    markers : list of MarkerLine
        The selected row's a - b on each plot.
    summary_label : QLabel
        The selected row's values.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        controls = QHBoxLayout()
        self.pair_label = QLabel("classes: a =", self)
        controls.addWidget(self.pair_label)
        self.class_a = QSpinBox(self)
        self.class_b = QSpinBox(self)
        self.class_a.setToolTip("Class a: its logit is the first of the pair.")
        self.class_b.setToolTip("Class b: softmax over (a, b) only; other classes are left out.")
        controls.addWidget(self.class_a)
        self.b_label = QLabel("b =", self)
        controls.addWidget(self.b_label)
        controls.addWidget(self.class_b)
        controls.addSpacing(12)
        controls.addWidget(QLabel("a − b range ±", self))
        self.half_range = QDoubleSpinBox(self)
        self.half_range.setRange(1.0, 200.0)
        self.half_range.setValue(20.0)
        self.half_range.setDecimals(0)
        self.half_range.setToolTip("How far a − b is swept either side of 0.")
        controls.addWidget(self.half_range)
        controls.addStretch(1)
        self._layout.addLayout(controls)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        # Plain text: rich text costs ~0.5 ms more to lay out, on every drag step of the row.
        self.summary_label.setTextFormat(pg.QtCore.Qt.TextFormat.PlainText)
        self._layout.addWidget(self.summary_label)
        hold_label(self.summary_label)  # its numbers change with every edit of the row

        # The keys are in the titles, in the curves' colours: in plots as narrow as a
        # column of the tiled layout (220 px), a legend inside covered the curves and
        # the marker's label.
        self.prob_plot = make_plot(
            f"p(a): {coloured('softmax', 'blue')}, {coloured('sigmoid', 'orange')}",
            "a − b",
            "probability",
            legend=None,
        )
        self.loss_plot = make_plot(
            f"loss: {coloured('CE', 'green')}, {coloured('BCE-logits', 'purple')}",
            "a − b",
            "loss (nats)",
            legend=None,
        )
        self.diff_plot = make_plot(
            f"|difference|: {coloured('● p', _DIFF_COLOURS[0])}  "
            f"{coloured('▼ loss', _DIFF_COLOURS[1])}",
            "a − b",
            "absolute difference",
            legend=None,
        )
        self.diff_plot.getPlotItem().setLogMode(y=True)
        self._plot_grid = QGridLayout()
        self._wide: bool | None = None
        self._layout.addLayout(self._plot_grid, 1)
        self.plots = [self.prob_plot, self.loss_plot, self.diff_plot]
        for plot in self.plots:
            # Narrow enough for three in a row in half a window; tall enough for the axis label.
            plot.setMinimumSize(_PLOT_MIN_WIDTH, 150)
        self._arrange(wide=False)
        self.prob_plot.setToolTip(
            "Blue: softmax([a, b])[0]; orange, dashed: sigmoid(a − b). The same function."
        )
        self.loss_plot.setToolTip(
            "Green: cross_entropy([a, b], target 0); purple, dashed: "
            "binary_cross_entropy_with_logits(a − b, 1)."
        )
        self.diff_plot.setToolTip(
            "● p: |softmax − sigmoid|; ▼ loss: |CE − BCE with logits|. Absolute differences in "
            "the document's dtype, log scale. Cross entropy computes log(1 + e^−(a−b)), which "
            "rounds to 0 for large a − b; BCE with logits uses log1p."
        )

        self.softmax_curve = self.prob_plot.plot(pen=pen("blue", 3), name="softmax([a, b])[0]")
        self.sigmoid_curve = self.prob_plot.plot(pen=dashed("orange", 2), name="sigmoid(a − b)")
        self.ce_curve = self.loss_plot.plot(pen=pen("green", 3), name="CE([a, b], 0)")
        self.bce_curve = self.loss_plot.plot(
            pen=dashed("purple", 2), name="BCEWithLogits(a − b, 1)"
        )
        # Drawn at log10 by the items themselves (the plot's y axis is in log mode).
        self.difference_curve = LogYPoints(
            symbol="o", size=4, pen=None, brush=_DIFF_COLOURS[0], name="|softmax − sigmoid|"
        )
        self.loss_difference_curve = LogYPoints(
            symbol="t", size=5, pen=None, brush=_DIFF_COLOURS[1], name="|CE − BCEWithLogits|"
        )
        for points in (self.difference_curve, self.loss_difference_curve):
            self.diff_plot.addItem(points)
        marker(
            self.diff_plot,
            dashed("grey", 1),
            vertical=False,
            value=float(np.log10(ZERO_FLOOR)),
            label=f"0, drawn at {ZERO_FLOOR:g}",
        )
        self.markers: list[MarkerLine] = [
            marker(plot, pen("grey", 1.5), label="a − b = {value:.4g}" if i == 0 else "")
            for i, plot in enumerate(self.plots)
        ]

        for spin in (self.class_a, self.class_b):
            spin.valueChanged.connect(self._on_control_changed)
        self.half_range.valueChanged.connect(self._on_control_changed)
        self.class_b.setValue(1)
        self.refresh()

    def _arrange(self, wide: bool) -> None:
        """Three plots in a row (a wide, short dock) or two above one (a taller dock)."""
        if wide == self._wide:
            return
        self._wide = wide
        for plot in self.plots:
            self._plot_grid.removeWidget(plot)
        if wide:
            for i, plot in enumerate(self.plots):
                self._plot_grid.addWidget(plot, 0, i)
        else:
            self._plot_grid.addWidget(self.prob_plot, 0, 0)
            self._plot_grid.addWidget(self.loss_plot, 0, 1)
            self._plot_grid.addWidget(self.diff_plot, 1, 0, 1, 2)
        for i in range(3):
            self._plot_grid.setColumnStretch(i, 1 if wide or i < 2 else 0)
        self._plot_grid.setRowStretch(1, 0 if wide else 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        # Half a 1440-pixel window is wide and short: stacked plots would be ~140 px tall.
        self._arrange(size.width() >= 3 * _WIDE_PLOT and size.width() >= 1.6 * size.height())

    @safe_slot
    def _on_control_changed(self, _value: float) -> None:
        self.refresh()

    def pair(self) -> tuple[int, int]:
        """The classes (a, b) compared."""
        return self.class_a.value(), self.class_b.value()

    def _sync_controls(self, classes: int) -> None:
        # Only on a change: setRange repaints the box and lays the panel out again.
        for spin in (self.class_a, self.class_b):
            if spin.maximum() != classes - 1 or spin.minimum() != 0:
                spin.blockSignals(True)
                spin.setRange(0, classes - 1)
                spin.blockSignals(False)
        many = classes > 2
        for widget in (self.pair_label, self.class_a, self.b_label, self.class_b):
            if widget.isHidden() == many:
                widget.setVisible(many)

    def _draw_curves(self, sweep: Any, half: float) -> None:
        self.softmax_curve.setData(sweep.diff, sweep.softmax_a)
        self.sigmoid_curve.setData(sweep.diff, sweep.sigmoid)
        self.ce_curve.setData(sweep.diff, sweep.cross_entropy)
        self.bce_curve.setData(sweep.diff, sweep.bce_with_logits)
        self.difference_curve.set_xy(sweep.diff, np.maximum(sweep.abs_difference, ZERO_FLOOR))
        self.loss_difference_curve.set_xy(
            sweep.diff, np.maximum(sweep.loss_abs_difference, ZERO_FLOOR)
        )
        for plot in self.plots:
            # Fixed, not auto: the floor line's label would stretch an automatic range.
            plot.getPlotItem().setXRange(-half, half, padding=0.02)
        top = max(float(np.max(sweep.abs_difference)), float(np.max(sweep.loss_abs_difference)))
        # Log-axis range in decades, a decade of room above the points.
        self.diff_plot.getPlotItem().setYRange(
            np.log10(ZERO_FLOOR) - 1, np.log10(max(top, ZERO_FLOOR)) + 1, padding=0
        )

    def _redraw(self) -> None:
        doc = self.state.document
        self._sync_controls(doc.classes)
        ca, cb = self.pair()
        row, _col = self.state.selection
        a, b = (float(v) for v in doc.grid_logits()[row, [ca, cb]])
        half = float(self.half_range.value())
        # Everything below depends on these only: an edit of another row changes nothing.
        if self.unchanged((doc.dtype, doc.classes, doc.row_label(row), ca, cb, a, b, half)):
            return

        def compute() -> Any:
            return sigmoid_vs_softmax((-half, half), POINTS, b=b, dtype=doc.dtype)

        # The curves depend on b alone: dragging a leaves them (and their ranges) as they are.
        sweep = self.memo(("sigmoid_vs_softmax", b, half, POINTS, doc.dtype), compute)
        if not self.unchanged((b, half, doc.dtype), part="curves"):
            self._draw_curves(sweep, half)
        point = self.derived(
            ("two_class_at", a, b, doc.dtype), lambda: two_class_at(a, b, dtype=doc.dtype)
        )
        d = float(point.diff[0])
        for line in self.markers:
            set_line(line, d)
        same_p = int(np.count_nonzero(sweep.abs_difference == 0))
        same_loss = int(np.count_nonzero(sweep.loss_abs_difference == 0))
        gap = point.abs_difference[0]
        diff_text = "exactly 0" if gap == 0 else f"{gap:.3g}"
        same = "" if ca != cb else " (a and b are the same class: pick two.)"
        # + 0.0 turns the -0.0 PyTorch gives for a loss that rounds to 0 into 0 for the prose.
        ce, bce = point.cross_entropy[0] + 0.0, point.bce_with_logits[0] + 0.0
        set_text(
            self.summary_label,
            f"Row {doc.row_label(row)}, classes {ca} and {cb} ({doc.dtype}): "
            f"a − b = {d:.6g}; softmax = {point.softmax_a[0]:.9g}, "
            f"sigmoid = {point.sigmoid[0]:.9g}, |difference| {diff_text}; "
            f"CE = {ce:.6g}, BCE with logits = {bce:.6g}. Over the sweep the probabilities "
            f"agree exactly at {same_p} of {POINTS} points, the losses at {same_loss}.{same}",
        )
