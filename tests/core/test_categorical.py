"""cross_entropy / nll_loss: hand-computed values, gradients, corners, rejections, torch.

The torch comparisons skip when torch is not installed; everything else runs
on NumPy alone.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lossgui.core import categorical, categorical_fast
from lossgui.core.categorical import (
    cross_entropy,
    cross_entropy_grad,
    cross_entropy_parts,
    nll_loss,
    nll_loss_grad,
    nll_loss_parts,
)

REDUCTIONS = ("mean", "sum", "none")
RNG_SEED = 20240611


def make_case(shape, kind="index", ignore=None, seed=0, dtype=np.float64):
    """Logits of ``shape`` and a target: class indices (some set to ``ignore``) or probabilities."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    positions = () if len(shape) == 1 else (shape[0], *shape[2:])
    if kind == "prob":
        q = rng.random(shape)
        return x, (q / q.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)).astype(dtype)
    t = rng.integers(0, n_classes, positions)
    if ignore is not None and t.ndim:
        t.flat[::3] = ignore
    return x, t


def finite_max(a):
    """Largest finite absolute value of ``a`` (0 if none)."""
    a = np.abs(a)
    return float(a[np.isfinite(a)].max(initial=0.0))


def finite_difference(fn, x, h=1e-6):
    """Central differences of sum(fn(x)) in float64."""
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (np.sum(fn(up)) - np.sum(fn(down))) / (2 * h)
    return grad


# Options spread: (shape, target kind, ignore value put in the target, keywords).
OPTION_CASES = [
    ((4, 5), "index", None, {}),
    ((4, 5), "index", -100, {"weight": [0.5, 2.0, 1.0, 3.0, 0.25]}),
    ((4, 5), "index", 2, {"ignore_index": 2, "weight": [0.5, 2.0, 1.0, 3.0, 0.25]}),
    ((4, 5), "index", 255, {"ignore_index": 255, "label_smoothing": 0.3}),
    ((4, 5), "index", -100, {"weight": [0.5, 2.0, 1.0, 3.0, 0.25], "label_smoothing": 0.2}),
    ((2, 3, 4), "index", -100, {"label_smoothing": 1.0}),
    ((2, 3, 2, 3), "index", 1, {"ignore_index": 1, "weight": [1.0, 9.0, 2.0]}),
    ((2, 3, 2, 3), "index", -100, {"weight": [1.0, 9.0, 2.0], "label_smoothing": 0.1}),
    ((5,), "index", None, {"weight": [1.0, 2.0, 3.0, 4.0, 5.0], "label_smoothing": 0.4}),
    ((3, 4), "prob", None, {}),
    ((3, 4), "prob", None, {"weight": [1.0, 0.5, 2.0, 4.0], "label_smoothing": 0.25}),
    ((2, 3, 2, 2), "prob", None, {"weight": [1.0, 0.5, 2.0], "ignore_index": -1}),
    ((4,), "prob", None, {"label_smoothing": 0.5}),
]


def build(case, dtype=np.float64, seed=0):
    shape, kind, ignore, kwargs = case
    x, t = make_case(shape, kind, ignore, seed=seed, dtype=dtype)
    return x, t, dict(kwargs)


# ---------------------------------------------------------------- hand-computed values


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


# ---------------------------------------------------------------- corners


@pytest.mark.parametrize("loss", [cross_entropy, nll_loss])
def test_all_ignored_mean_is_nan_without_warning(loss):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
        assert np.isnan(loss(x, [-100, -100]))
        assert float(loss(x, [-100, -100], reduction="sum")) == 0.0
        np.testing.assert_array_equal(loss(x, [-100, -100], reduction="none"), [0.0, 0.0])


