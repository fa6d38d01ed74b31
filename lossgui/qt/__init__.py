"""Qt layer of lossgui: AppState, undo commands, grid, panels and the main window.

``lossgui.qt.MainWindow`` is imported on first use, so importing this package
(as every Qt module's parent does) never drags in the whole window.

Importing this package also guards against a reference-counting bug of
PySide6 6.12 on Python < 3.12: every call into a binding that returns
nothing (``resize``, ``setText``, a slot) drops one reference to ``None``
that it never took, and ``Signal.emit`` does the same to ``True`` / ``False``.
After a few thousand calls the count reaches zero and the interpreter aborts
("none_dealloc: deallocating None"), mid-session or at exit. Python 3.12 made
these singletons immortal (PEP 683), which hides the bug; on older Pythons we
give them the same property by raising their reference counts far out of reach.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["MainWindow"]


def _pin_singletons() -> None:
    """Make None, True and False effectively immortal on Python < 3.12 (see above)."""
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        # 3.12+: already immortal. Debug builds lay PyObject out differently: leave them.
        return
    import ctypes

    for obj in (None, True, False):
        # ob_refcnt is the first field of every PyObject in release builds.
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


_pin_singletons()


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from lossgui.qt.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'lossgui.qt' has no attribute {name!r}")
