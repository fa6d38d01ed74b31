"""The step-by-step table: what it shows, how it follows edits, and copying from it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QApplication

from lossgui.document import Document
from lossgui.document_convert import default_document, randomized, resize
from lossgui.presets_doc import preset_document
from lossgui.qt.pipeline import PipelineView
from lossgui.qt.state import AppState


def big_document() -> Document:
    return randomized(resize(default_document(), 64, 10), np.random.default_rng(3))


def make_view(qtbot, doc: Document | None = None) -> PipelineView:
    view = PipelineView(AppState(doc if doc is not None else default_document()))
    qtbot.addWidget(view)
    view.resize(1100, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def cell(view: PipelineView, row: int, col: int, role=Qt.ItemDataRole.DisplayRole):
    return view.model.data(view.model.index(row, col), role)


def row_of(view: PipelineView, name: str) -> int:
    return next(r for r in range(view.model.rowCount()) if cell(view, r, 0) == name)


def column_of(view: PipelineView, label: str) -> int:
    model = view.model
    return next(
        c for c in range(model.columnCount()) if model.headerData(c, Qt.Horizontal) == label
    )


def assert_texts_fit(view: PipelineView) -> None:
    """No cell's text is cut: each fits its column (or, for a scalar, its span)."""
    table, model = view.table, view.model
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            text = cell(view, r, c)
            if not text:
                continue
            font = cell(view, r, c, Qt.ItemDataRole.FontRole) or table.font()
            span = table.columnSpan(r, c)
            width = sum(table.columnWidth(c + i) for i in range(span))
            assert QFontMetrics(font).horizontalAdvance(text) + 6 <= width, (r, c, text)


