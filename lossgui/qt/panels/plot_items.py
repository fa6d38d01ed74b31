"""pyqtgraph items that repaint less: opaque grid lines of their own, steadier ranges.

Every edit changes a few curves; these items keep what did not change from
being laid out and painted again (see each class). :func:`make_plot` in
:mod:`lossgui.qt.panels.base` builds every plot with them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPicture
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsTextItem

from lossgui.qt.panels.data_items import LogXCurve

__all__ = [
    "GridAxis",
    "StickyViewBox",
    "cache_item_pixmaps",
    "drawn_afresh_each_edit",
    "items_uncached",
    "over_background",
    "prepare_items",
    "skip_empty_items",
]


def over_background(color: QColor, alpha: int) -> QColor:
    """``color`` at opacity ``alpha`` (0-255) over the plot background, as an opaque colour."""
    back = pg.mkColor(pg.getConfigOption("background"))
    a = alpha / 255.0
    return QColor(
        round(color.red() * a + back.red() * (1 - a)),
        round(color.green() * a + back.green() * (1 - a)),
        round(color.blue() * a + back.blue() * (1 - a)),
    )


class _GridLines(QGraphicsItem):
    """The grid lines of one :class:`GridAxis`, drawn as a child item across the view.

    Its own item, so a curve that changes repaints these lines (a few opaque
    lines, replayed from a picture) and not the axis with its tick labels.
    """

    def __init__(self, axis: GridAxis) -> None:
        super().__init__(axis)
        self._axis = axis
        self._lines = QPicture()
        # The view's box in the axis' coordinates, until the axis drops its picture
        # (its size, range or view size changed); Qt asks for it many times per paint.
        self._bounds: QRectF | None = None
        # Behind the axis' own drawing and the view's items (the axis is behind the view).
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent)

    def set_lines(self, groups: list[tuple[QPen, list[QLineF]]]) -> None:
        """Record the lines to draw: (pen, lines in the axis' coordinates) pairs."""
        picture = QPicture()
        painter = QPainter(picture)
        try:
            for line_pen, lines in groups:
                painter.setPen(line_pen)
                painter.drawLines(lines)
        finally:
            painter.end()
        self._lines = picture
        self.update()

    def boundingRect(self) -> QRectF:
        # Qt also asks while tearing the scene down, when the axis or the view may
        # already be deleted: answering "nothing" then avoids a crash at exit.
        if self._bounds is not None:
            return QRectF(self._bounds)
        try:
            view = self._axis.linkedView()
            if view is None or self._axis.grid is False:
                return QRectF()
            self._bounds = view.mapRectToItem(self._axis, view.boundingRect())
            return QRectF(self._bounds)
        except RuntimeError:
            return QRectF()

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        # The lines are made with the axis' picture: make it now if it is out of date.
        self._axis.ensure_picture()
        self._lines.play(painter)


class GridAxis(pg.AxisItem):
    """An AxisItem whose grid lines are opaque and live in their own child item.

    pyqtgraph draws grid lines as translucent tick lines in the axis' picture,
    whose bounding box then covers the whole view: every change of a curve
    replays the axis picture, tick labels included, and Qt's raster engine
    blends a translucent line pixel by pixel. Here the lines go to a
    :class:`_GridLines` child in the colour they would blend to over the
    plot background (same look, opaque, several times faster), the axis'
    picture keeps only its line and labels, and the axis' bounding box is the
    axis strip again. The axis sits behind the view box (see
    :func:`make_plot`), so the lines pass under the curves.
    """

    def __init__(self, orientation: str, **kwargs: Any) -> None:
        self._picture: QPicture | None = None
        self._grid_lines: _GridLines | None = None
        self._bounds: QRectF | None = None  # the strip, until the picture is dropped
        self._drawn_for: Any = None  # the linked view's size at the last setRange
        super().__init__(orientation, **kwargs)
        self._opaque: dict[int, QPen] = {}
        self._grid_lines = _GridLines(self)

    # pyqtgraph drops the picture (``self.picture = None``) whenever the range, the
    # size or the labels change: the grid lines must be drawn again then too.
    @property
    def picture(self) -> QPicture | None:
        return self._picture

    @picture.setter
    def picture(self, value: QPicture | None) -> None:
        self._picture = value
        lines = self._grid_lines
        if value is None:
            self._bounds = None
        if value is None and lines is not None:
            lines.setVisible(self.grid is not False)
            lines.prepareGeometryChange()
            lines._bounds = None
            lines.update()

    def setRange(self, mn: float, mx: float) -> None:
        # pyqtgraph lays the ticks out again on every call, also for the same range
        # (a linked view re-announces its range whenever anything about it changes).
        # The view's size counts too: a left axis keeps its size when the view gets
        # wider, but its grid lines must reach across the new width.
        # (pyqtgraph sets a range while constructing, before there is any linked view.)
        view = self.linkedView() if hasattr(self, "_linkedView") else None
        size = view.size() if view is not None else None
        if (
            getattr(self, "range", None) == [mn, mx]
            and not self.autoSIPrefix
            and size == self._drawn_for
        ):
            return
        self._drawn_for = size
        super().setRange(mn, mx)

    def boundingRect(self) -> QRectF:
        # The axis strip only: the grid lines are the child's. Qt asks many times per
        # paint; the strip changes only with the axis' size, labels or range, which
        # all drop the picture (see the picture setter).
        if self._bounds is None:
            grid, self.grid = self.grid, False
            try:
                self._bounds = super().boundingRect()
            finally:
                self.grid = grid
        return QRectF(self._bounds)

    def ensure_picture(self) -> None:
        """Lay out ticks and labels (and the grid lines) if the range or size changed."""
        if self._picture is not None:
            return
        picture = QPicture()
        recorder = QPainter(picture)
        try:
            if self.style["tickFont"]:
                recorder.setFont(self.style["tickFont"])
            specs = self.generateDrawSpecs(recorder)
            if specs is not None:
                self.drawPicture(recorder, *specs)
        finally:
            recorder.end()
        self._picture = picture

    def paint(self, p: QPainter, opt: Any, widget: Any) -> None:
        self.ensure_picture()
        assert self._picture is not None
        self._picture.play(p)

    def drawPicture(self, p: QPainter, axisSpec: Any, tickSpecs: Any, textSpecs: Any) -> None:
        if self.grid is not False and self._grid_lines is not None:
            groups: dict[int, tuple[QPen, list[QLineF]]] = {}
            for line_pen, p1, p2 in tickSpecs:
                opaque = self._opaque_pen(line_pen)
                groups.setdefault(id(opaque), (opaque, []))[1].append(QLineF(p1, p2))
            self._grid_lines.set_lines(list(groups.values()))
            tickSpecs = []
        super().drawPicture(p, axisSpec, tickSpecs, textSpecs)

    def _opaque_pen(self, pen: QPen) -> QPen:
        color = pen.color()
        alpha = color.alpha()
        if alpha == 255:
            return pen
        key = color.rgba()
        cached = self._opaque.get(key)
        if cached is None:
            cached = QPen(pen)
            cached.setColor(over_background(color, alpha))
            self._opaque[key] = cached
        return cached


class StickyViewBox(pg.ViewBox):
    """A ViewBox whose automatic range holds still while the data move a little.

    pyqtgraph's auto range follows the data exactly, so a curve that shifts by
    a hair on every edit changes the range on every edit, and each change
    makes the axes lay out their ticks and labels again and the line labels
    move (a few milliseconds of Python per plot). Here an automatic range is
    kept while it holds all the data and the data fill at least :attr:`KEEP`
    of it; when it must change, it widens to the next multiples of a round
    step (1, 2 or 5 x 10^k, about a 25th of the span), with a tenth of the span
    more beyond an edge the data crossed, so the next small moves fit in it.
    Each change costs every cached item of the plot a new pixmap, so a range
    shrinks only once the data fill less than :attr:`KEEP` of it. Ranges the
    user or the code sets, and views of pictures, are untouched.
    """

    #: The data must fill at least this fraction of a kept range (less: it shrinks).
    KEEP = 0.6
    #: Room added beyond an edge the data crossed, as a fraction of their span.
    HEADROOM = 0.1

    def setRange(
        self,
        rect: Any = None,
        xRange: Any = None,
        yRange: Any = None,
        padding: Any = None,
        update: bool = True,
        disableAutoRange: bool = True,
    ) -> None:
        if rect is None and not disableAutoRange and not self._shows_image():
            # The auto range asks for a change. Its first fit has no range of the data's
            # to keep (pyqtgraph's initial [0, 1] is none): fit without headroom.
            first = not getattr(self, "_fitted", False)
            self._fitted = True
            current = [[np.inf, -np.inf]] * 2 if first else self.viewRange()
            xRange = self.sticky_range(current[0], xRange)
            yRange = self.sticky_range(current[1], yRange)
            if xRange is None and yRange is None:
                return
        super().setRange(rect, xRange, yRange, padding, update, disableAutoRange)

    def _shows_image(self) -> bool:
        # Pictures keep pyqtgraph's exact fit: they rarely change size, and a margin
        # around a picture would read as part of it.
        return any(isinstance(item, pg.ImageItem) for item in self.addedItems)

    def itemBoundsChanged(self, item: Any) -> None:
        # A moved vertical line can only change the x range, a horizontal one the y
        # range: when that axis is not automatic, pyqtgraph's re-measuring of every
        # item (on each step of a dragged marker) is wasted.
        if isinstance(item, pg.InfiniteLine):
            auto_x, auto_y = (a is not False for a in self.state["autoRange"])
            angle = float(item.angle) % 180.0
            if (angle == 90.0 and not auto_x) or (angle == 0.0 and not auto_y):
                self._itemBoundsCache.pop(item, None)
                return
        super().itemBoundsChanged(item)

    @classmethod
    def sticky_range(cls, current: Any, wanted: Any) -> list[float] | None:
        """None to keep ``current``, else ``wanted`` widened to round numbers."""
        if wanted is None:
            return None
        lo, hi = float(wanted[0]), float(wanted[1])
        now_lo, now_hi = float(current[0]), float(current[1])
        if now_lo <= lo and hi <= now_hi and (hi - lo) >= cls.KEEP * (now_hi - now_lo):
            return None
        if not hi > lo:
            return [lo, hi]
        span = hi - lo
        step = _round_step(span / 25)
        # Data that crossed an edge usually keep moving that way (a dragged logit):
        # leave a tenth of the span of room on that side, so the next steps fit. A
        # first fit (no current range, infinite edges) crossed nothing.
        if np.isfinite(now_lo) and lo < now_lo:
            lo -= cls.HEADROOM * span
        if np.isfinite(now_hi) and hi > now_hi:
            hi += cls.HEADROOM * span
        return [float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step)]


