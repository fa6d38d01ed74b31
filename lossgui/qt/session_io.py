"""Save, open, autosave and share sessions: lossgui's File and Edit actions.

Opening a session *resets* the undo stack (after asking about unsaved
changes) rather than pushing one undo step: a session file gives the window a
new identity (its path, its clean state), and undoing past an open would show
one file's numbers under another file's name, so the next Ctrl+S would
overwrite the wrong file. Pasting a session from text and restoring an
autosave are edits of the current document and stay undoable.

Autosave: ~1 s after the last change the session is written (atomically) to
``autosave.lossgui.json`` in the app-data folder (see
:mod:`lossgui.qt.session_autosave`); a clean close removes it, so one left
behind by a dead process marks an unclean exit and :meth:`offer_restore`
asks whether to bring it back.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow
from shiboken6 import isValid

from lossgui.document import Document
from lossgui.qt.session_actions import SessionActionsMixin
from lossgui.qt.session_autosave import AutosaveSlot, default_autosave_dir
from lossgui.qt.session_dialogs import SESSION_FILTER, SessionDialogs
from lossgui.qt.session_recent import default_settings
from lossgui.qt.state import AppState
from lossgui.session import (
    SESSION_SUFFIX,
    SessionError,
    load_session,
    same_document,
    save_session,
)
from lossgui.session_csv import write_grid_csv
from lossgui.wording import counted

__all__ = ["SessionController"]

_DIR_KEY = "session/lastDirectory"
_AUTOSAVE_KEYS = ("autosave_file", "autosave_modified")


@contextmanager
def _busy() -> Iterator[None]:
    """A wait cursor while a large session is written or read on the GUI thread."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


