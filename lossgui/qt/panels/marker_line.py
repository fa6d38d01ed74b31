"""Marker lines that Qt draws alone: where a value sits in a plot, with a label.

Most panels mark a value with a line across the plot (the selected sample,
the current a - b, where the naive softmax fails), and several of those lines
move on every drag step of the selected logit. pyqtgraph's ``InfiniteLine``
does its geometry in Python on each move: its bounding box from the view
rectangle in pixels, its label's place along the line, the label's
orientation, about 0.25 ms per moved line before anything is painted.
:class:`MarkerLine` lives in the view box's pixel coordinates instead: a move
maps one number through the view's transform and hands Qt a new line; Qt
measures and paints the line and its label in C++. Lines the user drags keep
being ``InfiniteLine`` (hover, drag signals).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

__all__ = ["MarkerLine"]

#: Room between a label's text and its box, and between the box and the line, in pixels.
_PAD = 2.0
_GAP = 3.0


class MarkerLine(QGraphicsLineItem):
    """A vertical or horizontal line across a plot at one value, with an optional label.

    A child of the plot's view box, in its pixel coordinates: it is placed
    again when the view's range or size changes, and clipped to the view like
    the plot's curves. Not part of the plot's data (no auto-range, no CSV).

    Parameters
    ----------
    plot : pg.PlotWidget
    pen : QPen
        Cosmetic, as pyqtgraph's pens are (a width in pixels).
    vertical : bool
        A line at x = value (True) or at y = value (False), in view
        coordinates (log10 of the value on a log axis).
    label : str
        Shown beside the line; ``{value}`` fields (e.g. ``"x = {value:.3g}"``)
        show the line's value. Empty for no label. While the value lies outside
        the view, the label stays at the nearest edge with an arrow pointing
        the way to it (the line itself is clipped away).
    label_at : float
        Where along the line the label sits, 0 (bottom or left) to 1. The label
        is right of a vertical line and above a horizontal one, or on the
        other side where there is no room.
    label_color : str
    label_fill : QColor or None
        The label's background (None: none).
    value : float
    """

    def __init__(
        self,
        plot: pg.PlotWidget,
        pen: QPen,
        *,
        vertical: bool = True,
        label: str = "",
        label_at: float = 0.5,
        label_color: str = "#202020",
        label_fill: QColor | None = None,
        value: float = 0.0,
    ) -> None:
        self._view = plot.getPlotItem().getViewBox()
        super().__init__(self._view)
        self.setPen(pen)
        # Above the view's items (curves, bars), below its border.
        self.setZValue(500)
        self._vertical = vertical
        self._value = float(value)
        self._label_format = label
        self._label_at = label_at
        self._box = QGraphicsRectItem(self)
        self._box.setPen(QPen(Qt.PenStyle.NoPen))
        self._box.setBrush(QBrush(label_fill) if label_fill is not None else QBrush())
        self._text = QGraphicsSimpleTextItem(self._box)
        self._text.setBrush(QBrush(QColor(label_color)))
        # Text is laid out again on every paint of a simple text item: keep a pixmap.
        self._text.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Its own flag: isVisible() of a child is False while the line is hidden.
        self._labelled = bool(label)
        self._box.setVisible(self._labelled)
        self._off_view = ""  # the arrow towards a value outside the view, "" inside
        self._show_label_text()
        self._view.sigTransformChanged.connect(self._place)
        self._place()

    # ----------------------------------------------------------------- value
    def value(self) -> float:
        """The value the line marks (view coordinates)."""
        return self._value

    def setValue(self, value: float) -> None:
        """Move the line to ``value``; a non-finite value is ignored (the line stays)."""
        value = float(value)
        if not math.isfinite(value) or value == self._value:
            return
        self._value = value
        if "{" in self._label_format:
            self._show_label_text()
        self._place()

    # ----------------------------------------------------------------- label
    def label_text(self) -> str:
        """The label as shown ("" for none), with its arrow while the value is off view."""
        return self._text.text() if self._labelled else ""

    def set_label(self, label: str) -> None:
        """Show ``label`` (``{value}`` fields allowed, as in the constructor)."""
        if label == self._label_format:
            return
        self._label_format = label
        self._labelled = bool(label)
        self._box.setVisible(self._labelled)
        self._show_label_text()
        self._place()

    def _show_label_text(self) -> None:
        text = self._label_format.format(value=self._value) if self._label_format else ""
        if text and self._off_view in ("←", "↓"):
            text = f"{self._off_view} {text}"
        elif text and self._off_view:
            text = f"{text} {self._off_view}"
        if text == self._text.text():
            return
        self._text.setText(text)
        size = self._text.boundingRect()
        self._text.setPos(_PAD, _PAD)
        self._box.setRect(QRectF(0, 0, size.width() + 2 * _PAD, size.height() + 2 * _PAD))

    # ------------------------------------------------------------- placement
    def _place(self, *_args: object) -> None:
        """Put the line at its value across the view, and its label along it."""
        area = self._view.rect()
        to_pixels = self._view.childGroup.transform()
        if self._vertical:
            x = to_pixels.map(QPointF(self._value, 0.0)).x()
            line = QLineF(x, area.top(), x, area.bottom())
            spot = QPointF(x, area.bottom() - self._label_at * area.height())
            off = "←" if x < area.left() else "→" if x > area.right() else ""
        else:
            y = to_pixels.map(QPointF(0.0, self._value)).y()
            line = QLineF(area.left(), y, area.right(), y)
            spot = QPointF(area.left() + self._label_at * area.width(), y)
            off = "↑" if y < area.top() else "↓" if y > area.bottom() else ""
        if line != self.line():
            self.setLine(line)
        if off != self._off_view:
            self._off_view = off
            self._show_label_text()
        if self._labelled:  # placed while the line is hidden too: it may be shown as it is
            self._place_label(area, spot)

    def _place_label(self, area: QRectF, spot: QPointF) -> None:
        """Beside the line at ``spot`` (right of it, or above), the other side if it would
        not fit; always inside the view, so a line near an edge keeps its whole label."""
        box = self._box.rect()
        w, h = box.width(), box.height()
        if self._vertical:
            left = spot.x() + _GAP
            if left + w > area.right():
                left = spot.x() - _GAP - w
            top = spot.y() - h / 2
        else:
            left = spot.x() - w / 2
            top = spot.y() - _GAP - h
            if top < area.top():
                top = spot.y() + _GAP
        left = min(max(left, area.left()), area.right() - w)
        top = min(max(top, area.top()), area.bottom() - h)
        if QPointF(left, top) != self._box.pos():
            self._box.setPos(left, top)
