"""Strict checks of a session's fields: types, finiteness, sizes, shapes.

Each check returns the value in the form lossgui stores, or raises
:class:`SessionError` with one sentence naming the field. Array sizes are
checked against :data:`MAX_ELEMENTS` from the declared shape before any
array is built, and nested lists are checked level by level against it.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

__all__ = [
    "MAX_DIMS",
    "MAX_ELEMENTS",
    "MAX_TEXT",
    "MAX_VIEW_ITEMS",
    "SessionError",
    "array_of",
    "check_view",
    "flatten",
    "kind_of",
    "number",
    "shape_of",
    "string",
]

MAX_ELEMENTS = 50_000_000
"""Largest array a session may declare (per array), checked before building it."""
MAX_DIMS = 8
MAX_TEXT = 100_000
MAX_VIEW_ITEMS = 10_000


class SessionError(ValueError):
    """A session that cannot be read or written; ``str(err)`` says why in one sentence."""


def kind_of(value: Any) -> str:
    """How a JSON value is named in messages ("a string", "null" ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def number(value: Any, what: str) -> float:
    """A finite JSON number (not a bool) as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SessionError(f"{what} must be a number, not {kind_of(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise SessionError(f"{what} is too large") from None
    if not math.isfinite(result):
        raise SessionError(f"{what} must be finite, not {result}")
    return result


def string(value: Any, what: str, choices: tuple[str, ...] | None = None) -> str:
    """A JSON string of sane length, one of ``choices`` when given."""
    if not isinstance(value, str):
        raise SessionError(f"{what} must be a string, not {kind_of(value)}")
    if len(value) > MAX_TEXT:
        raise SessionError(f"{what} is {len(value)} characters long, too long for a session")
    if choices is not None and value not in choices:
        raise SessionError(f"{what} must be one of {', '.join(choices)}, not {value[:80]!r}")
    return value


def shape_of(value: Any) -> tuple[int, ...]:
    """A declared array shape: 2 to MAX_DIMS sizes >= 1, at most MAX_ELEMENTS numbers."""
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_DIMS:
        raise SessionError(f"shape must be a list of 2 to {MAX_DIMS} sizes")
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        raise SessionError("shape must hold whole numbers of at least 1")
    if any(v > MAX_ELEMENTS for v in value) or math.prod(value) > MAX_ELEMENTS:
        raise SessionError(
            f"shape {value} declares more than {MAX_ELEMENTS:,} numbers, too many for a session"
        )
    return tuple(value)


def flatten(value: Any, shape: tuple[int, ...], what: str) -> list[Any]:
    """The leaves of nested lists ``value`` after checking they have ``shape``."""
    level = [value]
    for depth, size in enumerate(shape):
        for i, item in enumerate(level):
            if type(item) is not list or len(item) != size:
                index = np.unravel_index(i, shape[:depth]) if depth else ()
                where = "".join(f"[{j}]" for j in index)
                found = f"{len(item)} items" if type(item) is list else kind_of(item)
                raise SessionError(
                    f"{what}{where} holds {found} where the shape {list(shape)} needs {size}"
                )
        level = list(itertools.chain.from_iterable(level))
    return level


def array_of(value: Any, shape: tuple[int, ...], what: str, dtype: type) -> np.ndarray:
    """Nested lists ``value`` of ``shape`` as an array of ``dtype``.

    ``dtype`` is np.int64 (JSON integers only), np.float64 or np.float32
    (numbers, finite, and representable in float32).
    """
    flat = flatten(value, shape, what)
    allowed = {int} if dtype is np.int64 else {int, float}
    if not set(map(type, flat)) <= allowed:
        bad = next(v for v in flat if type(v) not in allowed)
        need = "whole numbers" if dtype is np.int64 else "numbers"
        raise SessionError(f"{what} must hold {need}, but holds {kind_of(bad)} ({str(bad)[:40]})")
    try:
        array = np.array(flat, dtype=np.float64 if dtype is np.float32 else dtype)
    except OverflowError:
        raise SessionError(f"{what} holds a number too large to store") from None
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise SessionError(f"{what} must hold finite numbers")
        if dtype is np.float32:
            with np.errstate(over="ignore"):
                array = array.astype(np.float32)
            if not np.all(np.isfinite(array)):
                raise SessionError(f"{what} holds a number too large for float32")
    return array.reshape(shape)


def check_view(view: Any) -> dict[str, Any]:
    """The view dict: str keys, simple values (scalars, lists of them, lists of lists)."""
    if not isinstance(view, dict):
        raise SessionError(f"view must be an object, not {kind_of(view)}")
    count = 0

    def check(value: Any, depth: int, what: str) -> None:
        nonlocal count
        count += 1
        if count > MAX_VIEW_ITEMS:
            raise SessionError(f"the view holds more than {MAX_VIEW_ITEMS} values")
        if isinstance(value, list) and depth < 2:
            for item in value:
                check(item, depth + 1, what)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number(value, what)
        elif isinstance(value, str):
            string(value, what)
        elif value is not None and not isinstance(value, bool):
            raise SessionError(f"{what} must be a simple value, not {kind_of(value)}")

    for key, value in view.items():
        check(value, 0, f"view value {key[:80]!r}")
    return view
