"""The grid as a CSV table: inputs, targets and what lossgui computed per row.

One line per grid row (P rows; an (N, C, d1..dk) batch has P = N * d1..dk).
Inputs are written exactly (the shortest decimal that reads back to the same
bits); computed columns are float64 reprs, empty where they do not apply
(p(target) of an ignored row) or when the batch cannot be evaluated.
"""

from __future__ import annotations

import csv
import io
import os

import numpy as np

from lossgui.core.evaluate import Evaluation
from lossgui.document import Document
from lossgui.session import exact_floats
from lossgui.session_files import write_text_atomically

__all__ = ["grid_table", "write_grid_csv"]


def _texts(values: np.ndarray) -> list[str]:
    if values.dtype.kind == "f":
        return [repr(v) for v in exact_floats(values).reshape(-1).tolist()]
    return [str(v) for v in values.reshape(-1).tolist()]


def _computed(values: np.ndarray) -> list[str]:
    """float64 reprs, '' for NaN (not applicable)."""
    return ["" if v != v else repr(v) for v in np.asarray(values, np.float64).tolist()]


def grid_table(
    document: Document, evaluation: Evaluation | None
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the grid table.

    Parameters
    ----------
    document : Document
    evaluation : Evaluation or None
        The evaluation of ``document``; None when PyTorch rejects the batch
        (the computed columns are then left empty).

    Returns
    -------
    (header, rows)
        ``rows`` has P lists of strings, each as long as ``header``: the row's
        label, its C logits, input2's C values (cosine), the target (one
        column, or C for per-cell targets), then p(target) (index targets
        only), loss (the row's part of the reduction's numerator) and share.
    """
    classes = document.classes
    rows = document.rows
    header = ["row", *(f"logit {c}" for c in range(classes))]
    columns: list[list[str]] = [[document.row_label(r) for r in range(rows)]]
    logits = _texts(document.grid_logits())
    columns += [logits[c::classes] for c in range(classes)]
    if document.input2 is not None:
        header += [f"input2 {c}" for c in range(classes)]
        other = _texts(document.input2)
        columns += [other[c::classes] for c in range(classes)]
    target = _texts(document.grid_target())
    if document.target_kind in ("index", "sign"):
        header.append("target")
        columns.append(target)
    else:
        header += [f"target {c}" for c in range(classes)]
        columns += [target[c::classes] for c in range(classes)]
    computed = ["loss", "share"]
    if document.target_kind == "index":
        computed.insert(0, "p(target)")
    header += computed
    if evaluation is None or evaluation.row_loss.shape != (rows,):
        columns += [[""] * rows for _ in computed]
    else:
        if document.target_kind == "index":
            columns.append(_computed(evaluation.target_prob))
        columns += [_computed(evaluation.row_loss), _computed(evaluation.row_share)]
    return header, [list(row) for row in zip(*columns, strict=True)]


def write_grid_csv(
    path: str | os.PathLike[str], document: Document, evaluation: Evaluation | None
) -> None:
    """Write :func:`grid_table` to ``path`` atomically (temporary file, then rename).

    Raises
    ------
    OSError
        The file could not be written (a previous file is left untouched).
    """
    header, rows = grid_table(document, evaluation)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_text_atomically(path, buffer.getvalue())
