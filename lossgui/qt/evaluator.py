"""Evaluate large Documents in a worker thread, so an edit never freezes the window.

Evaluating a segmentation batch (tens of millions of logits) takes about half
a second. :class:`BackgroundEvaluator` runs :meth:`AppState.compute_evaluation`
in one worker thread and hands the result back on the GUI thread through a
queued signal. Only the newest request counts: a request is sent to the
worker at the end of the event-loop turn that made it (so undoing ten steps at
once evaluates only where it lands), a request made while another is running
supersedes it (a job that has not started yet is skipped, and a late result is
dropped), so typing quickly in one cell evaluates the last value, not every
keystroke.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

__all__ = ["WORKER_NICE", "BackgroundEvaluator", "lower_thread_priority"]

#: Nice value of worker threads (0 = normal, 19 = lowest) on Linux.
WORKER_NICE = 10
# What PyTorch would raise for a configuration it rejects.
_REJECTED = (ValueError, IndexError, TypeError, ArithmeticError)


def lower_thread_priority() -> None:
    """Make the calling worker thread yield the CPU to the GUI thread (Linux; else nothing).

    On two busy cores a full-speed worker can starve the event loop; with a
    higher nice value for the worker alone (threads it starts inherit it) the
    window keeps painting and the work still uses every idle cycle.
    """
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None or not sys.platform.startswith("linux"):
        return
    try:
        setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
    except OSError:
        pass  # not allowed here: run at normal priority


def _stop(pools: list[ThreadPoolExecutor]) -> None:
    while pools:
        pools.pop().shutdown(wait=False, cancel_futures=True)


class BackgroundEvaluator(QObject):
    """Runs ``compute(document)`` in a worker; ``ready`` brings back the newest result.

    Signals
    -------
    ready(object, object, object)
        ``(document, evaluation, error)`` on the GUI thread, for the newest
        request only: ``evaluation`` is None when ``error`` (a sentence) says
        why PyTorch would reject the Document.
    """

    ready = Signal(object, object, object)
    # (generation, document, evaluation, error), emitted by the worker thread.
    _finished = Signal(int, object, object, object)

    def __init__(self, compute: Callable[[Any], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._compute = compute
        # At most one pool; a list so that destroyed can stop it without this object.
        self._pools: list[ThreadPoolExecutor] = []
        self._generation = 0
        self._pending: Any = None
        # Emitted from the worker thread: Qt queues it to this object's (GUI) thread.
        self._finished.connect(self._deliver)
        self.destroyed.connect(functools.partial(_stop, self._pools))
        self._submit_timer = QTimer(self)
        self._submit_timer.setSingleShot(True)
        self._submit_timer.setInterval(0)
        self._submit_timer.timeout.connect(self._submit)

    def start(self, document: Any) -> None:
        """Evaluate ``document`` in the worker; any earlier request is superseded.

        The job is handed to the worker when this event-loop turn ends.
        """
        self._generation += 1
        self._pending = document
        self._submit_timer.start()

    def _submit(self) -> None:
        if self._pending is None:
            return
        if not self._pools:
            self._pools.append(
                ThreadPoolExecutor(
                    max_workers=1,
                    thread_name_prefix="lossgui-eval",
                    initializer=lower_thread_priority,
                )
            )
        self._pools[0].submit(self._job, self._generation, self._pending)

    def cancel(self) -> None:
        """Forget the pending request: its result, when it comes, is dropped."""
        self._generation += 1
        self._pending = None
        self._submit_timer.stop()

    def pending(self) -> Any:
        """The Document being evaluated, or None."""
        return self._pending

    def shutdown(self) -> None:
        """Drop pending work and stop the worker thread (without waiting for it)."""
        self.cancel()
        _stop(self._pools)

    def _job(self, generation: int, document: Any) -> None:
        if generation != self._generation:
            return  # superseded before it started: skip the work
        evaluation, error = None, None
        try:
            evaluation = self._compute(document)
        except _REJECTED as err:
            error = str(err)
        except Exception as err:  # a bug: reported, never raised into Qt
            traceback.print_exc()
            error = f"internal error ({type(err).__name__}: {err}); please report it"
        try:
            self._finished.emit(generation, document, evaluation, error)
        except RuntimeError:
            pass  # the state was deleted meanwhile: nobody waits for the result

    def _deliver(self, generation: int, document: Any, evaluation: Any, error: Any) -> None:
        if generation != self._generation:
            return
        self._pending = None
        self.ready.emit(document, evaluation, error)
