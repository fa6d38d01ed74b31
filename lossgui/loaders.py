"""Open real model outputs: NumPy, CSV and PyTorch files -> a Document.

Formats
-------
``.npz``
    Arrays ``input`` (or ``logits``) and ``target`` (or ``targets`` / ``labels``),
    optionally ``weight`` and ``pos_weight`` (one per class).
``.npy``
    The logits alone; the target comes from ``target_path`` (.npy, .csv or .txt).
``.csv`` / ``.tsv`` / ``.txt``
    One row per sample, one column per class and a target column: with a header
    it is the column named target / label / labels / y, without one the last.
    With ``target_path`` given, every column is a logit.
``.pt`` / ``.pth``
    A dict (same names as .npz) or a tuple / list ``(input, target[, weight])``
    of tensors, read with ``torch.load(weights_only=True)`` when torch is installed.

Nothing in a file is ever executed: NumPy files are read with
``allow_pickle=False`` (object arrays are refused before any byte of data is
read) and torch files with ``weights_only=True``. Large ``.npy`` files of
(N, C) logits are memory-mapped read-only, so they share the file's pages
instead of being copied; ``.npz`` members are read once into fresh arrays that
the Document then shares (marked read-only, no second copy). Spatial logits
(N, C, d1, ..., dk) are stored with the class axis last in memory
(:func:`classes_last`), so the grid's rows are a view for every panel; from
.npy and .npz files they are read straight into that layout, a few megabytes
at a time, so the batch is never held twice. Every problem is one sentence in
a :class:`LoadError`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lossgui.loaders_io import (
    MMAP_THRESHOLD,
    LoadError,
    as_numeric,
    read_npy,
    read_npz,
    read_table,
    read_torch,
)

__all__ = [
    "MMAP_THRESHOLD",
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "LoadedArrays",
    "classes_last",
    "load_arrays",
    "load_document",
]

SUPPORTED_SUFFIXES = (".npz", ".npy", ".csv", ".tsv", ".txt", ".pt", ".pth")
_TABLE = (".csv", ".tsv", ".txt")
_INPUT_KEYS = ("input", "logits")
_TARGET_KEYS = ("target", "targets", "labels")
# Out-of-range targets equal to one of these are taken as "ignore" marks
# (255: VOC/Cityscapes void pixels; -1: a common "no label").
_CONVENTIONAL_IGNORE = (255, -1)


@dataclass(frozen=True, eq=False)
class LoadedArrays:
    """The arrays of a file, checked against each other, before a loss is chosen.

    Attributes
    ----------
    logits : ndarray, shape (N, C) or (N, C, d1, ..., dk), float32 or float64 (read-only)
    target : ndarray (read-only)
        int64 class indices (N,) / (N, d1, ..., dk), or float of the logits' shape.
    weight, pos_weight : ndarray, shape (C,), or None
    source : str
        Where the arrays came from, e.g. ``"batch.npz (input, target)"``.
    """

    logits: np.ndarray
    target: np.ndarray
    weight: np.ndarray | None
    pos_weight: np.ndarray | None
    source: str

    @property
    def index_target(self) -> bool:
        """True for class-index targets, False for per-cell (float) targets."""
        return self.target.dtype.kind in "iu"


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise LoadError(f"{what} {path} does not exist")
    if path.is_dir():
        raise LoadError(f"{what} {path} is a folder, not a file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise LoadError(
            f"{path.name}: unknown file type {path.suffix or '(no extension)'!r}; "
            f"lossgui opens {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise LoadError(f"{path.name} is empty (0 bytes)")


def _pick(arrays: dict[str, np.ndarray], names: tuple[str, ...], what: str, path: Path):
    for name in names:
        if name in arrays:
            return name, arrays[name]
    found = ", ".join(sorted(arrays)) or "none"
    wanted = " or ".join(repr(n) for n in names)
    raise LoadError(f"{path.name} has no {what} array (named {wanted}); arrays found: {found}")


def _read_named(path: Path, needs_target: bool) -> tuple[dict[str, np.ndarray], str]:
    """The named arrays of an .npz or .pt file."""
    if path.suffix.lower() == ".npz":
        arrays = read_npz(path)
    else:
        arrays = read_torch(path)
    in_name, _ = _pick(arrays, _INPUT_KEYS, "input", path)
    names = [in_name]
    if needs_target:
        names.append(_pick(arrays, _TARGET_KEYS, "target", path)[0])
    return arrays, f"{path.name} ({', '.join(names)})"


def _read_target(path: Path) -> np.ndarray:
    if path.suffix.lower() == ".npy":
        return read_npy(path)
    if path.suffix.lower() in _TABLE:
        table, _ = read_table(path, target_column=False)
        return table[:, 0] if table.shape[1] == 1 else table
    # Only the target array is read (a target file needs no input array).
    arrays = read_npz(path) if path.suffix.lower() == ".npz" else read_torch(path)
    return _pick(arrays, _TARGET_KEYS, "target", path)[1]


def load_arrays(path: str | Path, target_path: str | Path | None = None) -> LoadedArrays:
    """Read the logits, target and optional class weights of a file.

    Parameters
    ----------
    path : str or Path
        The logits file (see the module docstring for the formats).
    target_path : str or Path, optional
        A separate target file (.npy, .csv, .txt, or an .npz / .pt with a target
        array); it takes precedence over a target inside ``path``.

    Returns
    -------
    LoadedArrays
        Shapes checked against each other, logits finite.

    Raises
    ------
    LoadError
        One sentence saying what is wrong with which file.
    """
    path = Path(path)
    _check_file(path, "File")
    tpath = None if target_path is None else Path(target_path)
    if tpath is not None:
        _check_file(tpath, "Target file")
    suffix = path.suffix.lower()
    weight = pos_weight = None
    if suffix in (".npz", ".pt", ".pth"):
        arrays, source = _read_named(path, needs_target=tpath is None)
        logits = _pick(arrays, _INPUT_KEYS, "input", path)[1]
        target = None if tpath is not None else _pick(arrays, _TARGET_KEYS, "target", path)[1]
        weight, pos_weight = arrays.get("weight"), arrays.get("pos_weight")
    elif suffix == ".npy":
        if tpath is None:
            raise LoadError(
                f"{path.name} holds only the logits; give the targets too "
                "(a .npy, .csv or .txt file, e.g. --target labels.npy)"
            )
        logits, target, source = read_npy(path), None, path.name
    else:
        table, target = read_table(path, target_column=tpath is None)
        logits, source = table, path.name
    if tpath is not None:
        target = _read_target(tpath)
        source = f"{source} + {tpath.name}"
    assert target is not None
    logits = _check_logits(as_numeric(logits, "input", path.name), path.name)
    target = _check_target(as_numeric(target, "target", path.name), logits, source)
    if target.dtype.kind == "f" and logits.ndim == 1:
        logits, target = logits.reshape(-1, 1), target.reshape(-1, 1)
    C = logits.shape[1]
    return LoadedArrays(
        _readonly(logits),
        _readonly(target),
        _class_vector(weight, "weight", C, path.name),
        _class_vector(pos_weight, "pos_weight", C, path.name),
        source,
    )


def _readonly(array: np.ndarray) -> np.ndarray:
    # The Document shares read-only arrays instead of copying them.
    if array.flags.writeable:
        array.setflags(write=False)
    return array


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _check_logits(logits: np.ndarray, name: str) -> np.ndarray:
    if logits.dtype.kind == "b":
        raise LoadError(f"{name}: the input is boolean; logits must be numbers")
    if logits.dtype == np.float16:
        logits = logits.astype(np.float32)
    elif logits.dtype.kind != "f":
        logits = logits.astype(np.float64)
    if logits.ndim == 0 or logits.size == 0:
        raise LoadError(f"{name}: the input has shape {logits.shape}; it needs samples and classes")
    # A float64 sum of the whole array is finite exactly when every element is
    # (float32 values cannot overflow it), and it streams without a mask copy.
    total = np.sum(logits, dtype=np.float64)
    if not np.isfinite(total):
        bad = ~np.isfinite(logits)
        if bad.any():
            raise LoadError(
                f"{name}: {int(bad.sum())} logits are not finite (NaN or infinity), "
                f"the first at position {_first(bad)}"
            )
    return logits


def _check_target(target: np.ndarray, logits: np.ndarray, source: str) -> np.ndarray:
    """Target dtype and shape against the logits; integral float labels become int64."""
    try:
        return _fit_target(target, logits)
    except LoadError as err:
        raise LoadError(f"{source}: {err}") from None


def _fit_target(target: np.ndarray, logits: np.ndarray) -> np.ndarray:
    index_shape = (logits.shape[0], *logits.shape[2:])
    if target.dtype.kind == "b":
        target = target.astype(np.float64)
    if target.dtype.kind in "iu":
        if target.shape == (logits.shape[0], 1) and logits.ndim == 2:
            target = target.reshape(-1)
        if target.shape != index_shape or logits.ndim < 2:
            raise LoadError(
                f"class-index targets of shape {target.shape} do not fit logits of shape "
                f"{logits.shape} (expected target shape {index_shape})"
            )
        if target.dtype.kind == "u" and target.dtype.itemsize == 8 and target.size:
            if int(target.max()) > np.iinfo(np.int64).max:
                raise LoadError("target holds class indices too large for int64")
        return target.astype(np.int64, copy=False)
    if target.dtype.kind != "f":
        raise LoadError(f"target of dtype {target.dtype} is neither integer nor float")
    if target.shape == logits.shape:
        if not np.isfinite(np.sum(target, dtype=np.float64)):
            bad = ~np.isfinite(target)
            raise LoadError(
                f"{int(bad.sum())} targets are not finite (NaN or infinity), "
                f"the first at position {_first(bad)}"
            )
        return target
    squeezed = target.reshape(-1) if target.shape == (logits.shape[0], 1) else target
    if squeezed.shape == index_shape and logits.ndim >= 2:
        whole = np.isfinite(squeezed) & (squeezed == np.round(squeezed))
        whole &= np.abs(squeezed) < 2.0**62
        if not whole.all():
            where = _first(~whole)
            raise LoadError(
                f"target of shape {target.shape} gives one class index per sample, but "
                f"{squeezed[where]!r} at position {where} is not a whole number"
            )
        return squeezed.astype(np.int64)
    raise LoadError(
        f"target shape {target.shape} does not fit logits of shape {logits.shape}: give one "
        f"class index per sample {index_shape} or one value per logit {logits.shape}"
    )


def _class_vector(values: np.ndarray | None, what: str, classes: int, name: str):
    if values is None:
        return None
    vec = as_numeric(values, what, name)
    if vec.dtype.kind not in "iuf" or vec.shape != (classes,):
        raise LoadError(
            f"{name}: {what} has shape {vec.shape} (dtype {vec.dtype}); it needs one number "
            f"per class, shape ({classes},)"
        )
    vec = vec.astype(np.float64)
    if not np.all(np.isfinite(vec)) or np.any(vec < 0):
        raise LoadError(f"{name}: {what} must be finite and not negative")
    return _readonly(vec)


def _choose_loss(arrays: LoadedArrays, loss: str | None) -> tuple[str, str]:
    """(loss, target_kind) for the arrays; the requested loss must fit them."""
    from lossgui.core.registry import get_spec

    if loss is None:
        if arrays.index_target:
            loss = "cross_entropy"
        elif arrays.pos_weight is None and _rows_are_distributions(arrays.target):
            loss = "cross_entropy"
        else:
            loss = "binary_cross_entropy_with_logits"
    try:
        spec = get_spec(loss)
    except ValueError as err:
        raise LoadError(str(err)) from None
    wanted = ("index",) if arrays.index_target else ("probability", "binary")
    kinds = [k for k in spec.target_kinds if k in wanted]
    if not kinds:
        form = "class-index" if arrays.index_target else "per-logit float"
        raise LoadError(
            f"{spec.label} takes {', '.join(spec.target_kinds)} targets, "
            f"but the file's target is {form} (shape {arrays.target.shape})"
        )
    if arrays.logits.ndim > 2 and not spec.spatial:
        raise LoadError(f"{spec.label} takes (N, C) inputs; this batch is {arrays.logits.shape}")
    return loss, kinds[0]


def _rows_are_distributions(target: np.ndarray) -> bool:
    if target.ndim < 2 or target.shape[1] < 2 or target.min() < 0:
        return False
    return bool(np.allclose(target.sum(axis=1), 1.0, atol=1e-3))


def _ignore_index(
    target: np.ndarray, classes: int, requested: int | None, takes: bool, name: str
) -> int:
    """The ignore_index to use, or LoadError for a target out of range."""
    ignore = -100 if requested is None else int(requested)
    if target.size == 0:
        return ignore
    lo, hi = int(target.min()), int(target.max())
    if 0 <= lo and hi < classes:
        return ignore
    out = ((target < 0) | (target >= classes)) & (target != ignore if takes else True)
    if not out.any():
        return ignore
    values = np.unique(target[out])
    if takes and requested is None and len(values) == 1 and int(values[0]) in _CONVENTIONAL_IGNORE:
        return int(values[0])
    where = _first(out)
    hint = (
        f"; if {int(target[where])} marks samples to skip, set ignore_index to it"
        if takes
        else " (this loss has no ignore_index)"
    )
    raise LoadError(
        f"{name}: target {int(target[where])} at position {where} is out of range: "
        f"classes are 0..{classes - 1}{hint}"
    )


def load_document(
    path: str | Path,
    target_path: str | Path | None = None,
    *,
    loss: str | None = None,
    ignore_index: int | None = None,
):
    """Open a file as a :class:`~lossgui.document.Document` titled with its name.

    Parameters
    ----------
    path, target_path : str or Path
        As for :func:`load_arrays`.
    loss : str, optional
        A registry name; by default cross_entropy for class-index targets and
        for float targets whose rows are distributions, else BCE with logits.
    ignore_index : int, optional
        Targets equal to it are skipped. By default -100, or 255 / -1 when
        that single value is the only target outside 0..C-1 (a void label).

    Raises
    ------
    LoadError
    """
    from lossgui.document import Document, EditError

    arrays = load_arrays(path, target_path)
    loss, kind = _choose_loss(arrays, loss)
    from lossgui.core.registry import get_spec

    spec = get_spec(loss)
    options: dict[str, object] = {}
    if kind == "index":
        takes = "ignore_index" in spec.defaults
        chosen = _ignore_index(
            arrays.target, arrays.logits.shape[1], ignore_index, takes, arrays.source
        )
        if takes and chosen != -100:
            options["ignore_index"] = chosen
    for name, vec in (("weight", arrays.weight), ("pos_weight", arrays.pos_weight)):
        if vec is None:
            continue
        if name not in spec.defaults:
            raise LoadError(f"{Path(path).name} has a {name}, which {spec.label} does not take")
        options[name] = tuple(float(v) for v in vec)
    try:
        return Document(
            loss=loss,
            logits=classes_last(arrays.logits),
            target=arrays.target,
            target_kind=kind,
            options=options,
            transform=spec.transforms[0],
            dtype="float64" if arrays.logits.dtype == np.float64 else "float32",
            title=Path(path).name,
        )
    except EditError as err:
        raise LoadError(f"{Path(path).name}: {err}") from None


def classes_last(logits: np.ndarray) -> np.ndarray:
    """``logits`` (N, C, d1, ..., dk) stored with the class axis last in memory, read-only.

    The values and the shape are unchanged; only the memory order differs, so
    that the grid's (P, C) rows (``to_grid``) are a view instead of a copy of
    the whole batch, which every panel asks for. (N, C) arrays are returned as
    they are.
    """
    if logits.ndim <= 2:
        return logits
    if np.moveaxis(logits, 1, -1).flags.c_contiguous:
        return _readonly(logits)  # read that way already (see loaders_io.read_classes_last)
    stored = np.ascontiguousarray(np.moveaxis(logits, 1, -1))
    stored.setflags(write=False)
    return np.moveaxis(stored, -1, 1)


def torch_available() -> bool:
    """Whether .pt files can be opened (PyTorch is installed)."""
    return importlib.util.find_spec("torch") is not None
