"""cross_entropy / nll_loss against values worked out by hand and PyTorch's printed results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossgui.core.categorical import cross_entropy, nll_loss, nll_loss_parts
from tests.core.categorical_cases import make_case


def test_nll_loss_picks_and_negates_raw_input():
    x = [[2.0, 3.0, 1.0], [3.0, 7.0, 9.0]]
    assert float(nll_loss(x, [1, 2])) == -6.0
    assert float(nll_loss(x, [1, 2], reduction="sum")) == -12.0
    np.testing.assert_array_equal(nll_loss(x, [1, 2], reduction="none"), [-3.0, -9.0])


def test_nll_loss_k_dimensional_worked_example():
    x = [[[2.0, 3.0], [1.0, 5.0]], [[3.0, 7.0], [1.0, 9.0]]]
    assert float(nll_loss(x, [[1, 1], [0, 0]])) == -4.0


def test_weighted_mean_divides_by_weight_sum_of_targets():
    x = [[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0], [-7.0, -8.0, -9.0]]
    # (1 * 1 + 3 * 6) / (1 + 3); the ignored row's weight 2 is left out.
    value = nll_loss(x, [0, 2, -100], weight=[1.0, 2.0, 3.0])
    assert float(value) == pytest.approx(19 / 4)
    parts = nll_loss_parts(x, [0, 2, -100], weight=[1.0, 2.0, 3.0])
    assert parts.denominator == 4.0 and parts.numerator == pytest.approx(19.0)


def test_cross_entropy_of_equal_logits_is_log_c():
    assert float(cross_entropy([[0.0, 0.0, 0.0]], [1])) == pytest.approx(math.log(3))
    assert float(cross_entropy([5.0, 5.0], 0)) == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("x", "target", "kwargs", "expected"),
    [
        (
            [[[1.0, 2.0], [3.0, 5.0]], [[4.0, 7.0], [4.0, 6.0]]],
            [[0, 0], [1, 1]],
            {},
            1.7954809665679932,
        ),
        (
            [[[1.0, 2.0], [3.0, 5.0]], [[4.0, 7.0], [4.0, 6.0]]],
            [[0, 0], [1, 1]],
            {"weight": [1.0, 9.0]},
            1.1616597175598145,
        ),
        (
            [[[1.0, 2.0], [3.0, 5.0]], [[4.0, 7.0], [4.0, 6.0]]],
            [[0, 0], [1, 1]],
            {"weight": [1.0, 9.0], "label_smoothing": 0.1},
            1.110041856765747,
        ),
        (
            [[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]],
            [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]],
            {},
            0.8558682799339294,
        ),
    ],
)
def test_worked_examples_match_pytorch_values(x, target, kwargs, expected):
    # PyTorch's float32 results, from the project's seed cases.
    value = cross_entropy(np.float32(x), target, **kwargs)
    assert value.dtype == np.float32
    assert float(value) == pytest.approx(expected, rel=1e-6)


def test_label_smoothing_by_hand():
    x = np.array([[1.0, 2.0, 4.0]])
    lp = x - np.log(np.exp(x).sum())
    eps = 0.3
    expected = (1 - eps) * -lp[0, 0] + eps / 3 * -lp[0].sum()
    assert float(cross_entropy(x, [0], label_smoothing=eps)) == pytest.approx(expected)
    # eps = 1: the target is uniform whatever the class.
    assert float(cross_entropy(x, [2], label_smoothing=1.0)) == pytest.approx(-lp[0].mean())


def test_smoothed_index_target_equals_smoothed_one_hot_probabilities():
    x, t = make_case((4, 5), seed=3)
    one_hot = np.eye(5)[t]
    for reduction in ("sum", "none"):
        np.testing.assert_allclose(
            cross_entropy(x, t, label_smoothing=0.2, reduction=reduction),
            cross_entropy(x, one_hot, label_smoothing=0.2, reduction=reduction),
        )


def test_probability_mean_ignores_weights_in_denominator():
    x, q = make_case((3, 4), "prob", seed=4)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    summed = cross_entropy(x, q, weight=w, reduction="sum")
    assert float(cross_entropy(x, q, weight=w)) == pytest.approx(float(summed) / 3)
