"""How fast the window answers: CPU time per cell edit, and start-up to the first paint.

Run by hand from the repository root (offscreen, no display needed)::

    python benchmarks/bench_gui.py [--edits 200] [--runs 5] [--layout both] [--profile]

Edit: the whole window is shown on a 64 x 10 batch, once with every panel
visible at once (tiled) and once in the default layout (panels in tabs). One
edit is ``model.setData`` on a random logit cell with a new value (the path a
typed number takes), then ``processEvents`` so every panel redraws and the
dirty regions are painted; a second figure repaints every widget of the
window on each edit, an upper bound on what any screen needs. A third figure
drags the loss curve's line over the selected logit (the selected row changes
too, so every panel that follows it redraws). CPU time
(``time.process_time``, all threads of the process), median over the edits.
Target: <= 16 ms per edit (60 edits a second while dragging).

The per-sample table updates its values with each edit and re-sorts its rows
once the edits pause; that re-sort is timed on its own (once per pause).

Start-up: fresh ``python -c`` processes build and show the window and report
when its first paint event arrives (:mod:`startup_time`); median of a few runs. Target: <= 2 s.

For context each figure is also given as a ratio to references measured in the
same run on the same machine: a fixed Qt + pyqtgraph paint workload timed in
blocks between the edits (:mod:`qt_reference`: it slows down with the host's
slow phases as the edits do, so the edits' ratio to it compares runs), one
``core.cross_entropy`` call on the same batch (it does not follow those
phases), and the start-up of ``python -c 'import PySide6.QtWidgets'``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from startup_time import START_TARGET_S, startup_seconds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EDIT_TARGET_MS = 16.0
#: Steps of the Qt paint reference in each of its four blocks.
REFERENCE_STEPS = 40



def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _median_ms(samples: list[float]) -> float:
    return _ms(statistics.median(samples))


def _stretches_ms(samples: list[float], size: int = 20) -> tuple[float, float]:
    """The lowest and highest median of consecutive ``size``-sample stretches, in ms.

    A shared host has slow phases lasting seconds (another tenant on the same
    core: the same code then takes up to twice the CPU time). A wide spread
    between the stretches says the run's median mixes such phases.
    """
    medians = [
        statistics.median(samples[i : i + size]) for i in range(0, len(samples) - size + 1, size)
    ] or [statistics.median(samples)]
    return _ms(min(medians)), _ms(max(medians))


def _quiet_qt() -> None:
    """Drop the offscreen platform's "does not support propagateSizeHints()" warnings."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: object, _context: object, message: str) -> None:
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    _HANDLERS.append(handler)  # Qt keeps no reference of its own
    qInstallMessageHandler(handler)


_HANDLERS: list[Callable[..., None]] = []


def _build_window(size: tuple[int, int], tiled: bool):
    from PySide6.QtWidgets import QApplication

    if not _HANDLERS:
        _quiet_qt()
    app = QApplication.instance() or QApplication([])
    import numpy as np

    from lossgui.document_convert import default_document, randomized
    from lossgui.qt.main_window import MainWindow
    from lossgui.qt.state import AppState

    doc = randomized(default_document().with_shape(64, 10), np.random.default_rng(0))
    window = MainWindow(AppState(doc), restore=False, with_session=False)
    window.resize(*size)
    window.show()
    if tiled:
        window.tile_panels()
    else:
        window.tab_panels()
    for _ in range(5):
        app.processEvents()
    return app, window


