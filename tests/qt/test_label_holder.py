"""Held labels change text without laying the window out, and still get the room they need."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from lossgui.qt.label_holder import LabelHolder, hold_label, set_text
from lossgui.qt.label_selection import selectable_on_hover
from tests.qt.panel_helpers import EventCounter


def _LayoutRequests() -> EventCounter:
    return EventCounter(QEvent.Type.LayoutRequest)


def _shown_holding(qtbot, label: QLabel, height: int) -> QWidget:
    """A 300 px wide window: ``label`` held at the top, a button below it, then space."""
    top = QWidget()
    layout = QVBoxLayout(top)
    top.label = label
    layout.addWidget(label)
    top.below = QPushButton("below", top)
    layout.addWidget(top.below)
    layout.addStretch(1)
    qtbot.addWidget(top)
    top.resize(300, height)
    top.holder = hold_label(label)
    top.show()
    qtbot.waitExposed(top)
    return top


@pytest.fixture
def window(qtbot):
    return _shown_holding(qtbot, QLabel("value = 1.2345"), 200)


def test_a_held_label_sits_where_the_label_was(window):
    assert isinstance(window.holder, LabelHolder)
    assert window.label.parentWidget() is window.holder
    assert window.layout().indexOf(window.holder) == 0
    assert window.label.isVisible() and window.label.text() == "value = 1.2345"


def test_same_size_text_does_not_lay_the_window_out(window):
    QApplication.processEvents()  # what showing the window left to do
    requests = _LayoutRequests()
    window.installEventFilter(requests)
    for value in ("1.2346", "7.0001", "0.5000"):
        window.label.setText(f"value = {value}")
        QApplication.processEvents()
    assert requests.count == 0
    assert window.label.text() == "value = 0.5000"


def test_a_wider_or_taller_text_gets_room(window):
    below = window.below.y()
    window.label.setText("first line\nsecond line\nthird line")
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.below.y() > below  # the widget under it moved down
    assert window.label.height() >= window.label.sizeHint().height()
    window.label.setText("a much longer value that needs more width than before = 1.2345")
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.holder.sizeHint().width() >= window.label.sizeHint().width()


def test_a_label_outside_any_layout_is_refused(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    with pytest.raises(ValueError, match="layout"):
        hold_label(QLabel("loose", parent))


def test_text_set_before_the_window_shows_gets_its_room(qtbot):
    """A panel fills its labels while being built, before anything is shown."""
    top = QWidget()
    layout = QVBoxLayout(top)
    label = QLabel("", top)
    layout.addWidget(label)
    layout.addStretch(1)
    hold_label(label)
    label.setText("value = 1.4205849 (a value set while hidden)")
    qtbot.addWidget(top)
    top.show()
    qtbot.waitExposed(top)
    QApplication.processEvents()
    assert label.width() >= label.sizeHint().width()


def _held_wrapping(qtbot, label: QLabel) -> QWidget:
    """``label``, word-wrapping, held at the top of a shown 300 x 300 window."""
    label.setWordWrap(True)
    top = _shown_holding(qtbot, label, 300)
    QApplication.processEvents()
    return top


@pytest.fixture
def wrapping(qtbot):
    """A selectable, word-wrapping label (as the panels' captions), held, 300 px wide."""
    label = QLabel("Row 3, class 0: a caption that wraps onto a second line here")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return _held_wrapping(qtbot, label)


def test_set_text_paints_a_selectable_label_once_per_change(wrapping):
    """Measuring such a label makes Qt repaint it: set_text measures before the paint."""
    paints = EventCounter(QEvent.Type.Paint)
    wrapping.label.installEventFilter(paints)
    for value in ("1.2346", "7.0001", "0.5000"):
        set_text(wrapping.label, f"Row 3, class 0: a caption that wraps, value {value} here")
        # In the window the paint often comes before the label's layout request (plots'
        # scenes post their updates in between): paint first, then the rest.
        QApplication.sendPostedEvents(wrapping, QEvent.Type.UpdateRequest)
        QApplication.processEvents()
        QApplication.processEvents()
    assert paints.count == 3
    set_text(wrapping.label, wrapping.label.text())  # the same text: nothing to do
    QApplication.processEvents()
    assert paints.count == 3


def test_a_wrapping_label_gets_the_lines_it_needs_and_keeps_them_otherwise(wrapping):
    requests = _LayoutRequests()
    wrapping.installEventFilter(requests)
    set_text(wrapping.label, "Row 3, class 0: a caption that wraps, value 1.0 here")
    QApplication.processEvents()
    assert requests.count == 0  # same number of lines at its width
    below = wrapping.below.y()
    set_text(wrapping.label, " ".join(["a much longer caption"] * 8))
    QApplication.processEvents()
    QApplication.processEvents()
    assert wrapping.below.y() > below
    label = wrapping.label
    assert label.height() >= label.heightForWidth(label.width())


class _CountingLabel(QLabel):
    """Counts the size measurements the holder asks of it."""

    measured = 0

    def sizeHint(self):
        type(self).measured += 1
        return super().sizeHint()


def test_a_plain_label_is_measured_only_when_it_may_need_more_room(qtbot):
    label = _CountingLabel("a = 1.000\nb = 2.000")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    window = _shown_holding(qtbot, label, 200)
    QApplication.processEvents()
    hint = window.holder.sizeHint()
    _CountingLabel.measured = 0
    set_text(label, "a = 1.5\nb = 2.25")  # as many lines, none wider
    assert _CountingLabel.measured == 0
    assert window.holder.sizeHint() == hint
    set_text(label, "a = 1.5\nb = 2.25 and a much longer line")  # wider: measured, more room
    assert _CountingLabel.measured > 0
    assert window.holder.sizeHint().width() > hint.width()
    _CountingLabel.measured = 0
    set_text(label, "a\nb\nc")  # another line: measured, taller
    assert _CountingLabel.measured > 0
    assert window.holder.sizeHint().height() > hint.height()


def test_a_label_of_fixed_height_and_ignored_width_is_never_measured(qtbot):
    from PySide6.QtWidgets import QSizePolicy

    label = _CountingLabel("64 samples")
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setFixedHeight(label.fontMetrics().height() + 4)
    window = _shown_holding(qtbot, label, 200)
    QApplication.processEvents()
    _CountingLabel.measured = 0
    for text in ("a much longer summary than before, " * 3, "x", "two\nlines"):
        set_text(label, text)
        QApplication.processEvents()
    assert _CountingLabel.measured == 0
    assert window.holder.height() == label.height()


# ----------------------------------------------------------- selectable on hover
_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse
_PLAIN = Qt.TextInteractionFlag.NoTextInteraction


@pytest.fixture
def hover_label(qtbot):
    label = QLabel("loss = 3.8275928")
    label.setTextFormat(Qt.TextFormat.PlainText)
    selectable_on_hover(label)
    top = _shown_holding(qtbot, label, 120)
    QApplication.processEvents()
    label.top = top  # the window lives as long as the label is used
    return label


def _enter(label: QLabel) -> None:
    """What Qt does when the mouse comes over the label."""
    label.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, True)
    spot = QPointF(5.0, 5.0)
    QApplication.sendEvent(label, QEnterEvent(spot, spot, label.mapToGlobal(spot)))


