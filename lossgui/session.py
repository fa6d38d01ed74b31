"""Sessions: a Document (and a little view state) as human-readable JSON.

A session file (``*.lossgui.json``) looks like::

    {
      "format": "lossgui-session",
      "version": 1,
      "document": {
        "loss": "cross_entropy", "target_kind": "index", "transform": "none",
        "dtype": "float32", "logits_dtype": "float64", "title": "...",
        "expected": null, "options": {"reduction": "mean"},
        "shape": [4, 3],
        "logits": [[2.0, 1.0, 0.1], ...], "target": [0, 1, 2, 1], "input2": null
      },
      "view": {"selection": [0, 0]}
    }

Numbers are written as the shortest decimal that reads back to the exact same
bits (float32 logits as float32's shortest form), so a save / open round trip
is bit-identical. Reading is strict: every field is type-checked and sizes are
checked against :data:`MAX_ELEMENTS` before any array is built, and any
problem raises :class:`SessionError` with one sentence, never a half-built
Document. Non-finite numbers are refused in both directions, as everywhere
else in lossgui (typed cells and loaded files refuse them too), with one
exception: ``expected``, PyTorch's recorded value of an example, may be NaN
(a mean over no samples), written as the string ``"NaN"`` (or ``"Infinity"``,
``"-Infinity"``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from lossgui.core.registry import LOSSES, get_spec
from lossgui.document import DTYPES, Document, EditError
from lossgui.session_fields import (
    MAX_ELEMENTS,
    SessionError,
    array_of,
    check_view,
    kind_of,
    number,
    shape_of,
    string,
)
from lossgui.session_files import read_session_text, write_text_atomically

__all__ = [
    "FORMAT",
    "MAX_ELEMENTS",
    "SESSION_SUFFIX",
    "VERSION",
    "SessionError",
    "dump_session",
    "exact_floats",
    "is_session_path",
    "load_session",
    "same_document",
    "save_session",
]

FORMAT = "lossgui-session"
VERSION = 1
SESSION_SUFFIX = ".lossgui.json"
_CHUNK = 1 << 16  # small enough that a background autosave never holds the GIL long

_DOCUMENT_KEYS = (
    "loss", "target_kind", "transform", "dtype", "logits_dtype", "title", "expected",
    "options", "shape", "logits", "target", "input2",
)  # fmt: skip


def is_session_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a session file (by its ``.lossgui.json`` suffix)."""
    return os.fspath(path).lower().endswith(SESSION_SUFFIX)


# ------------------------------------------------------------------ writing
def exact_floats(array: np.ndarray) -> np.ndarray:
    """Float64 values whose ``repr`` is short and reads back to ``array`` exactly.

    Parameters
    ----------
    array : ndarray, float32 or float64, any shape

    Returns
    -------
    ndarray, float64, same shape
        For float64 input, the values themselves. For float32 input, the
        float64 nearest to float32's shortest decimal (``0.1`` rather than
        ``0.10000000149011612``) wherever casting it back to float32 gives the
        same bits, else the exact float32 value.
    """
    array = np.ascontiguousarray(array)
    if array.dtype != np.float32:
        return array.astype(np.float64)
    flat = array.reshape(-1)
    out = np.empty(flat.shape, dtype=np.float64)
    for start in range(0, flat.size, _CHUNK):
        part = flat[start : start + _CHUNK]
        short = part.astype(str).astype(np.float64)
        same = short.astype(np.float32).view(np.uint32) == part.view(np.uint32)
        out[start : start + _CHUNK] = np.where(same, short, part.astype(np.float64))
    return out.reshape(array.shape)


def _nested_text(flat: list[Any], shape: tuple[int, ...], indent: int) -> str:
    """JSON text of a flat list as nested lists, one innermost row per line."""
    if len(shape) == 1:
        return json.dumps(flat, allow_nan=False)
    size = math.prod(shape[1:])
    pad = " " * (indent + 2)
    rows = [
        pad + _nested_text(flat[i * size : (i + 1) * size], shape[1:], indent + 2)
        for i in range(shape[0])
    ]
    return "[\n" + ",\n".join(rows) + "\n" + " " * indent + "]"


