"""Autosave through SessionController: debounced background writes, one autosave per
instance, the restore offered after a crash (also a real kill -9)."""

from __future__ import annotations

import sys
import threading

import pytest

from lossgui.document_convert import default_document
from lossgui.session import load_session, same_document, save_session
from tests.qt.session_helpers import edit_cell, make_env, run_until_killed


def test_autosave_writes_after_the_last_change(env, qtbot):
    path = env.ctl.autosave_path
    assert path is not None and not path.exists()
    for value in (1.0, 2.0, 3.0):
        edit_cell(env.state, value)
    assert not path.exists()  # debounced: nothing written while changes keep coming
    with qtbot.waitSignal(env.ctl.autosaved):
        pass
    doc, view = load_session(path)
    assert same_document(doc, env.state.document)
    assert view["autosave_modified"] is True


def test_edits_during_a_background_autosave_end_up_on_disk(env, qtbot, monkeypatch):
    import lossgui.qt.session_autosave as autosave

    gate = threading.Event()
    written: list[float] = []
    real_save = autosave.save_session

    def slow_save(path, document, view):
        gate.wait(30)  # the first write stalls (a slow disk) until released
        real_save(path, document, view)
        written.append(float(document.logits[0, 1]))

    monkeypatch.setattr(autosave, "save_session", slow_save)
    edit_cell(env.state, 1.0)
    qtbot.waitUntil(lambda: env.ctl._autosave._worker is not None)
    edit_cell(env.state, 2.0)  # the window stays usable while the write is stuck
    assert env.state.document.logits[0, 1] == 2.0
    gate.set()
    qtbot.waitUntil(lambda: bool(written) and written[-1] == 2.0)
    qtbot.waitUntil(lambda: load_session(env.ctl.autosave_path)[0].logits[0, 1] == 2.0)


def test_second_instance_autosaves_elsewhere_and_offers_nothing(env, qtbot, tmp_path):
    edit_cell(env.state)
    qtbot.waitUntil(lambda: env.ctl.autosave_path.exists())
    second = make_env(qtbot, tmp_path)  # same app-data folder, first still running
    assert second.ctl.autosave_path != env.ctl.autosave_path
    assert not second.ctl.offer_restore()
    assert env.ctl.autosave_path.exists()
    second.ctl.shutdown()


def test_left_over_autosave_is_offered_and_restores_exactly(qtbot, tmp_path):
    crashed = default_document().with_cell(2, 0, -3.75).with_option("weight", (1.0, 0.5, 2.0))
    folder = tmp_path / "appdata"
    folder.mkdir()
    save_session(folder / "autosave.lossgui.json", crashed, {"selection": [2, 0]})
    env = make_env(qtbot, tmp_path)
    assert env.ctl.offer_restore()
    assert same_document(env.state.document, crashed)
    assert env.state.selection == (2, 0)
    assert env.ctl.is_dirty  # restored work is unsaved work
    assert "4 rows × 3 classes" in env.dialogs.asked[0]
    env.state.undo_stack.undo()  # the restore is one undoable step
    assert not same_document(env.state.document, crashed)
    assert not env.ctl.offer_restore()  # offered once
    env.ctl.shutdown()


def test_declined_restore_discards_the_autosave(qtbot, tmp_path):
    folder = tmp_path / "appdata"
    folder.mkdir()
    save_session(folder / "autosave.lossgui.json", default_document().with_cell(0, 0, 8.0))
    env = make_env(qtbot, tmp_path)
    env.dialogs.restore = False
    before = env.state.document
    assert not env.ctl.offer_restore()
    assert env.state.document is before
    env.ctl.shutdown()
    again = make_env(qtbot, tmp_path)
    assert not again.ctl.offer_restore() and again.dialogs.asked == []
    again.ctl.shutdown()


def test_clean_close_leaves_nothing_to_restore(qtbot, tmp_path):
    first = make_env(qtbot, tmp_path)
    edit_cell(first.state)
    qtbot.waitUntil(lambda: first.ctl.autosave_path.exists())
    first.dialogs.save_changes = "discard"
    assert first.ctl.confirm_close()
    second = make_env(qtbot, tmp_path)
    assert not second.ctl.offer_restore()
    second.ctl.shutdown()


_CRASHING_APP = """
import os, signal, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMainWindow
from lossgui.qt.session_io import SessionController
from lossgui.qt.state import AppState
app = QApplication([])
window = QMainWindow()
state = AppState()
ctl = SessionController(window, state, data_dir=sys.argv[1],
                        settings=QSettings(sys.argv[2], QSettings.Format.IniFormat),
                        autosave_delay_ms=10)
ctl.autosaved.connect(lambda _path: os.kill(os.getpid(), signal.SIGKILL))
state.edit(lambda d: d.with_cell(1, 2, 7.25).with_option("label_smoothing", 0.05), "edit")
app.exec()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_kill_9_after_autosave_is_restored_on_next_start(qtbot, tmp_path):
    folder = tmp_path / "appdata"
    run_until_killed(_CRASHING_APP, str(folder), str(tmp_path / "crash.ini"), timeout=120)
    assert (folder / "autosave.lossgui.json").exists()
    env = make_env(qtbot, tmp_path)
    assert env.ctl.offer_restore()
    expected = default_document().with_cell(1, 2, 7.25).with_option("label_smoothing", 0.05)
    assert same_document(env.state.document, expected)
    env.ctl.shutdown()
