"""The Document: every number and option the user set, frozen.

AppState holds exactly one Document; an edit builds a new one with one of the
``with_*`` methods, which validate and raise :class:`EditError` with a reason
the user can read, so a rejected edit never leaves a half-changed state.
Configurations that are well-formed but that PyTorch rejects (a target out of
range after the class count shrank, BCE on numbers outside [0, 1]) are kept:
evaluating them shows PyTorch's error, as the user would meet it.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from lossgui.core.evaluate import from_grid, to_grid
from lossgui.core.registry import LossSpec, get_spec

__all__ = [
    "DTYPES",
    "MAX_CLASSES",
    "MAX_ROWS",
    "CellChange",
    "Document",
    "EditError",
    "cell_change",
    "parse_number",
]

DTYPES = ("float32", "float64")
MAX_ROWS = 512
MAX_CLASSES = 64


class EditError(ValueError):
    """An edit that was refused; ``str(err)`` says why, in the user's words."""


def parse_number(text: str | float | int, what: str = "value") -> float:
    """Parse a finite number typed by a user; raise EditError saying why not."""
    if isinstance(text, (int, float, np.number)) and not isinstance(text, bool):
        value = float(text)
    else:
        stripped = str(text).strip()
        if not stripped:
            raise EditError(f"{what} is empty: type a number")
        try:
            value = float(stripped)
        except ValueError:
            raise EditError(f"{what}: {stripped!r} is not a number") from None
    if not math.isfinite(value):
        raise EditError(f"{what} must be finite, not {value}")
    return value


def _parse_int(text: str | float | int, what: str) -> int:
    value = parse_number(text, what)
    if value != int(value):
        raise EditError(f"{what} must be a whole number, not {value:g}")
    return int(value)


def _frozen(array: np.ndarray, dtype: np.dtype | type | None = None) -> np.ndarray:
    """A read-only array; one that is already read-only is shared, not copied.

    Sharing is what keeps undo cheap: Documents that differ in one option share
    their (possibly large) arrays.
    """
    array = np.asarray(array, dtype=dtype)
    if array.flags.writeable:
        # order="K" keeps a classes-last batch classes-last, so its grid rows stay a view.
        array = array.copy(order="K")
        array.setflags(write=False)
    return array


@dataclass(frozen=True)
class CellChange:
    """Which elements of one array a cell edit set: the undo stack records only those.

    Attributes
    ----------
    field : {'logits', 'target', 'input2'}
        The array the edit changed; every other field is the base's own object.
    base : weakref.ref
        The Document the edit started from (weak: a Document never keeps its
        predecessor alive, that is the undo stack's choice).
    index : ndarray, int64, shape (k,)
        Sorted, unique flat C-order positions in that array's shape.
    """

    field: str
    base: weakref.ref
    index: np.ndarray


def cell_change(doc: Document) -> CellChange | None:
    """How ``doc`` was made by a cell edit (``with_cell`` ...), or None for any other edit."""
    return doc.__dict__.get("_cell_change")


def _changed(new: Document, base: Document, name: str, index: Any) -> Document:
    """``new`` (a ``replace`` of ``base``'s ``name`` array), noting which elements changed."""
    flat = np.unique(np.asarray(index, dtype=np.int64).reshape(-1))
    # Not a dataclass field: ``replace`` and equality never see it.
    object.__setattr__(new, "_cell_change", CellChange(name, weakref.ref(base), flat))
    return new


