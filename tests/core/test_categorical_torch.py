"""cross_entropy / nll_loss values and gradients against PyTorch (skipped without torch)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lossgui.core import categorical
from lossgui.core.categorical import cross_entropy, cross_entropy_grad, nll_loss, nll_loss_grad
from tests.core.categorical_cases import (
    FAST_CASES,
    OPTION_CASES,
    REDUCTIONS,
    build,
    finite_max,
    make_case,
)


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
