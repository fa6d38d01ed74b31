"""Redraws that skip unchanged work must still show exactly what a fresh redraw shows."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication, QWidget

from lossgui.document_convert import default_document, randomized, resize
from lossgui.qt.grid import GridView
from lossgui.qt.grid_changes import changed_blocks
from lossgui.qt.grid_columns import layout_of
from lossgui.qt.panels.entropy_kl import EntropyKLPanel
from lossgui.qt.panels.imbalance import ImbalancePanel
from lossgui.qt.panels.loss_curve import LossCurvePanel
from lossgui.qt.panels.numerics import NumericsPanel
from lossgui.qt.panels.sigmoid_softmax import SigmoidSoftmaxPanel
from lossgui.qt.pipeline import PipelineView
from lossgui.qt.state import AppState

PANELS = (LossCurvePanel, SigmoidSoftmaxPanel, ImbalancePanel, NumericsPanel, EntropyKLPanel)


def big_document():
    return randomized(resize(default_document(), 64, 10), np.random.default_rng(3))


# ------------------------------------------------------------- grid changes
def test_with_evaluations_a_logit_edit_repaints_its_row_and_the_share_column():
    from lossgui.core.evaluate import evaluate

    doc = big_document()
    layout = layout_of(doc)
    new = doc.with_cell(4, 2, 9.5)

    def evaluation(d):
        return evaluate(d.loss, d.logits, d.target, d.options, transform=d.transform,
                        dtype=d.dtype)

    blocks = changed_blocks(doc, new, layout, colouring=False,
                            old_evaluation=evaluation(doc), new_evaluation=evaluation(new))
    col = {column.kind: c for c, column in enumerate(layout.columns) if column.computed}
    last_row = layout.rows - 1
    assert sorted(blocks) == sorted([
        (4, 2, 4, 2),
        (4, col["target_prob"], 4, col["target_prob"]),
        (4, col["loss"], 4, col["loss"]),
        (0, col["share"], last_row, col["share"]),
    ])


def test_a_small_step_repaints_only_the_shares_whose_text_changes():
    from lossgui.core.evaluate import evaluate
    from lossgui.qt.grid_columns import share_text

    doc = big_document()
    layout = layout_of(doc)
    new = doc.with_cell(4, 2, float(doc.logits[4, 2]) + 0.1)  # a step of a drag

    def evaluation(d):
        return evaluate(d.loss, d.logits, d.target, d.options, transform=d.transform,
                        dtype=d.dtype)

    old_ev, new_ev = evaluation(doc), evaluation(new)
    blocks = changed_blocks(doc, new, layout, colouring=False,
                            old_evaluation=old_ev, new_evaluation=new_ev)
    share = next(c for c, column in enumerate(layout.columns) if column.kind == "share")
    repainted = {
        r for top, left, bottom, right in blocks if left <= share <= right
        for r in range(top, bottom + 1)
    }
    moved = {
        r for r in range(layout.rows)
        if share_text(old_ev.row_share[r]) != share_text(new_ev.row_share[r])
    }
    assert moved <= repainted  # nothing shown goes stale
    assert 0 < len(repainted) < layout.rows  # and the unchanged texts are left alone


def test_a_logit_edit_changes_its_cell_and_the_computed_columns():
    doc = big_document()
    layout = layout_of(doc)
    new = doc.with_cell(4, 2, 9.5)
    blocks = changed_blocks(doc, new, layout, colouring=False)
    last_row, last_col = layout.rows - 1, len(layout.columns) - 1
    computed = [c for c, column in enumerate(layout.columns) if column.computed]
    assert (0, min(computed), last_row, last_col) in blocks
    assert (4, 2, 4, 2) in blocks
    assert len(blocks) == 2


def test_gradient_colouring_repaints_every_logit():
    doc = big_document()
    layout = layout_of(doc)
    blocks = changed_blocks(doc, doc.with_cell(0, 0, 1.0), layout, colouring=True)
    assert (0, 0, layout.rows - 1, doc.classes - 1) in blocks


def test_a_target_edit_repaints_its_whole_row():
    doc = big_document()
    layout = layout_of(doc)
    target = int(doc.grid_target()[7])
    new = doc.with_target(7, (target + 1) % doc.classes)
    blocks = changed_blocks(doc, new, layout, colouring=False)
    assert (7, 0, 7, len(layout.columns) - 1) in blocks


def test_an_option_change_repaints_everything():
    doc = big_document()
    new = doc.with_option("label_smoothing", 0.1)
    assert changed_blocks(doc, new, layout_of(doc), colouring=False) is None


def _screen(widget):
    """What the window's backing store holds now (not a fresh render)."""
    return QApplication.primaryScreen().grabWindow(widget.winId()).toImage()