def _time_edits(
    app,
    window,
    edits: int,
    rng,
    full_repaint: bool,
    split: list[tuple[float, float]] | None = None,
) -> list[float]:
    """CPU seconds per edit; ``split`` collects (setData incl. redraws, painting) pairs.

    ``rng`` (a numpy Generator) is shared by every call of a run, so no call
    repeats an earlier one's edits: typing a cell's current value again would
    be a no-op the panels skip, and the figure would flatter the window.
    """
    from PySide6.QtWidgets import QWidget

    model = window.grid.model
    logit_cols = [c for c in range(model.columnCount()) if model.column(c).kind == "logit"]
    # window.repaint() would repaint the window's own area but not its children.
    everything = [window, *window.findChildren(QWidget)] if full_repaint else []
    samples = []
    for _ in range(edits):
        index = model.index(int(rng.integers(model.rowCount())), int(rng.choice(logit_cols)))
        value = f"{rng.normal(0.0, 3.0):.3f}"
        while value == model.data(index):
            value = f"{rng.normal(0.0, 3.0):.3f}"
        start = time.process_time()
        model.setData(index, value)
        edited = time.process_time()
        app.processEvents()
        for widget in everything:
            widget.update()
        # Events posted while the first batch ran (late layout requests) belong to the edit.
        app.processEvents()
        end = time.process_time()
        samples.append(end - start)
        if split is not None:
            split.append((edited - start, end - edited))
    return samples


def _time_drag(app, window, edits: int) -> list[float]:
    """CPU seconds per step of dragging the loss curve's line over the selected logit.

    The drag edits the selected cell, so every panel that follows the selected
    row (the loss curve's title, the sigmoid/softmax pair, the numerics sweep,
    the step-by-step table) redraws too: the costliest kind of edit.
    """
    import numpy as np

    window.state.select(3, 0)
    app.processEvents()
    line = window.panels["loss_curve"].value_line
    start = float(line.value())
    samples = []
    for k in range(edits):
        # A smooth back-and-forth drag, in the 3-decimal steps a drag makes.
        value = round(start + 2.5 * np.sin(k / 9.0) + 1e-3 * (k % 7), 3)
        begin = time.process_time()
        line.setValue(value)  # what a mouse drag does: sigPositionChanged -> one edit
        app.processEvents()
        app.processEvents()
        samples.append(time.process_time() - begin)
    line.sigPositionChangeFinished.emit(line)
    window.state.select(0, 0)
    app.processEvents()
    return samples


def _time_resort(app, window, edits: int, rng) -> list[float]:
    """CPU seconds of the per-sample table's re-sort that follows a pause in the edits.

    The table updates its values in place with each edit and re-sorts its rows
    once no edit came for a moment (so rows do not jump under a drag); that
    re-sort is outside the per-edit figures, so it is timed here: one edit,
    then the re-sort the pause would start, with its repaint.
    """
    model = window.panels["samples"].model
    samples = []
    for _ in range(edits):
        _time_edits(app, window, 1, rng, full_repaint=False)
        begin = time.process_time()
        model.sort(*model._sort)  # what the pause timer does
        app.processEvents()
        app.processEvents()
        samples.append(time.process_time() - begin)
    return samples


def _time_panels(app, window, edits: int, rng) -> dict[str, float]:
    """Median CPU time of each panel's redraw and of the evaluation, per edit."""
    times: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            start = time.process_time()
            fn()
            times.setdefault(name, []).append(time.process_time() - start)

        return run

    for key, panel in window.panels.items():
        panel._redraw = timed(key, panel._redraw)  # instance attribute shadows the method
    state = window.state
    state._evaluate = timed("evaluate (core)", state._evaluate)
    _time_edits(app, window, edits, rng, full_repaint=False)
    for panel in window.panels.values():
        del panel._redraw
    del state._evaluate
    # A panel that was not redrawn (hidden, or skipped: nothing it shows changed) costs 0.
    return {
        name: _ms(statistics.median(samples + [0.0] * (edits - len(samples))))
        for name, samples in times.items()
    }


