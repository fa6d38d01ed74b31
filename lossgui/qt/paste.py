"""Parse pasted text into a block of numbers, without ``eval``.

Users paste from two places: a spreadsheet (rows on lines, cells separated by
tabs, commas, semicolons or spaces) and a Python console, where NumPy and
PyTorch print nested lists such as ``tensor([[ 0.1, -2.0]], grad_fn=<...>)`` or
``array([[1., 2.], [3., 4.]], dtype=float32)``. Both become a 2-D float array;
anything else is refused with a reason the user can act on.
"""

from __future__ import annotations

import math
import re

import numpy as np

from lossgui.document import EditError

__all__ = ["format_block", "parse_block"]

# Numbers as Python, NumPy and PyTorch print them (incl. "1.", ".5", "1e-3", "nan", "inf").
_NUMBER = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)"
_TOKEN = re.compile(rf"\s*(?:(\[)|(\])|(,)|({_NUMBER})(?![\w.])|([^\s\[\],]+))", re.IGNORECASE)
_CELL_SPLIT = re.compile(r"\t|;|,|\s+")
_MAX_CELLS = 1_000_000


def _bracket_span(text: str) -> str:
    """The outermost ``[...]`` of a printed array, dropping ``tensor(`` and ``dtype=`` parts."""
    start = text.find("[")
    depth = 0
    for pos in range(start, len(text)):
        if text[pos] == "[":
            depth += 1
        elif text[pos] == "]":
            depth -= 1
            if depth == 0:
                return text[start : pos + 1]
    raise EditError("the pasted list has an unclosed '['")


def _parse_nested(text: str) -> object:
    """Parse a nested bracket list of numbers into Python lists of floats."""
    stack: list[list[object]] = [[]]
    after_separator = True  # just after '[' or ',': a second ',' would be an empty entry
    for match in _TOKEN.finditer(text):
        opened, closed, comma, number, junk = match.groups()
        if junk is not None:
            raise EditError(f"{junk[:20]!r} in the pasted list is not a number")
        if opened:
            child: list[object] = []
            stack[-1].append(child)
            stack.append(child)
            after_separator = True
        elif closed:
            if len(stack) == 1:
                raise EditError("the pasted list has an extra ']'")
            stack.pop()
            after_separator = False
        elif comma:
            if after_separator:
                raise EditError("the pasted list has an empty entry (',,')")
            after_separator = True
        else:
            # NumPy's str() separates with spaces only, so a value may follow a value.
            stack[-1].append(float(number))
            after_separator = False
    if len(stack) != 1 or len(stack[0]) != 1:
        raise EditError("paste one list of numbers")
    return stack[0][0]


def _to_block(nested: object) -> np.ndarray:
    """Nested lists -> rectangular 2-D array (a flat list is one row)."""
    if not isinstance(nested, list):
        return np.array([[nested]], dtype=np.float64)
    if all(not isinstance(item, list) for item in nested):
        rows: list[list[object]] = [nested]
    else:
        rows = nested
    width = None
    for r, row in enumerate(rows):
        if not isinstance(row, list):
            raise EditError("mixed numbers and lists: paste a rectangular (rows × columns) list")
        if any(isinstance(item, list) for item in row):
            raise EditError("the pasted list is more than 2-D: paste rows of numbers")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise EditError(f"row {r} has {len(row)} numbers, row 0 has {width}: not rectangular")
    return np.array(rows, dtype=np.float64)


def _parse_table(text: str) -> np.ndarray:
    """Spreadsheet text: one row per line, cells split by tab, comma, semicolon or spaces."""
    rows: list[list[float]] = []
    for line in text.splitlines():
        cells = [cell for cell in _CELL_SPLIT.split(line.strip()) if cell]
        if not cells:
            continue
        row = []
        for c, cell in enumerate(cells):
            try:
                row.append(float(cell))
            except ValueError:
                raise EditError(
                    f"row {len(rows)}, column {c}: {cell[:20]!r} is not a number"
                ) from None
        if rows and len(row) != len(rows[0]):
            raise EditError(
                f"row {len(rows)} has {len(row)} numbers, row 0 has {len(rows[0])}: not rectangular"
            )
        rows.append(row)
    if not rows:
        raise EditError("the clipboard holds no numbers")
    return np.array(rows, dtype=np.float64)


def parse_block(text: str) -> np.ndarray:
    """Parse pasted text into a (rows, cols) float64 block.

    Parameters
    ----------
    text : str
        Spreadsheet cells, or a printed list / NumPy array / PyTorch tensor.

    Returns
    -------
    ndarray, shape (rows, cols), float64
        A 1-D list becomes one row; a single number a 1 × 1 block.

    Raises
    ------
    EditError
        With the reason: not a number, ragged rows, more than 2-D, not finite.
    """
    if len(text) > 40 * _MAX_CELLS:
        raise EditError("the clipboard is too large to paste into the grid")
    stripped = text.strip()
    if not stripped:
        raise EditError("the clipboard is empty")
    block = (
        _to_block(_parse_nested(_bracket_span(stripped)))
        if "[" in stripped
        else (_parse_table(stripped))
    )
    if block.size == 0:
        raise EditError("the pasted list is empty")
    bad = ~np.isfinite(block)
    if bad.any():
        r, c = (int(i) for i in np.argwhere(bad)[0])
        raise EditError(f"pasted value at row {r}, column {c} is {block[r, c]}: not finite")
    return block


def format_block(rows: list[list[float | int | str | None]]) -> str:
    """Tab-separated text of a block, full precision, for the clipboard.

    None becomes an empty cell; floats use the shortest repr that round-trips.
    """

    def cell(value: float | int | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else str(value)
        return str(value)

    return "\n".join("\t".join(cell(v) for v in row) for row in rows)
