"""A fixed Qt + pyqtgraph workload, timed beside the window's edits as their reference.

This machine is a shared VM whose slow phases (from seconds to many minutes)
make the window's edits take up to about 1.5 times the CPU time, while a small
NumPy reference (one ``cross_entropy`` on 64 x 10, which fits in the L1 cache)
keeps its time: the phases come from other tenants competing for the shared
caches and memory, which hurts work that touches much code and data. A process
copying a 128 MB array over and over on the second core reproduces them: in
our runs it made the tiled drag step and this reference 1.3 to 1.7 times
slower, by the same factor in a given run, and the NumPy reference no slower.

This reference does the same kind of work as an edit, with no lossgui code:
four 400-point pyqtgraph curves get new data and a 20-row table new texts,
the events they post are handled and the widget is repainted. An edit's time
divided by this one's is the figure that compares runs made in different
phases (and commits measured in different runs).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QApplication,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["QtPaintReference"]

_ROWS = 20
_POINTS = 400


class QtPaintReference:
    """A window of its own with one plot and one table; :meth:`step` changes and repaints both."""

    def __init__(self) -> None:
        self.widget = QWidget()
        layout = QVBoxLayout(self.widget)
        self.plot = pg.PlotWidget()
        layout.addWidget(self.plot)
        self.x = np.linspace(-5.0, 5.0, _POINTS)
        # Two fixed sets of curves, shown in turn: each step draws new paths.
        self.curve_sets = [
            [np.sin(self.x * (k + 1) + shift) for k in range(4)] for shift in (0.0, 0.5)
        ]
        self.curves = [self.plot.plot(self.x, y, pen=pg.mkPen(width=2)) for y in self.curve_sets[0]]
        self.table = QTableWidget(_ROWS, 6)
        layout.addWidget(self.table)
        for row in range(_ROWS):
            for col in range(6):
                self.table.setItem(row, col, QTableWidgetItem(f"{row * 6 + col:.4f}"))
        self.widget.resize(600, 600)
        self.widget.show()
        self._turn = 0
        for _ in range(20):  # first paints, fonts, path buffers
            self.step()

    def step(self) -> None:
        """New curve data and texts, then the events they post and a repaint of the widget."""
        self._turn ^= 1
        for curve, y in zip(self.curves, self.curve_sets[self._turn], strict=True):
            curve.setData(self.x, y)
        for row in range(_ROWS):
            self.table.item(row, 0).setText(f"{self._turn + row:.4f}")
        # As an edit is timed: the posted events (pyqtgraph's range updates, the
        # table's) are handled, then everything is painted.
        QApplication.processEvents()
        self.widget.repaint()

    def time_steps(self, steps: int) -> list[float]:
        """CPU seconds (``time.process_time``) of each of ``steps`` steps."""
        samples = []
        for _ in range(steps):
            start = time.process_time()
            self.step()
            samples.append(time.process_time() - start)
        return samples

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()