def test_all_ignored_gradient_is_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = cross_entropy_grad([[1.0, 2.0, 3.0]] * 2, [-100, -100], label_smoothing=0.1)
    np.testing.assert_array_equal(grad, np.zeros((2, 3)))


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 3, 0)])
def test_empty_batch(shape):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.zeros(shape)
        t = np.zeros((shape[0], *shape[2:]), dtype=np.int64)
        assert np.isnan(cross_entropy(x, t))
        assert float(cross_entropy(x, t, reduction="sum")) == 0.0
        assert cross_entropy(x, t, reduction="none").shape == t.shape
        assert np.isnan(cross_entropy(x, np.zeros(shape)))
        assert cross_entropy_grad(x, t).shape == shape


def test_ignored_positions_are_positive_zero_even_with_nan_logits():
    x = np.array([[np.nan, 1.0, 2.0], [1.0, 2.0, 3.0]])
    losses = cross_entropy(x, [-100, 1], reduction="none", label_smoothing=0.1)
    assert losses[0] == 0.0 and math.copysign(1.0, losses[0]) == 1.0
    assert np.isfinite(cross_entropy(x, [-100, 1]))
    assert float(nll_loss(x, [-100, 1])) == -2.0
    parts = cross_entropy_parts(x, [-100, 1])
    assert parts.picked[0] == 0.0 and not np.isnan(parts.picked).any()


def test_ignore_index_that_is_a_valid_class_stays_in_the_softmax():
    x, t = make_case((6, 4), seed=5)
    t[:2] = 1
    kept = t != 1
    via_ignore = cross_entropy(x, t, ignore_index=1)
    by_hand = cross_entropy(x[kept], t[kept])
    assert float(via_ignore) == pytest.approx(float(by_hand))


def test_negative_or_nan_label_smoothing_acts_as_zero():
    # PyTorch smooths only when label_smoothing > 0 and rejects only > 1.
    x, t = make_case((3, 4), seed=6)
    plain = cross_entropy(x, t)
    for eps in (-0.5, float("nan")):
        assert float(cross_entropy(x, t, label_smoothing=eps)) == float(plain)
        assert cross_entropy_parts(x, t, label_smoothing=eps).label_smoothing == 0.0


def test_one_d_input_with_one_element_target():
    x = [1.0, 2.0, 3.0]
    assert cross_entropy(x, [2], reduction="none").shape == ()
    assert float(cross_entropy(x, [2])) == float(cross_entropy(x, 2))
    assert float(nll_loss(x, [2])) == -3.0


