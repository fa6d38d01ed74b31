"""Opening files in a worker thread: success is one undo step, failure and Cancel keep the data."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton, QWidget

import lossgui.qt.loading as loading
from lossgui.qt.loading import OpenFileTask, open_file_async, open_file_sync
from lossgui.qt.state import AppState

RNG = np.random.default_rng(11)


@pytest.fixture
def state(qapp) -> AppState:
    return AppState()


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "val.npz"
    target = RNG.integers(0, 10, 200)
    np.savez(path, input=RNG.normal(size=(200, 10)).astype(np.float32), target=target)
    return path


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Holds the worker inside its job until the test sets the event."""
    release = threading.Event()
    real = loading._open_and_evaluate

    def held(*args, **kwargs):
        assert release.wait(30), "the test never released the worker"
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "_open_and_evaluate", held)
    return release


def test_async_open_sets_the_document_as_one_undo_step(state, batch, qtbot) -> None:
    before = state.document
    task = open_file_async(state, batch)
    assert isinstance(task, OpenFileTask)
    with qtbot.waitSignal(task.finished, timeout=20000) as blocker:
        pass
    assert blocker.args == [True]
    assert state.document.title == "val.npz"
    assert state.document.logits.shape == (200, 10)
    assert state.error is None
    fresh = AppState.compute_evaluation(state.document)
    assert state.evaluation.value == fresh.value
    np.testing.assert_array_equal(state.evaluation.row_loss, fresh.row_loss)
    assert state.undo_stack.count() == 1
    state.undo_stack.undo()
    assert state.document is before
    state.undo_stack.redo()
    assert state.document.title == "val.npz"
    assert state.evaluation.value == fresh.value


def test_async_failure_keeps_the_previous_document_and_says_why(state, tmp_path, qtbot) -> None:
    before, evaluation = state.document, state.evaluation
    bad = tmp_path / "bad.npz"
    np.savez(bad, scores=np.zeros((2, 2)))
    messages: list[str] = []
    state.message.connect(messages.append)
    task = open_file_async(state, bad)
    with qtbot.waitSignal(task.failed, timeout=20000) as failed:
        pass
    assert "arrays found: scores" in failed.args[0]
    assert state.document is before and state.evaluation is evaluation
    assert state.undo_stack.count() == 0
    assert any("Could not open bad.npz" in m for m in messages)


def test_finished_false_follows_failed(state, tmp_path, qtbot) -> None:
    seen: list[object] = []
    task = open_file_async(state, tmp_path / "missing.npz")
    task.failed.connect(lambda reason: seen.append(reason))
    task.finished.connect(lambda ok: seen.append(ok))
    with qtbot.waitSignal(task.finished, timeout=20000):
        pass
    assert len(seen) == 2 and "does not exist" in str(seen[0]) and seen[1] is False


def test_cancel_keeps_the_document_even_when_the_worker_finishes_later(
    state, batch, gate, qtbot
) -> None:
    before = state.document
    task = open_file_async(state, batch)
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        task.cancel()
    assert blocker.args == [False]
    gate.set()
    # Let the worker finish and the event loop run: nothing may change afterwards.
    qtbot.wait(300)
    assert state.document is before
    assert state.undo_stack.count() == 0


def test_progress_dialog_appears_and_its_cancel_button_cancels(state, batch, gate, qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    before = state.document
    task = open_file_async(state, batch, parent=window)
    qtbot.waitUntil(lambda: task.dialog is not None, timeout=5000)
    dialog = task.dialog
    assert isinstance(dialog, QProgressDialog) and dialog.isVisible()
    assert "val.npz" in dialog.labelText()
    (button,) = dialog.findChildren(QPushButton)
    assert button.text() == "Cancel"
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        button.click()
    assert blocker.args == [False]
    gate.set()
    assert state.document is before


def test_failure_with_a_parent_window_shows_a_message_box(state, tmp_path, qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    (tmp_path / "b.csv").write_text("a,b,target\n1,x,0\n")
    task = open_file_async(state, tmp_path / "b.csv", parent=window)
    with qtbot.waitSignal(task.finished, timeout=20000):
        pass
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert "column 'b'" in boxes[0].text() and "previous numbers are kept" in boxes[0].text()
    boxes[0].close()


def test_a_second_open_cancels_the_first(state, batch, tmp_path, gate, qtbot) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, input=RNG.normal(size=(5, 3)), target=np.array([0, 1, 2, 0, 1]))
    first = open_file_async(state, batch)
    with qtbot.waitSignal(first.finished, timeout=5000) as cancelled:
        second = open_file_async(state, other)
    assert cancelled.args == [False]
    gate.set()
    with qtbot.waitSignal(second.finished, timeout=20000) as done:
        pass
    assert done.args == [True]
    assert state.document.title == "other.npz"


def test_open_file_sync(state, batch, tmp_path) -> None:
    messages: list[str] = []
    state.message.connect(messages.append)
    assert open_file_sync(state, batch)
    assert state.document.title == "val.npz"
    assert "Opened val.npz" in messages[-1]
    opened = state.document
    assert not open_file_sync(state, tmp_path / "nothing.npy")
    assert state.document is opened
    assert "does not exist" in messages[-1]


def test_closing_the_window_while_opening_cancels_quietly(state, batch, gate, qtbot) -> None:
    window = QWidget()
    window.show()
    before = state.document
    task = open_file_async(state, batch, parent=window)
    qtbot.waitUntil(lambda: task.dialog is not None, timeout=5000)
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        window.deleteLater()
    assert blocker.args == [False]
    gate.set()
    qtbot.wait(200)
    assert state.document is before
