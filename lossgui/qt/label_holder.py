"""Labels whose text changes on every edit, without laying the whole window out again.

``QLabel.setText`` tells the label's parent layout that its size may have
changed; the layout then asks the window's top layout to lay everything out
again on the next event-loop pass: about 0.3 ms of a 16 ms drag step per
changed label, and several change on each step (a panel's caption, a
result). :func:`hold_label` moves a label into a :class:`LabelHolder` that
passes the label's size on to the layout only when it really needs more (or
less) room: a different height, or more width than it has.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QFont, QFontMetricsF, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from lossgui.qt.label_selection import plain_unless_in_use

__all__ = ["LabelHolder", "hold_label", "set_text"]


class LabelHolder(QWidget):
    """A plain widget that lays out one label itself and shields the window from it.

    The label fills the holder. Its own layout requests stop here (the holder
    has no layout); the holder compares the label's new size hints with the
    ones it last gave its layout, and only a taller, shorter or wider label
    updates them. A narrower text keeps the width, so numbers that shrink and
    grow while a value is dragged do not make the columns beside them jump.

    Parameters
    ----------
    parent : QWidget, optional

    Attributes
    ----------
    label : QLabel or None
        The held label (see :meth:`hold`); it must stay shown, the holder does
        not follow its visibility.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label: QLabel | None = None
        self._hint = QSize()
        self._minimum = QSize()
        self._wrapped = -1  # the held label's height for its width when it last changed
        self._measured: tuple[object, ...] | None = None  # what was last measured
        # A plain one-font label's line count and widest line (px) when last measured.
        self._plain_lines = -1
        self._plain_width = 0.0
        # Heights of a wrapping label by text shape (see _wrap_shape): a dragged value's
        # digit count comes and goes, so its few shapes are measured once each.
        self._shape_heights: dict[tuple[object, ...], int] = {}
        # The text (its numbers left out) and width the held height was last set for.
        self._height_for: tuple[str, int] | None = None

    def hold(self, label: QLabel) -> None:
        """Take ``label`` (out of any layout) as this holder's only child."""
        self.label = label
        shown = not label.isHidden()
        label.setParent(self)  # reparenting hides a widget
        label.move(0, 0)
        label.setVisible(shown)
        # The label covers the holder: filling its own background makes it opaque, so a
        # new text repaints the label alone, not the holder and every widget behind it
        # (panel, scroll area, dock, splitter, window) in that rectangle.
        label.setAutoFillBackground(True)
        self.setSizePolicy(label.sizePolicy())
        self._hint = label.sizeHint()
        self._minimum = label.minimumSizeHint()
        self._wrapped = -1
        self._measured = None
        self._plain_lines, self._plain_width = -1, 0.0
        self._shape_heights = {}
        self._height_for = None
        self.updateGeometry()

    def follow(self) -> None:
        """Measure the held label now (its text changed) and pass a new size on if needed."""
        if self.label is not None:
            self._follow_label(self.label)

    # ------------------------------------------------------------ layout API
    def sizeHint(self) -> QSize:
        return self._hint

    def minimumSizeHint(self) -> QSize:
        return self._minimum

    def hasHeightForWidth(self) -> bool:
        return self.label is not None and self.label.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        if self.label is None:
            return -1
        height = self.label.heightForWidth(width)
        if self._height_for == (_without_numbers(self.label.text()), width):
            height = max(height, self._wrapped)  # the room kept (see _follow_label)
        return height

    # ---------------------------------------------------------------- events
    def showEvent(self, event: object) -> None:
        # A text set while the holder was hidden sent it no layout request.
        if self.label is not None:
            self._follow_label(self.label)

    def resizeEvent(self, event: object) -> None:
        if self.label is not None:
            self.label.resize(self.size())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and self.label is not None:
            # Already measured by set_text for this text and width: nothing new to learn.
            if self._measured != self._measure_key(self.label):
                self._follow_label(self.label)
        return super().event(event)

    def _measure_key(self, label: QLabel) -> tuple[object, ...]:
        return (label.text(), label.textFormat(), self.width())

    def _follow_label(self, label: QLabel) -> None:
        """Pass the label's new size on to the layout only if it needs other room."""
        self._measured = self._measure_key(label)
        if _size_is_fixed(label):
            return  # the layout takes no size from its hints: nothing to measure
        plain = _plain_extent(label)
        if plain is not None and plain[0] == self._plain_lines and plain[1] <= self._plain_width:
            # As many lines, none wider than the widest measured: same height, and a
            # narrower text keeps its width. Measuring a selectable label lays out a
            # text document, twice (size hint and minimum), on every drag step.
            # Unmeasured, a selectable label lays its text out when it paints and asks
            # for a second paint; still cheaper (callgrind, tiled drag step: 74.2 M
            # instructions, 76.6 M measuring as before, 76.1 M with one sizeHint()).
            return
        # Rich or wrapped text may leave another height: start the plain record afresh.
        self._plain_lines = plain[0] if plain is not None else -1
        self._plain_width = max(plain[1], self._plain_width) if plain is not None else 0.0
        # A wrapping label's height at the width it has; the layout may give any
        # label more height than it asks for, so compare what it asks for.
        wraps = label.hasHeightForWidth()
        width = max(self.width(), 1)
        shape = _wrap_shape(label, width) if wraps else None
        known = self._shape_heights.get(shape) if shape is not None else None
        if known is not None:
            # The same words as measured before, only other digits (each as wide in this
            # font): the same lines, so the same height, without laying the text out.
            wrapped = known
        else:
            wrapped = label.heightForWidth(width) if wraps else -1
            if shape is not None:
                if len(self._shape_heights) >= _SHAPES_KEPT:
                    self._shape_heights.clear()
                self._shape_heights[shape] = wrapped
        if wraps and wrapped == self._wrapped:
            # Same height at its width: the layout has nothing to change (a wider hint
            # would only be kept, see above), so skip the two more text layouts
            # (unwrapped and narrowest) that the size hints of a wrapping label cost.
            return
        height_for = (_without_numbers(label.text()), width)
        if wraps and wrapped < self._wrapped and height_for == self._height_for:
            # The same words with numbers of fewer digits, which fit on fewer lines:
            # keep the room. A dragged value's digits come and go; giving the line
            # back each time would make everything below it jump up and down, and
            # lay the window out again (all the docks) on a third of the steps.
            return
        hint, minimum = label.sizeHint(), label.minimumSizeHint()
        wider = hint.width() > self._hint.width() or minimum.width() > self._minimum.width()
        if not wider and wrapped == self._wrapped and hint.height() == self._hint.height():
            return
        self._wrapped = wrapped
        self._height_for = height_for if wraps else None
        self._hint = QSize(max(hint.width(), self._hint.width()), hint.height())
        self._minimum = QSize(max(minimum.width(), self._minimum.width()), minimum.height())
        self.updateGeometry()


