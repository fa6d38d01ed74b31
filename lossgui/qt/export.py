"""Pictures of the window and its plots: PNG screenshots, and pyqtgraph's exporters.

The window (or any panel) is grabbed with ``QWidget.grab`` into a PNG of the
size asked for. Each plot keeps pyqtgraph's own "Export..." entry in its
context menu (PNG, SVG, CSV of the curves); :func:`enable_plot_exports` makes
sure that menu is on, and :func:`export_plot` runs those exporters from code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from pyqtgraph.exporters.Exporter import Exporter
from pyqtgraph.exporters.ImageExporter import ImageExporter
from PySide6.QtCore import QBuffer, QEventLoop, QIODevice, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QWidget

from lossgui.qt.panels.plot_items import items_uncached

__all__ = [
    "QtSvgExporter",
    "UncachedImageExporter",
    "enable_plot_exports",
    "export_plot",
    "export_window_png",
    "grab_image",
    "parse_size",
]


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``"1400x900"`` into (width, height); ValueError with a readable reason."""
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"size must look like 1400x900, not {text!r}")
    width, height = int(parts[0]), int(parts[1])
    if not (200 <= width <= 8000 and 150 <= height <= 8000):
        raise ValueError(f"size {width}x{height} is outside 200x150 .. 8000x8000")
    return width, height


def _settle(widget: QWidget, wait_ms: int = 150) -> None:
    """Let layouts, deferred repaints and dock re-arrangements finish before a grab.

    A QMainWindow settles its dock layout over a few event-loop turns; grabbing
    right after ``show()`` can catch a dock title half-way to its place.
    """
    widget.ensurePolished()
    if QApplication.instance() is None:
        return
    loop = QEventLoop()
    QTimer.singleShot(wait_ms, loop.quit)
    loop.exec()
    QApplication.processEvents()