def _leave(label: QLabel) -> None:
    label.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, False)
    QApplication.sendEvent(label, QEvent(QEvent.Type.Leave))


def test_a_label_selectable_on_hover_is_plain_until_the_mouse_comes(hover_label):
    assert hover_label.textInteractionFlags() == _PLAIN
    set_text(hover_label, "loss = 3.8283877")  # edits meanwhile: still plain
    assert hover_label.textInteractionFlags() == _PLAIN
    _enter(hover_label)
    assert hover_label.textInteractionFlags() == _SELECTABLE
    set_text(hover_label, "loss = 3.8286414")  # the mouse is on it: stays selectable
    assert hover_label.textInteractionFlags() == _SELECTABLE
    hover_label.setSelection(0, 4)
    _leave(hover_label)
    set_text(hover_label, "loss = 3.8289537")  # (a new text drops the selection itself)
    assert hover_label.textInteractionFlags() == _SELECTABLE
    _enter(hover_label)
    _leave(hover_label)
    set_text(hover_label, "loss = 3.829327")  # the mouse went, nothing selected: plain
    assert hover_label.textInteractionFlags() == _PLAIN
    assert hover_label.text() == "loss = 3.829327"


def test_a_selection_made_on_hover_can_be_copied(hover_label):
    _enter(hover_label)
    hover_label.setSelection(0, 4)
    assert hover_label.selectedText() == "loss"