def _round_step(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^k that is >= ``value`` (> 0)."""
    exponent = np.floor(np.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        step = mantissa * 10.0**exponent
        if step >= value:
            return float(step)
    return float(10.0 ** (exponent + 1))


def _cached_kinds() -> tuple[type, ...]:
    # Text too (line labels, legend entries): a curve that changes under a label
    # makes Qt repaint the label, and laying text out again costs more than a copy.
    # Not pg.TextItem itself: it changes its box (a label's fill) without telling Qt
    # (no prepareGeometryChange), so a pixmap of it would keep the old size; the
    # QGraphicsTextItem inside it, which holds the text, is Qt's own and does.
    return (
        pg.PlotCurveItem,
        LogXCurve,
        pg.ScatterPlotItem,
        pg.BarGraphItem,
        pg.AxisItem,
        pg.LegendItem,
        pg.InfiniteLine,
        _GridLines,
        QGraphicsTextItem,
        pg.LabelItem,
        ItemSample,
    )


def cache_item_pixmaps(plot: pg.PlotWidget) -> None:
    """Let Qt keep a pixmap of each curve, bar set, axis, grid, legend, line and text of ``plot``.

    A drag moves one line or changes one curve, and Qt repaints the region it
    touched by painting every item that crosses it: each curve stroked again,
    each axis and grid replayed. With ``DeviceCoordinateCache`` an item that did
    not change is a pixmap copy instead; an item that changes (``update()``,
    a new range) is drawn again into its pixmap. Exports paint inside
    :func:`items_uncached`, so an SVG keeps vector curves and a PNG of another
    size is not a scaled screen pixmap. Idempotent; call it again after adding
    items. Images (``ImageItem``) are left alone: they are pixmaps already.
    """
    kinds = _cached_kinds()
    device = QGraphicsItem.CacheMode.DeviceCoordinateCache
    for item in plot.scene().items():
        if (
            isinstance(item, kinds)
            and item.cacheMode() != device
            and not getattr(item, _DRAWN_AFRESH, False)
        ):
            item.setCacheMode(device)


#: Set on items that :func:`cache_item_pixmaps` leaves uncached.
_DRAWN_AFRESH = "_lossgui_drawn_afresh"


def drawn_afresh_each_edit(*items: QGraphicsItem) -> None:
    """Keep ``items`` out of :func:`cache_item_pixmaps`: their data change with each edit.

    A cached item that changed is drawn into its pixmap, which is then blended
    onto the view; for an item whose data change with every edit it shows
    (the numerics sweep, the share bars), that is a pixmap fill and an alpha
    blend more than drawing it directly. Items that only get repainted because
    a line moved over them (static curves) stay cached.
    """
    for item in items:
        setattr(item, _DRAWN_AFRESH, True)
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)


def skip_empty_items(plot: pg.PlotWidget) -> None:
    """Tell Qt that ``plot``'s layout items (the plot item, titles, legend labels) paint nothing.

    They only hold other items, and pyqtgraph gives them no ``paint``. Qt still
    asks each for its bounding box (a call into Python) on every paint of the
    view, about 80 calls per drag step in all, unless the item is flagged
    ``ItemHasNoContents``: then it only draws the item's children. Idempotent;
    call it again after adding items.
    """
    empty = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    for item in plot.scene().items():
        # Exact types: a subclass may paint.
        if type(item) in (pg.PlotItem, pg.LabelItem) and not item.flags() & empty:
            item.setFlag(empty)


def prepare_items(plot: pg.PlotWidget) -> None:
    """Ready ``plot``'s items for cheap repaints (shown, or items added).

    Runs :func:`cache_item_pixmaps` and :func:`skip_empty_items`; idempotent.
    """
    cache_item_pixmaps(plot)
    skip_empty_items(plot)


@contextmanager
def items_uncached(scene: QGraphicsScene) -> Iterator[None]:
    """Paint ``scene``'s items directly inside the block (exports), then cache them again."""
    none = QGraphicsItem.CacheMode.NoCache
    cached = [(item, item.cacheMode()) for item in scene.items() if item.cacheMode() != none]
    for item, _mode in cached:
        item.setCacheMode(none)
    try:
        yield
    finally:
        for item, mode in cached:
            item.setCacheMode(mode)