# ---------------------------------------------------------------- content
def test_table_shows_each_step_of_the_selected_row(qtbot) -> None:
    view = make_view(qtbot)
    model = view.model
    names = [cell(view, r, 0) for r in range(model.rowCount())]
    assert names == [s.name for s in view.steps if s.name not in ("share", "reduction")]
    headers = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]
    assert headers == ["", "c0", "c1", "c2", ""]
    softmax = next(s for s in view.steps if s.name == "softmax p")
    row = row_of(view, "softmax p")
    assert [cell(view, row, c) for c in (1, 2, 3)] == [f"{v:.5g}" for v in softmax.values]
    assert cell(view, row, 4) == softmax.formula
    # The target class (0 in row 0) is highlighted, the others are not.
    assert cell(view, row, 1, Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(view, row, 2, Qt.ItemDataRole.BackgroundRole) is None
    # Names bold, formulas italic, numbers right-aligned.
    assert cell(view, row, 0, Qt.ItemDataRole.FontRole).bold()
    assert cell(view, row, 4, Qt.ItemDataRole.FontRole).italic()
    align = cell(view, row, 2, Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(align) & Qt.AlignmentFlag.AlignRight
    # A number's tooltip gives it in full precision.
    tip = cell(view, row, 2, Qt.ItemDataRole.ToolTipRole)
    assert repr(float(softmax.values[1])) in tip


def test_scalar_steps_span_the_class_columns(qtbot) -> None:
    view = make_view(qtbot)
    row = row_of(view, "row loss l")
    assert view.table.columnSpan(row, 1) == 3
    assert cell(view, row, 1) == next(s.scalar for s in view.steps if s.name == "row loss l")
    assert view.table.columnSpan(row_of(view, "x"), 1) == 1


@pytest.mark.parametrize(
    "doc",
    [
        default_document,
        big_document,
        lambda: preset_document("cosine-embedding"),
        lambda: preset_document("focal-easy-vs-hard"),
        lambda: preset_document("numerics-logits-1000"),
    ],
)
def test_no_text_is_cut_off(qtbot, doc) -> None:
    view = make_view(qtbot, doc())
    assert_texts_fit(view)


def test_a_wide_batch_shows_sixteen_classes_then_a_gap(qtbot) -> None:
    logits = np.zeros((2, 40))
    view = make_view(qtbot, Document("cross_entropy", logits, np.array([3, 1])))
    headers = [view.model.headerData(c, Qt.Horizontal) for c in range(view.model.columnCount())]
    assert headers == ["", *[f"c{c}" for c in range(16)], "…", ""]


def test_an_error_is_shown_and_the_steps_come_back(qtbot) -> None:
    view = make_view(qtbot)
    state = view.state
    state.edit(lambda d: d.with_loss("binary_cross_entropy"), "bce")
    state.edit(lambda d: d.with_transform("none"), "as given")
    assert view.error_label.isVisible() and not view.table.isVisible()
    assert view.table_text().startswith("PyTorch would raise: ")
    assert "Fix the numbers or options" in view.error_label.text()
    state.edit(lambda d: d.with_transform("sigmoid"), "sigmoid")
    assert view.table.isVisible() and not view.error_label.isVisible()
    assert "sigmoid" in view.table_text()


# ---------------------------------------------------------------- updates
def test_dragging_a_logit_changes_cells_in_place(qtbot) -> None:
    view = make_view(qtbot, big_document())
    state, table = view.state, view.table
    widths = [table.columnWidth(c) for c in range(view.model.columnCount())]
    resets, changed = [], []
    view.model.modelReset.connect(lambda: resets.append(1))
    view.model.dataChanged.connect(
        lambda a, b, roles: changed.extend(
            (r, c) for r in range(a.row(), b.row() + 1) for c in range(a.column(), b.column() + 1)
        )
    )
    x = row_of(view, "x")
    for value in np.linspace(-3, 3, 25):
        state.edit(lambda d, v=float(value): d.with_cell(0, 0, v), "drag", merge_key="drag")
        assert cell(view, x, 1) == f"{float(state.document.logits[0, 0]):.5g}"
    assert resets == [] and changed
    assert (x, 2) not in changed  # x[0, 1] never moved: its cell was not announced
    assert [table.columnWidth(c) for c in range(view.model.columnCount())] == widths
    fresh = make_view(qtbot, state.document)
    assert view.table_text() == fresh.table_text()


def test_cells_stay_right_through_edits_selections_and_loss_changes(qtbot) -> None:
    view = make_view(qtbot, big_document())
    state = view.state
    rng = np.random.default_rng(5)
    losses = ["cross_entropy", "nll_loss", "multi_margin_loss", "cross_entropy"]
    for step in range(24):
        if step % 6 == 0:
            state.edit(lambda d, i=step // 6: d.with_loss(losses[i]), "loss")
        if step % 4 == 0:
            state.select(int(rng.integers(64)), int(rng.integers(10)))
        row = state.selection[0] if step % 2 else int(rng.integers(64))
        col, value = int(rng.integers(10)), round(float(rng.normal(0, 30)), 3)
        state.edit(lambda d, r=row, c=col, v=value: d.with_cell(r, c, v), "edit")
    fresh = PipelineView(state)
    qtbot.addWidget(fresh)
    assert view.table_text() == fresh.table_text()
    spans = [view.table.columnSpan(r, 1) for r in range(view.model.rowCount())]
    assert spans == [fresh.table.columnSpan(r, 1) for r in range(fresh.model.rowCount())]
    assert_texts_fit(view)


_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ForegroundRole,
]


def _cells(view: PipelineView) -> list[tuple[object, ...]]:
    model = view.model
    return [
        tuple(_comparable(cell(view, r, c, role)) for role in _ROLES)
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    ]


def _comparable(value: object) -> object:
    # Brushes and fonts compare by value through their colour and description.
    if hasattr(value, "color"):
        return ("brush", value.color().name())
    if hasattr(value, "toString"):
        return ("font", value.toString())
    return value


def test_cells_changed_in_place_equal_a_fresh_table_role_by_role(qtbot) -> None:
    view = make_view(qtbot, big_document())
    state = view.state
    state.select(4, 2)
    resets = []
    view.model.modelReset.connect(lambda: resets.append(1))
    # Values, then the target class (the shading and the "(the target class)" tooltip
    # move to another column), then values again.
    for value in (2.5, -7.0):
        state.edit(lambda d, v=value: d.with_cell(4, 2, v), "edit")
    for target, value in ((7, 0.25), (0, -0.5)):
        state.edit(lambda d, t=target: d.with_target(4, t), "target")
        state.edit(lambda d, v=value: d.with_cell(4, 1, v), "edit")
    state.edit(lambda d: d.with_target(4, 7), "target")  # the softmax row's numbers stay
    assert resets == []  # all in place
    fresh = make_view(qtbot, state.document)
    fresh.state.select(4, 2)
    assert _cells(view) == _cells(fresh)
    row = row_of(view, "softmax p")
    shaded = [
        c for c in range(view.model.columnCount()) if cell(view, row, c, _ROLES[2]) is not None
    ]
    assert shaded == [column_of(view, "c7")]
    assert "(the target class)" in cell(view, row, shaded[0], Qt.ItemDataRole.ToolTipRole)


def test_a_number_wider_than_usual_widens_its_column(qtbot) -> None:
    view = make_view(qtbot, big_document().with_dtype("float64"))  # the number stays finite
    view.state.edit(lambda d: d.with_cell(0, 1, -1.2345678e120), "huge")
    assert "e+120" in view.table_text()
    assert_texts_fit(view)


def test_model_is_a_valid_qt_model(qtbot, qtmodeltester) -> None:
    view = make_view(qtbot, preset_document("cosine-embedding"))
    qtmodeltester.check(view.model)


# ------------------------------------------------------------------ copy
def test_ctrl_c_copies_the_selected_cells_tab_separated(qtbot) -> None:
    view = make_view(qtbot)
    table, model = view.table, view.model
    x, shifted = row_of(view, "x"), row_of(view, "x − max x")
    table.setFocus()
    table.selectionModel().clear()
    for r in (x, shifted):
        for c in (column_of(view, "c1"), column_of(view, "c2")):
            table.selectionModel().select(
                model.index(r, c), table.selectionModel().SelectionFlag.Select
            )
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert QGuiApplication.clipboard().text() == "1\t0.1\n-1\t-1.9"


def test_table_text_lines_up_with_the_columns(qtbot) -> None:
    view = make_view(qtbot)
    lines = view.table_text().split("\n")
    assert lines[0] == "\tc0\tc1\tc2\t"
    assert lines[1] == "x\t2\t1\t0.1\tthe grid's row"
    assert all(line.count("\t") == 4 for line in lines)
