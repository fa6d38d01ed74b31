"""Time lossgui's cross entropy against PyTorch on a segmentation-sized input.

Run by hand from the repository root::

    python benchmarks/bench_cross_entropy.py [--repeats 7] [--shape 8 21 400 400]

For each case the core call and the PyTorch call alternate within every
repeat (so a busy machine slows both alike) and the medians are compared.
Cases: forward under 'mean' and 'none' (against ``F.cross_entropy``), the
gradient alone and forward + gradient (both against PyTorch's forward plus
autograd backward, which is what PyTorch needs to produce a gradient), with
all targets valid and with about 5% of the pixels set to 255 = ignore_index.
Memory is the peak of NumPy allocations made by the core call (tracemalloc),
relative to the input's size; for the gradient it includes the gradient
array itself (1.0x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossgui.core import categorical_fast
from lossgui.core.categorical import cross_entropy, cross_entropy_grad

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the benchmark still reports core timings without torch
    torch = None


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_extra_bytes(fn: Callable[[], object]) -> int:
    """Peak traced allocation during ``fn`` above what was allocated before it."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def compare(
    core: Callable[[], object], ref: Callable[[], object] | None, repeats: int
) -> tuple[float, float | None]:
    """Median seconds of ``core`` and ``ref``, run alternately after one warm-up each."""
    core()
    if ref is not None:
        ref()
    core_times, ref_times = [], []
    for _ in range(repeats):
        core_times.append(timed(core))
        if ref is not None:
            ref_times.append(timed(ref))
    return statistics.median(core_times), statistics.median(ref_times) if ref_times else None


def run_cases(x: np.ndarray, target: np.ndarray, ignore: int, label: str, repeats: int) -> None:
    """Print one table row per case for this target."""
    kw = {"ignore_index": ignore}
    tx = torch.from_numpy(x) if torch else None
    tt = torch.from_numpy(target) if torch else None
    leaf = tx.clone().requires_grad_() if torch else None

    def torch_forward(reduction: str) -> Callable[[], object]:
        return lambda: F.cross_entropy(tx, tt, ignore_index=ignore, reduction=reduction)

    def torch_backward() -> None:
        leaf.grad = None
        F.cross_entropy(leaf, tt, ignore_index=ignore).backward()

    def core_both() -> None:
        cross_entropy(x, target, **kw)
        cross_entropy_grad(x, target, **kw)

    cases = [
        ("forward 'mean'", lambda: cross_entropy(x, target, **kw), torch_forward("mean")),
        (
            "forward 'none'",
            lambda: cross_entropy(x, target, reduction="none", **kw),
            torch_forward("none"),
        ),
        ("gradient (torch: fwd+bwd)", lambda: cross_entropy_grad(x, target, **kw), torch_backward),
        ("forward + gradient", core_both, torch_backward),
    ]
    for name, core, ref in cases:
        t_core, t_ref = compare(core, ref if torch else None, repeats)
        mem = peak_extra_bytes(core) / x.nbytes
        ratio = f"{t_core / t_ref:8.2f}" if t_ref else f"{'-':>8}"
        ref_ms = f"{t_ref * 1e3:10.1f}" if t_ref else f"{'-':>10}"
        print(f"{name + label:<38}{t_core * 1e3:9.1f}{ref_ms}{ratio}{mem:9.2f}x")
    if torch:
        ours = float(cross_entropy(x, target, **kw))
        theirs = float(F.cross_entropy(tx, tt, ignore_index=ignore))
        print(f"{'  value: core / torch':<38}{ours:.8f} / {theirs:.8f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--shape", type=int, nargs="+", default=[8, 21, 400, 400])
    opts = parser.parse_args()
    shape = tuple(opts.shape)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    positions = (shape[0], *shape[2:])
    target = rng.integers(0, shape[1], positions)
    with_ignored = target.copy()
    with_ignored[rng.random(positions) < 0.05] = 255
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"input {shape} float32 ({x.nbytes / 2**20:.0f} MiB), int64 targets")
    print(
        f"core: {cpus} cpus, blocks of {categorical_fast.CHUNK_BYTES // 1024} KiB; "
        + (f"torch {torch.__version__}, {torch.get_num_threads()} threads" if torch else "no torch")
    )
    print(f"median of {opts.repeats}, alternating core and torch\n")
    header = f"{'case':<38}{'core ms':>9}{'torch ms':>10}{'ratio':>8}{'peak mem':>10}"
    print(header)
    print("-" * len(header))
    run_cases(x, target, -100, "", opts.repeats)
    run_cases(x, with_ignored, 255, ", 5% ignored", opts.repeats)


if __name__ == "__main__":
    main()
