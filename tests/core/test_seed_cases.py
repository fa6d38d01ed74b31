"""The worked examples of the seed documents, against the value PyTorch gave for each.

The examples live outside the repository (``<repo>/../shared/data/seed_cases.json``);
the test skips when that file is absent. Inputs are converted as ``torch.tensor``
would: float lists to float32, integer lists to int64.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lossgui.core as core

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = REPO_ROOT.parent / "shared" / "data" / "seed_cases.json"


def _load_cases() -> list[dict[str, Any]]:
    if not SEED_PATH.is_file():
        return []
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))["cases"]


CASES = _load_cases()


def as_tensor_like(value: Any) -> Any:
    """Convert a list as ``torch.tensor`` would (floats -> float32, ints -> int64).

    Scalars that are keywords (``margin=0.0``) stay Python numbers.
    """
    if not isinstance(value, list):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    return arr.astype(np.float32)


def prepare(case: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional arguments (with the input transform applied) and keywords of a case."""
    args = [as_tensor_like(a) for a in case["inputs"]]
    transform = case.get("input_transform", "none")
    if transform == "sigmoid":
        args[0] = core.sigmoid(args[0])
    elif transform != "none":
        raise ValueError(f"unknown input_transform {transform!r}")
    kwargs = {k: as_tensor_like(v) for k, v in case["kwargs"].items()}
    return args, kwargs


def test_seed_file_present_or_skip() -> None:
    """Report clearly when the shared seed file is not next to the repository."""
    if not CASES:
        pytest.skip(f"seed cases not found at {SEED_PATH}")
    assert all("expected" in c and "loss" in c for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_seed_case(case: dict[str, Any]) -> None:
    """core gives PyTorch's value for the worked example (NaN where torch gives NaN)."""
    args, kwargs = prepare(case)
    got = getattr(core, case["loss"])(*args, **kwargs)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float32, f"float32 inputs gave {got.dtype}"
    expected = case["expected"]
    if isinstance(expected, float) and math.isnan(expected):
        assert np.all(np.isnan(got)), f"expected NaN, got {got}"
        return
    np.testing.assert_allclose(
        got, np.asarray(expected, dtype=np.float64), rtol=1e-5, atol=1e-6, equal_nan=True
    )
