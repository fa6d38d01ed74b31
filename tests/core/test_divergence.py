"""kl_div against hand values, central differences and (when installed) PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lossgui.core.divergence import kl_div, kl_div_grad
from tests.core.gradcheck import TOL, numeric_grad

LOG_Q = np.log([[0.25, 0.75], [0.5, 0.5]])
P = np.array([[0.5, 0.5], [1.0, 0.0]])
# KL(p || q) per row, by hand.
KL_ROWS = [0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75), math.log(1 / 0.5)]
REDUCTIONS = ("none", "mean", "sum", "batchmean")


def test_reductions_by_hand():
    total = sum(KL_ROWS)
    assert kl_div(LOG_Q, P, reduction="sum") == pytest.approx(total, rel=1e-12)
    # 'batchmean' is the KL per sample; 'mean' also divides by the 2 classes.
    assert kl_div(LOG_Q, P, reduction="batchmean") == pytest.approx(total / 2, rel=1e-12)
    assert kl_div(LOG_Q, P, reduction="mean") == pytest.approx(total / 4, rel=1e-12)
    assert kl_div(LOG_Q, P) == kl_div(LOG_Q, P, reduction="mean")  # PyTorch's default
    rows = kl_div(LOG_Q, P, reduction="none").sum(axis=1)
    np.testing.assert_allclose(rows, KL_ROWS, rtol=1e-12)


def test_zero_target_contributes_exactly_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = kl_div([-1e3, -2.0, 5.0], [0.0, 0.5, 0.0], reduction="none")
    assert out[0] == 0 and out[2] == 0
    assert out[1] == pytest.approx(0.5 * (math.log(0.5) + 2))


def test_log_target_agrees_with_probabilities():
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            kl_div(LOG_Q, np.log(p), reduction=reduction, log_target=True),
            kl_div(LOG_Q, p, reduction=reduction),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            kl_div_grad(LOG_Q, np.log(p), reduction=reduction, log_target=True),
            kl_div_grad(LOG_Q, p, reduction=reduction),
            rtol=1e-12,
        )


def test_batchmean_divides_by_the_inputs_first_dimension():
    # A (3,) input broadcast against a (2, 3) target: PyTorch divides by 3, not 2.
    x, p = np.log([0.2, 0.3, 0.5]), np.array([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    total = kl_div(x, p, reduction="sum")
    assert kl_div(x, p, reduction="batchmean") == pytest.approx(total / 3, rel=1e-12)
    assert kl_div(x, p, reduction="mean") == pytest.approx(total / 6, rel=1e-12)
    assert kl_div(x, p, reduction="none").shape == (2, 3)
    # A 0-d input has no batch dimension: 'batchmean' is the sum.
    assert kl_div(-1.0, 0.5, reduction="batchmean") == pytest.approx(0.5 * (math.log(0.5) + 1))


def test_empty_batch_is_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(kl_div(np.zeros((0, 3)), np.zeros((0, 3)), reduction="batchmean"))
        assert np.isnan(kl_div(np.zeros((0, 3)), np.zeros((0, 3))))
        assert kl_div_grad(np.zeros((0, 3)), np.zeros((0, 3)), reduction="batchmean").shape == (
            0,
            3,
        )


def test_nan_corners_are_pytorchs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(kl_div([-1.0], [-0.5], reduction="none")).all()  # negative "probability"
        # 0 times log q = -inf is NaN; a positive p against log q = -inf is +inf.
        out = kl_div([-np.inf, -np.inf], [0.0, 0.5], reduction="none")
        assert np.isnan(out[0]) and out[1] == np.inf
        out = kl_div([-np.inf, 0.0], [-np.inf, -np.inf], reduction="none", log_target=True)
        assert np.isnan(out).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes(dtype):
    out = kl_div(LOG_Q.astype(dtype), P, reduction="batchmean")
    assert out.dtype == dtype and out.shape == ()
    assert kl_div(LOG_Q.astype(dtype), P, reduction="none").dtype == dtype
    assert kl_div_grad(LOG_Q.astype(dtype), P).dtype == dtype
    assert kl_div([[-1, -2]], [[0, 1]]).dtype == np.float64
    none = kl_div(-1.0, 0.5, reduction="none")
    assert isinstance(none, np.ndarray) and none.shape == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reduction": "average"}, "reduction must be one of 'none', 'mean', 'sum', 'batchmean'"),
        ({"target": np.ones(3)}, r"do not broadcast together: input \(2, 2\), target \(3,\)"),
        ({"target": np.ones((3, 2))}, r"target \(3, 2\)"),
    ],
)
def test_rejections(kwargs, message):
    args = {"input": LOG_Q, "target": P, **kwargs}
    for fn in (kl_div, kl_div_grad):
        with pytest.raises(ValueError, match=message):
            fn(**args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize(
    ("x", "t"),
    [
        (np.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]), [[0.1, 0.0, 0.9], [0.3, 0.3, 0.4]]),
        (np.log([0.2, 0.3, 0.5]), [[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]),
        (np.log([[0.2], [0.7]]), [[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]),
    ],
)
def test_grad_matches_central_differences(reduction, log_target, x, t):
    t = np.log(np.asarray(t) + 0.05) if log_target else np.asarray(t)

    def f(v):
        return kl_div(v, t, reduction=reduction, log_target=log_target)

    grad = kl_div_grad(x, t, reduction=reduction, log_target=log_target)
    assert grad.shape == np.shape(x)
    np.testing.assert_allclose(grad, numeric_grad(f, x), rtol=1e-6, atol=1e-10)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize(
    ("x_shape", "t_shape"), [((2, 3), (2, 3)), ((3,), (2, 3)), ((2, 1), (2, 3)), ((), ())]
)
def test_matches_torch(torch, dtype, reduction, log_target, x_shape, t_shape):
    rng = np.random.default_rng(7)
    x = np.log(rng.uniform(0.05, 1, x_shape)).astype(dtype)
    t = rng.uniform(0, 1, t_shape)
    t = np.where(t < 0.25, 0.0, t)  # some exact zeros
    t = (np.log(t + 0.01) if log_target else t).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.kl_div(
        xt, torch.tensor(t), reduction=reduction, log_target=log_target
    )
    out.sum().backward()
    ours = kl_div(x, t, reduction=reduction, log_target=log_target)
    assert ours.dtype == dtype and ours.shape == tuple(out.shape)
    np.testing.assert_allclose(ours, out.detach().numpy(), **TOL[dtype])
    grad = kl_div_grad(x, t, reduction=reduction, log_target=log_target)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, xt.grad.numpy(), **TOL[dtype])


def test_nan_corners_match_torch(torch):
    F = torch.nn.functional
    cases = [
        ([-1.0, -2.0], [-0.5, 0.0], False),
        ([-np.inf, -np.inf], [0.0, 0.5], False),
        ([-np.inf, 0.0], [-np.inf, -np.inf], True),
    ]
    for x, t, log_target in cases:
        expected = F.kl_div(
            torch.tensor(x), torch.tensor(t), reduction="none", log_target=log_target
        ).numpy()
        got = kl_div(np.float32(x), np.float32(t), reduction="none", log_target=log_target)
        np.testing.assert_array_equal(got, expected)


def test_rejects_what_torch_rejects(torch):
    with pytest.raises(RuntimeError):
        torch.nn.functional.kl_div(torch.tensor(LOG_Q), torch.ones(3), reduction="sum")
    with pytest.raises(ValueError):
        torch.nn.functional.kl_div(torch.tensor(LOG_Q), torch.tensor(P), reduction="average")
    with pytest.raises(ValueError):
        kl_div(LOG_Q, np.ones(3), reduction="sum")
