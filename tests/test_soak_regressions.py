"""Regression tests for bugs the soak test (tests/qt/test_soak.py) found."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from lossgui.document_convert import default_document
from lossgui.presets_doc import preset_document
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.qt.session_io import SessionController
from lossgui.qt.state import AppState
from lossgui.session import (
    SessionError,
    dump_session,
    load_session,
    same_document,
    save_session,
)


class _AnswerSave(SessionDialogs):
    def ask_save_changes(self, parent, name):
        return "save"

    def warn(self, parent, title, text):
        raise AssertionError(text)


def test_reopening_the_current_file_after_saving_shows_what_was_saved(qtbot, tmp_path: Path):
    # Seed 20240611, action #328: edit a saved session, open the same file, answer Save.
    # The file was read before the question, so the window showed the old numbers,
    # marked clean, while the file held the edited ones.
    window = QMainWindow()
    qtbot.addWidget(window)
    state = AppState(parent=window)
    ctl = SessionController(
        window,
        state,
        data_dir=tmp_path / "appdata",
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
        dialogs=_AnswerSave(),
    )
    path = tmp_path / "run.lossgui.json"
    assert ctl.save_to(path)
    assert state.edit(lambda d: d.with_cell(0, 0, 6.5), "edit")
    edited = state.document
    assert ctl.open_path(path)
    assert same_document(load_session(path)[0], edited)
    assert same_document(state.document, edited)
    assert not ctl.is_dirty
    assert not same_document(state.document, default_document())
    ctl.shutdown()


def test_a_preset_whose_pytorch_value_is_nan_saves_and_reopens(tmp_path: Path):
    # Seed 20240611, action #1247: "ce-all-ignored" (PyTorch gives NaN) could not be
    # saved or autosaved at all: "expected is nan, which a session cannot store".
    doc = preset_document("ce-all-ignored")
    assert math.isnan(doc.expected)
    assert same_document(doc, doc)  # NaN-aware: a Document is the same as itself
    path = tmp_path / "ignored.lossgui.json"
    save_session(path, doc)
    assert '"expected": "NaN"' in path.read_text()
    loaded, _ = load_session(path)
    assert math.isnan(loaded.expected) and same_document(loaded, doc)
    assert not same_document(loaded, replace(doc, expected=0.0))
    assert not same_document(replace(doc, expected=None), doc)


def test_expected_accepts_only_the_three_non_finite_names():
    text = dump_session(default_document())
    assert (
        load_session(text.replace('"expected": null', '"expected": "-Infinity"'))[0].expected
        == -math.inf
    )
    with pytest.raises(SessionError, match="expected must be a number"):
        load_session(text.replace('"expected": null', '"expected": "nan"'))
