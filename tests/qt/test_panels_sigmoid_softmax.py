"""Sigmoid-vs-softmax panel: core's curves for the selected row and its class pair."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lossgui.core.sweeps import sigmoid_vs_softmax
from lossgui.document import Document
from lossgui.document_convert import default_document, resize
from lossgui.qt.panels.sigmoid_softmax import ZERO_FLOOR, SigmoidSoftmaxPanel
from lossgui.qt.state import AppState
from tests.qt.panel_helpers import curve_xy, make


def test_sigmoid_softmax_draws_core_values_for_the_row(qtbot, state):
    state.select(2, 0)
    panel = make(qtbot, SigmoidSoftmaxPanel, state)
    row = state.document.grid_logits()[2]
    sweep = sigmoid_vs_softmax((-20, 20), 401, b=row[1], dtype="float32")
    np.testing.assert_array_equal(curve_xy(panel.softmax_curve)[1], sweep.softmax_a)
    np.testing.assert_array_equal(curve_xy(panel.sigmoid_curve)[1], sweep.sigmoid)
    np.testing.assert_array_equal(curve_xy(panel.ce_curve)[1], sweep.cross_entropy)
    np.testing.assert_array_equal(curve_xy(panel.bce_curve)[1], sweep.bce_with_logits)
    x, drawn = panel.difference_curve.getOriginalDataset()  # as given; drawn at log10
    np.testing.assert_array_equal(x, sweep.diff)
    np.testing.assert_array_equal(drawn, np.maximum(sweep.abs_difference, ZERO_FLOOR))
    # On the log axis: the points sit at log10 of the values.
    np.testing.assert_allclose(panel.difference_curve.getData()[1], np.log10(drawn))
    loss_drawn = panel.loss_difference_curve.getOriginalDataset()[1]
    np.testing.assert_array_equal(loss_drawn, np.maximum(sweep.loss_abs_difference, ZERO_FLOOR))
    assert panel.markers[0].value() == pytest.approx(row[0] - row[1], rel=1e-6)


def test_sigmoid_softmax_pair_selector(qtbot, state):
    state.select(1, 0)
    panel = make(qtbot, SigmoidSoftmaxPanel, state)
    assert panel.pair() == (0, 1)
    assert not panel.class_a.isHidden()
    panel.class_b.setValue(2)
    row = state.document.grid_logits()[1]
    assert panel.markers[1].value() == pytest.approx(row[0] - row[2], rel=1e-6)
    sweep = sigmoid_vs_softmax((-20, 20), 401, b=row[2], dtype="float32")
    np.testing.assert_array_equal(curve_xy(panel.softmax_curve)[1], sweep.softmax_a)


def test_two_classes_hide_the_pair_selector(qtbot, qapp):
    doc = replace(resize(default_document(), 4, 2), target=np.array([0, 1, 1, 0]))
    state = AppState(doc)
    panel = make(qtbot, SigmoidSoftmaxPanel, state)
    assert panel.class_a.isHidden()
    row = doc.grid_logits()[0]
    assert panel.markers[0].value() == pytest.approx(row[0] - row[1])


def test_a_loss_that_rounds_to_minus_zero_reads_0_in_the_summary(qtbot):
    # cross_entropy([1000, 0], 0) is -0.0 in float32 (PyTorch's bits too): the prose says 0.
    doc = Document(
        loss="cross_entropy",
        logits=np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32),
        target=np.array([0]),
    )
    panel = make(qtbot, SigmoidSoftmaxPanel, AppState(doc))
    text = panel.summary_label.text()
    assert "CE = 0," in text and "-0" not in text
