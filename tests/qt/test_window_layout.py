"""The window's layout as a user sees it: panels fit, it remembers itself, menus explain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QTabBar

from lossgui.document import Document
from lossgui.document_convert import default_document, randomized
from lossgui.presets_doc import preset_document
from lossgui.qt.dock_tab_bars import stale_tab_bars
from lossgui.qt.grid import GridView
from lossgui.qt.icon import icon_path
from lossgui.qt.main_window import MainWindow
from lossgui.qt.panels.entropy_kl import EntropyKLPanel
from lossgui.qt.panels.imbalance import ImbalancePanel
from lossgui.qt.panels.loss_curve import LossCurvePanel
from lossgui.qt.panels.numerics import NumericsPanel
from lossgui.qt.panels.sigmoid_softmax import SigmoidSoftmaxPanel
from lossgui.qt.session_dialogs import SessionDialogs
from lossgui.qt.state import AppState
from lossgui.qt.window_menus import menu_actions
from lossgui.qt.window_settings import LAYOUT_VERSION
from tests.qt.panel_helpers import settle, shown

HALF_WINDOW = 620


class _Scripted(SessionDialogs):
    """Answers every question without a modal dialog."""

    def ask_save_changes(self, parent: object, name: str) -> str:
        return "discard"

    def ask_restore(self, parent: object, detail: str) -> bool:
        return False

    def warn(self, parent: object, title: str, text: str) -> None:
        return None


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "lossgui.ini"), QSettings.Format.IniFormat)


def open_window(qtbot, size=(1440, 900), doc=None, settings=None, **kwargs) -> MainWindow:
    kwargs.setdefault("with_session", False)
    window = MainWindow(
        AppState(doc) if doc is not None else None, restore=False, settings=settings, **kwargs
    )
    if size is None:  # the window's own default size
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window
    return shown(qtbot, window, size)


# ------------------------------------------------------------------- panels
DOCUMENTS = {
    "default": default_document,
    "imbalance": lambda: preset_document("imbalance-99-percent"),
    "segmentation": lambda: preset_document("segmentation-ignore-255"),
}


@pytest.mark.parametrize(
    "cls", [LossCurvePanel, SigmoidSoftmaxPanel, ImbalancePanel, NumericsPanel, EntropyKLPanel]
)
@pytest.mark.parametrize("which", list(DOCUMENTS))
def test_panels_fit_half_a_window(qtbot, cls, which: str) -> None:
    panel = cls(AppState(DOCUMENTS[which]()))
    qtbot.addWidget(panel)
    for size in ((HALF_WINDOW, 420), (900, 420), (HALF_WINDOW, 800)):
        panel.resize(*size)
        panel.show()
        settle()
        assert panel.minimumSizeHint().width() <= HALF_WINDOW, (size, panel.minimumSizeHint())


@pytest.mark.parametrize("size", [(1440, 900), (1600, 1000)])
def test_every_panel_shows_whole_without_scroll_bars(qtbot, size) -> None:
    window = open_window(qtbot, size)
    for key, dock in window.docks.items():
        dock.raise_()
        panel = window.panels[key]
        qtbot.waitUntil(panel.isVisible)
        settle()
        scroll = dock.widget()
        assert not scroll.horizontalScrollBar().isVisible(), (key, size)
        assert not scroll.verticalScrollBar().isVisible(), (key, size)
        assert panel.height() >= panel.minimumSizeHint().height(), (key, size)


def test_numerics_fits_a_column_of_the_tiled_layout_without_scrolling_sideways(qtbot) -> None:
    # Every panel visible at 1920 x 1200 (View > Tile All Panels) beside a 64 x 10 grid, as
    # benchmarks/bench_gui.py shows it: the numerics table (a column per dtype) is narrower
    # than the two plots above it.
    batch = randomized(default_document().with_shape(64, 10), np.random.default_rng(0))
    window = open_window(qtbot, (1920, 1200), doc=batch)
    window.tile_panels()
    settle()
    panel, scroll = window.panels["numerics"], window.docks["numerics"].widget()
    assert panel.isVisible()
    assert panel.table_label.minimumSizeHint().width() < sum(p.width() for p in panel.plots)
    assert not scroll.horizontalScrollBar().isVisible()
    assert panel.width() <= scroll.viewport().width()


@pytest.mark.parametrize("size", [(1440, 900), (1600, 1000)])
def test_grid_and_pipeline_show_the_default_example_without_scrolling(qtbot, size) -> None:
    window = open_window(qtbot, size)
    settle()
    assert not window.grid.view.horizontalScrollBar().isVisible()
    table = window.pipeline.table
    assert table.isVisible() and table.model().rowCount() > 0
    assert not table.horizontalScrollBar().isVisible()
    assert not table.verticalScrollBar().isVisible()
    # Every step's row lies inside the table's viewport (none cut off at the bottom).
    last = table.model().rowCount() - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    # The plots keep half the window.
    assert window.docks["loss_curve"].width() >= size[0] // 2 - 20


def test_imbalance_buttons_wrap_in_a_narrow_dock(qtbot) -> None:
    panel = ImbalancePanel(AppState(preset_document("imbalance-99-percent")))
    qtbot.addWidget(panel)
    panel.show()
    panel.resize(1000, 500)
    settle()
    first, last = panel.buttons["inverse"], panel.buttons["clear"]
    assert first.y() == last.y()
    panel.resize(420, 600)
    settle()
    assert last.y() > first.y()
    assert last.geometry().right() <= panel.width()


def test_overlay_menu_button_counts_what_is_drawn(qtbot) -> None:
    panel = LossCurvePanel(AppState())
    qtbot.addWidget(panel)
    assert panel.overlay_button.text() == "Overlay"
    panel.overlay_boxes["cross_entropy"].setChecked(True)
    assert panel.overlay_button.text() == "Overlay (1)"
    assert panel.overlay_curves["cross_entropy"].scene() is not None
    panel.overlay_boxes["cross_entropy"].setChecked(False)
    assert panel.overlay_button.text() == "Overlay"


def test_sigmoid_plots_sit_in_a_row_when_the_dock_is_wide_and_short(qtbot) -> None:
    panel = SigmoidSoftmaxPanel(AppState())
    qtbot.addWidget(panel)
    panel.show()
    panel.resize(720, 380)
    settle()
    assert len({plot.y() for plot in panel.plots}) == 1
    assert min(plot.height() for plot in panel.plots) >= 200
    panel.resize(560, 700)
    settle()
    assert panel.plots[2].y() > panel.plots[0].y()


def test_grid_summary_wraps_instead_of_widening_the_grid(qtbot) -> None:
    doc = Document(
        loss="cross_entropy", logits=np.zeros((2, 3, 64, 64)), target=np.zeros((2, 64, 64))
    )
    grid = GridView(AppState(doc))
    qtbot.addWidget(grid)
    assert grid.minimumSizeHint().width() <= 320


# ------------------------------------------------------- remembered layout
def test_window_remembers_size_docks_and_splitters(qtbot, settings) -> None:
    # Smaller than the offscreen screen (800 x 800): restoring clamps to the screen.
    first = open_window(qtbot, (760, 620), settings=settings)
    first.docks["numerics"].hide()
    first._central.top.setSizes([200, 150])
    settle()
    sizes = first._central.top.sizes()
    first.close()
    again = open_window(qtbot, None, settings=settings)
    settle()
    assert (again.width(), again.height()) == (760, 620)
    assert not again.docks["numerics"].toggleViewAction().isChecked()
    assert again.docks["loss_curve"].isVisible()
    assert again._central.top.sizes() == sizes


def test_a_stored_layout_without_a_panel_still_shows_that_panel(qtbot, settings) -> None:
    first = open_window(qtbot, settings=settings)
    gone = first.docks.pop("entropy_kl")
    first.removeDockWidget(gone)
    gone.deleteLater()
    first.close()
    assert "dock_entropy_kl" not in str(settings.value("window/docks"))
    again = open_window(qtbot, settings=settings)
    settle()
    dock = again.docks["entropy_kl"]
    assert dock.toggleViewAction().isChecked() and not dock.isFloating()
    assert again.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert again.tabifiedDockWidgets(dock), "the new panel should sit in a group of tabs"


def test_a_layout_from_another_version_is_ignored(qtbot, settings) -> None:
    first = open_window(qtbot, settings=settings)
    first.docks["samples"].hide()
    first.close()
    settings.setValue("window/version", LAYOUT_VERSION - 1)
    again = open_window(qtbot, settings=settings)
    assert again.docks["samples"].toggleViewAction().isChecked()


def test_without_settings_nothing_is_stored(qtbot, tmp_path: Path) -> None:
    window = open_window(qtbot)
    window.close()
    assert not list(tmp_path.iterdir())


def test_reset_layout_brings_every_panel_back(qtbot) -> None:
    window = open_window(qtbot)
    window.docks["numerics"].hide()
    window.docks["imbalance"].setFloating(True)
    window.reset_layout_action.trigger()
    settle()
    for dock in window.docks.values():
        assert dock.toggleViewAction().isChecked() and not dock.isFloating()
    assert window.docks["loss_curve"].width() >= 1440 // 2 - 20


def _shown_tab_bars(window: MainWindow) -> list[list[str]]:
    return sorted(
        [bar.tabText(i) for i in range(bar.count())]
        for bar in window.findChildren(QTabBar)
        if bar.parent() is window and bar.isVisible() and bar.count()
    )


def test_no_stray_tab_bar_is_left_over_the_window(qtbot) -> None:
    # Qt leaves a copy of the second group's first tab bar (its first two tabs) behind
    # when docks are tabified before the first show, and more when they are tabbed again.
    window = open_window(qtbot)
    settle()
    groups = sorted(
        [
            ["Loss vs logit", "Class imbalance", "Entropy and KL", "Samples"],
            ["Sigmoid vs softmax", "Numerics", "Spatial map"],
        ]
    )
    assert _shown_tab_bars(window) == groups
    for _ in range(2):
        window.tile_panels()
        settle()
        assert _shown_tab_bars(window) == []  # every panel in a dock of its own
        # Dragging a dock's edge relays the docks out (and Qt used to show a stray bar).
        window.resizeDocks([window.docks["loss_curve"]], [700], Qt.Orientation.Horizontal)
        settle()
        assert _shown_tab_bars(window) == []
        window.tab_panels()
        settle()
        assert _shown_tab_bars(window) == groups
        assert stale_tab_bars(window) == []


# -------------------------------------------------------------------- menus
@pytest.fixture
def full_window(qtbot, tmp_path: Path) -> MainWindow:
    return open_window(
        qtbot,
        with_session=True,
        session_options={"data_dir": tmp_path / "data", "dialogs": _Scripted()},
    )


def test_every_menu_entry_explains_itself(full_window: MainWindow) -> None:
    for top in full_window.menuBar().actions():
        menu = top.menu()
        submenus = [a for a in menu.actions() if a.menu() is not None]
        for action in [*menu_actions(menu), *submenus]:
            assert action.statusTip().strip(), f"{top.text()} > {action.text()} has no status tip"
            assert action.toolTip().strip()


def test_no_two_actions_share_a_shortcut(full_window: MainWindow) -> None:
    seen: dict[str, str] = {}
    for action in full_window.findChildren(type(full_window.undo_action)):
        for key in action.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.PortableText)
            assert text not in seen or seen[text] == action.text(), (
                f"{text}: {seen.get(text)} and {action.text()}"
            )
            seen[text] = action.text()
    assert {"Ctrl+Z", "Ctrl+S", "Ctrl+O"} <= set(seen)


def test_keyboard_shortcuts_help_lists_them(full_window: MainWindow, qtbot) -> None:
    full_window.shortcuts_action.trigger()
    texts = [w.toPlainText() for w in full_window.findChildren(object) if hasattr(w, "toHtml")]
    listing = next(t for t in texts if "Keyboard" in t or "Ctrl+Z" in t)
    for expected in ("Ctrl+Z", "Ctrl+S", "Randomize", "Ctrl+Shift+W"):
        assert expected in listing, expected


def test_window_has_an_icon(qtbot) -> None:
    window = open_window(qtbot)
    assert not window.windowIcon().isNull()
    path = icon_path()
    assert path is not None and path.suffix == ".svg"
    assert isinstance(window.docks["loss_curve"], QDockWidget)


def test_a_skewed_batch_brings_the_imbalance_panel_forward(qtbot) -> None:
    window = open_window(qtbot)
    assert not window.panels["imbalance"].isVisible()
    window.load_preset("imbalance-99-percent")
    qtbot.waitUntil(window.panels["imbalance"].isVisible)
    # Probability targets have no class counts to be skewed: nothing moves, nothing breaks.
    window.docks["loss_curve"].raise_()
    assert window.state.edit(lambda d: d.with_loss("cross_entropy", "probability"), "soft")
    assert not window.panels["imbalance"].isVisible()
