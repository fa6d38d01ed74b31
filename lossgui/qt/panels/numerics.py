"""Why softmax subtracts the maximum: the naive form against the stable one.

The selected row's logits are multiplied by a growing factor; for the selected
class the plots show softmax and log-softmax computed naively
(``exp(x) / sum(exp(x))``) and stably (max subtracted) in float32 and float64.
Vertical lines mark where the naive form first stops being finite in each
dtype; a table gives the row's current values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from lossgui.core.softmax_numerics import class_numerics
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.label_selection import selectable_on_hover
from lossgui.qt.panels.base import (
    PanelBase,
    dashed,
    finite_or_nan,
    make_plot,
    marker,
    nice_ceiling,
    pen,
    safe_slot,
    set_line,
    set_range,
)
from lossgui.qt.panels.data_items import LogXCurve
from lossgui.qt.panels.marker_line import MarkerLine
from lossgui.qt.panels.plot_items import drawn_afresh_each_edit
from lossgui.qt.state import AppState

__all__ = ["MAX_LOGIT_RANGE", "NumericsPanel", "draw_every"]

#: The largest |logit| of the scaled row spans this range (log x axis).
MAX_LOGIT_RANGE = (0.1, 2000.0)
POINTS = 400
#: The curves draw about one sweep point per PIXELS_PER_POINT pixels of the plot's
#: width (at least MIN_DRAWN points): stroking a 3-pixel curve costs per point, and
#: points closer than that change no pixel of these smooth curves.
PIXELS_PER_POINT = 2.0
MIN_DRAWN = 60
DTYPES = ("float32", "float64")
_COLORS = {"float32": "orange", "float64": "blue"}


def draw_every(width: float) -> int:
    """The stride through the sweep's POINTS for a plot ``width`` pixels wide.

    At least ``max(MIN_DRAWN, width / PIXELS_PER_POINT)`` points are drawn.
    """
    wanted = max(MIN_DRAWN, width / PIXELS_PER_POINT)
    return max(1, int(POINTS // wanted))


def _fmt(value: float) -> str:
    if np.isnan(value):
        return "<span style='color:#D55E00'><b>nan</b></span>"
    if np.isinf(value):
        return f"<span style='color:#D55E00'><b>{'-' if value < 0 else ''}inf</b></span>"
    return f"{value:.7g}"


#: Rows whose largest |logit| is below this are swept as if they were all zero.
_TINY = 1e-30
#: Room around the y ranges, as a fraction of their span.
_Y_PAD = 0.04


def _finite_min(arrays: list[np.ndarray]) -> float:
    """The smallest finite value of ``arrays`` (NaN if there is none)."""
    lows = [float(np.fmin.reduce(a)) for a in arrays if a.size and not np.all(np.isnan(a))]
    return min(lows) if lows else float("nan")


def log_floor(current: float | None, lowest: float) -> float:
    """How far below 0 the log-softmax axis reaches (> 0), given the lowest value shown.

    Parameters
    ----------
    current : float or None
        The floor shown now (None before the first fit).
    lowest : float
        The smallest finite log-probability of the curves (<= 0; NaN if none).

    Returns
    -------
    float
        ``current`` while the values reach between 30 % and 100 % of it;
        otherwise 1.3 times their depth rounded up to 1, 1.2, 1.5, 2, 2.5, 3,
        4, 5, 6 or 8 x 10^k. The depth grows and shrinks in proportion to the
        row's gaps while one logit is dragged: the margin and the 30 % keep
        the axis still through most of such a drag.
    """
    depth = -lowest if np.isfinite(lowest) and lowest < 0 else 0.0
    depth = max(depth, 1e-3)
    if current is not None and 0.3 * current <= depth <= current:
        return current
    return nice_ceiling(1.3 * depth)


class NumericsPanel(PanelBase):
    """Naive vs stable softmax / log-softmax of the selected row as it is scaled.

    Attributes
    ----------
    curves : dict of (quantity, dtype, form) -> LogXCurve
        quantity 'softmax' or 'log_softmax', form 'naive' or 'stable'; x is the
        scaled row's largest |logit|, y the selected class's value (non-finite
        values left as gaps).
    overflow_lines : dict of (quantity, dtype) -> MarkerLine
        Where the naive form first stops being finite (hidden if it never does):
        anywhere in the row for softmax, in the selected class for log_softmax.
    current_lines : list of MarkerLine
        The row as it is (scale 1).
    table_label : QLabel
        The row's current values, naive and stable: a row per value, a column per dtype.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.info_label = QLabel(self)
        self.info_label.setWordWrap(True)
        self._layout.addWidget(self.info_label)
        hold_label(self.info_label)  # its numbers change with every edit of the row
        self.prob_plot = make_plot(
            "softmax(row)[class]",
            "max |logit| of the scaled row",
            "probability",
            legend=None,
        )
        self.log_plot = make_plot(
            "log_softmax(row)[class]",
            "max |logit| of the scaled row",
            "log-probability",
            # Bottom left: log-softmax falls to the right or stays near 0, never there.
            legend=(10, -10),
        )
        self.plots = [self.prob_plot, self.log_plot]
        for plot in self.plots:
            plot.setToolTip(
                "The selected row multiplied by a growing factor (x: its largest |logit|). "
                "Dashed: naive exp(x) / sum(exp(x)); solid: the max-subtracted form PyTorch uses. "
                "Dashed vertical lines: where the naive form first fails in each dtype (for "
                "softmax, anywhere in the row)."
            )
        grid = QGridLayout()
        grid.addWidget(self.prob_plot, 0, 0)
        grid.addWidget(self.log_plot, 0, 1)
        self._layout.addLayout(grid, 1)
        self.table_label = QLabel(self)
        self.table_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        selectable_on_hover(self.table_label)  # plain while unused: a cheap redraw
        self._layout.addWidget(self.table_label)
        hold_label(self.table_label)

        self._log_floor: float | None = None  # see log_floor
        self._drawn_every: int | None = None  # the stride of the curves shown
        # PlotCurveItems, not PlotDataItems: all eight change on every edit of the row,
        # and a PlotDataItem's bookkeeping costs more than its curve (log10(x) is taken
        # by LogXCurve: the axes are in log mode, a PlotCurveItem does not convert).
        self.curves: dict[tuple[str, str, str], LogXCurve] = {}
        self.overflow_lines: dict[tuple[str, str], MarkerLine] = {}
        self.current_lines: list[MarkerLine] = []
        for quantity, plot in (("softmax", self.prob_plot), ("log_softmax", self.log_plot)):
            plot.getPlotItem().setLogMode(x=True)
            for dt in DTYPES:
                color = _COLORS[dt]
                named = quantity == "log_softmax"
                for form, curve_pen in (
                    ("stable", pen(color, 3)),
                    ("naive", dashed("red" if dt == "float32" else "purple", 2)),
                ):
                    curve = LogXCurve(pen=curve_pen, name=f"{form} {dt}" if named else None)
                    plot.addItem(curve)
                    self.curves[(quantity, dt, form)] = curve
                self.overflow_lines[(quantity, dt)] = marker(
                    plot,
                    dashed("red" if dt == "float32" else "purple", 1.5),
                    label=f"naive {dt} fails",
                    label_at=0.85 if dt == "float32" else 0.7,
                )
            self.current_lines.append(marker(plot, pen("grey", 1.5), label="now", label_at=0.96))
        # Every curve changes whenever the row does, and nothing else repaints them.
        drawn_afresh_each_edit(*self.curves.values())
        # A new width may want another stride through the sweep (see draw_every).
        self.log_plot.getPlotItem().vb.sigResized.connect(self._on_resized)
        self.refresh()

    def curve_stride(self) -> int:
        """The curves' stride through the sweep now: from the plots' width in pixels."""
        return draw_every(self.log_plot.getPlotItem().vb.width())

    @safe_slot
    def _on_resized(self, *_: Any) -> None:
        if self._drawn_every is not None and self.curve_stride() != self._drawn_every:
            self.refresh()

    def _redraw(self) -> None:
        doc = self.state.document
        row, col = self.state.selection
        logits = np.array(doc.grid_logits()[row], dtype=np.float64)
        every = self.curve_stride()
        # The selected row alone decides every curve: edits of other rows change nothing.
        if self.unchanged((doc.dtype, doc.row_label(row), col, logits.tobytes(), every)):
            return
        self._drawn_every = every
        biggest = float(np.max(np.abs(logits))) if logits.size else 0.0
        if biggest < _TINY:
            # A row of (near-)zeros has no scale to sweep: 1e-310 would overflow 1/unit.
            biggest = 0.0
        unit = biggest if biggest > 0 else 1.0
        scales = np.geomspace(MAX_LOGIT_RANGE[0] / unit, MAX_LOGIT_RANGE[1] / unit, POINTS)

        # The selected class's curves only (the same bits as core.numerics gives them).
        sweep = self.derived(
            ("class_numerics", row, col), lambda: class_numerics(logits, col, scales, DTYPES)
        )
        now = self.derived(
            ("class_numerics", row, col, "now"), lambda: class_numerics(logits, col, [1.0], DTYPES)
        )
        x = sweep.max_logit if biggest > 0 else scales
        # The x axis always spans MAX_LOGIT_RANGE (log): set it rather than have
        # pyqtgraph measure all eight curves again whenever a line moves.
        lo, hi = np.log10(MAX_LOGIT_RANGE)
        pad = 0.02 * (hi - lo)
        for plot in self.plots:
            set_range(plot, "x", float(lo - pad), float(hi + pad))
        shown: dict[str, list[np.ndarray]] = {"softmax": [], "log_softmax": []}
        # Every ``every``-th sweep point is drawn (see draw_every); the failure lines
        # below and a CSV export use all of them.
        for (quantity, dt, form), curve in self.curves.items():
            values = finite_or_nan(getattr(sweep.curves[dt], f"{form}_{quantity}"))
            curve.set_xy(x, values, every)
            shown[quantity].append(values[::every])
        # The y ranges are set here: left to pyqtgraph, every paint after a change would
        # measure all eight curves again. Probabilities have their own fixed axis; the
        # log-probabilities' floor moves in coarse steps (see log_floor), so a drag of
        # the row rarely changes the axis (a new range redraws the whole plot).
        set_range(self.prob_plot, "y", -_Y_PAD, 1.0 + _Y_PAD)
        self._log_floor = log_floor(self._log_floor, _finite_min(shown["log_softmax"]))
        floor = self._log_floor
        set_range(self.log_plot, "y", -floor * (1 + _Y_PAD), _Y_PAD * floor)
        for (quantity, dt), line in self.overflow_lines.items():
            curves = sweep.curves[dt]
            # Once any exp overflows, the naive row is wrong even where the selected
            # class stays finite (exp(x_c) / inf = 0): softmax marks the row's first
            # failure, log_softmax the selected class's.
            first = curves.first_bad_row if quantity == "softmax" else curves.first_bad_log
            line.setVisible(first >= 0)
            if first >= 0:
                # Moving a line or re-setting its label re-lays it out: only on a change.
                set_line(line, np.log10(x[first]))
                line.set_label(f"{dt} fails: {x[first]:.4g}")
        for line in self.current_lines:
            line.setVisible(biggest > 0)
            set_line(line, np.log10(biggest) if biggest > 0 else 0.0)
        self._fill_text(doc.row_label(row), col, biggest, now)

    def _fill_text(self, label: str, col: int, biggest: float, now: Any) -> None:
        note = (
            "The row is all zeros: scaling it changes nothing."
            if biggest == 0
            else "x axis: the row times a factor, measured by its largest |logit| (now "
            f"{biggest:.4g}). exp overflows past about 88.7 in float32 and 709.8 in float64; "
            "when every exp underflows to 0 the naive form is 0 / 0 = nan."
        )
        set_text(self.info_label, f"Row {label}, class {col}. {note}")
        values = {
            dt: (
                now.curves[dt].naive_softmax[0],
                now.curves[dt].stable_softmax[0],
                now.curves[dt].naive_log_softmax[0],
                now.curves[dt].stable_log_softmax[0],
            )
            for dt in DTYPES
        }
        text, rich = _value_table(values)
        form = Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText
        if self.table_label.textFormat() != form:
            self.table_label.setTextFormat(form)
        set_text(self.table_label, text)


