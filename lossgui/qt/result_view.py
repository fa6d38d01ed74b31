"""The reduced loss, large and exact, with how the reduction got there.

Shows the value as PyTorch would print it (the shortest repr of the computing
dtype, e.g. ``1.0597735`` in float32), the reduction's numerator and
denominator, a preset's expected value with a check mark, and, when PyTorch
would refuse the current numbers, its error in a banner while the last valid
value stays on screen marked as stale.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from lossgui.core.evaluate import Evaluation
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["ResultView", "format_value"]

_BANNER_STYLE = (
    "QLabel { background: #fdecea; color: #8a1c12; border: 1px solid #e0a39c;"
    " border-radius: 3px; padding: 4px 6px; }"
)
_VALUE_STYLE = "QLabel { color: %s; }"


def format_value(value: float, dtype: np.dtype | str) -> str:
    """``value`` as PyTorch prints a scalar of ``dtype``: the shortest exact repr.

    float32 results are shown with float32's shortest round-trip digits
    (``1.0597735``), float64 with float64's (``1.0597734856605530``-style
    digits only when needed).
    """
    if not math.isfinite(value):
        return str(value)
    if np.dtype(dtype) == np.float32:
        return str(np.float32(value))
    return repr(float(value))


class ResultView(QWidget):
    """The loss value, its explanation, the preset's expectation and PyTorch's error.

    Parameters
    ----------
    state : AppState
    parent : QWidget, optional

    Attributes
    ----------
    value_label, caption_label, explanation_label, expected_label, banner, stale_label : QLabel
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.caption_label = QLabel(self)
        self.caption_label.setToolTip("The loss PyTorch returns for these numbers and options")
        self.value_label = QLabel(self)
        font = QFont(self.value_label.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.value_label.setFont(font)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value_label.setToolTip("Full precision of the computing dtype; select to copy")
        self.stale_label = QLabel("stale: last valid value", self)
        self.stale_label.setStyleSheet("QLabel { color: #8a1c12; font-style: italic; }")
        self.stale_label.setToolTip(
            "PyTorch would refuse the current numbers; this is the value before the change"
        )
        self.explanation_label = QLabel(self)
        self.explanation_label.setWordWrap(True)
        self.explanation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation_label.setToolTip(
            "How the reduction combines the per-element losses: numerator / denominator"
        )
        self.expected_label = QLabel(self)
        self.expected_label.setToolTip(
            "The value PyTorch computed for this preset; ✓ when ours rounds to the same float32"
        )
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(_BANNER_STYLE)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        value_row = QHBoxLayout()
        value_row.setContentsMargins(0, 0, 0, 0)
        value_row.addWidget(self.value_label)
        value_row.addWidget(self.stale_label, 0, Qt.AlignmentFlag.AlignBottom)
        value_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        layout.addWidget(self.caption_label)
        layout.addLayout(value_row)
        layout.addWidget(self.explanation_label)
        layout.addWidget(self.expected_label)
        layout.addWidget(self.banner)
        layout.addStretch(1)

        state.changed.connect(self.refresh)
        self.refresh()

    @guarded
    def refresh(self) -> None:
        """Re-read the state's evaluation and error."""
        doc = self.state.document
        evaluation = self.state.evaluation
        error = self.state.error
        self.banner.setVisible(error is not None)
        self.stale_label.setVisible(error is not None and evaluation is not None)
        if error is not None:
            self.banner.setText(f"PyTorch would raise: {error}")
            self.banner.setToolTip("The plots and numbers keep the last valid result")
        colour = "#9a9a9a" if error is not None else "palette(text)"
        self.value_label.setStyleSheet(_VALUE_STYLE % colour)
        if evaluation is None:
            self.caption_label.setText(f"{doc.spec.label}")
            self.value_label.setText("—")
            self.explanation_label.setText("")
            self.expected_label.setVisible(False)
            return
        dtype = evaluation.returned.dtype
        self.caption_label.setText(self._caption(evaluation))
        self.value_label.setText(format_value(evaluation.value, dtype))
        self.explanation_label.setText(evaluation.explanation)
        self._show_expected(evaluation, dtype)

    def _caption(self, evaluation: Evaluation) -> str:
        doc = self.state.document
        dtype = evaluation.returned.dtype
        if evaluation.reduction == "none":
            count = int(evaluation.returned.size)
            return f"{doc.spec.label} (reduction='none', {dtype}): sum of {count} values"
        return f"{doc.spec.label} (reduction='{evaluation.reduction}', {dtype})"

    def _show_expected(self, evaluation: Evaluation, dtype: np.dtype) -> None:
        expected = self.state.document.expected
        # A stale value says nothing about the preset's expectation: hide it meanwhile.
        self.expected_label.setVisible(expected is not None and self.state.error is None)
        if expected is None:
            return
        ours = np.float32(evaluation.value)
        theirs = np.float32(expected)
        same = bool(ours == theirs) or (bool(np.isnan(ours)) and bool(np.isnan(theirs)))
        shown = format_value(float(expected), dtype)
        if same:
            self.expected_label.setText(f"PyTorch gives {shown}  ✓ (equal in float32)")
            self.expected_label.setStyleSheet("QLabel { color: #1e7b34; }")
        else:
            gap = abs(float(evaluation.value) - float(expected))
            self.expected_label.setText(f"PyTorch gives {shown}  ✗ (differs by {gap:.3g})")
            self.expected_label.setStyleSheet("QLabel { color: #8a1c12; }")
