"""The File and Edit menu actions of the session controller, built in one place.

Split from ``session_io.py`` so that module keeps to its one job (saving,
opening, autosave); the actions keep their attribute names on the controller.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QKeySequence

from lossgui.qt.session_recent import RecentFiles
from lossgui.qt.session_share import SessionClipboard

__all__ = ["SessionActionsMixin"]


class SessionActionsMixin:
    """Builds ``file_actions`` / ``edit_actions`` for :class:`SessionController`.

    Expects the controller's ``_window``, ``_state``, ``_settings`` and its
    slots (``open_dialog``, ``save``, ``save_as``, ``export_csv_dialog``,
    ``open_path``, ``paste_session``, ``view``, ``_apply_view``).
    """

    def _guard(self, fn: Callable[[], Any]) -> Callable[..., None]:
        """A slot that never lets an exception escape into the event loop."""

        def run(*_args: Any) -> None:
            try:
                fn()
            except Exception as err:  # a bug must not kill the event loop
                traceback.print_exc()
                self._state.message.emit(f"Internal error ({type(err).__name__}: {err})")

        return run

    def _action(self, text: str, slot: Callable[[], Any], tip: str, key: str = "") -> QAction:
        action = QAction(text, self._window)
        if key:
            action.setShortcut(QKeySequence(key))
            self._window.addAction(action)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(self._guard(slot))
        return action

    def _build_actions(self) -> None:
        self.clipboard = SessionClipboard(self._state, self.view, self._apply_view)
        self._recent = RecentFiles(self._settings, self.open_path, self._guard, self._window)
        self.recent_menu = self._recent.menu
        # Open has no shortcut: Ctrl+O is the window's File > Open, which hands
        # .lossgui.json files to open_path.
        make = self._action
        self.open_action = make("Open Se&ssion…", self.open_dialog, "Open a .lossgui.json session")
        self.save_action = make("&Save Session", self.save, "Save numbers, loss, options", "Ctrl+S")
        self.save_as_action = make(
            "Save Session &As…", self.save_as, "Save the session under a new name", "Ctrl+Shift+S"
        )
        self.export_csv_action = make(
            "Export Grid as &CSV…",
            self.export_csv_dialog,
            "Write logits, targets, p(target), per-row loss and share to a CSV file",
        )
        separator = QAction(self._window)
        separator.setSeparator(True)
        self.file_actions: list[QAction] = [
            self.open_action,
            self.recent_menu.menuAction(),
            self.save_action,
            self.save_as_action,
            separator,
            self.export_csv_action,
        ]
        self.copy_pytorch_action = make(
            "Copy as &PyTorch Code",
            self.clipboard.copy_pytorch,
            "A script that reproduces this value",
        )
        self.copy_numpy_action = make(
            "Copy as &NumPy Code",
            self.clipboard.copy_numpy,
            "The same computation with lossgui.core",
        )
        self.copy_session_action = make(
            "Copy Session as Te&xt",
            self.clipboard.copy_session,
            "The whole session as JSON, to paste into a chat or an issue",
            "Ctrl+Shift+C",
        )
        self.paste_session_action = make(
            "Paste Session from T&ext",
            self.paste_session,
            "Load a session copied as text (undoable)",
            "Ctrl+Shift+V",
        )
        self.edit_actions: list[QAction] = [
            self.copy_pytorch_action,
            self.copy_numpy_action,
            self.copy_session_action,
            self.paste_session_action,
        ]
