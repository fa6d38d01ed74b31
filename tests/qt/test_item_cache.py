"""Plots keep pixmaps of their items; what is shown must still be what the data says."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QGraphicsItem

from lossgui.document_convert import default_document, randomized, resize
from lossgui.qt.panels.data_items import LogXCurve
from lossgui.qt.panels.loss_curve import LossCurvePanel
from lossgui.qt.panels.numerics import NumericsPanel
from lossgui.qt.panels.plot_items import items_uncached
from lossgui.qt.panels.sigmoid_softmax import SigmoidSoftmaxPanel
from lossgui.qt.state import AppState
from tests.qt.panel_helpers import EventCounter

CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache


def _drawn_afresh(item: QGraphicsItem) -> bool:
    return bool(getattr(item, "_lossgui_drawn_afresh", False))


def _image(plot: pg.PlotWidget) -> np.ndarray:
    """The plot as grey levels averaged over 4 x 4 blocks, (H // 4, W // 4) float."""
    image = plot.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine()
    )[:, : image.width()]
    h, w = (rows.shape[0] // 4) * 4, (rows.shape[1] // 4) * 4
    return rows[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3))


def _shown_panel(qtbot, panel_cls, seed: int, state: AppState | None = None):
    """``panel_cls`` on a random 12 x 4 batch (or ``state``), shown at 700 x 500."""
    if state is None:
        doc = randomized(resize(default_document(), 12, 4), np.random.default_rng(seed))
        state = AppState(doc)
    panel = panel_cls(state)
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.mark.parametrize("panel_cls", [LossCurvePanel, SigmoidSoftmaxPanel, NumericsPanel])
def test_cached_plots_after_edits_look_like_plots_painted_afresh(qtbot, panel_cls):
    panel = _shown_panel(qtbot, panel_cls, 0)
    state = panel.state
    curves = [
        i
        for p in panel.plots
        for i in p.scene().items()
        if isinstance(i, (pg.PlotCurveItem, LogXCurve))
    ]
    # Curves whose data change with each edit are drawn directly (drawn_afresh_each_edit).
    assert curves and all(c.cacheMode() == CACHED or _drawn_afresh(c) for c in curves)
    assert any(i.cacheMode() == CACHED for p in panel.plots for i in p.scene().items())
    state.select(2, 1)
    for value in (-3.0, 4.0, 0.5):  # the selected cell moves: lines, curves, labels change
        state.edit(lambda d, v=value: d.with_cell(2, 1, v), "edit")
        QApplication.processEvents()
        for plot in panel.plots:
            cached = _image(plot)
            with items_uncached(plot.scene()):
                fresh = _image(plot)
            # Pixmaps land on whole pixels, so a line may sit one pixel over: compare
            # 4 x 4 block averages. A stale curve or line would change many blocks a lot.
            assert np.mean(np.abs(cached - fresh) > 40) < 0.002


def test_bars_measure_like_pyqtgraph_after_new_data_and_a_new_range(qtbot):
    from lossgui.qt.panels.data_items import Bars

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    bars = Bars(x=[0, 1, 2], height=[1.0, 3.0, 2.0], width=0.6, pen=pg.mkPen(width=3))
    plot.addItem(bars)
    QApplication.processEvents()

    def same_as_pyqtgraph() -> bool:
        return bars.boundingRect() == pg.BarGraphItem.boundingRect(bars)

    assert same_as_pyqtgraph()
    bars.setOpts(x=[0, 1, 2, 3], height=[5.0, 1.0, 2.0, 9.0], width=0.6)
    assert same_as_pyqtgraph()
    plot.setXRange(-10, 30)  # the pen's pixel padding is another length in data units
    QApplication.processEvents()
    assert same_as_pyqtgraph()
    bars.setOpts(height=[1.0, 1.0, 1.0, 1.0])  # new bars, the pixel size kept
    assert same_as_pyqtgraph()
    plot.resize(700, 150)  # a pixel is another size in data units again
    QApplication.processEvents()
    bars.setOpts(height=[2.0, 1.0, 1.0, 1.0])
    assert same_as_pyqtgraph()


