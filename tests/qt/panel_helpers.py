"""Shared by the panel tests (test_panels*.py): building a panel and reading its curves."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from lossgui.document import Document
from lossgui.document_convert import default_document, randomized, resize


def big_document():
    return randomized(resize(default_document(), 64, 10), np.random.default_rng(5))


def make(qtbot, cls, state):
    panel = cls(state)
    qtbot.addWidget(panel)
    return panel


def curve_xy(curve):
    x, y = curve.getData()
    return np.asarray(x), np.asarray(y)


def spatial_document():
    rng = np.random.default_rng(11)
    return Document(
        loss="cross_entropy",
        logits=np.round(rng.normal(0, 2, size=(2, 3, 20, 20)), 2),
        target=rng.integers(0, 3, size=(2, 20, 20)),
        options={"weight": (1.0, 2.0, 0.5), "ignore_index": 1},
    )


def shown(qtbot, widget: QWidget, size: tuple[int, int]) -> QWidget:
    """``widget`` resized to ``size``, shown and exposed; closed by qtbot after the test."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def settle() -> None:
    """Let posted events (layouts, view-range updates, repaints) run."""
    for _ in range(3):
        QApplication.processEvents()


class EventCounter(QObject):
    """An event filter that counts the events of one type its watched objects receive."""

    def __init__(self, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind = kind
        self.count = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == self.kind:
            self.count += 1
        return False