def _grid_flat(shape: tuple[int, ...], rows: Any, cols: Any) -> np.ndarray:
    """Flat C-order positions in an (N, C, d1..dk) array of grid cells (rows, cols), int64."""
    rows, cols = np.broadcast_arrays(np.asarray(rows, np.int64), np.asarray(cols, np.int64))
    position = np.unravel_index(rows, (shape[0], *shape[2:]))
    return np.ravel_multi_index((position[0], cols, *position[1:]), shape).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Document:
    """A batch, a loss and its options.

    Attributes
    ----------
    loss : str
        Registry name of the loss.
    logits : ndarray, shape (N, C) or (N, C, d1, ..., dk), float64 or float32 (read-only)
        The grid's numbers, before the input transform (loaded float32 stays float32).
    target : ndarray (read-only)
        'index': int64 (N,) or (N, d1..dk); 'probability' / 'binary': float64 of
        the logits' shape; 'sign': int64 (N,).
    target_kind : {'index', 'probability', 'binary', 'sign'}
    options : mapping
        The loss's keywords (torch names); per-class vectors as tuples.
    transform : {'none', 'log_softmax', 'sigmoid'}
    dtype : {'float32', 'float64'}
    input2 : ndarray, shape (N, C), float64, or None
        Second input of cosine_embedding_loss.
    title : str
        Where the numbers came from (preset or file name).
    expected : float or None
        The value PyTorch gives for a preset, shown beside ours; every edit drops it
        (the edited numbers are no longer the preset's).
    """

    loss: str
    logits: np.ndarray
    target: np.ndarray
    target_kind: str = "index"
    options: Mapping[str, Any] = field(default_factory=dict)
    transform: str = "none"
    dtype: str = "float32"
    input2: np.ndarray | None = None
    title: str = ""
    expected: float | None = None

    def __post_init__(self) -> None:
        # Loaded float32 batches stay float32 (half the memory); typed ones are float64.
        keep = np.asarray(self.logits).dtype in (np.float32, np.float64)
        object.__setattr__(self, "logits", _frozen(self.logits, None if keep else np.float64))
        int_kind = self.target_kind in ("index", "sign")
        target = _frozen(self.target, np.int64 if int_kind else np.float64)
        object.__setattr__(self, "target", target)
        if self.input2 is not None:
            object.__setattr__(self, "input2", _frozen(self.input2, np.float64))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        self._check_structure()

    # ----------------------------------------------------------------- checks
    def _check_structure(self) -> None:
        spec = self.spec
        if self.logits.ndim < 2:
            raise EditError("logits need a batch and a class dimension: shape (N, C)")
        if self.target_kind not in spec.target_kinds:
            raise EditError(f"{spec.label} does not take {self.target_kind} targets")
        if self.transform not in spec.transforms:
            raise EditError(f"{spec.label} does not offer the input transform {self.transform!r}")
        if self.dtype not in DTYPES:
            raise EditError(f"dtype must be float32 or float64, not {self.dtype!r}")
        if self.logits.ndim > 2 and not spec.spatial:
            raise EditError(f"{spec.label} takes (N, C) inputs; this batch is {self.logits.shape}")
        expected = self.target_shape()
        if self.target.shape != expected:
            raise EditError(f"target shape {self.target.shape} does not fit {expected}")
        if self.target_kind == "sign" and (
            self.input2 is None or self.input2.shape != self.logits.shape
        ):
            raise EditError("cosine_embedding_loss needs a second input of the first's shape")

    def target_shape(self) -> tuple[int, ...]:
        """The target shape this Document's target kind needs."""
        if self.target_kind == "index":
            return (self.logits.shape[0], *self.logits.shape[2:])
        if self.target_kind == "sign":
            return (self.logits.shape[0],)
        return self.logits.shape

    # ------------------------------------------------------------- properties
    @property
    def spec(self) -> LossSpec:
        """The registry entry of :attr:`loss`."""
        return get_spec(self.loss)

    @property
    def rows(self) -> int:
        """P, the number of grid rows (positions)."""
        return math.prod(self.logits.shape) // self.classes  # plain ints: asked often

    @property
    def classes(self) -> int:
        """C, the number of classes (grid columns)."""
        return int(self.logits.shape[1])

    def option(self, name: str) -> Any:
        """The value of option ``name`` (the loss's default when unset)."""
        return self.options.get(name, self.spec.defaults.get(name))

    def grid_logits(self) -> np.ndarray:
        """The logits as (P, C) grid rows (a read-only view or copy)."""
        return to_grid(self.logits)

    def grid_target(self) -> np.ndarray:
        """Targets per grid row: (P,) for index / sign, (P, C) otherwise."""
        if self.target_kind in ("index", "sign"):
            return self.target.reshape(-1)
        return to_grid(self.target)

    def row_label(self, row: int) -> str:
        """How row ``row`` is named: "3" for (N, C), "n=0 (1, 2)" for K-dim inputs."""
        if self.logits.ndim == 2:
            return str(row)
        spatial = self.logits.shape[2:]
        index = np.unravel_index(row, (self.logits.shape[0], *spatial))
        return f"n={index[0]} {tuple(int(i) for i in index[1:])}"

    # ------------------------------------------------------------------ edits
    def edited(self, **changes: Any) -> Document:
        """This Document with ``changes`` (fields): an edit, so without the preset's ``expected``.

        Every edit makes its Document here, in this module and in document_convert.
        """
        return replace(self, expected=None, **changes)

    def with_cell(self, row: int, col: int, value: str | float) -> Document:
        """Set logit (row, col) of the grid; EditError if the value is refused."""
        number = parse_number(value, f"logit ({row}, {col})")
        if self.loss == "binary_cross_entropy" and self.transform == "none":
            if not 0.0 <= number <= 1.0:
                raise EditError(
                    f"BCELoss takes probabilities in [0, 1]; {number:g} is not "
                    "(choose 'Sigmoid first' to type logits)"
                )
        new = self.edited(logits=_with_grid_cell(self.logits, row, col, number))
        cell = _grid_flat(self.logits.shape, row % self.rows, col % self.classes)
        return _changed(new, self, "logits", cell)

    def with_cells(self, top: int, left: int, block: np.ndarray) -> Document:
        """Paste a (rows, cols) block of logits at (top, left), clipped to the grid."""
        block = np.asarray(block, dtype=np.float64)
        if block.ndim != 2 or block.size == 0:
            raise EditError("paste a rectangular block of numbers")
        if not np.all(np.isfinite(block)):
            raise EditError("pasted numbers must be finite")
        grid = np.array(self.grid_logits())
        rows = min(block.shape[0], grid.shape[0] - top)
        cols = min(block.shape[1], grid.shape[1] - left)
        grid[top : top + rows, left : left + cols] = block[:rows, :cols]
        new = self.edited(logits=from_grid(grid, self.logits.shape))
        if top < 0 or left < 0 or rows <= 0 or cols <= 0:
            return new  # an odd slice: no cell record, the undo stack keeps both Documents
        cells = np.ix_(np.arange(top, top + rows), np.arange(left, left + cols))
        return _changed(new, self, "logits", _grid_flat(self.logits.shape, *cells))

    def with_target(self, row: int, value: str | float, col: int | None = None) -> Document:
        """Set the target of grid row ``row`` (cell ``col`` for per-cell targets)."""
        if self.target_kind == "index":
            index = _parse_int(value, f"target of row {row}")
            has_ignore = "ignore_index" in self.spec.defaults
            ignore = int(self.option("ignore_index")) if has_ignore else None
            if not (0 <= index < self.classes or index == ignore):
                also = f", or ignore_index {ignore}" if has_ignore else ""
                raise EditError(
                    f"target {index} is out of range: classes are 0..{self.classes - 1}{also}"
                )
            flat = np.array(self.target).reshape(-1)
            flat[row] = index
            new = self.edited(target=flat.reshape(self.target.shape))
            return _changed(new, self, "target", row % flat.size)
        if self.target_kind == "sign":
            flat = np.array(self.target)
            flat[row] = _parse_int(value, f"target of row {row}")
            return _changed(self.edited(target=flat), self, "target", row % flat.size)
        if col is None:
            raise EditError("this target is a row of numbers: edit one cell")
        number = parse_number(value, f"target ({row}, {col})")
        grid = np.array(self.grid_target())
        grid[row, col] = number
        new = self.edited(target=from_grid(grid, self.target.shape))
        cell = _grid_flat(self.target.shape, row % grid.shape[0], col % grid.shape[1])
        return _changed(new, self, "target", cell)

    def with_targets(self, rows: np.ndarray, value: int) -> Document:
        """Set the class-index target of every grid row in ``rows`` to ``value`` (a brush stroke).

        ``value`` must be a class 0..C-1 or the loss's ignore_index; rows are
        grid rows (flat positions), repeated rows are fine.
        """
        if self.target_kind != "index":
            raise EditError("painting needs class-index targets")
        what = "painted target"
        index = _parse_int(value, what)
        has_ignore = "ignore_index" in self.spec.defaults
        ignore = int(self.option("ignore_index")) if has_ignore else None
        if not (0 <= index < self.classes or index == ignore):
            raise EditError(
                f"{what} {index} is out of range: classes are 0..{self.classes - 1}"
                + (f", or ignore_index {ignore}" if has_ignore else "")
            )
        picked = np.asarray(rows, dtype=np.int64).reshape(-1)
        if picked.size and (picked.min() < 0 or picked.max() >= self.rows):
            raise EditError(f"painted rows must be between 0 and {self.rows - 1}")
        flat = np.array(self.target).reshape(-1)
        flat[picked] = index
        new = self.edited(target=flat.reshape(self.target.shape))
        return _changed(new, self, "target", picked)

    def with_input2(self, row: int, col: int, value: str | float) -> Document:
        """Set cell (row, col) of cosine's second input."""
        if self.input2 is None:
            raise EditError("only cosine_embedding_loss has a second input")
        number = parse_number(value, f"input2 ({row}, {col})")
        other = np.array(self.input2)
        other[row, col] = number
        cell = np.ravel_multi_index((row % other.shape[0], col % other.shape[1]), other.shape)
        return _changed(self.edited(input2=other), self, "input2", cell)

    def with_option(self, name: str, value: Any) -> Document:
        """Set a loss option, checked against the option's kind and bounds."""
        spec = self.spec
        try:
            opt = spec.option(name)
        except KeyError as err:
            raise EditError(str(err.args[0])) from None
        checked = _check_option(opt, value, self.classes)
        return self.edited(options={**self.options, name: checked})

    def with_dtype(self, dtype: str) -> Document:
        """Compute in float32 or float64."""
        if dtype not in DTYPES:
            raise EditError(f"dtype must be float32 or float64, not {dtype!r}")
        return self.edited(dtype=dtype)

    def with_transform(self, transform: str) -> Document:
        """Choose what is applied to the grid before the loss."""
        if transform not in self.spec.transforms:
            raise EditError(f"{self.spec.label} offers {', '.join(self.spec.transforms)}")
        return self.edited(transform=transform)

    def with_loss(self, loss: str, target_kind: str | None = None) -> Document:
        """Switch loss, converting the target and carrying compatible options."""
        from lossgui.document_convert import switch_loss

        return switch_loss(self, loss, target_kind)

    def with_shape(self, rows: int, classes: int) -> Document:
        """Resize a 2-D batch to (rows, classes), keeping the overlapping values."""
        from lossgui.document_convert import resize

        return resize(self, rows, classes)


