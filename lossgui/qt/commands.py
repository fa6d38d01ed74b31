"""Undo commands, and the byte budget of the undo history.

A command records one edit so that undo and redo restore exactly what was
there (no re-derivation that could drift). Documents are frozen and share
unchanged arrays, so for most edits keeping the Document before and after is
cheap. A cell edit of a large array is the exception: it copies the whole
array (an (8, 21, 400, 400) float32 batch is 107 MB per edit), so such an edit
is recorded as a :class:`CellDelta` instead (positions, old and new values)
and undo / redo rebuild the neighbouring Document from the current one.

Whatever is still kept, :func:`trim_stack` holds to a byte budget by dropping
the oldest steps (QUndoStack's own limit counts steps, not bytes).
"""

from __future__ import annotations

import traceback
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QUndoCommand, QUndoStack

from lossgui.document import Document, cell_change

if TYPE_CHECKING:
    from lossgui.core.evaluate import Evaluation
    from lossgui.qt.state import AppState

__all__ = [
    "SPARSE_MIN_BYTES",
    "CellDelta",
    "DocumentCommand",
    "held_bytes",
    "held_upper_bound",
    "trim_stack",
]

_MERGEABLE_ID = 1

#: A cell edit of an array at least this large is recorded by its changed elements.
SPARSE_MIN_BYTES = 1 << 20
# ... unless the record would hold more than this share of the array's bytes.
_SPARSE_MAX_SHARE = 0.25
_ARRAY_FIELDS = ("logits", "target", "input2")


def _bits(values: np.ndarray) -> bytes:
    """The exact bytes of ``values`` (so NaN == NaN and -0.0 != 0.0)."""
    return np.ascontiguousarray(values).tobytes()


@dataclass(frozen=True, eq=False)
class CellDelta:
    """The elements one edit changed in one array of a Document: enough to go both ways.

    Attributes
    ----------
    field : {'logits', 'target', 'input2'}
    index : ndarray, int64, shape (k,)
        Sorted, unique flat C-order positions in the array's shape.
    old, new : ndarray, shape (k,), the array's dtype
        The values at ``index`` before and after the edit.
    """

    field: str
    index: np.ndarray
    old: np.ndarray
    new: np.ndarray

    @classmethod
    def between(cls, before: Document, after: Document) -> CellDelta | None:
        """The delta of a cell edit (``after`` = ``before.with_cell(...)`` ...) of a large array.

        None when ``after`` is not a cell edit of ``before``, the array is small
        (the Documents are kept as they are, as always), or the edit changed too
        much of it for a delta to save memory.
        """
        change = cell_change(after)
        if change is None or change.base() is not before:
            return None
        old_array = getattr(before, change.field)
        new_array = getattr(after, change.field)
        if old_array is None or new_array is None or new_array.nbytes < SPARSE_MIN_BYTES:
            return None
        if old_array.shape != new_array.shape or old_array.dtype != new_array.dtype:
            return None
        index = change.index
        if index.size * (index.itemsize + 2 * new_array.itemsize) > (
            _SPARSE_MAX_SHARE * new_array.nbytes
        ):
            return None
        where = np.unravel_index(index, new_array.shape)
        return cls(change.field, index, old_array[where], new_array[where])

    @property
    def nbytes(self) -> int:
        """Bytes this record holds."""
        return self.index.nbytes + self.old.nbytes + self.new.nbytes

    def matches(self, doc: Document, forward: bool) -> bool:
        """Whether ``doc`` holds the values this delta starts from (``old`` going forward)."""
        array = getattr(doc, self.field)
        if array is None or array.dtype != self.old.dtype:
            return False
        if self.index.size == 0:
            return True
        if int(self.index[-1]) >= array.size:
            return False
        here = array[np.unravel_index(self.index, array.shape)]
        return _bits(here) == _bits(self.old if forward else self.new)

    def apply(self, doc: Document, forward: bool) -> Document:
        """``doc`` with ``new`` (forward) or ``old`` (backward) written at ``index``.

        One copy of the array, in its own memory order; every other field is
        ``doc``'s own object, as after the original edit.
        """
        array = getattr(doc, self.field)
        copy = array.copy(order="K")
        copy[np.unravel_index(self.index, array.shape)] = self.new if forward else self.old
        copy.setflags(write=False)
        return replace(doc, **{self.field: copy})

    def then(self, later: CellDelta) -> CellDelta:
        """One delta doing this one and then ``later`` (same field)."""
        index = np.union1d(self.index, later.index)
        first = np.searchsorted(index, self.index)
        second = np.searchsorted(index, later.index)
        old = np.empty(index.size, dtype=self.old.dtype)
        new = np.empty(index.size, dtype=self.new.dtype)
        # Elements only ``later`` touched started at its old value; ours override.
        old[second] = later.old
        old[first] = self.old
        new[first] = self.new
        new[second] = later.new
        return CellDelta(self.field, index, old, new)


