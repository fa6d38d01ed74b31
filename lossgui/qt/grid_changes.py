"""Which grid cells an edit changed, so the view repaints those and not the whole table.

Typing a number changes one logit, the computed columns and (with gradient
colouring) every logit's colour. Announcing the whole table as changed makes
the view repaint every visible cell, each through the Python model, on every
keystroke or drag step; :func:`changed_blocks` names the few rectangles that
can look different instead, and falls back to "everything" whenever the
change is not a plain edit of numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lossgui.core.evaluate import Evaluation
from lossgui.document import Document
from lossgui.qt.grid_columns import Layout, share_text

__all__ = ["TEXT_COMPARE_ROWS", "Block", "changed_blocks", "differs", "texts_differ"]

#: (first row, first column, last row, last column) of a block of model cells, inclusive.
Block = tuple[int, int, int, int]

# More changed cells than this are announced as their bounding box.
_MAX_CELLS = 32


def differs(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Elementwise "not the same value" (NaN equals NaN), shape of the inputs."""
    diff = np.asarray(old != new)
    if np.issubdtype(np.asarray(new).dtype, np.floating):
        diff &= ~(np.isnan(old) & np.isnan(new))
    return diff


#: Up to this many rows a column is compared as shown (its text); above, by value:
#: formatting is Python work for every row, while a repaint touches only rows on screen.
TEXT_COMPARE_ROWS = 256


def texts_differ(
    old: np.ndarray, new: np.ndarray, text: Callable[[float], str]
) -> np.ndarray:
    """Which of (P,) values show another ``text`` (by value when P > TEXT_COMPARE_ROWS).

    A share moves with the sum on every edit, but mostly by less than the digits
    shown (a drag step): only the rows whose text changes need a repaint.
    """
    if new.shape[0] > TEXT_COMPARE_ROWS:
        return differs(old, new)
    pairs = zip(old.tolist(), new.tolist(), strict=True)
    return np.array([text(a) != text(b) for a, b in pairs], dtype=bool)


def _cell_blocks(mask: np.ndarray, columns: list[int]) -> list[Block]:
    """Blocks covering the True cells of a (P, C) ``mask``; class c is model column columns[c]."""
    rows, classes = np.nonzero(mask)
    if rows.size == 0:
        return []
    if rows.size > _MAX_CELLS:
        cols = [columns[c] for c in classes.tolist()]
        return [(int(rows.min()), min(cols), int(rows.max()), max(cols))]
    pairs = zip(rows.tolist(), classes.tolist(), strict=True)
    return [(r, columns[c], r, columns[c]) for r, c in pairs]


#: Above this many logits, finding the changed cells is dearer than a full repaint.
_COMPARE_LIMIT = 1 << 20


def _computed_blocks(
    layout: Layout, old: Evaluation | None, new: Evaluation | None
) -> list[Block]:
    """Blocks of the computed columns whose values differ between two evaluations.

    A logit edit changes its own row's p(target) and loss, but (for a sum or
    mean) every row's share: one row of two columns and one whole column, not
    the whole block. Without both evaluations every computed cell is named.
    """
    computed = [col for col, column in enumerate(layout.columns) if column.computed]
    if not computed:
        return []
    last_row = layout.rows - 1
    if old is None or new is None:
        return [(0, min(computed), last_row, max(computed))]
    blocks: list[Block] = []
    for col in computed:
        kind = layout.columns[col].kind
        name = {"target_prob": "target_prob", "loss": "row_loss"}.get(kind, "row_share")
        before, after = getattr(old, name), getattr(new, name)
        if before is None or after is None or before.shape != after.shape:
            blocks.append((0, col, last_row, col))
            continue
        if kind == "share":
            changed = texts_differ(before, after, share_text)
        else:
            changed = differs(before, after)
        blocks += _cell_blocks(changed[:, None], [col])
    return blocks


def changed_blocks(
    old: Document | None,
    new: Document,
    layout: Layout,
    *,
    colouring: bool,
    old_evaluation: Evaluation | None = None,
    new_evaluation: Evaluation | None = None,
) -> list[Block] | None:
    """The blocks of model cells that may look different after ``old`` became ``new``.

    Parameters
    ----------
    old, new : Document
        The Document the view last showed and the current one; both fit ``layout``.
    layout : Layout
        The grid's columns (the same for both Documents).
    colouring : bool
        Whether logit cells are coloured by the gradient (then all of them change).
    old_evaluation, new_evaluation : Evaluation, optional
        What the computed columns showed and will show; without them every
        computed cell counts as changed.

    Returns
    -------
    list of Block, or None
        None when anything but the numbers changed (loss, options, dtype,
        transform): the caller repaints everything.
    """
    if old is None or new.logits.size > _COMPARE_LIMIT:
        # Comparing tens of millions of cells costs more than repainting the few
        # hundred the view shows: let the caller repaint everything.
        return None
    same_setup = (
        old.loss == new.loss
        and old.target_kind == new.target_kind
        and old.transform == new.transform
        and old.dtype == new.dtype
        and old.options == new.options
    )
    if not same_setup:
        return None
    last_row, last_col = layout.rows - 1, len(layout.columns) - 1
    where: dict[str, list[int]] = {}
    for col, column in enumerate(layout.columns):
        where.setdefault(column.kind, []).append(col)
    blocks = _computed_blocks(layout, old_evaluation, new_evaluation)
    logit_cols = where.get("logit", [])
    if colouring and logit_cols:
        blocks.append((0, min(logit_cols), last_row, max(logit_cols)))
    elif old.logits is not new.logits:
        blocks += _cell_blocks(differs(old.grid_logits(), new.grid_logits()), logit_cols)
    if old.input2 is not new.input2 and old.input2 is not None and new.input2 is not None:
        blocks += _cell_blocks(differs(old.input2, new.input2), where.get("input2", []))
    if old.target is not new.target:
        diff = differs(old.grid_target(), new.grid_target())
        changed = np.flatnonzero(diff if diff.ndim == 1 else diff.any(axis=1))
        if changed.size:
            # Whole rows: a target equal to ignore_index greys its row.
            blocks.append((int(changed.min()), 0, int(changed.max()), last_col))
    return blocks
