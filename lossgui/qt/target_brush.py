"""Paint segmentation targets with a round brush: each stroke is one undo step.

:class:`BrushBar` holds the brush's settings (on/off, the class or ignore_index
it paints, its radius). :class:`PaintableImage` is an ImageItem that, while the
brush is on, turns mouse drags and clicks on it into strokes instead of panning.
:class:`TargetBrush` collects a stroke's pixels, previews them on the target
picture as they are painted, and on release makes one ``state.edit`` with
:meth:`Document.with_targets`; the Document is untouched until then, and a
refused stroke (a class the batch does not have) changes nothing.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget

from lossgui.core import segmentation as seg
from lossgui.qt.state import AppState
from lossgui.wording import counted

__all__ = ["BrushBar", "PaintableImage", "TargetBrush"]


class BrushBar(QWidget):
    """The brush's controls: a Paint toggle, what it paints, and its radius in pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton(self)
        self.toggle.setText("Paint target")
        self.toggle.setCheckable(True)
        self.toggle.setShortcut("B")
        self.toggle.setToolTip(
            "Paint target classes with the mouse on any picture (B). Each stroke is one "
            "undo step; while on, dragging paints instead of panning."
        )
        self.value_box = QComboBox(self)
        self.value_box.setToolTip("The class (or ignore_index) the brush paints")
        self.radius_box = QSpinBox(self)
        self.radius_box.setRange(0, 200)
        self.radius_box.setValue(3)
        self.radius_box.setSuffix(" px")
        self.radius_box.setToolTip("Brush radius: 0 paints single pixels")
        layout.addWidget(self.toggle)
        layout.addWidget(self.value_box)
        layout.addWidget(QLabel("radius", self))
        layout.addWidget(self.radius_box)

    def set_choices(self, classes: int, ignore_index: int | None) -> None:
        """Offer classes 0..C-1 and, if the loss has one, its ignore_index."""
        choices = [(f"class {c}", c) for c in range(classes)]
        if ignore_index is not None:
            choices.append((f"ignore ({ignore_index})", ignore_index))
        if [self.value_box.itemData(i) for i in range(self.value_box.count())] == [
            v for _, v in choices
        ]:
            return
        current = self.value_box.currentData()
        self.value_box.blockSignals(True)
        self.value_box.clear()
        for label, value in choices:
            self.value_box.addItem(label, value)
        found = self.value_box.findData(current)
        self.value_box.setCurrentIndex(max(found, 0))
        self.value_box.blockSignals(False)

    @property
    def active(self) -> bool:
        """Whether drags on the pictures paint."""
        return self.toggle.isChecked() and self.toggle.isEnabled()

    @property
    def value(self) -> int:
        """The target value painted."""
        data = self.value_box.currentData()
        return 0 if data is None else int(data)


class PaintableImage(pg.ImageItem):
    """An ImageItem whose drags and clicks go to a :class:`TargetBrush` while it is on."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.brush: TargetBrush | None = None

    def _painting(self, event: Any) -> bool:
        brush = self.brush
        return (
            brush is not None and brush.bar.active and event.button() == Qt.MouseButton.LeftButton
        )

    def mouseDragEvent(self, ev: Any) -> None:
        if not self._painting(ev):
            ev.ignore()
            return
        ev.accept()
        assert self.brush is not None
        if ev.isStart():
            # The drag starts a few pixels after the press: paint from where it began.
            self.brush.handle(ev.buttonDownPos(), start=True, finish=False)
        self.brush.handle(ev.pos(), start=False, finish=ev.isFinish())

    def mouseClickEvent(self, ev: Any) -> None:
        if not self._painting(ev):
            ev.ignore()
            return
        ev.accept()
        assert self.brush is not None
        self.brush.handle(ev.pos(), start=True, finish=True)


class TargetBrush(QObject):
    """Collects one stroke's pixels of image n, previews them, commits them as one edit.

    Parameters
    ----------
    state : AppState
    bar : BrushBar
    image_n : callable () -> int
        The image the panel shows.
    preview : callable (ndarray (H, W)) -> None
        Shows a class picture with the stroke so far painted in.
    class_picture : callable () -> ndarray (H, W)
        The shown target picture (classes, C for ignored).
    """

    def __init__(
        self,
        state: AppState,
        bar: BrushBar,
        image_n: Callable[[], int],
        preview: Callable[[np.ndarray], None],
        class_picture: Callable[[], np.ndarray],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.bar = bar
        self._image_n = image_n
        self._preview = preview
        self._class_picture = class_picture
        self._picture: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._last: tuple[float, float] | None = None

    def handle(self, pos: QPointF, *, start: bool, finish: bool) -> None:
        """One mouse event of a stroke; nothing raised here reaches Qt's event loop."""
        try:
            if start:
                self.begin()
            self.dab(pos)
            if finish:
                self.commit()
        except Exception as err:  # a bug must not escape into the event loop
            traceback.print_exc()
            self._mask = self._picture = None
            self.state.message.emit(f"Painting failed ({type(err).__name__}: {err})")

    def begin(self) -> None:
        """Start a stroke on the current picture."""
        self._picture = np.array(self._class_picture())
        self._mask = np.zeros(self._picture.shape, dtype=bool)
        self._last = None

    def dab(self, pos: QPointF) -> None:
        """Paint from the previous position to ``pos`` (picture coordinates: x = column, y = row).

        Mouse moves skip pixels, so discs are laid along the segment at most
        half a radius (or half a pixel) apart: the stroke has no gaps.
        """
        if self._picture is None or self._mask is None:
            self.begin()
        end = (float(pos.y()), float(pos.x()))
        start = self._last if self._last is not None else end
        self._last = end
        r = self.bar.radius_box.value()
        length = float(np.hypot(end[0] - start[0], end[1] - start[1]))
        steps = max(1, int(np.ceil(length / max(0.5, r / 2))))
        for t in np.linspace(0.0, 1.0, steps + 1)[1 if length else 0 :]:
            self._disc(start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]), r)
        assert self._picture is not None
        self._preview(self._picture)

    def _disc(self, y: float, x: float, r: int) -> None:
        assert self._picture is not None and self._mask is not None
        h, w = self._mask.shape
        ci, cj = int(np.floor(y)), int(np.floor(x))
        i0, i1, j0, j1 = max(ci - r, 0), min(ci + r + 1, h), max(cj - r, 0), min(cj + r + 1, w)
        if i0 >= i1 or j0 >= j1:
            return
        ii, jj = np.ogrid[i0:i1, j0:j1]
        disc = (ii - ci) ** 2 + (jj - cj) ** 2 <= r * r
        self._mask[i0:i1, j0:j1] |= disc
        classes, value = self.state.document.classes, self.bar.value
        self._picture[i0:i1, j0:j1][disc] = value if 0 <= value < classes else classes

    def commit(self) -> bool:
        """Make the stroke one undo step; False if it was empty or refused."""
        mask, self._mask, self._picture = self._mask, None, None
        doc = self.state.document
        hw = seg.image_shape(doc.logits.shape)
        if mask is None or hw is None or not mask.any():
            return False
        i, j = np.nonzero(mask)
        rows = seg.pixel_row(self._image_n(), i, j, hw)
        value = self.bar.value
        text = f"Paint target {value} on {counted(rows.size, 'pixel')}"
        ok = self.state.edit(lambda d: d.with_targets(rows, value), text)
        if not ok:
            self._preview(self._class_picture())  # the Document is unchanged: drop the preview
        return ok
