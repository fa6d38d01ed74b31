"""Loss against one logit: the selected cell swept, with a draggable marker.

The top plot shows the selected row's loss and the batch's reduced loss as the
selected cell takes every value of a range around its own; the bottom plot
shows the gradient of the batch loss with respect to that cell. Dragging the
vertical line edits the cell live (one undo step per drag), so the grid, the
numbers and every other plot follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QPen
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
)

from lossgui.core.sweeps import OVERLAYS, loss_vs_logit, overlay_losses, sweep_values
from lossgui.document import Document
from lossgui.qt.label_holder import hold_label, set_text
from lossgui.qt.panels.base import (
    PanelBase,
    dashed,
    finite_or_nan,
    fit_range,
    make_plot,
    marker,
    pen,
    safe_slot,
    set_axis_label,
    set_curve,
    set_range,
)
from lossgui.qt.panels.marker_line import MarkerLine
from lossgui.qt.panels.plot_items import prepare_items
from lossgui.qt.state import AppState

__all__ = ["LossCurvePanel"]

POINTS = 241
# Batches up to this many logits are compared with the last one drawn, to skip the sweep.
_KEY_LIMIT = 1 << 16
_OVERLAY_COLORS = {
    "cross_entropy": "green",
    "sigmoid_focal_loss": "purple",
    "multi_margin_loss": "sky",
    "bce_after_sigmoid": "red",
    "binary_cross_entropy_with_logits": "#A6761D",
}
# Losses whose grid holds probabilities or log-probabilities rather than logits
# when no transform is applied: other losses' curves over those values mean nothing.
_NOT_LOGITS = ("binary_cross_entropy", "nll_loss", "kl_div")


def _row_class(doc: Document, row: int) -> int | None:
    """The class the row's target names (argmax for per-cell targets), or None."""
    if doc.target_kind == "sign":
        return None
    target = doc.grid_target()
    if doc.target_kind == "index":
        cls = int(target[row])
        return cls if 0 <= cls < doc.classes else None
    return int(np.argmax(target[row]))


