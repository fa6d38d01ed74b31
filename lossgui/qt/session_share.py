"""Share a session through the clipboard: as PyTorch / NumPy code or as its JSON text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QGuiApplication

from lossgui.codegen import numpy_snippet, pytorch_snippet
from lossgui.qt.state import AppState
from lossgui.session import SessionError, dump_session, load_session

__all__ = ["SessionClipboard"]


class SessionClipboard:
    """Copy and paste actions' work; results and refusals go to ``state.message``.

    Parameters
    ----------
    state : AppState
    view : callable
        Returns the view dict saved with a copied session.
    apply_view : callable
        Applies the view dict of a pasted session.
    """

    def __init__(
        self,
        state: AppState,
        view: Callable[[], dict[str, Any]],
        apply_view: Callable[[dict[str, Any]], None],
    ) -> None:
        self._state = state
        self._view = view
        self._apply_view = apply_view

    def _shown(self) -> float | None:
        evaluation = self._state.evaluation
        return evaluation.value if self._state.error is None and evaluation else None

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._state.message.emit(f"Copied {what} ({text.count(chr(10))} lines)")

    def copy_pytorch(self) -> None:
        """Put a PyTorch script reproducing the value on the clipboard."""
        self._copy(pytorch_snippet(self._state.document, self._shown()), "PyTorch code")

    def copy_numpy(self) -> None:
        """Put the same computation with lossgui.core on the clipboard."""
        self._copy(numpy_snippet(self._state.document, self._shown()), "NumPy code")

    def copy_session(self) -> None:
        """Put the session's JSON text on the clipboard."""
        try:
            text = dump_session(self._state.document, self._view())
        except SessionError as err:
            self._state.message.emit(f"Cannot copy the session: {err}")
            return
        self._copy(text, "the session as text")

    def paste_session(self) -> bool:
        """Replace the Document with a session from the clipboard, as one undoable edit."""
        text = QGuiApplication.clipboard().text()
        if not text.strip():
            self._state.message.emit("The clipboard is empty: copy a session's text first")
            return False
        try:
            document, view = load_session(text.encode("utf-8"))
        except SessionError as err:
            self._state.message.emit(f"The clipboard does not hold a lossgui session: {err}")
            return False
        if not self._state.edit(lambda _doc: document, "Paste session"):
            return False
        self._apply_view(view)
        self._state.message.emit(f"Pasted session “{document.title or 'untitled'}”")
        return True
