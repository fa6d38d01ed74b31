"""Spread a redraw over several event-loop turns, so that no single paint freezes the window.

Qt paints every widget that changed during one event-loop turn in one go.
A panel that sets five plots at once (a segmentation batch: four pictures and
a bar chart) makes one paint of about 50 to 100 ms, most of it pyqtgraph
laying out axis text. :class:`Stager` runs a redraw's steps one per turn
instead: each turn ends with the paint of what that step changed, and the
heartbeat of the event loop never stops for long.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["Stager"]


class Stager(QObject):
    """Runs queued steps one per event-loop turn (a zero-interval timer between them).

    A new :meth:`run` replaces the steps not yet run: only the newest redraw
    is carried out, so a burst of changes does not queue stale work.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: list[Callable[[], object]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._next)

    def run(self, steps: list[Callable[[], object]]) -> None:
        """Forget pending steps and run ``steps``, the first one in the next turn."""
        self._steps = list(steps)
        if self._steps:
            self._timer.start()
        else:
            self._timer.stop()

    def cancel(self) -> None:
        """Forget the steps not run yet."""
        self.run([])

    def busy(self) -> bool:
        """True while steps are waiting."""
        return bool(self._steps)

    def _next(self) -> None:
        if not self._steps:
            return
        step = self._steps.pop(0)
        if self._steps:
            self._timer.start()
        try:
            step()
        except Exception:  # steps are guarded slots; this is the last line of defence
            traceback.print_exc()
