"""A decorator that keeps exceptions out of the Qt event loop.

PySide6 prints an exception raised inside a slot and carries on, but the
widget is left half-updated and the user never learns why. Slots of the grid,
the controls and the result views are wrapped so a bug becomes a status-bar
message and a traceback on stderr instead.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import SignalInstance

__all__ = ["guarded"]


class _HasState(Protocol):
    @property
    def state(self) -> Any: ...


F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    """Wrap a widget method used as a slot: report exceptions, never raise them.

    The owner must have a ``state`` attribute (an AppState) whose ``message``
    signal carries the report to the status bar.
    """

    @functools.wraps(method)
    def wrapper(self: _HasState, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as err:
            traceback.print_exc()
            message: SignalInstance | None = getattr(getattr(self, "state", None), "message", None)
            if message is not None:
                message.emit(f"Internal error in {method.__name__}: {err}; please report it")
            return None

    return wrapper  # type: ignore[return-value]
