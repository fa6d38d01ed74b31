"""The pipeline view: how the selected row becomes its loss, one step per line.

Reads the selected row (``state.selection``) and shows, as a compact read-only
table, each intermediate the loss computes: logits, shift, softmax or sigmoid,
the picked entry, weights and the row's loss; a line under the table gives the
row's share of the sum and the reduction that combines the rows.

The table depends on the selected row only, so an edit of another row (the
usual case while typing or dragging) leaves it untouched: laying out a rich
text table costs several milliseconds, the line under it a fraction of one.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QTextBrowser, QVBoxLayout, QWidget

from lossgui.qt.pipeline_steps import Step, pipeline_steps
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState

__all__ = ["PipelineView"]

# Wider batches are cut in the view (the grid shows them all); keeps the table readable.
_MAX_SHOWN_CLASSES = 16
# Steps that change with any row of the batch: shown under the table, not in it.
_BATCH_STEPS = ("share", "reduction")

# Rows are told apart by shading, not borders: Qt lays out a table with cell borders
# (or collapsed ones) about twice as slowly, and the table is rebuilt on every edit
# of the selected row (while a logit is dragged, many times a second).
_CSS = """
td, th { padding: 2px 6px; }
tr.odd { background: #f3f3f3; }
th { color: #555; font-weight: normal; text-align: right; }
td.name { font-weight: bold; white-space: nowrap; }
td.formula { color: #666; font-style: italic; white-space: nowrap; }
td.num { text-align: right; font-family: monospace; white-space: nowrap; }
td.hit { background: #fff3c4; }
td.scalar { font-family: monospace; }
"""


def _cell(value: float) -> str:
    return f"{float(value):.5g}"


class PipelineView(QWidget):
    """The selected row's computation as a read-only table.

    Parameters
    ----------
    state : AppState
    parent : QWidget, optional

    Attributes
    ----------
    title_label : QLabel
    browser : QTextBrowser
        The table (selectable, copyable).
    batch_line : QLineEdit
        Read-only: the steps that depend on the whole batch (the row's share and
        the reduction). A line edit, not a label: its size does not depend on its
        text, so updating it on every edit does not lay the window out again.
    steps : list of Step
        What is shown now (empty while PyTorch would refuse the numbers).
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.steps: list[Step] = []
        self.title_label = QLabel(self)
        self.title_label.setToolTip("Select a cell in the grid to follow another row")
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
        self.browser.document().setDefaultStyleSheet(_CSS)
        self.browser.setToolTip(
            "Each step of the loss for the selected row; the target class is highlighted"
        )
        self.batch_line = QLineEdit(self)
        self.batch_line.setReadOnly(True)
        self.batch_line.setFrame(False)
        palette = self.batch_line.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self.batch_line.setPalette(palette)
        self._shown_html = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.batch_line)
        state.changed.connect(self.refresh)
        state.selectionChanged.connect(self.refresh)
        self.refresh()

    @guarded
    def refresh(self, *_: int) -> None:
        """Rebuild the table for the selected row."""
        doc = self.state.document
        row = min(self.state.selection[0], doc.rows - 1)
        self.title_label.setText(f"{doc.spec.label}, row {doc.row_label(row)}: step by step")
        evaluation = self.state.evaluation
        if self.state.error is not None or evaluation is None:
            self.steps = []
            self.browser.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
            reason = html.escape(self.state.error or "no result yet")
            self._set_html(
                f"<p style='color:#8a1c12'>PyTorch would raise: {reason}</p>"
                "<p>Fix the numbers or options to see the steps again.</p>"
            )
            self._set_batch_line("")
            return
        self.steps = pipeline_steps(doc, evaluation, row)
        self.browser.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
        row_steps = [s for s in self.steps if s.name not in _BATCH_STEPS]
        self._set_html(self._html(row_steps, doc.classes))
        self._set_batch_line(
            "   ·   ".join(
                f"{s.name} ({s.formula}): {s.scalar}" for s in self.steps if s.name in _BATCH_STEPS
            )
        )

    def _set_batch_line(self, text: str) -> None:
        self.batch_line.setText(text)
        self.batch_line.setCursorPosition(0)  # show the start when the line is cut
        about = "The row's share of the summed loss, and how the reduction combines the rows."
        self.batch_line.setToolTip(f"{text}\n\n{about}" if text else about)

    def _set_html(self, text: str) -> None:
        # setHtml lays the whole table out again: skip it when nothing shown changed.
        if text != self._shown_html:
            self._shown_html = text
            self.browser.setHtml(text)

    @staticmethod
    def _html(steps: list[Step], classes: int) -> str:
        cols = _shown_columns(steps, classes)
        head = "".join(_gap(cols, i, "th") + f"<th>c{c}</th>" for i, c in enumerate(cols))
        tail = "<th>…</th>" if cols[-1] < classes - 1 else ""
        lines = [f"<table cellspacing='0'><tr><th></th>{head}{tail}</tr>"]
        width = len(cols) + sum(1 for i in range(len(cols)) if _gap(cols, i, "td")) + bool(tail)
        for number, step in enumerate(steps):
            name = html.escape(step.name)
            formula = html.escape(step.formula)
            if step.values is None:
                text = html.escape(step.scalar)
                cells = f"<td class='scalar' colspan='{width}'>{text}</td>"
            else:
                values = np.asarray(step.values).reshape(-1)
                cells = "".join(
                    _gap(cols, i, "td")
                    + f"<td class='{'num hit' if c == step.highlight else 'num'}'>"
                    + f"{_cell(values[c])}</td>"
                    for i, c in enumerate(cols)
                ) + ("<td class='num'>…</td>" if tail else "")
            shade = " class='odd'" if number % 2 else ""
            lines.append(
                f"<tr{shade}><td class='name'>{name}</td>{cells}"
                f"<td class='formula'>{formula}</td></tr>"
            )
        lines.append("</table>")
        return "".join(lines)


def _shown_columns(steps: list[Step], classes: int) -> list[int]:
    """The class columns to show: all, or the first ones plus the target class."""
    if classes <= _MAX_SHOWN_CLASSES:
        return list(range(classes))
    target = next((s.highlight for s in steps if s.highlight is not None), None)
    if target is None or not 0 <= target < classes or target < _MAX_SHOWN_CLASSES:
        return list(range(_MAX_SHOWN_CLASSES))
    return [*range(_MAX_SHOWN_CLASSES - 1), target]


def _gap(cols: list[int], i: int, tag: str) -> str:
    """An ellipsis cell before column ``i`` when classes were skipped there."""
    return f"<{tag}>…</{tag}>" if i > 0 and cols[i] != cols[i - 1] + 1 else ""
