"""Segmentation batches as pictures: per-pixel loss, prediction vs target, gradient, Dice/IoU.

For an (N, C, H, W) input (or (N, C, L), shown as height-1 images) the panel
shows one image n at a time: the loss of every pixel, the predicted class next
to the target (ignored pixels in grey), the size of the gradient at each pixel
and per-class Dice and IoU. Images are pyqtgraph ImageItems fed whole arrays
(auto-downsampled), never drawn pixel by pixel. Clicking a pixel selects its
grid row, so the grid and the loss-vs-logit plot show that pixel's logits.
With "Paint target" on, dragging paints target classes (or ignore_index) with
a round brush, one undo step per stroke (:mod:`lossgui.qt.target_brush`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lossgui.core import segmentation as seg
from lossgui.document import Document
from lossgui.qt.panels.base import COLORS, PanelBase, integer_ticks, make_plot, pen, safe_slot
from lossgui.qt.sample_table import status_label
from lossgui.qt.sample_table_model import Background
from lossgui.qt.state import AppState
from lossgui.qt.target_brush import BrushBar, PaintableImage, TargetBrush

__all__ = ["IGNORED_COLOR", "SpatialPanel", "class_lut"]

IGNORED_COLOR = (128, 128, 128)


def class_lut(classes: int) -> np.ndarray:
    """Distinct colours for classes 0..C-1 and grey for ignored (index C): (C + 1, 3) uint8."""
    hues = (np.arange(classes) * 0.618034) % 1.0
    lut = np.empty((classes + 1, 3), dtype=np.uint8)
    for c, hue in enumerate(hues):
        color = pg.hsvColor(float(hue), sat=0.75, val=0.95 if c % 2 == 0 else 0.7)
        lut[c] = (color.red(), color.green(), color.blue())
    lut[classes] = IGNORED_COLOR
    return lut


def _ignore_index(doc: Document) -> int | None:
    return int(doc.option("ignore_index")) if "ignore_index" in doc.spec.defaults else None


def _class_image(doc: Document, n: int) -> np.ndarray:
    """Target class per pixel of image n, (H, W); ignored and out-of-range pixels are C."""
    hw = seg.image_shape(doc.logits.shape)
    assert hw is not None
    if doc.target_kind == "index":
        target = np.asarray(doc.target[n]).reshape(hw)
        bad = (target < 0) | (target >= doc.classes)
        return np.where(bad, doc.classes, target)
    return np.argmax(doc.target[n], axis=0).reshape(hw)


class SpatialPanel(PanelBase):
    """One image of a segmentation batch, pixel by pixel.

    Attributes
    ----------
    image_box : QSpinBox
        The image n shown.
    loss_image, predicted_image, target_image, grad_image : pg.ImageItem
    dice_bars, iou_bars : pg.BarGraphItem
    scope_box : QComboBox
        Dice / IoU over "this image" or the "whole batch".
    note : QLabel
        The explanation shown instead of the pictures for non-spatial batches.
    info_label : QLabel
        The pixel under the mouse (or the selected one).
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self._background = Background(self)
        self._batch_scores: tuple[Any, tuple[np.ndarray, np.ndarray]] | None = None
        self.destroyed.connect(self._background.shutdown)

        header = QHBoxLayout()
        header.addWidget(QLabel("Image n:", self))
        self.image_box = QSpinBox(self)
        self.image_box.setToolTip("Which image of the batch to show (PageUp / PageDown)")
        self.image_box.valueChanged.connect(self._on_image_changed)
        header.addWidget(self.image_box)
        header.addWidget(QLabel("Dice / IoU over:", self))
        self.scope_box = QComboBox(self)
        self.scope_box.addItems(["this image", "whole batch"])
        self.scope_box.setToolTip("Score the shown image only, or every image of the batch")
        self.scope_box.currentIndexChanged.connect(self._on_scope_changed)
        header.addWidget(self.scope_box)
        header.addStretch(1)
        self.brush_bar = BrushBar(self)
        header.addWidget(self.brush_bar)
        self._layout.addLayout(header)
        self.info_label = status_label(self)
        self._layout.addWidget(self.info_label)
        self.brush = TargetBrush(
            state,
            self.brush_bar,
            self.image_box.value,
            self._preview_target,
            lambda: self._pictures(self.image_box.value())["target"],
            self,
        )

        self.pages = QStackedWidget(self)
        note_page = QWidget(self.pages)
        note_layout = QVBoxLayout(note_page)
        self.note = QLabel(note_page)
        self.note.setWordWrap(True)
        note_layout.addWidget(self.note)
        note_layout.addStretch(1)
        self.pictures = QWidget(self.pages)
        grid = QGridLayout(self.pictures)
        grid.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(note_page)
        self.pages.addWidget(self.pictures)
        self._layout.addWidget(self.pages, 1)
        self._shown_shape: tuple[int, ...] | None = None

        titles = (
            "Loss per pixel (nats)",
            "Predicted class",
            "Target class (grey: ignored)",
            "Gradient size ‖∂loss/∂x‖ per pixel",
        )
        self.image_plots: list[pg.PlotWidget] = []
        self.markers: list[pg.ScatterPlotItem] = []
        images: list[pg.ImageItem] = []
        for k, title in enumerate(titles):
            plot = make_plot(title, "column j", "row i", legend=None)
            plot.getPlotItem().invertY(True)
            plot.getPlotItem().setAspectLocked(True)
            plot.getPlotItem().getViewBox().setBackgroundColor("#3a3a3a")
            image = PaintableImage(axisOrder="row-major", autoDownsample=True)
            image.brush = self.brush
            plot.addItem(image)
            marker = pg.ScatterPlotItem(
                size=14, symbol="s", pen=pen("orange", 2.5), brush=None, pxMode=True
            )
            plot.addItem(marker)
            plot.setToolTip("Click a pixel to select it in the grid and the other plots.")
            plot.scene().sigMouseClicked.connect(functools.partial(self._on_click, plot))
            plot.scene().sigMouseMoved.connect(functools.partial(self._on_hover, plot))
            if self.image_plots:
                plot.setXLink(self.image_plots[0])
                plot.setYLink(self.image_plots[0])
            self.image_plots.append(plot)
            self.markers.append(marker)
            images.append(image)
            grid.addWidget(plot, k // 3, k % 3)
        self.loss_image, self.predicted_image, self.target_image, self.grad_image = images
        self.loss_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False)
        self.loss_bar.setImageItem(self.loss_image, insert_in=self.image_plots[0].getPlotItem())
        self.grad_bar = pg.ColorBarItem(colorMap=pg.colormap.get("inferno"), interactive=False)
        self.grad_bar.setImageItem(self.grad_image, insert_in=self.image_plots[3].getPlotItem())

        self.score_plot = make_plot("Overlap per class", "class", "score (0 to 1)")
        self.score_plot.setYRange(0.0, 1.0)
        self.dice_bars = pg.BarGraphItem(x=[0], height=[0], width=0.38, brush=COLORS["blue"])
        self.iou_bars = pg.BarGraphItem(x=[0], height=[0], width=0.38, brush=COLORS["orange"])
        self.score_plot.addItem(self.dice_bars)
        self.score_plot.addItem(self.iou_bars)
        legend = self.score_plot.getPlotItem().legend
        legend.addItem(self.dice_bars, "Dice")
        legend.addItem(self.iou_bars, "IoU")
        grid.addWidget(self.score_plot, 1, 1, 1, 2)
        self.plots = [*self.image_plots, self.score_plot]
        self.refresh()

    # ------------------------------------------------------------------ data
    def _pictures(self, n: int) -> dict[str, np.ndarray]:
        """Image n's arrays, computed once per Document (shared through ``state.derived``)."""
        doc, ev = self.state.document, self.state.evaluation
        assert ev is not None
        hw = seg.image_shape(doc.logits.shape)
        assert hw is not None

        def compute() -> dict[str, np.ndarray]:
            loss = seg.row_image(ev.row_loss, n, hw).astype(np.float64)
            ignored = seg.row_image(ev.ignored, n, hw)
            loss[ignored] = np.nan
            grad = ev.grad[seg.image_rows(n, hw)]
            size = np.sqrt(np.einsum("pc,pc->p", grad, grad, dtype=np.float64)).reshape(hw)
            size[ignored] = np.nan
            predicted = np.argmax(doc.logits[n], axis=0).reshape(hw)
            return {
                "loss": loss,
                "grad": size,
                "predicted": predicted,
                "target": _class_image(doc, n),
            }

        return self.derived(("spatial-image", n), compute)

    def scores(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-class (Dice, IoU) for the chosen scope, None while a batch count runs."""
        doc = self.state.document
        ignore = doc.classes if doc.target_kind == "index" else None
        if self.scope_box.currentIndex() == 0:
            pictures = self._pictures(self.image_box.value())
            return seg.dice_iou(pictures["predicted"], pictures["target"], doc.classes, ignore)
        if self._batch_scores is not None and self._batch_scores[0] is doc:
            return self._batch_scores[1]
        self._background.run("scores", _batch_scores, doc, done=self._on_batch_scores)
        return None

    # ---------------------------------------------------------------- redraw
    def _redraw(self) -> None:
        doc, ev = self.state.document, self.state.evaluation
        hw = seg.image_shape(doc.logits.shape)
        if hw is None or ev is None or ev.row_loss.shape[0] != doc.rows:
            self._explain(doc)
            return
        self.pages.setCurrentWidget(self.pictures)
        self.image_box.setEnabled(True)
        self.scope_box.setEnabled(True)
        images = doc.logits.shape[0]
        sel_n, sel_i, sel_j = seg.row_pixel(self.state.selection[0], hw)
        self.image_box.blockSignals(True)
        self.image_box.setRange(0, images - 1)
        if sel_n != self.image_box.value():
            self.image_box.setValue(sel_n)
        self.image_box.blockSignals(False)
        n = self.image_box.value()
        pictures = self._pictures(n)
        self._set_float_image(self.loss_image, self.loss_bar, pictures["loss"])
        self._set_float_image(self.grad_image, self.grad_bar, pictures["grad"])
        lut = class_lut(doc.classes)
        levels = (0, doc.classes + 1)
        self.predicted_image.setImage(pictures["predicted"], lut=lut, levels=levels)
        self.target_image.setImage(pictures["target"], lut=lut, levels=levels)
        paintable = doc.target_kind == "index"
        self.brush_bar.setEnabled(paintable)
        if paintable:
            self.brush_bar.set_choices(doc.classes, _ignore_index(doc))
        for marker in self.markers:
            marker.setData([sel_j + 0.5], [sel_i + 0.5] if sel_n == n else [])
            marker.setVisible(sel_n == n)
        if self._shown_shape != doc.logits.shape:
            # A new picture size: frame the whole image once, then leave zoom to the user.
            self._shown_shape = doc.logits.shape
            self.image_plots[0].getPlotItem().getViewBox().setRange(
                xRange=(0, hw[1]), yRange=(0, hw[0]), padding=0.02
            )
        self._draw_scores(doc.classes)
        self._describe(n, sel_i, sel_j)

    def _preview_target(self, picture: np.ndarray) -> None:
        classes = self.state.document.classes
        self.target_image.setImage(picture, lut=class_lut(classes), levels=(0, classes + 1))

    def _set_float_image(self, item: pg.ImageItem, bar: pg.ColorBarItem, image: np.ndarray) -> None:
        finite = image[np.isfinite(image)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        item.setImage(image, levels=(lo, hi))
        bar.setLevels((lo, hi))

    def _draw_scores(self, classes: int) -> None:
        scores = self.scores()
        if scores is None:
            return
        dice, iou = (np.nan_to_num(s, nan=0.0) for s in scores)
        x = np.arange(classes)
        self.dice_bars.setOpts(x=x - 0.2, height=dice, width=0.38)
        self.iou_bars.setOpts(x=x + 0.2, height=iou, width=0.38)
        integer_ticks(self.score_plot, classes)

    def _explain(self, doc: Document) -> None:
        self.pages.setCurrentIndex(0)
        self._shown_shape = None
        self.brush_bar.setEnabled(False)
        self.image_box.setEnabled(False)
        self.scope_box.setEnabled(False)
        self.note.setText(
            f"This view shows spatial batches: segmentation logits of shape (N, C, H, W), "
            f"one loss per pixel. The current batch has shape {tuple(doc.logits.shape)}. "
            "Open one with File ▸ Open: an .npz with 'input' (N, C, H, W) and 'target' "
            "(N, H, W) class indices (255 marks pixels to ignore)."
        )

    def _describe(self, n: int, i: int, j: int) -> None:
        doc = self.state.document
        hw = seg.image_shape(doc.logits.shape)
        if hw is None or not (0 <= i < hw[0] and 0 <= j < hw[1]):
            self.info_label.setText("")
            return
        pictures = self._pictures(n)
        target = int(pictures["target"][i, j])
        predicted = int(pictures["predicted"][i, j])
        where = f"n={n}, pixel ({i}, {j}): "
        if target == doc.classes:
            # Ignored pixels have no loss and no gradient (NaN in the pictures).
            self.info_label.setText(f"{where}target ignored, predicted {predicted}, no loss")
            return
        loss, grad = float(pictures["loss"][i, j]), float(pictures["grad"][i, j])
        self.info_label.setText(
            f"{where}target {target}, predicted {predicted}, loss {loss:.4g}, ‖∂‖ {grad:.3g}"
        )

    # ----------------------------------------------------------------- slots
    def _pixel_at(self, plot: pg.PlotWidget, scene_pos: QPointF) -> tuple[int, int] | None:
        hw = seg.image_shape(self.state.document.logits.shape)
        view = plot.getPlotItem().getViewBox()
        if hw is None or not view.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        i, j = int(np.floor(point.y())), int(np.floor(point.x()))
        return (i, j) if 0 <= i < hw[0] and 0 <= j < hw[1] else None

    @safe_slot
    def _on_click(self, plot: pg.PlotWidget, event: Any) -> None:
        pixel = self._pixel_at(plot, event.scenePos())
        if pixel is None or not self.pictures.isVisible() or self.brush_bar.active:
            return  # while painting, a click paints (see PaintableImage)
        self.select_pixel(self.image_box.value(), *pixel)

    @safe_slot
    def _on_hover(self, plot: pg.PlotWidget, scene_pos: QPointF) -> None:
        pixel = self._pixel_at(plot, scene_pos)
        if pixel is not None and self.pictures.isVisible():
            self._describe(self.image_box.value(), *pixel)

    def select_pixel(self, n: int, i: int, j: int) -> None:
        """Select pixel (i, j) of image n: its grid row, keeping the selected column."""
        hw = seg.image_shape(self.state.document.logits.shape)
        if hw is not None:
            self.state.select(seg.pixel_row(n, i, j, hw), self.state.selection[1])

    @safe_slot
    def _on_image_changed(self, n: int) -> None:
        hw = seg.image_shape(self.state.document.logits.shape)
        if hw is None:
            return
        _sel_n, i, j = seg.row_pixel(self.state.selection[0], hw)
        # Keep the same pixel position in the new image, so flipping images compares it.
        self.select_pixel(n, i, j)
        self.refresh()

    @safe_slot
    def _on_scope_changed(self, _index: int) -> None:
        self.refresh()

    def _on_batch_scores(self, result: tuple[Document, tuple[np.ndarray, np.ndarray]]) -> None:
        doc, scores = result
        self._batch_scores = (doc, scores)
        if doc is self.state.document and self.scope_box.currentIndex() == 1:
            self._draw_scores(doc.classes)


def _batch_scores(doc: Document) -> tuple[Document, tuple[np.ndarray, np.ndarray]]:
    """Dice / IoU over every image of ``doc`` (run in a worker thread)."""
    predicted = np.argmax(doc.logits, axis=1)
    if doc.target_kind == "index":
        target, ignore = doc.target, _ignore_index(doc)
    else:
        target, ignore = np.argmax(doc.target, axis=1), None
    return doc, seg.dice_iou(predicted, target, doc.classes, ignore)
