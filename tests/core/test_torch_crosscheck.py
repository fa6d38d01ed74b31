"""Randomized cross-checks of every core loss against PyTorch (skipped without torch).

Hypothesis draws shapes, dtypes and options; arrays come from a NumPy generator seeded
by a drawn integer. Values and gradients are compared with torch's results and torch's
autograd; for invalid arguments core must raise (ValueError / IndexError) exactly when
torch raises. Runs are derandomized so CI sees the same examples every time.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lossgui.core as core

torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOLERANCES: dict[str, tuple[float, float]] = {"float64": (1e-9, 1e-12), "float32": (1e-5, 1e-6)}
DTYPES = st.sampled_from(["float32", "float64"])
REDUCTIONS = st.sampled_from(["none", "mean", "sum"])
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


# --------------------------------------------------------------------------- helpers


def torch_sigmoid_focal_loss(
    inputs: Any, targets: Any, alpha: float = 0.25, gamma: float = 2, reduction: str = "none"
) -> Any:
    """torchvision.ops.sigmoid_focal_loss, line for line (torchvision is not a dependency)."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction != "none":
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction}'")
    return loss


def torch_fn(loss: str) -> Callable[..., Any]:
    """The torch function computing ``loss``."""
    if loss == "sigmoid_focal_loss":
        return torch_sigmoid_focal_loss
    return getattr(F, loss)


def to_torch(value: Any, grad: bool = False) -> Any:
    """NumPy arrays to tensors (0-d stays 0-d); everything else unchanged."""
    if isinstance(value, np.ndarray):
        t = torch.from_numpy(np.array(value, order="C", copy=True))
        if grad:
            t.requires_grad_(True)
        return t
    return value


def run_torch(
    loss: str, args: list[Any], kwargs: dict[str, Any], n_grad: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """torch's value and autograd gradients (of the sum for 'none') wrt the first inputs."""
    targs = [to_torch(a, grad=i < n_grad) for i, a in enumerate(args)]
    tkwargs = {k: to_torch(v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kl_div 'mean' warns by design
        value = torch_fn(loss)(*targs, **tkwargs)
    total = value.sum() if value.ndim else value
    grads = torch.autograd.grad(total, targs[:n_grad], allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, targs, strict=False)]
    return value.detach().numpy(), [g.numpy() for g in grads]


def torch_raises(loss: str, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """Whether torch rejects these arguments."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            torch_fn(loss)(
                *[to_torch(a) for a in args], **{k: to_torch(v) for k, v in kwargs.items()}
            )
    except (RuntimeError, ValueError, IndexError):
        return True
    return False


def close(got: Any, expected: np.ndarray, dtype: str, what: str, scale: float = 1.0) -> None:
    """``got`` has ``expected``'s shape, the case dtype and is close (NaN-aware).

    ``scale`` multiplies the absolute tolerance, for results whose round-off grows with
    a known factor (cosine gradients scale with 1 / |x|).
    """
    assert isinstance(got, np.ndarray), f"{what}: got {type(got).__name__}, not an ndarray"
    assert got.dtype == np.dtype(dtype), f"{what}: dtype {got.dtype}, expected {dtype}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    rtol, atol = TOLERANCES[dtype]
    np.testing.assert_allclose(
        got, expected, rtol=rtol, atol=atol * scale, equal_nan=True, err_msg=what
    )


def crosscheck(
    loss: str,
    args: list[Any],
    kwargs: dict[str, Any],
    n_grad: int = 1,
    grad_scale: float = 1.0,
) -> None:
    """Compare core's value and gradient(s) with torch's for one call.

    ``grad_scale`` widens the gradients' absolute tolerance (see :func:`close`).
    """
    dtype = str(args[0].dtype)
    value, grads = run_torch(loss, args, kwargs, n_grad)
    what = f"{loss}(shapes={[np.shape(a) for a in args]}, kwargs={sorted(kwargs)})"
    close(getattr(core, loss)(*args, **kwargs), value, dtype, what + " value")
    got = getattr(core, loss + "_grad")(*args, **kwargs)
    got = [got] if n_grad == 1 else list(got)
    assert len(got) == n_grad
    for i, (g, e) in enumerate(zip(got, grads, strict=True)):
        close(g, e, dtype, f"{what} grad[{i}]", scale=grad_scale)


def rejects_like_torch(loss: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """core raises ValueError/IndexError exactly when torch raises; else the values agree."""
    expect_error = torch_raises(loss, args, kwargs)
    for name in (loss, loss + "_grad"):
        if expect_error:
            with pytest.raises((ValueError, IndexError)):
                getattr(core, name)(*args, **kwargs)
        else:
            try:
                getattr(core, name)(*args, **kwargs)
            except (ValueError, IndexError) as exc:
                pytest.fail(f"core {name} rejected arguments torch accepts: {exc!r}")
    if not expect_error:
        crosscheck(loss, args, kwargs)


def class_weight(rng: np.random.Generator, c: int, dtype: str) -> np.ndarray:
    return rng.uniform(0.1, 3.0, c).astype(dtype)


# --------------------------------------------------------------------------- categorical


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


# --------------------------------------------------------------------------- binary


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


# --------------------------------------------------------------------------- divergence etc.


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


PAIR_SHAPES = [(), (1,), (3,), (1, 3), (2, 3), (2, 1), (2, 4), (2, 3, 1)]


@SETTINGS
@given(data=st.data())
def test_shape_pairs_reject_like_torch(data: st.DataObject) -> None:
    """Input/target shape pairs (equal, broadcastable or not): core rejects iff torch does."""
    loss = data.draw(
        st.sampled_from(
            [
                "kl_div",
                "binary_cross_entropy",
                "binary_cross_entropy_with_logits",
                "multilabel_soft_margin_loss",
                "sigmoid_focal_loss",
                "cosine_embedding_loss",
            ]
        )
    )
    rng = np.random.default_rng(data.draw(SEEDS))
    s1, s2 = data.draw(st.sampled_from(PAIR_SHAPES)), data.draw(st.sampled_from(PAIR_SHAPES))
    a = np.asarray(rng.uniform(0.05, 0.95, s1))
    b = np.asarray(rng.uniform(0.05, 0.95, s2))
    if loss == "kl_div":
        a = np.asarray(np.log(a))  # np.log of a 0-d array gives a scalar
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    if loss == "cosine_embedding_loss":
        tshape = data.draw(st.sampled_from([(), (1,), (2,), s1[:1]]))
        target = np.asarray(rng.choice(np.array([-1, 1]), size=tshape), dtype=np.int64)
        args = [a, b, target]
        if not torch_raises(loss, args, kwargs):
            crosscheck(loss, args, kwargs, n_grad=2)
            return
        for name in (loss, loss + "_grad"):
            with pytest.raises((ValueError, IndexError)):
                getattr(core, name)(*args, **kwargs)
        return
    rejects_like_torch(loss, [a, b], kwargs)
