"""Rejected cases: arguments each torch loss raises on, recorded with the exception."""

from __future__ import annotations

import numpy as np

from .inputs import normal, probabilities, rng_for
from .recorder import Golden


def categorical_rejects(g: Golden) -> None:
    """Arguments cross_entropy / nll_loss reject."""
    rng = rng_for("categorical-rejects")
    x = normal(rng, (3, 4), "float64")
    t = np.array([0, 1, 2], dtype=np.int64)
    for loss, pre in (("cross_entropy", "ce"), ("nll_loss", "nll")):
        g.reject(f"{pre}-target-too-big", loss, [x, np.array([0, 4, 1], dtype=np.int64)])
        g.reject(f"{pre}-target-negative", loss, [x, np.array([0, -1, 1], dtype=np.int64)])
        g.reject(
            f"{pre}-target-too-big-ignore255",
            loss,
            [x, np.array([255, 254, 1], dtype=np.int64)],
            ignore_index=255,
        )
        g.reject(
            f"{pre}-target-minus100-not-ignored",
            loss,
            [x, np.array([-100, 1, 1], dtype=np.int64)],
            ignore_index=255,
        )
        g.reject(f"{pre}-target-too-big-1d", loss, [x[0], np.array(4, dtype=np.int64)])
        g.reject(f"{pre}-weight-short", loss, [x, t], weight=np.ones(3))
        g.reject(f"{pre}-weight-long", loss, [x, t], weight=np.ones(5))
        g.reject(f"{pre}-batch-mismatch", loss, [x, np.array([0, 1], dtype=np.int64)])
        g.reject(f"{pre}-reduction-avg", loss, [x, t], reduction="avg")
        g.reject(f"{pre}-reduction-batchmean", loss, [x, t], reduction="batchmean")
        g.reject(
            f"{pre}-spatial-mismatch",
            loss,
            [normal(rng, (2, 4, 3), "float64"), np.zeros((2, 2), dtype=np.int64)],
        )
        g.reject(f"{pre}-float-index-target", loss, [x, t.astype(np.float64)])
    g.reject("nll-2d-target", "nll_loss", [x, np.eye(4)[[0, 1, 2]]])
    q = probabilities(rng, (3, 4), "float64", 1)
    g.reject("ce-smoothing-above-1", "cross_entropy", [x, t], label_smoothing=1.5)
    g.reject("ce-prob-smoothing-above-1", "cross_entropy", [x, q], label_smoothing=1.01)
    g.reject("ce-prob-ignore-index-0", "cross_entropy", [x, q], ignore_index=0)
    g.reject("ce-prob-ignore-index-255", "cross_entropy", [x, q], ignore_index=255)
    g.reject("ce-prob-weight-short", "cross_entropy", [x, q], weight=np.ones(3))
    g.reject("ce-prob-wrong-classes", "cross_entropy", [x, np.full((3, 5), 0.2)])


def binary_rejects(g: Golden) -> None:
    """Arguments the binary losses reject."""
    p = np.array([[0.2, 0.7, 0.5], [0.9, 0.1, 0.4]])
    y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    bce = "binary_cross_entropy"
    g.reject("bce-input-above-1", bce, [np.array([[0.2, 1.5, 0.5], [0.9, 0.1, 0.4]]), y])
    g.reject("bce-input-negative", bce, [np.array([[0.2, -1e-6, 0.5], [0.9, 0.1, 0.4]]), y])
    g.reject("bce-input-nan", bce, [np.array([[0.2, np.nan, 0.5], [0.9, 0.1, 0.4]]), y])
    g.reject("bce-logit-given-as-input", bce, [np.array([2.0, -3.0]), np.array([1.0, 0.0])])
    g.reject("bce-target-above-1", bce, [p, np.array([[0.0, 1.5, 1.0], [1.0, 0.0, 0.0]])])
    g.reject("bce-target-negative", bce, [p, np.array([[0.0, 1.0, 1.0], [-1.0, 0.0, 0.0]])])
    g.reject("bce-shape-mismatch", bce, [p, y[:, :2]])
    g.reject("bce-weight-not-broadcastable", bce, [p, y], weight=np.ones(2))
    g.reject("bce-reduction-avg", bce, [p, y], reduction="avg")
    g.reject("bce-reduction-batchmean", bce, [p, y], reduction="batchmean")
    bcel = "binary_cross_entropy_with_logits"
    x = np.array([[0.5, -2.0, 3.0], [1.0, 0.0, -1.0]])
    g.reject("bcel-shape-mismatch", bcel, [x, y[:, :2]])
    g.reject("bcel-pos-weight-wrong-length", bcel, [x, y], pos_weight=np.ones(2))
    g.reject("bcel-weight-not-broadcastable", bcel, [x, y], weight=np.ones(2))
    g.reject("bcel-reduction-avg", bcel, [x, y], reduction="avg")
    msm = "multilabel_soft_margin_loss"
    g.reject("softmargin-weight-wrong-length", msm, [x, y], weight=np.ones(2))
    g.reject("softmargin-shape-mismatch", msm, [x, np.zeros((2, 4))])
    g.reject("softmargin-reduction-avg", msm, [x, y], reduction="avg")
    g.reject("focal-reduction-avg", "sigmoid_focal_loss", [x, y], reduction="avg")
    g.reject("focal-shape-mismatch", "sigmoid_focal_loss", [x, y[:, :2]])


def divergence_rejects(g: Golden) -> None:
    """Arguments kl_div rejects."""
    lq = np.log(np.full((2, 3), 1 / 3))
    q = np.full((2, 3), 1 / 3)
    g.reject("kl-shape-mismatch", "kl_div", [lq, np.full((2, 4), 0.25)], reduction="sum")
    g.reject("kl-reduction-avg", "kl_div", [lq, q], reduction="avg")


def embedding_rejects(g: Golden) -> None:
    """Arguments cosine_embedding_loss rejects."""
    a = np.ones((2, 3))
    t = np.array([1, -1], dtype=np.int64)
    cel = "cosine_embedding_loss"
    g.reject("cos-feature-mismatch", cel, [a, np.ones((2, 4)), t])
    g.reject("cos-batch-mismatch", cel, [a, np.ones((3, 3)), t])
    g.reject("cos-target-length", cel, [a, a, np.array([1, -1, 1], dtype=np.int64)])
    g.reject("cos-1d-with-1d-target", cel, [a[0], a[1], np.array([1], dtype=np.int64)])
    g.reject("cos-reduction-avg", cel, [a, a, t], reduction="avg")


def margin_rejects(g: Golden) -> None:
    """Arguments multi_margin_loss rejects."""
    x = np.array([[0.1, 0.5, -0.2], [1.0, 0.0, 0.3]])
    t = np.array([0, 2], dtype=np.int64)
    mm = "multi_margin_loss"
    g.reject("mm-p3", mm, [x, t], p=3)
    g.reject("mm-p0", mm, [x, t], p=0)
    g.reject("mm-target-too-big", mm, [x, np.array([0, 3], dtype=np.int64)])
    g.reject("mm-target-negative", mm, [x, np.array([-1, 0], dtype=np.int64)])
    g.reject("mm-weight-wrong-length", mm, [x, t], weight=np.ones(2))
    g.reject("mm-batch-mismatch", mm, [x, np.array([0, 1, 2], dtype=np.int64)])
    g.reject("mm-reduction-avg", mm, [x, t], reduction="avg")
