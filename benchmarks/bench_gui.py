"""How fast the window answers: CPU time per cell edit, and start-up to the first paint.

Run by hand from the repository root (offscreen, no display needed)::

    python benchmarks/bench_gui.py [--edits 200] [--runs 5] [--profile]

Edit: the whole window is shown with every panel visible at once (tiled, not
tabbed) on a 64 x 10 batch. One edit is ``model.setData`` on a logit cell (the
path a typed number takes), then ``processEvents`` so every panel redraws and
the dirty regions are painted; a second figure adds a full ``repaint()`` of
the window, an upper bound on what any screen needs. CPU time
(``time.process_time``), median over the edits. Targets: <= 16 ms per edit.

Start-up: fresh ``python -c`` processes build and show the window and report
when its first paint event arrives; median of a few runs. Target: <= 2 s.

For context each figure is also given as a ratio to a reference measured in the
same run on the same machine: one ``core.cross_entropy`` call on the same
batch, and the start-up of ``python -c 'import PySide6.QtWidgets'``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EDIT_TARGET_MS = 16.0
START_TARGET_S = 2.0

_CHILD = r"""
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, {root!r})
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication([])
from lossgui.qt.main_window import MainWindow

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(time.time(), flush=True)
            os._exit(0)
        return False

import tempfile
# As launched (session controller, autosave claim), but never touching the user's autosave.
bench_dir = os.path.join(tempfile.gettempdir(), "lossgui-bench")
window = MainWindow(restore=False, session_options={{"data_dir": bench_dir}})
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

_IMPORT_ONLY = "import time, PySide6.QtWidgets; print(time.time(), flush=True)"


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _median_ms(samples: list[float]) -> float:
    return _ms(statistics.median(samples))


def _spawn_seconds(code: str, runs: int) -> list[float]:
    """Wall time from spawning ``python -c code`` to the time the child prints."""
    out = []
    for _ in range(runs):
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
            check=True,
        )
        out.append(float(done.stdout.strip().splitlines()[-1]) - start)
    return out


def _build_window(size: tuple[int, int]):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import numpy as np

    from lossgui.document_convert import default_document, randomized
    from lossgui.qt.main_window import MainWindow
    from lossgui.qt.state import AppState

    doc = randomized(default_document().with_shape(64, 10), np.random.default_rng(0))
    window = MainWindow(AppState(doc), restore=False, with_session=False)
    window.resize(*size)
    window.show()
    window.tile_panels()
    for _ in range(5):
        app.processEvents()
    return app, window


def _time_edits(
    app, window, edits: int, full_repaint: bool, split: list[tuple[float, float]] | None = None
) -> list[float]:
    """CPU seconds per edit; ``split`` collects (setData incl. redraws, painting) pairs."""
    import numpy as np

    model = window.grid.model
    rng = np.random.default_rng(1)
    logit_cols = [c for c in range(model.columnCount()) if model.column(c).kind == "logit"]
    samples = []
    for _ in range(edits):
        index = model.index(int(rng.integers(model.rowCount())), int(rng.choice(logit_cols)))
        value = f"{rng.normal(0.0, 3.0):.3f}"
        start = time.process_time()
        model.setData(index, value)
        edited = time.process_time()
        app.processEvents()
        if full_repaint:
            window.repaint()
        end = time.process_time()
        samples.append(end - start)
        if split is not None:
            split.append((edited - start, end - edited))
    return samples


def _time_panels(app, window, edits: int) -> dict[str, float]:
    """Median CPU time of each panel's redraw and of the grid/state work, per edit."""
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
    _time_edits(app, window, edits, full_repaint=False)
    return {name: _median_ms(samples) for name, samples in times.items()}


def _profile(app, window, edits: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _time_edits(app, window, edits, full_repaint=False)
    profiler.disable()
    print(f"\ncProfile of {edits} edits (edit + processEvents), top 20 by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="start-up runs")
    parser.add_argument("--profile", action="store_true", help="cProfile the edits too")
    parser.add_argument("--size", default="1920x1200", help="window size, e.g. 1920x1200")
    parser.add_argument(
        "--tabbed", action="store_true", help="the default layout (tabbed panels) instead of tiled"
    )
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    app, window = _build_window((width, height))
    if args.tabbed:
        window.tab_panels()
        for _ in range(5):
            app.processEvents()
    shown = [k for k, p in window.panels.items() if p.isVisible()]
    layout = "tabbed (default)" if args.tabbed else "tiled"
    print(f"window {window.width()} x {window.height()}, {layout}, batch 64 x 10, panels visible: "
          f"{', '.join(shown)} ({len(shown)} of {len(window.panels)})")
    _time_edits(app, window, 20, full_repaint=True)  # warm caches, fonts, first paints
    split: list[tuple[float, float]] = []
    edit = _time_edits(app, window, args.edits, full_repaint=False, split=split)
    full = _time_edits(app, window, args.edits, full_repaint=True)
    core_s = _core_reference(window)
    edit_ms, full_ms = _median_ms(edit), _median_ms(full)
    print(f"\nCPU per cell edit, median of {args.edits}:")
    print(f"  edit -> every panel redrawn -> dirty regions painted: {edit_ms:7.2f} ms "
          f"(p90 {_ms(statistics.quantiles(edit, n=10)[-1]):.2f} ms)  target <= "
          f"{EDIT_TARGET_MS:g} ms  {'OK' if edit_ms <= EDIT_TARGET_MS else 'SLOW'}")
    print(f"    of which edit + evaluate + every panel's redraw (setData): "
          f"{_median_ms([a for a, _ in split]):7.2f} ms; painting (processEvents): "
          f"{_median_ms([b for _, b in split]):7.2f} ms")
    print(f"  ... plus a full repaint of the window:                 {full_ms:7.2f} ms "
          f"(p90 {_ms(statistics.quantiles(full, n=10)[-1]):.2f} ms)")
    print(f"  reference: one core.cross_entropy on 64 x 10:         {_ms(core_s):7.3f} ms "
          f"(edit = {edit_ms / _ms(core_s):.0f} x that)")
    print("\nper-edit median CPU by part (edit + processEvents):")
    for name, ms in sorted(_time_panels(app, window, args.edits // 2).items(),
                           key=lambda kv: -kv[1]):
        print(f"  {name:<20} {ms:7.2f} ms")
    if args.profile:
        _profile(app, window, args.edits // 2)
    window.close_without_asking()

    first = _spawn_seconds(_CHILD.format(root=str(ROOT)), args.runs)
    qt_import = _spawn_seconds(_IMPORT_ONLY, args.runs)
    first_s, import_s = statistics.median(first), statistics.median(qt_import)
    print(f"\nstart-up to first painted window, median of {args.runs}: {first_s:.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in first)})  target <= {START_TARGET_S:g} s  "
          f"{'OK' if first_s <= START_TARGET_S else 'SLOW'}")
    print(f"  reference: python -c 'import PySide6.QtWidgets': {import_s:.2f} s "
          f"(first paint = {first_s / import_s:.1f} x that)")
    print(f"\nmachine: {os.cpu_count()} cores, load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
