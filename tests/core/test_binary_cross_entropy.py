"""binary_cross_entropy against hand values, central differences and (when installed) PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossgui.core.binary import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
)
from tests.core.binary_cases import REDUCTIONS
from tests.core.gradcheck import TOL, assert_grad_matches_numeric
from tests.core.torch_reference import tensor, torch_run

PROBS = np.array([[0.6, 0.1], [0.3, 0.8]])
LABELS = np.array([[0.0, 1.0], [1.0, 0.0]])


def test_bce_hand_value():
    expected = -(math.log(0.4) + math.log(0.1) + math.log(0.3) + math.log(0.2)) / 4
    assert binary_cross_entropy(PROBS, LABELS) == pytest.approx(1.5080716354070594, rel=1e-12)
    assert binary_cross_entropy(PROBS, LABELS) == pytest.approx(expected, rel=1e-12)
    assert binary_cross_entropy(PROBS, LABELS, reduction="sum") == pytest.approx(4 * expected)
    np.testing.assert_allclose(
        binary_cross_entropy(PROBS, LABELS, reduction="none"),
        -np.log([[0.4, 0.1], [0.3, 0.2]]),
        rtol=1e-12,
    )


def test_bce_of_sigmoid_levels_at_100_while_logits_keep_growing():
    z = np.array([-50.0, -150.0, -800.0])  # sigmoid(-800) underflows to exactly 0
    probs = 1 / (1 + np.exp(-np.clip(z, -700, None)))
    probs[2] = 0.0
    ones = np.ones(3)
    np.testing.assert_allclose(
        binary_cross_entropy(probs, ones, reduction="none"), [50, 100, 100], rtol=1e-12
    )
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(z, ones, reduction="none"), [50, 150, 800], rtol=1e-12
    )


def test_bce_at_exact_zero_and_one():
    assert binary_cross_entropy([0.0, 1.0], [0.0, 1.0], reduction="sum") == 0
    np.testing.assert_array_equal(
        binary_cross_entropy([0.0, 1.0], [1.0, 0.0], reduction="none"), [100, 100]
    )
    np.testing.assert_array_equal(
        binary_cross_entropy([0.0, 1.0], [0.5, 0.5], reduction="none"), [50, 50]
    )


@pytest.mark.parametrize("weight", [[1.0, 2.0], [[1.0], [2.0]], 3.0])
def test_bce_weight_broadcasts_elementwise(weight):
    plain = binary_cross_entropy(PROBS, LABELS, reduction="none")
    weighted = binary_cross_entropy(PROBS, LABELS, weight=weight, reduction="none")
    np.testing.assert_allclose(weighted, plain * np.asarray(weight), rtol=1e-12)
    # 'mean' stays a plain mean over the elements, not over the weights.
    mean = binary_cross_entropy(PROBS, LABELS, weight=weight)
    assert mean == pytest.approx(np.mean(plain * np.asarray(weight)), rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, [0.5, 2.0]])
def test_bce_grad_matches_central_differences(reduction, weight):
    x = np.array([[0.6, 0.1, 0.45], [0.3, 0.8, 0.99]])
    y = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 1.0]])
    w = None if weight is None else [[weight[0]], [weight[1]]]
    assert_grad_matches_numeric(
        binary_cross_entropy, binary_cross_entropy_grad, x, y, w, reduction, atol=0.0
    )


def test_bce_grad_is_torch_backward_not_derivative_of_clamp():
    eps = float(np.float32(1e-12))  # ATen's EPSILON is a float
    grad = binary_cross_entropy_grad([0.0, 1.0, 1e-30, 0.0], [1.0, 0.0, 1.0, 0.0], reduction="sum")
    np.testing.assert_allclose(grad, [-1 / eps, 1 / eps, -1 / eps, 0.0], rtol=1e-15)


def test_bce_dtypes():
    out32 = binary_cross_entropy(PROBS.astype(np.float32), LABELS)
    assert out32.dtype == np.float32 and out32.shape == ()
    assert binary_cross_entropy_grad(PROBS.astype(np.float32), LABELS).dtype == np.float32
    assert binary_cross_entropy([[0, 1]], [[0, 1]]).dtype == np.float64
    none = binary_cross_entropy(np.float32(0.3), 1.0, reduction="none")
    assert isinstance(none, np.ndarray) and none.shape == () and none.dtype == np.float32
    grad = binary_cross_entropy_grad(np.float32(0.3), 1.0)
    assert isinstance(grad, np.ndarray) and grad.shape == () and grad.dtype == np.float32


def test_bce_empty_mean_is_nan_and_sum_zero():
    assert np.isnan(binary_cross_entropy(np.zeros(0), np.zeros(0)))
    assert binary_cross_entropy(np.zeros(0), np.zeros(0), reduction="sum") == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"input": [[0.6, 0.1], [1.7, 0.8]]},
            r"probabilities in \[0, 1\]: element \(1, 0\) is 1.7 — apply Sigmoid",
        ),
        ({"input": [[0.6, np.nan], [0.3, 0.8]]}, r"element \(0, 1\) is nan"),
        ({"input": [0.5, -0.2], "target": [0.0, 1.0]}, r"element 1 is -0.2"),
        ({"target": [[0.0, 2.0], [1.0, 0.0]]}, r"target must be in \[0, 1\].*\(0, 1\) is 2"),
        ({"target": [[0.0, 1.0]]}, r"target has shape \(1, 2\) but input has shape \(2, 2\)"),
        ({"target": [0.0, 1.0, 1.0, 0.0]}, r"target has shape \(4,\)"),
        ({"weight": [1.0, 2.0, 3.0]}, r"weight of shape \(3,\) does not broadcast"),
        ({"weight": np.ones((1, 2, 2))}, r"weight of shape \(1, 2, 2\) does not broadcast"),
        ({"reduction": "batchmean"}, r"reduction must be one of 'none', 'mean', 'sum'"),
    ],
)
def test_bce_rejections(kwargs, message):
    args = {"input": PROBS, "target": LABELS, **kwargs}
    for fn in (binary_cross_entropy, binary_cross_entropy_grad):
        with pytest.raises(ValueError, match=message):
            fn(**args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, [0.5, 2.0], [[3.0], [0.25]]])
def test_bce_matches_torch(torch, dtype, reduction, weight):
    x = np.array([[0.6, 0.1], [0.3, 0.8], [0.0, 1.0], [1e-30, 0.5]], dtype=dtype)
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.2]], dtype=dtype)
    w = None if weight is None else np.asarray(weight, dtype=dtype)
    if w is not None and w.shape == (2, 1):
        w = np.concatenate([w, w])
    tw = tensor(torch, w)
    value, grad = torch_run(
        torch,
        torch.nn.functional.binary_cross_entropy,
        x,
        tensor(torch, y),
        tw,
        reduction=reduction,
    )
    np.testing.assert_allclose(binary_cross_entropy(x, y, w, reduction), value, **TOL[dtype])
    ours = binary_cross_entropy_grad(x, y, w, reduction)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, grad, **TOL[dtype])


def test_bce_rejects_what_torch_rejects(torch):
    F = torch.nn.functional
    x, y = torch.tensor(PROBS), torch.tensor(LABELS)
    cases = [
        {"input": torch.tensor([[0.6, 0.1], [1.7, 0.8]])},
        {"target": torch.tensor([[0.0, 2.0], [1.0, 0.0]])},
        {"target": torch.tensor([[0.0, 1.0]], dtype=torch.float64)},
        {"weight": torch.ones(3, dtype=torch.float64)},
        {"weight": torch.ones(1, 2, 2, dtype=torch.float64)},
    ]
    for case in cases:
        args = {"input": x, "target": y, **case}
        with pytest.raises((ValueError, RuntimeError)):
            F.binary_cross_entropy(**args)
        with pytest.raises(ValueError):
            binary_cross_entropy(**{k: v.numpy() for k, v in args.items()})
