"""Golden cases for the binary and multi-label losses.

``binary_cross_entropy``, ``binary_cross_entropy_with_logits``,
``multilabel_soft_margin_loss`` and ``sigmoid_focal_loss``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .inputs import DTYPES, REDUCTIONS, class_weight, normal, rng_for, shape_tag
from .recorder import Golden


def binary_cases(g: Golden) -> None:
    """binary_cross_entropy, with logits, focal loss and multilabel soft margin."""
    for dtype in DTYPES:
        # BCE: shapes x weight form x reduction.
        for xs in [(), (6,), (4, 3)]:
            weights: dict[str, np.ndarray | None] = {"none": None, "full": None}
            if len(xs) == 2:
                weights["bcast"] = None
            for wtag in weights:
                for red in REDUCTIONS:
                    cid = f"bce-{shape_tag(xs)}-w{wtag}-{red}-{dtype}"
                    rng = rng_for(cid)
                    x = rng.uniform(0.02, 0.98, xs).astype(dtype)
                    y = rng.integers(0, 2, xs).astype(dtype)
                    kw: dict[str, Any] = {"reduction": red}
                    if wtag == "full":
                        kw["weight"] = rng.uniform(0.1, 3.0, xs).astype(dtype)
                    elif wtag == "bcast":
                        kw["weight"] = class_weight(xs[-1], dtype)
                    g.add(cid, "binary_cross_entropy", [np.asarray(x), np.asarray(y)], **kw)
        # Inputs at exactly 0 and 1: the log clamp at -100 and the 1e-12 gradient floor.
        x01 = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 1e-30])
        y01 = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.25, 1.0, 1.0])
        for red in REDUCTIONS:
            g.add(
                f"bce-clamp-0-1-{red}-{dtype}",
                "binary_cross_entropy",
                [x01.astype(dtype), y01.astype(dtype)],
                reduction=red,
            )
            g.add(
                f"bce-clamp-0-1-weight-{red}-{dtype}",
                "binary_cross_entropy",
                [x01.astype(dtype), y01.astype(dtype)],
                weight=np.linspace(0.5, 2.0, x01.size).astype(dtype),
                reduction=red,
            )
        # BCE of sigmoid(z) for large |z|: saturates at 100.
        z = np.array([-200.0, -50.0, -20.0, 0.0, 20.0, 50.0, 200.0])
        p = torch.sigmoid(torch.from_numpy(z.astype(dtype))).numpy()
        g.add(
            f"bce-of-sigmoid-saturates-{dtype}",
            "binary_cross_entropy",
            [p, np.ones_like(p)],
            reduction="none",
        )
        # Soft labels (targets strictly between 0 and 1).
        rng = rng_for(f"bce-soft-labels-{dtype}")
        g.add(
            f"bce-soft-labels-{dtype}",
            "binary_cross_entropy",
            [
                rng.uniform(0.01, 0.99, (3, 4)).astype(dtype),
                rng.uniform(0, 1, (3, 4)).astype(dtype),
            ],
        )
        # BCE with logits: weight form x pos_weight x reduction on (4, 3).
        for wtag in ("none", "bcast", "full"):
            for pw in (False, True):
                for red in REDUCTIONS:
                    cid = f"bcel-4x3-w{wtag}-pw{int(pw)}-{red}-{dtype}"
                    rng = rng_for(cid)
                    x = normal(rng, (4, 3), dtype, 3.0)
                    y = rng.integers(0, 2, (4, 3)).astype(dtype)
                    kw = {"reduction": red}
                    if wtag == "bcast":
                        kw["weight"] = class_weight(3, dtype)
                    elif wtag == "full":
                        kw["weight"] = rng.uniform(0.1, 3.0, (4, 3)).astype(dtype)
                    if pw:
                        kw["pos_weight"] = np.array([0.5, 3.0, 10.0], dtype=dtype)
                    g.add(cid, "binary_cross_entropy_with_logits", [x, y], **kw)
        # Shapes: 0-d, 1-D, (N, C, d) with pos_weight along the last dimension, soft targets.
        for xs in [(), (5,), (2, 3, 4)]:
            for red in REDUCTIONS:
                cid = f"bcel-{shape_tag(xs)}-{red}-{dtype}"
                rng = rng_for(cid)
                kw = {"reduction": red}
                if xs:
                    kw["pos_weight"] = rng.uniform(0.2, 5.0, xs[-1]).astype(dtype)
                g.add(
                    cid,
                    "binary_cross_entropy_with_logits",
                    [
                        np.asarray(normal(rng, xs, dtype)),
                        np.asarray(rng.uniform(0, 1, xs).astype(dtype)),
                    ],
                    **kw,
                )
        # Large logits +-1e3 (and +-1e4): finite, linear growth, no overflow.
        xl = np.array([1e3, -1e3, 1e3, -1e3, 1e4, -1e4, 1e3, 0.0])
        yl = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.5, 1.0])
        for pw in (False, True):
            for red in REDUCTIONS:
                kw = {"reduction": red}
                if pw:
                    kw["pos_weight"] = np.array(4.0, dtype=dtype).reshape(1)
                g.add(
                    f"bcel-large-logits-pw{int(pw)}-{red}-{dtype}",
                    "binary_cross_entropy_with_logits",
                    [xl.astype(dtype), yl.astype(dtype)],
                    **kw,
                )
        # Multi-label (multi-hot) targets: BCE, BCE with logits + pos_weight, soft margin.
        rng = rng_for(f"multilabel-{dtype}")
        logits = normal(rng, (5, 4), dtype, 2.5)
        multi_hot = np.array(
            [[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 0, 0], [1, 0, 0, 1]], dtype=dtype
        )
        probs = torch.sigmoid(torch.from_numpy(logits)).numpy()
        for red in REDUCTIONS:
            g.add(
                f"multilabel-bce-{red}-{dtype}",
                "binary_cross_entropy",
                [probs, multi_hot],
                reduction=red,
            )
            g.add(
                f"multilabel-bcel-pw-{red}-{dtype}",
                "binary_cross_entropy_with_logits",
                [logits, multi_hot],
                pos_weight=np.array([1.0, 2.0, 0.5, 8.0], dtype=dtype),
                reduction=red,
            )
            for wtag in ("none", "bcast", "full"):
                kw = {"reduction": red}
                if wtag == "bcast":
                    kw["weight"] = class_weight(4, dtype)
                elif wtag == "full":
                    kw["weight"] = rng.uniform(0.2, 2.0, (5, 4)).astype(dtype)
                g.add(
                    f"multilabel-softmargin-w{wtag}-{red}-{dtype}",
                    "multilabel_soft_margin_loss",
                    [logits, multi_hot],
                    **kw,
                )
        cid = f"multilabel-softmargin-large-logits-{dtype}"
        g.add(
            cid,
            "multilabel_soft_margin_loss",
            [
                np.array([[1e3, -1e3, 50.0], [-1e4, 1e4, 0.0]], dtype=dtype),
                np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.5]], dtype=dtype),
            ],
        )
        # Focal loss: alpha x gamma x reduction; defaults omitted in the first row.
        for alpha in (None, 0.5, -1.0, 0.0, 1.0):
            for gamma in (None, 0.0, 1.5, 5.0):
                for red in (None, "mean", "sum"):
                    cid = f"focal-a{alpha}-g{gamma}-r{red}-{dtype}"
                    rng = rng_for(cid)
                    kw = {}
                    if alpha is not None:
                        kw["alpha"] = alpha
                    if gamma is not None:
                        kw["gamma"] = gamma
                    if red is not None:
                        kw["reduction"] = red
                    x = normal(rng, (4, 3), dtype, 3.0)
                    y = rng.integers(0, 2, (4, 3)).astype(dtype)
                    g.add(cid, "sigmoid_focal_loss", [x, y], **kw)
        rng = rng_for(f"focal-soft-targets-large-{dtype}")
        g.add(
            f"focal-soft-targets-large-{dtype}",
            "sigmoid_focal_loss",
            [
                np.array([[-30.0, 30.0, 0.0, 1e3], [2.0, -2.0, -1e3, 5.0]], dtype=dtype),
                np.array([[1.0, 0.0, 0.5, 1.0], [0.25, 0.75, 0.0, 0.9]], dtype=dtype),
            ],
            reduction="sum",
        )
        g.add(
            f"focal-1d-int-gamma-{dtype}",
            "sigmoid_focal_loss",
            [normal(rng, (6,), dtype), rng.integers(0, 2, 6).astype(dtype)],
            alpha=0.75,
            gamma=3,
            reduction="mean",
        )
