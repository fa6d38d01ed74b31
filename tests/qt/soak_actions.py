"""The soak test's actions on the window's grid, controls and menus (see test_soak.py)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from lossgui.core.presets import PRESETS
from lossgui.qt import MainWindow
from tests.qt.session_helpers import ScriptedDialogs
from tests.qt.soak_inputs import (
    EXTREME,
    GARBAGE,
    OPTIONS,
    PASTES,
    SMALL_PRESETS,
    TARGET_CELLS,
    TARGETS,
    write_batches,
)


class WindowActions:
    """Seeded random actions on a MainWindow's grid, controls and menus.

    A subclass defines :meth:`check`, which runs after each action (and within bursts).
    """

    def __init__(
        self, window: MainWindow, dialogs: ScriptedDialogs, tmp_path: Path, seed: int
    ) -> None:
        self.w = window
        self.state = window.state
        assert window.session is not None
        self.session = window.session
        self.dialogs = dialogs
        self.tmp = tmp_path
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.batches = write_batches(tmp_path / "batches", self.np_rng)
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
                return self.rng.choice(GARBAGE)
            if roll < 0.35:
                return self.rng.choice(EXTREME)
            if self.state.document.loss == "binary_cross_entropy" and roll < 0.7:
                return f"{self.rng.uniform(0, 1):.4f}"
            return f"{self.rng.uniform(-12, 12):.3f}"

        self._set_cell(("logit", "input2"), value)

    def edit_target(self) -> None:
        def value(kind: str) -> str:
            if self.rng.random() < 0.2:
                return self.rng.choice(GARBAGE)
            return self.rng.choice(TARGETS if kind == "target" else TARGET_CELLS)

        self._set_cell(("target", "target_cell"), value)

    def change_option(self) -> None:
        doc = self.state.document
        names = [o.name for o in doc.spec.options]
        if self.rng.random() < 0.1:
            names = list(OPTIONS)  # some options this loss does not have: refused
        name = self.rng.choice(names)
        value = self._option_value(name, self.rng.choice(OPTIONS[name]))
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
        names = list(PRESETS) if self.rng.random() < 0.1 else SMALL_PRESETS
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
            text = self.rng.choice(PASTES)
        self.note(f"paste at ({row}, {col}): {text!r}")
        self.w.grid.paste(text)

    def toggle_colouring(self) -> None:
        self.note("toggle gradient colouring")
        self.w.gradient_action.trigger()

    def check(self) -> None:
        """What must hold after any action: defined by the soak test."""
        raise NotImplementedError
