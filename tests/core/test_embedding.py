"""cosine_embedding_loss against hand values, central differences and (when
installed) PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lossgui.core.embedding import cosine_embedding_loss, cosine_embedding_loss_grad
from tests.core.gradcheck import TOL, numeric_grad

A = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, -1.0, 0.5]])
B = np.array([[2.0, 1.0, 0.0], [1.0, 1.0, 1.0], [1.0, -1.0, 0.5]])
Y = np.array([1.0, -1.0, 1.0])
EPS = float(np.float32(1e-12))  # ATen's EPSILON is a float constant
REDUCTIONS = ("none", "mean", "sum")


def test_hand_values():
    # Pair 0: cos = 4 / sqrt(14 * 5). Pair 1: a zero vector has cos 0, so a dissimilar
    # pair costs max(0, 0 - 0) = 0. Pair 2: identical vectors, cos 1 up to the epsilon.
    cos0 = 4 / math.sqrt((14 + EPS) * (5 + EPS))
    expected = [1 - cos0, 0.0, 1 - 2.25 / (2.25 + EPS)]
    out = cosine_embedding_loss(A, B, Y, reduction="none")
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=0)
    assert out[2] > 0  # the epsilon is visible: 4.4e-13, not 0
    assert cosine_embedding_loss(A, B, Y) == pytest.approx(sum(expected) / 3, rel=1e-12)
    assert cosine_embedding_loss(A, B, Y, reduction="sum") == pytest.approx(sum(expected))


def test_epsilon_is_torchs_float32_constant():
    # Zero input1: d(1 - cos)/d input1 = -input2 / sqrt(eps (|input2|^2 + eps)).
    g1, g2 = cosine_embedding_loss_grad([[0.0, 0.0]], [[0.0, 1.0]], [1], reduction="sum")
    np.testing.assert_allclose(g1, [[0.0, -1 / math.sqrt(EPS * (1 + EPS))]], rtol=1e-13)
    np.testing.assert_array_equal(g2, [[0.0, 0.0]])
    tiny = cosine_embedding_loss([1e-7, 0.0], [1e-7, 0.0], 1, reduction="none")
    assert tiny == pytest.approx(1 - 1e-14 / (1e-14 + EPS), rel=1e-12)


def test_margin_and_other_labels():
    neg = -np.ones(3)
    cos = 1 - cosine_embedding_loss(A, B, np.ones(3), reduction="none")
    for margin in (-0.5, 0.0, 0.3, 2.0):
        out = cosine_embedding_loss(A, B, neg, margin=margin, reduction="none")
        np.testing.assert_allclose(out, np.maximum(cos - margin, 0), rtol=1e-12)
    # Labels other than +1 / -1 contribute nothing, to the loss and to the gradient.
    odd = [0.5, 2.0, 0.0]
    np.testing.assert_array_equal(cosine_embedding_loss(A, B, odd, reduction="none"), [0, 0, 0])
    for g in cosine_embedding_loss_grad(A, B, odd):
        np.testing.assert_array_equal(g, np.zeros((3, 3)))
    # Integer labels work as the floats do.
    np.testing.assert_array_equal(
        cosine_embedding_loss(A, B, [1, -1, 1], reduction="none"),
        cosine_embedding_loss(A, B, Y, reduction="none"),
    )


def test_shapes():
    single = cosine_embedding_loss(A[0], B[0], 1.0, reduction="none")
    assert isinstance(single, np.ndarray) and single.shape == ()
    assert single == pytest.approx(cosine_embedding_loss(A, B, Y, reduction="none")[0])
    g1, g2 = cosine_embedding_loss_grad(A[0], B[0], -1.0, margin=-1.0)
    assert g1.shape == g2.shape == (3,)
    # input2 (1, D) broadcasts against input1 (N, D), as in PyTorch.
    out = cosine_embedding_loss(A, B[:1], Y, reduction="none")
    np.testing.assert_allclose(
        out, cosine_embedding_loss(A, np.repeat(B[:1], 3, 0), Y, reduction="none")
    )
    g1, g2 = cosine_embedding_loss_grad(A, B[:1], Y)
    assert g1.shape == (3, 3) and g2.shape == (1, 3)


def test_empty_and_zero_dimension():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cosine_embedding_loss(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)))
        # D = 0: both vectors are zero, cos = 0, so a similar pair costs 1.
        out = cosine_embedding_loss(np.zeros((2, 0)), np.zeros((2, 0)), [1, 1], reduction="none")
        np.testing.assert_array_equal(out, [1, 1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((A, B, Y[:, None]), r"target must be a single .* got shape \(3, 1\)"),
        ((A[0], B[0], [1.0]), r"one label per pair needs \(N, D\) inputs: got input1 \(3,\)"),
        ((A, B, 1.0), r"a single label needs \(D\) inputs: got input1 \(3, 3\)"),
        ((A[None], B[None], Y), r"one label per pair needs \(N, D\)"),
        ((A, B[:2], Y), r"do not broadcast together: input1 \(3, 3\), input2 \(2, 3\)"),
        ((A, B[:, :2], Y), r"input2 \(3, 2\)"),
        ((A, B, Y[:2]), "target has 2 labels but the inputs hold 3 pairs"),
    ],
)
def test_rejections(args, message):
    for fn in (cosine_embedding_loss, cosine_embedding_loss_grad):
        with pytest.raises(ValueError, match=message):
            fn(*args)


@pytest.mark.parametrize("reduction", ["batchmean", "avg"])
def test_rejects_bad_reduction(reduction):
    with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean', 'sum'"):
        cosine_embedding_loss(A, B, Y, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.4])
@pytest.mark.parametrize("second", [B, B[:1]])
def test_grad_matches_central_differences(reduction, margin, second):
    x1 = np.array([[1.0, 2.0, 3.0], [0.5, -0.2, 0.1], [1.0, -1.0, 0.5], [0.3, 0.3, -2.0]])
    x2 = np.concatenate([second, second[:1]]) if len(second) > 1 else second
    y = np.array([1.0, -1.0, -1.0, 1.0])
    g1, g2 = cosine_embedding_loss_grad(x1, x2, y, margin, reduction)
    n1 = numeric_grad(lambda v: cosine_embedding_loss(v, x2, y, margin, reduction), x1)
    n2 = numeric_grad(lambda v: cosine_embedding_loss(x1, v, y, margin, reduction), x2)
    np.testing.assert_allclose(g1, n1, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g2, n2, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape1", "shape2", "target"),
    [((1, 3), (2, 1), [1, -1]), ((2, 1), (2, 4), [-1, 1]), ((3,), (1,), 1), ((1,), (4,), -1)],
)
def test_grad_when_one_vector_dimension_broadcasts(reduction, shape1, shape2, target):
    """A length-1 vector dimension broadcasts in the dot product, not in its own norm."""
    rng = np.random.default_rng(7)
    x1, x2 = rng.normal(size=shape1), rng.normal(size=shape2)
    y = np.asarray(target, dtype=np.float64)
    g1, g2 = cosine_embedding_loss_grad(x1, x2, y, -0.2, reduction)
    n1 = numeric_grad(lambda v: cosine_embedding_loss(v, x2, y, -0.2, reduction), x1)
    n2 = numeric_grad(lambda v: cosine_embedding_loss(x1, v, y, -0.2, reduction), x2)
    np.testing.assert_allclose(g1, n1, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g2, n2, rtol=1e-6, atol=1e-9)


def test_gradient_passes_at_the_margin():
    # cos = 0 = margin: PyTorch's clamp_min lets the gradient through (>=).
    g1, g2 = cosine_embedding_loss_grad([[1.0, 0.0]], [[0.0, 1.0]], [-1.0], margin=0.0)
    np.testing.assert_allclose(g1, [[0.0, 1.0]], rtol=1e-9)
    np.testing.assert_allclose(g2, [[1.0, 0.0]], rtol=1e-9)


def test_dtypes():
    a32, b32 = A.astype(np.float32), B.astype(np.float32)
    assert cosine_embedding_loss(a32, b32, Y).dtype == np.float32
    g1, g2 = cosine_embedding_loss_grad(a32, B, Y)
    assert g1.dtype == np.float32 and g2.dtype == np.float64
    # Mixed float32 / float64 inputs promote, as PyTorch's arithmetic does.
    assert cosine_embedding_loss(a32, B, Y).dtype == np.float64
    assert cosine_embedding_loss([[1, 2]], [[3, 4]], [1]).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5, -0.5])
@pytest.mark.parametrize(
    ("shape1", "shape2", "target"),
    [
        ((4, 3), (4, 3), [1, -1, -1, 1]),
        ((4, 3), (1, 3), [1, -1, 0, -1]),
        ((1, 3), (1, 3), [1, -1, -1]),
        ((3,), (3,), -1),
        ((3,), (3,), 1),
        ((1, 3), (2, 1), [1, -1]),
        ((2, 1), (2, 4), [-1, 1]),
    ],
)
def test_matches_torch(torch, dtype, reduction, margin, shape1, shape2, target):
    rng = np.random.default_rng(3)
    x1 = rng.normal(size=shape1).astype(dtype)
    x2 = rng.normal(size=shape2).astype(dtype)
    if len(shape1) == 2 and shape1[0] == 4:
        x1[1] = 0  # a zero vector
        x2[-1] = x1[-1] * 2  # a parallel pair
    y = np.asarray(target, dtype=dtype)
    t1 = torch.tensor(x1, requires_grad=True)
    t2 = torch.tensor(x2, requires_grad=True)
    out = torch.nn.functional.cosine_embedding_loss(
        t1, t2, torch.tensor(y), margin=margin, reduction=reduction
    )
    out.sum().backward()
    ours = cosine_embedding_loss(x1, x2, y, margin, reduction)
    assert ours.dtype == dtype and ours.shape == tuple(out.shape)
    np.testing.assert_allclose(ours, out.detach().numpy(), **TOL[dtype])
    g1, g2 = cosine_embedding_loss_grad(x1, x2, y, margin, reduction)
    np.testing.assert_allclose(g1, t1.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(g2, t2.grad.numpy(), **TOL[dtype])


def test_rejects_what_torch_rejects(torch):
    F = torch.nn.functional
    t = torch.tensor
    bad = [
        (A, B, Y[:, None]),
        (A[0], B[0], Y[:1]),
        (A, B, np.float64(1.0)),
        (A, B[:2], Y),
        (A, B, Y[:2]),
        (A[None], B[None], Y[None]),
    ]
    for a, b, y in bad:
        with pytest.raises(RuntimeError):
            F.cosine_embedding_loss(t(a), t(b), t(y))
        with pytest.raises(ValueError):
            cosine_embedding_loss(a, b, y)
