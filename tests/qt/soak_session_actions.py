"""The soak test's actions on sessions and files: save / open, broken and mangled
sessions, the clipboard, autosave and crash restore, batch files, copy as code."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

from lossgui.codegen import numpy_snippet
from lossgui.qt.session_io import SessionController
from lossgui.qt.state import AppState
from lossgui.session import dump_session, load_session, same_document
from tests.qt.session_helpers import ScriptedDialogs
from tests.qt.soak_actions import WindowActions
from tests.qt.soak_inputs import mangle_session_text, same_number


class SessionActions(WindowActions):
    """Seeded random actions through the window's SessionController and File menu."""

    def save_open(self) -> None:
        """Save, maybe edit, open the file again: the saved Document comes back exactly."""
        session = self.session
        self.saves += 1
        path = self.tmp / f"round{self.saves % 3}.lossgui.json"
        saved, selection = self.state.document, self.state.selection
        colouring = self.w.gradient_action.isChecked()
        self.note(f"save_to {path.name}")
        assert session.save_to(path), self.messages[-1:]
        assert not session.is_dirty and session.path == str(path)
        answer = self.rng.choice(["none", "discard", "cancel", "save"])
        if answer != "none":
            self.randomize_quietly()
        self.dialogs.save_changes = "discard" if answer == "none" else answer
        before = self.state.document
        self.note(f"open_path {path.name} (answer {answer})")
        opened = session.open_path(path)
        self.dialogs.save_changes = "discard"
        if answer == "cancel":
            assert not opened and self.state.document is before
            return
        assert opened, self.dialogs.warnings[-1:]
        expected = before if answer == "save" else saved
        assert same_document(self.state.document, expected)
        assert not session.is_dirty and not self.state.undo_stack.canUndo()
        if answer == "none":
            assert self.state.selection == selection
            assert self.w.gradient_action.isChecked() == colouring
        self.baseline = self.state.document  # opening starts a new undo history

    def randomize_quietly(self) -> None:
        seed = self.np_rng.integers(2**32)
        from lossgui.document_convert import randomized

        self.state.edit(lambda d: randomized(d, np.random.default_rng(seed)), "Randomize")

    def open_broken_session(self) -> None:
        good = dump_session(self.state.document, self.session.view())
        broken = self.rng.choice(
            [good[: len(good) // 2], "", "null", "[]", '{"format": "lossgui-session"}',
             good.replace('"version": 1', '"version": 99'), "\x00\x01binary"]
        )  # fmt: skip
        path = self.tmp / "broken.lossgui.json"
        path.write_text(broken, encoding="utf-8")
        before = self.state.document
        warned = len(self.dialogs.warnings)
        self.note(f"open broken session ({len(broken)} chars)")
        assert not self.session.open_path(path)
        assert self.state.document is before
        assert len(self.dialogs.warnings) == warned + 1

    def copy_paste_session(self) -> None:
        self.note("copy session, randomize, paste session")
        self.session.copy_session_action.trigger()
        copied = self.state.document
        self.randomize_quietly()
        self.session.paste_session_action.trigger()
        assert same_document(self.state.document, copied)

    def paste_mangled_session(self) -> None:
        """Paste session text with one random change: taken whole or refused, never half."""
        text = dump_session(self.state.document, self.session.view())
        text = mangle_session_text(text, self.rng, self.state.document.loss)
        before = self.state.document
        QGuiApplication.clipboard().setText(text)
        self.note(f"paste mangled session: {text!r}" if len(text) < 3000 else "paste mangled")
        pasted = self.session.paste_session()
        if not pasted:
            assert self.state.document is before
            assert self.messages[-1].startswith(("The clipboard", "Refused"))

    def paste_foreign_text(self) -> None:
        text = self.rng.choice(["1\t2\n3\t4", "", "   ", "{", '{"format": 1}', "[1, 2]"])
        QGuiApplication.clipboard().setText(text)
        before = self.state.document
        self.note(f"paste session from {text!r}")
        assert not self.session.paste_session()
        assert self.state.document is before

    def autosave_round_trip(self) -> None:
        self.note("autosave_now")
        assert self.session.autosave_now()
        document, view = load_session(self.session.autosave_path)
        assert same_document(document, self.state.document)
        assert view["autosave_modified"] is self.session.is_dirty
        if self.rng.random() < 0.4:
            self._restore_as_after_a_crash(self.session.autosave_path)

    def _restore_as_after_a_crash(self, autosave: Path) -> None:
        """The autosave, left behind as if the process had died, restores exactly."""
        self.note("restore the autosave in a fresh controller")
        self.crash_dir.mkdir(exist_ok=True)
        shutil.copy(autosave, self.crash_dir / "autosave.lossgui.json")
        window = QMainWindow()
        state = AppState(parent=window)
        dialogs = ScriptedDialogs(save_changes="discard")
        ctl = SessionController(
            window, state, data_dir=self.crash_dir, settings=self.crash_settings, dialogs=dialogs
        )
        try:
            assert ctl.offer_restore()
            assert same_document(state.document, self.state.document)
            assert state.selection == self.state.selection
        finally:
            ctl.shutdown()
            window.deleteLater()

    def open_batch_file(self) -> None:
        path = self.rng.choice(self.batches)
        before = self.state.document
        self.note(f"open_file {path.name}")
        opened = self.w.open_file(path)
        self._close_boxes()
        if path.name == "broken.npz":
            assert not opened and self.state.document is before

    def copy_code(self) -> None:
        """Copy as code: the NumPy snippet runs and prints the value the window shows."""
        self.note("copy as PyTorch and NumPy code")
        self.session.copy_pytorch_action.trigger()
        compile(QGuiApplication.clipboard().text(), "pytorch_snippet", "exec")
        self.session.copy_numpy_action.trigger()
        code = QGuiApplication.clipboard().text()
        valid = self.state.error is None
        shown = float(self.state.evaluation.value) if valid else None
        assert code == numpy_snippet(self.state.document, shown)
        if valid and self.state.document.rows <= 64:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, "numpy_snippet", "exec"), {})
            printed = float(out.getvalue().strip().splitlines()[-1])
            assert same_number(printed, shown), (printed, code)
