"""Identities the app shows its users, checked on core's numbers.

Two classes: softmax is a sigmoid of the logit difference and cross entropy is BCE with
logits. Cross entropy with a probability target splits into entropy plus KL. BCE on
probabilities saturates at 100 (PyTorch's log clamp) while BCE with logits keeps
growing. The stable softmax survives logits of +-1e4 where the textbook one overflows.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossgui.core as core

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True)
LOGIT = st.floats(min_value=-60.0, max_value=60.0, allow_nan=False, allow_infinity=False)


def entropy(q: np.ndarray) -> np.ndarray:
    """Shannon entropy along the last axis, with 0 log 0 = 0 (float64)."""
    q = np.asarray(q, dtype=np.float64)
    logs = np.log(np.where(q > 0, q, 1.0))
    return -np.sum(q * logs, axis=-1)


# --------------------------------------------------------------------------- two classes


@SETTINGS
@given(a=LOGIT, b=LOGIT)
def test_two_class_softmax_is_sigmoid_of_difference(a: float, b: float) -> None:
    """softmax([a, b])[0] == sigmoid(a - b)."""
    p = core.softmax(np.array([a, b]))
    s = core.sigmoid(np.array(a - b))
    np.testing.assert_allclose(p[0], s, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(p[1], core.sigmoid(np.array(b - a)), rtol=1e-12, atol=1e-300)


@SETTINGS
@given(a=LOGIT, b=LOGIT, target=st.sampled_from([0, 1]))
def test_two_class_cross_entropy_is_bce_with_logits(a: float, b: float, target: int) -> None:
    """cross_entropy([a, b], y) == BCE-with-logits(a - b, 1 - y), gradients included."""
    x = np.array([a, b])
    ce = core.cross_entropy(x, np.array(target, dtype=np.int64))
    z = np.array(a - b)
    y = np.array(1.0 - target)
    bce = core.binary_cross_entropy_with_logits(z, y)
    np.testing.assert_allclose(ce, bce, rtol=1e-10, atol=1e-12)
    # d/da CE = d/dz BCE and d/db CE = -d/dz BCE, since z = a - b.
    g_ce = core.cross_entropy_grad(x, np.array(target, dtype=np.int64))
    g_bce = core.binary_cross_entropy_with_logits_grad(z, y)
    np.testing.assert_allclose(g_ce, [g_bce, -g_bce], rtol=1e-10, atol=1e-12)


def test_two_class_batch_with_class_weights_matches_weighted_bce_under_sum() -> None:
    """Class weights w[y] on CE equal per-sample weights on BCE under 'sum'.

    Under 'mean' they differ: weighted CE divides by the sum of the targets' weights,
    BCE by the number of samples.
    """
    logits = np.array([[2.0, -1.0], [0.5, 0.25], [-3.0, 1.0], [0.0, 4.0]])
    target = np.array([0, 1, 1, 0], dtype=np.int64)
    w = np.array([1.0, 5.0])
    z = logits[:, 0] - logits[:, 1]
    y = (target == 0).astype(np.float64)
    ce_sum = core.cross_entropy(logits, target, weight=w, reduction="sum")
    bce_sum = core.binary_cross_entropy_with_logits(z, y, weight=w[target], reduction="sum")
    np.testing.assert_allclose(ce_sum, bce_sum, rtol=1e-12)
    ce_mean = core.cross_entropy(logits, target, weight=w)
    bce_mean = core.binary_cross_entropy_with_logits(z, y, weight=w[target])
    np.testing.assert_allclose(ce_mean, ce_sum / w[target].sum(), rtol=1e-12)
    np.testing.assert_allclose(bce_mean, bce_sum / len(target), rtol=1e-12)
    assert not np.isclose(ce_mean, bce_mean)


# --------------------------------------------------------------------------- CE = H + KL


def _soft_batch(seed: int, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c)) * 3.0
    q = rng.exponential(size=(n, c))
    q[rng.random((n, c)) < 0.25] = 0.0  # zero-probability classes: 0 log 0 = 0
    q[:, 0] += 0.1  # keep every row a distribution
    return x, q / q.sum(axis=1, keepdims=True)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), c=st.integers(2, 6))
def test_cross_entropy_is_entropy_plus_kl(seed: int, n: int, c: int) -> None:
    """CE(x, q) = H(q) + KL(q || softmax(x)) per sample and under 'sum' / 'batchmean'."""
    x, q = _soft_batch(seed, n, c)
    lp = core.log_softmax(x, dim=1)
    ce = core.cross_entropy(x, q, reduction="none")
    kl = core.kl_div(lp, q, reduction="none").sum(axis=1)
    np.testing.assert_allclose(ce, entropy(q) + kl, rtol=1e-10, atol=1e-12)
    ce_sum = core.cross_entropy(x, q, reduction="sum")
    kl_sum = core.kl_div(lp, q, reduction="sum")
    np.testing.assert_allclose(ce_sum, entropy(q).sum() + kl_sum, rtol=1e-10, atol=1e-12)
    # CE 'mean' over (N, C) divides by N, as KL 'batchmean' does.
    ce_mean = core.cross_entropy(x, q, reduction="mean")
    kl_batchmean = core.kl_div(lp, q, reduction="batchmean")
    np.testing.assert_allclose(ce_mean, entropy(q).mean() + kl_batchmean, rtol=1e-10, atol=1e-12)
    # KL is >= 0 and 0 exactly when the prediction equals the target.
    assert np.all(kl >= -1e-12)
    np.testing.assert_allclose(
        core.kl_div(np.log(q + (q == 0)), q, reduction="sum"), 0.0, atol=1e-12
    )


def test_kl_div_log_target_agrees_with_plain_target() -> None:
    """kl_div(lp, q) == kl_div(lp, log q, log_target=True) for q > 0."""
    x, q = _soft_batch(7, 4, 5)
    q = (q + 0.05) / (q + 0.05).sum(axis=1, keepdims=True)
    lp = core.log_softmax(x, dim=1)
    for red in ("none", "sum", "mean", "batchmean"):
        a = core.kl_div(lp, q, reduction=red)
        b = core.kl_div(lp, np.log(q), reduction=red, log_target=True)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- saturation


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_of_sigmoid_levels_off_at_100_while_logits_version_grows(dtype: type) -> None:
    """For z -> -inf with target 1, BCE(sigmoid(z)) stops at 100; BCE-with-logits ~ -z."""
    z = np.array([-120.0, -200.0, -500.0, -1000.0], dtype=dtype)
    ones = np.ones_like(z)
    bce = core.binary_cross_entropy(core.sigmoid(z), ones, reduction="none")
    np.testing.assert_array_equal(bce, np.full_like(z, 100.0))
    bcel = core.binary_cross_entropy_with_logits(z, ones, reduction="none")
    assert np.all(np.isfinite(bcel))
    assert np.all(np.diff(bcel) > 0), "BCE with logits must keep growing as z decreases"
    np.testing.assert_allclose(bcel, -z.astype(np.float64), rtol=1e-6)
    # Well inside the clamp both agree: BCE(sigmoid(z)) = -log sigmoid(z).
    z_mid = np.array([-30.0, -5.0, 0.0, 5.0], dtype=dtype)
    np.testing.assert_allclose(
        core.binary_cross_entropy(core.sigmoid(z_mid), np.ones_like(z_mid), reduction="none"),
        core.binary_cross_entropy_with_logits(z_mid, np.ones_like(z_mid), reduction="none"),
        rtol=1e-5 if dtype == np.float32 else 1e-10,
    )


def test_bce_of_exact_zero_probability_is_100() -> None:
    """An exact 0 probability for a positive target costs 100, not inf."""
    got = core.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(got, [100.0, 100.0])


# --------------------------------------------------------------------------- stability


def test_stable_softmax_is_finite_at_1e4_in_float32() -> None:
    """softmax / log_softmax of +-1e4 logits are finite; the naive softmax is nan."""
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    p = core.softmax(x, dim=1)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6, atol=0)
    lp = core.log_softmax(x, dim=1)
    assert np.all(np.isfinite(lp[1])) and np.isfinite(lp[0, 0])
    np.testing.assert_allclose(lp[0], [0.0, -2e4, -1e4], rtol=1e-6)
    assert np.all(np.isnan(core.naive_softmax(x, dim=1)[0, :1]))


@pytest.mark.parametrize("big", [89.0, 100.0, 1e3, 1e4])
def test_naive_softmax_overflows_beyond_88_in_float32(big: float) -> None:
    """exp overflows float32 past ~88.7: the naive softmax turns nan, the stable one does not."""
    x = np.array([big, 0.0, -1.0], dtype=np.float32)
    assert np.isnan(core.naive_softmax(x)[0])
    stable = core.softmax(x)
    assert np.all(np.isfinite(stable))
    np.testing.assert_allclose(stable.sum(), 1.0, rtol=1e-6)


def test_naive_softmax_matches_stable_below_88_in_float32() -> None:
    """Below the overflow point the two agree (the naive form is only wrong when it overflows)."""
    x = np.array([80.0, 79.0, 0.0], dtype=np.float32)
    np.testing.assert_allclose(core.naive_softmax(x), core.softmax(x), rtol=1e-5)
    expected = np.exp([0.0, -1.0, -80.0]) / np.exp([0.0, -1.0, -80.0]).sum()
    np.testing.assert_allclose(core.softmax(x), expected, rtol=1e-6)


def test_cross_entropy_finite_at_large_logits() -> None:
    """CE of logits +-1e4 in float32 is finite: 0 for the right class, 2e4 for a wrong one."""
    x = np.array([[1e4, -1e4], [1e4, -1e4]], dtype=np.float32)
    got = core.cross_entropy(x, np.array([0, 1], dtype=np.int64), reduction="none")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [0.0, 2e4], rtol=1e-6, atol=1e-6)
