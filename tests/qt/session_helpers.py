"""Shared by the session tests and the soak: scripted dialogs, a SessionController on a
bare window, and a script run until it kills itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from lossgui.document import Document
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.qt.session_io import SessionController
from lossgui.qt.state import AppState

ROOT = Path(__file__).resolve().parents[2]


class ScriptedDialogs(SessionDialogs):
    """Answers every question from attributes and records what was asked."""

    def __init__(self, save_changes: str = "cancel", save_path: str = "") -> None:
        self.save_changes = save_changes
        self.restore = True
        self.save_path = save_path
        self.open_path = ""
        self.asked: list[str] = []
        self.warnings: list[str] = []

    def ask_save_changes(self, parent, name):
        self.asked.append(f"save changes to {name}")
        return self.save_changes

    def ask_restore(self, parent, detail):
        self.asked.append(detail)
        return self.restore

    def warn(self, parent, title, text):
        self.warnings.append(text)

    def open_file(self, parent, caption, directory, filters):
        return self.open_path

    def save_file(self, parent, caption, directory, filters):
        self.asked.append(f"save file in {directory}")
        return self.save_path


def make_env(qtbot, tmp_path: Path, document: Document | None = None) -> SimpleNamespace:
    """A SessionController on a bare window, its AppState, scripted dialogs and messages.

    Settings and app data live under ``tmp_path``; autosaves follow a change after 20 ms.
    """
    window = QMainWindow()
    window.setWindowTitle("lossgui[*]")
    qtbot.addWidget(window)
    state = AppState(document, parent=window)
    dialogs = ScriptedDialogs()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctl = SessionController(
        window,
        state,
        data_dir=tmp_path / "appdata",
        settings=settings,
        dialogs=dialogs,
        autosave_delay_ms=20,
    )
    messages: list[str] = []
    state.message.connect(messages.append)
    return SimpleNamespace(window=window, state=state, ctl=ctl, dialogs=dialogs, messages=messages)


def edit_cell(state: AppState, value: float = 9.5) -> None:
    """One undoable edit: logit (0, 1) set to ``value``."""
    assert state.edit(lambda d: d.with_cell(0, 1, value), "Edit logit")


def run_until_killed(script: str, *args: str, timeout: float) -> None:
    """Run ``script`` in a new offscreen Python process; it must end by SIGKILL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, timeout=timeout
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
