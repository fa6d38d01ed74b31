"""A worker thread for NumPy work whose results come back on the GUI thread.

:class:`Background` runs named jobs (a sort of a million rows, a spatial map's
picture) one at a time off the GUI thread; a new job replaces a pending one of
the same name, and its result is handed back through a timer on the thread
that owns the Background, so widgets are only touched there.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from lossgui.qt.evaluator import lower_thread_priority

__all__ = ["Background"]


class Background(QObject):
    """Runs NumPy work in one worker thread and hands results back on the GUI thread.

    A job replaces a pending job of the same name (whose result is dropped),
    so only the newest request's result is ever shown.

    Signals
    -------
    busyChanged(bool)
        True when the first job starts, False when the last one is handed back.
    """

    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: dict[str, tuple[Future, Callable[[Any], None]]] = {}
        self._poll = QTimer(self)
        self._poll.setInterval(25)
        self._poll.timeout.connect(self._collect)

    def run(
        self, name: str, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None]
    ) -> None:
        """Run ``fn(*args)`` in the worker; call ``done(result)`` on this thread afterwards."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="lossgui-table", initializer=lower_thread_priority
            )
        was_busy = bool(self._jobs)
        self._jobs[name] = (self._pool.submit(fn, *args), done)
        self._poll.start()
        if not was_busy:
            self.busyChanged.emit(True)

    def busy(self) -> bool:
        """True while a job's result has not been handed back."""
        return bool(self._jobs)

    def _collect(self) -> None:
        for name, (future, done) in list(self._jobs.items()):
            if not future.done():
                continue
            del self._jobs[name]
            try:
                done(future.result())
            except Exception:  # a bug must not escape into the event loop
                traceback.print_exc()
        if not self._jobs:
            self._poll.stop()
            self.busyChanged.emit(False)

    def shutdown(self) -> None:
        """Drop pending results and stop the worker thread."""
        self._poll.stop()
        self._jobs.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
