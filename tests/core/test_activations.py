"""Stable activations stay finite where the naive forms overflow."""

import numpy as np
import pytest

from lossgui.core import (
    log_sigmoid,
    log_softmax,
    naive_log_softmax,
    naive_softmax,
    sigmoid,
    softmax,
    softplus,
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_forms_finite_at_1e4(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    for out in (softmax(x, 1), log_softmax(x, 1), sigmoid(x), log_sigmoid(x), softplus(x)):
        assert out.dtype == dtype
        assert np.all(np.isfinite(out))
    np.testing.assert_allclose(softmax(x, 1).sum(axis=1), 1.0, rtol=1e-6)


def test_naive_softmax_overflows_in_float32_beyond_88():
    x = np.array([89.0, 0.0], dtype=np.float32)
    assert np.isnan(naive_softmax(x, 0)).any()
    assert np.all(np.isfinite(softmax(x, 0)))
    assert np.isfinite(naive_softmax(x.astype(np.float64), 0)).all()
    assert not np.isfinite(naive_log_softmax(x, 0)).all()


def test_implicit_dim_follows_torch_rule():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(softmax(x).sum(axis=1), 1.0)
    cube = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(softmax(cube).sum(axis=0), 1.0)


def test_zero_classes_give_empty_results():
    assert log_softmax(np.zeros((2, 0)), 1).shape == (2, 0)
    assert softmax(np.zeros((2, 0)), 1).shape == (2, 0)


def test_log_sigmoid_matches_definition_in_float64():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(log_sigmoid(x), -np.logaddexp(0.0, -x), rtol=1e-12)
    np.testing.assert_allclose(softplus(x), np.logaddexp(0.0, x), rtol=1e-12)


def test_extreme_opposite_logits_match_torch_without_warnings():
    x = np.array([[3.4e38, -3.4e38, 0.0]], dtype=np.float32)
    np.testing.assert_array_equal(softmax(x, 1), np.array([[1.0, 0.0, 0.0]], np.float32))
    out = log_softmax(x, 1)
    assert out[0, 0] == 0.0 and out[0, 1] == -np.inf
