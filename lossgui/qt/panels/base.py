"""What every plot panel shares: redraw scheduling, a stale-result label, styling.

A panel subclasses :class:`PanelBase` and implements :meth:`PanelBase._redraw`,
which reads ``state.document`` / ``state.evaluation``, asks for arrays through
``state.derived`` and calls ``setData`` / ``setOpts`` on items it created once.
The base class makes sure nothing raised in a redraw escapes into Qt's event
loop, keeps the last valid curves while the Document is one PyTorch rejects,
and skips redraws of panels the user cannot see (a hidden tab catches up when
it is shown).
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

from lossgui.qt.state import AppState

#: Options of InfiniteLine labels: dark text on a light box reads on any background.
LINE_LABEL: dict[str, Any] = {"color": "#202020", "fill": (255, 255, 255, 210)}

__all__ = [
    "COLORS",
    "LINE_LABEL",
    "PanelBase",
    "brush",
    "dashed",
    "finite_or_nan",
    "integer_ticks",
    "make_plot",
    "pen",
    "safe_slot",
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


def brush(color: str, alpha: int = 200) -> Any:
    """A fill of palette colour ``color`` with opacity ``alpha`` (0-255)."""
    c = QColor(COLORS.get(color, color))
    c.setAlpha(alpha)
    return pg.mkBrush(c)


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
    plot = pg.PlotWidget()
    item = plot.getPlotItem()
    item.setTitle(title, size="10pt")
    item.setLabel("bottom", x_label, units=x_units or None)
    item.setLabel("left", y_label, units=y_units or None)
    item.showGrid(x=True, y=True, alpha=0.2)
    if legend is not None:
        item.addLegend(offset=legend, labelTextSize="8pt", brush=pg.mkBrush(128, 128, 128, 50))
    plot.setMinimumSize(220, 160)
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
    plot.getPlotItem().getAxis(axis).setTicks([major, []])


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

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.plots: list[pg.PlotWidget] = []
        self._dirty = True
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
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Redraw from the current Document now (the window calls it before export)."""
        self._dirty = False
        self._refresh()

    @safe_slot
    def _refresh(self) -> None:
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
        self.stale_label.setText(f"stale: {reason}")
        self.stale_label.show()

    # ----------------------------------------------------------------- helpers
    def derived(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``state.derived`` for the current Document (shared between panels).

        Keys start with the name of the core function that computes the value,
        followed by everything else it depends on besides the Document.
        """
        return self.state.derived(key, compute)
