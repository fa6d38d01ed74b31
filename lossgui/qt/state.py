"""AppState: the one source of truth the widgets read and the undo stack edits.

It owns the current :class:`~lossgui.document.Document`, the last valid
:class:`~lossgui.core.evaluate.Evaluation` and the QUndoStack. Every change
goes through :meth:`AppState.edit`, which validates by building the new
Document (a refused edit changes nothing and says why), pushes one undo
command, and emits ``changed`` once; :meth:`batch` folds several into one.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from lossgui.core.evaluate import Evaluation, evaluate
from lossgui.document import Document, EditError
from lossgui.document_convert import default_document
from lossgui.qt.commands import DocumentCommand

__all__ = ["AppState"]


class AppState(QObject):
    """The Document, its evaluation, the selection and the undo stack.

    Signals
    -------
    changed()
        The Document (and so the evaluation or error) changed; once per user action.
    selectionChanged(int, int)
        The selected grid cell (row, column) changed. Not an edit: no undo.
    message(str)
        A sentence for the status bar: why an edit was refused, or what happened.
    """

    changed = Signal()
    selectionChanged = Signal(int, int)
    message = Signal(str)

    def __init__(self, document: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._document = document if document is not None else default_document()
        self._evaluation: Evaluation | None = None
        self._error: str | None = None
        self._selection = (0, 0)
        self._batch_depth = 0
        self._pending = False
        self._cache: dict[Hashable, Any] = {}
        self._evaluate()

    # ------------------------------------------------------------------ reads
    @property
    def document(self) -> Document:
        """The current Document (frozen)."""
        return self._document

    @property
    def evaluation(self) -> Evaluation | None:
        """The last valid evaluation; kept when the current Document is rejected."""
        return self._evaluation

    @property
    def error(self) -> str | None:
        """Why PyTorch would reject the current Document, or None when it is valid."""
        return self._error

    @property
    def selection(self) -> tuple[int, int]:
        """The selected grid cell (row, column), always inside the grid."""
        return self._selection

    def derived(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """A result derived from the current Document, computed once and shared.

        Panels ask for sweeps through here so two panels never compute the
        same curve twice; the cache is dropped whenever the Document changes.
        """
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # ----------------------------------------------------------------- writes
    def edit(
        self,
        build: Callable[[Document], Document],
        text: str,
        merge_key: Hashable | None = None,
        *,
        evaluation: Evaluation | None = None,
    ) -> bool:
        """Apply ``build`` to the Document as one undoable step.

        Parameters
        ----------
        build : callable
            Document -> Document; raises EditError (or ValueError) to refuse.
        text : str
            The undo stack's description ("Edit logit (2, 1)").
        merge_key : hashable, optional
            Consecutive edits with the same key merge into one undo step
            (typing in one cell, dragging one logit).
        evaluation : Evaluation, optional
            :meth:`compute_evaluation` of the Document ``build`` returns, already
            computed (in a worker thread for a large file), so it is not redone.

        Returns
        -------
        bool
            False when refused; the reason went out on ``message``.
        """
        try:
            new = build(self._document)
        except (EditError, ValueError, IndexError, TypeError) as err:
            self.message.emit(f"Refused: {err}")
            return False
        if new is self._document:
            return True
        self.undo_stack.push(
            DocumentCommand(self, self._document, new, text, merge_key, evaluation)
        )
        return True

    def set_document(self, document: Document, evaluation: Evaluation | None = None) -> None:
        """Replace the Document (called by undo commands, not by widgets).

        ``evaluation``, when given, is :meth:`compute_evaluation` of ``document``
        computed ahead; it is used instead of evaluating again.
        """
        self._document = document
        self._cache.clear()
        rows = document.rows
        row, col = self._selection
        if row >= rows or col >= document.classes:
            self._selection = (min(row, rows - 1), min(col, document.classes - 1))
        if evaluation is None:
            self._evaluate()
        else:
            self._evaluation, self._error = evaluation, None
        self._notify()

    def select(self, row: int, col: int) -> None:
        """Select grid cell (row, col), clamped to the grid."""
        row = max(0, min(row, self._document.rows - 1))
        col = max(0, min(col, self._document.classes - 1))
        if (row, col) != self._selection:
            self._selection = (row, col)
            self.selectionChanged.emit(row, col)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Emit ``changed`` once for every change made inside the block."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._pending:
                self._pending = False
                self.changed.emit()

    # -------------------------------------------------------------- internals
    def _notify(self) -> None:
        if self._batch_depth:
            self._pending = True
        else:
            self.changed.emit()

    @staticmethod
    def compute_evaluation(document: Document) -> Evaluation:
        """Evaluate ``document`` as AppState does (safe to call from a worker thread).

        Raises
        ------
        ValueError, IndexError, TypeError, ArithmeticError
            What PyTorch would reject.
        """
        return evaluate(
            document.loss,
            document.logits,
            document.target,
            document.options,
            transform=document.transform,
            dtype=document.dtype,
            input2=document.input2,
        )

    def _evaluate(self) -> None:
        try:
            self._evaluation = self.compute_evaluation(self._document)
            self._error = None
        except (ValueError, IndexError, TypeError, ArithmeticError) as err:
            # What PyTorch would raise: shown to the user, last valid result kept.
            self._error = str(err)
        except Exception as err:
            self._error = f"internal error ({type(err).__name__}: {err}); please report it"
            traceback.print_exc()
