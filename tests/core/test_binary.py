"""BCE, BCE with logits, sigmoid focal loss and multilabel soft margin against hand
values, central differences and (when installed) PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossgui.core.binary import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    multilabel_soft_margin_loss,
    multilabel_soft_margin_loss_grad,
    sigmoid_focal_loss,
    sigmoid_focal_loss_grad,
)
from tests.core.gradcheck import TOL, numeric_grad

PROBS = np.array([[0.6, 0.1], [0.3, 0.8]])
LABELS = np.array([[0.0, 1.0], [1.0, 0.0]])
LOGITS = np.array([[0.6, -1.1, 2.0], [0.3, 0.8, -3.0]])
SOFT = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])
REDUCTIONS = ("none", "mean", "sum")


def torch_run(torch, fn, x, *args, **kwargs):
    """Value and autograd gradient (of the sum) of a torch function of ``x``."""
    xt = torch.tensor(x, requires_grad=True)
    out = fn(xt, *args, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def tensor(torch, a):
    return None if a is None else torch.as_tensor(np.asarray(a))


# --- binary_cross_entropy ----------------------------------------------------------


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
    numeric = numeric_grad(lambda v: binary_cross_entropy(v, y, w, reduction), x)
    np.testing.assert_allclose(binary_cross_entropy_grad(x, y, w, reduction), numeric, rtol=1e-6)


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


# --- binary_cross_entropy_with_logits ---------------------------------------------


def test_bce_with_logits_hand_values():
    assert binary_cross_entropy_with_logits(0.0, 1.0) == pytest.approx(math.log(2))
    assert binary_cross_entropy_with_logits(2.0, 1.0) == pytest.approx(math.log1p(math.exp(-2)))
    assert binary_cross_entropy_with_logits(2.0, 0.0) == pytest.approx(2 + math.log1p(math.exp(-2)))
    # pos_weight scales only the positive term: 0.3 * 3 of log(1 + e^-2), 0.7 of the negative.
    expected = 0.3 * 3 * math.log1p(math.exp(-2)) + 0.7 * (2 + math.log1p(math.exp(-2)))
    assert binary_cross_entropy_with_logits(2.0, 0.3, pos_weight=3.0) == pytest.approx(expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_stable_at_1e4(dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
    loss = binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=[3.0])
    assert loss.dtype == dtype
    np.testing.assert_array_equal(loss, [1e4, 3e4, 0, 0])
    grad = binary_cross_entropy_with_logits_grad(x, y, reduction="sum", pos_weight=[3.0])
    np.testing.assert_array_equal(grad, [1, -3, 0, 0])


@pytest.mark.parametrize("pos_weight", [[1.0, 2.0, 3.0], [2.0], 2.0, [[1.0], [2.0]]])
def test_pos_weight_broadcasts_like_torch(pos_weight):
    pw = np.broadcast_to(np.asarray(pos_weight), LOGITS.shape)
    got = binary_cross_entropy_with_logits(LOGITS, SOFT, reduction="none", pos_weight=pos_weight)
    expected = (1 - SOFT) * LOGITS + (1 + (pw - 1) * SOFT) * np.log1p(np.exp(-LOGITS))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pos_weight": [1.0, 2.0]}, r"pos_weight of shape \(2,\) does not broadcast"),
        ({"pos_weight": np.ones((5, 2, 3))}, r"pos_weight of shape \(5, 2, 3\)"),
        ({"weight": [1.0, 2.0]}, r"weight of shape \(2,\) does not broadcast"),
        ({"target": SOFT[0]}, r"target has shape \(3,\) but input has shape \(2, 3\)"),
        ({"target": SOFT[..., None]}, r"target has shape \(2, 3, 1\)"),
        ({"reduction": "batchmean"}, r"reduction must be one of"),
    ],
)
def test_bce_with_logits_rejections(kwargs, message):
    args = {"input": LOGITS, "target": SOFT, **kwargs}
    for fn in (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad):
        with pytest.raises(ValueError, match=message):
            fn(**args)


def test_bce_with_logits_scalar_input_rejects_vector_pos_weight():
    with pytest.raises(ValueError, match=r"pos_weight of shape \(1,\)"):
        binary_cross_entropy_with_logits(2.0, 1.0, pos_weight=[3.0])


def test_bce_with_logits_accepts_any_real_target():
    # PyTorch does not check the target's range here; neither do we.
    out = binary_cross_entropy_with_logits([2.0], [2.0], reduction="none")
    assert out[0] == pytest.approx(-2 + math.log1p(math.exp(-2)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, [[0.5], [2.0]]])
@pytest.mark.parametrize("pos_weight", [None, [1.0, 2.0, 0.5]])
def test_bce_with_logits_grad_matches_central_differences(reduction, weight, pos_weight):
    def f(v):
        return binary_cross_entropy_with_logits(v, SOFT, weight, reduction, pos_weight)

    grad = binary_cross_entropy_with_logits_grad(LOGITS, SOFT, weight, reduction, pos_weight)
    np.testing.assert_allclose(grad, numeric_grad(f, LOGITS), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("weight", "pos_weight"),
    [(None, None), ([[0.5], [2.0]], None), (None, [1.0, 2.0, 0.5]), ([1, 2, 3], [[3.0], [0.5]])],
)
def test_bce_with_logits_matches_torch(torch, dtype, reduction, weight, pos_weight):
    x = np.array([[0.6, -1.1, 2.0], [0.3, 0.8, -3.0], [1e4, -1e4, 40.0]], dtype=dtype)
    y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [0.0, 1.0, 1.0]], dtype=dtype)
    w = None if weight is None else np.asarray(weight, dtype=dtype)
    pw = None if pos_weight is None else np.asarray(pos_weight, dtype=dtype)
    if w is not None and w.shape == (2, 1):
        w = np.concatenate([w, [[1.0]]]).astype(dtype)
    if pw is not None and pw.shape == (2, 1):
        pw = np.concatenate([pw, [[1.5]]]).astype(dtype)
    value, grad = torch_run(
        torch,
        torch.nn.functional.binary_cross_entropy_with_logits,
        x,
        tensor(torch, y),
        tensor(torch, w),
        reduction=reduction,
        pos_weight=tensor(torch, pw),
    )
    ours = binary_cross_entropy_with_logits(x, y, w, reduction, pw)
    np.testing.assert_allclose(ours, value, **TOL[dtype])
    ours_grad = binary_cross_entropy_with_logits_grad(x, y, w, reduction, pw)
    assert ours_grad.dtype == dtype
    np.testing.assert_allclose(ours_grad, grad, **TOL[dtype])


def test_bce_with_logits_rejects_what_torch_rejects(torch):
    F = torch.nn.functional
    x, y = torch.tensor(LOGITS), torch.tensor(SOFT)
    f64 = torch.float64
    bad = [
        {"pos_weight": torch.ones(2, dtype=f64)},
        {"pos_weight": torch.ones(5, 2, 3, dtype=f64)},
        {"weight": torch.ones(2, dtype=f64)},
        {"weight": torch.ones(4, 2, 3, dtype=f64)},
        {"target": y[0]},
    ]
    for case in bad:
        args = {"input": x, "target": y, **case}
        with pytest.raises((ValueError, RuntimeError)):
            F.binary_cross_entropy_with_logits(**args)
        with pytest.raises(ValueError):
            binary_cross_entropy_with_logits(**{k: v.numpy() for k, v in args.items()})
    good = [{"pos_weight": torch.ones(2, 1, dtype=f64)}, {"weight": torch.ones(2, 3, dtype=f64)}]
    for case in good:
        args = {"input": x, "target": y, **case}
        expected = F.binary_cross_entropy_with_logits(**args).numpy()
        got = binary_cross_entropy_with_logits(**{k: v.numpy() for k, v in args.items()})
        np.testing.assert_allclose(got, expected, rtol=1e-12)


# --- sigmoid_focal_loss -------------------------------------------------------------


def torch_focal(torch, x, y, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, re-written from its published source."""
    F = torch.nn.functional
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def test_focal_hand_value_and_default_reduction():
    # x = 0, y = 1: p_t = 1/2, ce = log 2, alpha_t = 0.25, (1 - p_t)^2 = 1/4.
    out = sigmoid_focal_loss([[0.0, 0.0]], [[1.0, 0.0]])
    assert out.shape == (1, 2)  # torchvision's default reduction is 'none'
    np.testing.assert_allclose(out, [[0.25 * 0.25 * math.log(2), 0.75 * 0.25 * math.log(2)]])


