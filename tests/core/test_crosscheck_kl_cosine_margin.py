"""Randomized kl_div, cosine_embedding_loss and multi_margin_loss checks against PyTorch
(skipped without torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.core.crosscheck_strategies import DTYPES, REDUCTIONS, SEEDS, SETTINGS, class_weight
from tests.core.torch_crosscheck import F, crosscheck, rejects_like_torch, torch


@SETTINGS
@given(data=st.data())
def test_kl_div(data: st.DataObject) -> None:
    """kl_div with and without log_target, zero targets, every reduction incl. batchmean."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    shape = data.draw(st.sampled_from([(4,), (3, 4), (2, 3, 2), (1, 1)]))
    log_q = F.log_softmax(torch.from_numpy(rng.standard_normal(shape) * 3), dim=-1).numpy()
    if data.draw(st.booleans()):
        log_q = rng.standard_normal(shape) * 2  # kl_div does not check its input
    p = rng.exponential(size=shape)
    log_target = data.draw(st.booleans())
    if not log_target:
        p = p * (rng.random(shape) < 0.7)
    p = p / np.maximum(p.sum(axis=-1, keepdims=True), 1e-12)
    target = np.log(np.maximum(p, 1e-3)) if log_target else p
    kwargs: dict[str, Any] = {
        "reduction": data.draw(st.sampled_from(["none", "mean", "sum", "batchmean"]))
    }
    if log_target or data.draw(st.booleans()):
        kwargs["log_target"] = log_target
    crosscheck("kl_div", [log_q.astype(dtype), target.astype(dtype)], kwargs)


@SETTINGS
@given(data=st.data())
def test_cosine_embedding_loss(data: st.DataObject) -> None:
    """cosine_embedding_loss on (D) and (N, D), margins, targets -1 / 0 / 1, both gradients."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    d = data.draw(st.integers(1, 5))
    batched = data.draw(st.booleans())
    n = data.draw(st.integers(1, 5))
    shape = (n, d) if batched else (d,)
    x1 = rng.standard_normal(shape).astype(dtype)
    x2 = rng.standard_normal(shape).astype(dtype)
    tshape = (n,) if batched else ()
    t = rng.choice(np.array([-1, 0, 1]), size=tshape)
    t = np.asarray(t, dtype=data.draw(st.sampled_from([np.int64, np.dtype(dtype)])))
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    if data.draw(st.booleans()):
        kwargs["margin"] = data.draw(st.sampled_from([-0.5, 0.0, 0.3, 1.0]))
    # d cos / d x1 is O(1 / |x1|); float32 round-off of a zero gradient (D = 1) scales so.
    norms = np.linalg.norm(np.stack([x1, x2]).astype(np.float64), axis=-1)
    scale = max(1.0, 1.0 / float(norms.min()))
    crosscheck("cosine_embedding_loss", [x1, x2, t], kwargs, n_grad=2, grad_scale=scale)


@SETTINGS
@given(data=st.data())
def test_multi_margin_loss(data: st.DataObject) -> None:
    """multi_margin_loss with p = 1, 2, margins and class weights, (C) and (N, C)."""
    dtype = data.draw(DTYPES)
    rng = np.random.default_rng(data.draw(SEEDS))
    c = data.draw(st.integers(1, 5))
    batched = data.draw(st.booleans())
    n = data.draw(st.integers(1, 4))
    x = rng.standard_normal((n, c) if batched else (c,)).astype(dtype)
    t = np.asarray(rng.integers(0, c, (n,) if batched else ()), dtype=np.int64)
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    if data.draw(st.booleans()):
        kwargs["p"] = data.draw(st.sampled_from([1, 2]))
    if data.draw(st.booleans()):
        kwargs["margin"] = data.draw(st.sampled_from([0.0, 0.5, 1.0, 2.5]))
    if data.draw(st.booleans()):
        kwargs["weight"] = class_weight(rng, c, dtype)
    crosscheck("multi_margin_loss", [x, t], kwargs)


@SETTINGS
@given(data=st.data())
def test_margin_and_embedding_reject_like_torch(data: st.DataObject) -> None:
    """multi_margin_loss: bad p, targets out of range, wrong weight length."""
    rng = np.random.default_rng(data.draw(SEEDS))
    c, n = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    x = rng.standard_normal((n, c))
    t = rng.integers(0, c, n).astype(np.int64)
    t[data.draw(st.integers(0, n - 1))] = data.draw(st.integers(-2, c + 1))
    kwargs: dict[str, Any] = {"p": data.draw(st.sampled_from([0, 1, 2, 3]))}
    if data.draw(st.booleans()):
        kwargs["weight"] = rng.uniform(0.5, 2.0, data.draw(st.integers(max(c - 1, 0), c + 1)))
    rejects_like_torch("multi_margin_loss", [x, t], kwargs)
