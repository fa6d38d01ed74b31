"""What every plot panel shares: redraw scheduling, a stale-result label, styling.

A panel subclasses :class:`PanelBase` and implements :meth:`PanelBase._redraw`,
which reads ``state.document`` / ``state.evaluation``, asks for arrays through
``state.derived`` and calls ``setData`` / ``setOpts`` on items it created once.
The base class makes sure nothing raised in a redraw escapes into Qt's event
loop, keeps the last valid curves while the Document is one PyTorch rejects,
and skips redraws of panels the user cannot see (a hidden tab catches up when
it is shown). Plots are built by :func:`make_plot` from the items of
:mod:`lossgui.qt.panels.plot_items` (axes, view box) and
:mod:`lossgui.qt.panels.data_items` (bars, points, curves), values marked by
:mod:`lossgui.qt.panels.marker_line`; redraws change them through the helpers
of :mod:`lossgui.qt.panels.plot_updates` (re-exported here), which skip what
did not change.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from lossgui.qt.export import enable_plot_exports
from lossgui.qt.panels.marker_line import MarkerLine
from lossgui.qt.panels.plot_items import (
    GridAxis,
    StickyViewBox,
    over_background,
    prepare_items,
)
from lossgui.qt.panels.plot_updates import (
    fit_range,
    nice_ceiling,
    same_values,
    set_axis_label,
    set_bars,
    set_curve,
    set_line,
    set_points,
    set_range,
    set_title,
)
from lossgui.qt.state import AppState

#: How marker labels look (see :func:`marker`): dark text on a light box reads on any background.
LINE_LABEL: dict[str, Any] = {"color": "#202020", "fill": (255, 255, 255, 210)}

__all__ = [
    "COLORS",
    "LINE_LABEL",
    "GridAxis",
    "PanelBase",
    "StickyViewBox",
    "brush",
    "dashed",
    "finite_or_nan",
    "fit_range",
    "integer_ticks",
    "make_plot",
    "marker",
    "nice_ceiling",
    "pen",
    "safe_slot",
    "same_values",
    "set_axis_label",
    "set_bars",
    "set_curve",
    "set_line",
    "set_points",
    "set_range",
    "set_title",
]

#: A colour-blind-safe palette (Okabe-Ito) that reads on dark and light backgrounds.
COLORS: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#999999",
}

# Errors a core computation raises for input PyTorch would reject.
_EXPECTED = (ValueError, IndexError, TypeError, ArithmeticError)


def pen(color: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> Any:
    """A cosmetic pen of palette colour ``color`` (a COLORS key or any Qt colour)."""
    return pg.mkPen(COLORS.get(color, color), width=width, style=style)


def dashed(color: str, width: float = 2.0) -> Any:
    """A dashed pen, for a curve drawn over another one it may coincide with."""
    return pen(color, width, Qt.PenStyle.DashLine)


def coloured(text: str, colour: str) -> str:
    """``text`` as rich text in palette colour ``colour`` (or a #rrggbb): a key in a title."""
    return f"<span style='color: {COLORS.get(colour, colour)}'>{text}</span>"


def brush(color: str, alpha: int = 200) -> Any:
    """A fill of palette colour ``color`` at opacity ``alpha`` (0-255) over the plot background.

    The colour is blended with the background here and the fill is opaque:
    Qt fills opaque areas several times faster than translucent ones, and
    the bars and areas of these plots never overlap one another (grid lines
    pass behind them).
    """
    return pg.mkBrush(over_background(QColor(COLORS.get(color, color)), alpha))


def marker(plot: pg.PlotWidget, line_pen: Any, **options: Any) -> MarkerLine:
    """A :class:`MarkerLine` in ``plot`` whose label looks like :data:`LINE_LABEL`.

    ``options`` are MarkerLine's (vertical, label, label_at, value, ...).
    """
    options.setdefault("label_color", LINE_LABEL["color"])
    options.setdefault("label_fill", pg.mkColor(LINE_LABEL["fill"]))
    return MarkerLine(plot, line_pen, **options)


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    """float64 copy with inf replaced by NaN, which pyqtgraph leaves as a gap."""
    out = np.array(values, dtype=np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


def make_plot(
    title: str,
    x_label: str,
    y_label: str,
    *,
    x_units: str = "",
    y_units: str = "",
    legend: tuple[int, int] | None = (-10, 10),
) -> pg.PlotWidget:
    """A PlotWidget with a title, labelled axes, a light grid and (optionally) a legend.

    ``legend`` is the legend's offset from the top-left (positive) or the
    top-right (negative x) corner; None for no legend.
    """
    # Wide solid curves as one stroked path: pyqtgraph's default draws them as separate
    # segments, which Qt strokes more slowly (the curves are redrawn on every edit).
    if pg.getConfigOption("segmentedLineMode") != "off":
        pg.setConfigOptions(segmentedLineMode="off")
    plot = pg.PlotWidget(
        viewBox=StickyViewBox(),
        axisItems={side: GridAxis(side) for side in ("left", "bottom", "right", "top")},
    )
    # Axes passed in are shown: keep pyqtgraph's default of left and bottom only.
    for side in ("top", "right"):
        plot.getPlotItem().hideAxis(side)
    item = plot.getPlotItem()
    item.setTitle(title, size="10pt")
    item.setLabel("bottom", x_label, units=x_units or None)
    item.setLabel("left", y_label, units=y_units or None)
    item.showGrid(x=True, y=True, alpha=0.2)
    for side in ("left", "bottom", "right", "top"):
        # Behind the view box (z -100): opaque grid lines must not cross curves and legends
        # (a right axis shown later, for a second y scale, too).
        item.getAxis(side).setZValue(-101)
    if legend is not None:
        item.addLegend(offset=legend, labelTextSize="8pt", brush=pg.mkBrush(128, 128, 128, 50))
    plot.setMinimumSize(220, 160)
    # The view paints its whole area with pyqtgraph's opaque background brush: Qt need
    # not fill it with the palette first, nor paint anything behind it.
    plot.viewport().setAutoFillBackground(False)
    plot.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    # A fixed axis width lines up the x axes of plots stacked in one panel.
    item.getAxis("left").setWidth(62)
    # SI prefixes on a loss axis ("m" for milli-nats) confuse more than they help.
    for side in ("left", "bottom", "right"):
        item.getAxis(side).enableAutoSIPrefix(False)
    return plot


def integer_ticks(plot: pg.PlotWidget, stop: int, start: int = 0, axis: str = "bottom") -> None:
    """Label ``axis`` at whole numbers start .. stop - 1 only (classes, samples).

    At most about 20 labels are shown; the step is a 1-2-5 number.
    """
    count = max(stop - start, 1)
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        step = candidate
        if count / candidate <= 20:
            break
    first = -(-start // step) * step
    major = [(i, str(i)) for i in range(first, max(stop, first + 1), step)]
    item = plot.getPlotItem().getAxis(axis)
    # setTicks makes the axis lay its labels out again and repaint: only on a change.
    if getattr(item, "_tickLevels", None) != [major, []]:
        item.setTicks([major, []])


def safe_slot(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a panel method used as a Qt slot so that no exception escapes.

    Expected rejections (what PyTorch would refuse) go to the panel's stale
    label; anything else is an internal error, printed for a bug report and
    shown in the stale label and the status bar, never raised into Qt.
    """

    @functools.wraps(method)
    def wrapper(self: PanelBase, *args: Any) -> None:
        try:
            method(self, *args)
        except _EXPECTED as err:
            self.show_stale(str(err))
        except Exception as err:  # a bug must not kill the event loop
            traceback.print_exc()
            self.show_stale(f"internal error ({type(err).__name__}: {err})")
            self.state.message.emit(
                f"Internal error in {type(self).__name__}.{method.__name__}: {err}; "
                "please report it"
            )

    return wrapper


class PanelBase(QWidget):
    """A plot panel that follows AppState.

    Attributes
    ----------
    state : AppState
    plots : list of pg.PlotWidget
        The panel's plots, in reading order (the window exports them).
    stale_label : QLabel
        Visible, saying why, while the curves show an earlier valid Document.
    """

    #: Whether the plots pair the Document with ``state.evaluation``: those wait while a
    #: large batch is being evaluated. Panels drawn from the Document alone stay live.
    uses_evaluation = False

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.plots: list[pg.PlotWidget] = []
        self._dirty = True
        # The state (see _state_key) of the last redraw.
        self._drawn_for: tuple[Any, Any, tuple[int, int], str | None] | None = None
        # What the plots show, for panels that use :meth:`unchanged`.
        self._drawn_keys: dict[str, Any] = {}
        self._memos: dict[Any, tuple[Any, Any]] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(4)
        self.stale_label = QLabel(self)
        self.stale_label.setObjectName("staleLabel")
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet(
            "QLabel#staleLabel { color: #8a4b00; background: #fff3d6;"
            " border: 1px solid #e0b060; padding: 2px 4px; font-size: 9pt; }"
        )
        self.stale_label.setToolTip(
            "The plots still show the last batch PyTorch accepted; fix the input to update them."
        )
        self.stale_label.hide()
        self._layout.addWidget(self.stale_label)
        state.changed.connect(self._on_state_changed)
        state.selectionChanged.connect(self._on_selection_changed)

    # -------------------------------------------------------------- scheduling
    def _on_state_changed(self) -> None:
        self._schedule()

    def _on_selection_changed(self, _row: int, _col: int) -> None:
        self._schedule()

    def _schedule(self) -> None:
        # A panel in a hidden tab of a shown window waits until it is shown.
        window = self.window()
        if window is not self and window.isVisible() and not self.isVisible():
            self._dirty = True
            return
        # One redraw per state: when one action emits both `changed` and
        # `selectionChanged`, the second signal finds the plots already current.
        drawn, now = self._drawn_for, self._state_key()
        if (
            not self._dirty
            and drawn is not None
            and all(a is b for a, b in zip(drawn[:2], now[:2], strict=True))
            and drawn[2:] == now[2:]
        ):
            return
        self.refresh()

    def _state_key(self) -> tuple[Any, Any, tuple[int, int], str | None]:
        # Document and Evaluation compare by identity (held, so never reused): a large
        # Document's evaluation arrives later, for the same Document.
        state = self.state
        return (state.document, state.evaluation, state.selection, state.error)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()
        for plot in self.plots:
            prepare_items(plot)

    def adopt_plots(self, plots: list[pg.PlotWidget]) -> None:
        """Add ``plots``, built after the window was laid out, to :attr:`plots`.

        They get what the window gives the plots it finds at start: the export
        menu, and (shown now) the cheap-repaint set-up of :meth:`showEvent`.
        """
        self.plots.extend(plots)
        enable_plot_exports(plots)
        if self.isVisible():
            for plot in plots:
                prepare_items(plot)

    def refresh(self) -> None:
        """Redraw from the current Document now (the window calls it before export)."""
        self._dirty = False
        self._drawn_for = self._state_key()
        self._refresh()

    @safe_slot
    def _refresh(self) -> None:
        if self.state.computing and self.uses_evaluation:
            # state.evaluation is still the previous numbers' while a large batch is
            # evaluated: keep the curves (which agree with one another) and say so; the
            # `changed` that brings the new evaluation redraws.
            self.stale_label.setText("computing… (the plots show the previous numbers)")
            self.stale_label.show()
            return
        if self.state.error is not None:
            self.show_stale(self.state.error)
            return
        self._redraw()
        self.stale_label.hide()

    def _redraw(self) -> None:
        """Update every plot item from ``self.state``; may raise ValueError to mark stale."""
        raise NotImplementedError

    def show_stale(self, reason: str) -> None:
        """Keep the curves as they are and say why they are not current."""
        self._drawn_keys.clear()
        self.stale_label.setText(f"stale: {reason}")
        self.stale_label.show()

    def unchanged(self, key: Any, part: str = "plots") -> bool:
        """Whether ``part`` of the panel already shows what ``key`` describes; remembers it.

        A panel whose plots depend on a few inputs (the selected row, a pair of
        classes, the dtype) passes them all here and skips the drawing on
        True: an edit elsewhere in the batch then costs nothing. ``part``
        names independent parts of one panel. Keys compare with ``==``, so
        they hold numbers, strings, bytes, tuples and dicts, never arrays.
        """
        if part in self._drawn_keys and self._drawn_keys[part] == key:
            return True
        self._drawn_keys[part] = key
        return False

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, reused while ``key`` stays the same, across Documents.

        For results that depend on fewer inputs than the whole Document (a
        sweep of one pair of logits): dragging another cell then reuses them,
        where :meth:`derived` would compute them again for every new Document.
        ``key`` starts with the name of the computation and holds every input
        (compared with ``==``); one result per name is kept.
        """
        kept = self._memos.get(key[0])
        if kept is not None and kept[0] == key:
            return kept[1]
        value = compute()
        self._memos[key[0]] = (key, value)
        return value

    # ----------------------------------------------------------------- helpers
    def derived(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``state.derived`` for the current Document (shared between panels).

        Keys start with the name of the core function that computes the value,
        followed by everything else it depends on besides the Document.
        """
        return self.state.derived(key, compute)
