"""Sigmoid vs softmax on a segmentation image: one channel against two.

For an (N, C, H, W) batch the view picks two classes a and b and shows, for
one image, the probability of a from a two-channel softmax over [x_a, x_b],
the same probability from a one-channel sigmoid of x_a - x_b, and the size of
their difference on a log scale. They are the same model, so the difference
is exactly zero almost everywhere; a one-line summary counts the pixels where
float rounding makes them differ and compares the two losses (cross entropy
with target a against binary_cross_entropy_with_logits with target 1).
The numbers come from :func:`lossgui.core.spatial_binary.two_channel_vs_sigmoid`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPicture
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QStackedWidget, QWidget

from lossgui.core import segmentation as seg
from lossgui.core.spatial_binary import BinaryComparison, two_channel_vs_sigmoid
from lossgui.qt.panels.base import PanelBase, make_plot, safe_slot
from lossgui.qt.panels.on_demand import BuiltOnDemand
from lossgui.qt.state import AppState

__all__ = [
    "LOG_FLOOR",
    "SpatialBinaryView",
    "colour_bar",
    "fit_bar_axis",
    "fit_title",
    "log_difference",
]

#: Exact zeros are drawn as this difference on the log10 picture.
LOG_FLOOR = 1e-20


def colour_bar(image: pg.ImageItem, plot: pg.PlotWidget, cmap: str) -> pg.ColorBarItem:
    """A colour bar for ``image`` right of ``plot``'s view box (see :func:`fit_bar_axis`)."""
    bar = pg.ColorBarItem(colorMap=pg.colormap.get(cmap), interactive=False)
    bar.setImageItem(image, insert_in=plot.getPlotItem())
    fit_bar_axis(bar)
    return bar


def fit_bar_axis(bar: pg.ColorBarItem) -> None:
    """Make ``bar``'s axis as wide as its widest tick label for the bar's levels.

    pyqtgraph gives the axis a fixed 45 px and silently drops a label that does
    not fit, so the log10 difference's bar showed cut or no numbers. Call it
    after each ``setLevels``. Labels are measured as pyqtgraph draws them (a
    QPainter on a QPicture), at the axis's height and at 300 px, whose finer
    spacing gives the longest labels.
    """
    axis = bar.axis
    low, high = bar.levels()
    picture = QPicture()
    painter = QPainter(picture)
    widest = 0.0
    try:
        font = axis.style["tickFont"]
        if font is not None:
            painter.setFont(font)
        box = QRectF(0, 0, 100, 100)
        for length in {max(axis.geometry().height(), 50.0), 300.0}:
            for spacing, values in axis.tickValues(low, high, length):
                scale = axis.autoSIPrefixScale * axis.scale
                for text in axis.tickStrings(values, scale, spacing):
                    rect = painter.boundingRect(box, Qt.AlignmentFlag.AlignCenter, text)
                    widest = max(widest, rect.width())
    finally:
        painter.end()
    style = axis.style
    width = math.ceil(widest) + max(0, style["tickLength"]) + style["tickTextOffset"][0] + 2
    if axis.fixedWidth != width:
        axis.setWidth(width)


def fit_title(plot: pg.PlotWidget, tooltip: str) -> None:
    """Centre ``plot``'s title over the whole plot and give the plot ``tooltip``.

    pyqtgraph puts the title above the view box only and makes that column at
    least as wide as the title: in a plot of 220 px with a colour bar, a title
    wider than the image pushed the colour bar's labels out of the widget.
    Spanning every column (call this after inserting a colour bar) leaves the
    view box its own width; titles are kept short enough for the whole width.
    """
    item = plot.getPlotItem()
    layout = item.layout
    layout.removeItem(item.titleLabel)
    layout.addItem(item.titleLabel, 0, 0, 1, layout.columnCount())
    plot.setToolTip(tooltip)


def log_difference(abs_diff: np.ndarray) -> np.ndarray:
    """``log10(max(|difference|, LOG_FLOOR))`` as float64, shape kept (H, W)."""
    return np.log10(np.maximum(np.asarray(abs_diff, dtype=np.float64), LOG_FLOOR))


