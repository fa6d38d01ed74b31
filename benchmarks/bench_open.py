"""Time opening a segmentation batch in the window, and editing it: how long and how smooth.

Run by hand from the repository root::

    python benchmarks/bench_open.py [--shape 8 21 400 400] [--panels-only] [--repeats 5]

A child process writes an .npz with float32 logits of ``--shape`` and int64
targets (5% of them 255 = ignore) into a temporary folder, so this process's
memory is the app's own. The window (``lossgui.qt.main_window.MainWindow``, or
with ``--panels-only`` just an AppState with the sample table and the spatial
panel) then opens it through ``lossgui.qt.loading.open_file_async``, the way
File > Open does, inside the real event loop (``QEventLoop.exec``), while a
5 ms precise heartbeat QTimer records the longest gap between its ticks: the
longest time the event loop could not paint. After the open, one logit is typed
the way the grid does it (``state.edit`` with ``Document.with_cell``).

Reported per repeat: seconds until the Document is set (read + check +
evaluate in the worker, then every panel's redraw) and until everything is
shown (no background sort, count, evaluation or staged redraw left, and the
paints that asked for done); the longest event-loop stall; the peak resident
memory above what was resident when the open started, as a multiple of the
file size (on Linux the peak is reset per repeat through /proc/self/clear_refs,
so each repeat reports its own; elsewhere ru_maxrss, which never goes down);
for the edit, how long ``state.edit`` blocked, when the new result was shown,
the longest stall, and whether the shown value equals a fresh evaluation's.
The last line gives the medians. Targets: <= 3 s to show everything, stall
<= 100 ms, peak <= 3x the file size.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
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


class Memory:
    """Peak resident memory of this process during one measurement, in MB.

    On Linux the peak (VmHWM) is reset before each repeat (``/proc/self/clear_refs``),
    so every repeat reports its own peak; elsewhere ru_maxrss, which never goes
    down (later repeats then only show a higher peak).
    """

    def __init__(self) -> None:
        self.resettable = Path("/proc/self/clear_refs").exists()
        self.start = 0.0

    @staticmethod
    def _status(field: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1024
        raise KeyError(field)

    def begin(self) -> None:
        """Start a measurement: the peak becomes what is resident now."""
        if self.resettable:
            try:
                Path("/proc/self/clear_refs").write_text("5")
            except OSError:
                self.resettable = False
        self.start = self._status("VmRSS") if self.resettable else self._maxrss()

    def peak_above_start(self) -> float:
        """MB of the highest resident memory since :meth:`begin`, above what it was then."""
        peak = self._status("VmHWM") if self.resettable else self._maxrss()
        return peak - self.start

    @staticmethod
    def _maxrss() -> float:
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


def _busy(state, window) -> bool:
    """True while anything is still on its way to the screen."""
    try:
        from lossgui.qt.background_jobs import Background
    except ImportError:  # an older tree: the worker lived in the table model
        from lossgui.qt.sample_table_model import Background

    kinds: list[type] = [Background]
    try:
        from lossgui.qt.staging import Stager

        kinds.append(Stager)
    except ImportError:  # an older tree without staged redraws
        pass
    if getattr(state, "computing", False):
        return True
    return any(job.busy() for kind in kinds for job in window.findChildren(kind))


def _run_until(app, done) -> None:
    """Run the real event loop (QEventLoop.exec) until ``done()`` is true."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    if done():
        app.processEvents()
        return
    loop = QEventLoop()
    check = QTimer()
    check.setTimerType(Qt.TimerType.PreciseTimer)
    check.timeout.connect(lambda: done() and loop.quit())
    check.start(2)
    loop.exec()
    check.stop()
    app.processEvents()  # the paints that the last step asked for


class Heartbeat:
    """A 5 ms precise QTimer: the longest gap between its ticks is the longest stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._beat)
        self.longest = 0.0
        self.last = 0.0

    def start(self) -> None:
        self.longest, self.last = 0.0, time.perf_counter()
        self.timer.start(5)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def stop(self) -> float:
        """Stop; the longest stall in ms, counting the time since the last tick."""
        self._beat()
        self.timer.stop()
        return 1000 * self.longest


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[8, 21, 400, 400])
    parser.add_argument("--panels-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--png", type=Path, help="save a picture of the window after each open")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from lossgui.qt.loading import open_file_async

    results: dict[str, list[float]] = {}

    def record(**values: float) -> None:
        for key, value in values.items():
            results.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "segmentation.npz"
        subprocess.run([sys.executable, "-c", _WRITE, str(path), *map(str, args.shape)], check=True)
        size_mb = path.stat().st_size / 1e6
        print(
            f"file {path.name}: shape {tuple(args.shape)} float32 + int64 targets, {size_mb:.1f} MB"
        )

        app = QApplication.instance() or QApplication([])
        state, window = _build(args.panels_only)
        _run_until(app, lambda: not _busy(state, window))
        memory = Memory()
        heartbeat = Heartbeat()
        print(f"window: {type(window).__name__}; peak memory per repeat: {memory.resettable}")

        for repeat in range(args.repeats):
            gc.collect()
            memory.begin()
            heartbeat.start()
            start = time.perf_counter()
            task = open_file_async(state, path, parent=window)
            done: list[bool] = []
            task.finished.connect(done.append)
            _run_until(app, lambda done=done: bool(done))
            set_at = time.perf_counter() - start
            _run_until(app, lambda: not _busy(state, window))
            shown_at = time.perf_counter() - start
            stall = heartbeat.stop()
            peak = memory.peak_above_start()
            if args.png is not None:
                window.grab().save(str(args.png))
            ok = "opened" if done[0] else "FAILED"
            print(
                f"repeat {repeat + 1}: {ok}; document set {set_at:.2f} s, everything shown "
                f"{shown_at:.2f} s, longest stall {stall:.0f} ms, peak memory {peak:.0f} MB "
                f"above the start = {peak / size_mb:.2f}x the file"
            )
            record(set=set_at, shown=shown_at, stall=stall, memory=peak / size_mb)

            # One typed logit, as the grid's setData makes it.
            row = 12345 % state.document.rows
            value = float(state.document.grid_logits()[row, 0]) + 3.0
            heartbeat.start()
            start = time.perf_counter()
            state.edit(lambda d, r=row, v=value: d.with_cell(r, 0, v), "Edit", ("cell", row, 0))
            edit_at = time.perf_counter() - start
            _run_until(app, lambda: not _busy(state, window))
            edit_shown = time.perf_counter() - start
            edit_stall = heartbeat.stop()
            fresh = state.compute_evaluation(state.document)
            exact = "exact" if state.evaluation.value == fresh.value else "NOT EQUAL"
            print(
                f"          edit: returned after {1000 * edit_at:.0f} ms, result shown "
                f"{edit_shown:.2f} s, longest stall {edit_stall:.0f} ms, value {exact}"
            )
            record(edit_return=1000 * edit_at, edit_shown=edit_shown, edit_stall=edit_stall)

            # Back to the small default batch, and forget the big one (the undo
            # stack would keep it for Redo), so every repeat starts alike.
            state.undo_stack.setIndex(0)
            state.undo_stack.clear()
            _run_until(app, lambda: not _busy(state, window))
        window.close()

    print(
        f"median of {args.repeats}: everything shown {_median(results['shown']):.2f} s "
        f"(target <= 3 s), longest stall {_median(results['stall']):.0f} ms (target <= 100 ms), "
        f"peak memory {_median(results['memory']):.2f}x the file (target <= 3x); "
        f"edit: stall {_median(results['edit_stall']):.0f} ms, "
        f"result shown {_median(results['edit_shown']):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
