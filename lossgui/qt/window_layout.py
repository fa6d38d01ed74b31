"""Where the main window puts things: the central splitters and the plot docks.

The grid and the settings (options above the result) share the top of the
central area, the step-by-step pipeline spans its bottom, and the plot panels
are dock widgets on the right: by default two stacked groups of tabs, or all
of them tiled at once for a large screen.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTableView,
    QWidget,
)

from lossgui.qt.export import enable_plot_exports
from lossgui.qt.state import AppState

__all__ = [
    "OPTIONAL_PANELS",
    "PANELS",
    "Central",
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


@dataclass(frozen=True)
class Central:
    """The central area's splitters (their states are saved with the window's layout).

    Attributes
    ----------
    central : QSplitter
        Vertical: the top row above the full-width pipeline.
    top : QSplitter
        Horizontal: the grid beside the settings column.
    middle : QSplitter
        Vertical: the options above the result.
    """

    central: QSplitter
    top: QSplitter
    middle: QSplitter

    def splitters(self) -> dict[str, QSplitter]:
        """The splitters by object name."""
        return {s.objectName(): s for s in (self.central, self.top, self.middle)}


def build_central(
    window: QMainWindow, grid: QWidget, pipeline: QWidget, controls: QWidget, result: QWidget
) -> Central:
    """The grid beside the settings (options above the result), the pipeline below both.

    The pipeline spans the whole central width: its table has a column per class
    plus a column of formulas, and half of it was cut off in a column of its own.
    """
    scroll = _scrolled(controls, window)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    middle = QSplitter(Qt.Orientation.Vertical, window)
    middle.setObjectName("settingsColumn")
    middle.setChildrenCollapsible(False)
    middle.addWidget(scroll)
    middle.addWidget(result)
    middle.setStretchFactor(0, 0)
    middle.setStretchFactor(1, 1)

    top = QSplitter(Qt.Orientation.Horizontal, window)
    top.setObjectName("numbersRow")
    top.setChildrenCollapsible(False)
    top.addWidget(grid)
    top.addWidget(middle)
    top.setStretchFactor(0, 1)
    top.setStretchFactor(1, 0)

    central = QSplitter(Qt.Orientation.Vertical, window)
    central.setObjectName("centralSplitter")
    central.setChildrenCollapsible(False)
    central.addWidget(top)
    central.addWidget(pipeline)
    central.setStretchFactor(0, 1)
    central.setStretchFactor(1, 0)
    window.setCentralWidget(central)
    return Central(central, top, middle)


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
        # Docked first: removing a floating dock leaves it floating once added back.
        dock.setFloating(False)
        window.removeDockWidget(dock)
    for dock in docks:
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
    layout: Central,
    controls: QWidget,
    pipeline: QWidget,
) -> None:
    """Size the default arrangement to the window.

    The plots get half the width (more, up to 55%, if the front panels need it
    to show without scrolling; less, down to 45%, if the grid needs it to show
    all its columns beside the settings). Of the rest, the grid gets the width that shows
    all its columns and the settings column the remainder (at least what the
    options need, at most 45%); the pipeline below gets the height its table
    needs (within a third to a half of the height), the grid and the settings
    the rest; the options get their height, the result the remainder.
    """
    width = window.width()
    docked = [d for d in docks if not d.isFloating()]
    plots = needed = 0
    if docked:
        fronts = [d.widget() for d in docked if not d.visibleRegion().isEmpty()] or [
            docked[0].widget()
        ]
        needed = max(f.widget().minimumSizeHint().width() for f in fronts if f is not None) + 12
        plots = min(max(width // 2, needed), int(width * 0.55))
    height = max(layout.central.height(), 300)
    pipe = min(max(_content_height(pipeline), height // 3), height // 2)
    layout.central.setSizes([height - pipe, pipe])
    options = controls.sizeHint().height() + 8
    layout.middle.setSizes([options, max(120, height - pipe - options)])

    # The grid shows all its columns if it can; the settings take the rest (within limits).
    floor = max(controls.minimumSizeHint().width() + 8, 280)
    grid = _table_width(layout.top.widget(0), height - pipe)
    short = floor - (width - plots - 16 - grid)
    if docked and short > 0:
        # The plots give the grid what it lacks, down to 45 % of the width and never
        # below what their front panels need: a clipped share column is read wrongly.
        plots -= max(0, min(short, plots - max(needed, int(width * 0.45))))
    if docked:
        window.resizeDocks(docked[:1], [plots], Qt.Orientation.Horizontal)
    rest = max(width - plots - 16, 300)
    settings = min(max(floor, rest - grid), max(floor, rest * 9 // 20))
    layout.top.setSizes([rest - settings, settings])

def _content_height(pipeline: QWidget) -> int:
    """The pipeline height that shows its whole table without a vertical scroll bar."""
    table = getattr(pipeline, "table", None)
    layout = pipeline.layout()
    if not isinstance(table, QTableView) or layout is None:
        return pipeline.sizeHint().height()
    header = table.horizontalHeader()
    head = header.sizeHint().height() if not header.isHidden() else 0
    # A horizontal scroll bar takes height when the columns are wider than the table.
    room = pipeline.width() - 2 * table.frameWidth()
    bar = table.horizontalScrollBar().sizeHint().height() if header.length() > room else 0
    height = head + table.verticalHeader().length() + 2 * table.frameWidth() + bar
    # Everything else in the pipeline's layout (title, batch line) keeps its height.
    shown = [layout.itemAt(i) for i in range(layout.count())]
    others = [
        item.sizeHint().height()
        for item in shown
        if item.widget() is not table and not (item.widget() and item.widget().isHidden())
    ]
    margins = layout.contentsMargins()
    spacing = max(layout.spacing(), 0) * len(others)
    return height + sum(others) + spacing + margins.top() + margins.bottom() + 2


def _table_width(grid: QWidget, height: int) -> int:
    """The width that shows every column of the grid's table when it is ``height`` tall."""
    view = getattr(grid, "view", None)
    if not isinstance(view, QTableView):
        return grid.sizeHint().width()
    header = view.horizontalHeader()
    columns = sum(header.sectionSize(i) for i in range(header.count()))
    # A vertical scroll bar takes width only when the rows overflow (the summary is ~40 px).
    rows = view.verticalHeader().length() + header.height() + 2 * view.frameWidth() + 40
    bar = view.verticalScrollBar().sizeHint().width() if rows > height else 0
    return columns + view.verticalHeader().width() + 2 * view.frameWidth() + bar + 4