class _HeightCountingLabel(QLabel):
    """Counts the heights for a width the holder asks of it."""

    asked = 0

    def heightForWidth(self, width: int) -> int:
        type(self).asked += 1
        return super().heightForWidth(width)


@pytest.fixture
def counted_wrapping(qtbot):
    label = _HeightCountingLabel("Row 3, class 0: a caption that wraps, value 1.2346 here")
    top = _held_wrapping(qtbot, label)
    _HeightCountingLabel.asked = 0
    return top


def test_other_digits_in_a_wrapping_label_keep_its_height_unmeasured(counted_wrapping):
    label = counted_wrapping.label
    set_text(label, "Row 3, class 0: a caption that wraps, value 7.0001 here")
    set_text(label, "Row 3, class 0: a caption that wraps, value 0.5000 here")
    set_text(label, "Row 7, class 9: a caption that wraps, value 9.9999 here")
    assert _HeightCountingLabel.asked == 1  # the first of this shape only
    assert label.height() >= label.heightForWidth(label.width())
    set_text(label, "Row 3, class 0: another caption that wraps, value 0.5000 here")
    assert _HeightCountingLabel.asked == 3  # other words: measured again


def test_a_wrapping_label_measures_each_digit_shape_once(counted_wrapping):
    # A dragged value's digit count comes and goes: 7.5, 7.25, 7.5, 7.25 ...
    label = counted_wrapping.label
    for value in ("7.5", "7.25"):  # two shapes, "0.0" and "0.00": each measured
        set_text(label, f"Row 3, class 0: a caption that wraps, value {value} here")
    _HeightCountingLabel.asked = 0
    for value in ("3.5", "3.25", "1.5", "1.75", "2.5", "2.75"):
        set_text(label, f"Row 3, class 0: a caption that wraps, value {value} here")
    assert _HeightCountingLabel.asked == 0


def test_a_plain_auto_text_label_is_measured_once_per_digit_shape(qtbot, monkeypatch):
    from lossgui.qt import label_holder

    label = _CountingLabel("CrossEntropyLoss = 2.30259")  # AutoText, as QLabel's default
    window = _shown_holding(qtbot, label, 200)
    QApplication.processEvents()
    advances = []

    class CountingMetrics(label_holder.QFontMetricsF):
        def horizontalAdvance(self, *args):
            advances.append(args[0])
            return super().horizontalAdvance(*args)

    monkeypatch.setattr(label_holder, "QFontMetricsF", CountingMetrics)
    monkeypatch.setattr(label_holder, "_plain_extents", {})
    _CountingLabel.measured = 0
    for value in ("2.30261", "2.30264", "2.3027", "2.30271", "2.30275", "2.3028"):
        set_text(label, f"CrossEntropyLoss = {value}")
    assert _CountingLabel.measured == 0  # plain text: no size hints asked
    assert len(advances) == 2  # one per shape ("0.00000", "0.0000")
    assert window.holder.sizeHint().width() >= label.sizeHint().width()
    set_text(label, "CrossEntropyLoss = <b>2.3</b>")  # rich text: measured
    assert _CountingLabel.measured > 0


