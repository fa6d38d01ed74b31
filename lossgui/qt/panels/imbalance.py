"""Class imbalance: who the targets are, who the loss and the gradient listen to.

Bar charts per class: target counts, each class's share of the loss and of
the gradient's absolute mass (without and with the Document's weights), and a
curve of the loss and the minority class's gradient share as its weight is
scaled against the others'. Buttons apply the usual rebalancing weights as one
undoable edit each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QLabel, QPushButton, QWidget

from lossgui.core.imbalance import (
    Prepared,
    class_balance,
    class_counts,
    effective_number,
    inverse_frequency,
    pos_weight_from_counts,
    sqrt_inverse_frequency,
)
from lossgui.core.imbalance_sweep import loss_vs_weight_ratio
from lossgui.document import Document
from lossgui.qt.flow_layout import FlowLayout
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.panels.base import (
    COLORS,
    PanelBase,
    brush,
    fit_range,
    integer_ticks,
    make_plot,
    marker,
    nice_ceiling,
    pen,
    safe_slot,
    set_bars,
    set_curve,
    set_line,
    set_range,
    set_title,
)
from lossgui.qt.panels.data_items import Bars, LogXCurve
from lossgui.qt.panels.plot_items import drawn_afresh_each_edit
from lossgui.qt.state import AppState

__all__ = ["RATIOS", "ImbalancePanel"]

#: Minority weight / other weights swept by the ratio plot.
RATIOS = np.geomspace(1e-2, 1e3, 101)
_BAR = 0.38
_GROUPING = {
    "target": "rows grouped by their target class",
    "argmax": "rows grouped by the class their target favours most (argmax)",
    "column": "cells grouped by class column; counts are positive labels",
}


def _weights_problem(doc: Document) -> str | None:
    """Why per-class weights cannot be set for ``doc``, or None."""
    spec = doc.spec
    if "weight" not in spec.defaults:
        return f"{spec.label} has no per-class weight option"
    if spec.target_kinds[0] == "binary" and doc.logits.ndim > 2:
        return (
            f"{spec.label}'s weight broadcasts against the last dimension, "
            "so a per-class vector only fits an (N, C) batch"
        )
    return None


def _pos_weight_problem(doc: Document) -> str | None:
    """Why pos_weight cannot be set for ``doc``, or None."""
    if "pos_weight" not in doc.spec.defaults:
        return f"only BCEWithLogitsLoss has pos_weight ({doc.spec.label} does not)"
    if doc.logits.ndim > 2:
        return "pos_weight broadcasts against the last dimension: it needs an (N, C) batch"
    return None


class ImbalancePanel(PanelBase):
    """Per-class counts, loss and gradient shares, and one-click rebalancing.

    Attributes
    ----------
    count_bars : pg.BarGraphItem
    loss_bars, grad_bars : dict of {'unweighted', 'weighted'} -> pg.BarGraphItem
        Heights in percent.
    ratio_loss_curve, ratio_share_curve : LogXCurve
        Reduced loss (left axis) and minority gradient share in % (right axis)
        against the weight ratio (log x).
    buttons : dict of {'inverse', 'sqrt', 'effective', 'pos_weight', 'clear'} -> QPushButton
    beta : QDoubleSpinBox
        beta of the effective-number weights.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        # A flow, not a row: in a narrow dock the buttons wrap instead of scrolling.
        row = FlowLayout(spacing=4)
        row.addWidget(QLabel("Weights:", self))
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (
            ("inverse", "1 / count"),
            ("sqrt", "1 / √count"),
            ("effective", "Effective number"),
        ):
            self.buttons[key] = QPushButton(text, self)
            row.addWidget(self.buttons[key])
        self.beta = QDoubleSpinBox(self)
        self.beta.setDecimals(4)
        self.beta.setRange(0.0, 0.9999)
        self.beta.setSingleStep(0.001)
        self.beta.setValue(0.999)
        self.beta.setPrefix("β = ")
        self.beta.setToolTip("β of the effective number of samples (Cui et al. 2019).")
        row.addWidget(self.beta)
        self.buttons["pos_weight"] = QPushButton("pos_weight", self)
        self.buttons["clear"] = QPushButton("Clear", self)
        row.addWidget(self.buttons["pos_weight"])
        row.addWidget(self.buttons["clear"])
        self._layout.addLayout(row)
        self._tips = {
            "inverse": "Inverse frequency: class weights 1 / count, scaled to sum to C "
            "(mean weight 1). One undo step.",
            "sqrt": "Square-root inverse frequency: class weights 1 / √count, scaled to sum "
            "to C: a milder rebalancing. One undo step.",
            "effective": "Effective number of samples: class-balanced weights "
            "(1 − β) / (1 − β^count), scaled to sum to C. One undo step.",
            "pos_weight": "pos_weight per class = negatives / positives (not normalised), "
            "for BCEWithLogitsLoss. One undo step.",
            "clear": "Remove the weight and pos_weight options (back to PyTorch's None).",
        }
        for key, button in self.buttons.items():
            button.clicked.connect(getattr(self, f"_apply_{key}"))
        self.info_label = QLabel(self)
        self.info_label.setWordWrap(True)
        self._layout.addWidget(self.info_label)
        hold_label(self.info_label)  # its numbers change with every edit

        self.count_plot = make_plot("Targets per class", "class", "count", legend=None)
        self.loss_plot = make_plot("Share of the loss", "class", "share (%)", legend=(10, 2))
        self.grad_plot = make_plot("Share of |gradient|", "class", "share (%)", legend=(10, 2))
        self.ratio_plot = make_plot(
            "Minority class weight sweep",
            "minority weight / other weights",
            "loss (nats)",
            legend=None,
        )
        grid = QGridLayout()
        for i, plot in enumerate(
            (self.count_plot, self.loss_plot, self.grad_plot, self.ratio_plot)
        ):
            grid.addWidget(plot, i // 2, i % 2)
        self._layout.addLayout(grid, 1)
        self.plots = [self.count_plot, self.loss_plot, self.grad_plot, self.ratio_plot]
        for plot, tip in zip(
            self.plots,
            (
                "How many targets each class has (positive labels per column for sigmoid losses).",
                "Each class's part of the loss's numerator, without and with the weights.",
                "Each class's part of sum |d loss / d logit|: who the gradient listens to.",
                "The reduced loss (left) and the minority class's share of |gradient| (right) as "
                "its weight goes from 1/100 to 1000 times the other classes' weight 1.",
            ),
            strict=True,
        ):
            plot.setToolTip(tip)
        self._ratio_tip = self.ratio_plot.toolTip()

        empty = np.zeros(0)
        self.count_bars = Bars(x=empty, height=empty, width=0.7, brush=brush("blue"))
        self.count_plot.addItem(self.count_bars)
        self.loss_bars = self._paired_bars(self.loss_plot)
        self.grad_bars = self._paired_bars(self.grad_plot)
        self._build_ratio_plot()
        # The shares and the sweep change with every logit edit (the counts do not).
        drawn_afresh_each_edit(
            *self.loss_bars.values(),
            *self.grad_bars.values(),
            self.ratio_loss_curve,
            self.ratio_share_curve,
        )
        self.refresh()

    def _paired_bars(self, plot: pg.PlotWidget) -> dict[str, pg.BarGraphItem]:
        bars = {}
        legend = plot.getPlotItem().legend
        legend.setColumnCount(2)
        for key, color in (("unweighted", "sky"), ("weighted", "orange")):
            item = Bars(x=np.zeros(0), height=np.zeros(0), width=_BAR, brush=brush(color))
            plot.addItem(item)
            legend.addItem(item, key)
            bars[key] = item
        return bars

    def _build_ratio_plot(self) -> None:
        item = self.ratio_plot.getPlotItem()
        item.setLogMode(x=True)
        # LogXCurves, not PlotDataItems: both change with every edit (see LogXCurve).
        self.ratio_loss_curve = LogXCurve(pen=pen("blue", 2.5))
        item.addItem(self.ratio_loss_curve)
        # Each axis label takes its curve's colour: no legend to cover the curves.
        item.getAxis("left").setLabel("reduced loss (nats)", color=COLORS["blue"])
        self._share_view = pg.ViewBox()
        # A scene item of its own, not the plot's child: above the plot (z 0), or the
        # plot's grid lines would cross its curve.
        self._share_view.setZValue(1)
        item.showAxis("right")
        item.scene().addItem(self._share_view)
        item.getAxis("right").linkToView(self._share_view)
        # One set of horizontal grid lines (the left axis'): a second, at the share's
        # ticks, would stripe the plot.
        item.getAxis("right").setGrid(False)
        item.getAxis("right").setLabel("minority |grad| share (%)", color=COLORS["red"])
        self._share_view.setXLink(item)
        self._share_view.setYRange(0, 100)
        self.ratio_share_curve = LogXCurve(pen=pen("red", 2.5))
        self._share_view.addItem(self.ratio_share_curve)
        self.ratio_line = marker(self.ratio_plot, pen("grey", 1.5), label="current")
        item.vb.sigResized.connect(self._sync_share_view)

    def _sync_share_view(self) -> None:
        vb = self.ratio_plot.getPlotItem().vb
        self._share_view.setGeometry(vb.sceneBoundingRect())
        self._share_view.linkedViewChanged(vb, self._share_view.XAxis)

    # ------------------------------------------------------------------ buttons
    def _counts(self) -> tuple[np.ndarray, np.ndarray | None]:
        doc = self.state.document
        return self.derived(
            ("class_counts",),
            lambda: class_counts(
                doc.loss,
                doc.logits,
                doc.target,
                doc.options,
                transform=doc.transform,
                dtype=doc.dtype,
            ),
        )

    def _set_weight(self, weights: np.ndarray, what: str) -> None:
        vector = tuple(float(w) for w in weights)
        self.state.edit(lambda d: d.with_option("weight", vector), f"Apply {what} class weights")

    @safe_slot
    def _apply_inverse(self, _checked: bool = False) -> None:
        self._set_weight(inverse_frequency(self._counts()[0]), "inverse-frequency")

    @safe_slot
    def _apply_sqrt(self, _checked: bool = False) -> None:
        self._set_weight(sqrt_inverse_frequency(self._counts()[0]), "√ inverse-frequency")

    @safe_slot
    def _apply_effective(self, _checked: bool = False) -> None:
        beta = float(self.beta.value())
        self._set_weight(
            effective_number(self._counts()[0], beta), f"effective-number (β={beta:g})"
        )

    @safe_slot
    def _apply_pos_weight(self, _checked: bool = False) -> None:
        positives, negatives = self._counts()
        if negatives is None:
            raise ValueError("pos_weight needs one 0/1 label per cell")
        vector = tuple(float(w) for w in pos_weight_from_counts(negatives, positives))
        self.state.edit(
            lambda d: d.with_option("pos_weight", vector), "Apply pos_weight = neg / pos"
        )

    @safe_slot
    def _apply_clear(self, _checked: bool = False) -> None:
        def cleared(d: Document) -> Document:
            for name in ("weight", "pos_weight"):
                if d.option(name) is not None:
                    d = d.with_option(name, None)
            return d

        self.state.edit(cleared, "Clear class weights")

    def _update_buttons(self, doc: Document) -> None:
        weight_problem = _weights_problem(doc)
        pos_problem = _pos_weight_problem(doc)
        for key, button in self.buttons.items():
            problem = pos_problem if key == "pos_weight" else weight_problem
            if key == "clear":
                has = any(doc.option(n) is not None for n in ("weight", "pos_weight"))
                problem = None if has else "no weight or pos_weight is set"
            button.setEnabled(problem is None)
            tip = self._tips[key] + ("" if problem is None else f"\nDisabled: {problem}.")
            if button.toolTip() != tip:  # on every redraw, mostly the same: skip Qt's work
                button.setToolTip(tip)
        self.beta.setEnabled(weight_problem is None)

    # ------------------------------------------------------------------- redraw
    def _redraw(self) -> None:
        doc = self.state.document
        self._update_buttons(doc)
        if doc.target_kind == "sign":
            set_text(self.info_label, f"{doc.spec.label} compares pairs of embeddings: no classes.")
            self._clear()
            return
        args = (doc.loss, doc.logits, doc.target, doc.options)
        kw: dict[str, Any] = {"transform": doc.transform, "dtype": doc.dtype}
        # One Prepared per redraw: the class balance and the weight sweep share its
        # unweighted evaluation (built only if either is not cached yet).
        shared: list[Prepared] = []

        def prepared() -> Prepared:
            if not shared:
                shared.append(Prepared(*args, doc.transform, doc.dtype))
            return shared[0]

        balance = self.derived(
            ("class_balance",), lambda: class_balance(*args, **{**kw, "prepared": prepared()})
        )
        x = np.arange(doc.classes, dtype=np.float64)
        for plot in (self.count_plot, self.loss_plot, self.grad_plot):
            integer_ticks(plot, doc.classes)
        # Bars, ranges and titles are set only when they change: a logit edit moves the
        # shares but never the counts, and rarely the axes.
        set_bars(self.count_bars, x=x, height=balance.counts, width=0.7)
        for bars, shares in (
            (self.loss_bars, (balance.share_unweighted, balance.share_weighted)),
            (self.grad_bars, (balance.grad_share_unweighted, balance.grad_share_weighted)),
        ):
            for item, offset, share in zip(
                bars.values(), (-_BAR / 2, _BAR / 2), shares, strict=True
            ):
                set_bars(item, x=x + offset, height=np.nan_to_num(100 * share), width=_BAR)
            tallest = max(float(np.nanmax(100 * s, initial=0.0)) for s in shares)
            # Head room above the bars for the legend; a rounded top keeps the axis still
            # while the bars move a little with each edit.
            plot = self.loss_plot if bars is self.loss_bars else self.grad_plot
            top = nice_ceiling(1.25 * max(tallest, 1e-9))
            set_range(plot, "y", -0.016 * top, top)
            # Fixed, not automatic: pyqtgraph would measure every bar again on each edit.
            set_range(plot, "x", -0.6, doc.classes - 0.4)
        m = balance.minority
        weighted = "" if balance.weighted else " No weight set: weighted = unweighted."
        set_text(
            self.info_label,
            f"{doc.spec.label}: {_GROUPING[balance.grouping]}. Minority class {m} "
            f"({balance.counts[m]:g} of {np.sum(balance.counts):g}).{weighted}",
        )
        self._redraw_ratio(doc, args, kw, m, prepared)

    def _redraw_ratio(
        self,
        doc: Document,
        args: tuple[Any, ...],
        kw: dict[str, Any],
        m: int,
        prepared: Callable[[], Prepared],
    ) -> None:
        problem = _weights_problem(doc)
        # A plot title cannot wrap and a long one widens the plot: the reason goes in the tooltip.
        tip = self._ratio_tip if problem is None else f"{self._ratio_tip}\n\nNo sweep: {problem}."
        if self.ratio_plot.toolTip() != tip:
            self.ratio_plot.setToolTip(tip)
        if problem is not None:
            set_title(self.ratio_plot, "No weight sweep here (see tooltip)", size="9pt")
            self.ratio_loss_curve.set_xy([], [])
            self.ratio_share_curve.set_xy([], [])
            return
        sweep = self.derived(
            ("loss_vs_weight_ratio", m),
            lambda: loss_vs_weight_ratio(
                *args, **kw, ratios=RATIOS, minority=m, prepared=prepared()
            ),
        )
        set_title(self.ratio_plot, f"Sweep of class {m}'s weight", size="10pt")
        # The ratios are fixed (log x): no need to measure the curves for the x range.
        span = np.log10(RATIOS[[0, -1]])
        pad = 0.02 * float(span[1] - span[0])
        set_range(self.ratio_plot, "x", float(span[0]) - pad, float(span[1]) + pad)
        set_curve(self.ratio_loss_curve, sweep.ratios, sweep.loss)
        # Fitted from the values at hand: left to pyqtgraph, each paint after an edit
        # would measure the plot's items again.
        fit_range(self.ratio_plot, "y", [sweep.loss])
        set_curve(self.ratio_share_curve, sweep.ratios, 100 * sweep.minority_grad_share)
        weights = doc.option("weight")
        ratio = 1.0
        if weights is not None:
            others = np.delete(np.asarray(weights, dtype=np.float64), m)
            mean = float(np.mean(others)) if others.size else 1.0
            ratio = float(weights[m]) / mean if mean > 0 else float("inf")
        self.ratio_line.setVisible(np.isfinite(ratio) and ratio > 0)
        if np.isfinite(ratio) and ratio > 0:
            # The line lives in the log-x view's coordinates.
            set_line(self.ratio_line, np.log10(ratio))
            self.ratio_line.set_label(f"current {ratio:.3g}")

    def _clear(self) -> None:
        empty = np.zeros(0)
        self.count_bars.setOpts(x=empty, height=empty)
        for bars in (self.loss_bars, self.grad_bars):
            for item in bars.values():
                item.setOpts(x=empty, height=empty)
        self.ratio_loss_curve.set_xy([], [])
        self.ratio_share_curve.set_xy([], [])
