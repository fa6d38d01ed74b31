"""Soak tests: thousands of seeded user actions on the whole window, and a real kill -9.

:func:`test_soak_thousands_of_actions` drives a full MainWindow with a
deterministic random mix of everything a user does: typing numbers and
garbage into cells, option changes (valid and refused), loss / target /
transform / dtype switches, resizes, Randomize, presets, undo and redo bursts,
selection changes, pasted blocks, session save / open round trips, opening
broken files, copying and pasting session text (also mangled text), opening
float32 batch files, copying the computation as code, and autosave round
trips including a simulated crash recovery. After every action the window
must agree with a fresh evaluation of its Document, and at checkpoints and at
the end undoing everything must give back the Document the undo history
started from. A failure names the seed, the step and the last actions, so it
can be replayed.

:func:`test_case_survives_kill_9_through_the_full_window` runs the real
window in a subprocess, builds a case with the widgets, saves and reopens it,
lets the autosave write, dies by SIGKILL, and checks that the next window
offers the autosave and restores exactly that case.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from lossgui.codegen import numpy_snippet
from lossgui.core.evaluate import evaluate
from lossgui.core.presets import PRESETS
from lossgui.core.registry import LOSSES
from lossgui.document import Document
from lossgui.presets_doc import preset_document
from lossgui.qt import MainWindow
from lossgui.qt.grid_columns import layout_of
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.qt.session_io import SessionController
from lossgui.qt.state import AppState
from lossgui.session import dump_session, load_session, same_document

ROOT = Path(__file__).resolve().parents[2]
SEED = 20_240_611
ACTIONS = 2_000
TILED_ACTIONS = 600  # the first actions run with every plot panel on screen at once
CHECKPOINT_EVERY = 500  # undo everything, compare, redo everything, compare

_SMALL_PRESETS = sorted(name for name, p in PRESETS.items() if p.logits.shape[0] < 100)
_GARBAGE = ["", " ", "abc", "nan", "NaN", "inf", "-inf", "1e999", "-1e999", "1,5", "--2",
            "0x10", "None", "½", "1e", "١٢", "3.0.1", "+", "[1]"]  # fmt: skip
# Extreme numbers: float32's edge (3.4028235e38), beyond it (inf in float32, as torch), subnormals.
_EXTREME = [
    "3.4e38", "-3.4e38", "1e300", "-3.5e38", "1e-310",
    "-0.0", "0", "1e-45", "65504", "88.8", "-104",
]  # fmt: skip
_TARGETS = ["0", "1", "2", "3", "-1", "-100", "255", "1.5", "1.0", "7", "2147483648", "-0"]
_TARGET_CELLS = ["0", "1", "0.5", "0.25", "-0.5", "2", "1e-300", "0.999"]
_OPTIONS: dict[str, list[Any]] = {
    "weight": [None, "ones", "random", "negative", "short", "long", "nan", ("a",), 3.0],
    "pos_weight": [None, "ones", "random", "negative", "short", "nan"],
    "ignore_index": [-100, 0, 1, 2, 255, -1, 2.5, "x", 2**40, "3"],
    "label_smoothing": [0.0, 0.1, 0.5, 1.0, 1.5, -0.1, "x", float("nan"), "0.2"],
    "reduction": ["mean", "sum", "none", "batchmean", "bogus", None],
    "alpha": [0.25, -1.0, 0.9, 2.0, -0.5, 1.0],
    "gamma": [0.0, 2.0, 5.0, -1.0, 11.0],
    "margin": [0.0, 0.5, -0.5, 1e9, 1.0, -1.0, 2.0],
    "p": [1, 2, 3, 0, 1.5],
    "log_target": [True, False, 1, "yes"],
}
_PASTES = [
    "1\t2\t3\n4\t5\t6",
    "0.5, -0.5\n1e-3, 2",
    "array([[1., 2.], [3., 4.]], dtype=float32)",
    "tensor([[ 0.1000, -2.0000,  3.5000]], grad_fn=<AddBackward0>)",
    "[[3.4e38, -3.4e38]]",
    "[[1, 2", "abc", "", "nan\t1", "1e999", "[[1, [2]]]", "1;2;3", "-0.0",
]  # fmt: skip


class _Dialogs(SessionDialogs):
    """Scripted answers, so no question ever blocks the run."""

    def __init__(self, save_as: str = "") -> None:
        self.save_changes = "discard"
        self.restore = True
        self.save_as = save_as
        self.warnings: list[str] = []

    def ask_save_changes(self, parent: object, name: str) -> str:
        return self.save_changes

    def ask_restore(self, parent: object, detail: str) -> bool:
        return self.restore

    def warn(self, parent: object, title: str, text: str) -> None:
        self.warnings.append(text)

    def open_file(self, parent: object, caption: str, directory: str, filters: str) -> str:
        return ""

    def save_file(self, parent: object, caption: str, directory: str, filters: str) -> str:
        return self.save_as


def _same_number(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _finite(doc: Document) -> bool:
    arrays = [doc.logits, doc.target] + ([doc.input2] if doc.input2 is not None else [])
    numbers = [v for value in doc.options.values() if isinstance(value, tuple) for v in value]
    numbers += [v for v in doc.options.values() if isinstance(v, float)]
    return all(np.all(np.isfinite(a)) for a in arrays) and all(map(math.isfinite, numbers))


def _write_batches(folder: Path, rng: np.random.Generator) -> list[Path]:
    """Batch files a user might open: float32 logits, class weights, a spatial map."""
    folder.mkdir()
    files = {
        "f32.npz": {
            "logits": rng.normal(0, 3, (6, 4)).astype(np.float32),
            "target": rng.integers(0, 4, 6),
        },
        "weighted.npz": {
            "input": rng.normal(0, 1, (5, 3)).astype(np.float32),
            "labels": rng.integers(0, 3, 5),
            "weight": np.array([1.0, 0.25, 4.0]),
        },
        "spatial.npz": {
            "logits": rng.normal(0, 2, (2, 3, 3, 2)).astype(np.float32),
            "target": np.where(rng.random((2, 3, 2)) < 0.2, 255, rng.integers(0, 3, (2, 3, 2))),
        },
        "multilabel.npz": {
            "logits": rng.normal(0, 2, (4, 5)),
            "target": (rng.random((4, 5)) < 0.3).astype(np.float64),
        },
    }
    paths = []
    for name, arrays in files.items():
        np.savez(folder / name, **arrays)
        paths.append(folder / name)
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
    paths.append(folder / "broken.npz")
    return paths


class _Soak:
    """Performs seeded random actions on a MainWindow and checks it after each one."""

    def __init__(self, window: MainWindow, dialogs: _Dialogs, tmp_path: Path, seed: int) -> None:
        self.w = window
        self.state = window.state
        assert window.session is not None
        self.session = window.session
        self.dialogs = dialogs
        self.tmp = tmp_path
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.batches = _write_batches(tmp_path / "batches", self.np_rng)
        self.log: list[str] = []
        self.counts: Counter[str] = Counter()
        self.messages: list[str] = []
        self.state.message.connect(self.messages.append)
        self.baseline = self.state.document  # where the undo history starts
        self.crash_dir = tmp_path / "crash"
        self.crash_settings = QSettings(str(tmp_path / "crash.ini"), QSettings.Format.IniFormat)
        self.saves = 0

    # ------------------------------------------------------------- helpers
    def note(self, text: str) -> None:
        self.log.append(text)

    def _column(self, kinds: tuple[str, ...]) -> int | None:
        model = self.w.grid.model
        cols = [c for c in range(model.columnCount()) if model.column(c).kind in kinds]
        return self.rng.choice(cols) if cols else None

    def _set_cell(self, kinds: tuple[str, ...], values: Callable[[str], str]) -> None:
        model = self.w.grid.model
        col = self._column(kinds)
        if col is None or model.rowCount() == 0:
            self.note(f"no {kinds} column")
            return
        row = self.rng.randrange(model.rowCount())
        value = values(model.column(col).kind)
        self.note(f"setData({row}, {col} [{model.column(col).kind}], {value!r})")
        model.setData(model.index(row, col), value)

    def _option_value(self, name: str, value: Any) -> Any:
        classes = self.state.document.classes
        vectors = {
            "ones": (1.0,) * classes,
            "random": tuple(round(self.rng.uniform(0, 3), 3) for _ in range(classes)),
            "negative": (-1.0,) * classes,
            "short": (1.0,) * (classes - 1),
            "long": (1.0,) * (classes + 1),
            "nan": (float("nan"),) * classes,
        }
        return vectors.get(value, value) if isinstance(value, str) else value

    def _close_boxes(self) -> None:
        # window._warn opens non-blocking boxes; a user would close them.
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                widget.close()

    # ------------------------------------------------------------- actions
    def edit_logit(self) -> None:
        def value(kind: str) -> str:
            roll = self.rng.random()
            if roll < 0.25:
                return self.rng.choice(_GARBAGE)
            if roll < 0.35:
                return self.rng.choice(_EXTREME)
            if self.state.document.loss == "binary_cross_entropy" and roll < 0.7:
                return f"{self.rng.uniform(0, 1):.4f}"
            return f"{self.rng.uniform(-12, 12):.3f}"

        self._set_cell(("logit", "input2"), value)

    def edit_target(self) -> None:
        def value(kind: str) -> str:
            if self.rng.random() < 0.2:
                return self.rng.choice(_GARBAGE)
            return self.rng.choice(_TARGETS if kind == "target" else _TARGET_CELLS)

        self._set_cell(("target", "target_cell"), value)

    def change_option(self) -> None:
        doc = self.state.document
        names = [o.name for o in doc.spec.options]
        if self.rng.random() < 0.1:
            names = list(_OPTIONS)  # some options this loss does not have: refused
        name = self.rng.choice(names)
        value = self._option_value(name, self.rng.choice(_OPTIONS[name]))
        self.note(f"with_option({name!r}, {value!r})")
        self.state.edit(lambda d: d.with_option(name, value), f"Set {name}")

    def switch_loss(self) -> None:
        box = self.w.controls.loss_box
        index = self.rng.randrange(box.count())
        self.note(f"loss_box -> {box.itemData(index)}")
        box.setCurrentIndex(index)

    def switch_combo(self) -> None:
        controls = self.w.controls
        name, box = self.rng.choice(
            [("target", controls.target_box), ("transform", controls.transform_box),
             ("dtype", controls.dtype_box)]
        )  # fmt: skip
        if box.count():
            index = self.rng.randrange(box.count())
            self.note(f"{name}_box -> {box.itemData(index) or box.itemText(index)}")
            box.setCurrentIndex(index)

    def resize(self) -> None:
        controls = self.w.controls
        if self.rng.random() < 0.5:
            value = self.rng.choice([1, 2, 3, 4, 6, 10, 33, 200])
            self.note(f"rows_spin -> {value}")
            controls.rows_spin.setValue(value)
        else:
            value = self.rng.choice([2, 3, 4, 5, 9, 64])
            self.note(f"classes_spin -> {value}")
            controls.classes_spin.setValue(value)

    def randomize(self) -> None:
        self.note("randomize")
        self.w.randomize_action.trigger()

    def load_preset(self) -> None:
        names = list(PRESETS) if self.rng.random() < 0.1 else _SMALL_PRESETS
        name = self.rng.choice(names)
        self.note(f"preset {name}")
        self.w.preset_actions[name].trigger()

    def undo_burst(self) -> None:
        self._burst(self.w.undo_action, "undo")

    def redo_burst(self) -> None:
        self._burst(self.w.redo_action, "redo")

    def _burst(self, action: Any, what: str) -> None:
        times = self.rng.choice([1, 1, 2, 3, 5, 8, 20])
        self.note(f"{what} x{times}")
        for _ in range(times):
            if not action.isEnabled():
                break
            action.trigger()
            self.check()

    def select(self) -> None:
        model, view = self.w.grid.model, self.w.grid.view
        if self.rng.random() < 0.5:
            doc = self.state.document
            row, col = self.rng.randrange(doc.rows + 2) - 1, self.rng.randrange(doc.classes + 2) - 1
            self.note(f"select({row}, {col})")
            self.state.select(row, col)
        else:
            row, col = self.rng.randrange(model.rowCount()), self.rng.randrange(model.columnCount())
            self.note(f"setCurrentIndex({row}, {col})")
            view.setCurrentIndex(model.index(row, col))

    def paste_block(self) -> None:
        model, view = self.w.grid.model, self.w.grid.view
        row, col = self.rng.randrange(model.rowCount()), self.rng.randrange(model.columnCount())
        view.setCurrentIndex(model.index(row, col))
        if self.rng.random() < 0.5:
            rows, cols = self.rng.randint(1, 4), self.rng.randint(1, 4)
            text = "\n".join(
                "\t".join(f"{self.rng.uniform(-5, 5):.4g}" for _ in range(cols))
                for _ in range(rows)
            )
        else:
            text = self.rng.choice(_PASTES)
        self.note(f"paste at ({row}, {col}): {text!r}")
        self.w.grid.paste(text)

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
        text = self._mangle(text)
        before = self.state.document
        QGuiApplication.clipboard().setText(text)
        self.note(f"paste mangled session: {text!r}" if len(text) < 3000 else "paste mangled")
        pasted = self.session.paste_session()
        if not pasted:
            assert self.state.document is before
            assert self.messages[-1].startswith(("The clipboard", "Refused"))

    def _mangle(self, text: str) -> str:
        rng = self.rng
        pos = rng.randrange(len(text))
        choice = rng.randrange(8)
        if choice == 0:
            return text[:pos] + text[pos + rng.randint(1, 5) :]
        if choice == 1:
            return text[:pos] + rng.choice('0123456789-+.eE,[]{}"x :') + text[pos + 1 :]
        if choice == 2:
            digits = [i for i, ch in enumerate(text) if ch.isdigit()]
            i = rng.choice(digits)
            token = rng.choice(["1e999", "NaN", "-0", "1e-400", "true", "null", '"1"', "3e38",
                                "-Infinity", "123456789012345678901234567890", "2.5"])  # fmt: skip
            return text[:i] + token + text[i + 1 :]
        if choice == 3:
            old, new = rng.choice([("float64", "float32"), ("float32", "float64"),
                                   ("float64", "float16"), ("float32", "int64")])  # fmt: skip
            return text.replace(old, new, 1)
        if choice == 4:
            loss = rng.choice(list(LOSSES))
            return text.replace(f'"loss": "{self.state.document.loss}"', f'"loss": "{loss}"')
        if choice == 5:
            kind = rng.choice(["index", "probability", "binary", "sign", "bogus"])
            head, _, rest = text.partition('"target_kind": "')
            return head + '"target_kind": "' + kind + rest[rest.index('"') :]
        if choice == 6:
            return text.replace('"options": {', '"options": {"reduction": "sum", ', 1)
        return text[:pos]

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
        dialogs = _Dialogs()
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

    def toggle_colouring(self) -> None:
        self.note("toggle gradient colouring")
        self.w.gradient_action.trigger()

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
            assert _same_number(printed, shown), (printed, code)

    # -------------------------------------------------------------- checks
    def check(self) -> None:
        """What must hold after any action."""
        state, doc, model = self.state, self.state.document, self.w.grid.model
        internal = [m for m in self.messages if "internal error" in m.lower()]
        assert not internal, internal[:3]
        assert _finite(doc), "the Document holds a non-finite number"
        error = state.error
        if error is not None:
            assert isinstance(error, str) and len(error.split()) >= 3, repr(error)
            assert "internal error" not in error.lower() and "Traceback" not in error
        layout = layout_of(doc)
        assert model.rowCount() == doc.rows == layout.rows
        assert model.columnCount() == len(layout.columns)
        kinds = [model.column(c).kind for c in range(model.columnCount())]
        assert kinds.count("logit") == doc.classes
        controls = self.w.controls
        assert controls.loss_box.currentData() == doc.loss
        assert controls.dtype_box.currentText() == doc.dtype
        assert controls.target_box.currentData() == doc.target_kind
        assert controls.transform_box.currentData() == doc.transform
        row, col = state.selection
        assert 0 <= row < doc.rows and 0 <= col < doc.classes
        if error is None and not state.computing:  # (a batch this small is never computing)
            fresh = evaluate(
                doc.loss, doc.logits, doc.target, doc.options,
                transform=doc.transform, dtype=doc.dtype, input2=doc.input2,
            )  # fmt: skip
            shown = state.evaluation
            assert _same_number(float(fresh.value), float(shown.value)), (fresh.value, shown.value)
            assert np.array_equal(fresh.row_loss, shown.row_loss, equal_nan=True)

    def checkpoint(self) -> None:
        """Undo everything (back to the start of the history), then redo everything."""
        stack = self.state.undo_stack
        end, at_end = self.state.document, stack.index() == stack.count()
        self.note(f"checkpoint: undo {stack.index()} steps, redo {stack.count()}")
        while self.w.undo_action.isEnabled():
            self.w.undo_action.trigger()
        assert same_document(self.state.document, self.baseline)
        self.check()
        while self.w.redo_action.isEnabled():
            self.w.redo_action.trigger()
        if at_end:
            assert same_document(self.state.document, end)
        self.check()

    # ---------------------------------------------------------------- run
    ACTIONS: tuple[tuple[str, float], ...] = (
        ("edit_logit", 20),
        ("edit_target", 9),
        ("change_option", 12),
        ("switch_loss", 6),
        ("switch_combo", 7),
        ("resize", 5),
        ("randomize", 4),
        ("load_preset", 5),
        ("undo_burst", 7),
        ("redo_burst", 4),
        ("select", 5),
        ("paste_block", 5),
        ("save_open", 2.5),
        ("open_broken_session", 1),
        ("copy_paste_session", 2),
        ("paste_mangled_session", 3),
        ("paste_foreign_text", 1),
        ("autosave_round_trip", 2),
        ("open_batch_file", 1.5),
        ("toggle_colouring", 1),
        ("copy_code", 1.5),
    )

    def step(self, index: int) -> None:
        names, weights = zip(*self.ACTIONS, strict=True)
        name = self.rng.choices(names, weights)[0]
        self.counts[name] += 1
        self.log.append(f"#{index} {name}")
        getattr(self, name)()
        self.check()

    def context(self, index: int) -> str:
        recent = "\n  ".join(self.log[-25:])
        return f"seed={SEED}, action #{index}; last actions:\n  {recent}"


def test_soak_thousands_of_actions(qtbot, tmp_path: Path) -> None:
    """2,000 seeded actions on the full window: nothing breaks, nothing drifts, undo is exact."""
    dialogs = _Dialogs(save_as=str(tmp_path / "saved-as.lossgui.json"))
    window = MainWindow(
        restore=False,
        session_options={
            "data_dir": tmp_path / "appdata",
            "dialogs": dialogs,
            "settings": QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
            "autosave_delay_ms": 30,  # background autosaves keep happening during the run
        },
    )
    qtbot.addWidget(window)
    # Randomize is the window's only unseeded randomness: seed it so a failure replays.
    window.controls._rng = np.random.default_rng(SEED)
    window.tile_panels()
    window.show()
    qtbot.waitExposed(window)
    soak = _Soak(window, dialogs, tmp_path, SEED)
    soak.check()
    for i in range(ACTIONS):
        if i == TILED_ACTIONS:
            window.tab_panels()  # the default layout: two groups of tabbed panels
        try:
            soak.step(i)
            if i % 10 == 0:
                # Let repaints, deferred redraws and autosave timers run; an exception
                # raised while painting is pinned to the last ten actions.
                with qtbot.capture_exceptions() as raised:
                    qtbot.wait(1)
                assert not raised, "".join(traceback.format_exception(*raised[0]))
                soak.check()
            if i and i % CHECKPOINT_EVERY == 0:
                soak.checkpoint()
        except AssertionError as err:
            raise AssertionError(f"{err}\n{soak.context(i)}") from err
    qtbot.wait(50)
    soak.check()
    soak.checkpoint()
    # Undo everything at the very end: the Document the history started from.
    while window.undo_action.isEnabled():
        window.undo_action.trigger()
    assert same_document(window.state.document, soak.baseline), soak.context(ACTIONS)
    soak.check()
    # The run did real work of every kind, and refused garbage with a reason.
    assert all(soak.counts[name] >= 10 for name, _ in _Soak.ACTIONS), soak.counts
    assert sum(m.startswith("Refused:") for m in soak.messages) >= 100
    assert sum(m.startswith("Opened ") for m in soak.messages) >= 10
    print(f"\nsoak: {ACTIONS} actions, seed {SEED}: {dict(soak.counts)}")
    window.close_without_asking()


# --------------------------------------------------------------------------- kill -9
_CRASHING_WINDOW = """
import os, signal, sys
from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication
from lossgui.qt import MainWindow
from lossgui.qt.session_dialogs import SessionDialogs