def _with_grid_cell(array: np.ndarray, row: int, col: int, number: float) -> np.ndarray:
    """A read-only copy of ``array`` with grid cell (row, col) set: one copy, same layout.

    A large batch is copied once (in its own memory order, so a classes-last
    batch stays classes last) instead of through a (P, C) grid copy and back.
    """
    rows = array.shape[0] * int(np.prod(array.shape[2:], dtype=np.int64))
    if not (-rows <= row < rows and -array.shape[1] <= col < array.shape[1]):
        raise EditError(f"cell ({row}, {col}) is outside the {rows} × {array.shape[1]} grid")
    position = np.unravel_index(row % rows, (array.shape[0], *array.shape[2:]))
    copy = array.copy(order="K")
    copy[(position[0], col % array.shape[1], *position[1:])] = number
    copy.setflags(write=False)
    return copy


def _check_option(opt: Any, value: Any, classes: int) -> Any:
    """Validate one option value; return it in the form the Document stores."""
    what = opt.label
    if opt.kind == "class_vector":
        if value is None:
            return None
        try:
            vector = tuple(parse_number(v, what) for v in value)
        except TypeError:
            raise EditError(f"{what} must be a list of {classes} numbers") from None
        if len(vector) != classes:
            raise EditError(f"{what} needs {classes} numbers (one per class), got {len(vector)}")
        if opt.minimum is not None and min(vector) < opt.minimum:
            raise EditError(f"{what} must not be negative")
        return vector
    if opt.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise EditError(f"{what} is on or off")
        return bool(value)
    if opt.kind == "choice":
        if value not in opt.choices:
            raise EditError(f"{what} must be one of {', '.join(opt.choices)}, not {value!r}")
        return value
    number = _parse_int(value, what) if opt.kind == "int" else parse_number(value, what)
    if opt.minimum is not None and number < opt.minimum:
        raise EditError(f"{what} must be at least {opt.minimum:g}, not {number:g}")
    if opt.maximum is not None and number > opt.maximum:
        raise EditError(f"{what} must be at most {opt.maximum:g}, not {number:g}")
    return number
