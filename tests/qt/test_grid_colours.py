"""Gradient colours of the grid: what the view asks for, the same colours, bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

import lossgui.qt.grid_model as grid_model
from lossgui.document import Document
from lossgui.qt.grid_colours import gradient_colours, gradient_scale
from lossgui.qt.grid_model import GridModel
from lossgui.qt.state import AppState

BACKGROUND = Qt.ItemDataRole.BackgroundRole


def _colour(model: GridModel, row: int, c: int) -> QColor | None:
    return model.data(model.index(row, model.column_of("logit", c)), BACKGROUND)


def _expected(grad: np.ndarray, row: int, c: int) -> int:
    """The colour the whole-gradient map gives cell (row, c): the behaviour to keep."""
    finite = grad[np.isfinite(grad)]
    scale = float(np.abs(finite).max())
    return int(gradient_colours(grad, scale)[row, c])


def _spatial(rows_x: int, rows_y: int, classes: int = 5, seed: int = 0) -> Document:
    rng = np.random.default_rng(seed)
    logits = 3 * rng.standard_normal((1, classes, rows_x, rows_y), dtype=np.float32)
    target = rng.integers(0, classes, (1, rows_x, rows_y))
    return Document("cross_entropy", logits, target)


def test_colours_are_those_of_the_whole_gradient_map(qapp):
    # 30 x 30 = 900 rows: several colour blocks, the last one partial.
    doc = _spatial(30, 30)
    logits = np.array(doc.logits)
    logits[0, :, 29, 29] = np.inf  # a row whose gradient is not finite
    state = AppState(Document("cross_entropy", logits, doc.target))
    model = GridModel(state)
    model.set_gradient_colouring(True)
    grad = np.asarray(state.evaluation.grad)
    assert not np.isfinite(grad[-1]).all()
    for row in (0, 255, 256, 511, 700, 898, 899):
        for c in range(doc.classes):
            colour = _colour(model, row, c)
            packed = _expected(grad, row, c)
            if packed == 0:
                assert colour is None, "a cell without a finite gradient stays uncoloured"
            else:
                assert colour is not None and colour.rgba() == QColor(packed).rgba()


def test_colours_follow_a_new_evaluation(qapp):
    state = AppState(_spatial(20, 20))
    model = GridModel(state)
    model.set_gradient_colouring(True)
    target = int(state.document.grid_target()[3])
    other = (target + 1) % state.document.classes
    assert _colour(model, 3, other) is not None
    # Row 3 now predicts its target with certainty: its gradient is 0, the cell white.
    state.edit(lambda d: d.with_cell(3, target, 80.0), "Edit")
    grad = np.asarray(state.evaluation.grad)
    after = _colour(model, 3, other)
    assert after.rgba() == QColor(_expected(grad, 3, other)).rgba()
    assert after.rgba() == QColor(255, 255, 255).rgba()


def test_colouring_a_large_batch_allocates_only_what_is_shown(qapp):
    # 1.2 million rows: the whole-gradient map made (P, C, 3) arrays, ~25 bytes per cell
    # in each of several temporaries (about 0.6 GB here at its peak).
    state = AppState(_spatial(600, 2000, classes=4))
    state.async_elements = 1 << 30  # evaluate here, not in a worker
    model = GridModel(state)
    model.set_gradient_colouring(True)
    grad = state.evaluation.grad
    tracemalloc.start()
    try:
        for row in (0, 1, 40, 600_000, grad.shape[0] - 1):
            assert isinstance(_colour(model, row, 2), QColor)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A bounded scan for the scale and one block of rows per cell asked for.
    assert peak < grad.nbytes / 4, f"colouring 5 cells allocated {peak / 1e6:.1f} MB"
    assert _colour(model, 600_000, 3).rgba() == QColor(_expected(grad, 600_000, 3)).rgba()


def test_colour_and_text_caches_stay_bounded_while_scrolling(qapp, monkeypatch):
    monkeypatch.setattr(grid_model, "_MAX_CACHED", 500)
    state = AppState(_spatial(40, 50))
    model = GridModel(state)
    model.set_gradient_colouring(True)
    for row in range(0, 2000, 3):  # scroll from top to bottom
        for col in range(model.columnCount()):
            index = model.index(row, col)
            model.data(index, BACKGROUND)
            model.data(index, Qt.ItemDataRole.DisplayRole)
    assert len(model._colour_cache) <= 500
    assert len(model._text_cache) <= 500
    assert len(model._grad_blocks) <= grid_model._COLOUR_BLOCKS
    # After all that scrolling the first cells still read right.
    grad = np.asarray(state.evaluation.grad)
    assert _colour(model, 0, 0).rgba() == QColor(_expected(grad, 0, 0)).rgba()
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole) == (
        f"{float(state.document.grid_logits()[0, 0]):.6g}"
    )


@pytest.mark.parametrize(
    "values, scale",
    [
        ([[1.0, -3.0], [np.nan, 2.0]], 3.0),
        ([[np.inf, -np.inf], [0.0, -0.5]], 0.5),
        ([[np.nan, np.nan]], 0.0),
    ],
)
def test_gradient_scale_ignores_non_finite_values(values, scale):
    assert gradient_scale(np.array(values, dtype=np.float32)) == scale