class DocumentCommand(QUndoCommand):
    """Replace the Document; undo puts the previous one back.

    Consecutive commands with the same non-None ``merge_key`` merge into one
    step, so typing in one cell or dragging one logit undoes in one go.

    A cell edit of a large array keeps a :class:`CellDelta`, not the two
    Documents: undo and redo rebuild the neighbouring Document from the current
    one (equal to the original bit for bit, but a new object). Everything else
    keeps ``before`` and ``after`` and restores those very objects.
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
        self.merge_key = merge_key
        self.delta = CellDelta.between(before, after)
        # A delta drops both Documents once the first redo has set ``after``.
        self.before: Document | None = before if self.delta is None else None
        self.after: Document | None = after
        # ``after`` evaluated ahead (a large file, evaluated in a worker thread):
        # used by the first redo only, so the stack never pins large results.
        self._evaluation = evaluation
        # While True (the stack being rebuilt by trim_stack), redo and undo do nothing.
        self._silent = False
        self._nbytes: int | None = None

    def id(self) -> int:
        return _MERGEABLE_ID if self.merge_key is not None and not self._silent else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentCommand) or other.merge_key != self.merge_key:
            return False
        self._nbytes = None
        if self.delta is None and other.delta is None:
            self.after = other.after
            return True
        if self.delta is not None and other.delta is not None:
            if self.delta.field == other.delta.field:
                self.delta = self.delta.then(other.delta)
                return True
        # Mixed records (rare: one edit under the size threshold): keep both Documents.
        # ``other`` was just done, so the current Document is its ``after``.
        current = self._state.document
        middle = other._neighbour(current, forward=False)
        self.before = self._neighbour(middle, forward=False)
        self.after, self.delta = current, None
        return True

    def _neighbour(self, doc: Document, forward: bool) -> Document:
        """The Document after (forward) or before this edit, given the one on the other side."""
        if self.delta is None:
            neighbour = self.after if forward else self.before
            assert neighbour is not None
            return neighbour
        if not self.delta.matches(doc, forward):
            # Only undo commands set Documents, so this is a bug: say so, stay exact where we can.
            self._state.message.emit(
                f"Undo history out of step at {self.text()!r}; please report it"
            )
        return self.delta.apply(doc, forward)

    def redo(self) -> None:
        if self._silent:
            return
        try:
            evaluation, self._evaluation = self._evaluation, None
            if self.delta is not None and self.after is not None:
                after, self.after = self.after, None  # the first redo: set what the edit built
            else:
                after = self._neighbour(self._state.document, forward=True)
            self._state.set_document(after, evaluation=evaluation)
        except Exception:  # called from Qt: report, never raise into the event loop
            traceback.print_exc()

    def undo(self) -> None:
        if self._silent:
            return
        try:
            self._state.set_document(self._neighbour(self._state.document, forward=False))
        except Exception:  # called from Qt: report, never raise into the event loop
            traceback.print_exc()

    def held_arrays(self) -> Iterator[np.ndarray]:
        """The arrays this command keeps alive (some may be shared with others)."""
        if self.delta is not None:
            yield from (self.delta.index, self.delta.old, self.delta.new)
        for doc in (self.before, self.after):
            if doc is not None:
                yield from _arrays(doc)

    def held_nbytes(self) -> int:
        """Bytes of :meth:`held_arrays` (each memory block once), whether shared or not."""
        if self._nbytes is None:
            owners = {id(o): o.nbytes for o in map(_owner, self.held_arrays())}
            self._nbytes = sum(owners.values())
        return self._nbytes

    def clone(self) -> DocumentCommand:
        """A silent copy holding the same records (for :func:`trim_stack`)."""
        twin = DocumentCommand.__new__(DocumentCommand)
        QUndoCommand.__init__(twin, self.text())
        twin._state, twin.merge_key, twin._evaluation = self._state, self.merge_key, None
        twin.delta, twin.before, twin.after = self.delta, self.before, self.after
        twin._silent, twin._nbytes = True, self._nbytes
        return twin


def _arrays(doc: Document) -> Iterator[np.ndarray]:
    for name in _ARRAY_FIELDS:
        array = getattr(doc, name)
        if array is not None:
            yield array


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (views count once, as their base)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _command_bytes(stack: QUndoStack, current: Document) -> list[tuple[int, set[int]]]:
    """Per command (oldest first): its arrays' owners' bytes by id, less ``current``'s."""
    kept = {id(_owner(a)) for a in _arrays(current)}
    out = []
    for i in range(stack.count()):
        command = stack.command(i)
        owned: dict[int, int] = {}
        if isinstance(command, DocumentCommand):
            for array in command.held_arrays():
                owner = _owner(array)
                if id(owner) not in kept:
                    owned[id(owner)] = owner.nbytes
        out.append((sum(owned.values()), set(owned.items())))
    return out


