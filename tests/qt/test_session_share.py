"""Sharing a session through SessionController: session text and code on the clipboard,
the File / Edit actions and their shortcuts."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication, QKeySequence

from lossgui.document_convert import default_document, switch_loss
from lossgui.session import dump_session, load_session, same_document


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
