"""Segmentation batches as pictures: per-pixel loss, prediction vs target, gradient, Dice/IoU.

For an (N, C, H, W) input (or (N, C, L), shown as height-1 images) the panel
shows one image n at a time: the loss of every pixel, the predicted class next
to the target (ignored pixels in grey), the size of the gradient at each pixel
and per-class Dice and IoU. Images are pyqtgraph ImageItems fed whole arrays
(auto-downsampled), never drawn pixel by pixel. Clicking a pixel selects its
grid row, so the grid and the loss-vs-logit plot show that pixel's logits.
With "Paint target" on, dragging paints target classes (or ignore_index) with
a round brush, one undo step per stroke (:mod:`lossgui.qt.target_brush`).

For a large batch (more than :data:`SYNC_SORT_ROWS` pixels) the pictures are
computed in a worker thread (:mod:`lossgui.qt.panels.spatial_data`) and handed
to the plots one per event-loop turn (:class:`~lossgui.qt.staging.Stager`), so
that the window keeps painting while a segmentation batch opens or changes.
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lossgui.core import segmentation as seg
from lossgui.document import Document
from lossgui.qt.background_jobs import Background
from lossgui.qt.panels.base import PanelBase, integer_ticks, safe_slot
from lossgui.qt.panels.on_demand import BuiltOnDemand
from lossgui.qt.panels.spatial_binary import SpatialBinaryView
from lossgui.qt.panels.spatial_data import (
    IGNORED_COLOR,
    Pictures,
    batch_scores,
    class_image,
    class_lut,
    describe_pixel,
    ignore_index,
    image_pictures,
)
from lossgui.qt.panels.spatial_plots import (
    make_image_plots,
    make_score_plot,
    set_float_image,
    size_pixel_plots,
)
from lossgui.qt.sample_table import status_label
from lossgui.qt.sample_table_model import SYNC_SORT_ROWS
from lossgui.qt.staging import Stager
from lossgui.qt.state import AppState
from lossgui.qt.target_brush import BrushBar, TargetBrush

__all__ = ["IGNORED_COLOR", "SpatialPanel", "class_lut"]


#: What SpatialPanel builds with its pictures (see BuiltOnDemand).
_PICTURES = frozenset(
    "image_plots markers loss_image predicted_image target_image grad_image loss_bar grad_bar "
    "score_plot dice_bars iou_bars pixel_plots".split()
)


class SpatialPanel(BuiltOnDemand, PanelBase):
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
    pixel_plots : list of pg.PlotWidget
        The "Per pixel" tab's four images and the Dice / IoU bars.
    plots : list of pg.PlotWidget
        ``pixel_plots`` and the "Sigmoid vs softmax" tab's plots (the window exports
        them); empty until the first spatial batch. The plots and their items are
        built then, or when one of them is first read (see
        :class:`~lossgui.qt.panels.on_demand.BuiltOnDemand`).
    """

    built_on_demand = _PICTURES

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self._background = Background(self)
        self._stager = Stager(self)
        self._batch_scores: tuple[Any, tuple[np.ndarray, np.ndarray]] | None = None
        self._scores_asked: Document | None = None
        # The array each picture shows now, by name: a redraw sets only what differs.
        self._shown: dict[str, np.ndarray] = {}
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
            lambda: class_image(self.state.document, self.image_box.value()),
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
        self._picture_grid = QGridLayout(self.pictures)
        self._picture_grid.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(note_page)
        self.pages.addWidget(self.pictures)
        # Second tab: one sigmoid channel vs two softmax channels on the same image.
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.pages, "Per pixel")
        self.binary_view = SpatialBinaryView(state, self.tabs)
        self.tabs.addTab(self.binary_view, "Sigmoid vs softmax")
        self._layout.addWidget(self.tabs, 1)
        self._shown_shape: tuple[int, ...] | None = None
        self.refresh()

    def _build_on_demand(self) -> None:
        """The pixel plots of both tabs: built by the first spatial batch (0.2 s of start-up)."""
        grid = self._picture_grid
        made = make_image_plots(self.brush, self._on_click, self._on_hover)
        self.image_plots, self.markers = made.plots, made.markers
        for k, plot in enumerate(self.image_plots):
            grid.addWidget(plot, k // 3, k % 3)
        self.loss_image, self.predicted_image, self.target_image, self.grad_image = made.images
        self.loss_bar, self.grad_bar = made.loss_bar, made.grad_bar

        self.score_plot, self.dice_bars, self.iou_bars = make_score_plot()
        grid.addWidget(self.score_plot, 1, 1, 1, 2)
        size_pixel_plots([*self.image_plots, self.score_plot])
        self.binary_view.ensure_built()
        # Every plot of both tabs, for the window's plot exports.
        self.adopt_plots([*self.image_plots, self.score_plot, *self.binary_view.plots])
        self.pixel_plots = [*self.image_plots, self.score_plot]

    # ------------------------------------------------------------------ data
    @staticmethod
    def _large(doc: Document) -> bool:
        """Whether pictures are computed in the worker and drawn one per turn."""
        return doc.rows > SYNC_SORT_ROWS

    def _cached(self, n: int) -> Pictures | None:
        """Image n's pictures if computed for the current Document and Evaluation."""
        return self.derived(("spatial-image", n), dict) or None

    def _pictures(self, n: int, wait: bool = True) -> Pictures | None:
        """Image n's arrays, computed once per evaluation (shared through ``state.derived``).

        With ``wait`` False they are computed in the worker thread and None is
        returned meanwhile; the panel redraws when they arrive.
        """
        doc, ev = self.state.document, self.state.evaluation
        assert ev is not None
        slot = self.derived(("spatial-image", n), dict)
        if not slot:
            if not wait:
                done = functools.partial(self._on_pictures, doc, ev, n)
                self._background.run("pictures", image_pictures, doc, ev, n, done=done)
                return None
            slot.update(image_pictures(doc, ev, n))
        return slot

    def scores(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-class (Dice, IoU) for the chosen scope, None while they are being counted."""
        doc = self.state.document
        if self.scope_box.currentIndex() == 0:
            pictures = self._cached(self.image_box.value())
            return None if pictures is None else (pictures["dice"], pictures["iou"])
        if self._batch_scores is not None and self._batch_scores[0] is doc:
            return self._batch_scores[1]
        if self._scores_asked is not doc:
            self._scores_asked = doc
            self._background.run("scores", batch_scores, doc, done=self._on_batch_scores)
        return None

    # ---------------------------------------------------------------- redraw
    def _redraw(self) -> None:
        doc, ev = self.state.document, self.state.evaluation
        hw = seg.image_shape(doc.logits.shape)
        if hw is None or ev is None or ev.row_loss.shape[0] != doc.rows:
            self._explain(doc)
            return
        if self.state.computing:
            # The last pictures stay until the new evaluation is ready (its changed redraws).
            self.info_label.setText("Computing the loss of the changed batch…")
            return
        if self._large(doc):
            # After this turn's paint of the other panels, then one plot per turn.
            self._stager.run([functools.partial(self._step, self._show, True)])
            return
        self._show(False)

    def _show(self, staged: bool) -> None:
        """Show the selected image's pictures: all now, or one plot per turn if ``staged``."""
        doc = self.state.document
        hw = seg.image_shape(doc.logits.shape)
        if hw is None or self.state.evaluation is None:
            return
        self.ensure_built()
        if self.pages.currentWidget() is not self.pictures:
            if staged:
                for plot in self.pixel_plots:
                    plot.hide()  # revealed one per turn as their pictures are set
            self.pages.setCurrentWidget(self.pictures)
        self.image_box.setEnabled(True)
        self.scope_box.setEnabled(True)
        sel_n = seg.row_pixel(self.state.selection[0], hw)[0]
        self.image_box.blockSignals(True)
        self.image_box.setRange(0, doc.logits.shape[0] - 1)
        if sel_n != self.image_box.value():
            self.image_box.setValue(sel_n)
        self.image_box.blockSignals(False)
        n = self.image_box.value()
        pictures = self._pictures(n, wait=not staged)
        if pictures is None:
            self.info_label.setText(f"Computing the pictures of image {n}…")
            return
        plots = dict(zip(("loss", "predicted", "target", "grad"), self.image_plots, strict=True))
        steps = [
            functools.partial(self._set_picture, name, pictures[name], plots[name])
            for name in ("loss", "grad", "predicted", "target")
            if self._shown.get(name) is not pictures[name] or plots[name].isHidden()
        ]
        steps += [self._draw_scores, self._show_selection]
        if not staged:
            self._stager.cancel()
            for step in steps:
                step()
            return
        self._stager.run([functools.partial(self._step, step) for step in steps])

    @safe_slot
    def _step(self, step: Any, *args: Any) -> None:
        step(*args)

    def _set_picture(self, name: str, picture: np.ndarray, plot: pg.PlotWidget) -> None:
        self._shown[name] = picture
        plot.show()
        if name == "loss":
            set_float_image(self.loss_image, self.loss_bar, picture)
        elif name == "grad":
            set_float_image(self.grad_image, self.grad_bar, picture)
        else:
            classes = self.state.document.classes
            item = self.predicted_image if name == "predicted" else self.target_image
            item.setImage(picture, lut=class_lut(classes), levels=(0, classes + 1))

    def _show_selection(self) -> None:
        """Markers, framing, the brush's choices and the pixel description."""
        doc = self.state.document
        hw = seg.image_shape(doc.logits.shape)
        if hw is None:
            return
        n = self.image_box.value()
        sel_n, sel_i, sel_j = seg.row_pixel(self.state.selection[0], hw)
        paintable = doc.target_kind == "index"
        self.brush_bar.setEnabled(paintable)
        if paintable:
            self.brush_bar.set_choices(doc.classes, ignore_index(doc))
        for marker in self.markers:
            marker.setData([sel_j + 0.5], [sel_i + 0.5] if sel_n == n else [])
            marker.setVisible(sel_n == n)
        if self._shown_shape != doc.logits.shape:
            # A new picture size: frame the whole image once, then leave zoom to the user.
            self._shown_shape = doc.logits.shape
            self.image_plots[0].getPlotItem().getViewBox().setRange(
                xRange=(0, hw[1]), yRange=(0, hw[0]), padding=0.02
            )
        self._describe(n, sel_i, sel_j)

    def _preview_target(self, picture: np.ndarray) -> None:
        classes = self.state.document.classes
        self._shown.pop("target", None)  # the next redraw puts the Document's target back
        self.target_image.setImage(picture, lut=class_lut(classes), levels=(0, classes + 1))

    def _draw_scores(self) -> None:
        self.score_plot.show()
        scores = self.scores()
        if scores is None:
            return
        classes = self.state.document.classes
        dice, iou = (np.nan_to_num(s, nan=0.0) for s in scores)
        if dice.shape[0] != classes:
            return  # counted for an earlier batch with another class count
        x = np.arange(classes)
        self.dice_bars.setOpts(x=x - 0.2, height=dice, width=0.38)
        self.iou_bars.setOpts(x=x + 0.2, height=iou, width=0.38)
        integer_ticks(self.score_plot, classes)

    def _explain(self, doc: Document) -> None:
        self._stager.cancel()
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
        pictures = self._cached(n)
        inside = hw is not None and 0 <= i < hw[0] and 0 <= j < hw[1]
        text = describe_pixel(pictures, n, i, j, doc.classes) if pictures and inside else ""
        self.info_label.setText(text)

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

    def _on_pictures(self, doc: Document, ev: Any, n: int, pictures: Pictures) -> None:
        state = self.state
        if doc is not state.document or ev is not state.evaluation or state.computing:
            return  # computed for numbers that changed meanwhile
        self.derived(("spatial-image", n), dict).update(pictures)
        # Not through the change scheduling: the state is the same, only the pictures are new.
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True  # drawn when shown

    def _on_batch_scores(self, result: tuple[Document, tuple[np.ndarray, np.ndarray]]) -> None:
        doc, scores = result
        self._batch_scores = (doc, scores)
        if doc is self.state.document and self.scope_box.currentIndex() == 1:
            self._draw_scores()