def test_log_y_points_draw_log10_and_export_the_values_given(qtbot, tmp_path):
    from pyqtgraph.exporters import CSVExporter

    from lossgui.qt.panels.data_items import LogYPoints

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.getPlotItem().setLogMode(y=True)
    plot.show()
    points = LogYPoints(size=6, name="gap")
    plot.addItem(points)
    points.set_xy([0.0, 1.0, 2.0], [1e-8, 1e-3, 10.0])
    QApplication.processEvents()
    np.testing.assert_allclose(points.getData()[1], [-8.0, -3.0, 1.0])
    assert points.boundingRect() == pg.ScatterPlotItem.boundingRect(points)
    plot.setYRange(-9, 2)
    QApplication.processEvents()
    assert points.boundingRect() == pg.ScatterPlotItem.boundingRect(points)
    exporter = CSVExporter(plot.getPlotItem())
    path = tmp_path / "points.csv"
    exporter.export(str(path))
    rows = [line.split(",") for line in path.read_text().splitlines()[1:]]
    np.testing.assert_allclose([float(r[1]) for r in rows], [1e-8, 1e-3, 10.0])


def test_points_measure_like_pyqtgraph_after_new_points_sizes_and_range(qtbot):
    from lossgui.qt.panels.data_items import Points

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    points = Points(x=[0.0, 1.0, 2.0], y=[1.0, 3.0, 2.0], size=9)
    plot.addItem(points)
    QApplication.processEvents()

    def same_as_pyqtgraph() -> bool:
        return points.boundingRect() == pg.ScatterPlotItem.boundingRect(points)

    assert same_as_pyqtgraph()
    points.setData(x=[0.0, 5.0], y=[-4.0, 8.0])
    assert same_as_pyqtgraph()
    points.setSize(20)  # the padding is half the largest symbol, in pixels
    assert same_as_pyqtgraph()
    plot.setXRange(-10, 30)
    QApplication.processEvents()
    assert same_as_pyqtgraph()


def test_points_moved_in_place_draw_and_measure_as_set_afresh(qtbot):
    from lossgui.qt.panels.data_items import Points

    def scene(points_x, points_y, move: bool):
        plot = pg.PlotWidget()
        qtbot.addWidget(plot)
        plot.resize(300, 200)
        plot.setXRange(-1, 6, padding=0)
        plot.setYRange(-5, 9, padding=0)
        plot.show()
        points = Points(x=[0.0, 1.0, 2.0], y=[1.0, 3.0, 2.0], symbol="d", size=9, brush="#F0E442")
        plot.addItem(points)
        qtbot.waitExposed(plot)
        for _ in range(3):
            QApplication.processEvents()
        plot.grab()  # painted and measured once where they were
        assert points.boundingRect() == pg.ScatterPlotItem.boundingRect(points)
        if move:
            points.move_points(points_x, points_y)
        else:
            points.setData(x=points_x, y=points_y)
        # Measured at once, before any event could reset what is kept.
        boxes.append(points.boundingRect())
        QApplication.processEvents()
        return plot, points

    boxes: list = []

    new_x, new_y = [0.5, 4.0, 5.0], [-4.0, 8.0, 0.0]
    moved_plot, moved = scene(new_x, new_y, move=True)
    fresh_plot, fresh = scene(new_x, new_y, move=False)
    assert boxes[0] == boxes[1]
    assert moved_plot.grab().toImage() == fresh_plot.grab().toImage()
    assert moved.boundingRect() == pg.ScatterPlotItem.boundingRect(fresh)
    np.testing.assert_array_equal(moved.getData()[0], new_x)
    # Another count of points is a new set: built afresh.
    moved.move_points([1.0, 2.0], [3.0, 4.0])
    assert len(moved.data) == 2
    assert moved.boundingRect() == pg.ScatterPlotItem.boundingRect(moved)


