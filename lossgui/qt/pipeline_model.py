"""The pipeline table's model: the selected row's steps as cells, updated in place.

Columns: the step's name, one per shown class (with "…" where classes were
skipped), then the formula. A scalar step puts its value in the first class
column; the view spans it over the class columns.

:meth:`PipelineModel.show` compares the new steps with the shown ones: when
the structure (step names, scalar or not, columns) is the same, only the
cells whose text or highlight changed are announced (``dataChanged``), so a
drag of one logit repaints a few cells instead of laying out a table again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QStandardItem,
    QStandardItemModel,
)

from lossgui.qt.pipeline_steps import Step

__all__ = ["MAX_SHOWN_CLASSES", "Column", "PipelineModel", "shown_columns"]

# Wider batches are cut in the view (the grid shows them all); keeps the table readable.
MAX_SHOWN_CLASSES = 16

_HIT = QBrush(QColor("#fff3c4"))
_FORMULA = QBrush(QColor("#666666"))
_GAP = QBrush(QColor("#888888"))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)

_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_COLOUR = int(Qt.ItemDataRole.ForegroundRole.value)


@dataclass(frozen=True)
class Column:
    """One column of the table.

    Attributes
    ----------
    kind : str
        "name", "class", "gap" (classes skipped here) or "formula".
    cls : int
        The class shown, for a "class" column; -1 otherwise.
    """

    kind: str
    cls: int = -1

    @property
    def label(self) -> str:
        """The header text."""
        return f"c{self.cls}" if self.kind == "class" else "…" if self.kind == "gap" else ""


def shown_columns(steps: list[Step], classes: int) -> list[int]:
    """The class columns to show: all, or the first ones plus the target class."""
    if classes <= MAX_SHOWN_CLASSES:
        return list(range(classes))
    target = next((s.highlight for s in steps if s.highlight is not None), None)
    if target is None or not 0 <= target < classes or target < MAX_SHOWN_CLASSES:
        return list(range(MAX_SHOWN_CLASSES))
    return [*range(MAX_SHOWN_CLASSES - 1), target]


def _columns(steps: list[Step], classes: int) -> tuple[Column, ...]:
    cols = shown_columns(steps, classes)
    out = [Column("name")]
    for i, c in enumerate(cols):
        if i > 0 and c != cols[i - 1] + 1:
            out.append(Column("gap"))
        out.append(Column("class", c))
    if cols and cols[-1] < classes - 1:
        out.append(Column("gap"))
    out.append(Column("formula"))
    return tuple(out)


def _texts(step: Step, columns: tuple[Column, ...]) -> tuple[str, ...]:
    """One row's cell texts (``.5g`` numbers; a scalar in the first class column)."""
    if step.values is None:
        middle = [""] * (len(columns) - 2)
        if middle:
            middle[0] = step.scalar
        return (step.name, *middle, step.formula)
    values = np.asarray(step.values).reshape(-1)
    cells = []
    for col in columns[1:-1]:
        if col.kind == "gap":
            cells.append("…")
        else:
            cells.append(f"{float(values[col.cls]):.5g}" if col.cls < values.size else "")
    return (step.name, *cells, step.formula)


def _hit_column(step: Step, columns: tuple[Column, ...]) -> int:
    if step.values is None or step.highlight is None:
        return -1
    return next((i for i, c in enumerate(columns) if c.cls == step.highlight), -1)


