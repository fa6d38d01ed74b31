"""Open a batch file without freezing the window: read and evaluate in a worker thread.

:func:`open_file_async` starts an :class:`OpenFileTask`: a worker thread reads
the file (:func:`lossgui.loaders.load_document`) and evaluates the loss on it
(:meth:`AppState.compute_evaluation`), while a QTimer on the GUI thread polls
for the result and moves a progress dialog with a Cancel button. NumPy releases
the GIL inside its loops, so the window keeps painting meanwhile. On success
the Document and its evaluation become one undo step (``state.edit``); on
failure or Cancel the previous numbers stay and the reason is shown.
"""

from __future__ import annotations

import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from lossgui.core.evaluate import Evaluation
from lossgui.document import Document
from lossgui.loaders import load_document
from lossgui.qt.evaluator import lower_thread_priority
from lossgui.qt.state import AppState

__all__ = ["OpenFileTask", "lower_thread_priority", "open_file_async", "open_file_sync"]

#: How often the GUI thread looks at the worker (ms): well under a frame budget.
POLL_MS = 30
#: Files that open faster than this (ms) never flash a progress dialog.
DIALOG_DELAY_MS = 300
# Errors that mean "this file cannot be opened" rather than a bug in lossgui.
_FILE_ERRORS = (OSError, ValueError, MemoryError)
_EVAL_ERRORS = (ValueError, IndexError, TypeError, ArithmeticError)


# Tasks between start() and finished: the only strong reference a dropped task has.
_RUNNING: set[OpenFileTask] = set()


@dataclass
class _Progress:
    """Where the worker is; written by the worker, read by the poll (plain attributes)."""

    percent: int = 0
    text: str = ""


def _open_and_evaluate(
    path: Path,
    target_path: Path | None,
    loss: str | None,
    ignore_index: int | None,
    cancelled: threading.Event,
    progress: _Progress,
) -> tuple[Document, Evaluation | None] | None:
    """The worker's job: the Document, its evaluation (None if PyTorch rejects it)."""
    progress.percent, progress.text = 5, f"Reading {path.name}…"
    document = load_document(path, target_path, loss=loss, ignore_index=ignore_index)
    if cancelled.is_set():
        return None
    shape = "×".join(str(s) for s in document.logits.shape)
    progress.percent, progress.text = 55, f"Evaluating {document.spec.label} on {shape}…"
    try:
        evaluation: Evaluation | None = AppState.compute_evaluation(document)
    except _EVAL_ERRORS:
        # AppState evaluates again on the GUI thread and shows PyTorch's reason.
        evaluation = None
    progress.percent, progress.text = 95, "Showing…"
    return None if cancelled.is_set() else (document, evaluation)


