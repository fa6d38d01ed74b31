"""Copy a 128 MB array over and over: a stand-in for a noisy neighbour on a shared machine.

Run it on the second core while a benchmark runs, to see how the figures move
when another process competes for the caches and memory (this machine's slow
phases look the same)::

    python benchmarks/memory_hog.py & python benchmarks/bench_gui.py --layout tiled; kill %1

Stops by itself after ``--seconds`` (default 600).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args(argv)
    source = np.ones(16_000_000)  # float64: 128 MB, far more than any cache
    target = np.empty_like(source)
    stop = time.monotonic() + args.seconds
    while time.monotonic() < stop:
        np.copyto(target, source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
