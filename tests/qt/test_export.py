"""Pictures of widgets and plots: PNG of a given size, pyqtgraph's PNG / SVG / CSV exporters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from lossgui.qt.export import (
    QtSvgExporter,
    UncachedImageExporter,
    enable_plot_exports,
    export_plot,
    export_window_png,
    parse_size,
)
from lossgui.qt.panels.plot_items import cache_item_pixmaps
from tests.qt.panel_helpers import shown


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.getPlotItem().setMenuEnabled(False)
    widget.plot(np.linspace(-3, 3, 50), np.tanh(np.linspace(-3, 3, 50)), pen="y")
    return shown(qtbot, widget, (400, 300))


def test_parse_size_reads_width_by_height() -> None:
    assert parse_size("1400x900") == (1400, 900)
    assert parse_size(" 800 X 600 ") == (800, 600)
    for bad in ("1400", "x900", "12x", "axb", "100x100", "90000x900"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_widget_png_has_the_requested_size_and_content(qtbot, tmp_path: Path) -> None:
    label = QLabel("lossgui " * 20)
    label.setStyleSheet("background: white; color: black; font-size: 20pt;")
    qtbot.addWidget(label)
    label.show()
    out = export_window_png(label, tmp_path / "label", (640, 200))
    assert out.suffix == ".png"
    image = QImage(str(out))
    assert (image.width(), image.height()) == (640, 200)
    colours = {image.pixel(x, y) for x in range(0, 640, 8) for y in range(0, 200, 8)}
    assert len(colours) > 2  # text on a background, not one flat colour


def test_png_into_a_missing_folder_is_an_oserror(qtbot, tmp_path: Path) -> None:
    label = QLabel("x")
    qtbot.addWidget(label)
    with pytest.raises(OSError, match="does not exist"):
        export_window_png(label, tmp_path / "nope" / "x.png")


def test_enable_plot_exports_turns_the_context_menu_on(plot: pg.PlotWidget) -> None:
    assert not plot.getPlotItem().getViewBox().menuEnabled()
    enable_plot_exports([plot])
    assert plot.getPlotItem().getViewBox().menuEnabled()
    # Without pyqtgraph's "Plot Options": its data transforms do not suit the panels.
    assert not plot.getPlotItem().menuEnabled()


def test_export_dialog_offers_a_working_svg_exporter(plot: pg.PlotWidget) -> None:
    """pyqtgraph's own SVG exporter fails on Qt 6.12's output; ours takes its place."""
    import pyqtgraph.exporters as exporters

    enable_plot_exports([plot])
    listed = exporters.listExporters()
    assert QtSvgExporter in listed and exporters.SVGExporter not in listed
    assert UncachedImageExporter in listed and exporters.ImageExporter not in listed
    assert exporters.CSVExporter in listed
    svg = QtSvgExporter(plot.getPlotItem()).export(toBytes=True)
    assert svg is not None and b"<svg" in svg and b"<path" in svg
    assert svg.count(b"<text") >= 4  # tick labels stay text, not pixels


@pytest.mark.parametrize("suffix", [".png", ".svg", ".csv"])
def test_export_plot_writes_each_format(plot: pg.PlotWidget, tmp_path: Path, suffix: str) -> None:
    out = export_plot(plot, tmp_path / f"curve{suffix}")
    data = out.read_bytes()
    assert len(data) > 100
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    elif suffix == ".svg":
        assert b"<svg" in data
    else:
        first_row = data.decode().splitlines()[1].split(",")
        assert float(first_row[0]) == pytest.approx(-3.0)


def test_export_plot_refuses_other_formats(plot: pg.PlotWidget, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.csv"):
        export_plot(plot, tmp_path / "curve.pdf")


def test_exports_of_a_cached_plot_paint_the_items_not_their_pixmaps(
    plot: pg.PlotWidget, tmp_path: Path
) -> None:
    """Panels cache item pixmaps for speed; an SVG must still hold vector curves."""
    cache_item_pixmaps(plot)
    curve = plot.getPlotItem().listDataItems()[0].curve
    assert curve.cacheMode() == curve.CacheMode.DeviceCoordinateCache
    plot.repaint()
    svg = QtSvgExporter(plot.getPlotItem()).export(toBytes=True)
    assert svg is not None and b"<image" not in svg
    assert b"<polyline" in svg or b"<path" in svg
    assert curve.cacheMode() == curve.CacheMode.DeviceCoordinateCache
    # The PNG exporter paints afresh too, and the caches are back afterwards.
    export_plot(plot, tmp_path / "plot.png")
    assert curve.cacheMode() == curve.CacheMode.DeviceCoordinateCache