def test_focal_gamma_zero_is_weighted_bce_with_logits():
    bce = binary_cross_entropy_with_logits(LOGITS, SOFT, reduction="none")
    alpha_t = 0.25 * SOFT + 0.75 * (1 - SOFT)
    np.testing.assert_allclose(sigmoid_focal_loss(LOGITS, SOFT, gamma=0), alpha_t * bce)
    # A negative alpha switches the alpha factor off entirely.
    np.testing.assert_allclose(sigmoid_focal_loss(LOGITS, SOFT, alpha=-1, gamma=0), bce)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_focal_is_stable_at_1e4(dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
    out = sigmoid_focal_loss(x, y)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, [7500, 2500, 0, 0])
    grad = sigmoid_focal_loss_grad(x, y)
    assert grad.dtype == dtype and np.all(np.isfinite(grad))


def test_focal_rejections():
    with pytest.raises(ValueError, match="reduction must be one of"):
        sigmoid_focal_loss(LOGITS, SOFT, reduction="batchmean")
    with pytest.raises(ValueError, match=r"sigmoid_focal_loss: target has shape \(3,\)"):
        sigmoid_focal_loss_grad(LOGITS, SOFT[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha", [0.25, 0.9, -1.0])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0, 3.5])
def test_focal_grad_matches_central_differences(reduction, alpha, gamma):
    def f(v):
        return sigmoid_focal_loss(v, SOFT, alpha, gamma, reduction)

    grad = sigmoid_focal_loss_grad(LOGITS, SOFT, alpha, gamma, reduction)
    np.testing.assert_allclose(grad, numeric_grad(f, LOGITS), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("alpha", "gamma"), [(0.25, 2.0), (-1.0, 2.0), (0.6, 0.0), (0.25, 0.5)])
def test_focal_matches_torchvision_formula(torch, dtype, reduction, alpha, gamma):
    # 40 / -40 saturate p_t: with gamma = 0.5 autograd's gradient there is NaN.
    x = np.array([[0.6, -1.1, 2.0, 40.0], [0.3, 0.8, -3.0, -40.0]], dtype=dtype)
    y = np.array([[0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.5, 0.0]], dtype=dtype)

    def focal(xt, yt):
        return torch_focal(torch, xt, yt, alpha, gamma, reduction)

    value, grad = torch_run(torch, focal, x, tensor(torch, y))
    np.testing.assert_allclose(
        sigmoid_focal_loss(x, y, alpha, gamma, reduction), value, **TOL[dtype]
    )
    ours = sigmoid_focal_loss_grad(x, y, alpha, gamma, reduction)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, grad, equal_nan=True, **TOL[dtype])
    assert np.isnan(grad).any() == (gamma == 0.5)


# --- multilabel_soft_margin_loss ------------------------------------------------------


def test_multilabel_hand_value():
    # Every logit 0: each cell costs log 2, so each sample log 2 whatever the labels.
    out = multilabel_soft_margin_loss(np.zeros((2, 3)), SOFT, reduction="none")
    np.testing.assert_allclose(out, [math.log(2), math.log(2)])
    # Mean over the classes first, then over the samples.
    x, y = np.array([[2.0, -1.0]]), np.array([[1.0, 1.0]])
    per_class = [math.log1p(math.exp(-2)), math.log1p(math.exp(1))]
    assert multilabel_soft_margin_loss(x, y) == pytest.approx(sum(per_class) / 2)


def test_multilabel_weight_and_target_broadcast():
    plain = multilabel_soft_margin_loss(LOGITS, SOFT, reduction="none")
    weighted = multilabel_soft_margin_loss(LOGITS, SOFT, weight=[[1.0], [2.0]], reduction="none")
    np.testing.assert_allclose(weighted, plain * [1, 2])
    w = np.array([1.0, 2.0, 3.0])
    cells = np.log1p(np.exp(-LOGITS)) + (1 - SOFT) * LOGITS
    np.testing.assert_allclose(
        multilabel_soft_margin_loss(LOGITS, SOFT, weight=w, reduction="none"),
        (cells * w).sum(axis=1) / 3,
    )
    # One label row shared by every sample, as PyTorch broadcasts it.
    shared = multilabel_soft_margin_loss(LOGITS, SOFT[0], reduction="none")
    both = multilabel_soft_margin_loss(LOGITS, np.stack([SOFT[0], SOFT[0]]), reduction="none")
    np.testing.assert_allclose(shared, both)


def test_multilabel_shapes():
    assert multilabel_soft_margin_loss([0.5, -1.0], [1.0, 0.0], reduction="none").shape == ()
    three_d = multilabel_soft_margin_loss(np.ones((2, 3, 4)), np.ones((2, 3, 4)), reduction="none")
    assert three_d.shape == (2, 3)
    # PyTorch sums over axis input.ndim - 1 of the broadcast loss.
    odd = multilabel_soft_margin_loss(LOGITS, np.ones((4, 2, 3)), reduction="none")
    assert odd.shape == (4, 3)


def test_multilabel_no_classes_is_nan_without_warning():
    out = multilabel_soft_margin_loss(np.zeros((2, 0)), np.zeros((2, 0)), reduction="none")
    assert out.shape == (2,) and np.all(np.isnan(out))
    assert multilabel_soft_margin_loss_grad(np.zeros((2, 0)), np.zeros((2, 0))).shape == (2, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input": 1.0, "target": 1.0}, "needs an input with a class"),
        ({"target": SOFT[:, 0]}, r"do not broadcast together: input \(2, 3\), target \(2,\)"),
        ({"weight": [1.0, 2.0]}, r"weight \(2,\)"),
        ({"reduction": "batchmean"}, "reduction must be one of"),
    ],
)
def test_multilabel_rejections(kwargs, message):
    args = {"input": LOGITS, "target": SOFT, **kwargs}
    for fn in (multilabel_soft_margin_loss, multilabel_soft_margin_loss_grad):
        with pytest.raises(ValueError, match=message):
            fn(**args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("target", "weight"),
    [(SOFT, None), (SOFT, [1.0, 2.0, 3.0]), (SOFT[0], [[1.0], [2.0]]), (np.ones((4, 2, 3)), None)],
)
def test_multilabel_grad_matches_central_differences(reduction, target, weight):
    def f(v):
        return multilabel_soft_margin_loss(v, target, weight, reduction)

    grad = multilabel_soft_margin_loss_grad(LOGITS, target, weight, reduction)
    np.testing.assert_allclose(grad, numeric_grad(f, LOGITS), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multilabel_stable_at_1e4(dtype):
    x = np.array([[1e4, -1e4], [1e4, -1e4]], dtype=dtype)
    y = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    out = multilabel_soft_margin_loss(x, y, reduction="none")
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, [1e4, 0])
    grad = multilabel_soft_margin_loss_grad(x, y, reduction="sum")
    assert grad.dtype == dtype
    np.testing.assert_array_equal(grad, [[0.5, -0.5], [0, 0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("target", "weight"),
    [
        (SOFT, None),
        (SOFT, [1.0, 2.0, 3.0]),
        (SOFT[:, :1], [[1.0], [2.0]]),
        (np.ones((4, 2, 3)), None),
    ],
)
def test_multilabel_matches_torch(torch, dtype, reduction, target, weight):
    x = LOGITS.astype(dtype)
    y = np.asarray(target, dtype=dtype)
    w = None if weight is None else np.asarray(weight, dtype=dtype)
    value, grad = torch_run(
        torch,
        torch.nn.functional.multilabel_soft_margin_loss,
        x,
        tensor(torch, y),
        tensor(torch, w),
        reduction=reduction,
    )
    np.testing.assert_allclose(multilabel_soft_margin_loss(x, y, w, reduction), value, **TOL[dtype])
    ours = multilabel_soft_margin_loss_grad(x, y, w, reduction)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, grad, **TOL[dtype])
