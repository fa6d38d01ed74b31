"""Generate ``tests/core/golden/golden.json``: reference values computed by PyTorch.

Run by hand from the repository root (needs torch; the tests that read the file do not)::

    python scripts/make_golden.py

Every case is built from a fixed seed, so running the script twice with the same
PyTorch gives the same file. Each *case* records the positional arguments and
keywords of a ``torch.nn.functional`` loss (``sigmoid_focal_loss`` follows
torchvision's formula, re-implemented here in torch so torchvision is not needed),
the value torch returns and torch's autograd gradient with respect to the input(s)
(of the sum of the loss for ``reduction='none'``). Each *rejected* case records
arguments torch raises on, with the exception's type and message.

Arrays are stored as ``{"dtype": str, "shape": [int, ...], "data": [flat values]}``
in C order; non-finite floats are the strings ``"nan"``, ``"inf"`` and ``"-inf"``
so the file is plain JSON. A keyword whose value is such a dict is an array.
"""

from __future__ import annotations

import json
import math
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parents[1] / "tests" / "core" / "golden" / "golden.json"

DTYPES: tuple[str, ...] = ("float32", "float64")
REDUCTIONS: tuple[str, ...] = ("none", "mean", "sum")
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


# --------------------------------------------------------------------------- encoding


def _encode_float(v: float) -> float | str:
    """A float as JSON can carry it: non-finite values become strings."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def encode(arr: np.ndarray | torch.Tensor) -> dict[str, Any]:
    """Encode an array as ``{"dtype", "shape", "data"}`` (flat, C order)."""
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().cpu().numpy()
    arr = np.asarray(arr)
    flat = arr.reshape(-1).tolist()
    if np.issubdtype(arr.dtype, np.floating):
        flat = [_encode_float(float(v)) for v in flat]
    else:
        flat = [int(v) for v in flat]
    return {"dtype": str(arr.dtype), "shape": list(arr.shape), "data": flat}


def to_torch(value: Any, requires_grad: bool = False) -> Any:
    """NumPy arrays become tensors (float ones optionally requiring grad); others pass."""
    if isinstance(value, np.ndarray):
        t = torch.from_numpy(np.array(value, order="C", copy=True))  # keeps 0-d as 0-d
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    return value


def encode_value(value: Any) -> Any:
    """Encode a positional argument or keyword: arrays as dicts, scalars as they are."""
    if isinstance(value, np.ndarray):
        return encode(value)
    if isinstance(value, float):
        return _encode_float(value)
    return value


# --------------------------------------------------------------------------- torch side


def torch_sigmoid_focal_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: str = "none",
) -> torch.Tensor:
    """torchvision.ops.sigmoid_focal_loss, line for line (torchvision 0.15+)."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "none":
        pass
    elif reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    else:
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes:"
            " 'none', 'mean', 'sum'"
        )
    return loss


TORCH_LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "nll_loss": F.nll_loss,
    "binary_cross_entropy": F.binary_cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "kl_div": F.kl_div,
    "cosine_embedding_loss": F.cosine_embedding_loss,
    "sigmoid_focal_loss": torch_sigmoid_focal_loss,
    "multi_margin_loss": F.multi_margin_loss,
    "multilabel_soft_margin_loss": F.multilabel_soft_margin_loss,
}

#: How many leading positional arguments are differentiated (the inputs).
N_GRAD_ARGS = {name: 1 for name in TORCH_LOSSES} | {"cosine_embedding_loss": 2}


# --------------------------------------------------------------------------- builders


class Golden:
    """Collects cases and rejected cases, computing each with torch as it is added."""

    def __init__(self) -> None:
        self.cases: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self._ids: set[str] = set()

    def _new_id(self, case_id: str) -> str:
        if case_id in self._ids:
            raise ValueError(f"duplicate case id {case_id}")
        self._ids.add(case_id)
        return case_id

    def add(self, case_id: str, loss: str, args: list[Any], **kwargs: Any) -> None:
        """Compute ``loss(*args, **kwargs)`` and its gradient with torch and record it."""
        dtype = str(args[0].dtype)
        n_grad = N_GRAD_ARGS[loss]
        targs = [to_torch(a, requires_grad=i < n_grad) for i, a in enumerate(args)]
        tkwargs = {k: to_torch(v) for k, v in kwargs.items()}
        value = TORCH_LOSSES[loss](*targs, **tkwargs)
        if value.dtype != TORCH_DTYPES[dtype]:
            raise AssertionError(f"{case_id}: torch returned {value.dtype}, case is {dtype}")
        total = value.sum() if value.ndim else value
        grads = torch.autograd.grad(total, targs[:n_grad], allow_unused=True)
        grads = [
            torch.zeros_like(t) if g is None else g for g, t in zip(grads, targs, strict=False)
        ]
        self.cases.append(
            {
                "id": self._new_id(case_id),
                "loss": loss,
                "dtype": dtype,
                "args": [encode_value(a) for a in args],
                "kwargs": {k: encode_value(v) for k, v in kwargs.items()},
                "expected": encode(value),
                "grad": [encode(g) for g in grads],
            }
        )

    def reject(self, case_id: str, loss: str, args: list[Any], **kwargs: Any) -> None:
        """Record arguments torch raises on, with the exception's type and message."""
        targs = [to_torch(a) for a in args]
        tkwargs = {k: to_torch(v) for k, v in kwargs.items()}
        try:
            TORCH_LOSSES[loss](*targs, **tkwargs)
        except Exception as exc:  # any exception torch raises is the record
            self.rejected.append(
                {
                    "id": self._new_id(case_id),
                    "loss": loss,
                    "args": [encode_value(a) for a in args],
                    "kwargs": {k: encode_value(v) for k, v in kwargs.items()},
                    "exc_type": type(exc).__name__,
                    "message": str(exc).strip().splitlines()[0],
                }
            )
            return
        raise AssertionError(f"{case_id}: torch accepted arguments expected to be rejected")


