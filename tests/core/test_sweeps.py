"""Plot sweeps against brute force: re-evaluating the whole batch at each point."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lossgui.core as core
from lossgui.core.activations import cast
from lossgui.core.entropy import document_entropy_kl, target_distribution
from lossgui.core.evaluate import evaluate, from_grid, to_grid
from lossgui.core.softmax_numerics import class_numerics
from lossgui.core.sweeps import (
    OVERLAYS,
    entropy_kl,
    loss_vs_logit,
    numerics,
    overlay_losses,
    sigmoid_vs_softmax,
    sweep_values,
    two_class_at,
)

RNG = np.random.default_rng(7)


def _case(
    loss: str,
    shape: tuple[int, ...],
    kind: str,
    options: dict[str, Any],
    transform: str = "none",
    dtype: str = "float64",
) -> dict[str, Any]:
    rng = np.random.default_rng(abs(hash((loss, shape, kind, str(options)))) % 2**32)
    logits = rng.normal(0, 2, size=shape)
    c = shape[1]
    spatial = (shape[0], *shape[2:])
    if kind == "index":
        target = rng.integers(0, c, size=spatial)
    elif kind == "probability":
        raw = rng.gamma(1.0, size=shape)
        target = raw / raw.sum(axis=1, keepdims=True)
    elif kind == "binary":
        target = rng.integers(0, 2, size=shape).astype(np.float64)
    else:
        target = np.array([1, -1, 1, -1][: shape[0]])
    input2 = rng.normal(0, 2, size=shape) if kind == "sign" else None
    return dict(
        loss=loss,
        logits=logits,
        target=target,
        options=options,
        transform=transform,
        dtype=dtype,
        input2=input2,
    )


W4 = (1.0, 2.5, 0.5, 3.0)
CASES = {
    "ce weight ignore smoothing mean": _case(
        "cross_entropy",
        (6, 4),
        "index",
        {"weight": W4, "ignore_index": 2, "label_smoothing": 0.2, "reduction": "mean"},
    ),
    "ce sum float32": _case(
        "cross_entropy", (5, 4), "index", {"reduction": "sum"}, "none", "float32"
    ),
    "ce none": _case("cross_entropy", (5, 4), "index", {"reduction": "none", "weight": W4}),
    "ce probability smoothing": _case(
        "cross_entropy", (5, 4), "probability", {"label_smoothing": 0.1, "weight": W4}
    ),
    "ce spatial weight ignore": _case(
        "cross_entropy", (2, 4, 3, 2), "index", {"weight": W4, "ignore_index": 1}
    ),
    "nll log_softmax weight": _case("nll_loss", (5, 4), "index", {"weight": W4}, "log_softmax"),
    "bce after sigmoid weight": _case(
        "binary_cross_entropy", (5, 4), "binary", {"weight": W4}, "sigmoid"
    ),
    "bce with logits pos_weight": _case(
        "binary_cross_entropy_with_logits",
        (5, 4),
        "binary",
        {"weight": W4, "pos_weight": (3.0, 1.0, 0.5, 2.0)},
    ),
    "bce with logits spatial weight": _case(
        "binary_cross_entropy_with_logits", (2, 3, 2, 3), "binary", {"weight": (1.0, 2.0, 4.0)}
    ),
    "focal sum": _case("sigmoid_focal_loss", (5, 4), "binary", {"reduction": "sum"}),
    "multilabel weight": _case("multilabel_soft_margin_loss", (5, 4), "binary", {"weight": W4}),
    "multi margin p2 weight": _case(
        "multi_margin_loss", (5, 4), "index", {"p": 2, "weight": W4, "margin": 1.5}
    ),
    "kl batchmean": _case(
        "kl_div", (5, 4), "probability", {"reduction": "batchmean"}, "log_softmax"
    ),
    "kl mean log input": _case("kl_div", (5, 4), "probability", {"reduction": "mean"}),
    "cosine": _case("cosine_embedding_loss", (4, 3), "sign", {"margin": 0.2}),
}


def _brute(case: dict[str, Any], row: int, col: int, value: float) -> Any:
    grid = np.array(to_grid(case["logits"]), dtype=np.float64)
    grid[row, col] = value
    logits = from_grid(grid, case["logits"].shape)
    return evaluate(
        case["loss"],
        logits,
        case["target"],
        case["options"],
        transform=case["transform"],
        dtype=case["dtype"],
        input2=case["input2"],
    )


def _sweep(case: dict[str, Any], row: int, col: int, values: np.ndarray) -> Any:
    return loss_vs_logit(
        case["loss"],
        case["logits"],
        case["target"],
        case["options"],
        transform=case["transform"],
        dtype=case["dtype"],
        input2=case["input2"],
        row=row,
        col=col,
        values=values,
    )


@pytest.mark.parametrize("name", list(CASES))
def test_batch_loss_equals_re_evaluating_the_whole_batch(name):
    case = CASES[name]
    rows = to_grid(case["logits"]).shape[0]
    cols = case["logits"].shape[1]
    tol = 1e-5 if case["dtype"] == "float32" else 1e-10
    for row, col in ((0, 0), (rows - 1, cols - 1), (rows // 2, 1)):
        values = np.array([-4.0, -0.7, 0.3, 2.9])
        sweep = _sweep(case, row, col, values)
        for v, batch, sample in zip(values, sweep.batch_loss, sweep.sample_loss, strict=True):
            ev = _brute(case, row, col, v)
            np.testing.assert_allclose(batch, ev.value, rtol=tol, atol=tol, err_msg=name)
            np.testing.assert_allclose(sample, ev.row_loss[row], rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(CASES))
def test_grad_is_the_derivative_of_the_batch_loss(name):
    case = {**CASES[name], "dtype": "float64"}
    row, col, h = 1, 2, 1e-6
    values = np.array([-1.3, 0.45, 2.2])
    sweep = _sweep(case, row, col, values)
    up = _sweep(case, row, col, values + h).batch_loss
    down = _sweep(case, row, col, values - h).batch_loss
    np.testing.assert_allclose(sweep.grad, (up - down) / (2 * h), rtol=1e-5, atol=1e-7)
    # and it is the gradient evaluate() reports at that value
    for v, g in zip(values, sweep.grad, strict=True):
        np.testing.assert_allclose(
            g, _brute(case, row, col, v).grad[row, col], rtol=1e-9, atol=1e-12
        )


def test_an_ignored_row_contributes_nothing_whatever_its_logit():
    case = CASES["ce weight ignore smoothing mean"]
    row = int(np.nonzero(case["target"] == 2)[0][0]) if (case["target"] == 2).any() else None
    target = np.array(case["target"])
    if row is None:
        row = 0
        target[0] = 2
    case = {**case, "target": target}
    sweep = _sweep(case, row, 0, np.linspace(-5, 5, 11))
    assert np.all(sweep.sample_loss == 0)
    assert np.all(sweep.grad == 0)
    assert np.ptp(sweep.batch_loss) == 0


def test_mean_divides_by_the_weight_sum_of_the_targets():
    case = CASES["ce weight ignore smoothing mean"]
    sweep = _sweep(case, 0, 0, np.array([0.0]))
    target = case["target"]
    kept = target[target != 2]
    assert sweep.denominator == pytest.approx(np.sum(np.asarray(W4)[kept]))


def test_sweep_values_keep_bce_probabilities_inside_zero_one():
    xs = sweep_values(0.4, "binary_cross_entropy", "none")
    assert xs.min() > 0 and xs.max() < 1
    xs = sweep_values(2.0, "cross_entropy", "none", half_width=3.0, points=7)
    np.testing.assert_allclose(xs, [-1, 0, 1, 2, 3, 4, 5])


def test_overlays_equal_the_core_losses_of_the_row():
    row = np.array([0.5, -1.0, 2.0])
    values = np.linspace(-3, 3, 5)
    curves = overlay_losses(row, 1, 2, values, dtype="float64")
    assert set(curves) == set(OVERLAYS)
    for i, v in enumerate(values):
        x = row.copy()
        x[2] = v
        one_hot = np.array([0.0, 1.0, 0.0])
        expected = {
            "cross_entropy": core.cross_entropy(x, np.array(1), reduction="sum"),
            "sigmoid_focal_loss": core.sigmoid_focal_loss(x, one_hot, reduction="sum"),
            "multi_margin_loss": core.multi_margin_loss(x[None], np.array([1]), reduction="sum"),
            "bce_after_sigmoid": core.binary_cross_entropy(
                core.sigmoid(x), one_hot, reduction="sum"
            ),
            "binary_cross_entropy_with_logits": core.binary_cross_entropy_with_logits(
                x, one_hot, reduction="sum"
            ),
        }
        for name, value in expected.items():
            assert curves[name][i] == pytest.approx(float(value), rel=1e-12), name


def test_bce_after_sigmoid_levels_off_where_bce_with_logits_keeps_growing():
    values = np.array([10.0, 30.0, 60.0])
    curves = overlay_losses(np.zeros(3), 0, 1, values, dtype="float32")
    clamped = curves["bce_after_sigmoid"]
    logits = curves["binary_cross_entropy_with_logits"]
    # column 1 is a negative label: its term -log(1 - sigmoid(x)) is clamped at 100;
    # the two other cells sit at logit 0 and add log 2 each
    assert clamped[1] == pytest.approx(clamped[2])
    assert clamped[2] == pytest.approx(100 + 2 * np.log(2), rel=1e-6)
    assert logits[2] > logits[1] + 25


def test_softmax_of_two_is_the_sigmoid_of_the_difference():
    sweep = sigmoid_vs_softmax((-30, 30), 61, b=0.7, dtype="float64")
    np.testing.assert_allclose(sweep.softmax_a, sweep.sigmoid, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(sweep.cross_entropy, sweep.bce_with_logits, rtol=1e-9, atol=1e-15)
    pair = np.stack([0.7 + sweep.diff, np.full(61, 0.7)], axis=1)
    np.testing.assert_array_equal(sweep.softmax_a, core.softmax(pair, dim=1)[:, 0])
    np.testing.assert_array_equal(sweep.abs_difference, np.abs(sweep.softmax_a - sweep.sigmoid))


def test_float32_cross_entropy_rounds_to_zero_where_bce_with_logits_does_not():
    sweep = sigmoid_vs_softmax((20, 30), 3, dtype="float32")
    assert np.all(sweep.cross_entropy == 0)
    assert np.all(sweep.bce_with_logits > 0)
    np.testing.assert_allclose(sweep.loss_abs_difference, sweep.bce_with_logits)


def test_two_class_at_uses_the_given_logits():
    point = two_class_at(3.25, -1.5, dtype="float32")
    assert point.diff[0] == pytest.approx(4.75)
    expected = core.softmax(np.array([3.25, -1.5], dtype=np.float32))[0]
    assert point.softmax_a[0] == float(expected)


def test_numerics_naive_softmax_overflows_where_exp_does():
    row = np.array([1.0, 0.5, -1.0])
    scales = np.linspace(1, 1000, 2000)
    sweep = numerics(row, "float32", scales)
    f32, f64 = sweep.curves["float32"], sweep.curves["float64"]
    first32 = int(f32.first_bad_softmax[0])
    assert 88.0 < sweep.max_logit[first32] < 89.5
    assert np.all(np.isfinite(f32.naive_softmax[:first32, 0]))
    first64 = int(f64.first_bad_softmax[0])
    assert 709.0 < sweep.max_logit[first64] < 710.5
    for curves in (f32, f64):
        assert np.all(np.isfinite(curves.stable_softmax))
        np.testing.assert_allclose(curves.stable_softmax.sum(axis=1), 1, rtol=1e-6)
    # log-softmax of the smallest class fails earlier: its exp underflows to 0
    assert 0 <= f32.first_bad_log_softmax[2] < first32
    assert np.array_equal(sweep.max_logit, scales)


@pytest.mark.parametrize("row", [[1.0, 0.5, -1.0], [3.0, -2.0, 0.25, 7.5], [-4.0, -9.0]])
def test_numerics_curves_are_the_activations_bit_for_bit(row):
    # Overflow (inf, nan) and underflow (0, -inf) included: scales up to 1e4.
    scales = np.geomspace(1e-3, 1e4, 301)
    sweep = numerics(np.array(row), "float32", scales)
    scaled = scales[:, None] * np.array(row)[None, :]
    for name, curves in sweep.curves.items():
        x = cast(scaled, np.dtype(name))
        for got, fn in (
            (curves.naive_softmax, core.naive_softmax),
            (curves.stable_softmax, core.softmax),
            (curves.naive_log_softmax, core.naive_log_softmax),
            (curves.stable_log_softmax, core.log_softmax),
        ):
            with np.errstate(all="ignore"):
                expected = fn(x, dim=1).astype(np.float64)
            assert np.array_equal(got, expected, equal_nan=True), (name, fn.__name__)


def test_numerics_stable_curves_match_torch():
    torch = pytest.importorskip("torch")
    row = np.array([3.0, -2.0, 0.25, 7.5])
    scales = np.geomspace(1e-3, 1e4, 101)
    sweep = numerics(row, "float32", scales)
    scaled = torch.tensor(scales[:, None] * row[None, :])
    # torch's vectorised exp may round the last float32 bit otherwise.
    for name, dtype, rtol in (("float32", torch.float32, 1e-6), ("float64", torch.float64, 1e-13)):
        x = scaled.to(dtype)
        curves = sweep.curves[name]
        np.testing.assert_allclose(
            curves.stable_softmax, torch.softmax(x, 1).double().numpy(), rtol=rtol, atol=1e-30
        )
        np.testing.assert_allclose(
            curves.stable_log_softmax, torch.log_softmax(x, 1).double().numpy(), rtol=rtol
        )


@pytest.mark.parametrize("classes", [2, 3, 10, 64])
def test_class_numerics_is_one_column_of_numerics_bit_for_bit(classes):
    # Overflow, underflow, zeros and a row of equal logits among the rows.
    rng = np.random.default_rng(classes)
    rows = [rng.normal(0, 3, classes), rng.normal(0, 300, classes), np.zeros(classes)]
    rows += [np.full(classes, -2.5), rng.uniform(-1e-3, 1e-3, classes)]
    for row in rows:
        scales = np.geomspace(1e-3, 1e4, 397)
        whole = numerics(row, "float64", scales)
        for col in sorted({0, classes // 2, classes - 1}):
            one = class_numerics(row, col, scales)
            assert np.array_equal(one.max_logit, whole.max_logit)
            for name, curves in whole.curves.items():
                mine = one.curves[name]
                for form in ("naive_softmax", "stable_softmax", "naive_log_softmax"):
                    theirs = getattr(curves, form)[:, col]
                    assert np.array_equal(getattr(mine, form), theirs, equal_nan=True), form
                theirs = curves.stable_log_softmax[:, col]
                assert np.array_equal(mine.stable_log_softmax, theirs, equal_nan=True)
                bad = curves.first_bad_softmax[curves.first_bad_softmax >= 0]
                assert mine.first_bad_row == (int(bad.min()) if bad.size else -1)
                assert mine.first_bad_log == int(curves.first_bad_log_softmax[col])


def test_class_numerics_at_one_scale_is_the_row_as_it_is():
    row = np.array([2.0, -1.0, 0.5])
    one = class_numerics(row, 1, [1.0])
    expected = core.log_softmax(row.astype(np.float32), dim=0)[1]
    assert one.curves["float32"].stable_log_softmax[0] == float(expected)
    assert one.curves["float64"].first_bad_row == -1
    with pytest.raises(IndexError):
        class_numerics(row, 3, [1.0])


def test_numerics_on_small_logits_stays_finite():
    sweep = numerics(np.array([0.1, -0.2]), "float64", np.array([1.0, 2.0]))
    assert np.all(sweep.curves["float32"].first_bad_softmax == -1)
    np.testing.assert_allclose(
        sweep.curves["float64"].naive_softmax, sweep.curves["float64"].stable_softmax
    )


def test_cross_entropy_is_entropy_plus_kl():
    logits = RNG.normal(0, 3, size=(8, 5))
    raw = RNG.gamma(0.5, size=(8, 5))
    q = raw / raw.sum(axis=1, keepdims=True)
    q[0] = [1, 0, 0, 0, 0]
    parts = entropy_kl(q, logits, dtype="float64")
    np.testing.assert_allclose(parts.cross_entropy, parts.entropy + parts.kl, rtol=1e-12)
    np.testing.assert_allclose(
        parts.cross_entropy, core.cross_entropy(logits, q, reduction="none"), rtol=1e-12
    )
    np.testing.assert_allclose(
        parts.kl, core.kl_div(core.log_softmax(logits, dim=1), q, reduction="none").sum(axis=1)
    )
    assert parts.entropy[0] == 0
    assert np.all(parts.kl >= -1e-12)


def test_document_entropy_matches_smoothed_cross_entropy():
    logits = RNG.normal(0, 2, size=(6, 4))
    target = np.array([0, 3, 1, -100, 2, 2])
    options = {"label_smoothing": 0.2}
    result = document_entropy_kl(
        "cross_entropy", logits, target, options, dtype="float64", target_kind="index"
    )
    expected = core.cross_entropy(logits, target, label_smoothing=0.2, reduction="none")
    np.testing.assert_allclose(result.parts.cross_entropy, expected, rtol=1e-12)
    assert result.ignored.tolist() == [False, False, False, True, False, False]
    assert np.all(result.parts.entropy[~result.ignored] > 0)
    assert not result.one_hot
    assert "1 ignored row adds nothing" in result.notes
    target[0] = -100
    again = document_entropy_kl(
        "cross_entropy", logits, target, options, dtype="float64", target_kind="index"
    )
    assert "2 ignored rows add nothing" in again.notes


def test_document_entropy_of_index_targets_is_zero_entropy():
    logits = RNG.normal(0, 2, size=(4, 3))
    result = document_entropy_kl(
        "nll_loss", logits, np.array([0, 1, 2, 1]), {}, dtype="float64", transform="log_softmax"
    )
    assert result.one_hot
    np.testing.assert_array_equal(result.parts.entropy, 0)
    np.testing.assert_allclose(result.parts.kl, result.parts.cross_entropy)


def test_kl_div_without_transform_reads_the_grid_as_log_probabilities():
    lp = core.log_softmax(RNG.normal(size=(3, 4)), dim=1)
    raw = RNG.gamma(1.0, size=(3, 4))
    q = raw / raw.sum(axis=1, keepdims=True)
    result = document_entropy_kl("kl_div", lp, q, {}, dtype="float64", target_kind="probability")
    np.testing.assert_allclose(
        result.parts.kl, core.kl_div(lp, q, reduction="none").sum(axis=1), rtol=1e-12
    )


def test_target_distribution_log_target_and_refusal():
    q, _ = target_distribution(np.log(np.full((2, 2), 0.5)), 2, kind="probability", log_target=True)
    np.testing.assert_allclose(q, 0.5)
    with pytest.raises(ValueError):
        target_distribution(np.array([1, -1]), 2, kind="sign")
