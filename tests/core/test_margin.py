"""multi_margin_loss against hand values, central differences and (when installed)
PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lossgui.core.margin import multi_margin_loss, multi_margin_loss_grad
from tests.core.gradcheck import TOL, numeric_grad

X = np.array([[0.1, 0.2, 0.4, 0.8], [1.0, -1.0, 0.5, 0.2]])
Y = np.array([3, 0])
W = np.array([1.0, 2.0, 3.0, 4.0])
REDUCTIONS = ("none", "mean", "sum")


def test_hand_values():
    # Row 0 (target 3, score 0.8): hinges 0.3, 0.4, 0.6. Row 1 (target 0, score 1):
    # hinges 0 (1 - 1 - 1 < 0), 0.5, 0.2. Each row is divided by C = 4.
    np.testing.assert_allclose(multi_margin_loss(X, Y, reduction="none"), [1.3 / 4, 0.7 / 4])
    np.testing.assert_allclose(
        multi_margin_loss(X, Y, p=2, reduction="none"), [0.61 / 4, 0.29 / 4], rtol=1e-12
    )
    assert multi_margin_loss(X, Y) == pytest.approx((1.3 + 0.7) / 8)
    assert multi_margin_loss(X, Y, reduction="sum") == pytest.approx(2.0 / 4)
    # weight[y] scales the whole row; 'mean' still divides by N, not by the weights.
    np.testing.assert_allclose(
        multi_margin_loss(X, Y, weight=W, reduction="none"), [4 * 1.3 / 4, 1 * 0.7 / 4]
    )
    assert multi_margin_loss(X, Y, weight=W) == pytest.approx((1.3 + 0.175) / 2)
    # With margin 0 every wrong class here is already below its target.
    np.testing.assert_array_equal(multi_margin_loss(X, Y, margin=0.0, reduction="none"), [0, 0])
    np.testing.assert_allclose(
        multi_margin_loss(X, Y, margin=2.0, reduction="none"), [(1.3 + 1.4 + 1.6) / 4, 2.7 / 4]
    )


def test_p_accepts_integral_floats():
    assert multi_margin_loss(X, Y, p=2.0) == multi_margin_loss(X, Y, p=2)


def test_shapes():
    one = multi_margin_loss(X[0], 3, reduction="none")
    assert isinstance(one, np.ndarray) and one.shape == ()
    assert one == pytest.approx(1.3 / 4)
    assert multi_margin_loss(X[0], [3], reduction="none").shape == (1,)
    assert multi_margin_loss(X[:1], 3, reduction="none").shape == ()
    # A 0-d input is one sample of one class: nothing to compare, loss 0.
    assert multi_margin_loss(1.0, 0, reduction="none") == 0
    assert multi_margin_loss_grad(1.0, 0).shape == ()
    assert multi_margin_loss_grad(X[0], 3).shape == (4,)


def test_empty_batch():
    x, y = np.zeros((0, 4)), np.zeros(0, dtype=int)
    assert multi_margin_loss(x, y, reduction="none").shape == (0,)
    assert multi_margin_loss(x, y, reduction="sum") == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # PyTorch 2.13 returns uninitialised memory here; 0 / 0 is the honest answer.
        assert np.isnan(multi_margin_loss(x, y))
        assert multi_margin_loss_grad(x, y).shape == (0, 4)


def test_nan_score_costs_nothing_as_in_torch():
    # PyTorch's kernel tests z > 0, which is False for NaN.
    out = multi_margin_loss([[np.nan, 1.0], [0.0, np.nan]], [0, 0], reduction="none")
    np.testing.assert_array_equal(out, [0, 0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": 3}, "p must be 1 or 2 .* not 3"),
        ({"p": 0}, "p must be 1 or 2"),
        ({"p": 1.5}, "p must be 1 or 2"),
        ({"weight": [1.0, 2.0, 3.0]}, r"4 classes, weight has shape \(3,\)"),
        ({"weight": np.ones((1, 4))}, r"weight must be one-dimensional.*shape \(1, 4\)"),
        ({"weight": 2.0}, r"weight must be one-dimensional.*shape \(\)"),
        ({"target": [4, 0]}, r"target 4 at element 0 is out of bounds for 4 classes \(valid"),
        ({"target": [3, -1]}, "target -1 at element 1 is out of bounds"),
        ({"target": [3.0, 0.0]}, "target must hold integer class indices, got float64"),
        ({"target": [True, False]}, "integer class indices, got bool"),
        ({"target": [[3], [0]]}, r"input \(2, 4\) has 2 samples, target has shape \(2, 1\)"),
        ({"target": [3]}, r"target has shape \(1,\)"),
        ({"target": [3, 0, 1]}, r"target has shape \(3,\)"),
        ({"target": 3}, r"target has shape \(\)"),
        ({"input": X[None], "target": Y[None]}, r"input must be .* got shape \(1, 2, 4\)"),
        ({"input": np.zeros((2, 0))}, r"at least one class; got shape \(2, 0\)"),
        ({"input": np.zeros(0), "target": 0}, r"got shape \(0,\)"),
        ({"reduction": "batchmean"}, "reduction must be one of 'none', 'mean', 'sum'"),
    ],
)
def test_rejections(kwargs, message):
    args = {"input": X, "target": Y, **kwargs}
    for fn in (multi_margin_loss, multi_margin_loss_grad):
        with pytest.raises(ValueError, match=message):
            fn(**args)


def test_one_sample_target_out_of_bounds_names_the_value():
    with pytest.raises(
        ValueError, match=r"target 1 is out of bounds for 1 class \(valid indices are 0 .. 0\)"
    ):
        multi_margin_loss(1.0, 1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weight", [None, W])
@pytest.mark.parametrize("margin", [1.0, 0.35])
def test_grad_matches_central_differences(reduction, p, weight, margin):
    x = np.array([[0.1, 0.25, 0.47, 0.8], [1.0, -1.0, 0.53, 0.21], [0.3, 0.9, -0.2, 0.05]])
    y = np.array([3, 0, 1])
    grad = multi_margin_loss_grad(x, y, p, margin, weight, reduction)
    numeric = numeric_grad(lambda v: multi_margin_loss(v, y, p, margin, weight, reduction), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_grad_is_zero_exactly_at_the_hinge():
    # z = margin - x[y] + x[1] = 0 for class 1: PyTorch's kernel takes z > 0 strictly.
    grad = multi_margin_loss_grad([[1.0, 0.0, 0.5]], [0], reduction="sum")
    np.testing.assert_allclose(grad, [[-1 / 3, 0.0, 1 / 3]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes(dtype):
    x = X.astype(dtype)
    assert multi_margin_loss(x, Y).dtype == dtype
    assert multi_margin_loss(x, Y, weight=W, reduction="none").dtype == dtype
    assert multi_margin_loss_grad(x, Y, p=2, weight=W).dtype == dtype
    assert multi_margin_loss([[1, 2, 3]], [0]).dtype == np.float64
    # Any integer dtype holds class indices (PyTorch wants int64; NumPy users have others).
    assert multi_margin_loss(x, Y.astype(np.int32)) == multi_margin_loss(x, Y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weight", [None, W])
@pytest.mark.parametrize("margin", [1.0, 0.0, 2.5, -0.5])
def test_matches_torch(torch, dtype, reduction, p, weight, margin):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(5, 4)).astype(dtype)
    x[4, 2] = np.nan
    y = np.array([3, 0, 1, 2, 2])
    w = None if weight is None else weight.astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.multi_margin_loss(
        xt,
        torch.tensor(y),
        p=p,
        margin=margin,
        weight=None if w is None else torch.tensor(w),
        reduction=reduction,
    )
    out.sum().backward()
    ours = multi_margin_loss(x, y, p, margin, w, reduction)
    assert ours.dtype == dtype and ours.shape == tuple(out.shape)
    np.testing.assert_allclose(ours, out.detach().numpy(), **TOL[dtype])
    grad = multi_margin_loss_grad(x, y, p, margin, w, reduction)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, xt.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize(
    ("x", "y"),
    [(X[0], 3), (X[0], [3]), (X[:1], 3), (np.float64(0.5), 0), (np.float64(0.5), [0])],
)
def test_small_shapes_match_torch(torch, x, y):
    xt = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.multi_margin_loss(xt, torch.tensor(y), reduction="none")
    out.sum().backward()
    ours = multi_margin_loss(x, y, reduction="none")
    assert ours.shape == tuple(out.shape)
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(multi_margin_loss_grad(x, y, reduction="none"), xt.grad.numpy())


def test_rejects_what_torch_rejects(torch):
    F = torch.nn.functional
    t = torch.tensor
    bad = [
        ({"p": 3}, {}),
        ({"weight": np.ones(3)}, {}),
        ({"weight": np.ones((1, 4))}, {}),
        ({"target": np.array([4, 0])}, {}),
        ({"target": np.array([-1, 0])}, {}),
        ({"target": np.array([3.0, 0.0])}, {}),
        ({"target": np.array([[3], [0]])}, {}),
        ({"target": np.array(3)}, {}),
        ({"input": X[None], "target": Y[None]}, {}),
        ({"input": np.zeros((2, 0))}, {}),
    ]
    for case, _ in bad:
        args = {"input": X, "target": Y, **case}
        torch_args = {k: t(v) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        with pytest.raises((ValueError, RuntimeError)):
            F.multi_margin_loss(**torch_args)
        with pytest.raises(ValueError):
            multi_margin_loss(**args)
