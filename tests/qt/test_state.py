"""AppState: one change per action, undo restores, refused edits change nothing."""

import numpy as np
import pytest

from lossgui.core.evaluate import evaluate
from lossgui.document_convert import default_document
from lossgui.qt.state import AppState


@pytest.fixture
def state(qapp):
    return AppState()


def test_initial_evaluation_matches_core(state):
    doc = state.document
    fresh = evaluate(doc.loss, doc.logits, doc.target, doc.options, dtype=doc.dtype)
    assert state.evaluation.value == fresh.value
    assert state.error is None


def test_edit_emits_changed_once_and_undo_restores(state, qtbot):
    before = state.document
    with qtbot.waitSignal(state.changed):
        assert state.edit(lambda d: d.with_cell(0, 0, 5.0), "Edit", merge_key=("cell", 0, 0))
    assert state.document.logits[0, 0] == 5.0
    state.undo_stack.undo()
    assert state.document is before
    state.undo_stack.redo()
    assert state.document.logits[0, 0] == 5.0


def test_refused_edit_keeps_document_and_says_why(state, qtbot):
    before = state.document
    with qtbot.waitSignal(state.message) as blocker:
        assert not state.edit(lambda d: d.with_cell(0, 0, "abc"), "Edit")
    assert "not a number" in blocker.args[0]
    assert state.document is before
    assert state.undo_stack.count() == 0


def test_repeated_edits_of_one_cell_merge(state):
    for value in (1.0, 2.0, 3.0):
        state.edit(lambda d, v=value: d.with_cell(1, 1, v), "Edit", merge_key=("cell", 1, 1))
    state.edit(lambda d: d.with_cell(2, 2, 7.0), "Edit", merge_key=("cell", 2, 2))
    assert state.undo_stack.count() == 2
    state.undo_stack.undo()
    state.undo_stack.undo()
    np.testing.assert_array_equal(state.document.logits, default_document().logits)


def test_batch_emits_once(state):
    seen = []
    state.changed.connect(lambda: seen.append(1))
    with state.batch():
        state.edit(lambda d: d.with_cell(0, 0, 1.0), "a")
        state.edit(lambda d: d.with_cell(0, 1, 1.0), "b")
    assert seen == [1]


def test_configuration_torch_rejects_keeps_last_valid_evaluation(state):
    state.edit(lambda d: d.with_loss("binary_cross_entropy"), "switch")
    good = state.evaluation
    assert state.error is None
    state.edit(lambda d: d.with_transform("none"), "as given")
    # The default logits include values above 1: PyTorch's BCE refuses them.
    assert state.error is not None and "between 0 and 1" in state.error.lower().replace(
        "[0, 1]", "between 0 and 1"
    )
    assert state.evaluation is good


def test_selection_is_clamped_and_survives_shrink(state, qtbot):
    state.select(3, 2)
    assert state.selection == (3, 2)
    state.edit(lambda d: d.with_shape(2, 2), "shrink")
    assert state.selection == (1, 1)


def test_derived_cache_is_dropped_on_change(state):
    calls = []
    state.derived("k", lambda: calls.append(1) or 1)
    state.derived("k", lambda: calls.append(1) or 1)
    assert calls == [1]
    state.edit(lambda d: d.with_cell(0, 0, 9.0), "edit")
    state.derived("k", lambda: calls.append(1) or 1)
    assert calls == [1, 1]


# ------------------------------------------------------- large documents, in the background


def _fresh_value(state):
    doc = state.document
    return evaluate(
        doc.loss, doc.logits, doc.target, doc.options, transform=doc.transform, dtype=doc.dtype
    ).value


def test_a_large_document_is_evaluated_in_a_worker_and_the_window_is_told_twice(state, qtbot):
    state.async_elements = 1  # every Document counts as large
    before = state.evaluation
    with qtbot.waitSignal(state.changed, timeout=1000):
        assert state.edit(lambda d: d.with_cell(0, 0, 5.0), "Edit")
    # The new numbers are there at once; their evaluation is on its way.
    assert state.document.logits[0, 0] == 5.0
    assert state.computing and state.evaluation is before and state.error is None
    with qtbot.waitSignals([state.changed, state.computingChanged], timeout=20000):
        pass
    assert not state.computing
    assert state.evaluation is not before
    assert state.evaluation.value == _fresh_value(state)


def test_a_large_document_pytorch_rejects_keeps_the_last_valid_evaluation(state, qtbot):
    state.async_elements = 1
    assert state.edit(lambda d: d.with_target(0, 2), "target 2")
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    valid = state.evaluation
    assert state.edit(lambda d: d.with_shape(4, 2), "two classes")
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    assert state.error is not None and "out of" in state.error
    assert state.evaluation is valid


def _counting(monkeypatch, gate=None):
    """Patch AppState.compute_evaluation to record the Documents it is given."""
    real = AppState.compute_evaluation
    seen = []

    def compute(document):
        seen.append(document)
        if gate is not None and len(seen) == 1:
            gate[0].set()
            assert gate[1].wait(30), "the test never released the worker"
        return real(document)

    monkeypatch.setattr(AppState, "compute_evaluation", staticmethod(compute))
    return seen


def test_a_newer_edit_supersedes_a_running_evaluation(qapp, qtbot, monkeypatch):
    import threading

    state = AppState()
    state.async_elements = 1
    started, release = threading.Event(), threading.Event()
    seen = _counting(monkeypatch, (started, release))
    assert state.edit(lambda d: d.with_cell(0, 0, 5.0), "first")
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert state.edit(lambda d: d.with_cell(0, 0, 6.0), "second")
    release.set()
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    assert [float(d.logits[0, 0]) for d in seen] == [5.0, 6.0]
    # The first result came back late and was dropped.
    assert state.evaluation.value == _fresh_value(state)


def test_undoing_several_large_steps_at_once_evaluates_only_where_it_lands(
    qapp, qtbot, monkeypatch
):
    state = AppState()
    state.async_elements = 1
    seen = _counting(monkeypatch)
    for value in (1.0, 2.0, 3.0):
        assert state.edit(lambda d, v=value: d.with_cell(0, 0, v), f"set {value}")
        qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    seen.clear()
    state.undo_stack.setIndex(0)
    qtbot.waitUntil(lambda: not state.computing, timeout=20000)
    assert seen == [state.document]
    assert state.evaluation.value == _fresh_value(state)
