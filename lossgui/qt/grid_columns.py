"""The grid's columns for a Document: logits, the target in its form, computed results.

Which columns the grid shows depends only on the batch shape and the target
form, so the layout is computed from those and compared by ``key``: the table
model resets only when the key changes and emits ``dataChanged`` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lossgui.document import Document

__all__ = ["COMPUTED_KINDS", "Column", "Layout", "layout_key", "layout_of", "share_text"]

COMPUTED_KINDS = ("target_prob", "loss", "share")


@dataclass(frozen=True)
class Column:
    """One grid column: what it shows and where the number lives.

    kind is 'logit', 'input2' or 'target_cell' (``index`` = class c), 'target'
    (one value per row), or a computed column 'target_prob' / 'loss' / 'share'.
    ``header`` is the column's full name (the model's header text, used in cell
    tooltips); ``compact``, when set, is the shorter label the grid's header
    draws so that every column fits a half-width grid (the header's tooltip,
    ``tooltip``, starts with the full name).
    """

    kind: str
    index: int
    header: str
    tooltip: str
    computed: bool = False
    compact: str = ""

    def __post_init__(self) -> None:
        # A plain attribute, not a property: data() reads it for every cell it paints.
        object.__setattr__(self, "computed", self.kind in COMPUTED_KINDS)


@dataclass(frozen=True)
class Layout:
    """The grid's shape: ``key`` changes exactly when rows or columns do."""

    key: tuple[Any, ...]
    rows: int
    columns: tuple[Column, ...]


def share_text(share: float) -> str:
    """How the share column shows a row's share of the summed loss (a fraction)."""
    return f"{100.0 * share:.2f} %" if math.isfinite(share) else "—"


def layout_key(doc: Document) -> tuple[Any, ...]:
    """What decides the grid's rows and columns: a new key means a new :class:`Layout`.

    Cheap next to :func:`layout_of`, which builds every column: the grid asks on
    every edit.
    """
    return (tuple(doc.logits.shape), doc.target_kind)


def layout_of(doc: Document) -> Layout:
    """The columns a Document needs, and the key that says when they change."""
    c_count = doc.classes
    kind = doc.target_kind
    cols: list[Column] = []
    if kind == "sign":
        # Two-line labels: "x0 (input1)" on one line is twice as wide as its numbers.
        cols += [
            Column(
                "logit",
                c,
                f"x{c} (input1)",
                f"x{c} (input1) = input1[:, {c}]: first embedding, editable",
                compact=f"x{c}\nin1",
            )
            for c in range(c_count)
        ]
        cols += [
            Column(
                "input2",
                c,
                f"x{c} (input2)",
                f"x{c} (input2) = input2[:, {c}]: second embedding, editable",
                compact=f"x{c}\nin2",
            )
            for c in range(c_count)
        ]
        cols.append(
            Column(
                "target",
                0,
                "y (±1)",
                "y (±1): 1 pulls together (1 - cos); -1 pushes apart",
                compact="y\n±1",
            )
        )
    else:
        cols += [
            Column("logit", c, f"x{c}", f"Logit of class {c} (the grid's input), editable")
            for c in range(c_count)
        ]
        if kind == "index":
            # "y" as in PyTorch's formulas and the step-by-step view: "target" is
            # wider than any class index and costs a spatial grid its share column.
            cols.append(
                Column(
                    "target",
                    0,
                    "target",
                    "target y: class index of the target (or ignore_index), editable",
                    compact="y",
                )
            )
        else:
            prefix, what = (
                ("q", "target probability")
                if kind == "probability"
                else ("y", "binary target (0/1, or a soft label)")
            )
            cols += [
                Column("target_cell", c, f"{prefix}{c}", f"{what} of class {c}, editable")
                for c in range(c_count)
            ]
    if kind == "index":
        cols.append(
            Column(
                "target_prob",
                0,
                "p(target)",
                "p(target), computed (read-only): the probability the model gives the "
                "target class y",
                compact="p(y)",
            )
        )
    cols.append(
        Column(
            "loss",
            0,
            "loss",
            "Computed (read-only): this row's term of the reduction's numerator (0 if ignored)",
        )
    )
    cols.append(
        Column(
            "share",
            0,
            "share",
            "Computed (read-only): this row's share of the summed loss",
        )
    )
    return Layout(layout_key(doc), doc.rows, tuple(cols))
