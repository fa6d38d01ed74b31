"""Class-imbalance statistics and weight schemes against brute force and known numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lossgui.core.evaluate import evaluate
from lossgui.core.imbalance import (
    class_balance,
    class_counts,
    effective_number,
    inverse_frequency,
    pos_weight_from_counts,
    sqrt_inverse_frequency,
)
from lossgui.core.imbalance_sweep import abs_affine_sums, loss_vs_weight_ratio

RNG = np.random.default_rng(3)


# ------------------------------------------------------------------ weight schemes
def test_inverse_frequency_on_known_counts():
    np.testing.assert_allclose(inverse_frequency(np.array([10, 30, 60])), [2.0, 2 / 3, 1 / 3])


def test_sqrt_inverse_frequency_on_known_counts():
    w = sqrt_inverse_frequency(np.array([1, 4, 16]))
    raw = np.array([1, 0.5, 0.25])
    np.testing.assert_allclose(w, raw * 3 / raw.sum())
    assert w.sum() == pytest.approx(3)


def test_effective_number_on_known_counts():
    w = effective_number(np.array([1, 2]), beta=0.9)
    raw = np.array([0.1 / 0.1, 0.1 / (1 - 0.81)])
    np.testing.assert_allclose(w, raw * 2 / raw.sum())


def test_effective_number_limits():
    counts = np.array([5, 50, 500])
    np.testing.assert_allclose(effective_number(counts, beta=0.0), 1.0)
    np.testing.assert_allclose(
        effective_number(counts, beta=0.999999), inverse_frequency(counts), rtol=1e-3
    )
    with pytest.raises(ValueError):
        effective_number(counts, beta=1.0)


def test_schemes_stay_finite_for_absent_classes():
    counts = np.array([0, 3, 9])
    for w in (inverse_frequency(counts), sqrt_inverse_frequency(counts), effective_number(counts)):
        assert np.all(np.isfinite(w))
        assert w.sum() == pytest.approx(3)
        assert w[0] == w.max()


def test_pos_weight_is_negatives_over_positives():
    np.testing.assert_allclose(
        pos_weight_from_counts(np.array([90, 50, 7, 0]), np.array([10, 50, 0, 4])), [9, 1, 7, 1]
    )


# ------------------------------------------------------------------ class balance
def _doc(loss: str, kind: str, options: dict[str, Any], shape=(12, 3), transform="none"):
    logits = RNG.normal(0, 2, size=shape)
    if kind == "index":
        target = np.array([0] * 7 + [1] * 4 + [2] * 1)[: shape[0]]
    elif kind == "binary":
        target = (RNG.random(shape) < np.array([0.6, 0.3, 0.1])).astype(np.float64)
        target[0] = 1.0  # every column has a positive
    else:
        raw = RNG.gamma(1.0, size=shape)
        target = raw / raw.sum(axis=1, keepdims=True)
    return dict(loss=loss, logits=logits, target=target, options=options, transform=transform)


def _eval(d: dict[str, Any], **options: Any) -> Any:
    return evaluate(
        d["loss"],
        d["logits"],
        d["target"],
        {**d["options"], **options},
        transform=d["transform"],
        dtype="float64",
    )


def _balance(d: dict[str, Any]) -> Any:
    return class_balance(
        d["loss"], d["logits"], d["target"], d["options"], transform=d["transform"], dtype="float64"
    )


def test_index_targets_are_counted_and_shares_add_up():
    d = _doc("cross_entropy", "index", {"weight": (1.0, 2.0, 7.0), "ignore_index": 1})
    b = _balance(d)
    assert b.grouping == "target"
    np.testing.assert_array_equal(b.counts, [7, 0, 1])
    assert b.minority == 2
    assert b.weighted
    ev = _eval(d)
    assert b.loss_weighted.sum() == pytest.approx(ev.numerator)
    assert b.loss_unweighted.sum() == pytest.approx(_eval(d, weight=None).numerator)
    for share in (b.share_weighted, b.share_unweighted, b.grad_share_weighted):
        assert share.sum() == pytest.approx(1.0)
    # gradient share, by brute force from evaluate's gradient
    mass = np.abs(ev.grad).sum(axis=1)
    expected = np.array([mass[d["target"] == c].sum() for c in range(3)]) / mass.sum()
    np.testing.assert_allclose(b.grad_share_weighted, expected)


def test_weighting_the_minority_raises_its_shares():
    d = _doc("cross_entropy", "index", {})
    plain = _balance(d)
    heavy = _balance({**d, "options": {"weight": (1.0, 1.0, 20.0)}})
    assert not plain.weighted
    np.testing.assert_allclose(plain.share_weighted, plain.share_unweighted)
    assert heavy.share_weighted[2] > heavy.share_unweighted[2]
    assert heavy.grad_share_weighted[2] > heavy.grad_share_unweighted[2]


def test_binary_targets_group_by_column_with_pos_weight():
    d = _doc(
        "binary_cross_entropy_with_logits",
        "binary",
        {"pos_weight": (1.0, 2.0, 8.0), "weight": (1.0, 1.0, 3.0)},
    )
    b = _balance(d)
    assert b.grouping == "column"
    np.testing.assert_array_equal(b.counts, d["target"].sum(axis=0))
    np.testing.assert_array_equal(b.negatives, 12 - d["target"].sum(axis=0))
    ev = _eval(d)
    assert b.loss_weighted.sum() == pytest.approx(ev.numerator)
    np.testing.assert_allclose(
        b.grad_share_weighted, np.abs(ev.grad).sum(axis=0) / np.abs(ev.grad).sum()
    )
    counts, negatives = class_counts(d["loss"], d["logits"], d["target"], d["options"])
    np.testing.assert_array_equal(counts, b.counts)
    np.testing.assert_array_equal(negatives, b.negatives)


def test_multilabel_cells_add_up_to_its_loss():
    d = _doc("multilabel_soft_margin_loss", "binary", {"weight": (2.0, 1.0, 0.5)})
    assert _balance(d).loss_weighted.sum() == pytest.approx(_eval(d).numerator)


def test_probability_targets_group_by_argmax():
    d = _doc("cross_entropy", "probability", {})
    b = _balance(d)
    assert b.grouping == "argmax"
    np.testing.assert_array_equal(b.counts, np.bincount(d["target"].argmax(axis=1), minlength=3))


def test_cosine_has_no_classes():
    with pytest.raises(ValueError, match="no classes"):
        class_balance("cosine_embedding_loss", np.ones((2, 2)), np.array([1, -1]), {})


# -------------------------------------------------------------------- ratio sweep
RATIO_CASES = {
    "ce smoothing ignore mean": _doc(
        "cross_entropy", "index", {"label_smoothing": 0.1, "ignore_index": 0}
    ),
    "ce sum": _doc("cross_entropy", "index", {"reduction": "sum"}),
    "ce ignore mean": _doc("cross_entropy", "index", {"ignore_index": 0}),
    "bce with logits mean": _doc("binary_cross_entropy_with_logits", "binary", {}),
    "ce probability": _doc("cross_entropy", "probability", {}),
    "nll log_softmax": _doc("nll_loss", "index", {}, transform="log_softmax"),
    "multi margin": _doc("multi_margin_loss", "index", {"p": 2}),
    "bce with logits pos_weight": _doc(
        "binary_cross_entropy_with_logits", "binary", {"pos_weight": (1.0, 3.0, 9.0)}
    ),
    "bce sigmoid": _doc("binary_cross_entropy", "binary", {}, transform="sigmoid"),
    "multilabel none": _doc("multilabel_soft_margin_loss", "binary", {"reduction": "none"}),
}


@pytest.mark.parametrize("name", list(RATIO_CASES))
def test_ratio_sweep_equals_re_evaluating_with_each_weight(name):
    d = RATIO_CASES[name]
    ratios = np.array([0.01, 0.5, 1.0, 7.0, 300.0])
    sweep = loss_vs_weight_ratio(
        d["loss"],
        d["logits"],
        d["target"],
        d["options"],
        transform=d["transform"],
        dtype="float64",
        ratios=ratios,
    )
    m = sweep.minority
    balance = _balance(d)
    assert m == balance.minority
    for r, loss, share in zip(ratios, sweep.loss, sweep.minority_grad_share, strict=True):
        weight = np.ones(3)
        weight[m] = r
        ev = _eval(d, weight=tuple(weight))
        assert loss == pytest.approx(ev.value, rel=1e-9), r
        grad = np.abs(ev.grad)
        if balance.grouping == "column":
            expected = grad[:, m].sum() / grad.sum()
        else:
            expected = grad[balance_labels(d) == m].sum() / grad.sum()
        assert share == pytest.approx(expected, rel=1e-9), r
    assert sweep.minority_grad_share[-1] > sweep.minority_grad_share[0]


def balance_labels(d: dict[str, Any]) -> np.ndarray:
    t = np.asarray(d["target"])
    return t.argmax(axis=1) if t.ndim == 2 else t


def test_ratio_sweep_needs_a_weight_option():
    d = _doc("sigmoid_focal_loss", "binary", {})
    with pytest.raises(ValueError, match="no per-class weight"):
        loss_vs_weight_ratio(d["loss"], d["logits"], d["target"], {}, ratios=np.array([1.0]))


def test_abs_affine_sums_equals_the_direct_sum():
    a = RNG.normal(size=500)
    b = RNG.normal(size=500)
    b[::7] = 0.0
    r = np.concatenate([np.geomspace(1e-3, 1e3, 40), [-2.0, 0.0]])
    direct = np.abs(a[None, :] + r[:, None] * b[None, :]).sum(axis=1)
    np.testing.assert_allclose(abs_affine_sums(a, b, r), direct, rtol=1e-10)


def test_every_row_ignored_gives_no_shares_and_no_warning():
    logits = RNG.normal(size=(3, 3))
    target = np.array([-100, -100, -100])
    b = class_balance("cross_entropy", logits, target, {}, dtype="float64")
    np.testing.assert_array_equal(b.counts, 0)
    assert np.all(np.isnan(b.share_unweighted))
    assert b.loss_unweighted.dtype == np.float64


def test_a_shared_prepared_batch_is_evaluated_once_with_the_same_results(monkeypatch):
    """class_balance and the sweep given one Prepared share its unweighted evaluation."""
    from lossgui.core.imbalance import Prepared

    d = _doc("cross_entropy", "index", {})
    args = (d["loss"], d["logits"], d["target"], d["options"])
    kw = {"transform": d["transform"], "dtype": "float64"}
    ratios = np.array([0.1, 1.0, 10.0])
    alone = (class_balance(*args, **kw), loss_vs_weight_ratio(*args, **kw, ratios=ratios))
    calls = []
    real = Prepared._cell_losses
    monkeypatch.setattr(Prepared, "_cell_losses", lambda self, k: calls.append(1) or real(self, k))
    prepared = Prepared(*args, d["transform"], "float64")
    balance = class_balance(*args, **kw, prepared=prepared)
    sweep = loss_vs_weight_ratio(*args, **kw, ratios=ratios, prepared=prepared)
    assert len(calls) == 1  # the sweep's ends are the balance's unweighted evaluation
    np.testing.assert_array_equal(balance.loss_unweighted, alone[0].loss_unweighted)
    np.testing.assert_array_equal(sweep.loss, alone[1].loss)
    np.testing.assert_array_equal(sweep.minority_grad_share, alone[1].minority_grad_share)
    # The shared results cannot be changed by one of their users.
    shared = prepared.cell_losses(prepared.with_options(weight=None))
    assert not shared.flags.writeable