class PipelineModel(QStandardItemModel):
    """Read-only cells of the pipeline steps, held by Qt.

    The cells are ``QStandardItem`` s: the view reads their text, font,
    alignment, colours and tooltip in C++. A Python ``data()`` was called for
    seven roles of every painted cell (about 200 calls, with as many index
    look-ups, per drag step); now Python only writes the cells that changed.

    Parameters
    ----------
    parent : QObject, optional

    Attributes
    ----------
    columns : tuple of Column
    steps : list of Step
        The rows shown, one step each.
    mono, bold, italic : QFont
        The fonts of the numbers (the view's font), the names and the formulas.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns: tuple[Column, ...] = ()
        self.steps: list[Step] = []
        self._texts: list[tuple[str, ...]] = []
        self._hits: list[int] = []
        base = QGuiApplication.font()
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.mono.setPointSizeF(base.pointSizeF())
        self.bold = QFont(base)
        self.bold.setBold(True)
        self.italic = QFont(base)
        self.italic.setItalic(True)

    # ----------------------------------------------------------- updating
    def show(self, steps: list[Step], classes: int) -> bool:
        """Show ``steps`` (one row each) for a batch of ``classes`` classes.

        Returns
        -------
        bool
            True when the structure changed (the model was reset: the view must
            span and size its columns again); False when only cells changed,
            each changed cell rewritten in place (one ``dataChanged`` each, so
            the view repaints just those cells).
        """
        columns = _columns(steps, classes)
        texts = [_texts(s, columns) for s in steps]
        hits = [_hit_column(s, columns) for s in steps]
        if columns != self.columns or list(map(_shape, steps)) != list(map(_shape, self.steps)):
            self._build(steps, columns, texts, hits)
            return True
        old_texts, old_hits = self._texts, self._hits
        self.steps, self._texts, self._hits = steps, texts, hits
        for row, (new, old) in enumerate(zip(texts, old_texts, strict=True)):
            changed = [i for i, (a, b) in enumerate(zip(new, old, strict=True)) if a != b]
            hit, old_hit = hits[row], old_hits[row]
            if hit != old_hit:
                changed += [h for h in (hit, old_hit) if h >= 0 and h not in changed]
            for col in changed:
                # One call per cell: text, tooltip and shading together, one dataChanged.
                self.setItemData(self.index(row, col), self._cell_data(row, col, new[col], hit))
        return False

    def clear(self) -> bool:  # type: ignore[override]
        """Show nothing; True if something was shown."""
        if not self.steps and not self.columns:
            return False
        self._build([], (), [], [])
        return True

    def _build(
        self,
        steps: list[Step],
        columns: tuple[Column, ...],
        texts: list[tuple[str, ...]],
        hits: list[int],
    ) -> None:
        """Make every cell and header afresh: a model reset, then the new rows."""
        self.columns, self.steps, self._texts, self._hits = columns, steps, texts, hits
        QStandardItemModel.clear(self)
        self.setColumnCount(len(columns))
        for col, column in enumerate(columns):
            header = QStandardItem(column.label)
            header.setData(_CENTER if column.kind == "gap" else _RIGHT, _ALIGN)
            if column.kind == "class":
                header.setToolTip(f"class {column.cls}")
            self.setHorizontalHeaderItem(col, header)
        for row, (step, row_texts) in enumerate(zip(steps, texts, strict=True)):
            items = []
            for col, text in enumerate(row_texts):
                item = QStandardItem()
                item.setFlags(_FLAGS)
                cell = {
                    **self._style(step, columns[col]),
                    **self._cell_data(row, col, text, hits[row]),
                }
                for role, value in cell.items():
                    if value is not None:
                        item.setData(value, role)
                items.append(item)
            self.appendRow(items)

    def _style(self, step: Step, column: Column) -> dict[int, object]:
        """Font, alignment and colour of a cell: fixed until the structure changes.

        Numbers get no font of their own: the view's font is :attr:`mono` (a font
        handed over for each painted cell costs as much as painting its text).
        """
        if column.kind == "name":
            return {_FONT: self.bold, _ALIGN: _LEFT}
        if column.kind == "formula":
            return {_FONT: self.italic, _ALIGN: _LEFT, _COLOUR: _FORMULA}
        if column.kind == "gap":
            return {_ALIGN: _CENTER, _COLOUR: _GAP}
        return {_ALIGN: _LEFT if step.values is None else _RIGHT}

    def _cell_data(self, row: int, col: int, text: str, hit: int) -> dict[int, object]:
        """What changes when a number moves: the text, tooltip and target shading (None: none)."""
        return {
            _DISPLAY: text,
            _TOOLTIP: self._tooltip(row, col),
            _BACKGROUND: _HIT if col == hit else None,
        }

    # -------------------------------------------------------------- reading
    def text(self, row: int, column: int) -> str:
        """The text of a cell ("" outside the table)."""
        if 0 <= row < len(self._texts) and 0 <= column < len(self.columns):
            return self._texts[row][column]
        return ""

    def number_chars(self) -> int:
        """The length of the longest number shown in a class column (0 if none)."""
        return max(
            (
                len(t)
                for texts, step in zip(self._texts, self.steps, strict=True)
                if step.values is not None
                for t in texts[1:-1]
            ),
            default=0,
        )

    def formulas(self) -> list[str]:
        """The formula column's texts."""
        return [texts[-1] for texts in self._texts]

    def scalars(self) -> list[str]:
        """The texts of the scalar rows (each spans the class columns)."""
        return [
            texts[1]
            for texts, step in zip(self._texts, self.steps, strict=True)
            if step.values is None and len(texts) > 2
        ]

    def is_scalar(self, row: int) -> bool:
        """Whether row ``row`` is one scalar (spanned over the class columns)."""
        return self.steps[row].values is None

    def _tooltip(self, row: int, col: int) -> str:
        step, column = self.steps[row], self.columns[col]
        if column.kind == "class" and step.values is not None:
            values = np.asarray(step.values).reshape(-1)
            if column.cls < values.size:
                hit = " (the target class)" if col == self._hits[row] else ""
                return f"{step.name}, class {column.cls}{hit}: {float(values[column.cls])!r}"
        if column.kind == "gap":
            return "Classes skipped here: the grid shows them all"
        if step.values is None and column.kind == "class":
            return f"{step.name} = {step.scalar}"
        return f"{step.name}: {step.formula}"


def _shape(step: Step) -> tuple[str, bool]:
    return step.name, step.values is None


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Sorted column numbers as (first, last) runs of neighbours: [1, 2, 5] -> (1, 2), (5, 5)."""
    runs: list[tuple[int, int]] = []
    for c in columns:
        if runs and runs[-1][1] == c - 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs
