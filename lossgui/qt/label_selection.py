"""Labels that can be selected with the mouse, and cost a plain label's redraw meanwhile.

A selectable QLabel keeps a text document: each new text is laid out as a
document, painted through it and (laid out during its paint) painted twice.
For labels whose numbers change on every drag step (the result, the numerics
value table, the samples' status) that is several times the cost of a plain
label. :func:`selectable_on_hover` keeps such a label plain until the mouse
enters it; :func:`plain_unless_in_use`, called before each new text (see
:func:`lossgui.qt.label_holder.set_text`), makes it plain again once the mouse
has gone, nothing is selected in it and no menu (its Copy menu) is open.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel

__all__ = ["plain_unless_in_use", "selectable_on_hover"]

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse
_PLAIN = Qt.TextInteractionFlag.NoTextInteraction
_ON_HOVER = "lossgui_selectable_on_hover"


class _SelectOnEnter(QObject):
    """Makes a label selectable when the mouse enters it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Enter and isinstance(watched, QLabel):
            if watched.textInteractionFlags() != _SELECTABLE:
                watched.setTextInteractionFlags(_SELECTABLE)
        return False


_select_on_enter: list[_SelectOnEnter] = []  # one filter for all, made once Qt is up


def selectable_on_hover(label: QLabel) -> None:
    """Let the mouse select ``label``'s text; plain (cheap to redraw) while unused."""
    if not _select_on_enter:
        _select_on_enter.append(_SelectOnEnter())
    label.setProperty(_ON_HOVER, True)
    label.setTextInteractionFlags(_SELECTABLE if label.underMouse() else _PLAIN)
    label.installEventFilter(_select_on_enter[0])


def plain_unless_in_use(label: QLabel) -> None:
    """Make a label selectable on hover plain again, unless someone is selecting in it."""
    if (
        label.property(_ON_HOVER)
        and label.textInteractionFlags() != _PLAIN
        and not label.underMouse()
        and not label.hasSelectedText()
        and QApplication.activePopupWidget() is None
    ):
        label.setTextInteractionFlags(_PLAIN)
