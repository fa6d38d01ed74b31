"""The worked examples the app ships: data, with the value PyTorch gives for each.

The presets live in ``resources/presets.json`` (installed as
``lossgui.resources``), written by ``scripts/make_presets.py``, which computes
every expected value with PyTorch. This module only reads that file; it knows
nothing about the window or the Document (see :mod:`lossgui.presets_doc`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["PRESETS", "Preset", "get_preset", "preset_names"]

_FILE = "presets.json"


@dataclass(frozen=True, eq=False)
class Preset:
    """One worked example.

    Attributes
    ----------
    name : str
        Short unique name (the seed case's name for the seed examples).
    description : str
        One sentence saying what the example shows.
    loss : str
        Registry name of the loss (``cross_entropy`` ...).
    logits : ndarray, shape (N, C) or (N, C, d1, ..., dk), float64, read-only
        The grid's numbers before the input transform.
    target : ndarray, read-only
        int64 for 'index' / 'sign' targets, float64 otherwise.
    target_kind : {'index', 'probability', 'binary', 'sign'}
    options : mapping
        Loss keywords that differ from PyTorch's defaults; per-class vectors as tuples.
    transform : {'none', 'log_softmax', 'sigmoid'}
    dtype : {'float32', 'float64'}
    expected : float
        What PyTorch computes for these numbers (NaN when PyTorch gives NaN).
    input2 : ndarray, shape (N, C), float64, or None
        Second input of cosine_embedding_loss.
    """

    name: str
    description: str
    loss: str
    logits: np.ndarray
    target: np.ndarray
    target_kind: str
    options: Mapping[str, Any]
    transform: str
    dtype: str
    expected: float
    input2: np.ndarray | None = None


def _read_only(array: Any, dtype: type) -> np.ndarray:
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


def _from_record(record: Mapping[str, Any]) -> Preset:
    int_target = record["target_kind"] in ("index", "sign")
    options = {
        key: tuple(float(v) for v in value) if isinstance(value, list) else value
        for key, value in record["options"].items()
    }
    input2 = record.get("input2")
    return Preset(
        name=record["name"],
        description=record["description"],
        loss=record["loss"],
        logits=_read_only(record["logits"], np.float64),
        target=_read_only(record["target"], np.int64 if int_target else np.float64),
        target_kind=record["target_kind"],
        options=MappingProxyType(options),
        transform=record["transform"],
        dtype=record["dtype"],
        # The generator writes NaN as the string "nan", which float() reads back.
        expected=float(record["expected"]),
        input2=None if input2 is None else _read_only(input2, np.float64),
    )


def _read_text() -> str:
    """The presets file, installed (``lossgui.resources``) or from a source checkout."""
    try:
        return resources.files("lossgui.resources").joinpath(_FILE).read_text(encoding="utf-8")
    except ModuleNotFoundError:
        # Running from a checkout on PYTHONPATH: resources/ is not a lossgui subpackage.
        source = Path(__file__).resolve().parents[2] / "resources" / _FILE
        return source.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _load() -> dict[str, Preset]:
    records = json.loads(_read_text())["presets"]
    return {record["name"]: _from_record(record) for record in records}


class _Presets(Mapping[str, Preset]):
    """Read-only name -> Preset mapping, loaded from disk on first use (in file order)."""

    def __getitem__(self, name: str) -> Preset:
        return _load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_load())

    def __len__(self) -> int:
        return len(_load())


PRESETS: Mapping[str, Preset] = _Presets()
"""Every preset by name, in the order the menu lists them."""


def preset_names() -> list[str]:
    """The presets' names in menu order."""
    return list(PRESETS)


def get_preset(name: str) -> Preset:
    """Return preset ``name``; ValueError naming the known presets otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ValueError(f"unknown preset {name!r}; known presets: {known}") from None
