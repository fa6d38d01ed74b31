"""The main window as a user meets it: built, shown, presets, undo, export, help."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QImage

from lossgui.core.presets import PRESETS, get_preset
from lossgui.qt import MainWindow
from lossgui.qt.main_window import PANELS
from lossgui.qt.result_view import format_value
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.qt.state import AppState


class _Scripted(SessionDialogs):
    """Answers every question without a modal dialog (a blocked test never ends)."""

    def ask_save_changes(self, parent: object, name: str) -> str:
        return "discard"

    def ask_restore(self, parent: object, detail: str) -> bool:
        return False

    def warn(self, parent: object, title: str, text: str) -> None:
        return None


@pytest.fixture
def window(qtbot, tmp_path: Path) -> MainWindow:
    QStandardPaths.setTestModeEnabled(True)
    w = MainWindow(
        restore=False, session_options={"data_dir": tmp_path / "data", "dialogs": _Scripted()}
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _model_cell(w: MainWindow, row: int, col: int):
    model = w.grid.model
    return model.index(row, model.column_of("logit", col))


def _non_flat(image: QImage) -> int:
    """How many distinct colours a sample of the image's pixels has."""
    seen = set()
    for y in range(0, image.height(), max(1, image.height() // 40)):
        for x in range(0, image.width(), max(1, image.width() // 40)):
            seen.add(image.pixel(x, y))
    return len(seen)


def test_window_builds_with_no_arguments_and_shows_the_default_example(qtbot) -> None:
    QStandardPaths.setTestModeEnabled(True)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        doc = w.state.document
        assert doc.title in w.windowTitle()
        assert w.grid.model.rowCount() == doc.rows == 4
        assert w.result_view.value_label.text() == format_value(
            w.state.evaluation.value, "float32"
        )
        assert "CrossEntropyLoss" in w.loss_label.text()
    finally:
        w.close_without_asking()


def test_every_panel_is_one_click_away_at_the_default_size(window: MainWindow, qtbot) -> None:
    required = [key for key, *_ in PANELS if key != "spatial"]
    assert all(key in window.panels for key in required)
    for key, panel in window.panels.items():
        dock = window.docks[key]
        assert dock.toggleViewAction().isChecked(), f"{key} closed"
        dock.raise_()
        qtbot.waitUntil(panel.isVisible)
        assert panel.width() >= 250 and panel.height() >= 200, (key, panel.size())
    assert window.grid.isVisible() and window.controls.isVisible()
    assert window.result_view.isVisible() and window.pipeline.isVisible()


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_menu_action_shows_its_expected_value(window: MainWindow, name: str) -> None:
    window.preset_actions[name].trigger()
    preset = get_preset(name)
    assert window.state.document.title == name
    assert window.state.error is None
    shown = window.result_view.value_label.text()
    if math.isnan(preset.expected):
        assert shown == "nan"
    else:
        assert float(shown) == pytest.approx(preset.expected, rel=2e-6, abs=1e-6)
    assert window.result_view.expected_label.text().startswith("PyTorch gives")
    assert name in window.windowTitle()


def test_presets_submenu_lists_every_preset(window: MainWindow) -> None:
    names = [a.text() for a in window.presets_menu.actions()]
    assert names == list(PRESETS)


def test_undo_and_redo_through_the_edit_menu(window: MainWindow) -> None:
    state = window.state
    before = state.evaluation.value
    assert window.grid.model.setData(_model_cell(window, 0, 0), "7.5")
    after = state.evaluation.value
    assert after != before
    window.undo_action.trigger()
    assert state.evaluation.value == before
    assert state.document.logits[0, 0] == 2.0
    window.redo_action.trigger()
    assert state.evaluation.value == after
    assert state.document.logits[0, 0] == 7.5


def test_loading_a_preset_is_undoable(window: MainWindow) -> None:
    title = window.state.document.title
    window.preset_actions["imbalance-99-percent"].trigger()
    assert window.grid.model.rowCount() == 1010
    window.undo_action.trigger()
    assert window.state.document.title == title
    assert window.grid.model.rowCount() == 4


def test_refused_edit_is_reported_in_the_status_bar(window: MainWindow) -> None:
    assert not window.grid.model.setData(_model_cell(window, 1, 1), "abc")
    assert "not a number" in window.statusBar().currentMessage()


def test_pytorch_rejection_shows_in_the_status_bar(window: MainWindow) -> None:
    window.load_preset("nll-1d-raw-input")
    # Two classes left, but row 1's target is still class 2: PyTorch says out of bounds.
    assert window.state.edit(lambda d: d.with_shape(2, 2), "shrink")
    assert window.state.error is not None
    assert "refuse" in window.error_label.text()
    assert "no value" in window.loss_label.text()


def test_screenshot_export_writes_a_png_of_the_requested_size(
    window: MainWindow, tmp_path: Path
) -> None:
    out = tmp_path / "shot.png"
    assert window.export_screenshot(out, size=(1200, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    assert _non_flat(image) > 20


def test_screenshot_into_a_missing_folder_says_why(window: MainWindow, tmp_path: Path) -> None:
    assert not window.export_screenshot(tmp_path / "missing" / "shot.png")
    assert "does not exist" in window.statusBar().currentMessage()


def _plot_context_menu(plot):
    """The menu a right click into ``plot``'s view opens: the view's entries, then its parents'."""
    view = plot.getPlotItem().getViewBox()
    menu = view.getMenu(None)
    return plot.scene().addParentContextMenus(view, menu, SimpleNamespace(acceptedItem=view))


def _leaf_actions(menu) -> list:
    out = []
    for action in menu.actions():
        if action.menu() is not None:
            out.extend(_leaf_actions(action.menu()))
        elif action.text() and action.isEnabled():
            out.append(action)
    return out


def _window_plots(window: MainWindow) -> list:
    plots = [p for panel in window.panels.values() for p in getattr(panel, "plots", [])]
    assert plots
    return plots


def test_every_plot_has_pyqtgraph_exporters_in_its_menu(window: MainWindow) -> None:
    for plot in _window_plots(window):
        assert plot.getPlotItem().getViewBox().menuEnabled()
        texts = [action.text() for action in _plot_context_menu(plot).actions()]
        assert "Export..." in texts
        # pyqtgraph's data transforms (FFT, log, averaging, alpha) would call methods the
        # panels' bars and light curves do not have: an exception in the event loop.
        assert "Plot Options" not in texts


def test_every_entry_of_every_plot_menu_runs_without_an_exception(
    window: MainWindow, qtbot
) -> None:
    """pytest-qt fails the test on any exception raised inside a Qt slot."""
    window.tile_panels()
    for plot in _window_plots(window):
        menu = plot.getPlotItem().getViewBox().getMenu(None)
        for action in _leaf_actions(menu):
            action.trigger()
            qtbot.wait(1)
            if action.isCheckable():  # back as it was: the next plot starts from the default
                action.trigger()
    # The panels still follow an edit after all that.
    window.state.select(0, 0)
    model = window.grid.model
    assert model.setData(model.index(0, 0), "4.25")
    qtbot.wait(5)
    assert window.panels["loss_curve"].value_line.value() == pytest.approx(4.25)


def test_open_file_loads_a_batch_and_undo_brings_the_old_one_back(
    window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "batch.npz"
    np.savez(path, input=np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 0.0]]), target=[1, 0, 1])
    assert window.open_file(path)
    assert window.state.document.logits.shape == (3, 2)
    assert "batch.npz" in window.windowTitle()
    window.undo_action.trigger()
    assert window.state.document.logits.shape == (4, 3)


def test_open_file_refuses_a_bad_file_with_a_reason(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("1,2,x\n")
    assert not window.open_file(path)
    assert "bad.csv" in window.statusBar().currentMessage()
    assert window.state.document.logits.shape == (4, 3)


def test_gradient_colouring_toggle_reaches_the_grid(window: MainWindow) -> None:
    window.gradient_action.trigger()
    assert window.grid.model.gradient_colouring()
    assert window.grid.gradient_box.isChecked()
    window.grid.gradient_box.setChecked(False)
    assert not window.gradient_action.isChecked()


def test_docks_can_be_hidden_and_reset(window: MainWindow) -> None:
    dock = window.docks["numerics"]
    dock.toggleViewAction().trigger()
    assert not dock.isVisible()
    window.reset_layout_action.trigger()
    assert dock.isVisible()


def test_help_windows_open_without_blocking(window: MainWindow, qtbot) -> None:
    window.losses_help_action.trigger()
    window.about_action.trigger()
    texts = [w for w in window.findChildren(object) if hasattr(w, "toHtml")]
    assert any("CrossEntropyLoss" in t.toHtml() for t in texts)


def test_window_on_a_given_state_shows_it(qtbot, tmp_path: Path) -> None:
    from lossgui.presets_doc import preset_document

    QStandardPaths.setTestModeEnabled(True)
    state = AppState(preset_document("ce-all-ignored"))
    w = MainWindow(state, restore=False, with_session=False)
    qtbot.addWidget(w)
    w.show()
    assert w.result_view.value_label.text() == "nan"
    assert "ce-all-ignored" in w.windowTitle()


def test_an_image_shaped_batch_brings_the_spatial_map_forward(window: MainWindow, qtbot) -> None:
    if "spatial" not in window.panels:
        pytest.skip("this build has no spatial panel")
    assert not window.panels["spatial"].isVisible()
    window.load_preset("segmentation-ignore-255")
    qtbot.waitUntil(window.panels["spatial"].isVisible)


def test_labels_selectable_on_hover_do_not_move_as_the_mouse_comes(qtbot):
    """They are plain while unused and selectable under the mouse: the same pixels."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    from .panel_helpers import settle, shown

    window = MainWindow(restore=False, with_session=False)
    shown(qtbot, window, (1440, 900))
    settle()
    labels = [
        window.result_view.value_label,
        window.result_view.explanation_label,
        window.panels["numerics"].table_label,
        window.panels["samples"].summary_label,
    ]
    for label in labels:
        plain = label.grab().toImage()
        assert label.textInteractionFlags() == Qt.TextInteractionFlag.NoTextInteraction
        spot = QPointF(2.0, 2.0)
        label.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, True)
        QApplication.sendEvent(label, QEnterEvent(spot, spot, label.mapToGlobal(spot)))
        assert label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
        settle()
        assert label.grab().toImage() == plain, label.text()
