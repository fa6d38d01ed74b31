"""Golden cases for ``cross_entropy`` and ``nll_loss``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .inputs import (
    DTYPES,
    REDUCTIONS,
    class_targets,
    class_weight,
    normal,
    probabilities,
    rng_for,
    shape_tag,
)
from .recorder import Golden


def index_shapes() -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(input shape, target shape) for (C), (N, C), (N, C, d1), (N, C, d1, d2)."""
    yield (4,), ()
    yield (5, 4), (5,)
    yield (3, 4, 3), (3, 3)
    yield (2, 4, 2, 3), (2, 2, 3)


def categorical_cases(g: Golden) -> None:
    """cross_entropy and nll_loss: the option grid, every shape, edge cases."""
    c = 4
    ignores = {"default": None, "m100": -100, "255": 255, "class1": 1}
    for dtype in DTYPES:
        # Full option grid on (N, C).
        for ign_tag, ign in ignores.items():
            for weighted in (False, True):
                for eps in (0.0, 0.25):
                    for red in REDUCTIONS:
                        cid = f"ce-NC-ign{ign_tag}-w{int(weighted)}-ls{eps}-{red}-{dtype}"
                        rng = rng_for(cid)
                        x = normal(rng, (5, c), dtype)
                        t = class_targets(rng, (5,), c, -100 if ign is None else ign)
                        kw: dict[str, Any] = {"reduction": red}
                        if ign is not None:
                            kw["ignore_index"] = ign
                        if weighted:
                            kw["weight"] = class_weight(c, dtype)
                        if eps:
                            kw["label_smoothing"] = eps
                        g.add(cid, "cross_entropy", [x, t], **kw)
                        if eps == 0.0:
                            nid = f"nll-NC-ign{ign_tag}-w{int(weighted)}-{red}-{dtype}"
                            lp = F.log_softmax(torch.from_numpy(normal(rng, (5, c), dtype)), 1)
                            nkw = {k: v for k, v in kw.items() if k != "label_smoothing"}
                            g.add(nid, "nll_loss", [lp.numpy(), t], **nkw)
        # Other shapes: weight x smoothing x reduction, with -100 among the targets.
        for xs, ts in index_shapes():
            if len(xs) == 2:
                continue
            for weighted in (False, True):
                for eps in (0.0, 0.1):
                    for red in REDUCTIONS:
                        tag = f"{shape_tag(xs)}-w{int(weighted)}"
                        cid = f"ce-{tag}-ls{eps}-{red}-{dtype}"
                        rng = rng_for(cid)
                        x = normal(rng, xs, dtype)
                        ign = None if len(ts) == 0 else -100
                        t = class_targets(rng, ts, c, ign)
                        kw = {"reduction": red}
                        if weighted:
                            kw["weight"] = class_weight(c, dtype)
                        if eps:
                            kw["label_smoothing"] = eps
                        g.add(cid, "cross_entropy", [x, t], **kw)
                        if eps == 0.0:
                            nid = f"nll-{tag}-{red}-{dtype}"
                            cdim = 0 if len(xs) == 1 else 1
                            lp = F.log_softmax(torch.from_numpy(normal(rng, xs, dtype)), cdim)
                            nkw = {k: v for k, v in kw.items() if k != "label_smoothing"}
                            g.add(nid, "nll_loss", [lp.numpy(), t], **nkw)
        # 1-D input whose single target is ignored: mean is 0/0.
        for loss in ("cross_entropy", "nll_loss"):
            pre = "ce" if loss == "cross_entropy" else "nll"
            rng = rng_for(f"{pre}-1d-ignored-{dtype}")
            g.add(
                f"{pre}-1d-ignored-{dtype}",
                loss,
                [normal(rng, (c,), dtype), np.array(2, dtype=np.int64)],
                ignore_index=2,
            )
        # Every position ignored -> 'mean' NaN, 'sum' 0, 'none' zeros; also with weight/smoothing.
        for red in REDUCTIONS:
            for variant in ("plain", "weight", "smooth", "weight-smooth", "ign255-4d"):
                cid = f"ce-all-ignored-{variant}-{red}-{dtype}"
                rng = rng_for(cid)
                if variant == "ign255-4d":
                    x = normal(rng, (2, c, 2, 2), dtype)
                    t = np.full((2, 2, 2), 255, dtype=np.int64)
                    kw = {"ignore_index": 255, "reduction": red}
                else:
                    x = normal(rng, (3, c), dtype)
                    t = np.full((3,), -100, dtype=np.int64)
                    kw = {"reduction": red}
                if "weight" in variant:
                    kw["weight"] = class_weight(c, dtype)
                if "smooth" in variant:
                    kw["label_smoothing"] = 0.2
                g.add(cid, "cross_entropy", [x, t], **kw)
                if "smooth" not in variant:
                    nid = cid.replace("ce-", "nll-", 1)
                    g.add(nid, "nll_loss", [x, t], **kw)
        # Empty batch: 'mean' NaN, 'sum' 0, 'none' empty.
        for red in REDUCTIONS:
            for loss, pre in (("cross_entropy", "ce"), ("nll_loss", "nll")):
                g.add(
                    f"{pre}-empty-batch-{red}-{dtype}",
                    loss,
                    [np.zeros((0, c), dtype=dtype), np.zeros((0,), dtype=np.int64)],
                    reduction=red,
                )
            g.add(
                f"ce-prob-empty-batch-{red}-{dtype}",
                "cross_entropy",
                [np.zeros((0, c), dtype=dtype), np.zeros((0, c), dtype=dtype)],
                reduction=red,
            )
        # Label smoothing extremes, with and without weights and a valid-class ignore_index.
        for eps in (0.0, 1.0, 0.5):
            for red in ("mean", "sum", "none"):
                cid = f"ce-ls-extreme{eps}-weight-ign0-{red}-{dtype}"
                rng = rng_for(cid)
                g.add(
                    cid,
                    "cross_entropy",
                    [normal(rng, (6, c), dtype), class_targets(rng, (6,), c, 0)],
                    weight=class_weight(c, dtype),
                    ignore_index=0,
                    label_smoothing=eps,
                    reduction=red,
                )
        # Negative smoothing: torch does not reject it, it treats it as no smoothing.
        for eps in (-0.1, -2.0):
            cid = f"ce-smoothing-negative{eps}-{dtype}"
            rng = rng_for(cid)
            x = normal(rng, (4, c), dtype)
            g.add(cid, "cross_entropy", [x, class_targets(rng, (4,), c)], label_smoothing=eps)
            g.add(
                f"ce-prob-smoothing-negative{eps}-{dtype}",
                "cross_entropy",
                [x, probabilities(rng, (4, c), dtype, 1)],
                label_smoothing=eps,
            )
        # Probability targets on every shape, with and without weight and smoothing.
        prob_shapes = [(c,), (5, c), (3, c, 3), (2, c, 2, 2)]
        for xs in prob_shapes:
            cdim = 0 if len(xs) == 1 else 1
            for weighted in (False, True):
                for eps in (0.0, 0.3):
                    for red in REDUCTIONS:
                        cid = f"ce-prob-{shape_tag(xs)}-w{int(weighted)}-ls{eps}-{red}-{dtype}"
                        rng = rng_for(cid)
                        kw = {"reduction": red}
                        if weighted:
                            kw["weight"] = class_weight(c, dtype)
                        if eps:
                            kw["label_smoothing"] = eps
                        q = probabilities(rng, xs, dtype, cdim)
                        g.add(cid, "cross_entropy", [normal(rng, xs, dtype), q], **kw)
        # One-hot probability targets (equal index targets without weights).
        for red in REDUCTIONS:
            cid = f"ce-prob-onehot-weight-{red}-{dtype}"
            rng = rng_for(cid)
            q = np.eye(c, dtype=dtype)[rng.integers(0, c, size=5)]
            g.add(
                cid,
                "cross_entropy",
                [normal(rng, (5, c), dtype), q],
                weight=class_weight(c, dtype),
                reduction=red,
            )
        # Unnormalised probability-like targets in [0, 1] and a negative ignore_index (allowed).
        rng = rng_for(f"ce-prob-unnormalised-{dtype}")
        g.add(
            f"ce-prob-unnormalised-{dtype}",
            "cross_entropy",
            [normal(rng, (4, c), dtype), rng.uniform(0, 1, (4, c)).astype(dtype)],
        )
        rng = rng_for(f"ce-prob-negative-ignore-{dtype}")
        g.add(
            f"ce-prob-negative-ignore-{dtype}",
            "cross_entropy",
            [normal(rng, (4, c), dtype), probabilities(rng, (4, c), dtype, 1)],
            ignore_index=-1,
            label_smoothing=0.1,
        )
        # Large logits: the stable log-softmax must not overflow.
        big = np.array(
            [[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, -1e4, -1e4], [88.0, 89.0, 100.0, -90.0]]
        )
        for red in REDUCTIONS:
            g.add(
                f"ce-large-logits-{red}-{dtype}",
                "cross_entropy",
                [big.astype(dtype), np.array([1, 2, 2], dtype=np.int64)],
                reduction=red,
            )
            g.add(
                f"ce-large-logits-smooth-{red}-{dtype}",
                "cross_entropy",
                [big.astype(dtype), np.array([0, 3, 3], dtype=np.int64)],
                label_smoothing=0.1,
                reduction=red,
            )
        # NLL takes its input as given, not as log-probabilities (seed example).
        g.add(
            f"nll-raw-input-{dtype}",
            "nll_loss",
            [np.array([[2, 3, 1], [3, 7, 9]], dtype=dtype), np.array([1, 2], dtype=np.int64)],
        )
        # C = 1 and C = 2 (the binary case written as softmax).
        for n_classes in (1, 2):
            for red in REDUCTIONS:
                cid = f"ce-C{n_classes}-{red}-{dtype}"
                rng = rng_for(cid)
                g.add(
                    cid,
                    "cross_entropy",
                    [normal(rng, (4, n_classes), dtype), class_targets(rng, (4,), n_classes)],
                    reduction=red,
                )
