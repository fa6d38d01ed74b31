"""The lean evaluation path for large inputs gives the small path's numbers, in less memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import lossgui.core.evaluate as ev
from lossgui.core import cross_entropy, cross_entropy_grad, sigmoid, softmax
from lossgui.core.grid_map import KINDS, grid_argmax, grid_map, grid_pick
from lossgui.core.registry import LOSSES

RNG = np.random.default_rng(3)


def _case(name: str, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    spec = LOSSES[name]
    x = RNG.normal(size=shape).astype(np.float32)
    kind = spec.target_kinds[0]
    if kind == "index":
        t = RNG.integers(0, shape[1], (shape[0], *shape[2:]))
        if name != "multi_margin_loss":
            t.reshape(-1)[::5] = -100
    elif kind == "probability":
        q = RNG.random(shape)
        t = q / q.sum(axis=1, keepdims=True)
    elif kind == "sign":
        t = RNG.choice([-1, 1], shape[0])
    else:
        t = RNG.integers(0, 2, shape).astype(np.float64)
    x2 = RNG.normal(size=shape) if kind == "sign" else None
    return x, t, x2


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_lean_path_matches_the_float64_path(
    name: str, reduction: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = LOSSES[name]
    shape = (3, 4, 5, 6) if spec.spatial else (30, 4)
    x, t, x2 = _case(name, shape)
    if name == "binary_cross_entropy":
        x = RNG.uniform(0.05, 0.95, shape).astype(np.float32)
    options = {"reduction": reduction}
    small = ev.evaluate(name, x, t, options, input2=x2)
    monkeypatch.setattr(ev, "LARGE_INPUT", 10)
    lean = ev.evaluate(name, x, t, options, input2=x2)
    assert lean.value == small.value
    assert lean.grad.dtype == np.float32 and lean.probs.dtype == np.float32
    assert lean.grad.shape == small.grad.shape and lean.probs.shape == small.probs.shape
    np.testing.assert_allclose(lean.grad, small.grad, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(lean.probs, small.probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(lean.row_loss, small.row_loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lean.target_prob, small.target_prob, rtol=1e-5)
    np.testing.assert_array_equal(lean.ignored, small.ignored)
    assert lean.numerator == pytest.approx(small.numerator, rel=1e-6)
    if reduction == "mean":
        assert lean.denominator == small.denominator
    assert lean.parts is None
    # The rows a panel asks for, without the whole (P, C) array.
    np.testing.assert_allclose(lean.row_probs(3), small.probs[3], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(lean.row_probs(slice(2, 9)), small.probs[2:9], rtol=1e-5, atol=1e-7)
    assert lean.classes == small.classes == shape[1]
    if name != "cosine_embedding_loss":
        np.testing.assert_array_equal(lean.predicted(), np.argmax(ev.to_grid(x), axis=1))
    else:
        assert (lean.predicted() == -1).all() and (small.predicted() == -1).all()


def test_segmentation_batch_value_is_the_loss_functions_own() -> None:
    x = RNG.normal(size=(2, 5, 300, 400)).astype(np.float32)
    t = RNG.integers(0, 5, (2, 300, 400))
    t[:, :10] = 255
    result = ev.evaluate("cross_entropy", x, t, {"ignore_index": 255})
    assert x.size >= ev.LARGE_INPUT
    assert result.value == float(cross_entropy(x, t, ignore_index=255))
    expected_grad = ev.to_grid(cross_entropy_grad(x, t, ignore_index=255))
    assert result.grad.dtype == np.float32
    np.testing.assert_allclose(result.grad, expected_grad, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(result.probs, softmax(ev.to_grid(x), dim=1), rtol=1e-6, atol=1e-7)
    none = cross_entropy(x, t, ignore_index=255, reduction="none").reshape(-1)
    np.testing.assert_allclose(result.row_loss, none, rtol=1e-6)
    assert result.ignored.sum() == 2 * 10 * 400
    assert result.numerator / result.denominator == pytest.approx(result.value, rel=1e-6)


def test_reduction_none_reports_the_sum_as_numerator() -> None:
    x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    result = ev.evaluate("cross_entropy", x, np.array([0, 1]), {"reduction": "none"})
    assert result.numerator == pytest.approx(result.value)
    np.testing.assert_allclose(result.row_share.sum(), 1.0)
    assert "nan" not in result.explanation


@pytest.mark.parametrize("shape", [(7, 3), (2, 3, 4, 5), (2, 3, 70000)])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_grid_map_is_to_grid_then_the_row_function(shape: tuple[int, ...], kind: str) -> None:
    x = RNG.normal(size=shape) * 30
    rows = ev.to_grid(x)
    expected = {
        "copy": rows,
        "exp": np.exp(rows),
        "nan": np.full_like(rows, np.nan),
        "sigmoid": sigmoid(rows),
        "softmax": softmax(rows, dim=1),
    }[kind]
    got = grid_map(x, kind, np.float64)
    assert got.shape == rows.shape and got.flags.c_contiguous
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_lean_cross_entropy_gradient_with_weights_smoothing_and_ignore(
    reduction: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, t, _ = _case("cross_entropy", (3, 4, 5, 6))
    options = {
        "reduction": reduction,
        "weight": (0.5, 2.0, 1.0, 3.0),
        "label_smoothing": 0.2,
        "ignore_index": -100,
    }
    small = ev.evaluate("cross_entropy", x, t, options)
    monkeypatch.setattr(ev, "LARGE_INPUT", 10)
    lean = ev.evaluate("cross_entropy", x, t, options)
    assert lean.value == small.value
    expected = ev.to_grid(cross_entropy_grad(x, t, **options))
    np.testing.assert_allclose(lean.grad, expected, rtol=1e-5, atol=1e-7)
    assert np.all(lean.grad[lean.ignored] == 0)


def _segmentation(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    x = RNG.normal(size=shape).astype(np.float32)
    t = RNG.integers(0, shape[1], (shape[0], *shape[2:]))
    t.reshape(-1)[::7] = 255
    return x, t


@pytest.mark.parametrize("classes_last", [True, False])
def test_large_evaluation_gives_probabilities_row_by_row(classes_last: bool) -> None:
    x, t = _segmentation((2, 5, 300, 400))
    if classes_last:
        # The layout the loaders store spatial logits in: grid rows are a view.
        x = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)
    result = ev.evaluate("cross_entropy", x, t, {"ignore_index": 255})
    expected = softmax(ev.to_grid(x.astype(np.float64)), dim=1)
    np.testing.assert_allclose(result.row_probs(1234), expected[1234], rtol=1e-5, atol=1e-7)
    rows = np.array([5, 0, 239_999, 5])
    np.testing.assert_allclose(result.row_probs(rows), expected[rows], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        result.row_probs(slice(120_000, 120_400)), expected[120_000:120_400], rtol=1e-5, atol=1e-7
    )
    np.testing.assert_array_equal(result.predicted(), np.argmax(ev.to_grid(x), axis=1))
    flat = t.reshape(-1)
    valid = flat != 255
    np.testing.assert_allclose(
        result.target_prob[valid], expected[valid, flat[valid]], rtol=1e-5, atol=1e-7
    )
    assert np.isnan(result.target_prob[~valid]).all()
    with pytest.raises(IndexError):
        result.row_probs(x.size // x.shape[1])


def test_large_cross_entropy_holds_little_more_than_its_gradient() -> None:
    x, t = _segmentation((2, 21, 160, 160))  # 21 classes, as in Pascal VOC
    x = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)
    assert x.size >= ev.LARGE_INPUT
    tracemalloc.start()
    try:
        result = ev.evaluate("cross_entropy", x, t, {"ignore_index": 255})
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The gradient (one logits' worth) and a few per-row vectors (P,); no (P, C)
    # probabilities beside it, kept or transient (before: 2.3x kept, 2.4x peak).
    assert kept < 1.5 * x.nbytes
    assert peak < 2.0 * x.nbytes
    assert result.grad.nbytes == x.nbytes


@pytest.mark.parametrize(
    ("name", "transform"),
    [("nll_loss", "log_softmax"), ("binary_cross_entropy", "sigmoid"), ("kl_div", "log_softmax")],
)
def test_rows_on_demand_follow_the_input_transform(
    name: str, transform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shape = (2, 4, 5, 6) if LOSSES[name].spatial else (30, 4)
    x, t, _ = _case(name, shape)
    small = ev.evaluate(name, x, t, {}, transform=transform)
    monkeypatch.setattr(ev, "LARGE_INPUT", 10)
    lean = ev.evaluate(name, x, t, {}, transform=transform)
    np.testing.assert_allclose(lean.row_probs(slice(None)), small.probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(lean.predicted(), small.predicted())


@pytest.mark.parametrize("shape", [(7, 3), (2, 3, 4, 5), (2, 3, 70000)])
@pytest.mark.parametrize("kind", ["softmax", "sigmoid", "exp"])
def test_grid_pick_and_argmax_match_the_whole_grid(shape: tuple[int, ...], kind: str) -> None:
    x = RNG.normal(size=shape) * 5
    rows = ev.to_grid(x)
    whole = grid_map(x, kind, np.float64)
    columns = RNG.integers(-1, shape[1] + 1, rows.shape[0])
    picked = grid_pick(x, kind, np.float64, columns)
    inside = (columns >= 0) & (columns < shape[1])
    index = np.nonzero(inside)[0]
    np.testing.assert_allclose(picked[index], whole[index, columns[index]], rtol=1e-12)
    assert np.isnan(picked[~inside]).all()
    np.testing.assert_array_equal(grid_argmax(x), np.argmax(rows, axis=1))
