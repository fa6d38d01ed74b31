"""Keep hidden the dock tab bars Qt leaves behind when it rearranges tabbed docks.

With Qt 6 (seen with 6.11), tabifying a second group of docks in a window that
has not been shown yet leaves that group's first tab bar behind: a bar with
the group's first two tabs, at a fixed place over the central widget, while
the group gets a new bar of its own. Taking the docks out and tabbing them
again (View > Reset Layout, Tile All Panels and back) can leave more. Qt
still shows such a bar now and then on a relayout (dragging a dock's edge),
where it reads like two stray tabs over the result.

A bar names its docks by their titles. It is stale when those docks are not
one tab group in the window's layout (``tabifiedDockWidgets``), or when
another shown bar names all of them and more: the same dock cannot sit in
two groups. Both tests read Qt's own dock layout, not the bars' geometry,
which is only right once the layout has been applied.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

__all__ = ["StaleTabBarSweeper", "stale_tab_bars"]


def _shown_bars(window: QMainWindow) -> list[tuple[QTabBar, frozenset[QDockWidget]]]:
    docks = {dock.windowTitle(): dock for dock in window.findChildren(QDockWidget)}
    bars = []
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or bar.isHidden() or bar.count() == 0:
            continue
        named = frozenset(
            docks[title] for i in range(bar.count()) if (title := bar.tabText(i)) in docks
        )
        bars.append((bar, named))
    return bars


def stale_tab_bars(window: QMainWindow) -> list[QTabBar]:
    """The window's shown dock tab bars that show no current group of tabbed docks."""
    bars = _shown_bars(window)
    stale = []
    for bar, named in bars:
        if not named:
            continue
        first = next(iter(named))
        group = {first, *window.tabifiedDockWidgets(first)}
        if not named <= group or any(named < other for _, other in bars):
            stale.append(bar)
    return stale


class StaleTabBarSweeper(QObject):
    """Hides a window's stale dock tab bars, and again whenever Qt shows one.

    Call :meth:`sweep_soon` after the docks were arranged (and once the window
    is shown); a bar seen by a sweep is watched, and its being shown again
    starts another sweep. Nothing here runs on an ordinary edit.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        # Qt keeps the bars it stops using (it reuses them), so this stays small.
        self._watched: set[QTabBar] = set()
        self._pending = False

    def sweep_soon(self) -> None:
        """Sweep once control returns to the event loop (after the layout has settled)."""
        if not self._pending:
            self._pending = True
            # With self as the context: dropped if the window goes first.
            QTimer.singleShot(0, self, self._sweep)

    def sweep(self) -> int:
        """Hide the stale bars now; returns how many were hidden."""
        for bar in self._window.findChildren(QTabBar):
            if bar.parent() is self._window and bar not in self._watched:
                self._watched.add(bar)
                bar.installEventFilter(self)
        stale = stale_tab_bars(self._window)
        for bar in stale:
            bar.hide()
        return len(stale)

    def _sweep(self) -> None:
        self._pending = False
        try:
            self.sweep()
        except Exception:  # cosmetic: a failure must not escape into the event loop
            traceback.print_exc()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.sweep_soon()
        return False
