"""Data items that measure themselves once per change: bars, points, log-x curves.

The panels change these on every edit or drag step. pyqtgraph's own items
recompute their bounding box (a device-transform inversion in Python) on
every question Qt asks, several per paint, and PlotCurveItem rebuilds its
bounds and path with NaN checks in Python on each change. These keep what
they measured until their data or the view's transform changes.
:mod:`lossgui.qt.panels.plot_items` caches their pixmaps like the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPainterPath

__all__ = ["Bars", "LogXCurve", "LogYPoints", "Points"]


class _PixelSize:
    """One view pixel's width and height in an item's own units, kept until forgotten.

    pyqtgraph's ``pixelVectors`` inverts the device transform in Python; the
    items below pad their boxes by a few pixels after every change of their
    data, while the view (and so the pixel size) rarely changes. The owner
    calls :meth:`forget` from ``viewTransformChanged``.
    """

    def __init__(self) -> None:
        self._size: tuple[float, float] | None = None

    def of(self, item: pg.GraphicsObject) -> tuple[float, float] | None:
        """(width, height) of a pixel in ``item``'s units; None before it is shown."""
        if self._size is None:
            vx, vy = item.pixelVectors()
            if vx is None or vy is None:
                return None  # not shown yet: ask again next time
            self._size = (vx.length(), vy.length())
        return self._size

    def forget(self) -> None:
        self._size = None


class Bars(pg.BarGraphItem):
    """A BarGraphItem that measures its bounding box once per change, not per question.

    pyqtgraph's computes its pixel padding (a device-transform inversion in
    Python) on every ``boundingRect`` call, and Qt asks several times per
    paint: about 30 times per edit across the panels' bar charts. The box is
    kept until the bars or the view's transform change, and the size of a
    pixel until the view's transform changes (a drag changes the bars on
    every step, rarely the view).
    """

    def __init__(self, **opts: Any) -> None:
        self._bounds: QRectF | None = None
        self._pixel = _PixelSize()
        super().__init__(**opts)

    def setOpts(self, **opts: Any) -> None:
        self._bounds = None
        super().setOpts(**opts)

    def set_heights(self, height: Any, y0: Any = None) -> None:
        """The same bars (x, width, colours) with new heights, on new bases ``y0`` if given.

        What an edit changes. pyqtgraph's ``setOpts`` normalises every
        coordinate and colour again (about 100 us a call); this writes the
        rectangles' y and height as it would, from (N,) ``height`` and a
        scalar or (N,) ``y0`` (0 when None), and falls back to ``setOpts``
        for anything else (another count, bars given by y or y1).
        """
        h = np.asarray(height, dtype=np.float64)
        base = np.asarray(0.0 if y0 is None else y0, dtype=np.float64)
        rects = self._rectarray.ndarray()
        changes = {"height": height} if y0 is None else {"height": height, "y0": y0}
        if (
            h.shape != (len(rects),)
            or base.ndim > 1
            or (base.ndim == 1 and base.shape != h.shape)
            or any(self.opts.get(k) is not None for k in ("y", "y1"))
            or (y0 is None and self.opts.get("y0") is not None)
            or not len(rects)
        ):
            self.setOpts(**changes)
            return
        self.opts.update(changes)
        # As pyqtgraph's _getNormalizedCoords: bottom = min(y0, y0 + h), top = max(...).
        end = base + h
        bottom, top = np.minimum(base, end), np.maximum(base, end)
        rects[:, 1] = bottom
        rects[:, 3] = top - bottom
        self._dataBounds = (self._dataBounds[0], (np.min(bottom), np.max(top)))
        self.picture = None
        self._shape = None
        self._bounds = None
        self.prepareGeometryChange()
        self.update()
        self.informViewBoundsChanged()

    def viewTransformChanged(self) -> None:
        self._bounds = None  # the padding is a number of pixels
        self._pixel.forget()
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            self._bounds = self._measure()
        return QRectF(self._bounds)

    def _measure(self) -> QRectF:
        """pyqtgraph's box: the bars (with half the pen) plus the pen's pixel padding."""
        xmn, xmx = self.dataBounds(ax=0)
        ymn, ymx = self.dataBounds(ax=1)
        if xmn is None or xmx is None or ymn is None or ymx is None:
            return QRectF()
        pad = self.pixelPadding()
        pixel = self._pixel.of(self) if pad > 0 else None  # None: not shown yet, no pixels
        px, py = (pixel[0] * pad, pixel[1] * pad) if pixel is not None else (0.0, 0.0)
        return QRectF(xmn - px, ymn - py, 2 * px + xmx - xmn, 2 * py + ymx - ymn)