def test_proportional_digits_are_measured_every_time(counted_wrapping, monkeypatch):
    from lossgui.qt import label_holder

    label = counted_wrapping.label
    monkeypatch.setitem(label_holder._digits_keep_width, label.font().key(), False)
    set_text(label, "Row 3, class 0: a caption that wraps, value 7.0001 here")
    set_text(label, "Row 3, class 0: a caption that wraps, value 0.5000 here")
    assert _HeightCountingLabel.asked >= 2  # each text (the layout may ask too)


@pytest.fixture
def result_line(qtbot):
    """A plain word-wrapping label (as the result's "how it was reduced"), held, 300 px wide."""
    return _held_wrapping(qtbot, QLabel("mean = Σ l / count = 245.005 / 64 = 3.8282"))


def _one_line_and_two(label: QLabel) -> tuple[str, str]:
    """Two texts differing only in their numbers: one fits on a line here, one needs two."""
    short = "mean = Σ l / count = 2.5 / 64 = 0.04"
    digits = "1234567890"
    long = f"mean = Σ l / count = {digits * 2}.5 / 64 = 0.{digits * 2}"
    width = label.width()
    assert label.heightForWidth(width) > 0
    probe = QLabel(short)
    probe.setWordWrap(True)
    probe.setFont(label.font())
    one = probe.heightForWidth(width)
    probe.setText(long)
    assert probe.heightForWidth(width) > one, "the long numbers must wrap at this width"
    return short, long


def _on_two_lines(result_line: QWidget) -> tuple[str, str, int]:
    """Show the two-line text of :func:`_one_line_and_two`: (short, long, holder height)."""
    label = result_line.label
    short, long = _one_line_and_two(label)
    set_text(label, long)
    QApplication.processEvents()
    QApplication.processEvents()
    assert result_line.holder.height() >= label.heightForWidth(label.width())
    return short, long, result_line.holder.height()


def test_numbers_with_fewer_digits_keep_the_room_of_a_wrapped_line(result_line):
    label, holder = result_line.label, result_line.holder
    short, long, tall = _on_two_lines(result_line)
    below = result_line.below.y()
    requests = _LayoutRequests()
    result_line.installEventFilter(requests)
    set_text(label, short)  # a dragged value lost digits: the line below must not jump up
    QApplication.processEvents()
    assert requests.count == 0
    assert holder.height() == tall and result_line.below.y() == below
    # A layout pass for another reason keeps the room too (the holder answers for it).
    assert holder.heightForWidth(holder.width()) == tall
    result_line.layout().invalidate()
    QApplication.processEvents()
    assert holder.height() == tall
    requests.count = 0
    set_text(label, long)  # and the digits come back: it fits as it did
    QApplication.processEvents()
    assert requests.count == 0 and label.height() >= label.heightForWidth(label.width())


def test_other_words_give_back_the_room_of_a_wrapped_line(result_line):
    label, holder = result_line.label, result_line.holder
    _short, _long, tall = _on_two_lines(result_line)
    set_text(label, "sum = Σ l = 3.5")  # another reduction: fitted afresh
    QApplication.processEvents()
    QApplication.processEvents()
    assert holder.height() < tall
    assert holder.height() >= label.heightForWidth(label.width())


def test_a_new_text_repaints_the_label_and_nothing_behind_it(result_line):
    """The held label is opaque: Qt need not repaint its holder or the window under it."""
    paints_behind = EventCounter(QEvent.Type.Paint)
    result_line.installEventFilter(paints_behind)
    result_line.holder.installEventFilter(paints_behind)
    label_paints = EventCounter(QEvent.Type.Paint)
    result_line.label.installEventFilter(label_paints)
    for value in ("245.015", "245.04", "244.99"):
        set_text(result_line.label, f"mean = Σ l / count = {value} / 64 = 3.8282")
        QApplication.processEvents()
        QApplication.processEvents()
    assert label_paints.count >= 3
    assert paints_behind.count == 0