#: A number as labels show them: 3, -0.25, 1e-3, 4.7e+05, 99.
_NUMBER = re.compile(r"[-+]?\d[\d.]*(?:[eE][-+]?\d+)?")


def _without_numbers(text: str) -> str:
    """``text`` with each number replaced by "#": what stays when a dragged value changes."""
    return _NUMBER.sub("#", text)


def _size_is_fixed(label: QLabel) -> bool:
    """Whether a layout ignores the label's width hint and its height is fixed."""
    ignored = label.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored
    return ignored and label.minimumHeight() == label.maximumHeight()


def _plain_extent(label: QLabel) -> tuple[int, float] | None:
    """(lines, widest line's advance in px) of a plain-text label that does not wrap.

    Such a label is as tall as its lines and as wide as its widest line (plus
    fixed margins); None for rich text or word wrap, whose size needs a layout.
    A label in the default AutoText format shows text that does not look like
    rich text as plain (QLabel's rule), so it counts as plain too.

    Measuring a line shapes its text, about as dear as laying it out; in a
    font whose digits are all as wide (see :func:`_tabular_digits`) a text's
    width is that of its digit shape, so each shape is measured once.
    """
    if label.wordWrap():
        return None
    text = label.text()
    text_format = label.textFormat()
    if text_format != Qt.TextFormat.PlainText and (
        text_format == Qt.TextFormat.RichText or Qt.mightBeRichText(text)
    ):
        return None
    font = label.font()
    key = (text.translate(_DIGITS), font.key()) if _tabular_digits(font) else None
    extent = _plain_extents.get(key) if key is not None else None
    if extent is None:
        lines = text.split("\n")
        metrics = QFontMetricsF(font)
        extent = (len(lines), max(metrics.horizontalAdvance(line) for line in lines))
        if key is not None:
            if len(_plain_extents) >= _EXTENTS_KEPT:
                _plain_extents.clear()
            _plain_extents[key] = extent
    return extent


