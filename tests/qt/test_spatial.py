"""The spatial panel: its pictures are core's per-pixel numbers, a click selects the pixel."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPicture
from PySide6.QtWidgets import QApplication

import lossgui.qt.panels.spatial as spatial_module
from lossgui.core import segmentation as seg
from lossgui.document import Document
from lossgui.presets_doc import preset_document
from lossgui.qt.main_window import MainWindow
from lossgui.qt.panels.spatial import SpatialPanel
from lossgui.qt.state import AppState

N, C, H, W = 2, 4, 12, 16


def _segmentation() -> Document:
    rng = np.random.default_rng(2)
    target = rng.integers(0, C, (N, H, W))
    target[0, :3, :4] = 255
    logits = rng.normal(size=(N, C, H, W)).astype(np.float32)
    logits += 2.0 * np.moveaxis(np.eye(C, dtype=np.float32)[target.clip(0, C - 1)], -1, 1)
    return Document(
        loss="cross_entropy", logits=logits, target=target, options={"ignore_index": 255}
    )


@pytest.fixture
def panel(qapp, qtbot) -> SpatialPanel:
    widget = SpatialPanel(AppState(_segmentation()))
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_pictures_are_the_evaluations_per_pixel_values(panel: SpatialPanel) -> None:
    ev, doc = panel.state.evaluation, panel.state.document
    n = panel.image_box.value()
    assert n == 0
    loss = ev.row_loss[: H * W].reshape(H, W)
    ignored = ev.ignored[: H * W].reshape(H, W)
    shown = panel.loss_image.image
    assert shown.shape == (H, W)
    np.testing.assert_array_equal(shown[~ignored], loss[~ignored])
    assert np.isnan(shown[ignored]).all() and ignored.sum() == 12
    grad = ev.grad[: H * W]
    np.testing.assert_allclose(
        panel.grad_image.image[~ignored], np.linalg.norm(grad, axis=1).reshape(H, W)[~ignored]
    )
    np.testing.assert_array_equal(panel.predicted_image.image, np.argmax(doc.logits[0], axis=0))
    target = panel.target_image.image
    assert (target[ignored] == C).all()  # drawn in the ignored grey
    np.testing.assert_array_equal(target[~ignored], doc.target[0][~ignored])


def test_dice_iou_bars_score_the_shown_image(panel: SpatialPanel) -> None:
    doc = panel.state.document
    dice, iou = seg.dice_iou(np.argmax(doc.logits[0], axis=0), doc.target[0], C, 255)
    np.testing.assert_allclose(panel.dice_bars.opts["height"], dice)
    np.testing.assert_allclose(panel.iou_bars.opts["height"], iou)


def test_whole_batch_scope(panel: SpatialPanel, qtbot) -> None:
    doc = panel.state.document
    panel.scope_box.setCurrentIndex(1)
    expected, _ = seg.dice_iou(np.argmax(doc.logits, axis=1), doc.target, C, 255)
    qtbot.waitUntil(lambda: np.allclose(panel.dice_bars.opts["height"], expected))


def _click_pixel(panel: SpatialPanel, plot_index: int, i: int, j: int, qtbot) -> None:
    plot = panel.image_plots[plot_index]
    view = plot.getPlotItem().getViewBox()
    scene_pos = view.mapViewToScene(QPointF(j + 0.5, i + 0.5))
    pos = plot.mapFromScene(scene_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_clicking_a_pixel_selects_its_grid_row(panel: SpatialPanel, qtbot) -> None:
    _click_pixel(panel, 0, 5, 9, qtbot)
    row = panel.state.selection[0]
    assert row == seg.pixel_row(0, 5, 9, (H, W))
    np.testing.assert_array_equal(
        panel.state.document.grid_logits()[row], panel.state.document.logits[0, :, 5, 9]
    )
    marker = panel.markers[0].getData()
    assert (marker[0][0], marker[1][0]) == (9.5, 5.5)
    assert "pixel (5, 9)" in panel.info_label.text()


def test_selecting_a_row_in_another_image_shows_that_image(panel: SpatialPanel) -> None:
    panel.state.select(seg.pixel_row(1, 2, 3, (H, W)), 0)
    assert panel.image_box.value() == 1
    np.testing.assert_array_equal(
        panel.predicted_image.image, np.argmax(panel.state.document.logits[1], axis=0)
    )


def test_changing_the_image_keeps_the_pixel(panel: SpatialPanel) -> None:
    panel.select_pixel(0, 4, 6)
    panel.image_box.setValue(1)
    assert panel.state.selection[0] == seg.pixel_row(1, 4, 6, (H, W))


def test_a_non_spatial_batch_gets_an_explanation(qapp, qtbot) -> None:
    widget = SpatialPanel(AppState())
    qtbot.addWidget(widget)
    widget.show()
    assert widget.pages.currentIndex() == 0
    assert "(N, C, H, W)" in widget.note.text() and "(4, 3)" in widget.note.text()
    assert not widget.image_box.isEnabled()


def _drag(panel: SpatialPanel, plot_index: int, points: list[tuple[int, int]], qtbot) -> None:
    """Press at the first pixel, move through the others, release at the last."""
    plot = panel.image_plots[plot_index]
    view = plot.getPlotItem().getViewBox()

    def widget_pos(i: int, j: int):
        return plot.mapFromScene(view.mapViewToScene(QPointF(j + 0.5, i + 0.5)))

    viewport = plot.viewport()
    left = Qt.MouseButton.LeftButton
    qtbot.mousePress(viewport, left, pos=widget_pos(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(viewport, pos=widget_pos(*point))
    qtbot.mouseRelease(viewport, left, pos=widget_pos(*points[-1]))


def test_a_brush_stroke_paints_targets_as_one_undo_step(panel: SpatialPanel, qtbot) -> None:
    state = panel.state
    before = state.document
    panel.brush_bar.toggle.setChecked(True)
    panel.brush_bar.value_box.setCurrentIndex(panel.brush_bar.value_box.findData(3))
    panel.brush_bar.radius_box.setValue(0)
    _drag(panel, 2, [(6, 4), (6, 6), (6, 8), (6, 10)], qtbot)
    assert state.undo_stack.count() == 1
    target = state.document.target[0]
    assert (target[6, 4:11] == 3).all()
    changed = target != before.target[0]
    assert changed.sum() <= 7 and not changed[:6].any() and not changed[7:].any()
    assert (state.document.target[1] == before.target[1]).all()
    assert (panel.target_image.image[6, 4:11] == 3).all()
    state.undo_stack.undo()
    assert state.document is before


def test_painting_ignore_and_clicking_paints_a_disc(panel: SpatialPanel, qtbot) -> None:
    state = panel.state
    bar = panel.brush_bar
    bar.toggle.setChecked(True)
    assert bar.value_box.itemText(bar.value_box.count() - 1) == "ignore (255)"
    bar.value_box.setCurrentIndex(bar.value_box.count() - 1)
    bar.radius_box.setValue(1)
    selection = state.selection
    before = np.array(state.document.target[0])
    _click_pixel(panel, 0, 8, 8, qtbot)
    assert state.undo_stack.count() == 1
    target = state.document.target[0]
    assert (target[7:10, 8] == 255).all() and (target[8, 7:10] == 255).all()
    # A radius-1 disc is a plus: the corners keep their classes.
    corners = (np.array([7, 7, 9, 9]), np.array([7, 9, 7, 9]))
    np.testing.assert_array_equal(target[corners], before[corners])
    assert state.selection == selection  # painting does not select
    assert np.isnan(panel.loss_image.image[8, 8])  # ignored pixels leave the loss map


def test_with_targets_refuses_classes_the_batch_does_not_have() -> None:
    from lossgui.document import EditError

    doc = _segmentation()
    with pytest.raises(EditError, match="out of range"):
        doc.with_targets(np.array([0, 1]), 7)
    with pytest.raises(EditError, match="between 0 and"):
        doc.with_targets(np.array([N * H * W]), 1)
    painted = doc.with_targets(np.array([0, 5, 5]), 255)
    assert painted.target.reshape(-1)[[0, 5]].tolist() == [255, 255]


# ------------------------------------------------- large batches: worker and staged drawing


@pytest.fixture
def large_panel(qapp, qtbot, monkeypatch) -> SpatialPanel:
    """A panel that treats every spatial batch as large (pictures from the worker, staged)."""
    monkeypatch.setattr(spatial_module, "SYNC_SORT_ROWS", 10)
    widget = SpatialPanel(AppState())  # the default (4, 3) batch: the explanation page
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _settled(panel: SpatialPanel) -> bool:
    return not panel._stager.busy() and not panel._background.busy()


def test_a_large_batch_is_drawn_after_the_change_one_plot_at_a_time(large_panel, qtbot) -> None:
    panel, state = large_panel, large_panel.state
    doc = _segmentation()
    assert state.edit(lambda _d: doc, "Open")
    # Nothing is computed or drawn in the turn of the change itself.
    assert panel.pages.currentIndex() == 0
    assert panel.loss_image.image is None
    qtbot.waitUntil(lambda: _settled(panel) and panel.loss_image.image is not None, timeout=10000)
    assert all(plot.isVisible() for plot in panel.pixel_plots)
    ev = state.evaluation
    loss = ev.row_loss[: H * W].reshape(H, W)
    ignored = ev.ignored[: H * W].reshape(H, W)
    np.testing.assert_array_equal(panel.loss_image.image[~ignored], loss[~ignored])
    np.testing.assert_array_equal(panel.predicted_image.image, np.argmax(doc.logits[0], axis=0))
    dice, _iou = seg.dice_iou(np.argmax(doc.logits[0], axis=0), doc.target[0], C, 255)
    np.testing.assert_allclose(panel.dice_bars.opts["height"], dice)


def test_a_large_batch_keeps_its_pictures_while_its_loss_is_recomputed(large_panel, qtbot) -> None:
    panel, state = large_panel, large_panel.state
    state.async_elements = 1
    assert state.edit(lambda _d: _segmentation(), "Open")
    qtbot.waitUntil(lambda: not state.computing and _settled(panel), timeout=10000)
    qtbot.waitUntil(lambda: panel.loss_image.image is not None, timeout=10000)
    shown = panel.loss_image.image
    row = seg.pixel_row(0, 5, 9, (H, W))
    state.select(row, 0)
    assert state.edit(lambda d: d.with_cell(row, 0, 40.0), "Edit")
    assert state.computing
    assert "Computing" in panel.info_label.text()
    assert panel.loss_image.image is shown  # the last valid pictures stay meanwhile
    qtbot.waitUntil(lambda: not state.computing and _settled(panel), timeout=10000)
    qtbot.waitUntil(lambda: panel.loss_image.image is not shown, timeout=10000)
    assert panel.loss_image.image[5, 9] == pytest.approx(float(state.evaluation.row_loss[row]))
    assert "pixel (5, 9)" in panel.info_label.text()


# --------------------------------------------------------------- nothing clipped
def drawn_tick_labels(axis: pg.AxisItem) -> list[str]:
    """The tick labels pyqtgraph draws on ``axis`` now (it drops those that do not fit)."""
    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


def assert_title_fits(plot: pg.PlotWidget) -> None:
    """The title's text fits its label, and the label lies inside the plot."""
    label = plot.getPlotItem().titleLabel
    font = QFont(label.item.font())
    font.setPointSizeF(float(label.opts["size"].removesuffix("pt")))
    title = label.item.toPlainText()
    assert QFontMetrics(font).horizontalAdvance(title) <= label.geometry().width(), title
    text = label.item.mapRectToScene(label.item.boundingRect())
    assert 0 <= text.left() and text.right() <= plot.width(), (title, text, plot.width())


