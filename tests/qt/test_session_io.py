"""Save / open / autosave / share through SessionController, with no blocking dialog."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from lossgui.document import Document
from lossgui.document_convert import default_document, switch_loss
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.qt.session_io import SessionController
from lossgui.qt.state import AppState
from lossgui.session import dump_session, load_session, same_document, save_session

ROOT = Path(__file__).resolve().parents[2]


class ScriptedDialogs(SessionDialogs):
    """Answers every question from attributes and records what was asked."""

    def __init__(self) -> None:
        self.save_changes = "cancel"
        self.restore = True
        self.save_path = ""
        self.open_path = ""
        self.asked: list[str] = []
        self.warnings: list[str] = []

    def ask_save_changes(self, parent, name):
        self.asked.append(f"save changes to {name}")
        return self.save_changes

    def ask_restore(self, parent, detail):
        self.asked.append(detail)
        return self.restore

    def warn(self, parent, title, text):
        self.warnings.append(text)

    def open_file(self, parent, caption, directory, filters):
        return self.open_path

    def save_file(self, parent, caption, directory, filters):
        self.asked.append(f"save file in {directory}")
        return self.save_path


def make_env(qtbot, tmp_path: Path, document: Document | None = None) -> SimpleNamespace:
    window = QMainWindow()
    window.setWindowTitle("lossgui[*]")
    qtbot.addWidget(window)
    state = AppState(document, parent=window)
    dialogs = ScriptedDialogs()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctl = SessionController(
        window,
        state,
        data_dir=tmp_path / "appdata",
        settings=settings,
        dialogs=dialogs,
        autosave_delay_ms=20,
    )
    messages: list[str] = []
    state.message.connect(messages.append)
    return SimpleNamespace(window=window, state=state, ctl=ctl, dialogs=dialogs, messages=messages)


@pytest.fixture
def env(qtbot, tmp_path):
    made = make_env(qtbot, tmp_path)
    yield made
    made.ctl.shutdown()


def edit_cell(state: AppState, value: float = 9.5) -> None:
    assert state.edit(lambda d: d.with_cell(0, 1, value), "Edit logit")


# ------------------------------------------------------------- save / open
def test_save_then_open_gives_the_identical_document(env, qtbot, tmp_path):
    doc = switch_loss(default_document(), "cross_entropy", "probability").with_option(
        "label_smoothing", 0.15
    )
    env.state.edit(lambda _d: doc, "Set")
    env.state.select(3, 2)
    path = tmp_path / "run.lossgui.json"
    assert env.ctl.save_to(path)
    other = make_env(qtbot, tmp_path / "second")
    loaded: list[dict] = []
    other.ctl.viewLoaded.connect(loaded.append)
    assert other.ctl.open_path(str(path))
    assert same_document(other.state.document, doc)
    assert other.state.selection == (3, 2)
    assert loaded == [{"selection": [3, 2]}]
    assert other.ctl.path == str(path) and not other.ctl.is_dirty
    assert not other.state.undo_stack.canUndo()  # opening starts a fresh history
    other.ctl.shutdown()


def test_save_as_asks_for_a_name_and_adds_the_suffix(env, tmp_path):
    env.dialogs.save_path = str(tmp_path / "experiment.json")
    paths: list[str] = []
    env.ctl.pathChanged.connect(paths.append)
    assert env.ctl.save()  # untitled: Save behaves as Save As
    assert paths == [str(tmp_path / "experiment.lossgui.json")]
    assert load_session(paths[0])[0].title == env.state.document.title
    assert env.window.windowFilePath() == paths[0]


def test_cancelled_save_as_writes_nothing(env, tmp_path):
    edit_cell(env.state)
    assert not env.ctl.save_as()
    assert env.ctl.is_dirty and env.ctl.path is None


def test_dirty_flag_follows_edits_save_and_undo(env, qtbot, tmp_path):
    assert not env.ctl.is_dirty and not env.window.isWindowModified()
    with qtbot.waitSignal(env.ctl.dirtyChanged) as blocker:
        edit_cell(env.state)
    assert blocker.args == [True] and env.window.isWindowModified()
    assert env.ctl.save_to(tmp_path / "a.lossgui.json")
    assert not env.ctl.is_dirty and not env.window.isWindowModified()
    env.state.undo_stack.undo()
    assert env.ctl.is_dirty  # the document no longer matches the file


def test_save_failure_is_reported_and_keeps_the_state_dirty(env, tmp_path):
    edit_cell(env.state)
    assert not env.ctl.save_to(tmp_path / "no" / "such" / "dir" / "x.lossgui.json")
    assert env.ctl.is_dirty
    assert "Could not save x.lossgui.json" in env.dialogs.warnings[0]


def test_opening_a_broken_file_changes_nothing_and_says_why(env, tmp_path):
    before = env.state.document
    path = tmp_path / "broken.lossgui.json"
    path.write_text('{"format": "lossgui-session", "version": 7}')
    assert not env.ctl.open_path(path)
    assert env.state.document is before
    assert "newer lossgui" in env.dialogs.warnings[0]
    assert env.dialogs.asked == []  # no question about unsaved changes for a file we cannot open


# ------------------------------------------------------------ confirm close
def test_confirm_close_clean_does_not_ask(env):
    assert env.ctl.confirm_close()
    assert env.dialogs.asked == []


def test_confirm_close_cancel_keeps_everything(env, qtbot):
    edit_cell(env.state)
    qtbot.waitUntil(lambda: env.ctl.autosave_path.exists())
    env.dialogs.save_changes = "cancel"
    assert not env.ctl.confirm_close()
    assert env.dialogs.asked == ["save changes to the untitled session"]
    assert env.ctl.is_dirty and env.ctl.autosave_path.exists()


def test_confirm_close_discard_removes_the_autosave(env, qtbot):
    edit_cell(env.state)
    qtbot.waitUntil(lambda: env.ctl.autosave_path.exists())
    env.dialogs.save_changes = "discard"
    assert env.ctl.confirm_close()
    assert not env.ctl.autosave_path.exists()


def test_confirm_close_save_writes_the_file(env, tmp_path):
    path = tmp_path / "kept.lossgui.json"
    assert env.ctl.save_to(path)
    edit_cell(env.state, 4.25)
    env.dialogs.save_changes = "save"
    assert env.ctl.confirm_close()
    assert load_session(path)[0].logits[0, 1] == 4.25


def test_confirm_close_save_then_cancelled_name_keeps_window_open(env):
    edit_cell(env.state)
    env.dialogs.save_changes = "save"
    env.dialogs.save_path = ""
    assert not env.ctl.confirm_close()


def test_open_over_unsaved_changes_asks_first(env, tmp_path):
    path = tmp_path / "other.lossgui.json"
    save_session(path, switch_loss(default_document(), "nll_loss"))
    edit_cell(env.state)
    edited = env.state.document
    env.dialogs.save_changes = "cancel"
    assert not env.ctl.open_path(path)
    assert env.state.document is edited
    env.dialogs.save_changes = "discard"
    assert env.ctl.open_path(path)
    assert env.state.document.loss == "nll_loss" and not env.ctl.is_dirty


def test_real_dialog_can_be_answered_without_blocking(qtbot):
    parent = QMainWindow()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Discard).click()

    QTimer.singleShot(0, answer)
    assert SessionDialogs().ask_save_changes(parent, "run.lossgui.json") == "discard"
    assert seen == ["Save the changes to run.lossgui.json?"]


# ----------------------------------------------------------------- autosave
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
    env_vars = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_APP, str(folder), str(tmp_path / "crash.ini")],
        env=env_vars,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert (folder / "autosave.lossgui.json").exists()
    env = make_env(qtbot, tmp_path)
    assert env.ctl.offer_restore()
    expected = default_document().with_cell(1, 2, 7.25).with_option("label_smoothing", 0.05)
    assert same_document(env.state.document, expected)
    env.ctl.shutdown()


# -------------------------------------------------------------------- share
def test_copy_and_paste_session_text_through_the_clipboard(env):
    original = switch_loss(default_document(), "cosine_embedding_loss")
    env.state.edit(lambda _d: original, "Set")
    env.ctl.copy_session_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert json.loads(text)["document"]["loss"] == "cosine_embedding_loss"
    env.state.edit(lambda _d: default_document(), "Reset")
    env.ctl.paste_session_action.trigger()
    assert same_document(env.state.document, original)
    env.state.undo_stack.undo()  # paste is an ordinary undoable edit
    assert env.state.document.loss == "cross_entropy"


def test_pasting_something_else_changes_nothing(env):
    before = env.state.document
    QGuiApplication.clipboard().setText("1.0\t2.0\n3.0\t4.0")
    assert not env.ctl.paste_session()
    assert env.state.document is before
    assert env.messages[-1].startswith("The clipboard does not hold a lossgui session")
    QGuiApplication.clipboard().setText(
        dump_session(before).replace('"version": 1', '"version": 3')
    )
    assert not env.ctl.paste_session()
    assert "newer lossgui" in env.messages[-1]


def test_copy_as_code_puts_runnable_code_on_the_clipboard(env):
    env.ctl.copy_pytorch_action.trigger()
    torch_code = QGuiApplication.clipboard().text()
    assert "F.cross_entropy(" in torch_code
    assert f"lossgui shows {env.state.evaluation.value!r}" in torch_code
    env.ctl.copy_numpy_action.trigger()
    compile(QGuiApplication.clipboard().text(), "numpy", "exec")


def test_actions_and_shortcuts(env):
    assert env.ctl.save_action.shortcut() == QKeySequence("Ctrl+S")
    assert env.ctl.save_as_action.shortcut() == QKeySequence("Ctrl+Shift+S")
    assert env.ctl.copy_session_action.shortcut() == QKeySequence("Ctrl+Shift+C")
    assert env.ctl.paste_session_action.shortcut() == QKeySequence("Ctrl+Shift+V")
    assert env.ctl.open_action.shortcut().isEmpty()  # Ctrl+O stays the window's File > Open
    assert env.ctl.recent_menu.menuAction() in env.ctl.file_actions
    assert all(a.toolTip() for a in env.ctl.edit_actions)


def test_broken_view_provider_does_not_block_saving(env, tmp_path, capsys):
    env.ctl.set_view_provider(lambda: 1 / 0)
    assert env.ctl.save_to(tmp_path / "v.lossgui.json")
    env.ctl.set_view_provider(lambda: {"tab": "Numerics"})
    assert env.ctl.save_to(tmp_path / "v.lossgui.json")
    assert load_session(tmp_path / "v.lossgui.json")[1]["tab"] == "Numerics"


# ------------------------------------------------------------------- recent
def test_recent_files_newest_first_capped_and_pruned(env, tmp_path):
    paths = [tmp_path / f"s{i}.lossgui.json" for i in range(10)]
    for path in paths:
        assert env.ctl.save_to(path)
    recent = env.ctl.recent_files()
    assert recent == [str(p) for p in reversed(paths)][:8]
    paths[9].unlink()
    env.ctl.recent_menu.aboutToShow.emit()
    assert env.ctl.recent_files()[0] == str(paths[8])
    texts = [a.text() for a in env.ctl.recent_menu.actions() if not a.isSeparator()]
    assert texts[0] == "&1 s8.lossgui.json" and texts[-1] == "Clear List"


def test_picking_a_recent_file_opens_it(env, tmp_path):
    path = tmp_path / "recent.lossgui.json"
    save_session(path, switch_loss(default_document(), "kl_div"))
    assert env.ctl.open_path(path)
    env.state.edit(lambda _d: default_document(), "Reset")
    env.dialogs.save_changes = "discard"
    env.ctl.recent_menu.aboutToShow.emit()
    env.ctl.recent_menu.actions()[0].trigger()
    assert env.state.document.loss == "kl_div"


# ---------------------------------------------------------------------- CSV
def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_csv_export_holds_inputs_and_computed_columns(env, tmp_path):
    doc = default_document().with_option("ignore_index", 1)
    env.state.edit(lambda _d: doc, "Set")
    path = tmp_path / "grid.csv"
    assert env.ctl.export_csv(path)
    header, *rows = _read_csv(path)
    assert header == [
        "row", "logit 0", "logit 1", "logit 2", "target", "p(target)", "loss", "share",
    ]  # fmt: skip
    assert len(rows) == 4
    assert rows[0][:5] == ["0", "2.0", "1.0", "0.1", "0"]
    evaluation = env.state.evaluation
    assert float(rows[0][5]) == evaluation.target_prob[0]
    assert rows[1][5] == ""  # row 1's target is ignored: no p(target)
    assert [float(r[6]) for r in rows] == evaluation.row_loss.tolist()
    assert sum(float(r[7]) for r in rows) == pytest.approx(1.0)


def test_csv_export_of_spatial_and_probability_batches(env, tmp_path):
    spatial = Document(
        loss="cross_entropy",
        logits=np.arange(12, dtype=np.float32).reshape(1, 3, 2, 2) / 10,
        target=np.array([[[0, 1], [2, 0]]]),
    )
    env.state.edit(lambda _d: spatial, "Set")
    assert env.ctl.export_csv(tmp_path / "s.csv")
    header, *rows = _read_csv(tmp_path / "s.csv")
    assert [r[0] for r in rows] == ["n=0 (0, 0)", "n=0 (0, 1)", "n=0 (1, 0)", "n=0 (1, 1)"]
    assert rows[1][1:4] == ["0.1", "0.5", "0.9"]  # float32 values written short and exact
    probability = switch_loss(default_document(), "kl_div")
    env.state.edit(lambda _d: probability, "Set")
    assert env.ctl.export_csv(tmp_path / "p.csv")
    header, *rows = _read_csv(tmp_path / "p.csv")
    assert header[4:] == ["target 0", "target 1", "target 2", "loss", "share"]


def test_csv_export_of_a_rejected_batch_leaves_computed_columns_empty(env, tmp_path):
    env.state.edit(lambda d: d.with_option("weight", (1.0, 1.0, 1.0)), "w")
    bad = Document(loss="cross_entropy", logits=np.zeros((2, 3)), target=np.array([0, 7]))
    env.state.edit(lambda _d: bad, "Set")
    assert env.state.error
    assert env.ctl.export_csv(tmp_path / "bad.csv")
    _, *rows = _read_csv(tmp_path / "bad.csv")
    assert rows[1][4:] == ["7", "", "", ""]
    assert "computed columns left empty" in env.messages[-1]
