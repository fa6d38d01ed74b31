"""Undo commands: each stores the Document before and after one edit.

Documents are frozen and share unchanged arrays, so keeping both is cheap and
undo restores exactly what was there (no re-derivation that could drift).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from lossgui.document import Document

if TYPE_CHECKING:
    from lossgui.core.evaluate import Evaluation
    from lossgui.qt.state import AppState

__all__ = ["DocumentCommand"]

_MERGEABLE_ID = 1


class DocumentCommand(QUndoCommand):
    """Replace the Document; undo puts the previous one back.

    Consecutive commands with the same non-None ``merge_key`` merge into one
    step, so typing in one cell or dragging one logit undoes in one go.
    """

    def __init__(
        self,
        state: AppState,
        before: Document,
        after: Document,
        text: str,
        merge_key: Hashable | None = None,
        evaluation: Evaluation | None = None,
    ) -> None:
        super().__init__(text)
        self._state = state
        self.before = before
        self.after = after
        self.merge_key = merge_key
        # ``after`` evaluated ahead (a large file, evaluated in a worker thread):
        # used by the first redo only, so the stack never pins large results.
        self._evaluation = evaluation

    def id(self) -> int:
        return _MERGEABLE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        evaluation, self._evaluation = self._evaluation, None
        self._state.set_document(self.after, evaluation=evaluation)

    def undo(self) -> None:
        self._state.set_document(self.before)