def assert_bar_labels_fit(bar: pg.ColorBarItem, plot: pg.PlotWidget) -> None:
    """Every major tick label of the bar is drawn, whole, inside the plot."""
    axis = bar.axis
    low, high = bar.levels()
    spacing, values = axis.tickValues(low, high, axis.geometry().height())[0]
    major = axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)
    assert major and set(major) <= set(drawn_tick_labels(axis)), (major, bar.levels())
    metrics = QFontMetrics(QApplication.font())
    offset = axis.style["tickTextOffset"][0] + max(0, axis.style["tickLength"])
    assert max(metrics.horizontalAdvance(s) for s in major) + offset <= axis.width()
    right = axis.mapRectToScene(QRectF(0, 0, axis.width(), axis.height())).right()
    assert right <= plot.width(), (right, plot.width())


def spatial_window(qtbot, tiled: bool) -> MainWindow:
    window = MainWindow(
        AppState(preset_document("segmentation-ignore-255")),
        restore=False,
        settings=None,
        with_session=False,
    )
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    if tiled:
        window.tile_panels()
    window.docks["spatial"].raise_()
    for _ in range(5):
        QApplication.processEvents()
    return window


@pytest.mark.parametrize("tiled", [False, True], ids=["default", "tiled"])
def test_titles_and_colour_bars_are_whole_at_1440x900(qtbot, tiled: bool) -> None:
    window = spatial_window(qtbot, tiled)
    panel = window.panels["spatial"]
    for tab, bars in ((0, (panel.loss_bar, panel.grad_bar)), (1, panel.binary_view._bars)):
        panel.tabs.setCurrentIndex(tab)
        for _ in range(5):
            QApplication.processEvents()
        shown = panel.pixel_plots if tab == 0 else panel.binary_view.plots
        for plot in shown:
            assert plot.width() >= 220
            assert_title_fits(plot)
        plots = (panel.image_plots[0], panel.image_plots[3]) if tab == 0 else shown
        for bar, plot in zip(bars, plots, strict=True):
            assert_bar_labels_fit(bar, plot)


