"""Instructions per edit, counted by valgrind: a figure the machine's load cannot move.

CPU times on a shared machine drift by 10 % and more within an hour, which
hides the effect of most single changes. Instructions executed do not
depend on the load: this runs the window of :mod:`bench_gui` under
``valgrind --tool=callgrind`` (about 50 x slower), once with no edits and
once with ``--steps`` edits, and reports the difference per edit. Both runs
build the same window, so set-up cancels out. The same code gives the same
count; a change that only moves memory about (even a no-op) can move it by
up to about 1.5 %, so smaller differences are not evidence. Run by hand
from the repository root (offscreen, needs ``valgrind``)::

    python benchmarks/bench_instructions.py [--steps 30] [--kind drag] [--against DIR]

``--kind`` is ``drag`` (a drag step of the selected logit, all panels tiled),
``edit`` (a random cell edit, all panels tiled) or ``both``. ``--against`` counts
another checkout too (e.g. a ``git worktree`` of an older commit) in the same
run, for an A/B ratio. The reference in the same run is one
``core.cross_entropy`` call on the same 64 x 10 batch.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
root, kind, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.join(root, "benchmarks"))
sys.path.insert(0, root)
import numpy as np
if kind == "core":
    from lossgui.core import cross_entropy
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 10)).astype(np.float32)
    t = rng.integers(0, 10, 64)
    for _ in range(3 + steps):
        cross_entropy(x, t)
    raise SystemExit(0)
import bench_gui
from lossgui.qt import sample_table_model
# Under valgrind a step takes about a second, so the per-sample table's re-sort
# "after a pause" (300 ms) would run after every step; in real time it never runs
# during a drag. Keep it out, so the count is the step the timed benchmark times.
sample_table_model.RESORT_DELAY_MS = 10**8
app, window = bench_gui._build_window((1920, 1200), tiled=True)
rng = np.random.default_rng(1)
bench_gui._time_drag(app, window, 3)  # warm: first paints, caches, fonts
bench_gui._time_edits(app, window, 3, rng, full_repaint=False)
import gc
gc.collect()  # start both runs (with and without steps) from the same heap
if steps and kind == "drag":
    bench_gui._time_drag(app, window, steps)
elif steps:
    bench_gui._time_edits(app, window, steps, rng, full_repaint=False)
"""


def _count(root: Path, kind: str, steps: int, workdir: str) -> int:
    """Instructions valgrind counts for one child run."""
    out = os.path.join(workdir, f"callgrind.{kind}.{steps}.{abs(hash(str(root)))}")
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "--dump-instr=no",
            "--collect-jumps=no",
            sys.executable,
            "-c",
            _CHILD,
            str(root),
            kind,
            str(steps),
        ],
        capture_output=True,
        text=True,
        check=False,
        # Set and dict order by string hash would vary from run to run otherwise.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    match = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"valgrind run failed ({root}, {kind}, {steps}):\n{done.stderr[-2000:]}")
    return int(match.group(1))


def per_step(root: Path, kind: str, steps: int, workdir: str, pool: ThreadPoolExecutor) -> float:
    """Instructions per step: (run with ``steps`` steps - run with none) / ``steps``."""
    none, some = pool.map(lambda n: _count(root, kind, n, workdir), (0, steps))
    return (some - none) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--kind", choices=("drag", "edit", "both"), default="drag")
    parser.add_argument("--against", type=Path, help="another checkout to count in this run")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    kinds = ["drag", "edit"] if args.kind == "both" else [args.kind]
    roots = [ROOT] + ([args.against.resolve()] if args.against else [])
    # Counting is deterministic, so runs may share the machine's cores.
    with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(2) as pool:
        core = per_step(ROOT, "core", 1000, workdir, pool)
        print(f"reference: one core.cross_entropy on 64 x 10: {core / 1e6:.3f} M instructions")
        for kind in kinds:
            counts = {root: per_step(root, kind, args.steps, workdir, pool) for root in roots}
            what = "drag step of the selected logit" if kind == "drag" else "cell edit"
            for root, count in counts.items():
                print(f"{what}, all panels tiled, {root}: {count / 1e6:.1f} M instructions "
                      f"({count / core:.0f} x the reference)")
            if args.against:
                ratio = counts[ROOT] / counts[roots[1]]
                print(f"  this checkout / {roots[1]}: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
