"""MarkerLine: a line at a value of a plot, placed in pixels, following the view."""

from __future__ import annotations

import math

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF

from lossgui.qt.export import QtSvgExporter
from lossgui.qt.panels.base import marker, pen
from tests.qt.panel_helpers import settle, shown


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.plot([0.0, 10.0], [0.0, 5.0])
    widget.setXRange(0.0, 10.0, padding=0)
    widget.setYRange(0.0, 5.0, padding=0)
    return shown(qtbot, widget, (400, 300))


def _pixel_x(plot: pg.PlotWidget, x: float) -> float:
    view = plot.getPlotItem().getViewBox()
    return view.mapFromView(QPointF(x, 0.0)).x()


def test_a_vertical_marker_sits_at_its_value_across_the_view(plot: pg.PlotWidget) -> None:
    line = marker(plot, pen("grey", 1.5), value=2.5)
    settle()
    view = plot.getPlotItem().getViewBox()
    assert line.line().x1() == pytest.approx(_pixel_x(plot, 2.5))
    assert line.line().x1() == line.line().x2()
    assert line.line().y1() == pytest.approx(0.0)
    assert line.line().y2() == pytest.approx(view.height())


def test_the_marker_follows_a_new_range_and_a_new_size(plot: pg.PlotWidget) -> None:
    line = marker(plot, pen("grey", 1.5), value=2.5)
    plot.setXRange(0.0, 5.0, padding=0)
    settle()
    assert line.line().x1() == pytest.approx(_pixel_x(plot, 2.5))
    plot.resize(600, 350)
    settle()
    view = plot.getPlotItem().getViewBox()
    assert line.line().x1() == pytest.approx(_pixel_x(plot, 2.5))
    assert line.line().y2() == pytest.approx(view.height())


def test_a_horizontal_marker_sits_at_its_y(plot: pg.PlotWidget) -> None:
    line = marker(plot, pen("grey", 1), vertical=False, value=4.0)
    settle()
    view = plot.getPlotItem().getViewBox()
    assert line.line().y1() == pytest.approx(view.mapFromView(QPointF(0.0, 4.0)).y())
    assert line.line().x2() - line.line().x1() == pytest.approx(view.width())


def test_set_value_moves_the_line_and_its_formatted_label(plot: pg.PlotWidget) -> None:
    line = marker(plot, pen("grey", 1.5), label="x = {value:.3g}", value=1.0)
    assert line.label_text() == "x = 1"
    line.setValue(7.25)
    settle()
    assert line.value() == 7.25
    assert line.label_text() == "x = 7.25"
    assert line.line().x1() == pytest.approx(_pixel_x(plot, 7.25))
    line.setValue(math.nan)  # ignored: a line at NaN has no place
    assert line.value() == 7.25
    line.set_label("fixed")
    line.setValue(3.0)
    assert line.label_text() == "fixed"
    line.set_label("")
    assert line.label_text() == ""


@pytest.mark.parametrize("value", [0.05, 5.0, 9.95])
def test_the_label_stays_whole_inside_the_view_and_beside_the_line(
    plot: pg.PlotWidget, value: float
) -> None:
    line = marker(plot, pen("grey", 1.5), label="a long label: 123.456", value=value)
    settle()
    view = plot.getPlotItem().getViewBox()
    box = line.childItems()[0]
    rect = box.mapRectToItem(view, box.rect())
    assert view.rect().contains(rect)
    # Beside the line, not over it (there is room on one side at these values).
    assert not (rect.left() < line.line().x1() < rect.right())


@pytest.mark.parametrize(
    ("vertical", "value", "arrow"),
    [(True, 1000.0, "→"), (True, -50.0, "←"), (False, 1000.0, "↑"), (False, -50.0, "↓")],
)
def test_a_value_off_the_view_keeps_its_label_at_the_edge_with_an_arrow(
    plot: pg.PlotWidget, vertical: bool, value: float, arrow: str
) -> None:
    line = marker(plot, pen("grey", 1.5), vertical=vertical, label="v = {value:.4g}", value=1.0)
    settle()
    assert line.label_text() == "v = 1"
    line.setValue(value)
    settle()
    text = line.label_text()
    assert arrow in text and f"v = {value:.4g}" in text
    view = plot.getPlotItem().getViewBox()
    box = line.childItems()[0]
    assert view.rect().contains(box.mapRectToItem(view, box.rect()))
    # Back in view (by a new range here): the arrow goes.
    if vertical:
        plot.setXRange(min(value, 0.0) - 1, max(value, 10.0) + 1, padding=0)
    else:
        plot.setYRange(min(value, 0.0) - 1, max(value, 10.0) + 1, padding=0)
    settle()
    assert line.label_text() == f"v = {value:.4g}"


def test_an_svg_export_draws_the_marker_and_its_label(plot: pg.PlotWidget) -> None:
    marker(plot, pen("red", 2), label="threshold here", value=5.0)
    settle()
    svg = QtSvgExporter(plot.getPlotItem()).export(toBytes=True)
    assert svg is not None
    assert b"threshold here" in svg


def test_a_hidden_marker_is_placed_too_and_shows_up_where_it_belongs(plot: pg.PlotWidget) -> None:
    line = marker(plot, pen("grey", 1.5), label="here", value=2.0)
    settle()
    line.setVisible(False)
    plot.setXRange(0.0, 4.0, padding=0)  # the view changes while the line is hidden
    settle()
    line.setVisible(True)
    box = line.childItems()[0]
    x = _pixel_x(plot, 2.0)
    assert line.line().x1() == pytest.approx(x)
    assert box.pos().x() == pytest.approx(x + 3.0)  # just right of the line
