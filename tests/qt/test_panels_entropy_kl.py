"""Entropy / KL panel: entropy + KL bars add up to each row's cross entropy."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lossgui.core.entropy import document_entropy_kl
from lossgui.document import Document
from lossgui.qt.panels.entropy_kl import MAX_BARS, EntropyKLPanel
from lossgui.qt.state import AppState
from tests.qt.panel_helpers import big_document, make, spatial_document


def test_entropy_bars_add_up_to_cross_entropy(qtbot, qapp):
    doc = big_document().with_loss("cross_entropy", "probability")
    state = AppState(doc)
    panel = make(qtbot, EntropyKLPanel, state)
    result = document_entropy_kl(
        doc.loss, doc.logits, doc.target, doc.options, dtype=doc.dtype, target_kind="probability"
    )
    np.testing.assert_allclose(panel.entropy_bars.opts["height"], result.parts.entropy)
    np.testing.assert_allclose(panel.kl_bars.opts["y0"], result.parts.entropy)
    np.testing.assert_allclose(panel.kl_bars.opts["height"], result.parts.kl)
    _, ce = panel.ce_points.getData()
    np.testing.assert_allclose(ce, result.parts.entropy + result.parts.kl, rtol=1e-5)
    np.testing.assert_allclose(ce, state.evaluation.row_loss, rtol=1e-5)


def test_entropy_panel_says_index_targets_are_one_hot(qtbot, state):
    panel = make(qtbot, EntropyKLPanel, state)
    assert "one-hot" in panel.note_label.text()
    np.testing.assert_array_equal(panel.entropy_bars.opts["height"], 0)
    np.testing.assert_allclose(panel.kl_bars.opts["height"], state.evaluation.row_loss, rtol=1e-5)
    state.edit(lambda d: d.with_loss("multi_margin_loss"), "switch")
    assert "not a cross entropy" in panel.note_label.text()
    assert len(panel.kl_bars.opts["height"]) == 0


def test_entropy_panel_windows_large_batches_around_the_selection(qtbot, qapp):
    state = AppState(replace(spatial_document(), options={}))
    panel = make(qtbot, EntropyKLPanel, state)
    state.select(700, 0)
    heights = panel.kl_bars.opts["height"]
    x = panel.kl_bars.opts["x"]
    assert len(heights) == MAX_BARS
    assert x[0] <= 700 <= x[-1]
    assert x[-1] == state.document.rows - 1
    rows = x.astype(int)
    np.testing.assert_allclose(heights, state.evaluation.row_loss[rows], rtol=1e-5)
    assert f"of {state.document.rows}" in panel.note_label.text()


def test_an_ignored_row_reads_zero_not_minus_zero(qtbot, qapp):
    # PyTorch's loss of an ignored row is -0.0; the panel's sentence says 0.
    logits = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [2.0, 0.0, 1.0]])
    doc = Document(loss="cross_entropy", logits=logits, target=np.array([0, -100, 2]))
    state = AppState(doc)
    panel = make(qtbot, EntropyKLPanel, state)
    state.select(1, 0)
    text = panel.note_label.text()
    assert "CE = 0 nats" in text and "-0" not in text
