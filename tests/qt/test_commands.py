"""Undo commands on a bare QUndoStack, with no widgets."""

import numpy as np
import pytest

import lossgui.qt.commands as commands
from lossgui.document import Document
from lossgui.document_convert import default_document
from lossgui.qt.commands import CellDelta, DocumentCommand
from lossgui.qt.state import AppState


def test_commands_with_different_keys_do_not_merge(qapp):
    state = AppState()
    a = default_document().with_cell(0, 0, 1.0)
    b = a.with_cell(0, 1, 2.0)
    state.undo_stack.push(DocumentCommand(state, state.document, a, "a", ("cell", 0, 0)))
    state.undo_stack.push(DocumentCommand(state, a, b, "b", ("cell", 0, 1)))
    assert state.undo_stack.count() == 2
    state.undo_stack.undo()
    assert state.document is a


def test_commands_without_key_never_merge(qapp):
    state = AppState()
    a = default_document().with_cell(0, 0, 1.0)
    b = a.with_cell(0, 0, 2.0)
    state.undo_stack.push(DocumentCommand(state, state.document, a, "a"))
    state.undo_stack.push(DocumentCommand(state, a, b, "b"))
    assert state.undo_stack.count() == 2


# ---------------------------------------------------------------- cell records
# Cell edits of large arrays are recorded as CellDelta: undo and redo rebuild the
# neighbouring Document, which must equal the original bit for bit.

_FIELDS = ("logits", "target", "input2")


def _assert_same(a: Document, b: Document) -> None:
    """Every array bit for bit (NaN payloads, -0.0), shapes, dtypes and the other fields."""
    for name in _FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.shape == y.shape and x.dtype == y.dtype, name
            assert np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes(), name
    for name in ("loss", "target_kind", "transform", "dtype", "title", "expected"):
        assert getattr(a, name) == getattr(b, name), name
    assert dict(a.options) == dict(b.options)


def _spatial(kind: str = "index") -> Document:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    logits[0, 0, 0, 0] = -0.0  # only exact bit copies keep these
    logits[1, 3, 4, 5] = np.nan
    if kind == "index":
        target = rng.integers(0, 4, (2, 5, 6))
        return Document("cross_entropy", logits, target, options={"ignore_index": 255})
    target = rng.random((2, 4, 5, 6))
    return Document("cross_entropy", logits, target, target_kind="probability")


@pytest.fixture
def sparse_everything(monkeypatch):
    """Record every cell edit as a delta, so small test Documents take that path."""
    monkeypatch.setattr(commands, "SPARSE_MIN_BYTES", 0)


