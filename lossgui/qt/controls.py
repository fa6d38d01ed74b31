"""The controls panel: which loss, its target form and input, dtype, shape, options.

Every widget change becomes one ``state.edit`` call with a readable undo text;
on ``state.changed`` all widgets re-read the Document with their signals
blocked, so undo/redo and loaded sessions show up here without echoing edits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lossgui.core.registry import LOSSES
from lossgui.document import MAX_CLASSES, MAX_ROWS
from lossgui.document_convert import randomized
from lossgui.qt.option_widgets import OptionsForm
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["TARGET_LABELS", "TRANSFORM_LABELS", "ControlsPanel"]

_TOOLTIP = Qt.ItemDataRole.ToolTipRole
TARGET_LABELS = {
    "index": "class index",
    "probability": "probabilities",
    "binary": "0/1 per cell",
    "sign": "±1 per row",
}
TRANSFORM_LABELS = {
    "log_softmax": "LogSoftmax first",
    "sigmoid": "Sigmoid first",
    "none": "as given",
}
_TRANSFORM_TIPS = {
    "log_softmax": "The grid holds logits; log_softmax is applied before the loss (the usual way).",
    "sigmoid": "The grid holds logits; sigmoid is applied before the loss.",
    "none": "The grid's numbers go to the loss unchanged (the loss's own input contract).",
}


class ControlsPanel(QWidget):
    """Loss selector, target form, input transform, dtype, N × C, Randomize, options.

    Parameters
    ----------
    state : AppState
    parent : QWidget, optional

    Attributes
    ----------
    loss_box, target_box, transform_box, dtype_box : QComboBox
    rows_spin, classes_spin : QSpinBox
    randomize_button : QPushButton
    options_stack : QStackedWidget
        One :class:`OptionsForm` per loss, built the first time it is shown.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._rng = np.random.default_rng()
        self.forms: dict[str, OptionsForm] = {}

        self.loss_box = QComboBox(self)
        for i, spec in enumerate(LOSSES.values()):
            self.loss_box.addItem(spec.label, spec.name)
            self.loss_box.setItemData(
                i, f"{spec.torch_module}.{spec.name}: {spec.summary}", _TOOLTIP
            )
        self.loss_box.setToolTip("The loss PyTorch computes (torch.nn.functional name in tooltip)")
        self.loss_box.currentIndexChanged.connect(self._on_loss)

        self.target_box = QComboBox(self)
        self.target_box.setToolTip("The form of the target: class indices or a probability row")
        self.target_box.currentIndexChanged.connect(self._on_target_kind)
        self.target_label = QLabel("Target", self)

        self.transform_box = QComboBox(self)
        self.transform_box.currentIndexChanged.connect(self._on_transform)
        self.transform_label = QLabel("Input", self)

        self.dtype_box = QComboBox(self)
        self.dtype_box.addItems(["float32", "float64"])
        self.dtype_box.setToolTip(
            "The dtype PyTorch computes in: float32 (the default tensor type) or float64"
        )
        self.dtype_box.currentTextChanged.connect(self._on_dtype)

        self.rows_spin = QSpinBox(self)
        self.rows_spin.setRange(1, MAX_ROWS)
        self.classes_spin = QSpinBox(self)
        self.classes_spin.setRange(2, MAX_CLASSES)
        for spin, which in ((self.rows_spin, "rows"), (self.classes_spin, "classes")):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda _, which=which: self._on_shape(which))
        self.randomize_button = QPushButton("Randomize", self)
        self.randomize_button.setToolTip(
            "Fresh random logits (N(0, 2)) and targets of the same shape; one undo step"
        )
        self.randomize_button.clicked.connect(self.randomize)
        shape_row = QHBoxLayout()
        shape_row.setContentsMargins(0, 0, 0, 0)
        shape_row.addWidget(QLabel("N", self))
        shape_row.addWidget(self.rows_spin, 1)
        self.classes_label = QLabel("C", self)
        shape_row.addWidget(self.classes_label)
        shape_row.addWidget(self.classes_spin, 1)
        shape_row.addWidget(self.randomize_button)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Loss", self.loss_box)
        form.addRow(self.target_label, self.target_box)
        form.addRow(self.transform_label, self.transform_box)
        form.addRow("dtype", self.dtype_box)
        form.addRow("Batch", shape_row)

        self.options_group = QGroupBox("Options", self)
        self.options_stack = QStackedWidget(self.options_group)
        group_layout = QVBoxLayout(self.options_group)
        group_layout.addWidget(self.options_stack)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.options_group)
        layout.addStretch(1)

        self._synced_key: tuple[object, ...] | None = None
        self._synced_options: dict[str, Any] = {}
        state.changed.connect(self.sync)
        self.sync()

    # ----------------------------------------------------------------- edits
    @guarded
    def _on_loss(self, index: int) -> None:
        name = self.loss_box.itemData(index)
        if name and name != self.state.document.loss:
            label = LOSSES[name].label
            if not self.state.edit(lambda d: d.with_loss(name), f"Switch loss to {label}"):
                self.resync()

    @guarded
    def _on_target_kind(self, index: int) -> None:
        kind = self.target_box.itemData(index)
        doc = self.state.document
        if kind and kind != doc.target_kind:
            ok = self.state.edit(
                lambda d: d.with_loss(d.loss, kind), f"Target as {TARGET_LABELS[kind]}"
            )
            if not ok:
                self.resync()

    @guarded
    def _on_transform(self, index: int) -> None:
        transform = self.transform_box.itemData(index)
        if transform and transform != self.state.document.transform:
            ok = self.state.edit(
                lambda d: d.with_transform(transform), f"Input: {TRANSFORM_LABELS[transform]}"
            )
            if not ok:
                self.resync()

    @guarded
    def _on_dtype(self, dtype: str) -> None:
        if dtype != self.state.document.dtype:
            if not self.state.edit(lambda d: d.with_dtype(dtype), f"Compute in {dtype}"):
                self.resync()

    @guarded
    def _on_shape(self, which: str) -> None:
        doc = self.state.document
        # Only the box the user touched changes: the other keeps the batch's own size.
        rows = self.rows_spin.value() if which == "rows" else doc.rows
        classes = self.classes_spin.value() if which == "classes" else doc.classes
        if (rows, classes) == (doc.rows, doc.classes):
            return
        ok = self.state.edit(
            lambda d: d.with_shape(rows, classes),
            f"Resize batch to {rows} × {classes}",
            # Clicking one spin box's arrows repeatedly is one undo step.
            merge_key=("shape", which),
        )
        if not ok:
            self.resync()
            return
        dropped = [
            f"{what} {kept}–{old - 1}" if old - kept > 1 else f"{what} {kept}"
            for what, kept, old in (("rows", rows, doc.rows), ("classes", classes, doc.classes))
            if kept < old
        ]
        if dropped:
            self.state.message.emit(
                f"Resized to {rows} × {classes}: dropped {' and '.join(dropped)} "
                "(Undo brings them back)"
            )

    @guarded
    def randomize(self) -> None:
        """Fresh random logits and targets of the current shape, as one undo step."""
        seed = int(self._rng.integers(2**63 - 1))
        self.state.edit(
            lambda d: randomized(d, np.random.default_rng(seed)), "Randomize logits and targets"
        )

    # ------------------------------------------------------------------ sync
    def _mark_spatial_losses(self, spatial: bool) -> None:
        """Grey out losses that take only (N, C) while the batch is spatial."""
        model = self.loss_box.model()
        for i, spec in enumerate(LOSSES.values()):
            item = model.item(i) if isinstance(model, QStandardItemModel) else None
            if item is None:
                continue
            item.setEnabled(spec.spatial or not spatial)
            tip = f"{spec.torch_module}.{spec.name}: {spec.summary}"
            if spatial and not spec.spatial:
                tip += "\n(takes only (N, C) inputs; this batch is spatial)"
            item.setToolTip(tip)

    def _form_for(self, loss: str) -> OptionsForm:
        if loss not in self.forms:
            form = OptionsForm(self.state, LOSSES[loss], self.options_stack)
            self.forms[loss] = form
            self.options_stack.addWidget(form)
        return self.forms[loss]

    def resync(self) -> None:
        """Show the Document again in every control, after a control offered a refused change."""
        self._synced_key = None
        self.sync()

    @guarded
    def sync(self) -> None:
        """Show the Document's loss, target form, transform, dtype, shape and options."""
        doc = self.state.document
        # Cell edits (most of the `changed` signals, 60 a second in a drag) change none of
        # what the controls show: skip them, so no control is set and repainted for nothing.
        key = (doc.loss, doc.target_kind, doc.transform, doc.dtype, doc.logits.shape,
               doc.classes)
        # Option values are numbers, strings and tuples: plain equality compares them.
        if key == self._synced_key and dict(doc.options) == self._synced_options:
            return
        self._synced_key, self._synced_options = key, dict(doc.options)
        spec = doc.spec
        widgets = [
            self.loss_box,
            self.target_box,
            self.transform_box,
            self.dtype_box,
            self.rows_spin,
            self.classes_spin,
        ]
        blockers = [QSignalBlocker(w) for w in widgets]
        try:
            self.loss_box.setCurrentIndex(self.loss_box.findData(doc.loss))
            self._mark_spatial_losses(doc.logits.ndim > 2)
            self.loss_box.setToolTip(f"{spec.torch_module}.{spec.name}: {spec.summary}")
            _fill(
                self.target_box, [(TARGET_LABELS[k], k) for k in spec.target_kinds], doc.target_kind
            )
            many_targets = len(spec.target_kinds) > 1
            self.target_box.setVisible(many_targets)
            self.target_label.setVisible(many_targets)
            _fill(
                self.transform_box,
                [(TRANSFORM_LABELS[t], t) for t in spec.transforms],
                doc.transform,
            )
            for i, transform in enumerate(spec.transforms):
                self.transform_box.setItemData(i, _TRANSFORM_TIPS[transform], _TOOLTIP)
            self.transform_box.setToolTip(_TRANSFORM_TIPS[doc.transform])
            many_transforms = len(spec.transforms) > 1
            self.transform_box.setVisible(many_transforms)
            self.transform_label.setVisible(many_transforms)
            self.dtype_box.setCurrentText(doc.dtype)
            # A preset or file bigger than the grid's limits shows its real size and
            # may shrink, never grow past it.
            rows = doc.logits.shape[0]
            self.rows_spin.setRange(1, max(MAX_ROWS, rows))
            self.classes_spin.setRange(2, max(MAX_CLASSES, doc.classes))
            self.rows_spin.setValue(rows)
            self.classes_spin.setValue(doc.classes)
            self.classes_label.setText("D" if doc.target_kind == "sign" else "C")
            spatial = doc.logits.ndim > 2
            for spin in (self.rows_spin, self.classes_spin):
                spin.setEnabled(not spatial)
            if spatial:
                tip = (
                    f"This batch is spatial {doc.logits.shape}: open or load another file "
                    "to change its shape"
                )
                self.rows_spin.setToolTip(tip)
                self.classes_spin.setToolTip(tip)
            else:
                self.rows_spin.setToolTip(
                    _size_tip("N, the number of samples", rows, 1, MAX_ROWS)
                )
                what = "embedding dimension D" if doc.target_kind == "sign" else "classes C"
                self.classes_spin.setToolTip(
                    _size_tip(f"The number of {what}", doc.classes, 2, MAX_CLASSES)
                )
        finally:
            del blockers
        form = self._form_for(doc.loss)
        if self.options_stack.currentWidget() is not form:
            # A stack is as tall as its tallest page unless hidden pages stop asking for room.
            for other in self.forms.values():
                policy = (
                    QSizePolicy.Policy.Preferred if other is form else QSizePolicy.Policy.Ignored
                )
                other.setSizePolicy(policy, policy)
            self.options_stack.setCurrentWidget(form)
            self.options_stack.adjustSize()
        self.options_group.setTitle(f"Options of {spec.label}")
        form.sync(doc)


def _size_tip(what: str, current: int, low: int, limit: int) -> str:
    """The tooltip of a shape spin box: its range, and why it cannot grow past a big batch."""
    if current <= limit:
        return f"{what} ({low}..{limit}); one undo step per change"
    return (
        f"{what} ({low}..{current}): this batch is larger than the {limit} the grid grows "
        "to, so it can keep its size or shrink (Undo brings back what a shrink drops)"
    )


def _fill(box: QComboBox, items: list[tuple[str, str]], current: str) -> None:
    """Refill ``box`` with (label, data) items only when they differ; select ``current``."""
    existing = [(box.itemText(i), box.itemData(i)) for i in range(box.count())]
    if existing != items:
        box.clear()
        for label, data in items:
            box.addItem(label, data)
    box.setCurrentIndex(max(0, box.findData(current)))
