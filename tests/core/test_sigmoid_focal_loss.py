"""sigmoid_focal_loss against hand values, central differences and torchvision's formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossgui.core.binary import (
    binary_cross_entropy_with_logits,
    sigmoid_focal_loss,
    sigmoid_focal_loss_grad,
)
from tests.core.binary_cases import LOGITS, REDUCTIONS, SOFT
from tests.core.gradcheck import TOL, assert_grad_matches_numeric
from tests.core.torch_reference import tensor, torch_run, torchvision_sigmoid_focal_loss


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
    assert_grad_matches_numeric(
        sigmoid_focal_loss, sigmoid_focal_loss_grad, LOGITS, SOFT, alpha, gamma, reduction
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("alpha", "gamma"), [(0.25, 2.0), (-1.0, 2.0), (0.6, 0.0), (0.25, 0.5)])
def test_focal_matches_torchvision_formula(torch, dtype, reduction, alpha, gamma):
    # 40 / -40 saturate p_t: with gamma = 0.5 autograd's gradient there is NaN.
    x = np.array([[0.6, -1.1, 2.0, 40.0], [0.3, 0.8, -3.0, -40.0]], dtype=dtype)
    y = np.array([[0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.5, 0.0]], dtype=dtype)

    def focal(xt, yt):
        return torchvision_sigmoid_focal_loss(torch, xt, yt, alpha, gamma, reduction)

    value, grad = torch_run(torch, focal, x, tensor(torch, y))
    np.testing.assert_allclose(
        sigmoid_focal_loss(x, y, alpha, gamma, reduction), value, **TOL[dtype]
    )
    ours = sigmoid_focal_loss_grad(x, y, alpha, gamma, reduction)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, grad, equal_nan=True, **TOL[dtype])
    assert np.isnan(grad).any() == (gamma == 0.5)
