"""The pipeline view works for large batches, whose evaluation keeps no CE parts."""

import dataclasses

import numpy as np
import pytest

from lossgui.core.evaluate import evaluate
from lossgui.document import Document
from lossgui.qt.pipeline_steps import pipeline_steps


def _doc(loss, transform="none"):
    rng = np.random.default_rng(7)
    logits = rng.normal(0, 2, size=(2, 4, 3, 3))
    target = rng.integers(0, 4, size=(2, 3, 3))
    target[0, 0, 0] = 255
    return Document(
        loss,
        logits,
        target,
        transform=transform,
        options={"ignore_index": 255, "weight": (1.0, 2.0, 0.5, 3.0)},
    )


@pytest.mark.parametrize(
    ("loss", "transform"), [("cross_entropy", "none"), ("nll_loss", "log_softmax")]
)
@pytest.mark.parametrize("row", [0, 5, 17])
def test_steps_without_parts_equal_steps_with_parts(loss, transform, row):
    doc = _doc(loss, transform)
    full = evaluate(doc.loss, doc.logits, doc.target, doc.options, transform=doc.transform)
    assert full.parts is not None
    lean = dataclasses.replace(full, parts=None)  # what a large batch's evaluation holds
    with_parts = pipeline_steps(doc, full, row)
    without = pipeline_steps(doc, lean, row)
    assert [s.name for s in without] == [s.name for s in with_parts]
    for a, b in zip(with_parts, without, strict=True):
        assert a.scalar == b.scalar
        if a.values is not None:
            np.testing.assert_allclose(b.values, a.values, rtol=1e-6)


def test_numerics_panel_takes_a_row_of_subnormal_logits(qtbot):
    from lossgui.document_convert import default_document
    from lossgui.qt.panels.numerics import NumericsPanel
    from lossgui.qt.state import AppState

    state = AppState(default_document())
    panel = NumericsPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    for col in range(3):
        assert state.edit(lambda d, c=col: d.with_cell(0, c, 1e-310), "tiny")
    panel.refresh()
    assert all(np.isfinite(curve.getData()[0]).all() for curve in panel.plots[0].listDataItems())
