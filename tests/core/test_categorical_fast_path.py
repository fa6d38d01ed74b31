"""The chunked, threaded cross_entropy path gives the simple path's values and gradients."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lossgui.core import categorical, categorical_fast
from lossgui.core.categorical import cross_entropy, cross_entropy_grad
from tests.core.categorical_cases import FAST_CASES, REDUCTIONS, build, finite_max, make_case


@pytest.fixture
def force_fast(monkeypatch):
    """Send every call down the chunked path, in blocks of a few positions on 3 threads."""
    monkeypatch.setattr(categorical, "FAST_PATH_MIN_SIZE", 0)
    monkeypatch.setattr(categorical_fast, "CHUNK_BYTES", 64)
    monkeypatch.setattr(categorical_fast, "_worker_count", lambda: 3)


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