def test_grid_lines_reach_across_a_view_that_got_wider(qtbot):
    """A left axis keeps its size when its view widens; its grid lines must still follow."""
    from lossgui.qt.panels.base import make_plot

    plot = make_plot("t", "x", "y")
    qtbot.addWidget(plot)
    plot.plot([0.0, 1.0, 2.0], [0.0, 1.0, 0.5])
    plot.resize(300, 250)
    plot.show()
    qtbot.waitExposed(plot)
    left = plot.getPlotItem().getAxis("left")
    view = plot.getViewBox()

    def lines_width() -> float:
        QApplication.processEvents()
        plot.grab()  # paint: the axis draws its grid lines when painted
        return float(left._grid_lines._lines.boundingRect().width())

    narrow = lines_width()
    assert narrow >= 0.95 * view.width()
    plot.resize(600, 250)
    assert lines_width() >= 0.95 * view.width() > 1.5 * narrow
    assert left._grid_lines.boundingRect().width() >= 0.95 * view.width()


@pytest.mark.parametrize("panel_cls", [LossCurvePanel, SigmoidSoftmaxPanel, NumericsPanel])
def test_empty_layout_items_are_skipped_and_the_plots_look_the_same(qtbot, panel_cls):
    from lossgui.qt.panels.plot_items import skip_empty_items

    empty = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    panel = _shown_panel(qtbot, panel_cls, 1)
    state = panel.state
    containers = [
        i for p in panel.plots for i in p.scene().items() if type(i) in (pg.PlotItem, pg.LabelItem)
    ]
    # Each plot item and its title, at least; a panel that forgets to flag them fails here.
    assert len(containers) >= 2 * len(panel.plots)
    assert all(i.flags() & empty for i in containers)
    state.select(1, 0)
    for value in (2.5, -1.0):  # moves curves, lines and the titles' numbers
        state.edit(lambda d, v=value: d.with_cell(1, 0, v), "edit")
        QApplication.processEvents()
    shown = [p.grab().toImage() for p in panel.plots]
    for item in containers:
        item.setFlag(empty, False)
    for plot, before in zip(panel.plots, shown, strict=True):
        plot.viewport().repaint()
        # Exactly the same pixels: the flag only spares Qt the question of their bounds.
        assert plot.grab().toImage() == before
    for plot in panel.plots:
        skip_empty_items(plot)
    assert all(i.flags() & empty for i in containers)


@pytest.mark.parametrize("with_base", [False, True])
def test_bars_given_new_heights_equal_bars_set_afresh(qtbot, with_base):
    from lossgui.qt.panels.data_items import Bars
    from lossgui.qt.panels.plot_updates import set_bars

    rng = np.random.default_rng(4)
    x = np.arange(6, dtype=np.float64)
    plots, bars = [], []
    for _ in range(2):
        plot = pg.PlotWidget()
        qtbot.addWidget(plot)
        plot.resize(300, 200)
        plot.setXRange(-1, 6)
        plot.setYRange(-3, 5)
        item = Bars(x=x, height=np.ones(6), width=0.5, brush="b", pen=pg.mkPen("k", width=2))
        if with_base:
            item.setOpts(y0=np.zeros(6))
        plot.addItem(item)
        plot.show()
        plots.append(plot)
        bars.append(item)
    qtbot.waitExposed(plots[1])
    moved, fresh = bars
    calls = []
    moved.setOpts = lambda **o: calls.append(o)  # the fast path must not fall back  # type: ignore[method-assign]
    for step in range(4):
        heights = rng.normal(0, 2, 6)
        heights[step] = np.nan if step == 2 else heights[step]  # a NaN bar too
        opts = {"x": x, "height": heights, "width": 0.5}
        if with_base:
            opts["y0"] = rng.normal(0, 1, 6)
        assert set_bars(moved, **opts)
        pg.BarGraphItem.setOpts(fresh, **opts)
        fresh._bounds = None
        np.testing.assert_array_equal(moved._rectarray.ndarray(), fresh._rectarray.ndarray())
        for ax in (0, 1):
            np.testing.assert_array_equal(moved.dataBounds(ax), fresh.dataBounds(ax))
        boxes = [b.boundingRect().getRect() for b in (moved, fresh)]
        np.testing.assert_array_equal(*boxes)  # NaN where pyqtgraph's has NaN
        QApplication.processEvents()
        assert plots[0].grab().toImage() == plots[1].grab().toImage()
    assert calls == []
    assert not set_bars(moved, **opts)  # the same values: nothing to do


