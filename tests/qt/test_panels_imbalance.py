"""Class-imbalance panel: bars and the weight-ratio sweep equal core; weight buttons edit."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.core.imbalance import (
    class_balance,
    inverse_frequency,
    pos_weight_from_counts,
    sqrt_inverse_frequency,
)
from lossgui.core.imbalance_sweep import loss_vs_weight_ratio
from lossgui.qt.panels.imbalance import RATIOS, ImbalancePanel
from lossgui.qt.state import AppState
from tests.qt.panel_helpers import big_document, make


def test_imbalance_bars_equal_core(qtbot, qapp):
    state = AppState(big_document())
    panel = make(qtbot, ImbalancePanel, state)
    doc = state.document
    balance = class_balance(
        doc.loss, doc.logits, doc.target, doc.options, transform=doc.transform, dtype=doc.dtype
    )
    np.testing.assert_array_equal(panel.count_bars.opts["height"], balance.counts)
    np.testing.assert_allclose(
        panel.loss_bars["weighted"].opts["height"], 100 * balance.share_weighted
    )
    np.testing.assert_allclose(
        panel.grad_bars["unweighted"].opts["height"], 100 * balance.grad_share_unweighted
    )
    sweep = loss_vs_weight_ratio(
        doc.loss,
        doc.logits,
        doc.target,
        doc.options,
        transform=doc.transform,
        dtype=doc.dtype,
        ratios=RATIOS,
    )
    np.testing.assert_allclose(panel.ratio_loss_curve.getData()[1], sweep.loss)
    np.testing.assert_allclose(
        panel.ratio_share_curve.getData()[1], 100 * sweep.minority_grad_share
    )
    assert str(balance.minority) in panel.info_label.text()


@pytest.mark.parametrize(
    ("key", "scheme"), [("inverse", inverse_frequency), ("sqrt", sqrt_inverse_frequency)]
)
def test_weight_buttons_push_one_undo_step(qtbot, qapp, key, scheme):
    state = AppState(big_document())
    panel = make(qtbot, ImbalancePanel, state)
    counts = np.bincount(state.document.target, minlength=10)
    with qtbot.waitSignal(state.changed):
        panel.buttons[key].click()
    assert state.undo_stack.count() == 1
    np.testing.assert_allclose(state.document.option("weight"), scheme(counts))
    assert panel.loss_bars["weighted"].opts["height"] is not None
    assert panel.buttons["clear"].isEnabled()
    panel.buttons["clear"].click()
    assert state.document.option("weight") is None
    assert state.undo_stack.count() == 2


def test_effective_number_uses_the_beta_box(qtbot, state):
    panel = make(qtbot, ImbalancePanel, state)
    panel.beta.setValue(0.5)
    panel.buttons["effective"].click()
    counts = np.array([1.0, 2.0, 1.0])
    raw = 0.5 / (1 - 0.5**counts)
    np.testing.assert_allclose(state.document.option("weight"), raw * 3 / raw.sum())


def test_pos_weight_button_only_for_bce_with_logits(qtbot, state):
    panel = make(qtbot, ImbalancePanel, state)
    assert not panel.buttons["pos_weight"].isEnabled()
    assert "pos_weight" in panel.buttons["pos_weight"].toolTip()
    state.edit(lambda d: d.with_loss("binary_cross_entropy_with_logits"), "switch")
    assert panel.buttons["pos_weight"].isEnabled()
    target = state.document.target
    steps = state.undo_stack.count()
    panel.buttons["pos_weight"].click()
    assert state.undo_stack.count() == steps + 1
    expected = pos_weight_from_counts((1 - target).sum(axis=0), target.sum(axis=0))
    np.testing.assert_allclose(state.document.option("pos_weight"), expected)


def test_focal_loss_disables_weight_buttons(qtbot, state):
    panel = make(qtbot, ImbalancePanel, state)
    state.edit(lambda d: d.with_loss("sigmoid_focal_loss"), "switch")
    assert not panel.buttons["inverse"].isEnabled()
    assert "no per-class weight" in panel.buttons["inverse"].toolTip()
    assert len(panel.ratio_loss_curve.getData()[1]) == 0


def test_weight_sweep_layers_grid_lines_under_both_curves(qtbot, state):
    """Opaque grid lines must pass under the curves and the line label, never across them.

    The share curve lives in a second view box of its own (a scene item beside the
    plot): it must sit above the plot, whose grid lines would otherwise stripe it;
    and the right axis (the share's scale) draws no second set of grid lines.
    """
    panel = make(qtbot, ImbalancePanel, state)
    item = panel.ratio_plot.getPlotItem()
    view_z = item.getViewBox().zValue()
    for side in ("left", "bottom", "right"):
        assert item.getAxis(side).zValue() < view_z
    assert item.getAxis("right").grid is False
    assert panel._share_view.zValue() > item.zValue()


def test_button_tooltips_say_why_a_button_is_disabled_and_follow_the_document(qtbot, qapp):
    state = AppState(big_document())  # cross entropy: weights yes, pos_weight no
    panel = make(qtbot, ImbalancePanel, state)
    pos_tip = panel.buttons["pos_weight"].toolTip()
    assert "Disabled: only BCEWithLogitsLoss has pos_weight" in pos_tip
    assert "Disabled" not in panel.buttons["inverse"].toolTip()
    state.edit(lambda d: d.with_loss("binary_cross_entropy_with_logits"), "loss")
    assert "Disabled" not in panel.buttons["pos_weight"].toolTip()
    state.undo_stack.undo()
    assert panel.buttons["pos_weight"].toolTip() == pos_tip
