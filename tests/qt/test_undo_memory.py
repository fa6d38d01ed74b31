"""The undo history's memory: cell edits of a large batch are cheap, and a byte budget holds."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.document import Document
from lossgui.qt.commands import SPARSE_MIN_BYTES, held_bytes
from lossgui.qt.state import AppState

MB = 1 << 20


def _segmentation(seed: int = 0, size: int = 256) -> Document:
    """(1, 4, size, size) float32 logits: 1 MiB at size 256, over the cell-record threshold."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((1, 4, size, size), dtype=np.float32)
    target = rng.integers(0, 4, (1, size, size))
    return Document("cross_entropy", logits, target, title=f"batch {seed}")


def _bits(doc: Document) -> bytes:
    return doc.logits.tobytes() + doc.target.tobytes()


def test_twenty_cell_edits_of_a_large_batch_hold_a_few_bytes(qapp):
    doc = _segmentation()
    assert doc.logits.nbytes >= SPARSE_MIN_BYTES
    state = AppState(doc)
    documents = [_bits(doc)]
    for i in range(20):
        row, col = (4099 * i) % doc.rows, i % doc.classes
        state.edit(lambda d, r=row, c=col, v=i: d.with_cell(r, c, v + 0.5), "Edit", ("cell", i))
        documents.append(_bits(state.document))
    assert state.undo_stack.count() == 20
    # Each edit used to keep a whole copy of the logits: 20 MiB here.
    held = held_bytes(state.undo_stack, state.document)
    assert held < 2048, f"the history keeps {held} bytes"
    for expected in reversed(documents[:-1]):
        state.undo_stack.undo()
        assert _bits(state.document) == expected
    assert state.document.title == "batch 0"
    for expected in documents[1:]:
        state.undo_stack.redo()
        assert _bits(state.document) == expected


def test_a_brush_stroke_on_a_large_batch_is_recorded_by_its_rows(qapp):
    doc = _segmentation(size=384)  # int64 targets of 1.1 MiB
    state = AppState(doc)
    state.edit(lambda d: d.with_targets(np.arange(0, 3000, 3), 2), "Paint")
    assert held_bytes(state.undo_stack, state.document) < 64 * 1024
    state.undo_stack.undo()
    assert _bits(state.document) == _bits(doc)


def _open(state: AppState, seed: int) -> None:
    doc = _segmentation(seed)
    assert state.edit(lambda _d: doc, f"Open batch {seed}")


def test_budget_drops_the_oldest_steps_and_says_so(qapp):
    state = AppState()
    # Each opened batch holds 1.5 MiB (logits and targets): two fit beside the current one.
    state.undo_budget = int(3.2 * MB)
    messages: list[str] = []
    state.message.connect(messages.append)
    for seed in range(3):
        _open(state, seed)
    assert state.undo_stack.count() == 3 and not messages
    _open(state, 3)
    # Batches 0, 1 and 2 would be 4.5 MiB: "Open batch 0" and "Open batch 1" went.
    assert state.undo_stack.count() == 2
    assert any("dropped the oldest 2 steps" in m for m in messages)
    assert held_bytes(state.undo_stack, state.document) <= 3.2 * MB
    assert state.undo_stack.undoText() == "Open batch 3"
    # What is left undoes and redoes exactly as before.
    for seed in (2, 1):
        state.undo_stack.undo()
        assert state.document.title == f"batch {seed}"
        assert _bits(state.document) == _bits(_segmentation(seed))
    assert not state.undo_stack.canUndo()
    state.undo_stack.redo()
    state.undo_stack.redo()
    assert state.document.title == "batch 3"


def test_budget_keeps_the_newest_step_however_large(qapp):
    state = AppState()
    state.undo_budget = 1
    _open(state, 0)
    _open(state, 1)
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert state.document.title == "batch 0"
    # Merging after a rebuild still works: typing in one cell is one step.
    state.undo_stack.redo()
    for value in (1.0, 2.0):
        state.edit(lambda d, v=value: d.with_cell(5, 1, v), "Edit", ("cell", 5, 1))
    assert state.undo_stack.undoText() == "Edit"
    state.undo_stack.undo()
    assert state.document.title == "batch 1"


@pytest.mark.parametrize("clean_at", [2, 0])
def test_budget_keeps_the_clean_state_when_it_can(qapp, clean_at):
    state = AppState()
    state.undo_budget = int(3.2 * MB)
    for seed in range(3):
        _open(state, seed)
    state.undo_stack.setIndex(clean_at)
    state.undo_stack.setClean()  # saved here
    state.undo_stack.setIndex(3)
    _open(state, 3)  # drops "Open batch 0" and "Open batch 1"
    assert state.undo_stack.count() == 2
    assert not state.undo_stack.isClean()
    state.undo_stack.undo()
    state.undo_stack.undo()
    assert state.document.title == "batch 1"
    # Saved at batch 1 (clean_at 2): still reachable, the window says "saved"
    # there; saved before anything was opened (clean_at 0): that step is gone.
    assert state.undo_stack.isClean() == (clean_at == 2)


def test_small_edits_never_trim(qapp):
    state = AppState()
    messages: list[str] = []
    state.message.connect(messages.append)
    for i in range(50):
        state.edit(lambda d, v=i: d.with_cell(0, 0, float(v)), "Edit")
    assert state.undo_stack.count() == 50
    assert not messages


def test_option_edits_of_a_large_batch_share_its_arrays_and_never_trim(qapp):
    # Each step keeps two Documents, both sharing the current batch's arrays: nothing extra.
    state = AppState(_segmentation())
    state.undo_budget = int(3.2 * MB)
    messages: list[str] = []
    state.message.connect(messages.append)
    for value in range(10):
        assert state.edit(lambda d, v=value: d.with_option("ignore_index", v), "Option")
    assert state.undo_stack.count() == 10 and not messages
    assert held_bytes(state.undo_stack, state.document) == 0


def test_edits_far_below_the_budget_do_not_measure_the_whole_history(qapp, monkeypatch):
    """Measuring visits every step: thousands of small edits must not each do it."""
    import lossgui.qt.state as state_module

    scans = []
    real = state_module.trim_stack
    monkeypatch.setattr(
        state_module, "trim_stack", lambda *a, **k: scans.append(1) or real(*a, **k)
    )
    state = AppState(_segmentation(size=64))
    for i in range(300):
        state.edit(lambda d, v=i: d.with_cell(v % 7, 1, v + 0.5), "Edit", ("cell", i))
    assert state.undo_stack.count() == 300 and not scans
    state.undo_budget = held_bytes(state.undo_stack, state.document) // 2
    state.edit(lambda d: d.with_cell(0, 0, -1.0), "Edit", ("cell", "last"))
    assert scans and state.undo_stack.count() < 301  # over budget: measured and trimmed
    assert held_bytes(state.undo_stack, state.document) <= state.undo_budget