def test_items_that_change_with_every_edit_are_drawn_directly(qtbot):
    from lossgui.qt.panels.entropy_kl import EntropyKLPanel
    from lossgui.qt.panels.imbalance import ImbalancePanel
    from lossgui.qt.panels.plot_items import cache_item_pixmaps

    state = AppState(randomized(resize(default_document(), 12, 4), np.random.default_rng(2)))
    panels = [
        _shown_panel(qtbot, cls, 2, state)
        for cls in (NumericsPanel, ImbalancePanel, EntropyKLPanel)
    ]
    numerics, imbalance, entropy = panels
    direct = [
        *numerics.curves.values(),
        *imbalance.loss_bars.values(),
        *imbalance.grad_bars.values(),
        imbalance.ratio_loss_curve,
        imbalance.ratio_share_curve,
        entropy.kl_bars,
        entropy.ce_points,
    ]
    cached = [imbalance.count_bars, entropy.entropy_bars]  # change only with the targets
    none = QGraphicsItem.CacheMode.NoCache
    for panel in panels:  # shown again, and after an export painted them uncached
        for plot in panel.plots:
            cache_item_pixmaps(plot)
            with items_uncached(plot.scene()):
                pass
    assert all(item.cacheMode() == none for item in direct)
    assert all(item.cacheMode() == CACHED for item in cached)


def test_same_values_tells_changed_arrays_from_unchanged_ones():
    from lossgui.qt.panels.plot_updates import same_values

    a = np.array([1.0, np.nan, -2.5, np.inf])
    assert same_values(a, a.copy())  # NaN and inf equal themselves
    assert same_values(a[::2], a.copy()[::2])  # strided views too
    changed = a.copy()
    changed[2] = np.nextafter(-2.5, 0.0)  # the smallest change
    assert not same_values(a, changed)
    assert not same_values(a, a[:3])  # another shape
    assert same_values(a.astype(np.float32), a)  # another dtype: compared by value
    assert not same_values(a.astype(np.float32) + 1, a)
    assert same_values([0, 1, 2], np.arange(3))  # lists and ints
    assert same_values(None, None) and not same_values(None, a) and not same_values(a, None)
    assert same_values(np.array(["a", "b"]), np.array(["a", "b"]))


@pytest.mark.parametrize("panel_cls", [LossCurvePanel, NumericsPanel])
def test_an_edit_repaints_the_plots_and_captions_but_nothing_behind_them(qtbot, panel_cls):
    """Plots and held captions are opaque: the panel under them is not painted again."""
    panel = _shown_panel(qtbot, panel_cls, 1)
    state = panel.state
    state.select(2, 1)
    QApplication.processEvents()
    behind, views = EventCounter(QEvent.Type.Paint), EventCounter(QEvent.Type.Paint)
    panel.installEventFilter(behind)
    for plot in panel.plots:
        plot.installEventFilter(behind)  # the view's frame; its viewport paints the plot
        plot.viewport().installEventFilter(views)
    for value in (-3.0, 4.0, 0.5):
        state.edit(lambda d, v=value: d.with_cell(2, 1, v), "edit")
        QApplication.processEvents()
        QApplication.processEvents()
    assert views.count >= 3  # the curves changed
    assert behind.count == 0
    # Opaque, and still fully painted: nothing of the palette shows through.
    for plot in panel.plots:
        corner = plot.grab().toImage().pixelColor(1, 1)
        assert corner == plot.backgroundBrush().color()