def held_bytes(stack: QUndoStack, current: Document) -> int:
    """Bytes the undo history keeps alive beyond the ``current`` Document (shared ones once)."""
    seen: set[tuple[int, int]] = set()
    for _, owned in _command_bytes(stack, current):
        seen |= owned
    return sum(nbytes for _, nbytes in seen)


def held_upper_bound(stack: QUndoStack) -> int:
    """Bytes the steps of ``stack`` hold, shared arrays counted once per step (an upper bound)."""
    commands = (stack.command(i) for i in range(stack.count()))
    return sum(c.held_nbytes() for c in commands if isinstance(c, DocumentCommand))


def trim_stack(stack: QUndoStack, budget: int, current: Document) -> tuple[int, int]:
    """Drop the oldest steps until the history holds at most ``budget`` bytes.

    The newest undoable step is always kept, however large; redo steps are
    never dropped. QUndoStack cannot drop its oldest commands, so the stack is
    rebuilt from silent copies of the kept ones (signals blocked: what Undo
    and Redo offer is unchanged), with its index and clean state carried over
    (a clean state among the dropped steps can no longer be reached).

    Returns
    -------
    (int, int)
        How many steps were dropped and how many bytes that freed.
    """
    if held_upper_bound(stack) <= budget:
        return 0, 0
    records = _command_bytes(stack, current)
    index = stack.index()
    seen: set[tuple[int, int]] = set()
    total, drop = 0, 0
    for i in range(len(records) - 1, -1, -1):
        new = records[i][1] - seen
        seen |= new
        total += sum(nbytes for _, nbytes in new)
        if total > budget and i < index - 1:
            drop = i + 1
            break
    if drop == 0:
        return 0, 0
    before = held_bytes(stack, current)
    clean = stack.cleanIndex()
    twins = [stack.command(i).clone() for i in range(drop, stack.count())]
    blocker = QSignalBlocker(stack)
    try:
        stack.clear()
        for twin in twins:
            stack.push(twin)
        if clean >= drop:
            stack.setIndex(clean - drop)
            stack.setClean()
        else:
            stack.resetClean()
        stack.setIndex(index - drop)
    finally:
        for twin in twins:
            twin._silent = False
        blocker.unblock()
    return drop, before - held_bytes(stack, current)
