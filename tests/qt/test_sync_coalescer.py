"""SyncCoalescer: plots that change together are painted in one sync of their window."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QWidget

from lossgui.qt.main_window import MainWindow
from lossgui.qt.sync_coalescer import SyncCoalescer

from .panel_helpers import EventCounter, settle, shown


def sync_counter() -> EventCounter:
    """Counts the UpdateRequests (backing-store syncs) that reach a window's own handler.

    Install it before the coalescer, so it runs after it (Qt calls the filter
    installed last first) and sees only the requests let through.
    """
    return EventCounter(QEvent.Type.UpdateRequest)


def _three_plots(qtbot) -> tuple[QWidget, list[pg.PlotDataItem]]:
    window = QWidget()
    layout = QHBoxLayout(window)
    curves = []
    for _ in range(3):
        plot = pg.PlotWidget()
        plot.setXRange(0, 2)
        plot.setYRange(0, 1)
        curves.append(plot.plot([0, 1, 2], [0, 1, 0], pen=pg.mkPen("r", width=3)))
        layout.addWidget(plot)
    return window, curves


def _on_screen(window: QWidget) -> QImage:
    """What the window's backing store holds: what the screen shows, not a fresh render."""
    return window.screen().grabWindow(window.winId()).toImage()


def _change_all(curves: list[pg.PlotDataItem], step: int) -> None:
    for k, curve in enumerate(curves):
        curve.setData([0, 1, 2], [1, (step + k) % 3 / 2, 1])


@pytest.mark.parametrize("coalesce", [False, True])
def test_plots_changed_together_sync_their_window_once(qtbot, coalesce):
    window, curves = _three_plots(qtbot)
    counter = sync_counter()
    window.installEventFilter(counter)
    if coalesce:
        coalescer = SyncCoalescer(window)
        coalescer.watch_views(window.findChildren(pg.GraphicsView))
        coalescer.watch_windows([window])
    shown(qtbot, window, (600, 200))
    settle()
    for step in range(3):
        counter.count = 0
        _change_all(curves, step)
        settle()
        # Qt syncs the window at least once per changed scene; the coalescer once in all.
        if coalesce:
            assert counter.count == 1, step
        else:
            assert counter.count >= len(curves)
        expected = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert _on_screen(window).convertToFormat(QImage.Format.Format_RGB32) == expected


def test_a_held_sync_never_leaves_the_screen_stale(qtbot):
    """A scene call that syncs nothing must not swallow the next ordinary repaint."""
    window, _curves = _three_plots(qtbot)
    coalescer = SyncCoalescer(window)
    coalescer.watch_views(window.findChildren(pg.GraphicsView))
    coalescer.watch_windows([window])
    shown(qtbot, window, (600, 200))
    scene = window.findChildren(pg.GraphicsView)[0].scene()
    # A queued call on a watched scene that changes nothing (a MetaCall event on the
    # scene, as its own queued calls are), then a plain widget update.
    QTimer.singleShot(0, scene, lambda: None)
    settle()
    window.setStyleSheet("background: rgb(0, 90, 0);")
    settle()
    expected = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    assert _on_screen(window).convertToFormat(QImage.Format.Format_RGB32) == expected


def test_main_window_paints_a_drag_step_in_one_sync(qtbot, monkeypatch):
    counted: list[EventCounter] = []
    watch_windows = SyncCoalescer.watch_windows

    def count_then_watch(self, windows):
        # Installed before the window's coalescer, so it counts what the coalescer lets by.
        windows = list(windows)
        counted.append(sync_counter())
        windows[0].installEventFilter(counted[0])
        watch_windows(self, windows)

    monkeypatch.setattr(SyncCoalescer, "watch_windows", count_then_watch)
    window = MainWindow(restore=False, with_session=False)
    assert len(counted) == 1
    counter = counted[0]
    shown(qtbot, window, (1600, 1000))
    window.tile_panels()
    settle()
    line = window.panels["loss_curve"].value_line

    def syncs_per_step(values) -> list[int]:
        out = []
        for value in values:
            counter.count = 0
            line.setValue(float(value))
            settle()
            out.append(counter.count)
        return out

    # The drag's own sync, and at most one for labels that ask for a second paint.
    assert max(syncs_per_step(np.linspace(-1.0, 1.0, 5))) <= 2
    expected = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    assert _on_screen(window).convertToFormat(QImage.Format.Format_RGB32) == expected
    # Without it, the same steps sync the window once per changed plot, and more.
    window.removeEventFilter(window._syncs)
    assert min(syncs_per_step(np.linspace(0.9, -0.9, 5))) > 2
