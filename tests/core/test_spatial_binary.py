"""Two softmax channels against one sigmoid channel, per pixel of one image."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.core.spatial_binary import two_channel_vs_sigmoid


def _logits(dtype: str = "float32", scale: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (scale * rng.normal(size=(2, 3, 5, 6))).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_equal_a_direct_computation(dtype: str) -> None:
    x = _logits(dtype)
    r = two_channel_vs_sigmoid(x, 1, 2, 0, dtype)
    xa, xb = x[1, 2].astype(np.float64), x[1, 0].astype(np.float64)
    tol = 1e-6 if dtype == "float32" else 1e-14
    direct = np.exp(xa) / (np.exp(xa) + np.exp(xb))
    np.testing.assert_allclose(r.p_softmax, direct, rtol=tol, atol=tol)
    np.testing.assert_allclose(r.p_sigmoid, 1.0 / (1.0 + np.exp(-(xa - xb))), rtol=tol, atol=tol)
    np.testing.assert_allclose(r.ce, np.log1p(np.exp(xb - xa)), rtol=tol, atol=tol)
    np.testing.assert_array_equal(r.abs_diff, np.abs(r.p_softmax - r.p_sigmoid))
    for arr in (r.p_softmax, r.p_sigmoid, r.abs_diff, r.ce, r.bce):
        assert arr.shape == (5, 6) and arr.dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_and_sigmoid_agree_to_rounding(dtype: str) -> None:
    r = two_channel_vs_sigmoid(_logits(dtype, scale=10.0), 0, 0, 1, dtype)
    eps = np.finfo(dtype).eps
    assert r.max_diff <= 4 * eps
    # Nearly every pixel is bit-for-bit equal.
    assert r.differing <= r.p_softmax.size // 4
    assert r.differing == np.count_nonzero(r.abs_diff)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_equals_bce_with_logits_per_pixel(dtype: str) -> None:
    r = two_channel_vs_sigmoid(_logits(dtype, scale=10.0), 1, 1, 2, dtype)
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(r.ce, r.bce, rtol=8 * eps, atol=8 * eps)
    assert r.max_loss_diff <= 8 * eps * max(1.0, float(np.abs(r.ce).max()))


def test_swapping_classes_mirrors_the_probability() -> None:
    x = _logits("float64")
    ab = two_channel_vs_sigmoid(x, 0, 0, 1, "float64")
    ba = two_channel_vs_sigmoid(x, 0, 1, 0, "float64")
    np.testing.assert_allclose(ab.p_softmax + ba.p_softmax, 1.0, atol=1e-15)


@pytest.mark.parametrize(
    ("shape", "n", "a", "b"),
    [((3, 4), 0, 0, 1), ((1, 3, 2, 2), 1, 0, 1), ((1, 3, 2, 2), 0, 0, 3), ((1, 3, 2, 2), 0, 1, 1)],
)
def test_bad_arguments_are_refused(shape: tuple[int, ...], n: int, a: int, b: int) -> None:
    with pytest.raises(ValueError):
        two_channel_vs_sigmoid(np.zeros(shape), n, a, b, "float64")