def _profile(app, window, edits: int, rng) -> None:
    # CPU time, not cProfile's default wall clock: on a shared machine the wall clock
    # charges other processes' time to whatever C++ call was running.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    _time_edits(app, window, edits, rng, full_repaint=False)
    profiler.disable()
    print(f"\ncProfile of {edits} edits (edit + processEvents), top 20 by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


@dataclass
class EditFigures:
    """Per-edit CPU medians of one layout, in milliseconds."""

    layout: str
    panels: str
    edit_ms: float
    p90_ms: float
    redraw_ms: float
    paint_ms: float
    full_ms: float
    drag_ms: float
    reference_ms: float  # the Qt paint reference (qt_reference.py) in the same run


def _measure_layout(
    app, window, label: str, edits: int, rng, profile: bool
) -> EditFigures:
    shown = [k for k, p in window.panels.items() if p.isVisible()]
    panels = f"{len(shown)} of {len(window.panels)} panels"
    print(f"\n== {label}: window {window.width()} x {window.height()}, batch 64 x 10, "
          f"panels visible: {', '.join(shown)} ({panels})")
    _time_edits(app, window, 20, rng, full_repaint=True)  # warm caches, fonts, first paints
    from qt_reference import QtPaintReference

    # Timed before, between and after the edits, to follow the host's phases.
    reference = QtPaintReference()
    ref = reference.time_steps(REFERENCE_STEPS)
    split: list[tuple[float, float]] = []
    edit = _time_edits(app, window, edits, rng, full_repaint=False, split=split)
    ref += reference.time_steps(REFERENCE_STEPS)
    full = _time_edits(app, window, edits, rng, full_repaint=True)
    ref += reference.time_steps(REFERENCE_STEPS)
    drag = _time_drag(app, window, edits)
    ref += reference.time_steps(REFERENCE_STEPS)
    reference.close()
    figures = EditFigures(
        layout=label,
        panels=panels,
        edit_ms=_median_ms(edit),
        p90_ms=_ms(statistics.quantiles(edit, n=10)[-1]),
        redraw_ms=_median_ms([a for a, _ in split]),
        paint_ms=_median_ms([b for _, b in split]),
        full_ms=_median_ms(full),
        drag_ms=_median_ms(drag),
        reference_ms=_median_ms(ref),
    )
    ok = "OK" if figures.edit_ms <= EDIT_TARGET_MS else "SLOW"
    print(f"CPU per cell edit, median of {edits}:")
    print(f"  edit -> every panel redrawn -> dirty regions painted: {figures.edit_ms:7.2f} ms "
          f"(p90 {figures.p90_ms:.2f} ms)  target <= {EDIT_TARGET_MS:g} ms  {ok}")
    print(f"    of which edit + evaluate + every panel's redraw (setData): "
          f"{figures.redraw_ms:7.2f} ms; painting (processEvents): {figures.paint_ms:7.2f} ms")
    print(f"  ... repainting every widget of the window instead:     {figures.full_ms:7.2f} ms")
    print(f"  dragging the selected logit (its row changes too):     {figures.drag_ms:7.2f} ms "
          f"(p90 {_ms(statistics.quantiles(drag, n=10)[-1]):.2f} ms)")
    for name, samples in (("cell edits", edit), ("drag steps", drag)):
        low, high = _stretches_ms(samples)
        print(f"  host steadiness, {name}: medians of 20-step stretches "
              f"{low:.2f} .. {high:.2f} ms")
    low, high = _stretches_ms(ref)
    print(f"  Qt paint reference (qt_reference.py), median of {len(ref)} steps in 4 blocks: "
          f"{figures.reference_ms:.2f} ms (20-step stretches {low:.2f} .. {high:.2f} ms); "
          f"cell edit = {figures.edit_ms / figures.reference_ms:.2f} x, "
          f"drag step = {figures.drag_ms / figures.reference_ms:.2f} x that")
    if window.panels["samples"].isVisible():
        resort = _time_resort(app, window, max(edits // 4, 5), rng)
        print(f"  after a pause: the samples table re-sorts its rows:    "
              f"{_ms(max(resort)):7.2f} ms at most, {_ms(statistics.mean(resort)):.2f} ms on "
              "average (once per pause, not per edit)")
    print("per-edit median CPU by part (edit + processEvents; 0 = skipped, nothing changed):")
    for name, ms in sorted(_time_panels(app, window, edits // 2, rng).items(),
                           key=lambda kv: -kv[1]):
        print(f"  {name:<20} {ms:7.2f} ms")
    if profile:
        _profile(app, window, edits // 2, rng)
    return figures


def _core_reference(window, repeats: int = 2000) -> float:
    """Median seconds of one core.cross_entropy call on the window's batch."""
    import numpy as np

    from lossgui.core import cross_entropy

    doc = window.state.document
    x = np.asarray(doc.logits, dtype=np.float32)
    t = np.asarray(doc.target)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        cross_entropy(x, t)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _summary(
    figures: list[EditFigures], core_ms: float, first_s: float, import_s: float, runs: int
) -> str:
    """A Markdown table of the figures, for the README."""
    lines = [
        "| figure | measured | target | in-run reference |",
        "|---|---:|---:|---|",
    ]
    for f in figures:
        lines.append(
            f"| CPU per cell edit, {f.layout} ({f.panels}), median | {f.edit_ms:.1f} ms | "
            f"≤ {EDIT_TARGET_MS:g} ms | {f.edit_ms / f.reference_ms:.2f} × the Qt paint "
            f"reference ({f.reference_ms:.2f} ms); {f.edit_ms / core_ms:.0f} × one 64 × 10 "
            f"`cross_entropy` ({core_ms:.3f} ms) |"
        )
        lines.append(
            f"| ... of which redraws / painting | {f.redraw_ms:.1f} / {f.paint_ms:.1f} ms | | |"
        )
        lines.append(
            f"| CPU per drag step of the selected logit, {f.layout}, median | "
            f"{f.drag_ms:.1f} ms | ≤ {EDIT_TARGET_MS:g} ms | "
            f"{f.drag_ms / f.reference_ms:.2f} × ; {f.drag_ms / core_ms:.0f} × |"
        )
    lines.append(
        f"| start-up to first painted window, median of {runs} | {first_s:.2f} s | "
        f"≤ {START_TARGET_S:g} s | {first_s / import_s:.1f} × `import PySide6.QtWidgets` "
        f"({import_s:.2f} s) |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="start-up runs")
    parser.add_argument("--profile", action="store_true", help="cProfile the edits too")
    parser.add_argument("--size", default="1920x1200", help="window size, e.g. 1920x1200")
    parser.add_argument(
        "--layout",
        choices=("both", "tiled", "tabbed"),
        default="both",
        help="every panel tiled, the default tabbed layout, or both (default)",
    )
    parser.add_argument("--tabbed", action="store_true", help="same as --layout tabbed")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    layouts = ["tiled", "tabbed"] if args.layout == "both" else [args.layout]
    if args.tabbed:
        layouts = ["tabbed"]

    import numpy as np

    rng = np.random.default_rng(1)
    figures = []
    core_s = 0.0
    for layout in layouts:
        tiled = layout == "tiled"
        app, window = _build_window((width, height), tiled)
        label = "all panels tiled" if tiled else "default tabbed layout"
        figures.append(_measure_layout(app, window, label, args.edits, rng, args.profile))
        core_s = _core_reference(window)
        window.close_without_asking()
        window.deleteLater()
        app.processEvents()
    print(f"\nreference: one core.cross_entropy on 64 x 10: {_ms(core_s):.3f} ms")

    first, qt_import = startup_seconds(args.runs)
    first_s, import_s = statistics.median(first), statistics.median(qt_import)
    print(f"\nstart-up to first painted window, median of {args.runs}: {first_s:.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in first)})  target <= {START_TARGET_S:g} s  "
          f"{'OK' if first_s <= START_TARGET_S else 'SLOW'}")
    print(f"  reference: python -c 'import PySide6.QtWidgets': {import_s:.2f} s "
          f"(first paint = {first_s / import_s:.1f} x that)")
    print(f"\nmachine: {os.cpu_count()} cores, load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("\nSummary (Markdown):\n")
    print(_summary(figures, _ms(core_s), first_s, import_s, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
