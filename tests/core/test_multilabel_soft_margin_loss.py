"""multilabel_soft_margin_loss against hand values, central differences and (when
installed) PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossgui.core.binary import multilabel_soft_margin_loss, multilabel_soft_margin_loss_grad
from tests.core.binary_cases import LOGITS, REDUCTIONS, SOFT
from tests.core.gradcheck import TOL, assert_grad_matches_numeric
from tests.core.torch_reference import tensor, torch_run


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
    assert_grad_matches_numeric(
        multilabel_soft_margin_loss,
        multilabel_soft_margin_loss_grad,
        LOGITS,
        target,
        weight,
        reduction,
    )


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