def grab_image(widget: QWidget, size: tuple[int, int] | None = None) -> QImage:
    """Render ``widget`` into an image of exactly ``size`` pixels (its own size if None).

    The widget is resized first so its layout, not a rescaled picture, fills
    the size; a widget that cannot shrink that far (minimum size) or a screen
    scale factor other than 1 is scaled to the requested size at the end.
    """
    if size is not None:
        widget.resize(*size)
    _settle(widget)
    image = widget.grab().toImage()
    target = QSize(*size) if size is not None else widget.size()
    if image.size() != target:
        image = image.scaled(
            target, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return image


def export_window_png(
    widget: QWidget, path: str | Path, size: tuple[int, int] | None = None
) -> Path:
    """Write a PNG of ``widget`` (the main window or one panel) to ``path``.

    Parameters
    ----------
    widget : QWidget
        What to picture; it should have been shown (offscreen is fine).
    path : str or Path
        Destination; ``.png`` is appended when it has no suffix.
    size : (width, height), optional
        Pixel size of the PNG; default the widget's current size.

    Returns
    -------
    Path
        Where the PNG was written.

    Raises
    ------
    OSError
        When the file cannot be written (missing folder, no permission).
    """
    out = Path(path)
    if not out.suffix:
        out = out.with_suffix(".png")
    image = grab_image(widget, size)
    if not out.parent.is_dir():
        raise OSError(f"cannot write {out}: folder {out.parent} does not exist")
    if not image.save(str(out), "PNG"):
        raise OSError(f"cannot write {out}: Qt could not save the PNG there")
    return out


class QtSvgExporter(Exporter):
    """SVG export through Qt's own QSvgGenerator, for pyqtgraph's "Export..." dialog.

    pyqtgraph 0.14's SVGExporter rewrites the path data Qt writes and fails on
    what Qt 6.10+ produces ("not enough values to unpack"; pyqtgraph issue
    #3485). This one lets Qt write the whole SVG: the scene is rendered into a
    QSvgGenerator, so every curve, axis and label stays vector.
    """

    Name = "Scalable Vector Graphics (SVG)"
    allowCopy = False

    def parameters(self) -> None:
        return None

    def export(
        self, fileName: str | None = None, toBytes: bool = False, copy: bool = False
    ) -> bytes | None:
        if fileName is None and not toBytes:
            self.fileSaveDialog(filter="Scalable Vector Graphics (*.svg)")
            return None
        source = self.getSourceRect()
        target = self.getTargetRect()
        width, height = max(1, int(target.width())), max(1, int(target.height()))
        generator = QSvgGenerator()
        buffer = QBuffer()
        if toBytes:
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            generator.setOutputDevice(buffer)
        else:
            generator.setFileName(str(fileName))
        # Axes are QPictures recorded at the screen's dpi; QPicture.play rescales them to
        # the device's, so a generator at its default 90 dpi would shrink them off the curves.
        generator.setResolution(_screen_dpi())
        generator.setSize(QSize(width, height))
        generator.setViewBox(QRectF(0, 0, width, height))
        generator.setTitle("lossgui plot")
        painter = QPainter(generator)
        try:
            self.setExportMode(True, {"antialias": True, "painter": painter})
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            with items_uncached(self.getScene()):
                self.getScene().render(painter, QRectF(0, 0, width, height), QRectF(source))
        finally:
            self.setExportMode(False)
            painter.end()
        return bytes(buffer.data()) if toBytes else None


class UncachedImageExporter(ImageExporter):
    """pyqtgraph's image exporter, painting the items rather than their screen pixmaps.

    The plots keep pixmaps of their items for speed (see
    :func:`lossgui.qt.panels.plot_items.cache_item_pixmaps`); an image of
    another size (or antialiased) must be painted afresh, not scaled from them.
    """

    def export(
        self, fileName: str | None = None, toBytes: bool = False, copy: bool = False
    ) -> Any:
        with items_uncached(self.getScene()):
            return super().export(fileName=fileName, toBytes=toBytes, copy=copy)


def _screen_dpi() -> int:
    """The logical dpi widgets are painted at (96 when there is no screen)."""
    screen = QGuiApplication.primaryScreen()
    return round(screen.logicalDotsPerInch()) if screen is not None else 96


def _use_qt_svg_exporter() -> None:
    """Put our SVG and image exporters where pyqtgraph's were (once).

    pyqtgraph 0.14's SVG exporter fails on Qt 6 output; its image exporter would
    scale the plots' cached screen pixmaps.
    """
    import pyqtgraph.exporters as exporters  # registers the PNG, SVG, CSV ... exporters

    registered = Exporter.Exporters
    for ours, theirs in (
        (QtSvgExporter, exporters.SVGExporter),
        (UncachedImageExporter, exporters.ImageExporter),
    ):
        if ours in registered:
            continue
        if theirs in registered:
            registered[registered.index(theirs)] = ours
        else:
            registered.append(ours)


def enable_plot_exports(plots: Iterable[pg.PlotWidget]) -> None:
    """Turn on each plot's context menu, which carries pyqtgraph's "Export..." dialog.

    The dialog offers an image (PNG, TIF, JPG), SVG (through Qt, see
    :class:`QtSvgExporter`), CSV of the plotted data and the other exporters
    pyqtgraph registers. The menu keeps the view's own entries (view all, axis
    ranges, mouse mode) but not pyqtgraph's "Plot Options" (FFT, log axes,
    averaging, downsampling, alpha): those transform the data behind the
    panel's back, and on bars and the panels' light curves they raise
    AttributeError from inside the event loop.
    """
    _use_qt_svg_exporter()
    for plot in plots:
        plot.getPlotItem().setMenuEnabled(False, enableViewBoxMenu=True)


def export_plot(plot: pg.PlotWidget, path: str | Path) -> Path:
    """Export one plot with pyqtgraph's exporter chosen by suffix (.png, .svg or .csv)."""
    import pyqtgraph.exporters as exporters

    out = Path(path)
    kinds = {
        ".png": UncachedImageExporter,
        ".svg": QtSvgExporter,
        ".csv": exporters.CSVExporter,
    }
    exporter_cls = kinds.get(out.suffix.lower())
    if exporter_cls is None:
        raise ValueError(f"export a plot as .png, .svg or .csv, not {out.suffix or 'no suffix'}")
    if not out.parent.is_dir():
        raise OSError(f"cannot write {out}: folder {out.parent} does not exist")
    exporter_cls(plot.getPlotItem()).export(str(out))
    return out