def test_zero_weight_mean_gives_nan_gradient_like_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cross_entropy([[1.0, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0]))
        assert np.isnan(cross_entropy_grad([[1.0, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0])).all()


# ---------------------------------------------------------------- dtypes and stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", OPTION_CASES[::3])
def test_dtype_is_preserved(dtype, case):
    x, t, kw = build(case, dtype)
    for reduction in REDUCTIONS:
        assert cross_entropy(x, t, reduction=reduction, **kw).dtype == dtype
        assert cross_entropy_grad(x, t, reduction=reduction, **kw).dtype == dtype
    parts = cross_entropy_parts(x, t, **kw)
    for name in ("log_probs", "probs", "picked", "weights", "nll", "smooth", "losses", "value"):
        assert getattr(parts, name).dtype == dtype, name


def test_integer_and_list_inputs_become_float64():
    assert cross_entropy([[1, 2, 3]], [0]).dtype == np.float64
    assert nll_loss(np.array([[1, 2, 3]]), [0]).dtype == np.float64
    assert cross_entropy_grad([[1, 2, 3]], [0]).dtype == np.float64


def test_float64_weight_does_not_upcast_float32_result():
    x = np.float32([[1.0, 2.0, 3.0]])
    assert cross_entropy(x, [1], weight=np.array([1.0, 2.0, 3.0])).dtype == np.float32
    assert cross_entropy(x, [[0.2, 0.3, 0.5]]).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_stay_finite(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = cross_entropy(x, [1, 0], reduction="none", label_smoothing=0.1)
        grad = cross_entropy_grad(x, [1, 0], label_smoothing=0.1)
        soft = cross_entropy(x, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    assert np.isfinite(losses).all() and np.isfinite(grad).all() and np.isfinite(soft)
    assert float(cross_entropy(x[:1], [1])) == pytest.approx(2e4)
    # Row 0 loses 1e4 on its half at -1e4; row 1 splits between two equal maxima.
    assert float(soft) == pytest.approx(1e4 / 2 + math.log(2) / 2)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", OPTION_CASES)
def test_cross_entropy_grad_matches_finite_differences(case, reduction):
    x, t, kw = build(case)
    grad = cross_entropy_grad(x, t, reduction=reduction, **kw)
    numeric = finite_difference(lambda z: cross_entropy(z, t, reduction=reduction, **kw), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", [c for c in OPTION_CASES if c[1] == "index"][::2])
def test_nll_loss_grad_matches_finite_differences(case, reduction):
    x, t, kw = build(case)
    kw.pop("label_smoothing", None)
    grad = nll_loss_grad(x, t, reduction=reduction, **kw)
    numeric = finite_difference(lambda z: nll_loss(z, t, reduction=reduction, **kw), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- parts


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", OPTION_CASES)
def test_parts_are_consistent(case, reduction):
    x, t, kw = build(case)
    parts = cross_entropy_parts(x, t, reduction=reduction, **kw)
    np.testing.assert_array_equal(parts.value, cross_entropy(x, t, reduction=reduction, **kw))
    np.testing.assert_allclose(parts.losses, cross_entropy(x, t, reduction="none", **kw))
    np.testing.assert_allclose(parts.probs.sum(axis=0 if x.ndim == 1 else 1), 1.0)
    np.testing.assert_allclose(np.exp(parts.log_probs), parts.probs)
    if reduction == "mean":
        assert float(parts.value) == pytest.approx(parts.numerator / parts.denominator)
    elif reduction == "sum":
        assert parts.denominator == 1.0 and float(parts.value) == pytest.approx(parts.numerator)
    if case[1] == "index":
        eps, n_classes = parts.label_smoothing, x.shape[0 if x.ndim == 1 else 1]
        expected = (1 - eps) * parts.nll + eps / n_classes * parts.smooth
        np.testing.assert_allclose(parts.losses, expected)
        np.testing.assert_allclose(parts.nll, -parts.weights * parts.picked)
        assert parts.ignored.sum() == (np.asarray(t) == kw.get("ignore_index", -100)).sum()
        assert (parts.weights[parts.ignored] == 0).all() and (
            parts.smooth[parts.ignored] == 0
        ).all()
    else:
        np.testing.assert_allclose(parts.losses, parts.nll)
        axis = 0 if x.ndim == 1 else 1
        eps, n_classes = kw.get("label_smoothing", 0.0), x.shape[axis]
        smoothed = t * (1 - eps) + eps / n_classes
        w = np.asarray(kw.get("weight", np.ones(n_classes)))
        w = w.reshape((-1,) + (1,) * (x.ndim - axis - 1))
        np.testing.assert_allclose(parts.picked, (smoothed * parts.log_probs).sum(axis=axis))
        np.testing.assert_allclose(parts.weights, (w * smoothed).sum(axis=axis))
        assert not parts.ignored.any() and (parts.smooth == 0).all()


def test_any_integer_dtype_is_a_class_index_target():
    # A deliberate widening: PyTorch takes only int64 and uint8 targets.
    x, t = make_case((4, 5), seed=9)
    for dtype in (np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint64):
        assert float(cross_entropy(x, t.astype(dtype))) == float(cross_entropy(x, t))


def test_parts_values_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [3.0, 1.0, 0.0]])
    parts = cross_entropy_parts(x, [2, -100], weight=[1.0, 2.0, 4.0], label_smoothing=0.3)
    lp = x[0] - np.log(np.exp(x[0]).sum())
    assert parts.picked[0] == pytest.approx(lp[2]) and parts.picked[1] == 0.0
    np.testing.assert_array_equal(parts.weights, [4.0, 0.0])
    np.testing.assert_array_equal(parts.ignored, [False, True])
    assert parts.smooth[0] == pytest.approx(-(lp * [1.0, 2.0, 4.0]).sum())
    assert parts.denominator == 4.0


def test_nll_parts_use_input_as_log_probs():
    x = np.array([[2.0, 3.0, 1.0], [3.0, 7.0, 9.0]])
    parts = nll_loss_parts(x, [1, 2], reduction="none")
    np.testing.assert_array_equal(parts.log_probs, x)
    np.testing.assert_allclose(parts.probs, np.exp(x))
    np.testing.assert_array_equal(parts.losses, [-3.0, -9.0])
    assert np.isnan(parts.numerator) and np.isnan(parts.denominator)


# ---------------------------------------------------------------- fast path


@pytest.fixture
def force_fast(monkeypatch):
    """Send every call down the chunked path, in blocks of a few positions on 3 threads."""
    monkeypatch.setattr(categorical, "FAST_PATH_MIN_SIZE", 0)
    monkeypatch.setattr(categorical_fast, "CHUNK_BYTES", 64)
    monkeypatch.setattr(categorical_fast, "_worker_count", lambda: 3)


FAST_CASES = [
    *[c for c in OPTION_CASES if len(c[0]) > 1],
    ((50, 7), "index", -100, {"label_smoothing": 0.1}),
    ((3, 5, 17, 9), "index", 255, {"ignore_index": 255, "weight": [1, 2, 3, 4, 5.0]}),
    ((3, 5, 17, 9), "prob", None, {"weight": [1, 2, 3, 4, 5.0], "label_smoothing": 0.3}),
    ((3, 5, 17, 9), "prob", None, {}),
    ((6, 4, 5), "prob", None, {"label_smoothing": 0.2}),
    ((2, 4, 6), "index", -100, {"weight": [0.0, 0.0, 0.0, 0.0]}),
]


@pytest.mark.parametrize("chunk_bytes", [64, 2048])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", FAST_CASES)
def test_fast_path_matches_simple_path(case, dtype, chunk_bytes, monkeypatch):
    """Blocks of single positions (64 bytes) and of several short rows (2 KiB), 3 threads."""
    x, t, kw = build(case, dtype, seed=7)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    simple = {r: cross_entropy(x, t, reduction=r, **kw) for r in REDUCTIONS}
    simple_grad = {r: cross_entropy_grad(x, t, reduction=r, **kw) for r in REDUCTIONS}
    monkeypatch.setattr(categorical, "FAST_PATH_MIN_SIZE", 0)
    monkeypatch.setattr(categorical_fast, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(categorical_fast, "_worker_count", lambda: 3)
    for r in REDUCTIONS:
        fast = cross_entropy(x, t, reduction=r, **kw)
        assert fast.dtype == dtype and fast.shape == simple[r].shape
        np.testing.assert_allclose(fast, simple[r], rtol=rtol, atol=rtol * 1e-3)
        fast_grad = cross_entropy_grad(x, t, reduction=r, **kw)
        assert fast_grad.dtype == dtype
        # Entries of p - onehot cancel: compare against the gradient's scale.
        scale = finite_max(simple_grad[r])
        np.testing.assert_allclose(fast_grad, simple_grad[r], rtol=rtol, atol=rtol * 0.1 * scale)


def test_fast_path_all_ignored_and_deterministic(force_fast):
    x, t = make_case((4, 3, 5, 5), seed=8, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cross_entropy(x, np.full_like(t, -100)))
        np.testing.assert_array_equal(cross_entropy_grad(x, np.full_like(t, -100)), 0.0)
    first = cross_entropy(x, t)
    assert all(cross_entropy(x, t) == first for _ in range(5))


def test_fast_path_is_taken_for_large_inputs(monkeypatch):
    calls = []
    real = categorical_fast.chunked_cross_entropy
    monkeypatch.setattr(
        categorical_fast, "chunked_cross_entropy", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    monkeypatch.setattr(categorical, "FAST_PATH_MIN_SIZE", 500)
    cross_entropy(*make_case((2, 3, 10, 10)))
    assert calls == [1]
    cross_entropy(*make_case((2, 3, 10)))
    assert calls == [1]


# ---------------------------------------------------------------- rejections

X = np.zeros((3, 3))
REJECTIONS = [
    (
        "oob",
        lambda: cross_entropy(X, [0, 1, 3]),
        r"Target 3 is out of bounds: row 2 has target 3 but there are 3 classes "
        r"\(valid: 0\.\.2, or ignore_index -100\)",
    ),
    ("negative", lambda: nll_loss(X, [0, -1, 1]), r"Target -1 is out of bounds: row 1"),
    (
        "oob k-dim",
        lambda: cross_entropy(np.zeros((1, 3, 2, 2)), [[[0, 1], [5, 2]]]),
        r"position \(0, 1, 0\) has target 5",
    ),
    (
        "oob with ignore",
        lambda: cross_entropy(X, [0, 255, 3], ignore_index=255),
        r"Target 3 .* ignore_index 255",
    ),
    ("oob smoothing", lambda: cross_entropy(X, [0, 1, 3], label_smoothing=0.1), r"Target 3"),
    (
        "prob wrong shape",
        lambda: cross_entropy(X, np.full((3, 4), 0.25)),
        r"must hold integers, but its dtype is float64",
    ),
    (
        "float index target",
        lambda: cross_entropy(X, [0.0, 1.0, 2.0]),
        r"read as class indices .* dtype is float64",
    ),
    ("nll float target", lambda: nll_loss(X, [0.0, 1.0, 2.0]), r"must hold integers"),
    ("bool target", lambda: cross_entropy(X, [True, False, True]), r"dtype is bool"),
    (
        "int prob target",
        lambda: cross_entropy(X, np.zeros((3, 3), int)),
        r"read as class probabilities.*floating point.*Class indices need shape \(3,\)",
    ),
    ("batch mismatch", lambda: cross_entropy(X, [0, 1]), r"batch size 3 .* batch size 2"),
    ("0-d target for batch", lambda: cross_entropy(np.zeros((1, 3)), 1), r"a single number"),
    ("2-d target for 2-d input", lambda: nll_loss(X, np.zeros((3, 3), int)), r"needs shape \(3,\)"),
    (
        "k-dim target shape",
        lambda: cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 5), int)),
        r"needs shape \(2, 4\)",
    ),
    (
        "k-dim target ndim",
        lambda: cross_entropy(np.zeros((2, 3, 4, 5)), np.zeros((2, 4), int)),
        r"needs shape \(2, 4, 5\)",
    ),
    ("1-d input long target", lambda: cross_entropy(np.zeros(3), [1, 2]), r"one class index"),
    (
        "1-d int target as probs",
        lambda: cross_entropy(np.zeros(3), [0, 1, 2]),
        r"class probabilities",
    ),
    (
        "1-d target (1,) smoothing",
        lambda: cross_entropy(np.zeros(3), [1], label_smoothing=0.1),
        r"single number",
    ),
    (
        "weight length",
        lambda: cross_entropy(X, [0, 1, 2], weight=np.ones(4)),
        r"3 classes, but weight has shape \(4,\)",
    ),
    ("weight 0-d", lambda: cross_entropy(X, [0, 1, 2], weight=1.0), r"weight has shape \(\)"),
    (
        "weight prob",
        lambda: cross_entropy(X, np.eye(3), weight=np.ones(2)),
        r"weight has shape \(2,\)",
    ),
    (
        "smoothing > 1",
        lambda: cross_entropy(X, [0, 1, 2], label_smoothing=1.1),
        r"between 0\.0 and 1\.0, got 1\.1",
    ),
    (
        "smoothing inf",
        lambda: cross_entropy(X, np.eye(3), label_smoothing=float("inf")),
        r"between 0\.0 and 1\.0",
    ),
    (
        "reduction",
        lambda: cross_entropy(X, [0, 1, 2], reduction="avg"),
        r"reduction must be one of",
    ),
    (
        "nll batchmean",
        lambda: nll_loss(X, [0, 1, 2], reduction="batchmean"),
        r"reduction must be one of",
    ),
    (
        "prob ignore_index",
        lambda: cross_entropy(X, np.eye(3), ignore_index=0),
        r"ignore_index=0 cannot be used with probability targets",
    ),
    ("0-d input", lambda: cross_entropy(1.0, 0), r"single number \(0-d\)"),
    ("0-d input nll", lambda: nll_loss(np.float32(1.0), 0), r"class dimension"),
    ("complex input", lambda: cross_entropy(np.zeros((2, 2), complex), [0, 1]), r"real numbers"),
]


@pytest.mark.parametrize(("name", "call", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejections_explain_what_and_where(name, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_ignore_index_must_be_an_integer():
    for bad in (1.0, True):
        with pytest.raises(TypeError):
            cross_entropy(X, [0, 1, 2], ignore_index=bad)


# ---------------------------------------------------------------- against PyTorch


def torch_call(torch, name, x, t, kw, reduction):
    kw = {
        k: torch.tensor(np.asarray(v, dtype=x.dtype)) if k == "weight" else v for k, v in kw.items()
    }
    xt = torch.tensor(x, requires_grad=True)
    value = getattr(torch.nn.functional, name)(xt, torch.tensor(t), reduction=reduction, **kw)
    value.sum().backward()
    return value.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", [*OPTION_CASES, *FAST_CASES[-5:]])
def test_cross_entropy_matches_torch(case, reduction, dtype):
    torch = pytest.importorskip("torch")
    x, t, kw = build(case, dtype, seed=11)
    value, grad = torch_call(torch, "cross_entropy", x, t, kw, reduction)
    rtol, atol = (2e-6, 1e-7) if dtype == np.float32 else (1e-12, 1e-15)
    ours = cross_entropy(x, t, reduction=reduction, **kw)
    assert ours.dtype == value.dtype and ours.shape == value.shape
    np.testing.assert_allclose(ours, value, rtol=rtol, atol=atol, equal_nan=True)
    # Entries of p - onehot cancel: float32 errors scale with the largest entry.
    grad_atol = atol if dtype == np.float64 else 1e-6 * max(1.0, finite_max(grad))
    np.testing.assert_allclose(
        cross_entropy_grad(x, t, reduction=reduction, **kw),
        grad,
        rtol=rtol,
        atol=grad_atol,
        equal_nan=True,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", [c for c in OPTION_CASES if c[1] == "index"])
def test_nll_loss_matches_torch(case, reduction):
    torch = pytest.importorskip("torch")
    x, t, kw = build(case, seed=12)
    kw.pop("label_smoothing", None)
    value, grad = torch_call(torch, "nll_loss", x, t, kw, reduction)
    np.testing.assert_allclose(nll_loss(x, t, reduction=reduction, **kw), value, rtol=1e-12)
    np.testing.assert_array_equal(nll_loss_grad(x, t, reduction=reduction, **kw), grad)


def test_large_float32_input_matches_torch():
    torch = pytest.importorskip("torch")
    x, t = make_case((2, 7, 300, 300), ignore=255, seed=13, dtype=np.float32)
    assert x.size >= categorical.FAST_PATH_MIN_SIZE
    kw = {"ignore_index": 255, "weight": np.linspace(0.5, 2.0, 7), "label_smoothing": 0.1}
    value, grad = torch_call(torch, "cross_entropy", x, t, kw, "mean")
    np.testing.assert_allclose(cross_entropy(x, t, **kw), value, rtol=2e-6)
    np.testing.assert_allclose(cross_entropy_grad(x, t, **kw), grad, rtol=1e-4, atol=1e-12)


EDGE_CALLS = [
    ("all ignored", lambda m: m.cross_entropy(m.X2, m.T([-100, -100]))),
    ("empty", lambda m: m.cross_entropy(m.X2[:0], m.T([]))),
    (
        "no classes, ignored",
        lambda m: m.cross_entropy(
            m.X2[:, :0], m.T([-100, -100]), label_smoothing=0.1, reduction="none"
        ),
    ),
    ("zero weights", lambda m: m.cross_entropy(m.X2, m.T([0, 1]), weight=m.W([0.0, 0.0, 1.0]))),
    (
        "uint8 target, 255 ignored",
        lambda m: m.cross_entropy(m.X2, m.T([255, 1], "uint8"), ignore_index=255, reduction="none"),
    ),
    ("1-d, (1,) target", lambda m: m.cross_entropy(m.X2[0], m.T([2]), reduction="none")),
    (
        "1-d, 0-d target, smoothing",
        lambda m: m.cross_entropy(
            m.X2[0], m.T(2), weight=m.W([1.0, 2.0, 3.0]), label_smoothing=0.1
        ),
    ),
    (
        "negative ignore, probabilities",
        lambda m: m.cross_entropy(m.X2, m.X2 * 0 + 0.5, ignore_index=-1),
    ),
    ("negative smoothing", lambda m: m.cross_entropy(m.X2, m.T([0, 1]), label_smoothing=-0.5)),
    ("nll 1-d", lambda m: m.nll_loss(m.X2[0], m.T([1]))),
    ("-inf logit at target", lambda m: m.cross_entropy(m.NEG_INF, m.T([0, 1]))),
    (
        "-inf logit, zero probability",
        lambda m: m.cross_entropy(m.NEG_INF, m.W([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])),
    ),
]


@pytest.mark.parametrize(("name", "call"), EDGE_CALLS, ids=[e[0] for e in EDGE_CALLS])
def test_edge_values_match_torch(name, call):
    torch = pytest.importorskip("torch")

    class Torch:
        cross_entropy = staticmethod(torch.nn.functional.cross_entropy)
        nll_loss = staticmethod(torch.nn.functional.nll_loss)
        X2 = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
        NEG_INF = torch.tensor([[-np.inf, 1.0, 2.0], [0.5, -1.0, 2.0]])
        T = staticmethod(lambda v, dt="int64": torch.tensor(np.array(v, dtype=dt)))
        W = staticmethod(lambda v: torch.tensor(v, dtype=torch.float32))

    class Core:
        cross_entropy = staticmethod(cross_entropy)
        nll_loss = staticmethod(nll_loss)
        X2 = Torch.X2.numpy()
        NEG_INF = Torch.NEG_INF.numpy()
        T = staticmethod(lambda v, dt="int64": np.array(v, dtype=dt))
        W = staticmethod(lambda v: np.array(v, dtype=np.float32))

    expected = call(Torch).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = call(Core)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize(
    ("name", "call", "message"), REJECTIONS[:-1], ids=[r[0] for r in REJECTIONS[:-1]]
)
def test_torch_rejects_the_same_calls(name, call, message, monkeypatch):
    """Run each rejected call through torch instead: torch must raise as well."""
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional

    def as_torch(loss):
        def run(x, t, weight=None, **kw):
            x = torch.tensor(np.asarray(x, dtype=np.float32))
            t = np.asarray(t)
            t = torch.tensor(t.astype(np.float32) if t.dtype.kind == "f" else t)
            w = None if weight is None else torch.tensor(np.asarray(weight, dtype=np.float32))
            return getattr(fn, loss)(x, t, weight=w, **kw)

        return run

    monkeypatch.setitem(globals(), "cross_entropy", as_torch("cross_entropy"))
    monkeypatch.setitem(globals(), "nll_loss", as_torch("nll_loss"))
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        call()
