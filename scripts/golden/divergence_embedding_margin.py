"""Golden cases for ``kl_div``, ``cosine_embedding_loss`` and ``multi_margin_loss``."""

from __future__ import annotations

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


def divergence_cases(g: Golden) -> None:
    """kl_div: log_target x every reduction x shapes, zero targets."""
    for dtype in DTYPES:
        for xs in [(4,), (3, 4), (2, 3, 2)]:
            for log_target in (False, True):
                for red in ("none", "mean", "sum", "batchmean"):
                    cid = f"kl-{shape_tag(xs)}-lt{int(log_target)}-{red}-{dtype}"
                    rng = rng_for(cid)
                    cdim = 0 if len(xs) == 1 else 1
                    logq = F.log_softmax(torch.from_numpy(normal(rng, xs, dtype)), cdim).numpy()
                    tgt = probabilities(rng, xs, dtype, cdim)
                    if log_target:
                        tgt = np.log(tgt)
                    kw: dict[str, Any] = {"reduction": red}
                    if log_target:
                        kw["log_target"] = True
                    g.add(cid, "kl_div", [logq, tgt], **kw)
        # Zero targets contribute 0 (0 * log 0 = 0), gradient 0 there.
        for red in ("none", "mean", "sum", "batchmean"):
            cid = f"kl-zero-targets-{red}-{dtype}"
            rng = rng_for(cid)
            logq = F.log_softmax(torch.from_numpy(normal(rng, (3, 4), dtype)), 1).numpy()
            tgt = np.array([[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
            g.add(cid, "kl_div", [logq, tgt.astype(dtype)], reduction=red)
        # Inputs that are not log-probabilities (kl_div does not check).
        rng = rng_for(f"kl-raw-input-{dtype}")
        g.add(
            f"kl-raw-input-{dtype}",
            "kl_div",
            [normal(rng, (2, 3), dtype), probabilities(rng, (2, 3), dtype, 1)],
            reduction="sum",
        )


def embedding_cases(g: Golden) -> None:
    """cosine_embedding_loss: margins, targets incl. 0, (D) and (N, D) shapes."""
    for dtype in DTYPES:
        for margin in (None, 0.0, 0.5, -0.3, 1.0):
            for red in REDUCTIONS:
                cid = f"cos-ND-m{margin}-{red}-{dtype}"
                rng = rng_for(cid)
                x1 = normal(rng, (6, 3), dtype, 1.0)
                x2 = normal(rng, (6, 3), dtype, 1.0)
                x2[1] = 2.5 * x1[1]  # parallel pair: cos = 1
                x2[4] = -x1[4]  # anti-parallel pair: cos = -1
                t = np.array([1, -1, 1, -1, 0, -1], dtype=np.int64)
                kw: dict[str, Any] = {"reduction": red}
                if margin is not None:
                    kw["margin"] = margin
                g.add(cid, "cosine_embedding_loss", [x1, x2, t], **kw)
        for target in (1, -1, 0):
            for red in REDUCTIONS:
                cid = f"cos-D-t{target}-{red}-{dtype}"
                rng = rng_for(cid)
                g.add(
                    cid,
                    "cosine_embedding_loss",
                    [
                        normal(rng, (4,), dtype, 1.0),
                        normal(rng, (4,), dtype, 1.0),
                        np.array(target, dtype=np.int64),
                    ],
                    margin=-0.2,
                    reduction=red,
                )
        # Float targets (as nn.CosineEmbeddingLoss is often fed) and a zero vector (eps in norm).
        rng = rng_for(f"cos-float-target-zero-vector-{dtype}")
        x1 = normal(rng, (3, 4), dtype, 1.0)
        x1[2] = 0.0
        g.add(
            f"cos-float-target-zero-vector-{dtype}",
            "cosine_embedding_loss",
            [x1, normal(rng, (3, 4), dtype, 1.0), np.array([1.0, -1.0, 1.0], dtype=dtype)],
            margin=0.1,
            reduction="sum",
        )


def margin_cases(g: Golden) -> None:
    """multi_margin_loss: p x margin x weight x reduction, (N, C) and (C)."""
    c = 4
    for dtype in DTYPES:
        for p in (None, 1, 2):
            for margin in (None, 0.5, 2.0):
                for weighted in (False, True):
                    for red in REDUCTIONS:
                        cid = f"mm-p{p}-m{margin}-w{int(weighted)}-{red}-{dtype}"
                        rng = rng_for(cid)
                        x = normal(rng, (5, c), dtype, 1.0)
                        t = class_targets(rng, (5,), c)
                        kw: dict[str, Any] = {"reduction": red}
                        if p is not None:
                            kw["p"] = p
                        if margin is not None:
                            kw["margin"] = margin
                        if weighted:
                            kw["weight"] = class_weight(c, dtype)
                        g.add(cid, "multi_margin_loss", [x, t], **kw)
        for red in REDUCTIONS:
            cid = f"mm-1d-{red}-{dtype}"
            rng = rng_for(cid)
            g.add(
                cid,
                "multi_margin_loss",
                [normal(rng, (c,), dtype, 1.0), np.array(2, dtype=np.int64)],
                p=2,
                weight=class_weight(c, dtype),
                reduction=red,
            )
        # Margins met exactly and well satisfied: hinge at 0 (torch's subgradient there).
        g.add(
            f"mm-hinge-kink-{dtype}",
            "multi_margin_loss",
            [
                np.array([[3.0, 2.0, 0.0], [0.0, 5.0, 1.0]], dtype=dtype),
                np.array([0, 1], dtype=np.int64),
            ],
            reduction="sum",
        )