data_dir, ini, session_path, unsaved = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
app = QApplication([])
QStandardPaths.setTestModeEnabled(True)
settings = QSettings(ini, QSettings.Format.IniFormat)
window = MainWindow(restore=False, session_options={
    "data_dir": data_dir, "settings": settings, "dialogs": SessionDialogs(),
    "autosave_delay_ms": 20})
window.show()
state, grid, controls = window.state, window.grid.model, window.controls
assert window.load_preset("ce-label-smoothing-weights")
grid.setData(grid.index(1, grid.column_of("logit", 0)), "-2.75")
grid.setData(grid.index(3, grid.column_of("target", 0)), "0")
assert state.edit(lambda d: d.with_option("label_smoothing", 0.3), "smoothing")
controls.dtype_box.setCurrentText("float64")
state.select(2, 1)
assert window.session.save_to(session_path)
assert window.session.open_path(session_path)
if unsaved:
    grid.setData(grid.index(0, grid.column_of("logit", 1)), "4.5")
# Opening was a change too, so an autosave is due either way.
window.session.autosaved.connect(lambda _path: os.kill(os.getpid(), signal.SIGKILL))
QTimer.singleShot(60_000, lambda: sys.exit(3))  # never hang the test run
app.exec()
"""


def _expected_case(unsaved: bool) -> Document:
    doc = (
        preset_document("ce-label-smoothing-weights")
        .with_cell(1, 0, -2.75)
        .with_target(3, 0)
        .with_option("label_smoothing", 0.3)
        .with_dtype("float64")
    )
    return doc.with_cell(0, 1, 4.5) if unsaved else doc


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
@pytest.mark.parametrize("unsaved", [False, True], ids=["saved", "unsaved-edit"])
def test_case_survives_kill_9_through_the_full_window(qtbot, tmp_path: Path, unsaved) -> None:
    """Preset + edits, save, open (+ an unsaved edit), kill -9: the next start restores it."""
    data_dir, session_path = tmp_path / "appdata", tmp_path / "case.lossgui.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    args = [str(data_dir), str(tmp_path / "crash.ini"), str(session_path), "1" if unsaved else "0"]
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_WINDOW, *args], env=env, capture_output=True, timeout=180
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    expected = _expected_case(unsaved)
    # What the window built through its widgets is what the file holds after save and open.
    assert same_document(load_session(session_path)[0], _expected_case(False))

    dialogs = _Dialogs()
    window = MainWindow(
        session_options={
            "data_dir": data_dir,
            "dialogs": dialogs,
            "settings": QSettings(str(tmp_path / "next.ini"), QSettings.Format.IniFormat),
        }
    )
    qtbot.addWidget(window)
    window.show()  # the window offers the restore once it is on screen
    qtbot.waitUntil(lambda: window.state.document.title == "ce-label-smoothing-weights")
    restored = window.state.document
    assert same_document(restored, expected)
    assert restored.dtype == "float64" and restored.options["label_smoothing"] == 0.3
    assert restored.options["weight"] == preset_document("ce-label-smoothing-weights").option(
        "weight"
    )
    assert window.state.selection == (2, 1)
    assert window.session.path == str(session_path)
    assert window.session.is_dirty == unsaved  # unchanged since the save: nothing to save
    assert window.controls.dtype_box.currentText() == "float64"
    model = window.grid.model
    shown = model.data(model.index(1, model.column_of("logit", 0)))
    assert shown == "-2.75"
    window.close_without_asking()
