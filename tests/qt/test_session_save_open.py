"""Save, Save As, open, the dirty flag, confirm-on-close and recent files through
SessionController, with no blocking dialog."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from lossgui.document_convert import default_document, switch_loss
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.session import load_session, same_document, save_session
from tests.qt.session_helpers import edit_cell, make_env


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