class OpenFileTask(QObject):
    """Reading, checking and evaluating one file in a worker thread.

    Signals
    -------
    finished(bool)
        Emitted once: True when the file became the Document, False when it
        failed or was cancelled.
    failed(str)
        Why the file could not be opened (emitted before ``finished(False)``).
    progress(int, str)
        Percent done and what is being done.

    Attributes
    ----------
    state : AppState
    path, target_path : Path
    dialog : QProgressDialog or None
        Shown (with Cancel) when opening takes longer than :data:`DIALOG_DELAY_MS`.
    """

    finished = Signal(bool)
    failed = Signal(str)
    progress = Signal(int, str)

    def __init__(
        self,
        state: AppState,
        path: str | Path,
        target_path: str | Path | None = None,
        parent: QWidget | None = None,
        *,
        loss: str | None = None,
        ignore_index: int | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self._parent_widget = parent
        self.path = Path(path)
        self.target_path = None if target_path is None else Path(target_path)
        self._loss = loss
        self._ignore_index = ignore_index
        self._cancelled = threading.Event()
        self._progress = _Progress()
        self._shown = (-1, "")
        self._future: Future | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._done = False
        self.dialog: QProgressDialog | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check)
        self._dialog_timer = QTimer(self)
        self._dialog_timer.setSingleShot(True)
        self._dialog_timer.timeout.connect(self._show_dialog)

    # ------------------------------------------------------------------ API
    def start(self) -> None:
        """Start reading in the worker thread; returns at once."""
        if self._future is not None:
            return
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="lossgui-open", initializer=lower_thread_priority
        )
        self._future = self._executor.submit(
            _open_and_evaluate,
            self.path,
            self.target_path,
            self._loss,
            self._ignore_index,
            self._cancelled,
            self._progress,
        )
        # Kept alive until it finishes, even if the caller drops the task.
        _RUNNING.add(self)
        self._poll.start()
        self._dialog_timer.start(DIALOG_DELAY_MS)

    def cancel(self) -> None:
        """Stop waiting: the previous Document stays and ``finished(False)`` is emitted.

        The worker cannot be interrupted inside a NumPy call; it finishes in the
        background and its result is dropped.
        """
        if self._done:
            return
        self._cancelled.set()
        self.state.message.emit(f"Opening {self.path.name} cancelled; nothing changed")
        self._finish(False)

    def is_running(self) -> bool:
        """True until ``finished`` has been emitted."""
        return self._future is not None and not self._done

    # ------------------------------------------------------------ internals
    def _window_gone(self) -> bool:
        """True once the parent window was deleted (its dialog went with it)."""
        if self._parent_widget is None or shiboken6.isValid(self._parent_widget):
            return False
        self._parent_widget = None
        self.dialog = None
        return True

    def _show_dialog(self) -> None:
        if self._done or self._window_gone():
            return
        dialog = QProgressDialog(
            f"Opening {self.path.name}…", "Cancel", 0, 100, self._parent_widget
        )
        dialog.setWindowTitle("Opening file")
        # Not modal: a modal QProgressDialog runs a nested event loop in setValue.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setValue(self._progress.percent)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self.dialog = dialog

    def _check(self) -> None:
        try:
            if self._window_gone():
                self.cancel()  # nothing is left to show the result in
                return
            self._relay_progress()
            if self._future is None or not self._future.done() or self._done:
                return
            self._deliver(self._future)
        except Exception as err:  # a bug must not escape into the event loop
            traceback.print_exc()
            self._fail(f"internal error ({type(err).__name__}: {err}); please report it")

    def _relay_progress(self) -> None:
        now = (self._progress.percent, self._progress.text)
        if now == self._shown:
            return
        self._shown = now
        self.progress.emit(*now)
        if self.dialog is not None:
            self.dialog.setLabelText(now[1])
            self.dialog.setValue(now[0])

    def _deliver(self, future: Future) -> None:
        error = future.exception()
        if error is not None:
            if isinstance(error, _FILE_ERRORS):
                self._fail(str(error) or type(error).__name__)
            else:
                traceback.print_exception(error)
                self._fail(f"internal error ({type(error).__name__}: {error}); please report it")
            return
        result = future.result()
        if result is None:
            return
        document, evaluation = result
        name = self.path.name
        ok = self.state.edit(lambda _doc: document, f"Open {name}", evaluation=evaluation)
        if ok:
            shape = tuple(document.logits.shape)
            self.state.message.emit(f"Opened {name}: {document.spec.label}, input {shape}")
        self._finish(ok)

    def _fail(self, reason: str) -> None:
        if self._done:
            return
        self.state.message.emit(f"Could not open {self.path.name}: {reason}")
        self._finish(False, reason)
        if self._parent_widget is not None and not self._window_gone():
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Could not open",
                f"Could not open {self.path.name}.\n\n{reason}\n\nThe previous numbers are kept.",
                QMessageBox.StandardButton.Ok,
                self._parent_widget,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()  # not exec(): the event loop keeps running

    def _finish(self, ok: bool, reason: str | None = None) -> None:
        self._done = True
        self._poll.stop()
        self._dialog_timer.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
        self._future = None  # drop the result: the state holds what it needs
        _RUNNING.discard(self)
        if reason is not None:
            self.failed.emit(reason)
        self.finished.emit(ok)


def open_file_async(
    state: AppState,
    path: str | Path,
    target_path: str | Path | None = None,
    parent: QWidget | None = None,
    *,
    loss: str | None = None,
    ignore_index: int | None = None,
) -> OpenFileTask:
    """Open ``path`` in the background; the returned task reports ``finished`` / ``failed``.

    A task still running for ``state`` is cancelled first: the newest request wins.
    With a ``parent`` window, progress and failures are shown in dialogs over it.
    """
    for running in list(_RUNNING):
        if running.state is state:
            running.cancel()
    task = OpenFileTask(state, path, target_path, parent, loss=loss, ignore_index=ignore_index)
    task.start()
    return task


def open_file_sync(
    state: AppState,
    path: str | Path,
    target_path: str | Path | None = None,
    *,
    loss: str | None = None,
    ignore_index: int | None = None,
) -> bool:
    """Open ``path`` now, on this thread (tests, the command line); False with a reason if not.

    The reason goes out on ``state.message``; the previous Document stays.
    """
    name = Path(path).name
    try:
        document = load_document(path, target_path, loss=loss, ignore_index=ignore_index)
    except _FILE_ERRORS as err:
        state.message.emit(f"Could not open {name}: {err}")
        return False
    ok = state.edit(lambda _doc: document, f"Open {name}")
    if ok:
        shape = tuple(document.logits.shape)
        state.message.emit(f"Opened {name}: {document.spec.label}, input {shape}")
    return ok
