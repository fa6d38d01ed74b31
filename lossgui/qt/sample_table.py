"""Every sample of a big batch: a sortable table, the loss histogram and per-class totals.

The table is a virtual model (:mod:`lossgui.qt.sample_table_model`) over the
Evaluation's arrays, sorted worst-first by default, and stays smooth with a
million rows. Beside it, a histogram of the per-sample losses marks the
selected sample, and a bar per target class shows where the summed loss comes
from; clicking a bar selects that class's worst sample. Selecting a row calls
``state.select`` so the grid and every plot show that sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPointF, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lossgui.core.evaluate import Evaluation
from lossgui.document import Document
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.label_selection import selectable_on_hover
from lossgui.qt.panels.base import (
    COLORS,
    PanelBase,
    brush,
    fit_range,
    integer_ticks,
    make_plot,
    pen,
    safe_slot,
    set_curve,
    set_line,
)
from lossgui.qt.panels.data_items import Bars
from lossgui.qt.panels.marker_line import MarkerLine
from lossgui.qt.sample_table_model import (
    LOSS,
    SAMPLE,
    SYNC_SORT_ROWS,
    SampleTableModel,
    target_classes,
)
from lossgui.qt.state import AppState
from lossgui.wording import counted

__all__ = ["HISTOGRAM_BINS", "SampleStats", "SampleTable", "sample_stats", "status_label"]

HISTOGRAM_BINS = 60


def status_label(parent: QWidget) -> QLabel:
    """A one-line label whose changing text never resizes its neighbours.

    A label that grows with its text makes the layout move every plot beside
    it, and each moved plot repaints its axes: the costly part of a redraw.
    """
    label = QLabel(parent)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setFixedHeight(label.fontMetrics().height() + 4)
    selectable_on_hover(label)  # plain while unused: a cheap redraw
    return label


@dataclass(frozen=True, eq=False)
class SampleStats:
    """Summaries of one Evaluation's per-sample losses.

    Attributes
    ----------
    edges : ndarray, shape (B + 1,); counts : ndarray, shape (B,), float64
        Histogram of the finite losses of non-ignored samples.
    classes : ndarray, shape (P,)
        Target class per sample (see ``target_classes``).
    class_counts, class_totals : ndarray, shape (C,)
        Samples and summed loss per target class (ignored samples left out).
    ignored : int
    worst : int
        The sample with the largest finite loss, -1 if none.
    """

    edges: np.ndarray
    counts: np.ndarray
    classes: np.ndarray
    class_counts: np.ndarray
    class_totals: np.ndarray
    ignored: int
    worst: int


def sample_stats(
    document: Document, row_loss: np.ndarray, ignored: np.ndarray, classes_count: int
) -> SampleStats:
    """Histogram, per-class totals and worst sample; pure NumPy, safe in a worker thread."""
    classes = target_classes(document)
    finite = np.isfinite(row_loss)
    used = finite & ~ignored
    losses = row_loss[used]
    lo, hi = (float(losses.min()), float(losses.max())) if losses.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    # Bin indices by arithmetic + bincount: several times faster than np.histogram.
    scale = HISTOGRAM_BINS / (hi - lo)
    bins = np.minimum(((losses - lo) * scale).astype(np.int64), HISTOGRAM_BINS - 1)
    counts = np.bincount(bins, minlength=HISTOGRAM_BINS).astype(np.float64)
    edges = lo + np.arange(HISTOGRAM_BINS + 1) / scale
    valid = used & (classes >= 0) & (classes < classes_count)
    cls = classes[valid]
    class_counts = np.bincount(cls, minlength=classes_count)[:classes_count]
    class_totals = np.bincount(cls, weights=row_loss[valid], minlength=classes_count)
    worst = int(np.argmax(np.where(finite, row_loss, -np.inf))) if finite.any() else -1
    return SampleStats(
        edges=edges,
        counts=counts,
        classes=classes,
        class_counts=class_counts,
        class_totals=class_totals[:classes_count],
        ignored=int(np.count_nonzero(ignored)),
        worst=worst,
    )


class SampleTable(PanelBase):
    """Per-sample losses of the current batch.

    Attributes
    ----------
    model : SampleTableModel
    table : QTableView
    hist_plot, class_plot : pg.PlotWidget
        ``plots`` holds both (the window exports them).
    histogram : pg.PlotDataItem
        Counts of per-sample losses (ignored samples left out), step style.
    selected_line : MarkerLine
        The selected sample's loss on the histogram.
    class_bars : pg.BarGraphItem
        Summed loss per target class; the selected sample's class is highlighted.
    summary_label, class_label : QLabel
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self._syncing = False
        self.stats: SampleStats | None = None
        # The statistics the bars show and the highlighted class. The object itself,
        # not its id: a freed SampleStats' id is often reused by the next one.
        self._drawn_classes: tuple[SampleStats, int | None] | None = None

        header = QHBoxLayout()
        self.summary_label = status_label(self)
        header.addWidget(self.summary_label, 1)
        self.worst_button = QPushButton("Worst first", self)
        self.worst_button.setToolTip("Sort by loss, largest first (Ctrl+Shift+W)")
        self.worst_button.setShortcut("Ctrl+Shift+W")
        self.worst_button.clicked.connect(self._sort_worst_first)
        self.order_button = QPushButton("Grid order", self)
        self.order_button.setToolTip("Show the samples in the batch's own order")
        self.order_button.clicked.connect(self._sort_grid_order)
        header.addWidget(self.worst_button)
        header.addWidget(self.order_button)
        self._layout.addLayout(header)

        self.model = SampleTableModel(self)
        self.model.background.busyChanged.connect(self._on_busy)
        self.model.resorted.connect(self._on_resorted)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights keep a million-row table's scrolling O(1).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setDefaultSectionSize(78)
        self.table.setColumnWidth(SAMPLE, 110)
        self.table.horizontalHeader().setSortIndicator(LOSS, Qt.SortOrder.DescendingOrder)
        self.table.setToolTip("Click a sample to show it in the grid and in every plot.")
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.busy_label = status_label(self)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.busy_label)

        self.hist_plot = make_plot(
            "Per-sample loss", "loss per sample (nats)", "samples", legend=None
        )
        self.histogram = self.hist_plot.plot(
            [0.0, 1.0],
            [0.0],
            stepMode="center",
            fillLevel=0,
            pen=pen("blue", 1.5),
            brush=brush("blue", 110),
        )
        self.selected_line = MarkerLine(
            self.hist_plot,
            pen("orange", 2),
            label="selected",
            label_at=0.9,
            label_color=COLORS["orange"],
        )
        self.class_plot = make_plot(
            "Summed loss by target class", "target class", "summed loss (nats)", legend=None
        )
        self.class_bars = Bars(x=[0], height=[0], width=0.8, brush=brush("sky", 200))
        self.class_plot.addItem(self.class_bars)
        self.class_plot.setToolTip("Click a bar to select that class's worst sample.")
        self.class_plot.scene().sigMouseMoved.connect(self._on_class_hover)
        self.class_plot.scene().sigMouseClicked.connect(self._on_class_click)
        self.class_label = status_label(self)
        self.plots = [self.hist_plot, self.class_plot]

        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.hist_plot)
        class_box = QWidget(right)
        class_layout = QVBoxLayout(class_box)
        class_layout.setContentsMargins(0, 0, 0, 0)
        class_layout.addWidget(self.class_plot, 1)
        class_layout.addWidget(self.class_label)
        right.addWidget(class_box)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self._layout.addWidget(splitter, 1)
        # Their numbers change with every edit: keep that from laying the window out.
        hold_label(self.summary_label)
        hold_label(self.class_label)
        self.destroyed.connect(self.model.background.shutdown)
        self.refresh()

    # ------------------------------------------------------------------ redraw
    def _redraw(self) -> None:
        evaluation = self.state.evaluation
        if evaluation is None:
            return
        self._write_busy(self.model.background.busy())
        if evaluation is not self.model.evaluation:
            document = self.state.document
            self.model.set_source(document, evaluation)
            self.stats = None
            args = (document, evaluation.row_loss, evaluation.ignored, evaluation.classes)

            def done(stats: SampleStats, ev: Evaluation = evaluation) -> None:
                self._apply_stats(ev, stats)

            if evaluation.row_loss.shape[0] <= SYNC_SORT_ROWS:
                done(sample_stats(*args))  # which shows the selection too
                return
            self.model.background.run("stats", sample_stats, *args, done=done)
        self._show_selection()

    def _apply_stats(self, evaluation: Evaluation, stats: SampleStats) -> None:
        if evaluation is not self.model.evaluation:
            return
        self.stats = stats
        self.model.set_target_classes(evaluation, stats.classes)
        set_curve(self.histogram, stats.edges, stats.counts)  # often the same counts
        # Fitted from the values at hand: left to pyqtgraph, each paint after an edit
        # would measure the plot's items again. The bars stand on 0.
        fit_range(self.hist_plot, "x", [stats.edges])
        fit_range(self.hist_plot, "y", [stats.counts, np.zeros(1)])
        self._write_summary()
        self._show_selection()

    def _draw_classes(self, highlight: int | None = None) -> None:
        drawn = self._drawn_classes
        if self.stats is None or (drawn and drawn[0] is self.stats and drawn[1] == highlight):
            return  # regenerating the bars is the costly part of a repaint
        totals = self.stats.class_totals
        self._drawn_classes = (self.stats, highlight)
        if drawn and drawn[1] == highlight and drawn[0].class_totals.shape == totals.shape:
            # New totals for the same classes and colours (an edit): heights in place.
            self.class_bars.set_heights(totals)
            return
        brushes = [brush("sky", 200)] * totals.shape[0]
        if highlight is not None and 0 <= highlight < totals.shape[0]:
            brushes[highlight] = brush("orange", 230)
        self.class_bars.setOpts(
            x=np.arange(totals.shape[0]), height=totals, width=0.8, brushes=brushes
        )
        integer_ticks(self.class_plot, totals.shape[0])  # classes, not "0.5" or "1.0"

    def _write_summary(self) -> None:
        ev, stats = self.model.evaluation, self.stats
        assert ev is not None and stats is not None
        rows = ev.row_loss.shape[0]
        text = f"{counted(rows, 'sample')} · {ev.reduction} loss {ev.value:.6g}"
        if stats.ignored:
            text += f" · {stats.ignored:,} ignored"
        if stats.worst >= 0:
            label = self.model.data(self.model.index(self.model.view_row(stats.worst), SAMPLE))
            text += f" · worst: {label} ({float(ev.row_loss[stats.worst]):.4g})"
        set_text(self.summary_label, text)

    def _show_selection(self) -> None:
        ev = self.model.evaluation
        if ev is None:
            return
        row = min(self.state.selection[0], ev.row_loss.shape[0] - 1)
        loss = float(ev.row_loss[row])
        # An infinite or NaN loss has no place on the axis (and would break its range).
        marked = not bool(ev.ignored[row]) and bool(np.isfinite(loss))
        if marked:
            set_line(self.selected_line, loss)
        self.selected_line.setVisible(marked)
        cls = self.model.row_class(row)
        self._draw_classes(None if ev.ignored[row] else cls)
        self._describe_class(cls)
        view_row = self.model.view_row(row)
        current = self.table.currentIndex()
        if current.isValid() and current.row() == view_row:
            return
        self._syncing = True
        try:
            index = self.model.index(view_row, max(current.column(), 0))
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        finally:
            self._syncing = False

    def _describe_class(self, cls: int) -> None:
        if self.stats is None or not 0 <= cls < self.stats.class_counts.shape[0]:
            set_text(self.class_label, "")
            return
        samples, summed = int(self.stats.class_counts[cls]), float(self.stats.class_totals[cls])
        total = float(self.stats.class_totals.sum())
        share = 100 * summed / total if total else float("nan")
        mean = summed / samples if samples else float("nan")
        set_text(
            self.class_label,
            f"class {cls}: {counted(samples, 'sample')}, summed loss {summed:.5g} "
            f"({share:.3g}% of the sum), mean {mean:.4g}",
        )

    # ------------------------------------------------------------------- slots
    def _on_selection_changed(self, _row: int, _col: int) -> None:
        # A new selection moves markers only; the table and histogram stay.
        if self.model.evaluation is not None and self.isVisible():
            self._refresh_selection()
        else:
            self._dirty = True

    @safe_slot
    def _refresh_selection(self) -> None:
        self._show_selection()

    @safe_slot
    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        self.state.select(self.model.source_row(current.row()), self.state.selection[1])

    @safe_slot
    def _on_resorted(self) -> None:
        # Rows re-sort after edits pause: the selected sample may sit elsewhere now.
        self._show_selection()

    @safe_slot
    def _on_busy(self, busy: bool) -> None:
        self._write_busy(busy)
        if not busy:
            self._show_selection()

    def _write_busy(self, busy: bool) -> None:
        # Short texts: the label sits under the table, which may be narrow.
        if self.state.computing:
            # The rows stay those of the last evaluation until the new one is ready.
            text, tip = "Computing…", "The loss of the changed batch is being computed"
        elif busy:
            text, tip = "Sorting…", "Sorting and counting the samples in the background"
        else:
            text, tip = "", ""
        self.busy_label.setText(text)
        self.busy_label.setToolTip(tip)

    @safe_slot
    def _sort_worst_first(self, _checked: bool = False) -> None:
        self.table.sortByColumn(LOSS, Qt.SortOrder.DescendingOrder)

    @safe_slot
    def _sort_grid_order(self, _checked: bool = False) -> None:
        self.table.sortByColumn(SAMPLE, Qt.SortOrder.AscendingOrder)

    def _class_at(self, scene_pos: QPointF) -> int | None:
        if self.model.evaluation is None:
            return None
        view = self.class_plot.getPlotItem().vb
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        cls = round(view.mapSceneToView(scene_pos).x())
        return cls if self.stats and 0 <= cls < self.stats.class_counts.shape[0] else None

    @safe_slot
    def _on_class_hover(self, scene_pos: QPointF) -> None:
        cls = self._class_at(scene_pos)
        if cls is not None:
            self._describe_class(cls)

    @safe_slot
    def _on_class_click(self, event: object) -> None:
        cls = self._class_at(event.scenePos())  # type: ignore[attr-defined]
        if cls is not None:
            self.select_worst_of_class(cls)

    def select_worst_of_class(self, cls: int) -> bool:
        """Select the sample of target class ``cls`` with the largest loss; False if none."""
        ev = self.model.evaluation
        if ev is None:
            return False
        mask = (self.model.target_classes() == cls) & ~ev.ignored & np.isfinite(ev.row_loss)
        if not mask.any():
            return False
        row = int(np.argmax(np.where(mask, ev.row_loss, -np.inf)))
        self.state.select(row, self.state.selection[1])
        return True
