"""Time opening a segmentation batch in the window: read, evaluate, show, and how smooth it stays.

Run by hand from the repository root::

    python benchmarks/bench_open.py [--shape 8 21 400 400] [--panels-only] [--repeats 3]

A child process writes an .npz with float32 logits of ``--shape`` and int64
targets (5% of them 255 = ignore) into a temporary folder, so this process's
peak memory is the app's own. The window (``lossgui.qt.main_window.MainWindow``,
or with ``--panels-only`` just an AppState with the sample table and the spatial
panel) then opens it through ``lossgui.qt.loading.open_file_async``, the way
File > Open does, while a 5 ms heartbeat QTimer records the longest gap between
its ticks: the longest time the event loop could not paint.

Reported per repeat: seconds until the Document is set (read + check +
evaluate in the worker, then every panel's redraw), seconds until everything
is painted (background sorts and counts done, one full window grab), the
longest event-loop stall, and the peak resident memory (ru_maxrss) above the
window's baseline, as a multiple of the file size (ru_maxrss never goes
down, so later repeats only show a higher peak if one happened). Targets: <= 3 s to show
everything, stall <= 100 ms, peak <= 3x the file size.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "")

_WRITE = """
import sys, numpy as np
shape = tuple(int(s) for s in sys.argv[2:])
rng = np.random.default_rng(0)
x = rng.standard_normal(size=shape, dtype=np.float32)
t = rng.integers(0, shape[1], (shape[0], *shape[2:]))
t[rng.random(t.shape) < 0.05] = 255
np.savez(sys.argv[1], input=x, target=t)
"""


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    scale = 1 / 1024 if sys.platform.startswith("linux") else 1 / (1024 * 1024)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _build(panels_only: bool):
    from lossgui.qt.state import AppState

    state = AppState()
    if panels_only:
        from PySide6.QtWidgets import QSplitter

        from lossgui.qt.panels.spatial import SpatialPanel
        from lossgui.qt.sample_table import SampleTable

        window = QSplitter()
        window.addWidget(SampleTable(state, window))
        window.addWidget(SpatialPanel(state, window))
    else:
        from lossgui.qt.main_window import MainWindow

        window = MainWindow(state, restore=False, with_session=False)
    window.resize(1600, 1000)
    window.show()
    return state, window


def _settle(app, window) -> None:
    """Process events until no table / panel has background work left."""
    from lossgui.qt.sample_table_model import Background

    while True:
        app.processEvents()
        if not any(b.busy() for b in window.findChildren(Background)):
            break
        time.sleep(0.002)
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[8, 21, 400, 400])
    parser.add_argument("--panels-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from lossgui.qt.loading import open_file_async

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "segmentation.npz"
        subprocess.run([sys.executable, "-c", _WRITE, str(path), *map(str, args.shape)], check=True)
        size_mb = path.stat().st_size / 1e6
        print(
            f"file {path.name}: shape {tuple(args.shape)} float32 + int64 targets, {size_mb:.1f} MB"
        )

        app = QApplication.instance() or QApplication([])
        state, window = _build(args.panels_only)
        _settle(app, window)
        baseline = _rss_mb()
        print(f"window: {type(window).__name__}, baseline resident memory {baseline:.0f} MB")

        for repeat in range(args.repeats):
            gaps = [0.0]
            last = [time.perf_counter()]

            def beat(gaps: list[float] = gaps, last: list[float] = last) -> None:
                now = time.perf_counter()
                gaps.append(now - last[0])
                last[0] = now

            heartbeat = QTimer()
            heartbeat.timeout.connect(beat)
            heartbeat.start(5)
            done: list[bool] = []
            start = time.perf_counter()
            task = open_file_async(state, path, parent=window)
            task.finished.connect(done.append)
            while not done:
                app.processEvents()
                time.sleep(0.001)
            set_at = time.perf_counter() - start
            _settle(app, window)
            window.grab()
            shown_at = time.perf_counter() - start
            heartbeat.stop()
            peak = _rss_mb()
            ok = "opened" if done[0] else "FAILED"
            print(
                f"repeat {repeat + 1}: {ok}; document set {set_at:.2f} s, everything shown "
                f"{shown_at:.2f} s, longest stall {1000 * max(gaps):.0f} ms, peak memory "
                f"{peak - baseline:.0f} MB above baseline = {(peak - baseline) / size_mb:.2f}x "
                f"the file (total {peak:.0f} MB)"
            )
            # Back to the small default batch, and forget the big one (the undo
            # stack would keep it for Redo), so every repeat starts alike.
            state.undo_stack.undo()
            state.undo_stack.clear()
            gc.collect()
            _settle(app, window)
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
