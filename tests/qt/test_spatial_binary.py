"""The sigmoid-vs-softmax view shows core's per-pixel numbers for the chosen classes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from lossgui.core.spatial_binary import two_channel_vs_sigmoid
from lossgui.document import Document
from lossgui.qt.panels.base import make_plot
from lossgui.qt.panels.spatial import SpatialPanel
from lossgui.qt.panels.spatial_binary import (
    LOG_FLOOR,
    SpatialBinaryView,
    colour_bar,
    fit_bar_axis,
    log_difference,
)
from lossgui.qt.state import AppState
from tests.qt.test_spatial import assert_bar_labels_fit, assert_title_fits


def _document() -> Document:
    rng = np.random.default_rng(3)
    logits = (3.0 * rng.normal(size=(1, 3, 4, 4))).astype(np.float32)
    target = rng.integers(0, 3, (1, 4, 4))
    return Document("cross_entropy", logits, target)


@pytest.fixture
def view(qapp, qtbot) -> SpatialBinaryView:
    widget = SpatialBinaryView(AppState(_document()))
    qtbot.addWidget(widget)
    widget.resize(1000, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _assert_shows(view: SpatialBinaryView, a: int, b: int) -> None:
    doc = view.state.document
    expected = two_channel_vs_sigmoid(doc.logits, 0, a, b, doc.dtype)
    np.testing.assert_array_equal(view.softmax_image.image, expected.p_softmax)
    np.testing.assert_array_equal(view.sigmoid_image.image, expected.p_sigmoid)
    np.testing.assert_array_equal(view.diff_image.image, log_difference(expected.abs_diff))
    assert view.summary.text().startswith(
        f"pixels where they differ: {expected.differing} of 4·4 = 16;"
    )


def test_images_are_cores_arrays(view: SpatialBinaryView) -> None:
    assert (view.a_box.value(), view.b_box.value()) == (0, 1)
    assert view.softmax_image.image.shape == (4, 4)
    _assert_shows(view, 0, 1)


def test_changing_classes_updates_the_images(view: SpatialBinaryView) -> None:
    before = np.array(view.softmax_image.image)
    view.b_box.setValue(2)
    _assert_shows(view, 0, 2)
    assert not np.array_equal(before, view.softmax_image.image)
    view.a_box.setValue(1)
    _assert_shows(view, 1, 2)


def test_a_equal_to_b_moves_the_other_box(view: SpatialBinaryView) -> None:
    view.a_box.setValue(1)  # b was 1: it moves so the two classes differ
    assert view.a_box.value() == 1 and view.b_box.value() == 0
    _assert_shows(view, 1, 0)


def test_non_spatial_batch_is_explained(qapp, qtbot) -> None:
    doc = Document("cross_entropy", np.zeros((3, 4)), np.array([0, 1, 2]))
    widget = SpatialBinaryView(AppState(doc))
    qtbot.addWidget(widget)
    assert widget.pages.currentIndex() == 0
    assert "(N, C, H, W)" in widget.note.text() and "(3, 4)" in widget.note.text()
    assert not widget.a_box.isEnabled()


def test_spatial_panel_has_the_view_as_a_tab(qapp, qtbot) -> None:
    panel = SpatialPanel(AppState(_document()))
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.tabs.tabText(1) == "Sigmoid vs softmax"
    panel.tabs.setCurrentIndex(1)
    _assert_shows(panel.binary_view, 0, 1)


def test_log_difference_bar_and_titles_are_whole(view: SpatialBinaryView) -> None:
    for plot in view.plots:
        assert_title_fits(plot)
    for bar, plot in zip(view._bars, view.plots, strict=True):
        assert_bar_labels_fit(bar, plot)
    # Exact zeros sit at the floor of the log10 picture, the bar's lowest label.
    assert view._bars[2].levels()[0] == np.log10(LOG_FLOOR)
    assert "0 drawn as" not in view.plots[2].getPlotItem().titleLabel.item.toPlainText()
    assert f"{LOG_FLOOR:.0e}" in view.plots[2].toolTip()


@pytest.mark.parametrize("levels", [(1.5e-4, 3.5e-4), (-17.3, -16.05), (-20.0, -19.0)])
def test_colour_bar_axis_is_as_wide_as_its_labels(qtbot, levels) -> None:
    plot = make_plot("a title", "column j", "row i", legend=None)
    qtbot.addWidget(plot)
    image = pg.ImageItem(np.linspace(*levels, 16).reshape(4, 4))
    plot.addItem(image)
    bar = colour_bar(image, plot, "inferno")
    plot.resize(220, 200)
    plot.show()
    qtbot.waitExposed(plot)
    bar.setLevels(levels)
    fit_bar_axis(bar)
    QApplication.processEvents()
    # pyqtgraph's fixed 45 px axis drops every label of the first levels.
    assert_bar_labels_fit(bar, plot)


def test_spatial_panel_plots_include_this_views_plots(qapp, qtbot) -> None:
    panel = SpatialPanel(AppState(_document()))
    qtbot.addWidget(panel)
    assert all(plot in panel.plots for plot in panel.binary_view.plots)
    assert len(set(map(id, panel.plots))) == len(panel.plots) == 8
