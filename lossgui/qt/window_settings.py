"""The window's size, place, docks and splitters, remembered between runs (QSettings).

Saved when the window closes, restored before it is first shown. A stored
layout that no longer fits (another layout version, a panel added or gone
since) is used as far as it goes: panels the store does not know are put in
the tabs beside the others, and panels it knows that this build lacks are
ignored. A floating panel that would open outside every screen is docked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

__all__ = ["LAYOUT_VERSION", "forget_layout", "restore_layout", "save_layout"]

#: Bumped when the arrangement changes so much that an old stored layout would mislead.
LAYOUT_VERSION = 2
_GROUP = "window"


def save_layout(
    settings: QSettings,
    window: QMainWindow,
    docks: Mapping[str, QDockWidget],
    splitters: Mapping[str, QSplitter],
) -> None:
    """Store the window's geometry, dock arrangement and splitter positions."""
    settings.beginGroup(_GROUP)
    try:
        settings.setValue("version", LAYOUT_VERSION)
        settings.setValue("geometry", window.saveGeometry())
        settings.setValue("state", window.saveState(LAYOUT_VERSION))
        settings.setValue("docks", ",".join(d.objectName() for d in docks.values()))
        for name, splitter in splitters.items():
            settings.setValue(f"splitter/{name}", splitter.saveState())
    finally:
        settings.endGroup()
    settings.sync()


def forget_layout(settings: QSettings) -> None:
    """Drop the stored layout (the next run starts with the default one)."""
    settings.remove(_GROUP)
    settings.sync()


def _bytes(value: object) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, (bytes, bytearray)) and value:
        return QByteArray(bytes(value))
    return None


def restore_layout(
    settings: QSettings,
    window: QMainWindow,
    docks: Mapping[str, QDockWidget],
    splitters: Mapping[str, QSplitter],
) -> tuple[bool, bool]:
    """Restore what :func:`save_layout` stored.

    Returns
    -------
    (geometry, arrangement) : tuple of bool
        Whether the window's size and place, and whether its docks and splitters,
        came from the store (False: nothing usable was stored, keep the defaults).
    """
    settings.beginGroup(_GROUP)
    try:
        version = settings.value("version")
        geometry = _bytes(settings.value("geometry"))
        state = _bytes(settings.value("state"))
        known = str(settings.value("docks") or "").split(",")
        sizes = {name: _bytes(settings.value(f"splitter/{name}")) for name in splitters}
    finally:
        settings.endGroup()
    restored_geometry = geometry is not None and window.restoreGeometry(geometry)
    try:
        same_version = int(version) == LAYOUT_VERSION  # type: ignore[arg-type]
    except (TypeError, ValueError):
        same_version = False
    if not same_version or state is None or not window.restoreState(state, LAYOUT_VERSION):
        return restored_geometry, False
    for name, splitter in splitters.items():
        blob = sizes[name]
        if blob is not None:
            splitter.restoreState(blob)
    _place_unknown_docks(window, [d for d in docks.values() if d.objectName() not in known])
    _dock_lost_floaters(window, docks.values())
    return restored_geometry, True


def _place_unknown_docks(window: QMainWindow, new: list[QDockWidget]) -> None:
    """Put panels the stored layout did not have into the tabs of a shown, docked panel."""
    if not new:
        return
    others = [
        d
        for d in window.findChildren(QDockWidget)
        if d not in new and not d.isFloating() and not d.isHidden()
    ]
    for dock in new:
        dock.setFloating(False)
        if others:
            window.tabifyDockWidget(others[0], dock)
        else:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.show()


def _dock_lost_floaters(window: QMainWindow, docks: Iterable[QDockWidget]) -> None:
    """A floating panel stored on a screen that is gone comes back into the window."""
    screens = [s.availableGeometry() for s in QGuiApplication.screens()]
    for dock in docks:
        if dock.isFloating() and not any(s.intersects(dock.geometry()) for s in screens):
            dock.setFloating(False)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
