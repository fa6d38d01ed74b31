"""One editor widget per loss option, built from the loss's OptionSpecs.

Each editor shows the Document's value of its option and turns a user's
change into one ``state.edit`` call; :meth:`OptionEditor.sync` re-reads the
Document with signals blocked so syncing never echoes an edit back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from lossgui.core.registry import LossSpec, OptionSpec
from lossgui.document import Document, EditError, parse_number
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["OptionEditor", "OptionsForm", "format_vector", "parse_vector"]

_INVALID_STYLE = "QLineEdit { border: 1px solid #c0392b; background: #fff0f0; }"


def format_vector(values: tuple[float, ...] | None) -> str:
    """``(1.0, 2.5)`` -> ``"1, 2.5"``, as typed in the option's line edit."""
    return "" if values is None else ", ".join(f"{v:g}" for v in values)


def parse_vector(text: str, what: str) -> tuple[float, ...]:
    """Comma- or space-separated numbers -> tuple; EditError with the reason."""
    cells = [c for c in text.replace(",", " ").replace(";", " ").split() if c]
    if not cells:
        raise EditError(f"{what}: type one number per class, separated by commas")
    return tuple(parse_number(c, what) for c in cells)


class OptionEditor(QWidget):
    """The editor of one option of one loss.

    Parameters
    ----------
    state : AppState
    opt : OptionSpec
    """

    def __init__(self, state: AppState, opt: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.opt = opt
        self.editor: QWidget
        self.set_box: QCheckBox | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if opt.kind == "class_vector":
            self.set_box = QCheckBox("set", self)
            self.set_box.setToolTip(f"Off: {opt.name}=None (PyTorch's default). On: one per class.")
            self.set_box.toggled.connect(self._on_set_toggled)
            line = QLineEdit(self)
            line.setPlaceholderText("None")
            line.editingFinished.connect(self._on_vector_typed)
            layout.addWidget(self.set_box)
            self.editor = line
        elif opt.kind == "float":
            spin = QDoubleSpinBox(self)
            spin.setDecimals(4)
            spin.setRange(
                opt.minimum if opt.minimum is not None else -1e6,
                opt.maximum if opt.maximum is not None else 1e6,
            )
            span = spin.maximum() - spin.minimum()
            spin.setSingleStep(0.05 if span <= 2 else 0.1)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_value)
            self.editor = spin
        elif opt.kind == "int":
            ispin = QSpinBox(self)
            ispin.setRange(
                int(opt.minimum) if opt.minimum is not None else -(2**31),
                int(opt.maximum) if opt.maximum is not None else 2**31 - 1,
            )
            ispin.setKeyboardTracking(False)
            ispin.valueChanged.connect(self._on_value)
            self.editor = ispin
        elif opt.kind == "bool":
            box = QCheckBox(self)
            box.toggled.connect(self._on_value)
            self.editor = box
        else:
            combo = QComboBox(self)
            combo.addItems(list(opt.choices))
            combo.currentTextChanged.connect(self._on_value)
            self.editor = combo
        self.editor.setToolTip(opt.tooltip)
        self.setToolTip(opt.tooltip)
        layout.addWidget(self.editor, 1)

    # ----------------------------------------------------------------- edits
    def _edit(self, value: Any, merge: bool = False) -> bool:
        name = self.opt.name
        shown = "None" if value is None else value
        return self.state.edit(
            lambda d: d.with_option(name, value),
            f"Set {self.opt.label} = {shown}",
            merge_key=("option", name) if merge else None,
        )

    @guarded
    def _on_value(self, value: Any) -> None:
        # Spin boxes merge their steps into one undo entry while the user keeps clicking.
        self._edit(value, merge=self.opt.kind in ("float", "int"))

    @guarded
    def _on_set_toggled(self, on: bool) -> None:
        assert isinstance(self.editor, QLineEdit)
        classes = self.state.document.classes
        if not on:
            self._edit(None)
            return
        try:
            vector = parse_vector(self.editor.text(), self.opt.label)
        except EditError:
            vector = ()
        if len(vector) != classes:
            vector = (1.0,) * classes
        if not self._edit(vector):
            self.sync(self.state.document)

    @guarded
    def _on_vector_typed(self) -> None:
        assert isinstance(self.editor, QLineEdit)
        text = self.editor.text()
        current = self.state.document.option(self.opt.name)
        if text.strip() == format_vector(current):
            return
        if not text.strip():
            ok = self._edit(None)
            reason = ""
        else:
            try:
                reason = ""
                ok = self._edit(parse_vector(text, self.opt.label))
            except EditError as err:
                reason = str(err)
                self.state.message.emit(f"Refused: {reason}")
                ok = False
        if not ok:
            # Keep what was typed so it can be fixed, and say what is wrong with it.
            self.editor.setStyleSheet(_INVALID_STYLE)
            why = reason or f"needs {self.state.document.classes} non-negative numbers"
            self.editor.setToolTip(f"{self.opt.tooltip}\n\nRefused: {why}")

    # ------------------------------------------------------------------ sync
    def sync(self, doc: Document) -> None:
        """Show ``doc``'s value of this option without emitting an edit."""
        value = doc.option(self.opt.name)
        blockers = [QSignalBlocker(self.editor)]
        if self.set_box is not None:
            blockers.append(QSignalBlocker(self.set_box))
            self.set_box.setChecked(value is not None)
            assert isinstance(self.editor, QLineEdit)
            self.editor.setText(format_vector(value))
            self.editor.setStyleSheet("")
            self.editor.setToolTip(self.opt.tooltip)
            self.editor.setEnabled(value is not None)
        elif isinstance(self.editor, QDoubleSpinBox):
            self.editor.setValue(float(value))
        elif isinstance(self.editor, QSpinBox):
            self.editor.setValue(int(value))
        elif isinstance(self.editor, QCheckBox):
            self.editor.setChecked(bool(value))
        elif isinstance(self.editor, QComboBox):
            self.editor.setCurrentText(str(value))
        del blockers


class OptionsForm(QWidget):
    """The options of one loss as a form: one labelled editor per OptionSpec."""

    def __init__(self, state: AppState, spec: LossSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editors: dict[str, OptionEditor] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for opt in spec.options:
            editor = OptionEditor(state, opt, self)
            self.editors[opt.name] = editor
            form.addRow(opt.label, editor)
            label = form.labelForField(editor)
            if label is not None:
                label.setToolTip(opt.tooltip)

    def sync(self, doc: Document) -> None:
        """Show ``doc``'s option values."""
        for editor in self.editors.values():
            editor.sync(doc)