def _repainted(widget):
    """The backing store after every widget in ``widget`` painted itself again."""
    for child in [widget, *widget.findChildren(QWidget)]:
        child.update()
    QApplication.processEvents()
    return _screen(widget)


@pytest.mark.parametrize("colouring", [False, True])
def test_grid_after_edits_looks_like_a_full_repaint(qtbot, colouring):
    state = AppState(big_document())
    grid = GridView(state)
    qtbot.addWidget(grid)
    # Wide enough for the computed columns; the edits are in the rows on screen.
    grid.resize(1400, 500)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_gradient_colouring(colouring)
    model = grid.model
    rng = np.random.default_rng(1)
    for _ in range(6):
        row, col = int(rng.integers(10)), int(rng.integers(10))
        assert model.setData(model.index(row, col), f"{rng.normal(0, 3):.3f}")
        QApplication.processEvents()
        state.select(int(rng.integers(10)), int(rng.integers(10)))  # a plot's selection
        QApplication.processEvents()
    model.setData(model.index(2, 1), "not a number")  # a refused cell is hatched
    QApplication.processEvents()
    assert _screen(grid) == _repainted(grid)
    shown = model.data(model.index(2, model.column_of("loss")))
    assert float(shown) == pytest.approx(float(state.evaluation.row_loss[2]), rel=1e-5)


# ------------------------------------------------------------------ panels
def _drawn(panel):
    """Every plotted array, line position and label text of a panel."""
    out = []
    for plot in panel.plots:
        item = plot.getPlotItem()
        for it in [*item.vb.addedItems, *item.items]:
            if isinstance(it, pg.PlotDataItem):
                out.extend(it.getOriginalDataset())
            elif isinstance(it, pg.PlotCurveItem):
                out.extend(it.getData())
            elif isinstance(it, pg.BarGraphItem):
                out.extend(it.opts.get(k) for k in ("x", "height", "y0"))
            elif isinstance(it, pg.ScatterPlotItem):
                out.extend((it.data["x"], it.data["y"]))
            elif isinstance(it, pg.InfiniteLine):
                out.append((float(it.value()), it.isVisible()))
    return out


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    return a == b


@pytest.mark.parametrize("cls", PANELS)
def test_panels_after_edits_and_drags_match_a_fresh_panel(qtbot, cls):
    state = AppState(big_document())
    panel = cls(state)
    qtbot.addWidget(panel)
    rng = np.random.default_rng(7)
    for step in range(30):
        if step % 5 == 0:
            state.select(int(rng.integers(64)), int(rng.integers(10)))
        row, col = state.selection if step % 2 else (int(rng.integers(64)), int(rng.integers(10)))
        value = round(float(rng.normal(0, 3)), 3)
        state.edit(lambda d, r=row, c=col, v=value: d.with_cell(r, c, v), "edit")
    fresh = cls(state)
    qtbot.addWidget(fresh)
    if cls is LossCurvePanel:
        # The sweep window follows the cell's history; give the fresh panel the same one.
        fresh._window = panel._window
        fresh.refresh()
    before, after = _drawn(panel), _drawn(fresh)
    assert len(before) == len(after)
    assert all(_same(a, b) for a, b in zip(before, after, strict=True))


# ---------------------------------------------------------------- pipeline
def test_pipeline_table_is_the_selected_rows_and_the_line_follows_the_batch(qtbot):
    state = AppState(big_document())
    view = PipelineView(state)
    qtbot.addWidget(view)
    table, line = view.table_text(), view.batch_line.text()
    assert "reduction" in line and "share" in line
    changes = []
    view.model.dataChanged.connect(lambda *args: changes.append(args))
    view.model.modelReset.connect(lambda: changes.append("reset"))
    state.edit(lambda d: d.with_cell(9, 1, 7.25), "other row")
    assert view.table_text() == table  # row 0's steps do not depend on row 9
    assert changes == []  # so the table is not touched at all
    assert view.batch_line.text() != line  # the sum of the batch does
    assert f"{state.evaluation.value:.6g}"[:5] in view.batch_line.text()
    state.edit(lambda d: d.with_cell(0, 1, 7.25), "selected row")
    assert view.table_text() != table
    assert changes and "reset" not in changes  # cells change in place
