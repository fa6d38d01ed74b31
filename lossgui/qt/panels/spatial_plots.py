"""The spatial panel's plots, built once: four linked pixel images and the Dice / IoU bars.

:class:`~lossgui.qt.panels.spatial.SpatialPanel` lays them out and feeds them
(see :func:`set_float_image`); everything about how they look and react to
the mouse is set here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pyqtgraph as pg

from lossgui.qt.panels.base import COLORS, coloured, make_plot, pen
from lossgui.qt.panels.data_items import Bars, Points
from lossgui.qt.panels.spatial_binary import IMAGE_SURROUND, colour_bar, fit_bar_axis, fit_title
from lossgui.qt.panels.spatial_data import IMAGE_TITLES
from lossgui.qt.target_brush import PaintableImage, TargetBrush

__all__ = [
    "ImagePlots",
    "make_image_plots",
    "make_score_plot",
    "set_float_image",
    "size_pixel_plots",
]

#: Minimum height of each image plot (the shared default is 160 px).
_IMAGE_MIN_HEIGHT = 130


class ImagePlots(NamedTuple):
    """The four image plots (IMAGE_TITLES order), with what the panel feeds."""

    plots: list[pg.PlotWidget]
    markers: list[Points]
    images: list[PaintableImage]
    loss_bar: pg.ColorBarItem
    grad_bar: pg.ColorBarItem


def make_image_plots(
    brush: TargetBrush,
    on_click: Callable[[pg.PlotWidget, Any], None],
    on_hover: Callable[[pg.PlotWidget, Any], None],
) -> ImagePlots:
    """The loss, predicted, target and gradient images, linked, with their colour bars.

    Each plot holds a paintable image and a marker for the selected pixel, and
    calls ``on_click(plot, event)`` / ``on_hover(plot, scene_pos)``.
    """
    click = "Click a pixel to select it in the grid and the other plots."
    image_plots: list[pg.PlotWidget] = []
    markers: list[Points] = []
    images: list[PaintableImage] = []
    for title, _tip in IMAGE_TITLES:
        plot = make_plot(title, "column j", "row i", legend=None)
        plot.getPlotItem().invertY(True)
        plot.getPlotItem().setAspectLocked(True)
        plot.getPlotItem().getViewBox().setBackgroundColor(IMAGE_SURROUND)
        image = PaintableImage(axisOrder="row-major", autoDownsample=True)
        image.brush = brush
        plot.addItem(image)
        marker = Points(
            size=14, symbol="s", pen=pen("orange", 2.5), brush=None, pxMode=True
        )
        plot.addItem(marker)
        plot.scene().sigMouseClicked.connect(functools.partial(on_click, plot))
        plot.scene().sigMouseMoved.connect(functools.partial(on_hover, plot))
        if image_plots:
            plot.setXLink(image_plots[0])
            plot.setYLink(image_plots[0])
        image_plots.append(plot)
        markers.append(marker)
        images.append(image)
    loss_bar = colour_bar(images[0], image_plots[0], "viridis")
    grad_bar = colour_bar(images[3], image_plots[3], "inferno")
    for plot, (_title, tip) in zip(image_plots, IMAGE_TITLES, strict=True):
        fit_title(plot, f"{tip}\n{click}")
    return ImagePlots(image_plots, markers, images, loss_bar, grad_bar)


def make_score_plot() -> tuple[pg.PlotWidget, Bars, Bars]:
    """The per-class overlap plot and its Dice and IoU bars."""
    # The key is in the title: a legend inside the plot sat over the bars of the
    # last class, its grey "IoU" unreadable on an orange bar.
    key = " ".join(
        coloured(f"■ {name}", colour)
        for name, colour in (("Dice", "blue"), ("IoU", "orange"))
    )
    score_plot = make_plot(f"Overlap per class: {key}", "class", "score (0 to 1)", legend=None)
    score_plot.setToolTip(
        "Dice = 2|P∩T| / (|P| + |T|) and IoU = |P∩T| / |P∪T| of each class, between the "
        "predicted (P) and target (T) pixels; ignored pixels are left out."
    )
    score_plot.setYRange(0.0, 1.0)
    dice_bars = Bars(x=[0], height=[0], width=0.38, brush=COLORS["blue"])
    iou_bars = Bars(x=[0], height=[0], width=0.38, brush=COLORS["orange"])
    score_plot.addItem(dice_bars)
    score_plot.addItem(iou_bars)
    return score_plot, dice_bars, iou_bars


def size_pixel_plots(pixel_plots: list[pg.PlotWidget]) -> None:
    """Smaller minimum heights, and a hidden plot keeps its place."""
    # The tab bar above the images costs ~30 px: smaller images keep the panel
    # whole (no scroll bars) in a half-height dock of a 1440 x 900 window.
    for plot in pixel_plots:
        plot.setMinimumHeight(_IMAGE_MIN_HEIGHT)
    for plot in pixel_plots:
        # A plot waiting for its turn is hidden without moving its neighbours.
        policy = plot.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        plot.setSizePolicy(policy)


def set_float_image(item: pg.ImageItem, bar: pg.ColorBarItem, image: np.ndarray) -> None:
    """Show a float picture with levels fitted to its finite values, and its colour bar."""
    finite = image[np.isfinite(image)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    item.setImage(image, levels=(lo, hi))
    bar.setLevels((lo, hi))
    fit_bar_axis(bar)
