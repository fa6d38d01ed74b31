"""Randomized BCE, BCE with logits, focal and multilabel checks against PyTorch
(skipped without torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.core.crosscheck_strategies import DTYPES, REDUCTIONS, SEEDS, SETTINGS, class_weight
from tests.core.torch_crosscheck import crosscheck, rejects_like_torch


def small_shape(draw: st.DrawFn) -> tuple[int, ...]:
    return draw(st.sampled_from([(), (1,), (5,), (3, 4), (2, 3, 2), (0, 3)]))


@SETTINGS
@given(data=st.data())
def test_binary_cross_entropy(data: st.DataObject) -> None:
    """BCE on probabilities, including exact 0 and 1 (the -100 clamp), weights."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    shape = small_shape(data.draw)
    x = rng.uniform(0.0, 1.0, shape)
    edge = rng.random(shape) < data.draw(st.sampled_from([0.0, 0.3]))
    x = np.where(edge, rng.integers(0, 2, shape), x)
    soft = data.draw(st.booleans())
    y = rng.uniform(0, 1, shape) if soft else rng.integers(0, 2, shape)
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    wkind = data.draw(st.sampled_from(["none", "full", "last"]))
    if wkind == "full":
        kwargs["weight"] = rng.uniform(0.1, 3.0, shape).astype(dtype)
    elif wkind == "last" and len(shape) >= 1:
        kwargs["weight"] = rng.uniform(0.1, 3.0, shape[-1:]).astype(dtype)
    crosscheck(
        "binary_cross_entropy", [np.asarray(x, dtype=dtype), np.asarray(y, dtype=dtype)], kwargs
    )


@SETTINGS
@given(data=st.data())
def test_binary_cross_entropy_with_logits(data: st.DataObject) -> None:
    """BCE with logits up to +-1e3, weights and per-class pos_weight."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    shape = small_shape(data.draw)
    scale = data.draw(st.sampled_from([1.0, 10.0, 1000.0]))
    x = np.asarray(rng.standard_normal(shape) * scale, dtype=dtype)
    soft = data.draw(st.booleans())
    y = np.asarray(rng.uniform(0, 1, shape) if soft else rng.integers(0, 2, shape), dtype=dtype)
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    wkind = data.draw(st.sampled_from(["none", "full", "last"]))
    if wkind == "full":
        kwargs["weight"] = rng.uniform(0.1, 3.0, shape).astype(dtype)
    elif wkind == "last" and len(shape) >= 1:
        kwargs["weight"] = rng.uniform(0.1, 3.0, shape[-1:]).astype(dtype)
    if len(shape) >= 1 and data.draw(st.booleans()):
        kwargs["pos_weight"] = rng.uniform(0.1, 10.0, shape[-1:]).astype(dtype)
    crosscheck("binary_cross_entropy_with_logits", [x, y], kwargs)


@SETTINGS
@given(data=st.data())
def test_sigmoid_focal_loss(data: st.DataObject) -> None:
    """torchvision's focal loss: alpha (incl. negative = off), gamma (incl. 0), reductions."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    shape = data.draw(st.sampled_from([(5,), (3, 4), (2, 3, 2)]))
    x = np.asarray(rng.standard_normal(shape) * data.draw(st.sampled_from([1.0, 4.0])), dtype)
    soft = data.draw(st.booleans())
    y = np.asarray(rng.uniform(0, 1, shape) if soft else rng.integers(0, 2, shape), dtype=dtype)
    kwargs: dict[str, Any] = {}
    if data.draw(st.booleans()):
        kwargs["alpha"] = data.draw(st.sampled_from([-1.0, 0.0, 0.25, 0.5, 0.9, 1.0]))
    if data.draw(st.booleans()):
        kwargs["gamma"] = data.draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]))
    if data.draw(st.booleans()):
        kwargs["reduction"] = data.draw(REDUCTIONS)
    crosscheck("sigmoid_focal_loss", [x, y], kwargs)


@SETTINGS
@given(data=st.data())
def test_multilabel_soft_margin_loss(data: st.DataObject) -> None:
    """multilabel_soft_margin_loss on (N, C) with per-class or full weights."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 5))
    x = np.asarray(rng.standard_normal((n, c)) * data.draw(st.sampled_from([1.0, 30.0])), dtype)
    y = rng.integers(0, 2, (n, c)).astype(dtype)
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    wkind = data.draw(st.sampled_from(["none", "class", "full"]))
    if wkind == "class":
        kwargs["weight"] = class_weight(rng, c, dtype)
    elif wkind == "full":
        kwargs["weight"] = rng.uniform(0.1, 3.0, (n, c)).astype(dtype)
    crosscheck("multilabel_soft_margin_loss", [x, y], kwargs)


@SETTINGS
@given(data=st.data())
def test_binary_rejects_like_torch(data: st.DataObject) -> None:
    """BCE inputs/targets outside [0, 1] or NaN, wrong weight / pos_weight lengths."""
    loss = data.draw(st.sampled_from(["binary_cross_entropy", "binary_cross_entropy_with_logits"]))
    rng = np.random.default_rng(data.draw(SEEDS))
    n, c = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    x = rng.uniform(0, 1, (n, c))
    y = rng.integers(0, 2, (n, c)).astype(np.float64)
    bad = data.draw(st.sampled_from(["none", "x_low", "x_high", "x_nan", "y_low", "y_high"]))
    i, j = rng.integers(0, n), rng.integers(0, c)
    if bad == "x_low":
        x[i, j] = -data.draw(st.sampled_from([1e-9, 0.5, 3.0]))
    elif bad == "x_high":
        x[i, j] = 1 + data.draw(st.sampled_from([1e-9, 0.5, 3.0]))
    elif bad == "x_nan":
        x[i, j] = np.nan
    elif bad == "y_low":
        y[i, j] = -0.5
    elif bad == "y_high":
        y[i, j] = 1.5
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    if data.draw(st.booleans()):
        kwargs["weight"] = rng.uniform(0.5, 2, data.draw(st.sampled_from([(c,), (c + 1,), (n, c)])))
    if loss.endswith("logits") and data.draw(st.booleans()):
        kwargs["pos_weight"] = rng.uniform(0.5, 2, data.draw(st.integers(max(c - 1, 1), c + 1)))
    rejects_like_torch(loss, [x, y], kwargs)
