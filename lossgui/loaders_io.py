"""Readers for the file formats of :mod:`lossgui.loaders`, each failing with one sentence.

These functions only turn bytes into arrays; which array is the input or the
target, and whether their shapes fit, is decided in :mod:`lossgui.loaders`.
No reader executes anything from a file: NumPy headers are checked before any
data is read (object arrays and sizes larger than the file are refused there),
and torch files are read with ``weights_only=True``.
"""

from __future__ import annotations

import importlib.util
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import numpy as np
from numpy.lib import format as npformat

__all__ = [
    "CLASSES_LAST_NAMES",
    "MMAP_THRESHOLD",
    "STREAM_CHUNK",
    "LoadError",
    "NpzArrays",
    "as_numeric",
    "read_classes_last",
    "read_npy",
    "read_npz",
    "read_table",
    "read_torch",
]

#: .npy files at least this large are memory-mapped instead of read (unless spatial, see below).
MMAP_THRESHOLD = 1 << 20
#: Bytes read at a time while a spatial float array is stored with its classes last.
STREAM_CHUNK = 1 << 22
#: Arrays of an .npz read straight into the classes-last layout when spatial (the logits).
CLASSES_LAST_NAMES = ("input", "logits")
_TARGET_NAMES = ("target", "label", "labels", "y")
_NPY_MAGIC = b"\x93NUMPY"
# What a corrupt or truncated file raises from numpy / zipfile / zlib.
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError)


class LoadError(ValueError):
    """A file that cannot be opened; ``str(err)`` is one sentence saying why."""


def as_numeric(array: object, what: str, name: str) -> np.ndarray:
    """``array`` as an ndarray of booleans, integers or floats, else LoadError."""
    arr = np.asarray(array)
    if arr.dtype.hasobject:
        raise LoadError(f"{name}: {what} holds Python objects; pickled data is never loaded")
    if arr.dtype.kind not in "biuf":
        raise LoadError(f"{name}: {what} has dtype {arr.dtype}; it must hold numbers")
    return arr


def _header(fp: IO[bytes], name: str, what: str) -> tuple[tuple[int, ...], np.dtype, int, bool]:
    """Shape, dtype, data size and Fortran order of the .npy stream ``fp`` (at its start)."""
    try:
        if fp.read(6) != _NPY_MAGIC:
            raise LoadError(f"{name}: {what} is not a NumPy array (no .npy header)")
        fp.seek(0)
        version = npformat.read_magic(fp)
        reader = {
            (1, 0): npformat.read_array_header_1_0,
            (2, 0): npformat.read_array_header_2_0,
        }.get(version)
        if reader is None:
            raise LoadError(f"{name}: {what} uses .npy format {version}, which lossgui cannot read")
        shape, fortran, dtype = reader(fp)
    except LoadError:
        raise
    except Exception as err:  # the header is parsed as a Python literal: any failure
        raise LoadError(f"{name}: {what} has a damaged header ({type(err).__name__})") from None
    if dtype.hasobject:
        raise LoadError(
            f"{name}: {what} is an object array (dtype {dtype}); pickled data is never loaded, "
            "save plain numeric arrays"
        )
    if dtype.kind not in "biuf":
        raise LoadError(f"{name}: {what} has dtype {dtype}; it must hold numbers")
    return shape, dtype, int(np.prod(shape, dtype=object)) * dtype.itemsize, bool(fortran)


def _streams_classes_last(shape: tuple[int, ...], dtype: np.dtype, fortran: bool) -> bool:
    """Whether :func:`read_classes_last` reads this array: spatial float data in C order."""
    return len(shape) > 2 and dtype.kind == "f" and not fortran and 0 not in shape


