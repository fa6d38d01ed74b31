"""The reduced loss, large and exact, with how the reduction got there.

Shows the value as PyTorch would print it (the shortest repr of the computing
dtype, e.g. ``1.0597735`` in float32), the reduction's numerator and
denominator, a preset's expected value with a check mark, and, when PyTorch
would refuse the current numbers, its error in a banner while the last valid
value stays on screen marked as stale. While a large batch is evaluated in the
worker (``state.computing``), the previous value stays, greyed and marked
"computing… (previous value)", until the new one arrives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from lossgui.core.evaluate import Evaluation
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.label_selection import selectable_on_hover
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["SAME_ULPS", "Agreement", "ResultView", "compare_to_expected", "format_value"]

_BANNER_STYLE = (
    "QLabel { background: #fdecea; color: #8a1c12; border: 1px solid #e0a39c;"
    " border-radius: 3px; padding: 4px 6px; }"
)
_VALUE_STYLE = "QLabel { color: %s; }"
_STALE_STYLE = "QLabel { color: #8a1c12; font-style: italic; }"
_COMPUTING_STYLE = "QLabel { color: #1f5fa8; font-style: italic; }"
_STALE_TEXT = "stale: last valid value"
_STALE_TIP = "PyTorch would refuse the current numbers; this is the value before the change"
_COMPUTING_TIP = (
    "The new numbers are being evaluated in the background; until then the value, "
    "its explanation and any error are those of the previous numbers"
)


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


#: Values this many units in the last place apart count as the same result.
SAME_ULPS = 4


@dataclass(frozen=True)
class Agreement:
    """How our value compares with PyTorch's.

    Attributes
    ----------
    verdict : {'exact', 'ulps', 'rounding', 'differs'}
        'exact': the same number in the dtype (NaN counts as equal to NaN);
        'ulps': at most :data:`SAME_ULPS` units in the last place apart (summation order);
        'rounding': further apart, yet within ``SAME_ULPS`` eps of the inputs' scale
        (the result of a sum whose terms cancel, like a KL divergence near 0);
        'differs': anything else.
    ulps : float
        The distance in units in the last place of ``expected`` (0 when exact, inf when
        one side is NaN or infinite and the other is not).
    """

    verdict: str
    ulps: float


def compare_to_expected(
    value: float, expected: float, dtype: np.dtype | str, scale: float = 0.0
) -> Agreement:
    """Compare ``value`` with PyTorch's ``expected``, both rounded to ``dtype``.

    Parameters
    ----------
    value, expected : float
        Our reduced loss and PyTorch's.
    dtype : dtype or str
        The computing dtype (float32 or float64).
    scale : float
        The size of the numbers the loss summed (e.g. max |logit|); only used to
        recognise the rounding error of cancelling sums.
    """
    kind = np.dtype(dtype).type
    ours, theirs = kind(value), kind(expected)
    if ours == theirs or (np.isnan(ours) and np.isnan(theirs)):
        return Agreement("exact", 0.0)
    if not (np.isfinite(ours) and np.isfinite(theirs)):
        return Agreement("differs", math.inf)
    gap = abs(float(ours) - float(theirs))
    ulps = gap / float(np.spacing(abs(theirs)))
    if ulps <= SAME_ULPS:
        return Agreement("ulps", ulps)
    if gap <= SAME_ULPS * float(np.finfo(kind).eps) * max(abs(float(theirs)), scale):
        return Agreement("rounding", ulps)
    return Agreement("differs", ulps)


def _ulps_text(ulps: float, dtype_name: str) -> str:
    if not math.isfinite(ulps):
        return "not comparable"
    count = f"{ulps:.0f}" if ulps < 1e6 else f"{ulps:.2g}"
    return f"{count} {dtype_name} ulp{'' if count == '1' else 's'}"


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
        self.caption_label.setWordWrap(True)
        self.caption_label.setToolTip("The loss PyTorch returns for these numbers and options")
        self.value_label = QLabel(self)
        font = QFont(self.value_label.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.value_label.setFont(font)
        # A number: plain text, which the label holder can size without a layout.
        self.value_label.setTextFormat(Qt.TextFormat.PlainText)
        selectable_on_hover(self.value_label)  # plain while unused: a cheap redraw
        # At the top, plain text sits on the very pixels of the selectable text (centred,
        # it would sit a pixel lower and jump as the mouse comes).
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.value_label.setToolTip("Full precision of the computing dtype; select to copy")
        self.stale_label = QLabel(_STALE_TEXT, self)
        self.stale_label.setStyleSheet(_STALE_STYLE)
        self.stale_label.setToolTip(_STALE_TIP)
        self.explanation_label = QLabel(self)
        self.explanation_label.setWordWrap(True)
        selectable_on_hover(self.explanation_label)  # plain while unused: a cheap redraw
        self.explanation_label.setToolTip(
            "How the reduction combines the per-element losses: numerator / denominator"
        )
        self.expected_label = QLabel(self)
        # Wraps so a long verdict never widens the settings column.
        self.expected_label.setWordWrap(True)
        self.expected_label.setToolTip(
            "The value PyTorch computed for this preset: ✓ when ours is the same number or at "
            f"most {SAME_ULPS} units in the last place (ulps) away, as a different summation "
            "order gives; the value above is always ours, unrounded"
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
        # The value and its explanation change with every edit; the window need not move.
        hold_label(self.value_label)
        hold_label(self.explanation_label)

        state.changed.connect(self.refresh)
        state.computingChanged.connect(self._on_computing_changed)
        self.refresh()

    def _on_computing_changed(self, _computing: bool) -> None:
        self.refresh()

    @guarded
    def refresh(self) -> None:
        """Re-read the state's evaluation, error and whether a new one is being computed."""
        doc = self.state.document
        evaluation = self.state.evaluation
        error = self.state.error
        # While computing, evaluation and error still describe the previous numbers.
        computing = self.state.computing
        self._show_status(evaluation is not None, error, computing)
        colour = "#9a9a9a" if error is not None or computing else "palette(text)"
        _set_style(self.value_label, _VALUE_STYLE % colour)
        _set_style(self.explanation_label, _VALUE_STYLE % colour)
        if evaluation is None:
            self.caption_label.setText(f"{doc.spec.label}")
            set_text(self.value_label, "—")
            set_text(self.explanation_label, "")
            self.expected_label.setVisible(False)
            return
        dtype = evaluation.returned.dtype
        self.caption_label.setText(self._caption(evaluation))
        set_text(self.value_label, format_value(evaluation.value, dtype))
        set_text(self.explanation_label, evaluation.explanation)
        self._show_expected(evaluation, dtype)

    def _show_status(self, has_value: bool, error: str | None, computing: bool) -> None:
        """The banner (PyTorch's error) and the note beside the value (stale or computing)."""
        self.banner.setVisible(error is not None)
        if error is not None:
            previous = "\n(That was for the previous numbers; the new ones are being checked.)"
            self.banner.setText(f"PyTorch would raise: {error}{previous if computing else ''}")
            self.banner.setToolTip("The plots and numbers keep the last valid result")
        if computing:
            self.stale_label.setText("computing… (previous value)" if has_value else "computing…")
            self.stale_label.setToolTip(_COMPUTING_TIP)
            _set_style(self.stale_label, _COMPUTING_STYLE)
        else:
            self.stale_label.setText(_STALE_TEXT)
            self.stale_label.setToolTip(_STALE_TIP)
            _set_style(self.stale_label, _STALE_STYLE)
        self.stale_label.setVisible(computing or (error is not None and has_value))

    def _caption(self, evaluation: Evaluation) -> str:
        doc = self.state.document
        dtype = evaluation.returned.dtype
        if evaluation.reduction == "none":
            count = int(evaluation.returned.size)
            return f"{doc.spec.label} (reduction='none', {dtype}): sum of {count} values"
        return f"{doc.spec.label} (reduction='{evaluation.reduction}', {dtype})"

    def _show_expected(self, evaluation: Evaluation, dtype: np.dtype) -> None:
        expected = self.state.document.expected
        # A stale or previous value says nothing about the preset's expectation: hide it meanwhile.
        current = self.state.error is None and not self.state.computing
        self.expected_label.setVisible(expected is not None and current)
        if expected is None:
            return
        doc = self.state.document
        finite = np.abs(doc.logits[np.isfinite(doc.logits)])
        scale = float(finite.max()) if finite.size else 0.0
        agreement = compare_to_expected(evaluation.value, expected, dtype, scale)
        shown = format_value(float(expected), dtype)
        name = np.dtype(dtype).name
        verdict = agreement.verdict
        if verdict == "exact":
            text, colour = f"✓ (equal in {name})", "#1e7b34"
        elif verdict == "ulps":
            text = f"✓ ({_ulps_text(agreement.ulps, name)} apart: summation order)"
            colour = "#1e7b34"
        elif verdict == "rounding":
            text = (
                f"≈ ({_ulps_text(agreement.ulps, name)} apart, within {name} rounding "
                "of the summed terms)"
            )
            colour = "#7a5a00"
        else:
            gap = abs(float(evaluation.value) - float(expected))
            text, colour = f"✗ (differs by {gap:.3g}, {_ulps_text(agreement.ulps, name)})", (
                "#8a1c12"
            )
        self.expected_label.setText(f"PyTorch gives {shown}  {text}")
        _set_style(self.expected_label, f"QLabel {{ color: {colour}; }}")


def _set_style(label: QLabel, sheet: str) -> None:
    """Set a style sheet only when it differs: each call re-polishes and relays out the label."""
    if label.styleSheet() != sheet:
        label.setStyleSheet(sheet)
