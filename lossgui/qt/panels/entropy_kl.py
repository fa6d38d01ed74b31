"""Cross entropy = entropy of the target + KL divergence to the model, per sample.

Stacked bars per grid row: the target's entropy H(q) at the bottom, KL(q || p)
on top; a marker at each row's cross entropy sits exactly on the top of its
stack. Index targets are one-hot, so H = 0 and the whole loss is KL (a label
says so); label smoothing spreads them and H appears.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QWidget

from lossgui.core.entropy import ENTROPY_LOSSES, document_entropy_kl
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.panels.base import (
    PanelBase,
    brush,
    dashed,
    integer_ticks,
    make_plot,
    marker,
    nice_ceiling,
    pen,
    set_bars,
    set_line,
    set_points,
    set_range,
)
from lossgui.qt.panels.data_items import Bars, Points
from lossgui.qt.panels.plot_items import drawn_afresh_each_edit
from lossgui.qt.state import AppState

__all__ = ["MAX_BARS", "EntropyKLPanel"]

#: At most this many samples are drawn: a window around the selected row.
MAX_BARS = 512


class EntropyKLPanel(PanelBase):
    """Per-sample stacked bars of H(q) and KL(q || p), with CE as markers.

    Attributes
    ----------
    entropy_bars, kl_bars : pg.BarGraphItem
        KL bars start (``y0``) on top of the entropy bars.
    ce_points : Points
        The per-sample cross entropy.
    selected_line : MarkerLine
        The selected row.
    note_label : QLabel
        What the bars assume (one-hot targets, smoothing, weights left out).
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self._layout.addWidget(self.note_label)
        hold_label(self.note_label)  # its numbers change with every edit
        self.plot = make_plot(
            "Cross entropy = H(q) + KL(q ‖ p) per sample",
            "sample (grid row)",
            "nats",
            legend=(10, 2),
        )
        self.plots = [self.plot]
        self.plot.setToolTip(
            "Per sample: the target's entropy H(q) (no model can go below it) plus "
            "KL(q ‖ p) (what training can remove) is the cross entropy (diamond)."
        )
        self._layout.addWidget(self.plot, 1)
        empty = np.zeros(0)
        self.entropy_bars = Bars(
            x=empty, height=empty, width=0.75, brush=brush("sky"), pen=pen("sky", 0.5)
        )
        self.kl_bars = Bars(
            x=empty,
            y0=empty,
            height=empty,
            width=0.75,
            brush=brush("orange"),
            pen=pen("orange", 0.5),
        )
        self.ce_points = Points(
            symbol="d", size=9, pen=pg.mkPen("#202020", width=1), brush=pg.mkBrush("#F0E442")
        )
        for item in (self.entropy_bars, self.kl_bars, self.ce_points):
            self.plot.addItem(item)
        # Any logit edit moves a KL bar and a cross-entropy point (the entropy moves
        # only with the targets).
        drawn_afresh_each_edit(self.kl_bars, self.ce_points)
        legend = self.plot.getPlotItem().legend
        legend.setColumnCount(3)
        legend.addItem(self.entropy_bars, "entropy H(q)")
        legend.addItem(self.kl_bars, "KL(q ‖ p)")
        legend.addItem(self.ce_points, "cross entropy")
        self.selected_line = marker(self.plot, dashed("grey", 2))
        self.refresh()

    def _redraw(self) -> None:
        doc = self.state.document
        row, _col = self.state.selection
        if doc.loss not in ENTROPY_LOSSES:
            set_text(
                self.note_label,
                f"{doc.spec.label} is not a cross entropy between distributions; this view "
                "applies to CrossEntropyLoss, NLLLoss and KLDivLoss.",
            )
            empty = np.zeros(0)
            self.entropy_bars.setOpts(x=empty, height=empty)
            self.kl_bars.setOpts(x=empty, y0=empty, height=empty)
            self.ce_points.setData(x=empty, y=empty)
            return
        start = min(max(0, row - MAX_BARS // 2), max(0, doc.rows - MAX_BARS))
        window = slice(start, min(doc.rows, start + MAX_BARS))
        result = self.derived(
            ("document_entropy_kl", start),
            lambda: document_entropy_kl(
                doc.loss,
                doc.logits,
                doc.target,
                doc.options,
                transform=doc.transform,
                dtype=doc.dtype,
                target_kind=doc.target_kind,
                rows=window,
            ),
        )
        parts = result.parts
        x = np.arange(window.start, window.start + parts.entropy.size, dtype=np.float64)
        # Only what changed is set: each setOpts rebuilds every bar and repaints the plot.
        set_bars(self.entropy_bars, x=x, height=parts.entropy, width=0.75)
        set_bars(self.kl_bars, x=x, y0=parts.entropy, height=parts.kl, width=0.75)
        set_points(self.ce_points, x, parts.cross_entropy)
        integer_ticks(self.plot, int(window.stop), int(window.start))
        tallest = float(np.nanmax(np.concatenate([parts.cross_entropy, [0.0]])))
        # Head room above the bars for the legend, rounded so the axis stays still while
        # the bars move a little with each edit; a sliver below 0 keeps the 0 label visible.
        top = nice_ceiling(1.3 * max(tallest, 1e-9))
        set_range(self.plot, "y", -0.015 * top, top)
        # Fixed, not automatic: pyqtgraph would measure every bar again on each edit.
        set_range(self.plot, "x", window.start - 0.6, window.start + parts.entropy.size - 0.4)
        set_line(self.selected_line, float(row))
        lead = (
            "Index targets are shown as one-hot distributions: H(q) = 0, so the loss is all KL."
            if result.one_hot
            else "Target distributions q against the model's p."
        )
        notes = "".join(f" {n[0].upper()}{n[1:]}." for n in result.notes)
        i = row - window.start
        # + 0.0 turns the -0.0 of an ignored row (PyTorch's bits too) into 0 for the prose.
        h, kl, ce = (float(a[i]) + 0.0 for a in (parts.entropy, parts.kl, parts.cross_entropy))
        shown = (
            ""
            if doc.rows <= MAX_BARS
            else f" Showing rows {window.start}–{window.stop - 1} of {doc.rows}."
        )
        set_text(
            self.note_label,
            f"{lead}{notes} Row {doc.row_label(row)}: H = {h:.4g} + KL = {kl:.4g} "
            f"= {h + kl:.6g}; CE = {ce:.6g} nats.{shown}",
        )