def read_classes_last(
    fp: IO[bytes], shape: tuple[int, ...], dtype: np.dtype, name: str
) -> np.ndarray:
    """Read C-order (N, C, d1, ..., dk) data from ``fp`` into memory stored classes last.

    Reading a whole array and then re-storing it classes last would hold it
    twice; here :data:`STREAM_CHUNK` bytes (a few class planes of one image) are
    read at a time and scattered straight to their place, so the peak is the
    array once. float16 becomes float32; other floats keep their dtype in
    native byte order.

    Returns
    -------
    ndarray, shape ``shape``
        A view of (N, d1, ..., dk, C) contiguous memory, the layout
        :func:`lossgui.loaders.classes_last` produces.
    """
    n, c = shape[0], shape[1]
    span = int(np.prod(shape[2:], dtype=np.int64))
    itemsize = dtype.itemsize
    stored_dtype = np.dtype(np.float32) if itemsize == 2 else dtype.newbyteorder("=")
    stored = np.empty((n, span, c), dtype=stored_dtype)
    plane = span * itemsize
    planes = max(1, min(c, STREAM_CHUNK // max(plane, 1)))
    step = max(1, STREAM_CHUNK // itemsize)  # elements per read when one plane is larger

    def read(count: int) -> np.ndarray:
        data = fp.read(count * itemsize)
        if len(data) != count * itemsize:
            raise LoadError(f"{name} is truncated: its data ends early")
        return np.frombuffer(data, dtype=dtype)

    for i in range(n):
        for c0 in range(0, c, planes):
            c1 = min(c0 + planes, c)
            if plane <= STREAM_CHUNK:
                stored[i, :, c0:c1] = read((c1 - c0) * span).reshape(c1 - c0, span).T
                continue
            for s0 in range(0, span, step):
                s1 = min(s0 + step, span)
                stored[i, s0:s1, c0] = read(s1 - s0)
    return np.moveaxis(stored.reshape(n, *shape[2:], c), -1, 1)


def read_npy(path: Path) -> np.ndarray:
    """The array of a .npy file: memory-mapped read-only when large, else read."""
    size = path.stat().st_size
    with path.open("rb") as fp:
        shape, dtype, nbytes, fortran = _header(fp, path.name, "the file")
        available = size - fp.tell()
        if nbytes > available:
            raise LoadError(
                f"{path.name} is truncated: its header promises shape {shape} "
                f"({nbytes} bytes) but only {available} bytes follow"
            )
        if size >= MMAP_THRESHOLD and _streams_classes_last(shape, dtype, fortran):
            # Spatial logits are re-stored classes last anyway: read them that way
            # once, instead of mapping the file and copying it whole.
            try:
                return read_classes_last(fp, shape, dtype, path.name)
            except MemoryError:
                raise LoadError(f"{path.name} is too large to fit in memory") from None
            except OSError as err:
                raise LoadError(f"{path.name} could not be read ({err})") from None
    try:
        if size >= MMAP_THRESHOLD and nbytes > 0:
            # A read-only map: the Document shares the file's pages, no copy.
            return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
        return np.load(path, allow_pickle=False)
    except MemoryError:
        raise LoadError(f"{path.name} is too large to fit in memory") from None
    except _READ_ERRORS as err:
        raise LoadError(f"{path.name} could not be read ({err})") from None


class NpzArrays(Mapping[str, np.ndarray]):
    """The arrays of an .npz archive by name, each read on first access.

    Only the members asked for are read, so a dump with extra large arrays
    (features, probabilities) costs only the input and target.
    """

    def __init__(self, path: Path, members: dict[str, zipfile.ZipInfo]) -> None:
        # The logits (CLASSES_LAST_NAMES) of a spatial batch are read straight
        # into the classes-last layout (:func:`read_classes_last`).
        self._path = path
        self._members = members
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._cache:
            self._cache[key] = self._read(key)
        return self._cache[key]

    def __contains__(self, key: object) -> bool:
        # Mapping's own __contains__ would read the array to answer.
        return key in self._members

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def _read(self, key: str) -> np.ndarray:
        info = self._members[key]
        what = f"array {key!r}"
        name = self._path.name
        try:
            with zipfile.ZipFile(self._path) as zf, zf.open(info) as fp:
                shape, dtype, nbytes, fortran = _header(fp, name, what)
                header_size = fp.tell()
                if header_size + nbytes > info.file_size:
                    raise LoadError(
                        f"{name}: {what} is truncated: its header promises shape {shape} "
                        f"({nbytes} bytes) but the archive holds {info.file_size - header_size}"
                    )
                if key in CLASSES_LAST_NAMES and _streams_classes_last(shape, dtype, fortran):
                    return read_classes_last(fp, shape, dtype, f"{name}: {what}")
                fp.seek(0)
                # Reads straight into one new array (chunked), no intermediate copy.
                return npformat.read_array(fp, allow_pickle=False)
        except LoadError:
            raise
        except MemoryError:
            raise LoadError(f"{name}: {what} is too large to fit in memory") from None
        except (*_READ_ERRORS, RuntimeError) as err:
            raise LoadError(f"{name}: {what} is damaged or truncated ({err})") from None


def read_npz(path: Path) -> NpzArrays:
    """The arrays of an .npz archive (read lazily, see :class:`NpzArrays`)."""
    with path.open("rb") as fp:
        magic = fp.read(4)
    if magic[:2] != b"PK":
        hint = " (it looks like a pickle, which is never loaded)" if magic[:1] == b"\x80" else ""
        raise LoadError(f"{path.name} is not an .npz archive{hint}")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except _READ_ERRORS as err:
        raise LoadError(f"{path.name} is a damaged or truncated archive ({err})") from None
    members = {i.filename.removesuffix(".npy"): i for i in infos if not i.is_dir()}
    return NpzArrays(path, members)


def read_torch(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .pt / .pth file as NumPy arrays, by name.

    A dict keeps its keys; a tuple or list is named input, target, weight,
    pos_weight in that order; a single tensor is the input.
    """
    if importlib.util.find_spec("torch") is None:
        raise LoadError(
            f"{path.name} is a PyTorch file and reading it needs PyTorch, which is not "
            "installed; install torch or save the arrays with numpy.savez"
        )
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise LoadError(f"{path.name} is too large to fit in memory") from None
    except Exception as err:  # torch raises many types for bad files
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise LoadError(
            f"{path.name} could not be read as tensors with weights_only=True ({first})"
        ) from None
    if isinstance(obj, torch.Tensor):
        items = [("input", obj)]
    elif isinstance(obj, dict):
        items = [(str(k), v) for k, v in obj.items()]
    elif isinstance(obj, (tuple, list)):
        items = list(zip(("input", "target", "weight", "pos_weight"), obj, strict=False))
    else:
        raise LoadError(
            f"{path.name} holds a {type(obj).__name__}; save a dict or tuple of tensors"
        )
    arrays: dict[str, np.ndarray] = {}
    for key, value in items:
        if isinstance(value, torch.Tensor):
            tensor = value.detach().cpu()
            if tensor.dtype in (torch.float16, torch.bfloat16):
                tensor = tensor.float()
            if tensor.is_complex():
                raise LoadError(f"{path.name}: {key} is complex; it must hold real numbers")
            arrays[key] = tensor.numpy()
        elif isinstance(value, (int, float, np.ndarray)) and not isinstance(value, bool):
            arrays[key] = np.asarray(value)
    return arrays


# --------------------------------------------------------------------- tables


def _split(line: str, delimiter: str | None) -> list[str]:
    fields = line.split(delimiter) if delimiter else line.split()
    return [f.strip().strip('"').strip() for f in fields]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _delimiter(line: str) -> str | None:
    for candidate in (",", "\t", ";"):
        if candidate in line:
            return candidate
    return None


def _locate_error(
    name: str, lines: list[tuple[int, str]], delimiter: str | None, columns: list[str]
) -> LoadError | None:
    """The first ragged row or non-number cell, as the sentence a user needs."""
    for row, (lineno, line) in enumerate(lines, start=1):
        fields = _split(line, delimiter)
        if len(fields) != len(columns):
            return LoadError(
                f"{name}: row {row} (line {lineno}) has {len(fields)} values, "
                f"but the table has {len(columns)} columns"
            )
        for col, text in zip(columns, fields, strict=True):
            if not _is_number(text):
                shown = "is empty" if not text else f"holds {text[:40]!r}, which is not a number"
                return LoadError(f"{name}: row {row} (line {lineno}), column {col} {shown}")
    return None


def read_table(path: Path, target_column: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """A numeric text table: (logits (N, C) float64, target column (N,) or None).

    Parameters
    ----------
    path : Path
        Comma, tab, semicolon or whitespace separated; '#' starts a comment line.
    target_column : bool
        Split off the target column (named target / label / labels / y in a
        header, else the last column).
    """
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise LoadError(f"{name} is not UTF-8 text (byte {err.start} is not valid)") from None
    content = [
        (i, line)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not content:
        raise LoadError(f"{name} holds no rows of numbers")
    delimiter = _delimiter(content[0][1])
    first = _split(content[0][1], delimiter)
    has_header = not all(_is_number(f) for f in first)
    if has_header:
        content = content[1:]
        if not content:
            raise LoadError(f"{name} has a header but no rows of numbers")
        columns = [repr(f) if f else f"{j + 1}" for j, f in enumerate(first)]
    else:
        columns = [str(j + 1) for j in range(len(first))]
    if "\x00" in text:
        raise LoadError(f"{name} is not a text table (it holds NUL bytes)")
    try:
        table = np.loadtxt(
            [line for _, line in content],
            delimiter=delimiter,
            quotechar='"',
            dtype=np.float64,
            ndmin=2,
            comments=None,
        )
    except (ValueError, TypeError, OverflowError) as err:
        located = _locate_error(name, content, delimiter, columns)
        raise (located or LoadError(f"{name} could not be read as numbers ({err})")) from None
    if table.shape[1] != len(columns):
        raise LoadError(
            f"{name}: rows have {table.shape[1]} values but the header has {len(columns)} columns"
        )
    if not target_column:
        return table, None
    if has_header:
        lowered = [f.lower() for f in first]
        hits = [j for j, f in enumerate(lowered) if f in _TARGET_NAMES]
        if not hits:
            raise LoadError(
                f"{name}: no target column (named target, label, labels or y) in the header "
                f"{', '.join(columns)}"
            )
        target_at = hits[0]
    else:
        target_at = table.shape[1] - 1
    if table.shape[1] < 2:
        raise LoadError(f"{name} has one column; it needs logits and a target column")
    logits = np.delete(table, target_at, axis=1)
    return logits, table[:, target_at]
