"""Extreme but finite numbers a user can type: PyTorch's inf / NaN, never a warning."""

import warnings

import numpy as np
import pytest

from lossgui.core.evaluate import evaluate
from lossgui.document_convert import default_document, switch_loss


def _evaluate(doc):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return evaluate(
            doc.loss,
            doc.logits,
            doc.target,
            doc.options,
            transform=doc.transform,
            dtype=doc.dtype,
            input2=doc.input2,
        )


def test_float64_number_beyond_float32_range_becomes_inf_then_nan_like_torch():
    result = _evaluate(default_document().with_cell(0, 0, 1e39))
    assert np.isnan(result.value)  # torch: softmax of [inf, 1, 0.1] is NaN, so is the loss
    assert np.isnan(result.probs[0]).all()


def test_nll_as_given_with_large_number_shows_inf_probability():
    doc = switch_loss(default_document(), "nll_loss").with_transform("none").with_cell(0, 0, 1000)
    result = _evaluate(doc)
    assert result.value == pytest.approx(-(1000 + 2.5 + 3.1 + 0.4) / 4)
    assert result.probs[0, 0] == np.inf


def test_opposite_extremes_in_one_row_give_a_finite_loss():
    doc = default_document().with_cell(1, 0, 3.4e38).with_cell(1, 2, -3.4e38)
    result = _evaluate(doc)
    assert np.isfinite(result.row_loss[0]) and np.isfinite(result.row_loss[2])
