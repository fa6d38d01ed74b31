"""(N, C, d1, ..., dk) arrays to (P, C) grid rows, with a per-row function on the way.

Moving the class axis last (``to_grid``) copies the whole array, and a softmax
over the copy makes two more full-size temporaries. For a segmentation batch of
a hundred megabytes that is slow and triples the memory, so here the positions
are cut into blocks of about :data:`BLOCK_ELEMENTS` elements: each block is read
once (strided), transformed while it is in cache, and written straight into its
rows of the one output array (:func:`grid_map`), or reduced to one number per
row (:func:`grid_pick`, :func:`grid_argmax`) without any full-size array. The
blocks are spread over all cores; NumPy releases the GIL inside its loops, so
the threads run in parallel.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["BLOCK_ELEMENTS", "KINDS", "grid_apply", "grid_argmax", "grid_map", "grid_pick"]

#: Elements per block: about 256 KiB of float32, well inside a core's L2 cache.
BLOCK_ELEMENTS = 1 << 16


def _copy(src: np.ndarray, dst: np.ndarray) -> None:
    np.copyto(dst, src, casting="unsafe")


def _exp(src: np.ndarray, dst: np.ndarray) -> None:
    np.exp(src, out=dst, casting="unsafe")


def _nan(_src: np.ndarray, dst: np.ndarray) -> None:
    dst.fill(np.nan)


def _softmax(src: np.ndarray, dst: np.ndarray) -> None:
    # The stable form of lossgui.core.activations.softmax, on one (rows, C) block.
    np.subtract(src, src.max(axis=1, keepdims=True), out=dst, casting="unsafe")
    np.exp(dst, out=dst)
    dst /= dst.sum(axis=1, keepdims=True)


def _sigmoid(src: np.ndarray, dst: np.ndarray) -> None:
    # 1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) below: exp never overflows.
    np.abs(src, out=dst, casting="unsafe")
    np.negative(dst, out=dst)
    np.exp(dst, out=dst)
    negative = src < 0
    np.divide(dst, 1.0 + dst, out=dst, where=negative)
    np.divide(1.0, 1.0 + dst, out=dst, where=~negative)


KINDS: dict[str, Callable[[np.ndarray, np.ndarray], None]] = {
    "copy": _copy,
    "exp": _exp,
    "nan": _nan,
    "sigmoid": _sigmoid,
    "softmax": _softmax,
}


def _workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def grid_apply(array: np.ndarray, fn: Callable[[int, int, np.ndarray], None]) -> None:
    """Call ``fn(start, stop, rows)`` for consecutive blocks of grid rows, on all cores.

    Parameters
    ----------
    array : ndarray, shape (N, C) or (N, C, d1, ..., dk)
    fn : callable
        Gets grid rows ``start:stop`` of ``to_grid(array)`` as a (stop - start, C)
        view (strided, not a copy); blocks never overlap, so ``fn`` may write
        into its own rows of a shared output. It runs in several threads at once.
    """
    n, c = array.shape[0], array.shape[1]
    span = int(np.prod(array.shape[2:], dtype=np.int64)) if array.ndim > 2 else 1
    if n * span == 0:
        return
    # (N, C, S) view of the positions; for (N, C) the rows are the positions.
    source = array.reshape(n, c, span) if array.ndim > 2 else array
    width = max(1, BLOCK_ELEMENTS // max(c, 1))
    if array.ndim > 2:
        jobs = [(i, s, min(s + width, span)) for i in range(n) for s in range(0, span, width)]
    else:
        jobs = [(-1, s, min(s + width, n)) for s in range(0, n, width)]

    def run(chunk: list[tuple[int, int, int]]) -> None:
        with np.errstate(all="ignore"):  # inf / NaN propagate as PyTorch's would
            for i, s0, s1 in chunk:
                if i < 0:
                    fn(s0, s1, source[s0:s1])
                else:
                    fn(i * span + s0, i * span + s1, source[i, :, s0:s1].T)

    workers = min(_workers(), len(jobs))
    if workers <= 1:
        run(jobs)
        return
    cut = [k * len(jobs) // workers for k in range(workers + 1)]
    spans = [jobs[cut[k] : cut[k + 1]] for k in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, spans))


def grid_map(array: np.ndarray, kind: str | None, dtype: np.dtype | type) -> np.ndarray:
    """``kind`` applied to each grid row of ``array``, returned as (P, C) rows.

    Parameters
    ----------
    array : ndarray, shape (N, C) or (N, C, d1, ..., dk)
    kind : {'copy', 'exp', 'nan', 'sigmoid', 'softmax'} or None
        What to apply to each row of C values (None: copy).
    dtype : dtype
        The output's dtype; the computation runs in it.

    Returns
    -------
    ndarray, shape (P, C), C-contiguous, ``dtype``
        Row p is position p of ``to_grid(array)``: n-major, then d1, ..., dk.
    """
    fn = KINDS["copy" if kind is None else kind]
    span = int(np.prod(array.shape[2:], dtype=np.int64)) if array.ndim > 2 else 1
    out = np.empty((array.shape[0] * span, array.shape[1]), dtype=dtype)

    def write(start: int, stop: int, rows: np.ndarray) -> None:
        fn(rows, out[start:stop])

    if out.size:
        grid_apply(array, write)
    return out


def grid_pick(
    array: np.ndarray, kind: str, dtype: np.dtype | type, columns: np.ndarray
) -> np.ndarray:
    """Per grid row, the value of ``kind`` at column ``columns[p]``, without the (P, C) result.

    Parameters
    ----------
    array : ndarray, shape (N, C) or (N, C, d1, ..., dk)
    kind : str
        A :data:`KINDS` name, computed in ``dtype`` one block at a time.
    dtype : dtype
    columns : ndarray of int, shape (P,)
        The column wanted per row; rows whose column is outside 0..C-1 get NaN.

    Returns
    -------
    ndarray, shape (P,), float64
    """
    fn = KINDS[kind]
    c = array.shape[1]
    picked = np.full(columns.shape[0], np.nan)

    def pick(start: int, stop: int, rows: np.ndarray) -> None:
        block = np.empty(rows.shape, dtype=dtype)
        fn(rows, block)
        cols = columns[start:stop]
        valid = np.nonzero((cols >= 0) & (cols < c))[0]
        picked[start + valid] = block[valid, cols[valid]]

    if c:
        grid_apply(array, pick)
    return picked


def grid_argmax(array: np.ndarray) -> np.ndarray:
    """Per grid row, the column of its largest value (the first one on ties), shape (P,) int64."""
    span = int(np.prod(array.shape[2:], dtype=np.int64)) if array.ndim > 2 else 1
    out = np.zeros(array.shape[0] * span, dtype=np.int64)

    def argmax(start: int, stop: int, rows: np.ndarray) -> None:
        out[start:stop] = np.argmax(rows, axis=1)

    if array.shape[1]:
        grid_apply(array, argmax)
    return out
