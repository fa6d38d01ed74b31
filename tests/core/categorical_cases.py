"""Cases shared by the cross_entropy / nll_loss tests: random logits, targets and options."""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def make_case(shape, kind="index", ignore=None, seed=0, dtype=np.float64):
    """Logits of ``shape`` and a target: class indices (some set to ``ignore``) or probabilities."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    positions = () if len(shape) == 1 else (shape[0], *shape[2:])
    if kind == "prob":
        q = rng.random(shape)
        return x, (q / q.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)).astype(dtype)
    t = rng.integers(0, n_classes, positions)
    if ignore is not None and t.ndim:
        t.flat[::3] = ignore
    return x, t


def finite_max(a):
    """Largest finite absolute value of ``a`` (0 if none)."""
    a = np.abs(a)
    return float(a[np.isfinite(a)].max(initial=0.0))


# Options spread: (shape, target kind, ignore value put in the target, keywords).
OPTION_CASES = [
    ((4, 5), "index", None, {}),
    ((4, 5), "index", -100, {"weight": [0.5, 2.0, 1.0, 3.0, 0.25]}),
    ((4, 5), "index", 2, {"ignore_index": 2, "weight": [0.5, 2.0, 1.0, 3.0, 0.25]}),
    ((4, 5), "index", 255, {"ignore_index": 255, "label_smoothing": 0.3}),
    ((4, 5), "index", -100, {"weight": [0.5, 2.0, 1.0, 3.0, 0.25], "label_smoothing": 0.2}),
    ((2, 3, 4), "index", -100, {"label_smoothing": 1.0}),
    ((2, 3, 2, 3), "index", 1, {"ignore_index": 1, "weight": [1.0, 9.0, 2.0]}),
    ((2, 3, 2, 3), "index", -100, {"weight": [1.0, 9.0, 2.0], "label_smoothing": 0.1}),
    ((5,), "index", None, {"weight": [1.0, 2.0, 3.0, 4.0, 5.0], "label_smoothing": 0.4}),
    ((3, 4), "prob", None, {}),
    ((3, 4), "prob", None, {"weight": [1.0, 0.5, 2.0, 4.0], "label_smoothing": 0.25}),
    ((2, 3, 2, 2), "prob", None, {"weight": [1.0, 0.5, 2.0], "ignore_index": -1}),
    ((4,), "prob", None, {"label_smoothing": 0.5}),
]

# Cases for the chunked fast path: every batched option case and some larger maps.
FAST_CASES = [
    *[c for c in OPTION_CASES if len(c[0]) > 1],
    ((50, 7), "index", -100, {"label_smoothing": 0.1}),
    ((3, 5, 17, 9), "index", 255, {"ignore_index": 255, "weight": [1, 2, 3, 4, 5.0]}),
    ((3, 5, 17, 9), "prob", None, {"weight": [1, 2, 3, 4, 5.0], "label_smoothing": 0.3}),
    ((3, 5, 17, 9), "prob", None, {}),
    ((6, 4, 5), "prob", None, {"label_smoothing": 0.2}),
    ((2, 4, 6), "index", -100, {"weight": [0.0, 0.0, 0.0, 0.0]}),
]


def build(case, dtype=np.float64, seed=0):
    """Logits, target and a fresh copy of the keywords of one of the cases above."""
    shape, kind, ignore, kwargs = case
    x, t = make_case(shape, kind, ignore, seed=seed, dtype=dtype)
    return x, t, dict(kwargs)