def test_image_titles_are_short_and_tooltips_keep_the_detail(panel: SpatialPanel) -> None:
    titles = [p.getPlotItem().titleLabel.item.toPlainText() for p in panel.image_plots]
    assert titles == [
        "Loss per pixel (nats)",
        "Predicted class",
        "Target (grey: ignored)",
        "Gradient ‖∂loss/∂x‖",
    ]
    assert "ignore_index" in panel.image_plots[2].toolTip()
    assert "norm" in panel.image_plots[3].toolTip()
    assert all("Click a pixel" in p.toolTip() for p in panel.image_plots)


def test_plots_hold_both_tabs_so_the_window_exports_them(qtbot) -> None:
    window = spatial_window(qtbot, tiled=False)
    panel = window.panels["spatial"]
    assert panel.plots == [*panel.pixel_plots, *panel.binary_view.plots]
    assert len(panel.binary_view.plots) == 3
    # The window turns on pyqtgraph's Export... menu for every plot in ``plots``.
    assert all(p.getPlotItem().getViewBox().menuEnabled() for p in panel.binary_view.plots)


def test_pixel_plots_are_built_by_the_first_spatial_batch(qtbot) -> None:
    # A window on a non-spatial batch builds none of the eight pixel plots (start-up).
    window = MainWindow(AppState(), restore=False, settings=None, with_session=False)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.tile_panels()
    QApplication.processEvents()
    panel = window.panels["spatial"]
    assert panel.plots == [] and panel.binary_view.plots == []
    assert panel.findChildren(pg.PlotWidget) == []
    assert "(N, C, H, W)" in panel.note.text()

    window.state.set_document(preset_document("segmentation-ignore-255"))
    QApplication.processEvents()
    assert len(panel.plots) == 8  # four images, the scores, three comparisons
    assert panel.plots == [*panel.pixel_plots, *panel.binary_view.plots]
    assert set(panel.findChildren(pg.PlotWidget)) == set(panel.plots)
    for plot in panel.plots:
        # What the window gives the plots it finds at start: the export menu without
        # pyqtgraph's "Plot Options", and pixmap caching of the plots' items.
        assert not plot.getPlotItem().menuEnabled()
        assert plot.getPlotItem().getViewBox().menuEnabled()
    assert panel.pages.currentWidget() is panel.pictures
    assert panel.loss_image.image is not None
    panel.tabs.setCurrentWidget(panel.binary_view)  # a hidden tab draws once shown
    QApplication.processEvents()
    assert panel.binary_view.softmax_image.image is not None


def test_reading_a_picture_attribute_builds_the_plots(qapp, qtbot) -> None:
    widget = SpatialPanel(AppState())
    qtbot.addWidget(widget)
    assert widget.plots == []
    assert isinstance(widget.loss_image, pg.ImageItem)
    assert len(widget.plots) == 8 and widget.pages.currentIndex() == 0
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = widget.no_such_thing


def test_gradient_bar_labels_show_for_small_gradients(panel: SpatialPanel) -> None:
    # A mean over 384 pixels: gradient sizes of a few thousandths, whose labels
    # ("0.0025") pyqtgraph's fixed 45 px bar axis would drop.
    levels = panel.grad_bar.levels()
    assert levels[1] < 0.01
    assert_bar_labels_fit(panel.grad_bar, panel.image_plots[3])
    assert_bar_labels_fit(panel.loss_bar, panel.image_plots[0])


def test_dice_iou_key_is_in_the_title_not_over_the_bars(panel: SpatialPanel) -> None:
    item = panel.score_plot.getPlotItem()
    assert item.legend is None
    assert item.titleLabel.item.toPlainText() == "Overlap per class: ■ Dice ■ IoU"
    assert "Dice" in panel.score_plot.toolTip() and "IoU" in panel.score_plot.toolTip()
