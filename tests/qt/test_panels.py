"""Every plot panel: it follows the state, keeps its last curves when the Document is
rejected, catches up when shown, and reports a bug instead of raising.

Each panel's own numbers are checked in test_panels_<name>.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest

from lossgui.qt.panels.entropy_kl import EntropyKLPanel
from lossgui.qt.panels.imbalance import ImbalancePanel
from lossgui.qt.panels.loss_curve import LossCurvePanel
from lossgui.qt.panels.numerics import NumericsPanel
from lossgui.qt.panels.sigmoid_softmax import SigmoidSoftmaxPanel
from lossgui.qt.state import AppState
from tests.qt.panel_helpers import make, spatial_document

PANELS = (LossCurvePanel, SigmoidSoftmaxPanel, ImbalancePanel, NumericsPanel, EntropyKLPanel)


def break_document(state):
    """Give the state a Document PyTorch rejects (a target out of range)."""
    bad = replace(state.document, target=np.array([0, 1, 2, 7]))
    assert state.edit(lambda d: bad, "break")
    assert state.error is not None


# ------------------------------------------------------------------ all panels
@pytest.mark.parametrize("cls", PANELS)
def test_panels_keep_their_last_curves_when_the_document_is_rejected(qtbot, state, cls):
    panel = make(qtbot, cls, state)
    assert all(isinstance(p, pg.PlotWidget) for p in panel.plots) and panel.plots
    before = [
        [np.array(c.getData()[1], dtype=float) for c in p.getPlotItem().listDataItems()]
        for p in panel.plots
    ]
    assert panel.stale_label.isHidden()
    break_document(state)
    assert not panel.stale_label.isHidden()
    assert "stale" in panel.stale_label.text()
    after = [
        [np.array(c.getData()[1], dtype=float) for c in p.getPlotItem().listDataItems()]
        for p in panel.plots
    ]
    for a, b in zip(before, after, strict=True):
        for ca, cb in zip(a, b, strict=True):
            np.testing.assert_array_equal(ca, cb)
    state.undo_stack.undo()
    assert panel.stale_label.isHidden()


@pytest.mark.parametrize("cls", PANELS)
@pytest.mark.parametrize(
    "loss",
    [
        "nll_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "sigmoid_focal_loss",
        "multilabel_soft_margin_loss",
        "multi_margin_loss",
        "kl_div",
        "cosine_embedding_loss",
    ],
)
def test_panels_draw_every_loss_without_going_stale(qtbot, state, cls, loss):
    panel = make(qtbot, cls, state)
    assert state.edit(lambda d: d.with_loss(loss), "switch")
    assert state.error is None
    state.select(1, 2)
    assert panel.stale_label.isHidden(), panel.stale_label.text()


@pytest.mark.parametrize("cls", PANELS)
def test_hidden_panels_catch_up_when_shown(qtbot, state, cls):
    from PySide6.QtWidgets import QTabWidget, QWidget

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "first")
    panel = cls(state)
    tabs.addTab(panel, "panel")
    tabs.show()
    qtbot.waitExposed(tabs)
    # another row than the selected cell's, so the loss curve keeps its x range
    state.edit(lambda d: d.with_cell(1, 1, 5.0), "edit")
    tabs.setCurrentIndex(1)
    fresh = make(qtbot, cls, state)
    for shown, current in zip(panel.plots, fresh.plots, strict=True):
        items = zip(
            shown.getPlotItem().listDataItems(), current.getPlotItem().listDataItems(), strict=True
        )
        for a, b in items:
            # The data, not the points drawn: a curve may draw fewer on a narrower plot.
            data = "getOriginalDataset" if hasattr(a, "getOriginalDataset") else "getData"
            np.testing.assert_array_equal(getattr(a, data)()[1], getattr(b, data)()[1])


@pytest.mark.parametrize("cls", PANELS)
def test_panels_draw_a_spatial_batch(qtbot, qapp, cls):
    state = AppState(spatial_document())
    panel = make(qtbot, cls, state)
    state.select(613, 2)
    assert state.error is None
    assert panel.stale_label.isHidden(), panel.stale_label.text()


def test_a_bug_in_a_panel_is_reported_not_raised(qtbot, state, monkeypatch):
    import lossgui.qt.panels.numerics as module

    panel = make(qtbot, NumericsPanel, state)

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "class_numerics", broken)
    with qtbot.waitSignal(state.message) as blocker:
        state.select(1, 1)
    assert "boom" in blocker.args[0]
    assert "internal error" in panel.stale_label.text()
    assert not panel.stale_label.isHidden()
