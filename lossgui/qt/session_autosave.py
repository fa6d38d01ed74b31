"""Autosave slots: where a running lossgui writes its session, and crash recovery.

Each running instance locks one slot in the app-data folder (a QLockFile,
``autosave.lock``, or ``autosave-<k>.lock`` when others are running) and
writes ``autosave.lossgui.json`` (``autosave-<k>...``) there. A clean close
removes the file, so a file whose lock is stale (its process died: a crash,
``kill -9``) marks an unclean exit. At start-up the newest such orphan is
moved to ``<slot>.recovered.lossgui.json`` so no new autosave can overwrite it
before the user is asked about it.

Debounced writes run on a worker thread: Documents are frozen, so the thread
writes a snapshot while the user keeps editing, and a million-number batch
(seconds of float formatting) never freezes the window.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLockFile, QObject, QStandardPaths, QTimer, Signal

from lossgui.document import Document
from lossgui.session import SESSION_SUFFIX, save_session

__all__ = ["AutosaveSlot", "default_autosave_dir"]

_SLOTS = 16
Snapshot = Callable[[], tuple[Document, dict[str, Any]]]


def _slot_name(slot: int) -> str:
    return "autosave" if slot == 0 else f"autosave-{slot}"


def default_autosave_dir() -> Path:
    """AppDataLocation (or a lossgui folder in the generic one); honours Qt's test mode."""
    locations = QStandardPaths.StandardLocation
    if QCoreApplication.applicationName().lower() == "lossgui":
        return Path(QStandardPaths.writableLocation(locations.AppDataLocation))
    return Path(QStandardPaths.writableLocation(locations.GenericDataLocation)) / "lossgui"


class AutosaveSlot(QObject):
    """A locked autosave file, debounced background writes and the orphan to recover.

    Parameters
    ----------
    folder : Path
        The app-data folder (created when missing).
    snapshot : callable
        Returns the (Document, view) to write; called on the GUI thread.
    delay_ms : int
        Quiet time after the last :meth:`schedule` before writing.

    Attributes
    ----------
    path : Path or None
        This instance's autosave file; None when no slot could be locked.
    recovered : Path or None
        The autosave a dead instance left behind, waiting to be offered.
    problem : str
        Why autosave is off ('' when it is on).

    Signals
    -------
    written(str)
        The autosave was written (its path).
    failed(str)
        Writing failed (the reason); sent once until a write succeeds again.
    """

    written = Signal(str)
    failed = Signal(str)
    _finished = Signal(str)  # from the worker thread: '' or the reason it failed

    def __init__(
        self,
        folder: Path,
        snapshot: Snapshot,
        delay_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._snapshot = snapshot
        self._lock: QLockFile | None = None
        self._closed = False
        self._failing = False
        self._worker: threading.Thread | None = None
        self._pending = False
        self.path: Path | None = None
        self.recovered: Path | None = None
        self.problem = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start_worker)
        self._finished.connect(self._on_finished)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            self.problem = f"Autosave is off: cannot create {folder}: {err.strerror or err}"
            return
        self._claim(folder)

    def _claim(self, folder: Path) -> None:
        orphans: list[Path] = []
        for slot in range(_SLOTS):
            lock = QLockFile(str(folder / f"{_slot_name(slot)}.lock"))
            lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
            if not lock.tryLock(0):
                continue
            file = folder / f"{_slot_name(slot)}{SESSION_SUFFIX}"
            if file.exists():
                orphans.append(file)
            if self._lock is None:
                self._lock = lock
                self.path = file
                self.recovered = folder / f"{_slot_name(slot)}.recovered{SESSION_SUFFIX}"
            else:
                lock.unlock()
        if self.recovered is None:
            self.problem = f"Autosave is off: every slot in {folder} is locked"
            return
        if orphans:
            # The newest orphan is offered; older ones wait for a later start.
            os.replace(max(orphans, key=lambda p: p.stat().st_mtime), self.recovered)
        if not self.recovered.exists():
            self.recovered = None

    @property
    def active(self) -> bool:
        """Whether changes are still being autosaved."""
        return self.path is not None and not self._closed

    def schedule(self) -> None:
        """Write after the quiet time; each call restarts the wait."""
        if self.active:
            self._timer.start()

    # ----------------------------------------------------------- background
    def _start_worker(self) -> None:
        if not self.active or self.path is None:
            return
        if self._worker is not None and self._worker.is_alive():
            self._pending = True  # one more write, of the newest state, when this one ends
            return
        try:
            document, view = self._snapshot()
        except Exception as err:  # a bug must not kill the event loop
            traceback.print_exc()
            self._report(f"Autosave failed: internal error ({type(err).__name__}: {err})")
            return
        self._worker = threading.Thread(
            target=self._work, args=(self.path, document, view), name="lossgui-autosave"
        )
        self._worker.start()

    def _work(self, path: Path, document: Document, view: dict[str, Any]) -> None:
        try:
            save_session(path, document, view)
            problem = ""
        except (OSError, ValueError) as err:
            problem = f"Autosave failed: {err}"
        except Exception as err:  # reported like any failure, never lost in the thread
            traceback.print_exc()
            problem = f"Autosave failed: internal error ({type(err).__name__}: {err})"
        try:
            self._finished.emit(problem)
        except RuntimeError:
            pass  # the window was destroyed while writing; nobody is left to tell

    def _on_finished(self, problem: str) -> None:
        self._report(problem)
        if self._pending:
            self._pending = False
            self._start_worker()

    def _report(self, problem: str) -> None:
        if problem:
            if not self._failing:
                self.failed.emit(problem)
            self._failing = True
        elif self.path is not None:
            self._failing = False
            self.written.emit(str(self.path))

    def _wait(self) -> None:
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    # ------------------------------------------------------------ immediate
    def write_now(self) -> bool:
        """Write on this thread, after any background write; True when written."""
        self._timer.stop()
        self._wait()
        self._pending = False
        if not self.active or self.path is None:
            return False
        try:
            document, view = self._snapshot()
            save_session(self.path, document, view)
        except (OSError, ValueError) as err:
            self._report(f"Autosave failed: {err}")
            return False
        self._report("")
        return True

    def take_recovered(self) -> Path | None:
        """The orphaned autosave to offer (once), or None."""
        path, self.recovered = self.recovered, None
        return path if path is not None and path.exists() else None

    def close(self, keep: bool = False) -> None:
        """Stop autosaving and release the slot; remove the file (a clean close) unless ``keep``."""
        self._timer.stop()
        self._wait()
        self._closed = True
        if self.path is not None and not keep:
            self.path.unlink(missing_ok=True)
        if self._lock is not None:
            # Without its lock a kept file reads as an unclean exit: offered next start.
            self._lock.unlock()
            self._lock = None