def rng_for(case_id: str) -> np.random.Generator:
    """A generator seeded from the case id, so adding a case never shifts the others."""
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, scale: float = 2.0):
    """Normal logits of ``shape`` rounded to ``dtype`` (what torch and core both see)."""
    return (rng.standard_normal(shape) * scale).astype(dtype)


def probabilities(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, dim: int):
    """Random probability vectors along ``dim`` (sum to 1 up to rounding)."""
    e = rng.exponential(size=shape)
    return (e / e.sum(axis=dim, keepdims=True)).astype(dtype)


def class_targets(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    n_classes: int,
    ignore_index: int | None = None,
    must_include: tuple[int, ...] = (),
) -> np.ndarray:
    """Integer class targets; ``ignore_index`` (if given) and ``must_include`` appear."""
    t = rng.integers(0, n_classes, size=shape).astype(np.int64)
    flat = t.reshape(-1)
    special = ([] if ignore_index is None else [ignore_index]) + list(must_include)
    for i, v in enumerate(special):
        if i < flat.size:
            flat[(i * 2 + 1) % flat.size] = v
    return t


def class_weight(n_classes: int, dtype: str) -> np.ndarray:
    """Distinct positive class weights 0.5, 1.5, 2.5, ... scaled so they are not symmetric."""
    return (0.5 + np.arange(n_classes) * 1.25).astype(dtype)


def shape_tag(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape) if shape else "scalar"


# --------------------------------------------------------------------------- categorical


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


# --------------------------------------------------------------------------- binary


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


# --------------------------------------------------------------------------- divergence etc.


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


def divergence_rejects(g: Golden) -> None:
    """Arguments kl_div rejects."""
    lq = np.log(np.full((2, 3), 1 / 3))
    q = np.full((2, 3), 1 / 3)
    g.reject("kl-shape-mismatch", "kl_div", [lq, np.full((2, 4), 0.25)], reduction="sum")
    g.reject("kl-reduction-avg", "kl_div", [lq, q], reduction="avg")


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


# --------------------------------------------------------------------------- main


def build() -> Golden:
    """Every case and rejected case, computed with torch."""
    torch.manual_seed(0)
    g = Golden()
    categorical_cases(g)
    binary_cases(g)
    divergence_cases(g)
    embedding_cases(g)
    margin_cases(g)
    categorical_rejects(g)
    binary_rejects(g)
    divergence_rejects(g)
    embedding_rejects(g)
    margin_rejects(g)
    return g


def write(g: Golden, path: Path = OUT) -> None:
    """Write the golden file, one case per line so diffs stay readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "description": "Reference values and gradients of lossgui's losses, computed by PyTorch.",
        "generator": "scripts/make_golden.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "array_encoding": "{dtype, shape, data (flat, C order)}; non-finite as 'nan'/'inf'/'-inf'",
        "grad": "torch autograd of the loss (of its sum for reduction='none') wrt the input(s)",
    }

    def dump(obj: Any) -> str:
        return json.dumps(obj, separators=(",", ":"), allow_nan=False)

    lines = ["{", f'"meta":{dump(meta)},', '"cases":[']
    lines += [dump(c) + ("," if i < len(g.cases) - 1 else "") for i, c in enumerate(g.cases)]
    lines += ["],", '"rejected":[']
    lines += [dump(r) + ("," if i < len(g.rejected) - 1 else "") for i, r in enumerate(g.rejected)]
    lines += ["]", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    import warnings

    with warnings.catch_warnings():
        # kl_div's 'mean' warns that it is not the true KL; that case is recorded on purpose.
        warnings.simplefilter("ignore", UserWarning)
        g = build()
    write(g)
    counts = Counter(c["loss"] for c in g.cases)
    rcounts = Counter(r["loss"] for r in g.rejected)
    size_kb = OUT.stat().st_size / 1024
    print(f"wrote {OUT} ({size_kb:.0f} KiB): {len(g.cases)} cases, {len(g.rejected)} rejected")
    for loss in TORCH_LOSSES:
        print(f"  {loss:34s} {counts[loss]:4d} cases {rcounts[loss]:3d} rejected")


if __name__ == "__main__":
    main()
