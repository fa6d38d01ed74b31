"""Randomized cross-checks of the core losses against PyTorch: the comparisons.

Values and gradients are compared with torch's results and torch's autograd; for invalid
arguments core must raise (ValueError / IndexError) exactly when torch raises. What gets
drawn, and how, is in crosscheck_strategies.py.

Importing this module skips the importing test module when torch is not installed.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lossgui.core as core
from tests.core.torch_reference import torchvision_sigmoid_focal_loss

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOLERANCES: dict[str, tuple[float, float]] = {"float64": (1e-9, 1e-12), "float32": (1e-5, 1e-6)}


def torch_fn(loss: str) -> Callable[..., Any]:
    """The torch function computing ``loss``."""
    if loss == "sigmoid_focal_loss":
        return functools.partial(torchvision_sigmoid_focal_loss, torch)
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