#: How many digit shapes each holder keeps heights for, and the plain extents kept in all.
_SHAPES_KEPT = 64
_EXTENTS_KEPT = 1024
_plain_extents: dict[tuple[str, str], tuple[int, float]] = {}


#: Interaction that gives a plain-text label a text document (as in QLabel's own test).
_DOCUMENT_FLAGS = (
    Qt.TextInteractionFlag.TextSelectableByMouse
    | Qt.TextInteractionFlag.TextSelectableByKeyboard
    | Qt.TextInteractionFlag.TextEditable
)
_DIGITS = str.maketrans("123456789", "000000000")
#: Digits beside the signs numbers come with; a font that kerns none of these pairs and
#: draws every digit as wide keeps a text's width when only its digits change.
_DIGIT_SAMPLES = ("0.1", "7.5", "-1", "-4.7e+05", "1e-3", "(8.75)", "[3, 1]", "99 %", "1/7", "x1")
_digits_keep_width: dict[str, bool] = {}  # by QFont.key()


def _tabular_digits(font: QFont) -> bool:
    """Whether every digit is as wide as "0" in ``font``, next to signs too (cached)."""
    key = font.key()
    known = _digits_keep_width.get(key)
    if known is None:
        metrics = QFontMetricsF(font)
        known = all(
            metrics.horizontalAdvance(text) == metrics.horizontalAdvance(text.translate(_DIGITS))
            for text in ("0123456789", *_DIGIT_SAMPLES)
        ) and len({metrics.horizontalAdvance(d) for d in "0123456789"}) == 1
        _digits_keep_width[key] = known
    return known


def _wrap_shape(label: QLabel, width: int) -> tuple[object, ...] | None:
    """What a plain wrapping label's height depends on, its digits all read as 0.

    Two texts with the same shape break into the same lines at the same width
    when every digit is as wide as any other (tabular digits, as UI fonts have
    them): a value that changes on every drag step keeps the label's height.
    None for rich text, a selectable label or a font with proportional digits:
    measure those.
    """
    if label.textInteractionFlags() & _DOCUMENT_FLAGS:
        # A selectable label lays its text document out when measured; unmeasured, it
        # lays it out in its paint and asks for a second paint: dearer than measuring.
        return None
    text = label.text()
    plain = label.textFormat() == Qt.TextFormat.PlainText
    if not plain and (label.textFormat() == Qt.TextFormat.RichText or Qt.mightBeRichText(text)):
        return None
    font = label.font()
    if not _tabular_digits(font):
        return None
    return (text.translate(_DIGITS), width, font.key(), label.margin(), label.indent())


def hold_label(label: QLabel) -> LabelHolder:
    """Put ``label`` into a :class:`LabelHolder` where it stands in its parent's layout.

    Parameters
    ----------
    label : QLabel
        Already added to its parent widget's layout (directly or in a nested
        layout of it).

    Returns
    -------
    LabelHolder
        Now in the layout in the label's place; ``label`` is its child.
    """
    parent = label.parentWidget()
    layout = parent.layout() if parent is not None else None
    holder = LabelHolder(parent)
    # Out of the layout first: reparenting a widget a layout manages would drop its slot.
    if layout is None or layout.replaceWidget(label, holder) is None:
        holder.deleteLater()
        raise ValueError("hold_label needs a label that is in its parent's layout")
    holder.hold(label)
    return holder


def set_text(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label``; a held label's holder measures it before it is painted.

    Parameters
    ----------
    label : QLabel
        Held by a :class:`LabelHolder` (see :func:`hold_label`) or not: a label
        that is not held just gets the text.
    text : str
    """
    if label.text() == text:
        return
    plain_unless_in_use(label)  # a label selectable on hover (see label_selection)
    label.setText(text)
    holder = label.parentWidget()
    if isinstance(holder, LabelHolder) and holder.label is label:
        holder.follow()
