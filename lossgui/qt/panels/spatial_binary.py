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

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QStackedWidget, QWidget

from lossgui.core import segmentation as seg
from lossgui.core.spatial_binary import BinaryComparison, two_channel_vs_sigmoid
from lossgui.qt.panels.base import PanelBase, make_plot, safe_slot
from lossgui.qt.state import AppState

__all__ = ["LOG_FLOOR", "SpatialBinaryView", "log_difference"]

#: Exact zeros are drawn as this difference on the log10 picture.
LOG_FLOOR = 1e-20


def log_difference(abs_diff: np.ndarray) -> np.ndarray:
    """``log10(max(|difference|, LOG_FLOOR))`` as float64, shape kept (H, W)."""
    return np.log10(np.maximum(np.asarray(abs_diff, dtype=np.float64), LOG_FLOOR))


class SpatialBinaryView(PanelBase):
    """Softmax over two channels vs sigmoid of their difference, per pixel.

    Attributes
    ----------
    image_box, a_box, b_box : QSpinBox
        The image n and the classes a (positive) and b compared.
    softmax_image, sigmoid_image, diff_image : pg.ImageItem
        p_softmax, p_sigmoid (both (H, W), 0 to 1) and log10 |difference|.
    summary : QLabel
        "pixels where they differ: k of H·W; max |difference| = ...".
    note : QLabel
        The explanation shown instead of the pictures for non-spatial batches.
    plots : list of pg.PlotWidget
    """

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
        pictures = QWidget(self.pages)
        row = QHBoxLayout(pictures)
        row.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(pictures)
        self._layout.addWidget(self.pages, 1)

        titles = (
            "p(a), softmax over [x_a, x_b]",
            "p(a), sigmoid(x_a − x_b)",
            f"log10 |difference| (0 drawn as {LOG_FLOOR:.0e})",
        )
        maps = ("viridis", "viridis", "inferno")
        images: list[pg.ImageItem] = []
        self._bars: list[pg.ColorBarItem] = []
        for title, cmap in zip(titles, maps, strict=True):
            plot = make_plot(title, "column j", "row i", legend=None)
            item = plot.getPlotItem()
            item.invertY(True)
            item.setAspectLocked(True)
            image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
            plot.addItem(image)
            bar = pg.ColorBarItem(colorMap=pg.colormap.get(cmap), interactive=False)
            bar.setImageItem(image, insert_in=item)
            if self.plots:
                plot.setXLink(self.plots[0])
                plot.setYLink(self.plots[0])
            self.plots.append(plot)
            images.append(image)
            self._bars.append(bar)
            row.addWidget(plot, 1)
        self.softmax_image, self.sigmoid_image, self.diff_image = images
        for box in (self.image_box, self.a_box, self.b_box):
            box.valueChanged.connect(self._on_choice_changed)
        self.refresh()

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
