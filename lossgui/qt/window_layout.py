"""Where the main window puts things: the central splitters and the plot docks.

The numbers (grid above the step-by-step pipeline) sit on the left, the
settings (options above the result) in the middle, and the plot panels are
dock widgets on the right: by default two stacked groups of tabs, or all of
them tiled at once for a large screen.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QSplitter, QWidget

from lossgui.qt.export import enable_plot_exports
from lossgui.qt.state import AppState

__all__ = [
    "OPTIONAL_PANELS",
    "PANELS",
    "FitScrollArea",
    "build_central",
    "make_docks",
    "optional_class",
    "share_width",
    "tab_docks",
    "tile_docks",
]

#: The plot panels: (key, dock title, module, class), in the order of the View menu.
PANELS: tuple[tuple[str, str, str, str], ...] = (
    ("loss_curve", "Loss vs logit", "lossgui.qt.panels.loss_curve", "LossCurvePanel"),
    ("sigmoid_softmax", "Sigmoid vs softmax", "lossgui.qt.panels.sigmoid_softmax",
     "SigmoidSoftmaxPanel"),
    ("imbalance", "Class imbalance", "lossgui.qt.panels.imbalance", "ImbalancePanel"),
    ("numerics", "Numerics", "lossgui.qt.panels.numerics", "NumericsPanel"),
    ("entropy_kl", "Entropy and KL", "lossgui.qt.panels.entropy_kl", "EntropyKLPanel"),
    ("spatial", "Spatial map", "lossgui.qt.panels.spatial", "SpatialPanel"),
    ("samples", "Samples", "lossgui.qt.sample_table", "SampleTable"),
)
#: Panels the window shows when their module is there, and goes without otherwise.
OPTIONAL_PANELS = ("spatial", "samples")


def optional_class(module: str, name: str) -> type | None:
    """A class from a module this build may not have, or None (other import errors raise)."""
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as err:
        if err.name != module:
            raise
        return None


def _scrolled(widget: QWidget, parent: QWidget) -> QScrollArea:
    scroll = QScrollArea(parent)
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


class FitScrollArea(QScrollArea):
    """Gives its widget the whole viewport, and scrolls only below the widget's minimum size.

    QScrollArea's own resizing asks a word-wrapping widget for its height at the
    viewport's width, which for a panel of plots is its preferred (tall) height:
    the plots would stretch below the dock and scroll. Here the plots shrink to
    the dock first, and a scroll bar appears only where they cannot shrink more.
    """

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(False)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        widget = self.widget()
        if widget is None:
            return
        need = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        room = self.maximumViewportSize()
        bar_h = self.horizontalScrollBar().sizeHint().height()
        bar_w = self.verticalScrollBar().sizeHint().width()
        height = room.height() - (bar_h if need.width() > room.width() else 0)
        width = room.width() - (bar_w if need.height() > height else 0)
        widget.resize(max(width, need.width()), max(height, need.height()))


def build_central(
    window: QMainWindow, grid: QWidget, pipeline: QWidget, controls: QWidget, result: QWidget
) -> tuple[QSplitter, QSplitter]:
    """Numbers on the left, settings in the middle; returns (central, middle) splitters."""
    left = QSplitter(Qt.Orientation.Vertical, window)
    left.setObjectName("numbersColumn")
    left.setChildrenCollapsible(False)
    left.addWidget(grid)
    left.addWidget(pipeline)
    left.setStretchFactor(0, 3)
    left.setStretchFactor(1, 2)

    scroll = _scrolled(controls, window)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    middle = QSplitter(Qt.Orientation.Vertical, window)
    middle.setObjectName("settingsColumn")
    middle.setChildrenCollapsible(False)
    middle.addWidget(scroll)
    middle.addWidget(result)
    middle.setStretchFactor(0, 3)
    middle.setStretchFactor(1, 2)

    central = QSplitter(Qt.Orientation.Horizontal, window)
    central.setObjectName("centralSplitter")
    central.setChildrenCollapsible(False)
    central.addWidget(left)
    central.addWidget(middle)
    central.setStretchFactor(0, 2)
    central.setStretchFactor(1, 1)
    window.setCentralWidget(central)
    return central, middle


def make_docks(
    window: QMainWindow, state: AppState
) -> tuple[dict[str, QWidget], dict[str, QDockWidget]]:
    """One dock per available panel, each panel built on ``state``; not yet placed."""
    panels: dict[str, QWidget] = {}
    docks: dict[str, QDockWidget] = {}
    for key, title, module, name in PANELS:
        if key in OPTIONAL_PANELS:
            cls = optional_class(module, name)
            if cls is None:
                continue
        else:
            cls = getattr(importlib.import_module(module), name)
        panel = cls(state, window)
        dock = QDockWidget(title, window)
        dock.setObjectName(f"dock_{key}")
        # A scroll area lets the dock be narrower than a panel's widest toolbar.
        dock.setWidget(FitScrollArea(panel, dock))
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        # A tab behind another is moved out of sight, not hidden: hide its panel so
        # it skips redraws until its tab is chosen (PanelBase catches up on show).
        dock.visibilityChanged.connect(panel.setVisible)
        enable_plot_exports(getattr(panel, "plots", []))
        panels[key] = panel
        docks[key] = dock
    return panels, docks


def _redock(window: QMainWindow, docks: Iterable[QDockWidget]) -> list[QDockWidget]:
    """Take every dock out and put it back on the right, shown: a clean slate."""
    docks = list(docks)
    for dock in docks:
        window.removeDockWidget(dock)
    for dock in docks:
        dock.setFloating(False)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.show()
    return docks


def tab_docks(window: QMainWindow, docks: Iterable[QDockWidget]) -> None:
    """The default arrangement: two stacked groups of tabs, the first of each in front."""
    placed = _redock(window, docks)
    top, bottom = placed[0::2], placed[1::2]
    if bottom:
        window.splitDockWidget(top[0], bottom[0], Qt.Orientation.Vertical)
    for group in (top, bottom):
        for dock in group[1:]:
            window.tabifyDockWidget(group[0], dock)
        if group:
            group[0].raise_()


def tile_docks(window: QMainWindow, docks: Iterable[QDockWidget]) -> None:
    """Every dock visible at once, in two columns."""
    placed = _redock(window, docks)
    if len(placed) > 1:
        window.splitDockWidget(placed[0], placed[1], Qt.Orientation.Horizontal)
    for i in range(2, len(placed)):
        window.splitDockWidget(placed[i - 2], placed[i], Qt.Orientation.Vertical)


def share_width(
    window: QMainWindow,
    docks: Iterable[QDockWidget],
    central: QSplitter,
    middle: QSplitter,
    controls: QWidget,
) -> None:
    """Plots get half the width (more, up to 55%, if the front panels need it to show
    without scrolling); the numbers and the settings share the rest 3 : 2. The options
    get the height they need, the result the rest.
    """
    width = window.width()
    docked = [d for d in docks if not d.isFloating()]
    plots = 0
    if docked:
        fronts = [d.widget() for d in docked if not d.visibleRegion().isEmpty()] or [
            docked[0].widget()
        ]
        needed = max(f.widget().minimumSizeHint().width() for f in fronts if f is not None) + 12
        plots = min(max(width // 2, needed), int(width * 0.55))
        window.resizeDocks(docked[:1], [plots], Qt.Orientation.Horizontal)
    rest = max(width - plots - 16, 200)
    central.setSizes([rest * 3 // 5, rest * 2 // 5])
    needed = controls.sizeHint().height() + 8
    middle.setSizes([needed, max(120, middle.height() - needed)])
