"""Paint a window once per pass of the event loop, however many of its plots changed.

Each pyqtgraph plot is a QGraphicsView with a scene of its own. A scene notes
its changed items in a queued call and then, "to update the screen as fast as
possible", sends its window's pending UpdateRequest at once
(``QGraphicsViewPrivate::dispatchPendingUpdateRequests`` in Qt). An edit that
changes a dozen plots therefore syncs the window a dozen times, one scene
after another: a dozen passes of the backing store, each repainting the
widgets behind a plot, the first before most plots have even noted their
change. Every other widget waits for one UpdateRequest at the end of the pass.

:class:`SyncCoalescer` gives the plots that rule too. An UpdateRequest that a
window receives right after one of the watched scenes' queued calls is held,
and one request of its own is posted at low priority, so it comes after
every other event already queued: the window then paints every change once.
Nothing is skipped: everything that changed is painted in the same pass of
the event loop, only together.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

__all__ = ["SyncCoalescer"]

# Posted to a window whose sync was held: "sync now, everything queued is done".
_SYNC_NOW = QEvent.Type(QEvent.registerEventType())
_LOW_PRIORITY = Qt.EventPriority.LowEventPriority.value


class SyncCoalescer(QObject):
    """Holds the window syncs that plot scenes send one by one, and syncs once.

    Watch the plots with :meth:`watch_views` and every window they can be
    shown in (the main window and each dock, which is a window of its own
    once floated) with :meth:`watch_windows`.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Set by a watched scene's queued call (its dirty items, then the immediate
        # sync); an UpdateRequest that follows is that sync. A queued call that
        # syncs nothing leaves it set, and the next ordinary request is held too:
        # it is painted by the sync posted below, later in the same pass.
        self._after_scene_call = False
        self._waiting: set[QWidget] = set()  # windows with a sync of ours posted
        self._releasing = False

    def watch_views(self, views: Iterable[QGraphicsView]) -> None:
        """Watch the scenes of ``views`` (pyqtgraph PlotWidgets)."""
        for view in views:
            scene = view.scene()
            if scene is not None:
                scene.installEventFilter(self)

    def watch_windows(self, windows: Iterable[QWidget]) -> None:
        """Coalesce the syncs of these widgets while (and whenever) they are windows."""
        for window in windows:
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MetaCall:
            if isinstance(watched, QGraphicsScene):
                self._after_scene_call = True
            return False
        if kind == QEvent.Type.UpdateRequest:
            if self._releasing or not self._after_scene_call:
                return False
            self._after_scene_call = False
            if isinstance(watched, QWidget) and watched not in self._waiting:
                self._waiting.add(watched)
                QCoreApplication.postEvent(watched, QEvent(_SYNC_NOW), _LOW_PRIORITY)
            return True
        if kind == _SYNC_NOW and isinstance(watched, QWidget):
            self._waiting.discard(watched)
            self._after_scene_call = False
            self._releasing = True
            try:
                QCoreApplication.sendEvent(watched, QEvent(QEvent.Type.UpdateRequest))
            finally:
                self._releasing = False
            return True
        return False
