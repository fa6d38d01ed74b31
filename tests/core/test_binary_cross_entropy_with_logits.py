"""binary_cross_entropy_with_logits (weight, pos_weight) against hand values, central
differences and (when installed) PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossgui.core.binary import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
)
from tests.core.binary_cases import LOGITS, REDUCTIONS, SOFT
from tests.core.gradcheck import TOL, assert_grad_matches_numeric
from tests.core.torch_reference import tensor, torch_run


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
    assert_grad_matches_numeric(
        binary_cross_entropy_with_logits,
        binary_cross_entropy_with_logits_grad,
        LOGITS,
        SOFT,
        weight,
        reduction,
        pos_weight,
    )


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