#: The views' colour around an image: an image's black edge (a colour map's bottom) shows.
IMAGE_SURROUND = "#3a3a3a"
#: What SpatialBinaryView builds with its pictures (see BuiltOnDemand).
_PICTURES = frozenset({"softmax_image", "sigmoid_image", "diff_image"})


class SpatialBinaryView(BuiltOnDemand, PanelBase):
    """Softmax over two channels vs sigmoid of their difference, per pixel.

    Attributes
    ----------
    image_box, a_box, b_box : QSpinBox
        The image n and the classes a (positive) and b compared.
    softmax_image, sigmoid_image, diff_image : pg.ImageItem
        p_softmax, p_sigmoid (both (H, W), 0 to 1) and log10 |difference|; built
        with their plots by the first spatial batch (or the first read).
    summary : QLabel
        "pixels where they differ: k of H·W; max |difference| = ...".
    note : QLabel
        The explanation shown instead of the pictures for non-spatial batches.
    plots : list of pg.PlotWidget
        Empty until the pictures are built.
    """

    built_on_demand = _PICTURES

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self._followed_n: int | None = None  # the selection's image n last followed
        self._framed: tuple[int, ...] | None = None  # the shape the view was last framed for
        header = QHBoxLayout()
        self.image_box = self._spin(header, "Image n:", "Which image of the batch to compare")
        self.a_box = self._spin(header, "Class a:", "Positive class: softmax channel 0, sigmoid 1")
        self.b_box = self._spin(header, "Class b:", "Other class: the sigmoid sees x_a − x_b")
        self.b_box.setValue(1)
        header.addStretch(1)
        self._layout.addLayout(header)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setToolTip(
            "A two-class softmax is a sigmoid of the logit difference; any difference is "
            "float rounding. Cross entropy with target a equals BCE-with-logits with target 1."
        )
        self._layout.addWidget(self.summary)

        self.pages = QStackedWidget(self)
        self.note = QLabel(self.pages)
        self.note.setWordWrap(True)
        self.pages.addWidget(self.note)
        self._layout.addWidget(self.pages, 1)
        self._bars: list[pg.ColorBarItem] = []
        for box in (self.image_box, self.a_box, self.b_box):
            box.valueChanged.connect(self._on_choice_changed)
        self.refresh()

    def _build_on_demand(self) -> None:
        """The three image plots: built by the first spatial batch (see BuiltOnDemand)."""
        pictures = QWidget(self.pages)
        row = QHBoxLayout(pictures)
        row.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(pictures)
        # Short titles (a plot may be 220 px wide); the details are in the tooltips.
        titles = ("p(a): softmax [x_a, x_b]", "p(a): sigmoid(x_a − x_b)", "log10 |difference|")
        tips = (
            "Probability of class a from a softmax over the two channels [x_a, x_b].",
            "Probability of class a from a sigmoid of the one channel x_a − x_b.",
            "log10 of |softmax − sigmoid| per pixel; exact zeros are drawn as "
            f"{LOG_FLOOR:.0e} (the bottom of the colour bar).",
        )
        maps = ("viridis", "viridis", "inferno")
        images: list[pg.ImageItem] = []
        plots: list[pg.PlotWidget] = []
        for title, tip, cmap in zip(titles, tips, maps, strict=True):
            plot = make_plot(title, "column j", "row i", legend=None)
            item = plot.getPlotItem()
            item.invertY(True)
            item.setAspectLocked(True)
            # Grey around the image: where every pixel is at the colour bar's black bottom
            # (no difference at all), the image would vanish into a black view.
            item.getViewBox().setBackgroundColor(IMAGE_SURROUND)
            image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
            plot.addItem(image)
            bar = colour_bar(image, plot, cmap)
            fit_title(plot, tip)
            if plots:
                plot.setXLink(plots[0])
                plot.setYLink(plots[0])
            plots.append(plot)
            images.append(image)
            self._bars.append(bar)
            row.addWidget(plot, 1)
        self.softmax_image, self.sigmoid_image, self.diff_image = images
        self.adopt_plots(plots)

    def _spin(self, layout: QHBoxLayout, label: str, tip: str) -> QSpinBox:
        layout.addWidget(QLabel(label, self))
        box = QSpinBox(self)
        box.setToolTip(tip)
        layout.addWidget(box)
        return box

    # ---------------------------------------------------------------- data
    def comparison(self) -> BinaryComparison | None:
        """Core's arrays for the chosen image and classes, None for non-spatial batches."""
        doc = self.state.document
        n, a, b = self.image_box.value(), self.a_box.value(), self.b_box.value()
        if doc.logits.ndim != 4 or a == b:
            return None
        return self.state.derived(
            ("spatial-binary", n, a, b),
            lambda: two_channel_vs_sigmoid(doc.logits, n, a, b, doc.dtype),
        )

    # -------------------------------------------------------------- redraw
    def _redraw(self) -> None:
        doc = self.state.document
        shape = doc.logits.shape
        if doc.logits.ndim != 4 or shape[1] < 2:
            self._explain(shape)
            return
        self.ensure_built()
        self._sync_boxes(shape)
        result = self.comparison()
        if result is None:
            self.summary.setText("Choose two different classes a and b.")
            return
        self.pages.setCurrentIndex(1)
        self._set(0, result.p_softmax.astype(np.float64), (0.0, 1.0))
        self._set(1, result.p_sigmoid.astype(np.float64), (0.0, 1.0))
        logged = log_difference(result.abs_diff)
        finite = logged[np.isfinite(logged)]
        top = float(finite.max()) if finite.size else np.log10(LOG_FLOOR)
        low = np.log10(LOG_FLOOR)
        self._set(2, logged, (low, max(top, low + 1.0)))
        h, w = shape[2], shape[3]
        if self._framed != shape:
            # A new picture size: frame the whole image once, then leave zoom to the user.
            self._framed = shape
            view = self.plots[0].getPlotItem().getViewBox()
            view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)
        self.summary.setText(
            f"pixels where they differ: {result.differing} of {h}·{w} = {h * w}; "
            f"max |difference| = {result.max_diff:.3g}; "
            f"cross entropy vs BCE-with-logits: max |difference| = "
            f"{result.max_loss_diff:.3g} nats ({doc.dtype})"
        )

    def _set(self, k: int, picture: np.ndarray, levels: tuple[float, float]) -> None:
        images = (self.softmax_image, self.sigmoid_image, self.diff_image)
        images[k].setImage(picture, levels=levels)
        self._bars[k].setLevels(levels)
        fit_bar_axis(self._bars[k])

    def _sync_boxes(self, shape: tuple[int, ...]) -> None:
        """Ranges from the batch; the image follows the selected pixel's image when it moves."""
        boxes = (self.image_box, self.a_box, self.b_box)
        for box in boxes:
            box.blockSignals(True)
        try:
            self.image_box.setRange(0, shape[0] - 1)
            self.a_box.setRange(0, shape[1] - 1)
            self.b_box.setRange(0, shape[1] - 1)
            if self.a_box.value() == self.b_box.value():
                self.b_box.setValue(1 if self.a_box.value() == 0 else 0)
            hw = seg.image_shape(shape)
            assert hw is not None
            sel_n = min(seg.row_pixel(self.state.selection[0], hw)[0], shape[0] - 1)
            if sel_n != self._followed_n:
                self._followed_n = sel_n
                self.image_box.setValue(sel_n)
        finally:
            for box in boxes:
                box.blockSignals(False)
        for box in boxes:
            box.setEnabled(True)

    def _explain(self, shape: tuple[int, ...]) -> None:
        self.pages.setCurrentIndex(0)
        self.summary.setText("")
        for box in (self.image_box, self.a_box, self.b_box):
            box.setEnabled(False)
        self.note.setText(
            "This view compares one channel with sigmoid against two channels with softmax "
            "on a segmentation image: it needs logits of shape (N, C, H, W) with at least two "
            f"classes. The current batch has shape {tuple(shape)}."
        )

    # --------------------------------------------------------------- slots
    @safe_slot
    def _on_choice_changed(self, value: int) -> None:
        if self.a_box.value() == self.b_box.value():
            # b must differ from a: move the box the user did not just touch.
            other = self.b_box if self.sender() is self.a_box else self.a_box
            other.blockSignals(True)
            other.setValue(1 if value == 0 else 0)
            other.blockSignals(False)
        self.refresh()
