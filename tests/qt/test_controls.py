"""Controls, result view and pipeline: one undo step per change, views follow the state."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from lossgui.core.evaluate import evaluate
from lossgui.document import Document
from lossgui.qt.controls import ControlsPanel
from lossgui.qt.option_widgets import OptionEditor
from lossgui.qt.pipeline import PipelineView
from lossgui.qt.result_view import ResultView, format_value
from lossgui.qt.state import AppState


@pytest.fixture
def state(qapp):
    return AppState()


@pytest.fixture
def panel(state, qtbot):
    widget = ControlsPanel(state)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def editor(panel, name) -> OptionEditor:
    return panel.forms[panel.state.document.loss].editors[name]


def one_step(state, qtbot, action):
    """Run ``action``; assert it made exactly one undo step and one ``changed``."""
    before = state.undo_stack.index()
    with qtbot.waitSignal(state.changed):
        action()
    assert state.undo_stack.index() == before + 1


def test_switching_loss_is_one_undo_step_and_updates_panel(panel, state, qtbot):
    box = panel.loss_box
    one_step(state, qtbot, lambda: box.setCurrentIndex(box.findData("nll_loss")))
    assert state.document.loss == "nll_loss"
    assert state.undo_stack.undoText() == "Switch loss to NLLLoss"
    assert panel.transform_box.isVisibleTo(panel)
    assert panel.transform_box.currentText() == "LogSoftmax first"
    assert not panel.target_box.isVisibleTo(panel)
    assert "nll_loss" in box.toolTip()
    state.undo_stack.undo()
    assert box.currentData() == "cross_entropy"
    assert panel.target_box.isVisibleTo(panel)


def test_loss_items_have_summary_tooltips(panel):
    box = panel.loss_box
    tip = box.itemData(box.findData("kl_div"), Qt.ItemDataRole.ToolTipRole)
    assert "KL" in tip


def test_target_form_switch(panel, state, qtbot):
    box = panel.target_box
    assert [box.itemText(i) for i in range(box.count())] == ["class index", "probabilities"]
    one_step(state, qtbot, lambda: box.setCurrentIndex(1))
    assert state.document.target_kind == "probability"
    assert state.document.target.shape == (4, 3)


def test_transform_and_dtype_each_one_step(panel, state, qtbot):
    state.edit(lambda d: d.with_loss("binary_cross_entropy"), "bce")
    box = panel.transform_box
    assert [box.itemText(i) for i in range(box.count())] == ["Sigmoid first", "as given"]
    one_step(state, qtbot, lambda: box.setCurrentIndex(1))
    assert state.document.transform == "none"
    one_step(state, qtbot, lambda: panel.dtype_box.setCurrentText("float64"))
    assert state.document.dtype == "float64"


def test_rows_and_classes_resize_the_batch(panel, state, qtbot):
    one_step(state, qtbot, lambda: panel.rows_spin.setValue(6))
    assert state.document.logits.shape == (6, 3)
    one_step(state, qtbot, lambda: panel.classes_spin.setValue(5))
    assert state.document.logits.shape == (6, 5)
    state.undo_stack.undo()
    assert panel.classes_spin.value() == 3


def test_shape_spin_boxes_disabled_for_spatial_batches(qapp, qtbot):
    doc = Document(loss="cross_entropy", logits=np.zeros((2, 3, 2, 2)), target=np.zeros((2, 2, 2)))
    widget = ControlsPanel(AppState(doc))
    qtbot.addWidget(widget)
    assert not widget.rows_spin.isEnabled()
    assert "spatial" in widget.classes_spin.toolTip()
    cosine = widget.loss_box.findData("cosine_embedding_loss")
    assert not widget.loss_box.model().item(cosine).isEnabled()
    assert widget.loss_box.model().item(widget.loss_box.findData("nll_loss")).isEnabled()


def test_a_refused_loss_switch_shows_the_documents_loss_again(qapp, qtbot):
    """A spatial batch refuses multi_margin_loss: the box must not claim it was switched."""
    doc = Document(loss="cross_entropy", logits=np.zeros((2, 3, 2, 2)), target=np.zeros((2, 2, 2)))
    state = AppState(doc)
    widget = ControlsPanel(state)
    qtbot.addWidget(widget)
    state.edit(lambda d: d.with_cell(0, 0, 1.5), "a cell edit first: nothing to sync")
    with qtbot.waitSignal(state.message):
        widget.loss_box.setCurrentIndex(widget.loss_box.findData("multi_margin_loss"))
    assert state.document.loss == "cross_entropy"
    assert widget.loss_box.currentData() == "cross_entropy"


def test_randomize_is_one_undo_step_with_new_numbers(panel, state, qtbot):
    before = state.document
    one_step(
        state, qtbot, lambda: qtbot.mouseClick(panel.randomize_button, Qt.MouseButton.LeftButton)
    )
    assert state.document.logits.shape == before.logits.shape
    assert not np.array_equal(state.document.logits, before.logits)
    first = state.document.logits
    panel.randomize()
    assert not np.array_equal(state.document.logits, first)
    state.undo_stack.undo()
    state.undo_stack.undo()
    assert state.document is before


def test_float_option_edit_and_undo_reflected(panel, state, qtbot):
    spin = editor(panel, "label_smoothing").editor
    one_step(state, qtbot, lambda: spin.setValue(0.1))
    assert state.document.option("label_smoothing") == pytest.approx(0.1)
    assert state.undo_stack.undoText() == "Set Label smoothing = 0.1"
    state.undo_stack.undo()
    assert spin.value() == 0.0
    assert state.undo_stack.index() == 0


def test_choice_and_int_options(panel, state, qtbot):
    combo = editor(panel, "reduction").editor
    one_step(state, qtbot, lambda: combo.setCurrentText("sum"))
    assert state.document.option("reduction") == "sum"
    ignore = editor(panel, "ignore_index").editor
    one_step(state, qtbot, lambda: ignore.setValue(1))
    assert state.document.option("ignore_index") == 1
    state.undo_stack.undo()
    assert ignore.value() == -100
    assert combo.currentText() == "sum"


def test_bool_option(panel, state, qtbot):
    state.edit(lambda d: d.with_loss("kl_div"), "kl")
    box = editor(panel, "log_target").editor
    one_step(state, qtbot, lambda: box.setChecked(True))
    assert state.document.option("log_target") is True


def test_class_vector_option_set_type_and_refuse(panel, state, qtbot):
    weights = editor(panel, "weight")
    one_step(state, qtbot, lambda: weights.set_box.setChecked(True))
    assert state.document.option("weight") == (1.0, 1.0, 1.0)
    assert weights.editor.text() == "1, 1, 1"
    weights.editor.setText("1, 2, 0.5")
    one_step(state, qtbot, weights.editor.editingFinished.emit)
    assert state.document.option("weight") == (1.0, 2.0, 0.5)
    before = state.document
    weights.editor.setText("1, 2")
    with qtbot.waitSignal(state.message) as status:
        weights.editor.editingFinished.emit()
    assert "needs 3 numbers" in status.args[0]
    assert state.document is before
    assert "Refused" in weights.editor.toolTip()
    weights.editor.setText("1, x, 2")
    weights.editor.editingFinished.emit()
    assert state.document is before
    state.undo_stack.undo()
    assert weights.editor.text() == "1, 1, 1"
    one_step(state, qtbot, lambda: weights.set_box.setChecked(False))
    assert state.document.option("weight") is None


def test_cell_edit_keeps_a_refused_option_text_for_fixing(panel, state, qtbot):
    """A cell edit changes no option: the text the user is fixing stays, still marked."""
    weights = editor(panel, "weight")
    one_step(state, qtbot, lambda: weights.set_box.setChecked(True))
    weights.editor.setText("1, 2")
    weights.editor.editingFinished.emit()
    assert "Refused" in weights.editor.toolTip()
    one_step(state, qtbot, lambda: state.edit(lambda d: d.with_cell(0, 0, 4.5), "cell"))
    assert weights.editor.text() == "1, 2"
    assert "Refused" in weights.editor.toolTip()
    # An option change (here its undo) does show the Document's value again.
    state.undo_stack.undo()
    state.undo_stack.undo()
    assert not weights.set_box.isChecked()
    assert "Refused" not in weights.editor.toolTip()


def test_option_forms_follow_the_loss(panel, state):
    state.edit(lambda d: d.with_loss("sigmoid_focal_loss"), "focal")
    assert panel.options_stack.currentWidget() is panel.forms["sigmoid_focal_loss"]
    assert set(panel.forms["sigmoid_focal_loss"].editors) == {"alpha", "gamma", "reduction"}
    assert editor(panel, "gamma").editor.value() == 2.0
    assert editor(panel, "reduction").editor.currentText() == "none"
    assert "focusing" in editor(panel, "gamma").editor.toolTip().lower()


def test_syncing_never_pushes_edits(panel, state):
    state.edit(lambda d: d.with_loss("multi_margin_loss"), "mm")
    state.edit(lambda d: d.with_option("margin", 2.5), "margin")
    state.undo_stack.undo()
    state.undo_stack.redo()
    assert state.undo_stack.count() == 2


# ----------------------------------------------------------------- result view
@pytest.fixture
def result(state, qtbot):
    widget = ResultView(state)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_result_shows_float32_value_and_explanation(result, state):
    doc = state.document
    value = evaluate(doc.loss, doc.logits, doc.target, doc.options).value
    assert result.value_label.text() == str(np.float32(value))
    assert result.explanation_label.text().startswith("mean = ")
    assert not result.banner.isVisibleTo(result)
    assert not result.stale_label.isVisibleTo(result)


def test_format_value_repr_precision():
    assert format_value(float(np.float32(0.1)), "float32") == "0.1"
    assert format_value(float(np.float32(0.4562908)), "float32") == "0.4562908"
    assert format_value(0.1, "float64") == "0.1"
    assert format_value(float("nan"), "float32") == "nan"


def test_error_banner_keeps_stale_value(result, state, panel):
    state.edit(lambda d: d.with_loss("binary_cross_entropy"), "bce")
    shown = result.value_label.text()
    panel.transform_box.setCurrentIndex(panel.transform_box.findData("none"))
    assert state.error is not None
    assert result.banner.isVisibleTo(result)
    assert result.banner.text().startswith("PyTorch would raise:")
    assert "between 0 and 1" in result.banner.text() or "[0, 1]" in result.banner.text()
    assert result.stale_label.isVisibleTo(result)
    assert result.value_label.text() == shown
    state.undo_stack.undo()
    assert not result.banner.isVisibleTo(result)


def test_expected_value_check_mark(qapp, qtbot):
    doc = AppState().document
    value = evaluate(doc.loss, doc.logits, doc.target, doc.options).value
    from dataclasses import replace

    good = ResultView(AppState(replace(doc, expected=value)))
    bad = ResultView(AppState(replace(doc, expected=value + 0.01)))
    qtbot.addWidget(good)
    qtbot.addWidget(bad)
    assert "✓" in good.expected_label.text()
    assert "✗" in bad.expected_label.text()


# -------------------------------------------------------------------- pipeline
@pytest.fixture
def pipeline(state, qtbot):
    widget = PipelineView(state)
    qtbot.addWidget(widget)
    return widget


def test_pipeline_follows_selected_row(pipeline, state):
    state.select(2, 0)
    names = [step.name for step in pipeline.steps]
    assert names[:5] == ["x", "x − max x", "exp(x − max x)", "softmax p", "log p"]
    loss_step = next(s for s in pipeline.steps if s.name == "row loss l")
    assert float(loss_step.scalar) == pytest.approx(state.evaluation.row_loss[2], rel=1e-5)
    softmax = next(s for s in pipeline.steps if s.name == "softmax p")
    assert softmax.highlight == 2
    assert np.allclose(softmax.values, state.evaluation.probs[2], rtol=1e-6)
    assert "row 2" in pipeline.title_label.text()


@pytest.mark.parametrize(
    "loss",
    [
        "nll_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "sigmoid_focal_loss",
        "multilabel_soft_margin_loss",
        "multi_margin_loss",
        "kl_div",
        "cosine_embedding_loss",
    ],
)
def test_pipeline_every_loss_ends_with_the_row_loss(pipeline, state, loss):
    state.edit(lambda d: d.with_loss(loss), loss)
    state.select(1, 0)
    assert state.error is None
    steps = {s.name: s for s in pipeline.steps}
    assert float(steps["row loss l"].scalar) == pytest.approx(
        state.evaluation.row_loss[1], rel=1e-5, abs=1e-7
    )
    terms = [s for s in pipeline.steps if s.name in ("term", "pointwise")]
    if terms:
        assert float(np.sum(terms[0].values)) == pytest.approx(
            state.evaluation.row_loss[1], rel=1e-5, abs=1e-7
        )


def test_pipeline_soft_cross_entropy_terms_sum_to_row_loss(pipeline, state):
    state.edit(lambda d: d.with_loss("cross_entropy", "probability"), "soft")
    terms = next(s for s in pipeline.steps if s.name == "−w·q·log p")
    assert float(np.sum(terms.values)) == pytest.approx(state.evaluation.row_loss[0], rel=1e-5)


def test_pipeline_shows_error_instead_of_steps(pipeline, state):
    state.edit(lambda d: d.with_loss("binary_cross_entropy"), "bce")
    state.edit(lambda d: d.with_transform("none"), "as given")
    assert pipeline.steps == []
    text = pipeline.table_text()
    assert "PyTorch would raise" in text and "Fix the numbers or options" in text
    assert pipeline.error_label.isVisibleTo(pipeline) and not pipeline.table.isVisibleTo(pipeline)


def test_pipeline_wide_batch_keeps_the_target_column(qapp, qtbot):
    logits = np.zeros((2, 64))
    state = AppState(Document(loss="cross_entropy", logits=logits, target=np.array([40, 3])))
    view = PipelineView(state)
    qtbot.addWidget(view)
    text = view.table_text()
    assert "c40" in text and "c20" not in text and "…" in text
