"""Randomized cross_entropy / nll_loss checks against PyTorch (skipped without torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.core.crosscheck_strategies import DTYPES, REDUCTIONS, SEEDS, SETTINGS, class_weight
from tests.core.torch_crosscheck import F, crosscheck, rejects_like_torch, torch


@st.composite
def index_problem(draw: st.DrawFn, with_smoothing: bool) -> tuple[list[Any], dict[str, Any]]:
    """Logits of shape (C), (N, C) or (N, C, d...) with class-index targets and options."""
    dtype = draw(DTYPES)
    rng = np.random.default_rng(draw(SEEDS))
    c = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["1d", "2d", "3d", "4d"]))
    n = draw(st.integers(0, 4)) if kind == "2d" else draw(st.integers(1, 3))
    spatial = {"1d": (), "2d": (), "3d": (2,), "4d": (2, 3)}[kind]
    xshape = (c,) if kind == "1d" else (n, c, *spatial)
    tshape = () if kind == "1d" else (n, *spatial)
    scale = draw(st.sampled_from([0.1, 3.0, 30.0]))
    x = (rng.standard_normal(xshape) * scale).astype(dtype)
    t = rng.integers(0, c, tshape).astype(np.int64)
    kwargs: dict[str, Any] = {"reduction": draw(REDUCTIONS)}
    ignore = draw(st.sampled_from([None, -100, 255, "class"]))
    if ignore == "class":
        ignore = int(rng.integers(0, c))
    if ignore is not None:
        kwargs["ignore_index"] = ignore
    mask = rng.random(tshape) < draw(st.sampled_from([0.0, 0.3, 1.0]))
    t = np.where(mask, -100 if ignore is None else ignore, t).astype(np.int64)
    if draw(st.booleans()):
        kwargs["weight"] = class_weight(rng, c, dtype)
    if with_smoothing and draw(st.booleans()):
        kwargs["label_smoothing"] = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0, 0.37]))
    return [x, np.asarray(t)], kwargs


@SETTINGS
@given(problem=index_problem(with_smoothing=True))
def test_cross_entropy_index_targets(problem: tuple[list[Any], dict[str, Any]]) -> None:
    """cross_entropy with class-index targets, weights, ignore_index and smoothing."""
    args, kwargs = problem
    crosscheck("cross_entropy", args, kwargs)


@SETTINGS
@given(data=st.data())
def test_cross_entropy_probability_targets(data: st.DataObject) -> None:
    """cross_entropy with probability targets, weights and smoothing, any shape."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    c = data.draw(st.integers(1, 5))
    xshape = data.draw(st.sampled_from([(c,), (3, c), (0, c), (2, c, 3), (2, c, 2, 2)]))
    cdim = 0 if len(xshape) == 1 else 1
    x = (rng.standard_normal(xshape) * data.draw(st.sampled_from([0.5, 5.0, 50.0]))).astype(dtype)
    q = rng.exponential(size=xshape) * (rng.random(xshape) < 0.8)
    if data.draw(st.booleans()):
        q = q / np.maximum(q.sum(axis=cdim, keepdims=True), 1e-12)
    else:
        q = np.minimum(q, 1.0)
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    if data.draw(st.booleans()):
        kwargs["weight"] = class_weight(rng, c, dtype)
    if data.draw(st.booleans()):
        kwargs["label_smoothing"] = data.draw(st.sampled_from([0.1, 0.5, 1.0, -0.2]))
    if data.draw(st.booleans()):
        kwargs["ignore_index"] = data.draw(st.sampled_from([-100, -1]))
    crosscheck("cross_entropy", [x, q.astype(dtype)], kwargs)


@SETTINGS
@given(problem=index_problem(with_smoothing=False), log_probs=st.booleans())
def test_nll_loss(problem: tuple[list[Any], dict[str, Any]], log_probs: bool) -> None:
    """nll_loss on log-probabilities or raw inputs, weights, ignore_index."""
    args, kwargs = problem
    x = args[0]
    if log_probs and x.size:
        x = F.log_softmax(torch.from_numpy(x), dim=0 if x.ndim == 1 else 1).numpy()
    crosscheck("nll_loss", [x, args[1]], kwargs)


@SETTINGS
@given(data=st.data())
def test_categorical_rejects_like_torch(data: st.DataObject) -> None:
    """Out-of-range targets, wrong weight length, bad smoothing, float-target ignore_index."""
    loss = data.draw(st.sampled_from(["cross_entropy", "nll_loss"]))
    rng = np.random.default_rng(data.draw(SEEDS))
    c = data.draw(st.integers(1, 4))
    n = data.draw(st.integers(1, 4))
    x = rng.standard_normal((n, c))
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    prob = loss == "cross_entropy" and data.draw(st.booleans())
    if prob:
        t = rng.dirichlet(np.ones(c), n) if c > 1 else np.ones((n, 1))
    else:
        t = rng.integers(0, c, n).astype(np.int64)
        t[data.draw(st.integers(0, n - 1))] = data.draw(st.integers(-3, c + 2))
    if data.draw(st.booleans()):
        kwargs["ignore_index"] = data.draw(st.sampled_from([-100, -1, 0, c, 255]))
    if data.draw(st.booleans()):
        kwargs["weight"] = rng.uniform(0.5, 2.0, data.draw(st.integers(max(c - 1, 0), c + 1)))
    if loss == "cross_entropy" and data.draw(st.booleans()):
        kwargs["label_smoothing"] = data.draw(st.sampled_from([-0.5, 0.0, 0.5, 1.0, 1.0001, 2.0]))
    rejects_like_torch(loss, [x, t], kwargs)
