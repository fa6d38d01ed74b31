"""Start-up of the window: wall time from spawning a process to its first paint event.

Used by :mod:`bench_gui`. Fresh ``python -c`` processes build and show the
window (as launched, but never touching the user's autosave) and print the
time when its first paint event arrives; the reference in the same run is
the start-up of ``python -c 'import PySide6.QtWidgets'``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

__all__ = ["START_TARGET_S", "startup_seconds"]

ROOT = Path(__file__).resolve().parents[1]
START_TARGET_S = 2.0

_CHILD = r"""
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, {root!r})
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication([])
from lossgui.qt.main_window import MainWindow

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(time.time(), flush=True)
            os._exit(0)
        return False

import tempfile
# As launched (session controller, autosave claim), but never touching the user's autosave.
bench_dir = os.path.join(tempfile.gettempdir(), "lossgui-bench")
window = MainWindow(restore=False, session_options={{"data_dir": bench_dir}})
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

_IMPORT_ONLY = "import time, PySide6.QtWidgets; print(time.time(), flush=True)"


def _spawn_seconds(code: str, runs: int) -> list[float]:
    """Wall time from spawning ``python -c code`` to the time the child prints."""
    out = []
    for _ in range(runs):
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        out.append(float(done.stdout.strip().splitlines()[-1]) - start)
    return out


def startup_seconds(runs: int) -> tuple[list[float], list[float]]:
    """Seconds to the window's first paint, and to ``import PySide6.QtWidgets``, ``runs`` each."""
    return _spawn_seconds(_CHILD.format(root=str(ROOT)), runs), _spawn_seconds(_IMPORT_ONLY, runs)
