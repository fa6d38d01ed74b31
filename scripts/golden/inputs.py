"""Seeded random inputs and the option grids shared by every loss family."""

from __future__ import annotations

import zlib

import numpy as np

DTYPES: tuple[str, ...] = ("float32", "float64")
REDUCTIONS: tuple[str, ...] = ("none", "mean", "sum")


def rng_for(case_id: str) -> np.random.Generator:
    """A generator seeded from the case id, so adding a case never shifts the others."""
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def normal(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: str, scale: float = 2.0
) -> np.ndarray:
    """Normal logits of ``shape`` rounded to ``dtype`` (what torch and core both see)."""
    return (rng.standard_normal(shape) * scale).astype(dtype)


def probabilities(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: str, dim: int
) -> np.ndarray:
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
    """Distinct positive class weights 0.5, 1.75, 3.0, ... so no two classes weigh the same."""
    return (0.5 + np.arange(n_classes) * 1.25).astype(dtype)


def shape_tag(shape: tuple[int, ...]) -> str:
    """The shape as it appears in case ids: ``"4x3"``, or ``"scalar"`` for ``()``."""
    return "x".join(str(s) for s in shape) if shape else "scalar"