class Points(pg.ScatterPlotItem):
    """A ScatterPlotItem that measures its bounding box once per change, not per question.

    pyqtgraph's inverts the device transform in Python (its pixel padding) on
    every ``boundingRect`` call, and Qt asks about six times per paint of the
    plot, also when only a line elsewhere in it moved. The box is kept while
    pyqtgraph's own bounds cache (the ``bounds`` list, replaced on every change
    of the points, their sizes or the view's transform) is the same.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._box: QRectF | None = None
        self._box_for: object = None
        super().__init__(*args, **kwargs)

    def boundingRect(self) -> QRectF:
        if self._box is None or self._box_for is not self.bounds:
            self._box = QRectF(super().boundingRect())
            self._box_for = self.bounds  # filled in place by dataBounds, replaced on a change
        return QRectF(self._box)

    def move_points(self, x: Any, y: Any) -> None:
        """Show the points at (x, y), shapes (n,); as ``setData(x=x, y=y)`` draws them.

        With as many points as shown, they move in place: ``setData`` builds
        the record array and every spot's symbol-atlas key again in Python
        (about 2 µs a point), although only the positions changed. The same
        bookkeeping as pyqtgraph's ``addPoints`` follows, minus that.
        """
        xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if self.data is None or len(self.data) != xs.size or ys.size != xs.size:
            self.setData(x=xs, y=ys)
            return
        self.data["x"] = xs
        self.data["y"] = ys
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.bounds = [None, None]
        self.invalidate()
        self.sigPlotChanged.emit(self)


class LogYPoints(Points):
    """Points of a log-y plot: takes y as it is, draws log10(y), exports y as it is (CSV).

    A PlotDataItem with symbols does the log mapping itself, but its scatter
    is pyqtgraph's, which re-measures its box on every paint of the plot (also
    when only a line elsewhere in it moved). The y values must be positive.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._given: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))

    def set_xy(self, x: Any, y: Any) -> None:
        """Show points at (x, y), y > 0, drawn at log10(y); shapes (n,)."""
        xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        self._given = (xs, ys)
        self.move_points(xs, np.log10(ys))

    def getOriginalDataset(self) -> tuple[np.ndarray, np.ndarray]:
        """The points as given: what a CSV export writes."""
        return self._given


class LogXCurve(pg.GraphicsObject):
    """A curve of a log-x plot: takes x as it is, draws log10(x), exports x as it is (CSV).

    One ``QPainterPath`` stroked by Qt, for curves that change on every drag
    step (the numerics sweep, the weight sweep). pyqtgraph's PlotCurveItem
    does much more per change in Python (bounds with NaN checks, pixel
    padding, fill and segment modes, downsampling) and costs about twice as
    much per step; its PlotDataItem also maps x to log10 with bookkeeping of
    its own. This item offers what the legend and the CSV exporter ask of a
    curve (``name``, ``opts``, ``implements('plotData')``, ``getData``,
    ``getOriginalDataset``).

    Parameters
    ----------
    pen : anything pg.mkPen takes
        Cosmetic (a width in pixels), as pyqtgraph's pens are.
    name : str, optional
        The legend's entry.
    """

    def __init__(self, pen: Any = None, name: str | None = None) -> None:
        super().__init__()
        self._pen = pg.mkPen(pen)
        self._name = name
        self._path = QPainterPath()
        self._bounds: QRectF | None = QRectF()
        self._pixel = _PixelSize()  # see boundingRect
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._all_x = np.zeros(0)
        self._all_y = np.zeros(0)
        # What pyqtgraph's ItemSample (the legend entry) reads from a curve.
        self.opts = {"pen": self._pen, "antialias": pg.getConfigOption("antialias")}

    def set_xy(self, x: Any, y: Any, every: int = 1) -> None:
        """Show points (x, y), x > 0, shape (K,) each; NaN or inf in y leaves gaps.

        With ``every`` > 1 only every ``every``-th point is drawn (a sweep finer
        than the plot's pixels); a CSV export still writes them all.
        """
        self._all_x = np.asarray(x, dtype=np.float64)
        self._all_y = np.asarray(y, dtype=np.float64)
        self._x = np.log10(self._all_x[::every])
        self._y = self._all_y[::every]
        # Non-finite points break the line (as pyqtgraph's connect="finite").
        self._path = (
            pg.arrayToQPath(self._x, self._y, connect="finite") if self._x.size else QPainterPath()
        )
        self.prepareGeometryChange()
        self._bounds = None
        self.update()

    # ----------------------------------------------- what pyqtgraph asks of curves
    def name(self) -> str | None:
        return self._name

    def implements(self, interface: str | None = None) -> bool | list[str]:
        return ["plotData"] if interface is None else interface == "plotData"

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """The points as drawn: (log10 x, y)."""
        return self._x, self._y

    def getOriginalDataset(self) -> tuple[np.ndarray, np.ndarray]:
        # pyqtgraph's CSV exporter asks for this: every point, not their logarithms.
        return self._all_x, self._all_y

    # ---------------------------------------------------------------- drawing
    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()
        self._bounds = None
        self._pixel.forget()  # the padding is a number of pixels: other units now

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            # The points' box plus half the pen's width in pixels (and one for antialiasing).
            box = self._path.controlPointRect()
            pixel = self._pixel.of(self) if self._path.elementCount() else None
            if pixel is not None:
                pad = 0.5 * self._pen.widthF() + 1.0
                dx, dy = pad * pixel[0], pad * pixel[1]
                box = box.adjusted(-dx, -dy, dx, dy)
            self._bounds = box
        return self._bounds

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, bool(self.opts["antialias"]))
        painter.setPen(self._pen)
        painter.drawPath(self._path)
