"""The per-sample table repaints only the cells an edit changed, and never shows a stale one."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication, QWidget

from lossgui.core.evaluate import evaluate
from lossgui.document import Document
from lossgui.qt.sample_changes import changed_cells, share_percent_text
from lossgui.qt.sample_table import SampleTable
from lossgui.qt.state import AppState

COLUMNS = {"sample": 0, "loss": 1, "share": 2, "p_target": 3, "target": 4, "predicted": 5}


def _document(rows: int = 40, classes: int = 4) -> Document:
    rng = np.random.default_rng(11)
    return Document(
        loss="cross_entropy",
        logits=rng.normal(size=(rows, classes)) * 2,
        target=rng.integers(0, classes, rows),
    )


def _evaluation(doc: Document):
    return evaluate(doc.loss, doc.logits, doc.target, doc.options, dtype=doc.dtype)


def test_an_edit_changes_its_own_row_and_the_shares_whose_text_moved():
    doc = _document()
    new = doc.with_cell(5, 1, float(doc.logits[5, 1]) + 0.05)
    old_ev, new_ev = _evaluation(doc), _evaluation(new)
    changed = changed_cells(doc, old_ev, new, new_ev, COLUMNS)
    assert changed is not None
    assert np.flatnonzero(changed[COLUMNS["loss"]]).tolist() == [5]
    moved = [
        r for r in range(40)
        if share_percent_text(old_ev.row_share[r]) != share_percent_text(new_ev.row_share[r])
    ]
    share_rows = np.flatnonzero(changed[COLUMNS["share"]]).tolist()
    assert set(moved) | {5} == set(share_rows)
    assert len(share_rows) < 40


def test_other_targets_or_options_change_everything():
    doc = _document()
    for new in (doc.with_target(3, 0), doc.with_option("label_smoothing", 0.1)):
        assert changed_cells(doc, _evaluation(doc), new, _evaluation(new), COLUMNS) is None


def _screen(widget: QWidget):
    return QApplication.primaryScreen().grabWindow(widget.winId()).toImage()


def test_the_table_after_edits_looks_like_a_full_repaint(qtbot):
    state = AppState(_document())
    table = SampleTable(state)
    qtbot.addWidget(table)
    table.resize(900, 500)
    table.show()
    qtbot.waitExposed(table)
    rng = np.random.default_rng(2)
    for _ in range(6):
        row, col = int(rng.integers(40)), int(rng.integers(4))
        state.edit(lambda d, r=row, c=col: d.with_cell(r, c, float(rng.normal(0, 3))), "edit")
        QApplication.processEvents()
    assert _shows_what_a_full_repaint_shows(table)
    # And after the pause the rows are sorted, the screen still current.
    qtbot.waitUntil(lambda: not table.model.is_sorting())
    QApplication.processEvents()
    assert _shows_what_a_full_repaint_shows(table)


def _shows_what_a_full_repaint_shows(widget: QWidget) -> bool:
    shown = _screen(widget)
    for child in [widget, *widget.findChildren(QWidget)]:
        child.update()
    QApplication.processEvents()
    return shown == _screen(widget)
