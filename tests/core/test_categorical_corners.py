"""cross_entropy / nll_loss corners: everything ignored, empty batches, NaN and huge logits,
odd option values, and the dtypes results come back in."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lossgui.core.categorical import (
    cross_entropy,
    cross_entropy_grad,
    cross_entropy_parts,
    nll_loss,
)
from tests.core.categorical_cases import OPTION_CASES, REDUCTIONS, build, make_case

# ---------------------------------------------------------------- corners


@pytest.mark.parametrize("loss", [cross_entropy, nll_loss])
def test_all_ignored_mean_is_nan_without_warning(loss):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
        assert np.isnan(loss(x, [-100, -100]))
        assert float(loss(x, [-100, -100], reduction="sum")) == 0.0
        np.testing.assert_array_equal(loss(x, [-100, -100], reduction="none"), [0.0, 0.0])


def test_all_ignored_gradient_is_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = cross_entropy_grad([[1.0, 2.0, 3.0]] * 2, [-100, -100], label_smoothing=0.1)
    np.testing.assert_array_equal(grad, np.zeros((2, 3)))


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 3, 0)])
def test_empty_batch(shape):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.zeros(shape)
        t = np.zeros((shape[0], *shape[2:]), dtype=np.int64)
        assert np.isnan(cross_entropy(x, t))
        assert float(cross_entropy(x, t, reduction="sum")) == 0.0
        assert cross_entropy(x, t, reduction="none").shape == t.shape
        assert np.isnan(cross_entropy(x, np.zeros(shape)))
        assert cross_entropy_grad(x, t).shape == shape


def test_ignored_positions_are_positive_zero_even_with_nan_logits():
    x = np.array([[np.nan, 1.0, 2.0], [1.0, 2.0, 3.0]])
    losses = cross_entropy(x, [-100, 1], reduction="none", label_smoothing=0.1)
    assert losses[0] == 0.0 and math.copysign(1.0, losses[0]) == 1.0
    assert np.isfinite(cross_entropy(x, [-100, 1]))
    assert float(nll_loss(x, [-100, 1])) == -2.0
    parts = cross_entropy_parts(x, [-100, 1])
    assert parts.picked[0] == 0.0 and not np.isnan(parts.picked).any()


def test_ignore_index_that_is_a_valid_class_stays_in_the_softmax():
    x, t = make_case((6, 4), seed=5)
    t[:2] = 1
    kept = t != 1
    via_ignore = cross_entropy(x, t, ignore_index=1)
    by_hand = cross_entropy(x[kept], t[kept])
    assert float(via_ignore) == pytest.approx(float(by_hand))


def test_negative_or_nan_label_smoothing_acts_as_zero():
    # PyTorch smooths only when label_smoothing > 0 and rejects only > 1.
    x, t = make_case((3, 4), seed=6)
    plain = cross_entropy(x, t)
    for eps in (-0.5, float("nan")):
        assert float(cross_entropy(x, t, label_smoothing=eps)) == float(plain)
        assert cross_entropy_parts(x, t, label_smoothing=eps).label_smoothing == 0.0


def test_one_d_input_with_one_element_target():
    x = [1.0, 2.0, 3.0]
    assert cross_entropy(x, [2], reduction="none").shape == ()
    assert float(cross_entropy(x, [2])) == float(cross_entropy(x, 2))
    assert float(nll_loss(x, [2])) == -3.0


def test_zero_weight_mean_gives_nan_gradient_like_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cross_entropy([[1.0, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0]))
        assert np.isnan(cross_entropy_grad([[1.0, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0])).all()


# ---------------------------------------------------------------- dtypes and stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", OPTION_CASES[::3])
def test_dtype_is_preserved(dtype, case):
    x, t, kw = build(case, dtype)
    for reduction in REDUCTIONS:
        assert cross_entropy(x, t, reduction=reduction, **kw).dtype == dtype
        assert cross_entropy_grad(x, t, reduction=reduction, **kw).dtype == dtype
    parts = cross_entropy_parts(x, t, **kw)
    for name in ("log_probs", "probs", "picked", "weights", "nll", "smooth", "losses", "value"):
        assert getattr(parts, name).dtype == dtype, name


def test_integer_and_list_inputs_become_float64():
    assert cross_entropy([[1, 2, 3]], [0]).dtype == np.float64
    assert nll_loss(np.array([[1, 2, 3]]), [0]).dtype == np.float64
    assert cross_entropy_grad([[1, 2, 3]], [0]).dtype == np.float64


def test_any_integer_dtype_is_a_class_index_target():
    # A deliberate widening: PyTorch takes only int64 and uint8 targets.
    x, t = make_case((4, 5), seed=9)
    for dtype in (np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint64):
        assert float(cross_entropy(x, t.astype(dtype))) == float(cross_entropy(x, t))


def test_float64_weight_does_not_upcast_float32_result():
    x = np.float32([[1.0, 2.0, 3.0]])
    assert cross_entropy(x, [1], weight=np.array([1.0, 2.0, 3.0])).dtype == np.float32
    assert cross_entropy(x, [[0.2, 0.3, 0.5]]).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_stay_finite(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = cross_entropy(x, [1, 0], reduction="none", label_smoothing=0.1)
        grad = cross_entropy_grad(x, [1, 0], label_smoothing=0.1)
        soft = cross_entropy(x, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    assert np.isfinite(losses).all() and np.isfinite(grad).all() and np.isfinite(soft)
    assert float(cross_entropy(x[:1], [1])) == pytest.approx(2e4)
    # Row 0 loses 1e4 on its half at -1e4; row 1 splits between two equal maxima.
    assert float(soft) == pytest.approx(1e4 / 2 + math.log(2) / 2)
