"""A few hundred random user actions on the whole window: nothing breaks, nothing drifts.

Each run mixes cell edits (numbers and garbage), option changes (valid and
not), loss switches, resizes, dtype and transform switches, Randomize, preset
loads and undo / redo, all through the widgets' models and the window's
actions. Slots catch their own exceptions and report them as "Internal error"
messages, so the test listens for those as well as for pytest-qt's capture of
exceptions in Qt virtual methods. At the end the window must agree with a
fresh evaluation of its Document.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QStandardPaths

from lossgui.core.evaluate import evaluate
from lossgui.core.presets import PRESETS
from lossgui.core.registry import LOSSES
from lossgui.qt import MainWindow
from lossgui.qt.session_dialogs import SessionDialogs

# The 1010-row batch is loaded too, but rarely: it is the slow one.
_SMALL_PRESETS = [name for name, p in PRESETS.items() if p.logits.shape[0] < 100]
_GARBAGE = ["", "abc", "nan", "inf", "-inf", "1e999", "1,5", "--2", " ", "0x10", "None", "½"]
_OPTION_VALUES = {
    "weight": [None, "ones", (0.0,), (1.0, 2.0, 3.0), "negative"],
    "pos_weight": [None, "ones", (5.0,), "negative"],
    "ignore_index": [-100, 0, 1, 255, -1, 2.5, "x"],
    "label_smoothing": [0.0, 0.1, 0.5, 1.0, 1.5, -0.1, "x"],
    "reduction": ["mean", "sum", "none", "batchmean", "bogus"],
    "alpha": [0.25, -1.0, 0.9, 2.0],
    "gamma": [0.0, 2.0, 5.0, -1.0],
    "margin": [0.0, 0.5, -0.5, 1e9],
    "p": [1, 2, 3],
    "log_target": [True, False, 1],
}


class _Scripted(SessionDialogs):
    def ask_save_changes(self, parent: object, name: str) -> str:
        return "discard"

    def ask_restore(self, parent: object, detail: str) -> bool:
        return False

    def warn(self, parent: object, title: str, text: str) -> None:
        return None


def _option_value(name: str, value: object, classes: int) -> object:
    if value == "ones":
        return (1.0,) * classes
    if value == "negative":
        return (-1.0,) * classes
    return value


class _Driver:
    """Performs one random action on the window, as a user (or a paste) would."""

    def __init__(self, window: MainWindow, rng: random.Random) -> None:
        self.w = window
        self.rng = rng

    def _column(self, kinds: tuple[str, ...]) -> int | None:
        model = self.w.grid.model
        cols = [c for c in range(model.columnCount()) if model.column(c).kind in kinds]
        return self.rng.choice(cols) if cols else None

    def edit_cell(self) -> None:
        model = self.w.grid.model
        col = self._column(("logit", "target", "target_cell", "input2"))
        if col is None or model.rowCount() == 0:
            return
        row = self.rng.randrange(model.rowCount())
        kind = model.column(col).kind
        if self.rng.random() < 0.3:
            value: object = self.rng.choice(_GARBAGE)
        elif kind == "target":
            value = str(self.rng.choice([0, 1, 2, 3, -1, -100, 255, 1.5]))
        elif kind == "target_cell":
            value = str(self.rng.choice([0.0, 1.0, 0.5, 0.25, -0.5, 2.0]))
        else:
            value = f"{self.rng.uniform(-12, 12):.3f}"
        model.setData(model.index(row, col), value)

    def change_option(self) -> None:
        doc = self.w.state.document
        name = self.rng.choice([o.name for o in doc.spec.options])
        value = _option_value(name, self.rng.choice(_OPTION_VALUES[name]), doc.classes)
        self.w.state.edit(lambda d: d.with_option(name, value), f"set {name}")

    def switch_loss(self) -> None:
        box = self.w.controls.loss_box
        box.setCurrentIndex(self.rng.randrange(box.count()))

    def switch_combo(self) -> None:
        controls = self.w.controls
        box = self.rng.choice([controls.target_box, controls.transform_box, controls.dtype_box])
        if box.count():
            box.setCurrentIndex(self.rng.randrange(box.count()))

    def resize(self) -> None:
        controls = self.w.controls
        if self.rng.random() < 0.5:
            controls.rows_spin.setValue(self.rng.choice([1, 2, 3, 5, 8, 40]))
        else:
            controls.classes_spin.setValue(self.rng.choice([2, 3, 4, 7]))

    def randomize(self) -> None:
        self.w.randomize_action.trigger()

    def load_preset(self) -> None:
        names = list(PRESETS) if self.rng.random() < 0.05 else _SMALL_PRESETS
        self.w.preset_actions[self.rng.choice(names)].trigger()

    def undo_redo(self) -> None:
        action = self.w.undo_action if self.rng.random() < 0.6 else self.w.redo_action
        if action.isEnabled():
            action.trigger()

    def select(self) -> None:
        doc = self.w.state.document
        self.w.state.select(self.rng.randrange(doc.rows), self.rng.randrange(doc.classes))

    def toggle_colouring(self) -> None:
        self.w.gradient_action.trigger()

    def step(self) -> None:
        actions = [
            (self.edit_cell, 30),
            (self.change_option, 12),
            (self.switch_loss, 8),
            (self.switch_combo, 6),
            (self.resize, 6),
            (self.randomize, 5),
            (self.load_preset, 6),
            (self.undo_redo, 15),
            (self.select, 8),
            (self.toggle_colouring, 2),
        ]
        fns, weights = zip(*actions, strict=True)
        self.rng.choices(fns, weights)[0]()


def _agrees_with_fresh_evaluation(window: MainWindow) -> None:
    state = window.state
    doc = state.document
    assert window.grid.model.rowCount() == doc.rows
    logit_cols = [
        c for c in range(window.grid.model.columnCount())
        if window.grid.model.column(c).kind == "logit"
    ]
    assert len(logit_cols) == doc.classes
    assert window.controls.loss_box.currentData() == doc.loss
    if state.error is not None:
        return
    fresh = evaluate(
        doc.loss, doc.logits, doc.target, doc.options,
        transform=doc.transform, dtype=doc.dtype, input2=doc.input2,
    )
    shown = state.evaluation.value
    assert (math.isnan(fresh.value) and math.isnan(shown)) or fresh.value == shown
    np.testing.assert_array_equal(fresh.row_loss, state.evaluation.row_loss)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_actions_never_break_the_window(qtbot, tmp_path: Path, seed: int) -> None:
    QStandardPaths.setTestModeEnabled(True)
    window = MainWindow(
        restore=False, session_options={"data_dir": tmp_path, "dialogs": _Scripted()}
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    messages: list[str] = []
    window.state.message.connect(messages.append)
    driver = _Driver(window, random.Random(seed))
    for i in range(250):
        driver.step()
        if i % 25 == 0:
            qtbot.wait(1)  # let deferred repaints and timers run now and then
    qtbot.wait(10)
    internal = [m for m in messages if "internal error" in m.lower()]
    assert not internal, internal[:3]
    # The run did real work: edits were taken and garbage was refused with a reason.
    assert window.state.undo_stack.count() >= 30
    assert any(m.startswith("Refused:") for m in messages)
    _agrees_with_fresh_evaluation(window)
    # Undoing everything returns to the example the window opened on.
    while window.undo_action.isEnabled():
        window.undo_action.trigger()
    assert window.state.document.title == "4 samples, 3 classes"
    _agrees_with_fresh_evaluation(window)


def test_every_loss_can_be_chosen_from_the_controls(qtbot, tmp_path: Path) -> None:
    QStandardPaths.setTestModeEnabled(True)
    window = MainWindow(restore=False, with_session=False)
    qtbot.addWidget(window)
    window.show()
    for name in LOSSES:
        box = window.controls.loss_box
        box.setCurrentIndex(box.findData(name))
        assert window.state.document.loss == name
        _agrees_with_fresh_evaluation(window)