def _plain(value: Any, what: str) -> Any:
    """``value`` as JSON-ready Python (tuples to lists, NumPy scalars to Python)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (tuple, list)):
        return [_plain(v, what) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise SessionError(f"{what} is {value}, which a session cannot store")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, what) for k, v in value.items()}
    raise SessionError(f"{what} holds a {type(value).__name__}, which a session cannot store")


# PyTorch's recorded value may be NaN (a mean over no samples); JSON has no NaN.
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _expected_text(value: float | None) -> float | str | None:
    """``expected`` for JSON: the number, or "NaN" / "Infinity" / "-Infinity"."""
    if value is None or math.isfinite(value):
        return _plain(value, "expected")
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _expected_of(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw in _NON_FINITE:
        return _NON_FINITE[raw]
    return number(raw, "expected")


def _array_values(array: np.ndarray, what: str) -> list[Any]:
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise SessionError(f"the {what} hold NaN or infinity, which a session cannot store")
        return exact_floats(array).reshape(-1).tolist()
    return np.asarray(array, dtype=np.int64).reshape(-1).tolist()


def dump_session(document: Document, view: Mapping[str, Any] | None = None) -> str:
    """The session text of ``document`` and ``view``.

    Parameters
    ----------
    document : Document
    view : mapping of str to simple values, optional
        Selection, active tab ...: None, bools, numbers, strings and lists of them.

    Raises
    ------
    SessionError
        When the Document holds non-finite numbers or ``view`` holds other values.
    """
    view_dict = _plain(dict(view or {}), "the view")
    check_view(view_dict)
    head = {
        "loss": document.loss,
        "target_kind": document.target_kind,
        "transform": document.transform,
        "dtype": document.dtype,
        "logits_dtype": str(document.logits.dtype),
        "title": document.title,
        "expected": _expected_text(document.expected),
        "options": _plain(dict(document.options), "the options"),
        "shape": list(document.logits.shape),
    }
    lines = [f"    {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in head.items()]
    arrays = {"logits": document.logits, "target": document.target, "input2": document.input2}
    for key, array in arrays.items():
        if array is None:
            lines.append(f"    {json.dumps(key)}: null")
            continue
        flat = _array_values(array, "input2" if key == "input2" else key)
        lines.append(f"    {json.dumps(key)}: " + _nested_text(flat, array.shape, 4))
    view_text = json.dumps(view_dict, allow_nan=False, sort_keys=True)
    return (
        "{\n"
        f'  "format": "{FORMAT}",\n'
        f'  "version": {VERSION},\n'
        '  "document": {\n' + ",\n".join(lines) + "\n  },\n"
        f'  "view": {view_text}\n'
        "}\n"
    )


def save_session(
    path: str | os.PathLike[str], document: Document, view: Mapping[str, Any] | None = None
) -> None:
    """Write the session atomically: a temporary file beside ``path``, then a rename.

    A crash mid-write leaves the previous file intact, never a truncated one.

    Raises
    ------
    SessionError
        The Document cannot be stored (nothing is written).
    OSError
        The file could not be written (the previous file is untouched).
    """
    write_text_atomically(path, dump_session(document, view))


# ------------------------------------------------------------------ reading
def _refuse_constant(name: str) -> Any:
    raise SessionError(f"the session contains {name}, which is not a number a session may hold")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise SessionError(f"the key {key[:80]!r} appears twice in one object")
        result[key] = value
    return result


def _options(document: Document, raw: Any) -> Document:
    if not isinstance(raw, dict):
        raise SessionError(f"options must be an object, not {kind_of(raw)}")
    spec = document.spec
    for name, value in raw.items():
        try:
            opt = spec.option(name)
        except KeyError:
            raise SessionError(f"{spec.label} has no option {name[:80]!r}") from None
        what = f"option {name}"
        if opt.kind == "class_vector":
            if value is not None and not isinstance(value, list):
                raise SessionError(
                    f"{what} must be a list of numbers or null, not {kind_of(value)}"
                )
            value = None if value is None else [number(v, what) for v in value]
        elif opt.kind == "float":
            value = number(value, what)
        elif opt.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise SessionError(f"{what} must be a whole number, not {kind_of(value)}")
            if abs(value) > 2**63:
                raise SessionError(f"{what} is too large")
        elif opt.kind == "bool" and not isinstance(value, bool):
            raise SessionError(f"{what} must be true or false, not {kind_of(value)}")
        elif opt.kind == "choice":
            string(value, what)
        try:
            document = document.with_option(name, value)
        except EditError as err:
            raise SessionError(f"{what}: {err}") from None
    return document


def _document(raw: Any) -> Document:
    if not isinstance(raw, dict):
        raise SessionError(f"document must be an object, not {kind_of(raw)}")
    missing = [k for k in _DOCUMENT_KEYS if k not in raw]
    if missing:
        raise SessionError(f"the document has no {', '.join(missing)}")
    unknown = [k for k in raw if k not in _DOCUMENT_KEYS]
    if unknown:
        raise SessionError(f"the document has an unknown field {unknown[0][:80]!r}")
    loss = string(raw["loss"], "loss", tuple(LOSSES))
    spec = get_spec(loss)
    kind = string(raw["target_kind"], "target_kind", spec.target_kinds)
    transform = string(raw["transform"], "transform", spec.transforms)
    dtype = string(raw["dtype"], "dtype", DTYPES)
    logits_dtype = string(raw["logits_dtype"], "logits_dtype", DTYPES)
    title = string(raw["title"], "title")
    expected = _expected_of(raw["expected"])
    shape = shape_of(raw["shape"])
    if len(shape) > 2 and not spec.spatial:
        raise SessionError(f"{spec.label} takes (N, C) inputs, not shape {list(shape)}")
    logits = array_of(raw["logits"], shape, "logits", np.dtype(logits_dtype).type)
    target_shape = {"index": (shape[0], *shape[2:]), "sign": (shape[0],)}.get(kind, shape)
    int_target = kind in ("index", "sign")
    target = array_of(raw["target"], target_shape, "target", np.int64 if int_target else np.float64)
    input2 = None
    if kind == "sign":
        input2 = array_of(raw["input2"], shape, "input2", np.float64)
    elif raw["input2"] is not None:
        raise SessionError("input2 belongs to cosine_embedding_loss only and must be null here")
    try:
        document = Document(
            loss=loss,
            logits=logits,
            target=target,
            target_kind=kind,
            transform=transform,
            dtype=dtype,
            input2=input2,
            title=title,
            expected=expected,
        )
    except EditError as err:
        raise SessionError(str(err)) from None
    # Setting the options derives new Documents, which drop ``expected`` (an edit's
    # numbers are not the preset's): the recorded value belongs to the whole session.
    return replace(_options(document, raw["options"]), expected=expected)


def load_session(
    source: str | bytes | os.PathLike[str],
) -> tuple[Document, dict[str, Any]]:
    """Read a session from its text or from a file.

    Parameters
    ----------
    source : str, bytes or path-like
        Session text (a str whose first non-blank character starts JSON, or
        bytes), or the path of a ``.lossgui.json`` file.

    Returns
    -------
    (Document, dict)
        The Document and the view dict (empty when the session has none).

    Raises
    ------
    SessionError
        For anything that is not a valid version-1 session, saying why.
    """
    text = read_session_text(source)
    try:
        raw = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_pairs)
    except json.JSONDecodeError as err:
        raise SessionError(
            f"this is not a lossgui session: not JSON ({err.msg} at line {err.lineno}, "
            f"column {err.colno})"
        ) from None
    except RecursionError:
        raise SessionError("this is not a lossgui session: its lists nest too deeply") from None
    except ValueError as err:
        if isinstance(err, SessionError):
            raise
        raise SessionError(f"this is not a lossgui session: {err}") from None
    if not isinstance(raw, dict):
        raise SessionError(f"this is not a lossgui session: it is {kind_of(raw)}, not an object")
    if raw.get("format") != FORMAT:
        raise SessionError(f"this is not a lossgui session: its format is not {FORMAT!r}")
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        shown = repr(version)[:40]
        raise SessionError(f"the session's version must be a whole number >= 1, not {shown}")
    if version > VERSION:
        raise SessionError(
            f"this session was saved by a newer lossgui (format version {str(version)[:20]}); "
            f"this one reads version {VERSION}"
        )
    unknown = [k for k in raw if k not in ("format", "version", "document", "view")]
    if unknown:
        raise SessionError(f"the session has an unknown field {unknown[0][:80]!r}")
    if "document" not in raw:
        raise SessionError("the session has no document")
    document = _document(raw["document"])
    return document, dict(check_view(raw.get("view", {})))


def same_document(a: Document, b: Document) -> bool:
    """Whether two Documents hold the same numbers bit for bit and the same settings."""

    def same_number(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return x == y or (math.isnan(x) and math.isnan(y))

    def same_array(x: np.ndarray | None, y: np.ndarray | None) -> bool:
        if x is None or y is None:
            return x is y
        return (
            x.dtype == y.dtype
            and x.shape == y.shape
            and np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes()
        )

    fields = ("loss", "target_kind", "transform", "dtype", "title")
    return (
        all(getattr(a, f) == getattr(b, f) for f in fields)
        and same_number(a.expected, b.expected)
        and dict(a.options) == dict(b.options)
        and same_array(a.logits, b.logits)
        and same_array(a.target, b.target)
        and same_array(a.input2, b.input2)
    )
