"""cross_entropy / nll_loss refuse bad arguments with a message saying what and where,
and PyTorch refuses the same calls."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.core.categorical import cross_entropy, nll_loss

X = np.zeros((3, 3))
REJECTIONS = [
    (
        "oob",
        lambda: cross_entropy(X, [0, 1, 3]),
        r"Target 3 is out of bounds: row 2 has target 3 but there are 3 classes "
        r"\(valid: 0\.\.2, or ignore_index -100\)",
    ),
    ("negative", lambda: nll_loss(X, [0, -1, 1]), r"Target -1 is out of bounds: row 1"),
    (
        "oob k-dim",
        lambda: cross_entropy(np.zeros((1, 3, 2, 2)), [[[0, 1], [5, 2]]]),
        r"position \(0, 1, 0\) has target 5",
    ),
    (
        "oob with ignore",
        lambda: cross_entropy(X, [0, 255, 3], ignore_index=255),
        r"Target 3 .* ignore_index 255",
    ),
    ("oob smoothing", lambda: cross_entropy(X, [0, 1, 3], label_smoothing=0.1), r"Target 3"),
    (
        "prob wrong shape",
        lambda: cross_entropy(X, np.full((3, 4), 0.25)),
        r"must hold integers, but its dtype is float64",
    ),
    (
        "float index target",
        lambda: cross_entropy(X, [0.0, 1.0, 2.0]),
        r"read as class indices .* dtype is float64",
    ),
    ("nll float target", lambda: nll_loss(X, [0.0, 1.0, 2.0]), r"must hold integers"),
    ("bool target", lambda: cross_entropy(X, [True, False, True]), r"dtype is bool"),
    (
        "int prob target",
        lambda: cross_entropy(X, np.zeros((3, 3), int)),
        r"read as class probabilities.*floating point.*Class indices need shape \(3,\)",
    ),
    ("batch mismatch", lambda: cross_entropy(X, [0, 1]), r"batch size 3 .* batch size 2"),
    ("0-d target for batch", lambda: cross_entropy(np.zeros((1, 3)), 1), r"a single number"),
    ("2-d target for 2-d input", lambda: nll_loss(X, np.zeros((3, 3), int)), r"needs shape \(3,\)"),
    (
        "k-dim target shape",
        lambda: cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 5), int)),
        r"needs shape \(2, 4\)",
    ),
    (
        "k-dim target ndim",
        lambda: cross_entropy(np.zeros((2, 3, 4, 5)), np.zeros((2, 4), int)),
        r"needs shape \(2, 4, 5\)",
    ),
    ("1-d input long target", lambda: cross_entropy(np.zeros(3), [1, 2]), r"one class index"),
    (
        "1-d int target as probs",
        lambda: cross_entropy(np.zeros(3), [0, 1, 2]),
        r"class probabilities",
    ),
    (
        "1-d target (1,) smoothing",
        lambda: cross_entropy(np.zeros(3), [1], label_smoothing=0.1),
        r"single number",
    ),
    (
        "weight length",
        lambda: cross_entropy(X, [0, 1, 2], weight=np.ones(4)),
        r"3 classes, but weight has shape \(4,\)",
    ),
    ("weight 0-d", lambda: cross_entropy(X, [0, 1, 2], weight=1.0), r"weight has shape \(\)"),
    (
        "weight prob",
        lambda: cross_entropy(X, np.eye(3), weight=np.ones(2)),
        r"weight has shape \(2,\)",
    ),
    (
        "smoothing > 1",
        lambda: cross_entropy(X, [0, 1, 2], label_smoothing=1.1),
        r"between 0\.0 and 1\.0, got 1\.1",
    ),
    (
        "smoothing inf",
        lambda: cross_entropy(X, np.eye(3), label_smoothing=float("inf")),
        r"between 0\.0 and 1\.0",
    ),
    (
        "reduction",
        lambda: cross_entropy(X, [0, 1, 2], reduction="avg"),
        r"reduction must be one of",
    ),
    (
        "nll batchmean",
        lambda: nll_loss(X, [0, 1, 2], reduction="batchmean"),
        r"reduction must be one of",
    ),
    (
        "prob ignore_index",
        lambda: cross_entropy(X, np.eye(3), ignore_index=0),
        r"ignore_index=0 cannot be used with probability targets",
    ),
    ("0-d input", lambda: cross_entropy(1.0, 0), r"single number \(0-d\)"),
    ("0-d input nll", lambda: nll_loss(np.float32(1.0), 0), r"class dimension"),
    ("complex input", lambda: cross_entropy(np.zeros((2, 2), complex), [0, 1]), r"real numbers"),
]


@pytest.mark.parametrize(("name", "call", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejections_explain_what_and_where(name, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_ignore_index_must_be_an_integer():
    for bad in (1.0, True):
        with pytest.raises(TypeError):
            cross_entropy(X, [0, 1, 2], ignore_index=bad)


@pytest.mark.parametrize(
    ("name", "call", "message"), REJECTIONS[:-1], ids=[r[0] for r in REJECTIONS[:-1]]
)
def test_torch_rejects_the_same_calls(name, call, message, monkeypatch):
    """Run each rejected call through torch instead: torch must raise as well."""
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional

    def as_torch(loss):
        def run(x, t, weight=None, **kw):
            x = torch.tensor(np.asarray(x, dtype=np.float32))
            t = np.asarray(t)
            t = torch.tensor(t.astype(np.float32) if t.dtype.kind == "f" else t)
            w = None if weight is None else torch.tensor(np.asarray(weight, dtype=np.float32))
            return getattr(fn, loss)(x, t, weight=w, **kw)

        return run

    monkeypatch.setitem(globals(), "cross_entropy", as_torch("cross_entropy"))
    monkeypatch.setitem(globals(), "nll_loss", as_torch("nll_loss"))
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        call()