class SessionController(SessionActionsMixin, QObject):
    """File and Edit actions for sessions, the dirty flag and autosave.

    Parameters
    ----------
    window : QMainWindow
        Parent of the actions and of the dialogs.
    state : AppState
    data_dir : path, optional
        Where the autosave lives (default: the app-data folder; tests pass tmp_path).
    settings : QSettings, optional
        Where the recent-files list lives.
    dialogs : SessionDialogs, optional
        The questions asked; tests pass a scripted one so nothing blocks.
    autosave_delay_ms : int
        Quiet time after the last change before the autosave is written.

    Signals
    -------
    pathChanged(str)
        The session's file changed (after Save As / Open); '' for untitled.
    dirtyChanged(bool)
        True when there are unsaved changes.
    viewLoaded(dict)
        The view of an opened / pasted / restored session, for the window to apply.
    autosaved(str)
        The autosave file was written.
    """

    pathChanged = Signal(str)
    dirtyChanged = Signal(bool)
    viewLoaded = Signal(dict)
    autosaved = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        state: AppState,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        settings: QSettings | None = None,
        dialogs: SessionDialogs | None = None,
        autosave_delay_ms: int = 1000,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._state = state
        self._dialogs = dialogs if dialogs is not None else SessionDialogs()
        self._settings = settings if settings is not None else default_settings(self)
        self._path: str | None = None
        self._view_provider: Callable[[], dict[str, Any]] | None = None
        folder = Path(data_dir) if data_dir is not None else default_autosave_dir()
        self._autosave = AutosaveSlot(folder, self._autosave_snapshot, autosave_delay_ms, self)
        self._autosave.written.connect(self.autosaved)
        self._autosave.failed.connect(state.message)
        if self._autosave.problem:
            state.message.emit(self._autosave.problem)
        state.changed.connect(self._autosave.schedule)
        state.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._build_actions()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_about_to_quit)

    # ------------------------------------------------------------ properties
    @property
    def path(self) -> str | None:
        """The session's file, or None while untitled."""
        return self._path

    @property
    def is_dirty(self) -> bool:
        """Whether there are changes since the last save or open."""
        return not self._state.undo_stack.isClean()

    def set_view_provider(self, provider: Callable[[], dict[str, Any]] | None) -> None:
        """Add the window's view state (active tab ...) to saved sessions."""
        self._view_provider = provider

    def view(self) -> dict[str, Any]:
        """The view saved with the session: the selection plus the provider's values."""
        view: dict[str, Any] = {"selection": list(self._state.selection)}
        if self._view_provider is not None:
            try:
                view.update(self._view_provider())
            except Exception:  # a broken provider must not block saving
                traceback.print_exc()
        return view

    def _name(self) -> str:
        return os.path.basename(self._path) if self._path else "the untitled session"

    def _set_path(self, path: str | None) -> None:
        self._path = path
        self._window.setWindowFilePath(path or "")
        self.pathChanged.emit(path or "")

    def _on_clean_changed(self, clean: bool) -> None:
        if not isValid(self._window) or not isValid(self):
            return  # the undo stack reports "clean" while the window is being destroyed
        if "[*]" in self._window.windowTitle():
            self._window.setWindowModified(not clean)
        self.dirtyChanged.emit(not clean)

    def _fail(self, title: str, text: str) -> None:
        self._state.message.emit(text)
        self._dialogs.warn(self._window, title, text)

    def _apply_view(self, view: dict[str, Any]) -> None:
        for key in _AUTOSAVE_KEYS:
            view.pop(key, None)
        selection = view.get("selection")
        if (
            isinstance(selection, list)
            and len(selection) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in selection)
        ):
            self._state.select(*selection)
        self.viewLoaded.emit(view)

    def _start_dir(self) -> str:
        if self._path:
            return os.path.dirname(self._path)
        return str(self._settings.value(_DIR_KEY, "") or os.path.expanduser("~"))

    # ------------------------------------------------------------ save, open
    def confirm_close(self) -> bool:
        """Ask about unsaved changes before the window closes; False means stay open.

        Call it last in the window's ``closeEvent``: on True the session is
        closed cleanly (the autosave is removed).
        """
        if not self._confirm_discard():
            return False
        self.shutdown()
        return True

    def _confirm_discard(self) -> bool:
        if not self.is_dirty:
            return True
        answer = self._dialogs.ask_save_changes(self._window, self._name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def save(self) -> bool:
        """Save to the current file (asking for one while untitled); True when saved."""
        return self.save_to(self._path) if self._path else self.save_as()

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        title = "".join(c if c.isalnum() or c in "-_ " else "_" for c in self._state.document.title)
        suggested = (title.strip() or "session") + SESSION_SUFFIX
        path = self._dialogs.save_file(
            self._window, "Save Session", os.path.join(self._start_dir(), suggested), SESSION_FILTER
        )
        if not path:
            return False
        if not path.lower().endswith(SESSION_SUFFIX):
            path = (path[:-5] if path.lower().endswith(".json") else path) + SESSION_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str | os.PathLike[str]) -> bool:
        """Write the session to ``path``; it becomes the current file and the state is clean."""
        path = os.path.abspath(os.fspath(path))
        try:
            with _busy():
                save_session(path, self._state.document, self.view())
        except (OSError, SessionError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            self._fail("Save failed", f"Could not save {os.path.basename(path)}: {reason}.")
            return False
        self._state.undo_stack.setClean()
        self._set_path(path)
        self._add_recent(path)
        self._state.message.emit(f"Saved {os.path.basename(path)}")
        return True

    def open_dialog(self) -> bool:
        """Ask for a session file and open it."""
        start = self._start_dir()
        path = self._dialogs.open_file(self._window, "Open Session", start, SESSION_FILTER)
        return bool(path) and self.open_path(path)

    def open_path(self, path: str | os.PathLike[str], confirm: bool = True) -> bool:
        """Open the session at ``path``; File > Open calls this for ``.lossgui.json`` files.

        The file is read and checked first, then unsaved changes are asked
        about (unless ``confirm`` is False); the undo stack starts afresh.
        When answering Save wrote this very file, it is read again, so the
        window shows what the file now holds.
        """
        path = os.path.abspath(os.fspath(path))
        name = os.path.basename(path)
        loaded = self._read(path)
        if loaded is None:
            return False
        was_dirty = self.is_dirty
        if confirm and not self._confirm_discard():
            return False
        if was_dirty and not self.is_dirty and self._path == path:
            # "Save" was the answer and wrote this very file: open what is in it now.
            loaded = self._read(path)
            if loaded is None:
                return False
        document, view = loaded
        self._state.edit(lambda _doc: document, f"Open {name}")
        self._state.undo_stack.clear()
        self._set_path(path)
        self._add_recent(path)
        self._apply_view(view)
        self._state.message.emit(f"Opened {name}")
        return True

    def _read(self, path: str) -> tuple[Document, dict[str, Any]] | None:
        """The session at ``path``, or None after saying why it cannot be opened."""
        try:
            with _busy():
                return load_session(Path(path))
        except SessionError as err:
            if not os.path.exists(path):
                self._remove_recent(path)
            self._fail("Open failed", f"Could not open {os.path.basename(path)}: {err}.")
            return None

    def export_csv_dialog(self) -> bool:
        """Ask for a CSV file name and export the grid there."""
        stem = Path(self._path).name[: -len(SESSION_SUFFIX)] if self._path else "grid"
        path = self._dialogs.save_file(
            self._window,
            "Export Grid as CSV",
            os.path.join(self._start_dir(), stem + ".csv"),
            "CSV files (*.csv);;All files (*)",
        )
        if not path:
            return False
        return self.export_csv(path if path.lower().endswith(".csv") else path + ".csv")

    def export_csv(self, path: str | os.PathLike[str]) -> bool:
        """Write the grid with its computed columns to ``path``."""
        state = self._state
        evaluation = state.evaluation if state.error is None else None
        name = os.path.basename(os.fspath(path))
        try:
            write_grid_csv(path, state.document, evaluation)
        except OSError as err:
            self._fail("Export failed", f"Could not write {name}: {err.strerror or err}.")
            return False
        note = f" (computed columns left empty: {state.error})" if state.error else ""
        state.message.emit(f"Exported {counted(state.document.rows, 'row')} to {name}{note}")
        return True

    # --------------------------------------------------------------- recent
    @property
    def autosave_path(self) -> Path | None:
        """This instance's autosave file (None when autosave is off)."""
        return self._autosave.path

    def recent_files(self) -> list[str]:
        """Recently saved or opened sessions, newest first; missing files are pruned."""
        return self._recent.files()

    def _add_recent(self, path: str) -> None:
        self._recent.add(path)
        self._settings.setValue(_DIR_KEY, os.path.dirname(path))

    def _remove_recent(self, path: str) -> None:
        self._recent.remove(path)

    # ---------------------------------------------------------------- share
    def paste_session(self) -> bool:
        """Replace the Document with a session from the clipboard, as one undoable edit."""
        return self.clipboard.paste_session()

    # ------------------------------------------------------------- autosave
    def _autosave_snapshot(self) -> tuple[Document, dict[str, Any]]:
        view = self.view()
        view.update(autosave_file=self._path or "", autosave_modified=self.is_dirty)
        return self._state.document, view

    def autosave_now(self) -> bool:
        """Write the autosave now instead of after the quiet time; True when written."""
        return self._autosave.write_now()

    def offer_restore(self) -> bool:
        """After an unclean exit, offer the autosaved session; True when restored."""
        path = self._autosave.take_recovered()
        if path is None:
            return False
        try:
            document, view = load_session(path)
        except SessionError as err:
            os.replace(path, path.with_name(path.name + ".unreadable"))
            self._state.message.emit(f"The autosaved session could not be read: {err}")
            return False
        when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        detail = (
            f"“{document.title or 'Untitled'}”: {document.spec.label}, "
            f"{counted(document.rows, 'row')} × {counted(document.classes, 'class', 'classes')}, "
            f"autosaved {when}."
        )
        file = view.get("autosave_file")
        if isinstance(file, str) and file:
            detail += f" It belongs to {file}."
        if not self._dialogs.ask_restore(self._window, detail):
            path.unlink(missing_ok=True)
            self._state.message.emit("The autosaved session was discarded")
            return False
        modified = view.get("autosave_modified") is not False
        self._state.edit(lambda _doc: document, "Restore autosaved session")
        if self._autosave.write_now():  # the restored work is safe before its copy goes
            path.unlink(missing_ok=True)
        if isinstance(file, str) and file:
            self._set_path(file)
            if not modified and self._matches_file(file, document):
                self._state.undo_stack.setClean()
        self._apply_view(view)
        self._state.message.emit("Restored the autosaved session")
        return True

    @staticmethod
    def _matches_file(file: str, document: Document) -> bool:
        try:
            return same_document(load_session(Path(file))[0], document)
        except SessionError:
            return False

    def shutdown(self) -> None:
        """A clean close: stop autosaving, remove the autosave, release its slot."""
        self._autosave.close()

    def _on_about_to_quit(self) -> None:
        # Quitting without confirm_close (app.quit()) keeps unsaved work for the next start.
        if self._autosave.active:
            if self.is_dirty:
                self._autosave.write_now()
            self._autosave.close(keep=self.is_dirty)