class LossCurvePanel(PanelBase):
    """Sample and batch loss, and the gradient, as the selected logit moves.

    Attributes
    ----------
    sample_curve, batch_curve, grad_curve : pg.PlotDataItem
    overlay_curves : dict of str -> pg.PlotDataItem
        Other losses of the same row (keys of ``lossgui.core.sweeps.OVERLAYS``).
    overlay_boxes : dict of str -> QAction
        Checkable entries of the "Overlay" menu button (``overlay_button``).
    value_line : pg.InfiniteLine
        Movable; dragging it edits the selected cell.
    value_tag : MarkerLine
        The selected cell's value, labelled beside ``value_line`` (no line of its own).
    half_width : QDoubleSpinBox
        The sweep covers the cell's value +- this.
    """

    uses_evaluation = True  # the batch-loss curve starts from the evaluation

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self._window: tuple[tuple[int, int, str, str], float, float] | None = None
        self._updating = False
        self._drag_serial = 0

        header = QHBoxLayout()
        self.title_label = QLabel(self)
        self.title_label.setToolTip("Select a cell in the grid to sweep it.")
        # Wraps rather than widening the panel when a row label is long (spatial batches).
        self.title_label.setWordWrap(True)
        # Plain: rich text is a text document laid out again on every drag step.
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        header.addWidget(self.title_label, 1)
        # Other losses sit behind one compact menu button: a row of check boxes made
        # the panel wider than half a window.
        self.overlay_button = QToolButton(self)
        self.overlay_button.setText("Overlay")
        self.overlay_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.overlay_button.setToolTip(
            "Draw other losses of the same row over this one (dashed), to compare their shapes"
        )
        overlay_menu = QMenu(self.overlay_button)
        overlay_menu.setToolTipsVisible(True)
        self.overlay_button.setMenu(overlay_menu)
        header.addWidget(self.overlay_button)
        header.addSpacing(8)
        header.addWidget(QLabel("range ±", self))
        self.half_width = QDoubleSpinBox(self)
        self.half_width.setRange(0.5, 200.0)
        self.half_width.setValue(6.0)
        self.half_width.setSingleStep(1.0)
        self.half_width.setDecimals(1)
        self.half_width.setToolTip(
            "Half-width of the sweep around the cell's value. Widen it (about 20) to see "
            "BCE after sigmoid level off at 100 when float32's sigmoid rounds to 0 or 1."
        )
        self.half_width.valueChanged.connect(self._on_range_changed)
        header.addWidget(self.half_width)
        self._layout.addLayout(header)
        hold_label(self.title_label)  # its value changes with every drag step

        self.overlay_boxes: dict[str, QAction] = {}
        for name, label in OVERLAYS.items():
            box = overlay_menu.addAction(label.split(" (")[0])
            box.setCheckable(True)
            box.toggled.connect(self._on_overlay_toggled)
            box.toggled.connect(self._count_overlays)
            self.overlay_boxes[name] = box

        self.loss_plot = make_plot("Loss as one logit moves", "logit x[r, c]", "loss (nats)")
        self.grad_plot = make_plot(
            "Gradient of the batch loss", "logit x[r, c]", "d loss / d x[r, c]", legend=None
        )
        self.grad_plot.setXLink(self.loss_plot)
        self.plots = [self.loss_plot, self.grad_plot]
        self.loss_plot.setToolTip(
            "The selected row's loss and the batch's reduced loss as the selected cell varies, "
            "everything else fixed. Drag the vertical line to edit the cell."
        )
        self.grad_plot.setToolTip(
            "d(batch loss) / d(selected cell): zero at the loss curve's minimum, the slope "
            "gradient descent follows."
        )
        self._layout.addWidget(self.loss_plot, 3)
        self._layout.addWidget(self.grad_plot, 2)

        self.sample_curve = self.loss_plot.plot(pen=pen("blue", 2.5), name="this sample's loss")
        self.batch_curve = self.loss_plot.plot(pen=pen("orange", 2.5), name="batch loss")
        self.overlay_curves: dict[str, pg.PlotDataItem] = {}
        for name, label in OVERLAYS.items():
            curve = pg.PlotDataItem(pen=dashed(_OVERLAY_COLORS[name], 1.8), name=label)
            self.overlay_curves[name] = curve
        self.grad_curve = self.grad_plot.plot(pen=pen("red", 2.0), name="d batch loss / d x")
        marker(self.grad_plot, pen("grey", 1), vertical=False)  # gradient 0

        self.value_line = pg.InfiniteLine(movable=True, pen=pen("grey", 2), hoverPen=pen("red", 3))
        self.value_line.setToolTip("Drag to change the selected logit (one undo step per drag).")
        self.loss_plot.addItem(self.value_line)
        # The cell's value beside the line: a label of pyqtgraph's own would be laid out
        # and placed again in Python on every step of a drag.
        self.value_tag: MarkerLine = marker(
            self.loss_plot, QPen(Qt.PenStyle.NoPen), label="x = {value:.4g}", label_at=0.92
        )
        self.grad_value_line = marker(self.grad_plot, pen("grey", 1.5))
        self.value_line.sigPositionChanged.connect(self._on_line_moved)
        self.value_line.sigPositionChangeFinished.connect(self._on_drag_finished)
        self.refresh()

    # ------------------------------------------------------------------- slots
    @safe_slot
    def _on_range_changed(self, _value: float) -> None:
        self._window = None
        self.refresh()

    @safe_slot
    def _on_overlay_toggled(self, _checked: bool) -> None:
        self.refresh()

    @safe_slot
    def _count_overlays(self, _checked: bool) -> None:
        """The menu button says how many overlays are on, so a closed menu still tells."""
        count = sum(box.isChecked() for box in self.overlay_boxes.values())
        self.overlay_button.setText(f"Overlay ({count})" if count else "Overlay")

    @safe_slot
    def _on_line_moved(self, line: pg.InfiniteLine) -> None:
        if self._updating:
            return
        row, col = self.state.selection
        # Three decimals: finer than a pixel of the default sweep, and readable in the grid.
        value = round(float(line.value()), 3)
        serial = self._drag_serial
        # The serial keeps two separate drags of one cell as two undo steps.
        self.state.edit(
            lambda d: d.with_cell(row, col, value),
            f"Drag logit ({row}, {col})",
            merge_key=("cell-drag", row, col, serial),
        )

    def _on_drag_finished(self, _line: pg.InfiniteLine) -> None:
        self._drag_serial += 1

    # ------------------------------------------------------------------ redraw
    def _sweep_window(self, doc: Document, row: int, col: int, value: float) -> tuple[float, float]:
        """The sweep's (lo, hi): kept while the cell stays well inside it, else re-centred."""
        # The loss and transform belong to the key: BCE without sigmoid sweeps [0, 1].
        key = (row, col, doc.loss, doc.transform)
        if self._window is not None:
            old_key, lo, hi = self._window
            margin = 0.05 * (hi - lo)
            if old_key == key and lo + margin <= value <= hi - margin:
                return lo, hi
        xs = sweep_values(value, doc.loss, doc.transform, self.half_width.value(), 2)
        self._window = (key, float(xs[0]), float(xs[-1]))
        return float(xs[0]), float(xs[-1])

    def _redraw(self) -> None:
        doc = self.state.document
        row, col = self.state.selection
        value = float(doc.grid_logits()[row, col])
        lo, hi = self._sweep_window(doc, row, col, value)
        evaluation = self.state.evaluation

        def compute() -> Any:
            return loss_vs_logit(
                doc.loss,
                doc.logits,
                doc.target,
                doc.options,
                transform=doc.transform,
                dtype=doc.dtype,
                input2=doc.input2,
                row=row,
                col=col,
                values=np.linspace(lo, hi, POINTS),
                base=evaluation,
            )

        # Dragging the swept cell changes nothing the sweep depends on: skip it all then.
        # A large batch has no key; a fresh object() matches nothing, so it always redraws.
        key = self._sweep_key(doc, row, col, lo, hi)
        if not self.unchanged(object() if key is None else key, part="sweep"):
            sweep = self.derived(("loss_vs_logit", row, col, lo, hi, POINTS), compute)
            # An edit of another row leaves this row's curve (and often the gradient) as it is.
            set_curve(self.sample_curve, sweep.values, finite_or_nan(sweep.sample_loss))
            set_curve(self.batch_curve, sweep.values, finite_or_nan(sweep.batch_loss))
            set_curve(self.grad_curve, sweep.values, finite_or_nan(sweep.grad))
            reduction = str(doc.option("reduction"))
            batch_name = (
                "batch sum ('none')" if reduction == "none" else f"batch loss ({reduction})"
            )
            self._rename(self.loss_plot, self.batch_curve, batch_name)
            self._update_overlays(doc, row, col, lo, hi)
            # The sweep's own x range, set rather than measured: dragging the value line
            # then never makes pyqtgraph measure every curve again.
            pad = 0.02 * (hi - lo)
            set_range(self.loss_plot, "x", lo - pad, hi + pad)
            # And y from the curves shown: left to pyqtgraph, each paint after an edit
            # would measure the plot's items again.
            shown = [self.sample_curve, self.batch_curve]
            shown += [c for c in self.overlay_curves.values() if c.scene() is not None]
            values = [c.getData()[1] for c in shown]
            fit_range(self.loss_plot, "y", [v for v in values if v is not None])

        self._updating = True
        try:
            bounded = doc.loss == "binary_cross_entropy" and doc.transform == "none"
            self.value_line.setBounds((0.0, 1.0) if bounded else (None, None))
            self.value_line.setValue(value)
            self.value_tag.setValue(value)
            self.grad_value_line.setValue(value)
        finally:
            self._updating = False
        label = doc.row_label(row)
        target = _row_class(doc, row)
        target_text = "" if target is None else f", row's class {target}"
        set_text(
            self.title_label,
            f"x[{label}, {col}] = {value:.6g}{target_text} · {doc.spec.label}",
        )
        set_axis_label(self.loss_plot, "bottom", f"logit x[{label}, {col}]")
        set_axis_label(self.grad_plot, "bottom", f"logit x[{label}, {col}]")

    def _sweep_key(
        self, doc: Document, row: int, col: int, lo: float, hi: float
    ) -> tuple[Any, ...] | None:
        """Everything the sweep and the overlays depend on, or None for a large batch.

        The swept cell's own value is not part of it: the sweep replaces it.
        Large batches are not compared (a copy of their logits per redraw costs
        more than it saves); their sweep is redrawn every time.
        """
        if doc.logits.size > _KEY_LIMIT:
            return None
        grid = np.array(doc.grid_logits())
        grid[row, col] = 0.0
        wanted = tuple(n for n, box in self.overlay_boxes.items() if box.isChecked())
        extra = None if doc.input2 is None else doc.input2.tobytes()
        setup = (doc.loss, doc.transform, doc.dtype, dict(doc.options), doc.logits.shape)
        data = (grid.tobytes(), doc.target.tobytes(), extra)
        return (row, col, lo, hi, setup, data, wanted)

    def _update_overlays(self, doc: Document, row: int, col: int, lo: float, hi: float) -> None:
        cls = _row_class(doc, row)
        usable = cls is not None and not (doc.transform == "none" and doc.loss in _NOT_LOGITS)
        wanted = [n for n, box in self.overlay_boxes.items() if box.isChecked() and usable]
        for name, box in self.overlay_boxes.items():
            box.setEnabled(usable)
            box.setToolTip(
                f"Draw {OVERLAYS[name]} for the same row (default options, the row's class "
                "as target)."
                if usable
                else "Other losses need logits (not probabilities) and a class for this row."
            )
        curves: dict[str, np.ndarray] = {}
        if wanted:
            row_logits = np.array(doc.grid_logits()[row], dtype=np.float64)

            def compute() -> Any:
                return overlay_losses(
                    row_logits, int(cls), col, np.linspace(lo, hi, POINTS), dtype=doc.dtype
                )

            curves = self.derived(("overlay_losses", row, col, lo, hi, POINTS), compute)
        xs = np.linspace(lo, hi, POINTS)
        legend = self.loss_plot.getPlotItem().legend
        for name, curve in self.overlay_curves.items():
            shown = curve.scene() is not None
            if name in wanted:
                set_curve(curve, xs, finite_or_nan(curves[name]))
                if not shown:
                    self.loss_plot.addItem(curve)
                    prepare_items(self.loss_plot)
            elif shown:
                self.loss_plot.removeItem(curve)
                legend.removeItem(curve)

    @staticmethod
    def _rename(plot: pg.PlotWidget, curve: pg.PlotDataItem, name: str) -> None:
        """Change a legend entry's text without recreating the item."""
        if curve.name() == name:
            return
        curve.opts["name"] = name
        legend = plot.getPlotItem().legend
        for sample, label in legend.items:
            if sample.item is curve:
                label.setText(name)
