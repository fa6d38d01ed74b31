"""The main window: wiring only (widgets, menus and shortcuts, status bar).

Every widget reads the one AppState and changes it through ``state.edit``;
the window builds them, places them (:mod:`lossgui.qt.window_layout`), offers
the menus and reports in the status bar. Nothing raised in one of its slots
escapes into Qt's event loop: it becomes a status-bar message instead.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGraphicsView,
    QLabel,
    QMainWindow,
    QWidget,
)

from lossgui.core.presets import PRESETS
from lossgui.presets_doc import preset_document
from lossgui.qt.controls import ControlsPanel
from lossgui.qt.dock_tab_bars import StaleTabBarSweeper
from lossgui.qt.export import export_window_png
from lossgui.qt.grid import GridView
from lossgui.qt.help_text import (
    losses_html,
    shortcuts_html,
    show_about,
    show_html,
    show_warning,
)
from lossgui.qt.icon import app_icon
from lossgui.qt.label_holder import LabelHolder, set_text
from lossgui.qt.pipeline import PipelineView
from lossgui.qt.result_view import ResultView
from lossgui.qt.slot_guard import guarded
from lossgui.qt.state import AppState
from lossgui.qt.sync_coalescer import SyncCoalescer
from lossgui.qt.window_layout import (
    PANELS,
    build_central,
    make_docks,
    optional_class,
    share_width,
    tab_docks,
    tile_docks,
)
from lossgui.qt.window_menus import build_actions, build_menus, shortcut_table
from lossgui.qt.window_settings import restore_layout, save_layout

__all__ = ["DEFAULT_SIZE", "PANELS", "MainWindow"]

DEFAULT_SIZE = (1440, 900)

_SESSION_SUFFIX = ".lossgui.json"
_OPEN_FILTER = (
    "Batches and sessions (*.npz *.npy *.csv *.tsv *.txt *.pt *.pth *.lossgui.json);;"
    "lossgui sessions (*.lossgui.json);;All files (*)"
)


class MainWindow(QMainWindow):
    """lossgui's window: the grid, the options, the result and the plots.

    Parameters
    ----------
    state : AppState, optional
        The state to show; a new one on the default example when omitted.
    parent : QWidget, optional
    restore : bool
        Offer the autosaved session of a crashed run once the window is shown.
    with_session : bool
        Save / open / autosave sessions; off for one-shot renders (``--screenshot``),
        which must not touch the user's autosave.
    session_options : mapping, optional
        Keywords for the SessionController (``data_dir``, ``dialogs``, ...);
        tests pass a temporary folder and scripted dialogs.
    settings : QSettings, optional
        Where the window remembers its size, place, docks and splitters between
        runs (restored now, saved on close); None (the default) keeps the
        default layout and stores nothing, as scripted renders need.

    Attributes
    ----------
    state : AppState
    grid, controls, result_view, pipeline : QWidget
    panels : dict of str to QWidget
        The plot panels by key (see :data:`PANELS`).
    docks : dict of str to QDockWidget
    session : SessionController or None
        Save / open / autosave, when lossgui.qt.session_io is available.
    preset_actions : dict of str to QAction
    loss_label, error_label : QLabel
        The status bar's loss value and PyTorch's rejection.
    """

    def __init__(
        self,
        state: AppState | None = None,
        parent: QWidget | None = None,
        *,
        restore: bool = True,
        with_session: bool = True,
        session_options: Mapping[str, Any] | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state if state is not None else AppState()
        self._restore = restore
        self._settings = settings
        self._force_close = False
        self._first_show = True
        self._was_spatial = False
        self._shown_title: str | None = None
        self.setObjectName("lossguiMainWindow")
        icon = app_icon()
        self.setWindowIcon(icon)
        app = QApplication.instance()
        if isinstance(app, QApplication) and app.windowIcon().isNull():
            app.setWindowIcon(icon)

        self.grid = GridView(self.state, self)
        self.controls = ControlsPanel(self.state, self)
        self.result_view = ResultView(self.state, self)
        self.pipeline = PipelineView(self.state, self)
        self._central = build_central(
            self, self.grid, self.pipeline, self.controls, self.result_view
        )
        self.panels, self.docks = make_docks(self, self.state)
        tab_docks(self, self.docks.values())
        # Qt leaves stray tab bars behind when it tabs docks (see dock_tab_bars).
        self._tab_bars = StaleTabBarSweeper(self)
        # One paint of the window per edit, not one per plot (see sync_coalescer).
        self._syncs = SyncCoalescer(self)
        self._syncs.watch_views(self.findChildren(QGraphicsView))
        self._syncs.watch_windows([self, *self.docks.values()])

        session_cls = optional_class("lossgui.qt.session_io", "SessionController")
        self.session = (
            session_cls(self, self.state, **dict(session_options or {}))
            if session_cls is not None and with_session
            else None
        )
        if self.session is not None:
            self.session.set_view_provider(self._view)
            self.session.viewLoaded.connect(self._guard(self._apply_view))

        self.preset_actions: dict[str, QAction] = {}
        build_actions(self)
        build_menus(self)
        self._build_status_bar()
        # Bound methods: Qt drops these connections when the window is destroyed,
        # while a state passed in by the caller may live on.
        self.state.changed.connect(self._on_changed)
        self.state.message.connect(self._on_message)
        self.state.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.resize(*DEFAULT_SIZE)
        self._geometry_restored = self._layout_restored = False
        if settings is not None:
            self._geometry_restored, self._layout_restored = restore_layout(
                settings, self, self.docks, self._central.splitters()
            )
        self._on_changed()

    # ---------------------------------------------------------------- layout
    def fit_to_screen(self) -> None:
        """Use more of a big screen (up to 1920 x 1200), less of one smaller than the default.

        A size and place remembered from the last run are kept instead.
        """
        screen = self.screen()
        if screen is None or self._geometry_restored:
            return
        room = screen.availableGeometry()
        width = min(max(DEFAULT_SIZE[0], int(room.width() * 0.85)), 1920, room.width())
        height = min(max(DEFAULT_SIZE[1], int(room.height() * 0.85)), 1200, room.height())
        self.resize(width, height)

    def tab_panels(self) -> None:
        """The default arrangement: two stacked groups of tabbed panels on the right."""
        tab_docks(self, self.docks.values())
        self._tab_bars.sweep_soon()

    def tile_panels(self) -> None:
        """Every panel visible at once, in two columns (for a large screen)."""
        tile_docks(self, self.docks.values())
        self._tab_bars.sweep_soon()

    def reset_layout(self) -> None:
        """The default arrangement again: every panel docked and shown, sizes shared anew."""
        self.tab_panels()
        for dock in self.docks.values():
            dock.show()
        # After the docks have settled into their new places, so their sizes are real.
        QTimer.singleShot(0, self._guard(self._share_space))
        self.state.message.emit("Layout reset: every panel is back in its place")

    def _share_space(self) -> None:
        share_width(self, self.docks.values(), self._central, self.controls, self.pipeline)

    # ---------------------------------------------------------------- actions
    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` as a slot that reports exceptions in the status bar instead of raising."""

        def run(*args: Any) -> Any:
            try:
                return fn(*args)
            except Exception as err:  # a bug must not escape into Qt's event loop
                traceback.print_exc()
                self.state.message.emit(
                    f"Internal error ({type(err).__name__}: {err}); please report it"
                )
                return None

        return run

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.loss_label = QLabel(self)
        self.loss_label.setToolTip("The loss as PyTorch computes it (and its value for a preset)")
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setMaximumWidth(520)
        bar.addPermanentWidget(self.error_label)
        # The value changes with every edit: held, it does not lay the window out again.
        holder = LabelHolder(bar)
        holder.hold(self.loss_label)
        bar.addPermanentWidget(holder)

    # ------------------------------------------------------------ user slots
    def load_preset(self, name: str) -> bool:
        """Show preset ``name`` (an undoable edit); False when refused."""
        ok = self.state.edit(lambda _doc: preset_document(name), f"Load preset {name}")
        if ok:
            self.state.message.emit(f"Preset {name}: {PRESETS[name].description}")
        return ok

    def randomize(self) -> None:
        """Fresh random logits and targets of the same shape (one undo step)."""
        self.controls.randomize()

    def open_dialog(self) -> bool:
        """Ask for a batch file or a session and open it (big batches load in the background)."""
        path, _ = QFileDialog.getOpenFileName(self, "Open", "", _OPEN_FILTER)
        if not path:
            return False
        if path.lower().endswith(_SESSION_SUFFIX):
            return self.open_file(path)
        try:
            from lossgui.qt.loading import open_file_async
        except ImportError:
            return self.open_file(path)
        # Progress, Cancel and failures are shown over the window by the task itself.
        open_file_async(self.state, path, parent=self)
        return True

    def open_file(self, path: str | Path, target_path: str | Path | None = None) -> bool:
        """Open a batch file (or a ``.lossgui.json`` session) now; False with a reason if not.

        A batch replaces the Document as one undoable edit, so the previous
        numbers come back with Undo.
        """
        name = Path(path).name
        if str(path).lower().endswith(_SESSION_SUFFIX) and self.session is not None:
            return self.session.open_path(path)
        try:
            from lossgui.loaders import load_document
        except ImportError as err:
            self._warn("Cannot open files", f"Opening files is not available here ({err}).")
            return False
        try:
            document = load_document(path, target_path)
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            self._warn("Could not open", f"Could not open {name}: {reason}")
            return False
        ok = self.state.edit(lambda _doc: document, f"Open {name}")
        if ok:
            self.state.message.emit(
                f"Opened {name}: {document.spec.label}, input {tuple(document.logits.shape)}"
            )
        return ok

    def export_screenshot_dialog(self) -> bool:
        """Ask for a file name and save a PNG of the window there."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Export Screenshot", "lossgui.png", "PNG images (*.png)"
        )
        return bool(path) and self.export_screenshot(path)

    def export_screenshot(self, path: str | Path, size: tuple[int, int] | None = None) -> bool:
        """Write a PNG of the window (at ``size`` pixels, default as shown)."""
        try:
            out = export_window_png(self, path, size)
        except OSError as err:
            self._warn("Export failed", str(err))
            return False
        self.state.message.emit(f"Saved screenshot {out.name}")
        return True

    def show_losses_help(self) -> None:
        """Help > What the Losses Are: a scrollable description that does not block."""
        show_html(self, "What the losses are", losses_html(), (640, 620))

    def show_about(self) -> None:
        """Help > About."""
        show_about(self)

    def show_shortcuts(self) -> None:
        """Help > Keyboard Shortcuts: a list that does not block."""
        html = shortcuts_html(shortcut_table(self.menuBar()))
        show_html(self, "Keyboard shortcuts", html, (560, 560))

    def _warn(self, title: str, text: str) -> None:
        """Say why an action failed: in the status bar and in a box that does not block."""
        self.state.message.emit(text)
        show_warning(self, title, text)

    # ----------------------------------------------------------- state slots
    @guarded
    def _on_changed(self) -> None:
        doc = self.state.document
        self.setWindowTitle(f"{doc.title or 'Untitled'}[*] — lossgui")
        spatial = doc.logits.ndim > 2
        if spatial and not self._was_spatial and "spatial" in self.docks:
            # An image-shaped batch just arrived: show its map rather than leave it in a tab.
            self.docks["spatial"].raise_()
        self._was_spatial = spatial
        if doc.title != self._shown_title and not spatial and "imbalance" in self.docks:
            # A new batch whose classes are badly skewed: the imbalance panel explains it.
            self._shown_title = doc.title
            if doc.target_kind == "index" and _skewed(doc.target):
                self.docks["imbalance"].raise_()
        evaluation = self.state.evaluation
        if self.state.error is not None or evaluation is None:
            set_text(self.loss_label, f"{doc.spec.label}: no value")
            error = self.state.error or ""
            short = error if len(error) <= 90 else error[:87] + "…"
            self.error_label.setText(f"PyTorch would refuse: {short}")
            self.error_label.setToolTip(error)
            return
        text = f"{doc.spec.label} = {evaluation.value:.6g}"
        if doc.expected is not None:
            text += f"   (PyTorch: {doc.expected:.6g})"
        set_text(self.loss_label, text)
        if self.error_label.text():
            # QLabel.clear() lays the status bar out again even when it is already empty.
            self.error_label.clear()
            self.error_label.setToolTip("")

    @guarded
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    @guarded
    def _on_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _view(self) -> dict[str, Any]:
        """What a saved session remembers about the window."""
        return {"gradient_colouring": self.gradient_action.isChecked()}

    def _apply_view(self, view: dict[str, Any]) -> None:
        colouring = view.get("gradient_colouring")
        if isinstance(colouring, bool):
            self.gradient_action.setChecked(colouring)

    # ----------------------------------------------------------------- events
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._first_show:
            return
        self._first_show = False
        if not self._layout_restored:
            self._share_space()
        self._tab_bars.sweep_soon()
        if self._restore and self.session is not None:
            # After the window is on screen, so the question has a parent to sit on.
            QTimer.singleShot(0, self._guard(self.session.offer_restore))

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            if self._force_close or self.session is None or self.session.confirm_close():
                event.accept()
                self.save_layout()
            else:
                event.ignore()
        except Exception:  # a failing question must not keep the window from closing
            traceback.print_exc()
            event.accept()

    def save_layout(self) -> None:
        """Remember size, place, docks and splitters for the next run (with ``settings``)."""
        if self._settings is not None:
            save_layout(self._settings, self, self.docks, self._central.splitters())

    def close_without_asking(self) -> None:
        """Close without the unsaved-changes question (scripted runs, screenshots)."""
        self._force_close = True
        if self.session is not None:
            self.session.shutdown()
        self.close()


def _skewed(target: np.ndarray) -> bool:
    """Class-index targets of 100 or more rows whose rarest class has < 5% of the commonest's."""
    flat = np.asarray(target).reshape(-1)
    if flat.size < 100 or flat.size > 1_000_000 or flat.dtype.kind not in "iu":
        return False
    counts = np.bincount(flat[flat >= 0])
    present = counts[counts > 0]
    return present.size > 1 and present.min() < 0.05 * present.max()
