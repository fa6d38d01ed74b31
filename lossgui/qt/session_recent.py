"""The Open Recent menu: the last sessions saved or opened, kept in QSettings."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings, QStandardPaths
from PySide6.QtWidgets import QMenu, QWidget

__all__ = ["RecentFiles", "default_settings"]

MAX_RECENT = 8
_KEY = "session/recent"


def default_settings(parent: QObject | None = None) -> QSettings:
    """lossgui's settings; under Qt's test mode an ini file in the test config folder."""
    if QStandardPaths.isTestModeEnabled():
        config = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.GenericConfigLocation
        )
        ini = os.path.join(config, "lossgui", "lossgui.ini")
        return QSettings(ini, QSettings.Format.IniFormat, parent)
    return QSettings("lossgui", "lossgui", parent)


class RecentFiles:
    """Up to :data:`MAX_RECENT` session paths, newest first, and their menu.

    Parameters
    ----------
    settings : QSettings
    open_path : callable
        Called with a path when the user picks one.
    guard : callable
        Wraps a callable into a slot that never raises (the controller's).
    parent : QWidget
        Parent of the menu.
    """

    def __init__(
        self,
        settings: QSettings,
        open_path: Callable[[str], Any],
        guard: Callable[[Callable[[], Any]], Callable[..., None]],
        parent: QWidget,
    ) -> None:
        self._settings = settings
        self._open = open_path
        self._guard = guard
        self.menu = QMenu("Open &Recent", parent)
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(guard(self.refresh))
        self.refresh()

    def files(self) -> list[str]:
        """The paths, newest first; files that no longer exist are pruned."""
        value = self._settings.value(_KEY, [])
        items = [value] if isinstance(value, str) else list(value or [])
        kept = [p for p in items if isinstance(p, str) and os.path.isfile(p)][:MAX_RECENT]
        if kept != items:
            self._settings.setValue(_KEY, kept)
        return kept

    def add(self, path: str) -> None:
        """Put ``path`` first."""
        items = [path, *(p for p in self.files() if p != path)][:MAX_RECENT]
        self._settings.setValue(_KEY, items)
        self.refresh()

    def remove(self, path: str) -> None:
        """Forget ``path``."""
        self._settings.setValue(_KEY, [p for p in self.files() if p != path])
        self.refresh()

    def clear(self) -> None:
        """Forget every path."""
        self._settings.setValue(_KEY, [])
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the menu (done each time it opens, so deleted files disappear)."""
        self.menu.clear()
        files = self.files()
        for number, path in enumerate(files, start=1):
            action = self.menu.addAction(f"&{number} {os.path.basename(path)}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(self._guard(lambda p=path: self._open(p)))
        if not files:
            empty = self.menu.addAction("No recent sessions")
            empty.setEnabled(False)
            empty.setStatusTip("Sessions you save or open appear here")
        self.menu.addSeparator()
        clear = self.menu.addAction("Clear List")
        clear.setEnabled(bool(files))
        clear.setStatusTip("Forget the recent sessions (the files stay where they are)")
        clear.setToolTip(clear.statusTip())
        clear.triggered.connect(self._guard(self.clear))
