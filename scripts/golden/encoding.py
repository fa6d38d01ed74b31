"""JSON encoding of arrays and scalars for the golden file, and NumPy-to-torch conversion.

Arrays are stored as ``{"dtype": str, "shape": [int, ...], "data": [flat values]}`` in C
order; non-finite floats are the strings ``"nan"``, ``"inf"`` and ``"-inf"`` so the file is
plain JSON (``json.dumps(..., allow_nan=False)`` accepts it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch


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