EDITS = {
    "cell": (_spatial, lambda d: d.with_cell(37, 2, 9.5)),
    "cell, negative indices": (_spatial, lambda d: d.with_cell(-1, -1, 4.0)),
    "paste block": (_spatial, lambda d: d.with_cells(28, 1, np.arange(12.0).reshape(4, 3))),
    "paste clipped": (_spatial, lambda d: d.with_cells(58, 2, np.ones((5, 5)))),
    "index target": (_spatial, lambda d: d.with_target(41, 255)),
    "brush stroke": (_spatial, lambda d: d.with_targets(np.array([3, 3, 0, 59, 17]), 1)),
    "per-cell target": (lambda: _spatial("probability"), lambda d: d.with_target(-2, 0.25, 3)),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_cell_record_undoes_and_redoes_bit_for_bit(qapp, sparse_everything, name):
    make, build = EDITS[name]
    state = AppState(make())
    before = state.document
    after = build(before)
    state.undo_stack.push(DocumentCommand(state, before, after, name))
    command = state.undo_stack.command(0)
    assert command.delta is not None, "recorded as a cell delta"
    assert command.before is None and command.after is None, "keeps neither Document"
    assert state.document is after
    state.undo_stack.undo()
    _assert_same(state.document, before)
    state.undo_stack.redo()
    _assert_same(state.document, after)
    # Arrays the edit did not touch are still shared, as after the original edit.
    untouched = [f for f in ("logits", "target") if getattr(after, f) is getattr(before, f)]
    assert all(getattr(state.document, f) is getattr(after, f) for f in untouched)


def test_cosine_edits_are_recorded_as_cells(qapp, sparse_everything):
    rng = np.random.default_rng(5)
    doc = Document(
        "cosine_embedding_loss",
        rng.normal(size=(64, 3)),
        np.where(rng.random(64) < 0.5, 1, -1),
        target_kind="sign",
        input2=rng.normal(size=(64, 3)),
    )
    state = AppState(doc)
    steps = [lambda d: d.with_input2(4, 1, 2.0), lambda d: d.with_target(-1, -1)]
    documents = [doc]
    for step in steps:
        state.edit(step, "edit")
        documents.append(state.document)
    assert all(state.undo_stack.command(i).delta is not None for i in range(2))
    for expected in reversed(documents[:-1]):
        state.undo_stack.undo()
        _assert_same(state.document, expected)
    for expected in documents[1:]:
        state.undo_stack.redo()
        _assert_same(state.document, expected)


def test_fast_edits_of_one_cell_merge_into_one_exact_step(qapp, sparse_everything):
    state = AppState(_spatial())
    original = state.document
    for value in (1.0, 2.0, 3.0, -4.5):
        state.edit(lambda d, v=value: d.with_cell(7, 1, v), "Edit", ("cell", 7, 1))
    assert state.undo_stack.count() == 1
    final = state.document
    assert float(final.grid_logits()[7, 1]) == -4.5
    state.undo_stack.undo()
    _assert_same(state.document, original)
    state.undo_stack.redo()
    _assert_same(state.document, final)


def test_merged_records_of_different_cells_restore_both(qapp, sparse_everything):
    # One merge key across cells (a drag that moves): the delta covers the union.
    state = AppState(_spatial())
    original = state.document
    state.edit(lambda d: d.with_cell(3, 0, 1.0), "Drag", ("drag", 1))
    state.edit(lambda d: d.with_cell(4, 0, 2.0), "Drag", ("drag", 1))
    state.edit(lambda d: d.with_cell(3, 0, 5.0), "Drag", ("drag", 1))
    assert state.undo_stack.count() == 1
    assert state.undo_stack.command(0).delta.index.size == 2
    final = state.document
    state.undo_stack.undo()
    _assert_same(state.document, original)
    state.undo_stack.redo()
    _assert_same(state.document, final)


def test_merging_a_cell_record_with_a_whole_document_record(qapp, monkeypatch):
    # Under the size threshold for one edit and over it for the next (same key):
    # the merged step keeps both Documents and still restores exactly.
    state = AppState(_spatial())
    original = state.document
    monkeypatch.setattr(commands, "SPARSE_MIN_BYTES", 0)
    state.edit(lambda d: d.with_cell(3, 0, 1.0), "Edit", ("cell", 3, 0))
    monkeypatch.setattr(commands, "SPARSE_MIN_BYTES", 1 << 40)
    state.edit(lambda d: d.with_cell(3, 0, 2.0), "Edit", ("cell", 3, 0))
    assert state.undo_stack.count() == 1
    final = state.document
    state.undo_stack.undo()
    _assert_same(state.document, original)
    state.undo_stack.redo()
    assert state.document is final


def test_small_documents_keep_both_documents_as_before(qapp):
    state = AppState()
    before = state.document
    state.edit(lambda d: d.with_cell(1, 2, 8.0), "Edit", ("cell", 1, 2))
    command = state.undo_stack.command(0)
    assert command.delta is None and command.before is before
    after = state.document
    state.undo_stack.undo()
    assert state.document is before
    state.undo_stack.redo()
    assert state.document is after


def test_cell_delta_then_composes_in_order(qapp):
    first = CellDelta("logits", np.array([2, 5]), np.array([1.0, 2.0]), np.array([10.0, 20.0]))
    later = CellDelta("logits", np.array([5, 9]), np.array([20.0, 3.0]), np.array([7.0, 8.0]))
    both = first.then(later)
    assert both.index.tolist() == [2, 5, 9]
    assert both.old.tolist() == [1.0, 2.0, 3.0]
    assert both.new.tolist() == [10.0, 7.0, 8.0]


def test_cell_record_of_an_edit_that_is_not_a_cell_edit_is_none(qapp, sparse_everything):
    doc = _spatial()
    assert CellDelta.between(doc, doc.with_option("ignore_index", 3)) is None
    # A cell edit of some other Document does not describe this pair.
    other = _spatial()
    assert CellDelta.between(other, doc.with_cell(0, 0, 1.0)) is None
