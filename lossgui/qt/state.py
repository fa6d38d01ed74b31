"""AppState: the one source of truth the widgets read and the undo stack edits.

It owns the current :class:`~lossgui.document.Document`, the last valid
:class:`~lossgui.core.evaluate.Evaluation` and the QUndoStack. Every change
goes through :meth:`AppState.edit`, which validates by building the new
Document (a refused edit changes nothing and says why), pushes one undo
command, and emits ``changed`` once; :meth:`batch` folds several into one.

A Document of at least :data:`ASYNC_ELEMENTS` logits (a segmentation batch)
is evaluated in a worker thread: ``changed`` is emitted at once for the new
numbers, with :attr:`AppState.computing` True and the last valid evaluation
kept, and once more when its evaluation (or PyTorch's error) is ready.
"""

from __future__ import annotations

import traceback
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from lossgui.core.evaluate import Evaluation, evaluate
from lossgui.document import Document, EditError
from lossgui.document_convert import default_document
from lossgui.qt.commands import DocumentCommand, held_upper_bound, trim_stack
from lossgui.qt.evaluator import BackgroundEvaluator

__all__ = ["ASYNC_ELEMENTS", "UNDO_BUDGET_BYTES", "AppState"]

#: Documents with at least this many logits are evaluated in a worker thread
#: (about a tenth of a second of work and more): edits never freeze the window.
ASYNC_ELEMENTS = 1 << 21

#: The undo history keeps at most this many bytes of arrays beyond the current
#: Document; older steps are dropped past it (cell edits of large arrays are
#: recorded by their changed elements, so mostly whole files and presets count).
UNDO_BUDGET_BYTES = 1 << 30


class AppState(QObject):
    """The Document, its evaluation, the selection and the undo stack.

    Signals
    -------
    changed()
        The Document (and so the evaluation or error) changed; once per user action,
        and for a large Document once more when its evaluation is ready.
    computingChanged(bool)
        A large Document's evaluation started (True) or is ready (False).
    selectionChanged(int, int)
        The selected grid cell (row, column) changed. Not an edit: no undo.
    message(str)
        A sentence for the status bar: why an edit was refused, or what happened.
    """

    changed = Signal()
    computingChanged = Signal(bool)
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
        #: Documents with at least this many logits are evaluated in a worker thread.
        self.async_elements = ASYNC_ELEMENTS
        #: Bytes the undo history may keep beyond the current Document.
        self.undo_budget = UNDO_BUDGET_BYTES
        # Never less than the undo history holds (see _trim_undo): while it is within
        # the budget, an edit need not measure the whole history.
        self._undo_bytes_bound = 0
        self._evaluator = BackgroundEvaluator(_compute_in_worker, self)
        self._evaluator.ready.connect(self._on_evaluated)
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
    def computing(self) -> bool:
        """True while the current (large) Document is evaluated in the background.

        Meanwhile :attr:`evaluation` and :attr:`error` still describe the previous
        Document: show them as stale, and redraw on the ``changed`` that follows.
        """
        return self._evaluator.pending() is not None

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
            # A weak proxy: the stack is the state's child, so a strong reference
            # back would make a cycle, and the cycle collector may then delete the
            # state's QObjects from a worker thread (Qt objects die in their own).
            DocumentCommand(weakref.proxy(self), self._document, new, text, merge_key, evaluation)
        )
        self._trim_undo()
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
        was_computing = self.computing
        if evaluation is not None:
            self._evaluator.cancel()
            self._evaluation, self._error = evaluation, None
        elif document.logits.size >= self.async_elements:
            self._evaluator.start(document)
        else:
            self._evaluator.cancel()
            self._evaluate()
        if self.computing != was_computing:
            self.computingChanged.emit(self.computing)
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
    def _trim_undo(self) -> None:
        """Hold the undo history to :attr:`undo_budget` bytes, saying what was dropped.

        Measuring the history visits every step: after thousands of edits that
        would cost more than the edit. So each edit adds the bytes of the step
        it made (a merged step counts again) to a bound that only overstates,
        and the history is measured, and trimmed, only once that bound passes
        the budget; the bound is then reset to what is really held.
        """
        stack = self.undo_stack
        top = stack.command(stack.index() - 1) if stack.index() > 0 else None
        if isinstance(top, DocumentCommand):
            self._undo_bytes_bound += top.held_nbytes()
        if self._undo_bytes_bound <= self.undo_budget:
            return
        try:
            dropped, freed = trim_stack(stack, self.undo_budget, self._document)
            self._undo_bytes_bound = held_upper_bound(stack)
        except Exception:  # the edit is done; a failed trim must not undo that
            traceback.print_exc()
            return
        if dropped:
            steps = "step" if dropped == 1 else f"{dropped} steps"
            self.message.emit(
                f"Undo history is limited to {self.undo_budget / 2**20:.0f} MB: "
                f"dropped the oldest {steps} ({freed / 2**20:.1f} MB)"
            )

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

    def _on_evaluated(
        self, document: Document, evaluation: Evaluation | None, error: str | None
    ) -> None:
        if document is not self._document:
            return
        if evaluation is not None:
            self._evaluation, self._error = evaluation, None
        else:
            self._error = error  # the last valid evaluation stays
        # Results derived while computing paired the new numbers with the old evaluation.
        self._cache.clear()
        self.computingChanged.emit(False)
        self._notify()

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


def _compute_in_worker(document: Document) -> Evaluation:
    """:meth:`AppState.compute_evaluation`, looked up when called (tests patch it).

    A module function, not a closure over the state: a reference cycle through
    a QObject would leave its deletion to the cycle collector, which may run in
    the worker thread, and a QObject must be deleted in its own thread.
    """
    return AppState.compute_evaluation(document)
