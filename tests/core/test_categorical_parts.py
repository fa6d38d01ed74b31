"""cross_entropy_parts / nll_loss_parts: the pieces the panels show add up to the loss."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.core.categorical import (
    cross_entropy,
    cross_entropy_parts,
    nll_loss_parts,
)
from tests.core.categorical_cases import OPTION_CASES, REDUCTIONS, build


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", OPTION_CASES)
def test_parts_are_consistent(case, reduction):
    x, t, kw = build(case)
    parts = cross_entropy_parts(x, t, reduction=reduction, **kw)
    np.testing.assert_array_equal(parts.value, cross_entropy(x, t, reduction=reduction, **kw))
    np.testing.assert_allclose(parts.losses, cross_entropy(x, t, reduction="none", **kw))
    np.testing.assert_allclose(parts.probs.sum(axis=0 if x.ndim == 1 else 1), 1.0)
    np.testing.assert_allclose(np.exp(parts.log_probs), parts.probs)
    if reduction == "mean":
        assert float(parts.value) == pytest.approx(parts.numerator / parts.denominator)
    elif reduction == "sum":
        assert parts.denominator == 1.0 and float(parts.value) == pytest.approx(parts.numerator)
    if case[1] == "index":
        eps, n_classes = parts.label_smoothing, x.shape[0 if x.ndim == 1 else 1]
        expected = (1 - eps) * parts.nll + eps / n_classes * parts.smooth
        np.testing.assert_allclose(parts.losses, expected)
        np.testing.assert_allclose(parts.nll, -parts.weights * parts.picked)
        assert parts.ignored.sum() == (np.asarray(t) == kw.get("ignore_index", -100)).sum()
        assert (parts.weights[parts.ignored] == 0).all() and (
            parts.smooth[parts.ignored] == 0
        ).all()
    else:
        np.testing.assert_allclose(parts.losses, parts.nll)
        axis = 0 if x.ndim == 1 else 1
        eps, n_classes = kw.get("label_smoothing", 0.0), x.shape[axis]
        smoothed = t * (1 - eps) + eps / n_classes
        w = np.asarray(kw.get("weight", np.ones(n_classes)))
        w = w.reshape((-1,) + (1,) * (x.ndim - axis - 1))
        np.testing.assert_allclose(parts.picked, (smoothed * parts.log_probs).sum(axis=axis))
        np.testing.assert_allclose(parts.weights, (w * smoothed).sum(axis=axis))
        assert not parts.ignored.any() and (parts.smooth == 0).all()


def test_parts_values_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [3.0, 1.0, 0.0]])
    parts = cross_entropy_parts(x, [2, -100], weight=[1.0, 2.0, 4.0], label_smoothing=0.3)
    lp = x[0] - np.log(np.exp(x[0]).sum())
    assert parts.picked[0] == pytest.approx(lp[2]) and parts.picked[1] == 0.0
    np.testing.assert_array_equal(parts.weights, [4.0, 0.0])
    np.testing.assert_array_equal(parts.ignored, [False, True])
    assert parts.smooth[0] == pytest.approx(-(lp * [1.0, 2.0, 4.0]).sum())
    assert parts.denominator == 4.0


def test_nll_parts_use_input_as_log_probs():
    x = np.array([[2.0, 3.0, 1.0], [3.0, 7.0, 9.0]])
    parts = nll_loss_parts(x, [1, 2], reduction="none")
    np.testing.assert_array_equal(parts.log_probs, x)
    np.testing.assert_allclose(parts.probs, np.exp(x))
    np.testing.assert_array_equal(parts.losses, [-3.0, -9.0])
    assert np.isnan(parts.numerator) and np.isnan(parts.denominator)