#: The table's rows: the selected entry's four values, in the order _fill_text gives them.
_ROWS = ("naive p", "stable p", "naive log p", "stable log p")
_NAME_WIDTH = 13
_VALUE_WIDTH = 15


def _value_table(values: dict[str, tuple[float, ...]]) -> tuple[str, bool]:
    """The selected entry's four values, one row each, a column per dtype: (text, rich).

    Two value columns rather than four keep the table narrower than the two
    plots above it, so the panel fits a column of the tiled layout without
    scrolling. Plain monospaced columns while every value is finite: laying
    out an HTML table costs ~2 ms, and the table changes with every drag step
    of the row. Once a value overflows or is NaN the table is HTML, the
    failures in red.
    """
    dtypes = list(values)
    finite = all(np.isfinite(v) for row in values.values() for v in row)
    if finite:
        lines = [" " * _NAME_WIDTH + "".join(dt.rjust(_VALUE_WIDTH) for dt in dtypes)]
        for i, name in enumerate(_ROWS):
            cells = "".join(f"{values[dt][i]:.7g}".rjust(_VALUE_WIDTH) for dt in dtypes)
            lines.append(name.ljust(_NAME_WIDTH) + cells)
        return "\n".join(lines), False
    head = "<th></th>" + "".join(f"<th style='padding:0 8px'>{dt}</th>" for dt in dtypes)
    rows = []
    for i, name in enumerate(_ROWS):
        body = "".join(
            f"<td style='padding:0 8px' align='right'>{_fmt(values[dt][i])}</td>" for dt in dtypes
        )
        rows.append(f"<tr><td><b>{name}</b></td>{body}</tr>")
    return f"<table cellspacing='0'><tr>{head}</tr>{''.join(rows)}</table>", True
