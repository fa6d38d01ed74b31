"""Chunked, multi-threaded cross entropy for large inputs.

A plain NumPy cross entropy on a segmentation-sized input (8, 21, 400, 400)
builds several full-size temporaries (shifted logits, exponentials, log-probs)
and streams each through main memory; on two cores its forward pass took
about twice as long as PyTorch's (see ``benchmarks/bench_cross_entropy.py``).
Here the positions are cut into blocks of about :data:`CHUNK_BYTES` of logits,
small enough to stay in a core's L2 cache, and every pass (max, subtract, exp,
sum, scale) runs on one block before the next; the blocks are shared between
threads, which run in parallel because NumPy releases the GIL inside its loops.
Forward-only work never forms log-probabilities at all: per position it needs
only ``lse = max + log(sum(exp(x - max)))`` and the logit at the target.

Results are deterministic: each block's partial sum is kept, and the partials
are added with ``math.fsum`` (exactly rounded, so independent of the order and
of the number of threads).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from lossgui.core.categorical_args import CategoricalArgs

__all__ = ["CHUNK_BYTES", "chunked_cross_entropy"]

# About half of a 1 MiB L2 cache: one block of logits plus the per-position vectors.
CHUNK_BYTES = 1 << 19


def _worker_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _classes_first(a: np.ndarray) -> np.ndarray:
    """View an (N, C, ...) array as (N', C, P) blocks: (N, C, d1*...*dk), or (1, C, N) if 2-D."""
    if a.ndim == 2:
        return a.T[np.newaxis]
    return a.reshape(a.shape[0], a.shape[1], -1)


def _positions_2d(a: np.ndarray) -> np.ndarray:
    """View a per-position (N,) or (N, d1, ..., dk) array as (N', P), as :func:`_classes_first`."""
    if a.ndim == 1:
        return a[np.newaxis]
    return a.reshape(a.shape[0], -1)


# A block: rows n0:n1 and columns p0:p1 of the (N', C, P) view, all C classes.
_Block = tuple[slice, slice]


@dataclass(frozen=True)
class _Blocks:
    """Everything a block needs, as (N', C, P) and (N', P) views of the call's arrays.

    A block ``(rows, cols)`` covers logits ``x[rows, :, cols]``, shape (n, C, p);
    its per-position values have shape (n, p), or (n, 1, p) to broadcast.
    """

    args: CategoricalArgs
    x: np.ndarray
    q: np.ndarray | None
    classes: np.ndarray | None
    pos_weight: np.ndarray | None
    ignored: np.ndarray | None
    coef_a: np.ndarray | None
    coef_b: np.ndarray | None
    coef_e: np.ndarray | None
    losses: np.ndarray | None
    grad: np.ndarray | None
    want_value: bool

    def run(self, blocks: list[_Block]) -> list[float]:
        """Process ``blocks`` in order and return their partial loss sums."""
        rows = max(r.stop - r.start for r, _ in blocks)
        cols = max(c.stop - c.start for _, c in blocks)
        # Scratch in the logits' memory order, so elementwise loops stay contiguous.
        order = "F" if self.x.strides[1] < self.x.strides[2] else "C"
        shape = (rows, self.x.shape[1], cols)
        scratch = [np.empty(shape, self.x.dtype, order=order) for _ in range(2)]
        partials = []
        with np.errstate(all="ignore"):  # IEEE inf/NaN as PyTorch, never a warning
            for r, c in blocks:
                size = (slice(0, r.stop - r.start), slice(None), slice(0, c.stop - c.start))
                e = scratch[0][size] if self.grad is None else self.grad[r, :, c]
                if self.q is None:
                    partials.append(self._index_block(r, c, e, scratch[1][size]))
                else:
                    partials.append(self._prob_block(r, c, e, scratch[1][size]))
        return partials

    def _index_block(self, r: slice, c: slice, e: np.ndarray, extra: np.ndarray) -> float:
        assert self.classes is not None and self.pos_weight is not None
        args, xb = self.args, self.x[r, :, c]
        idx = self.classes[r, c][:, np.newaxis]
        np.subtract(xb, xb.max(axis=1, keepdims=True), out=e)
        smoothing = args.label_smoothing > 0.0
        if self.want_value:
            shifted_y = np.take_along_axis(e, idx, axis=1)[:, 0]
            if smoothing:
                weighted = e if args.weight is None else np.multiply(e, self.w_col, out=extra)
                shifted_sum = weighted.sum(axis=1)  # sum_c w_c (x_c - max)
        np.exp(e, out=e)
        total = e.sum(axis=1)
        partial = 0.0
        if self.want_value:
            log_total = np.log(total)
            loss = log_total - shifted_y
            loss *= self.pos_weight[r, c]
            if smoothing:
                loss *= 1.0 - args.label_smoothing
                loss += args.smoothing_scale * (args.weight_sum * log_total - shifted_sum)
            if self.ignored is not None:
                np.copyto(loss, 0, where=self.ignored[r, c])
            partial = float(loss.sum(dtype=np.float64))
            if self.losses is not None:
                self.losses[r, c] = loss
        if self.grad is not None:
            assert self.coef_a is not None and self.coef_b is not None
            e *= np.divide(self.coef_a[r, c], total, out=total)[:, np.newaxis]
            at_target = np.take_along_axis(e, idx, axis=1)
            at_target -= self.coef_b[r, c][:, np.newaxis]
            np.put_along_axis(e, idx, at_target, axis=1)
            if self.coef_e is not None:
                e_row = self.coef_e[r, c][:, np.newaxis]
                e -= e_row if args.weight is None else np.multiply(self.w_col, e_row, out=extra)
        return partial

    def _prob_block(self, r: slice, c: slice, e: np.ndarray, extra: np.ndarray) -> float:
        assert self.q is not None
        args, xb, qb = self.args, self.x[r, :, c], self.q[r, :, c]
        eps = args.label_smoothing
        # wq = w_c q'_c with the smoothed target q' = q (1 - eps) + eps / C.
        if eps > 0.0:
            wq = np.multiply(qb, 1.0 - eps, out=extra)
            wq += args.smoothing_scale
            if args.weight is not None:
                wq *= self.w_col
        elif args.weight is not None:
            wq = np.multiply(qb, self.w_col, out=extra)
        else:
            wq = qb
        wq_sum = wq.sum(axis=1)
        np.subtract(xb, xb.max(axis=1, keepdims=True), out=e)
        if self.want_value:
            # -sum_c wq_c lp_c = wq_sum * log(total) - sum_c wq_c (x_c - max)
            weighted_shift = np.einsum("ncp,ncp->np", wq, e)
        np.exp(e, out=e)
        total = e.sum(axis=1)
        partial = 0.0
        if self.want_value:
            loss = wq_sum * np.log(total) - weighted_shift
            partial = float(loss.sum(dtype=np.float64))
            if self.losses is not None:
                self.losses[r, c] = loss
        if self.grad is not None:
            scale = args.grad_scale
            e *= np.divide(wq_sum * scale, total, out=total)[:, np.newaxis]
            e -= np.multiply(wq, scale, out=extra)  # wq is not needed after this
        return partial

    @property
    def w_col(self) -> np.ndarray:
        """Class weights as a (C, 1) column, to scale an (n, C, p) block."""
        assert self.args.weight is not None
        return self.args.weight[:, np.newaxis]


def _plan(n_rows: int, n_classes: int, n_cols: int, itemsize: int) -> list[_Block]:
    """Cut (n_rows, C, n_cols) into blocks of about CHUNK_BYTES: columns first, then rows."""
    per_position = max(1, n_classes * itemsize)
    width = max(1, CHUNK_BYTES // per_position)
    if width < n_cols:
        return [
            (slice(n, n + 1), slice(p, min(p + width, n_cols)))
            for n in range(n_rows)
            for p in range(0, n_cols, width)
        ]
    # Short rows (small images): several rows per block, to keep per-block overhead low.
    height = max(1, width // max(1, n_cols))
    return [(slice(n, min(n + height, n_rows)), slice(0, n_cols)) for n in range(0, n_rows, height)]


def chunked_cross_entropy(
    args: CategoricalArgs, *, want_value: bool, want_grad: bool
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """Cross entropy of a large input, block by block on all cores.

    Parameters
    ----------
    args : CategoricalArgs
        A checked ``cross_entropy`` call (class indices or probabilities).
    want_value : bool
        Compute the summed loss (and the per-position losses under 'none').
    want_grad : bool
        Compute the gradient of the reduced loss with respect to the input.

    Returns
    -------
    total : float
        Sum of the per-position losses, float64 (0.0 if not ``want_value``).
    losses : ndarray or None
        Per-position losses, shape ``args.positions``, input dtype; only under
        reduction 'none' with ``want_value``.
    grad : ndarray or None
        Gradient, ``args.input``'s shape and dtype; only with ``want_grad``.
    """
    x = args.input
    positions = args.positions
    losses = np.empty(positions, x.dtype) if want_value and args.reduction == "none" else None
    grad = np.empty(x.shape, x.dtype) if want_grad else None
    coef_a = coef_b = coef_e = None
    if want_grad and args.prob_target is None:
        coef_a, coef_b, coef_e = (
            None if c is None else _positions_2d(c) for c in args.index_grad_coefficients()
        )
    blocks = _Blocks(
        args=args,
        x=_classes_first(x),
        q=None if args.prob_target is None else _classes_first(args.prob_target),
        classes=None if args.classes is None else _positions_2d(args.classes),
        pos_weight=None if args.pos_weight is None else _positions_2d(args.pos_weight),
        ignored=_positions_2d(args.ignored) if args.n_ignored else None,
        coef_a=coef_a,
        coef_b=coef_b,
        coef_e=coef_e,
        losses=None if losses is None else _positions_2d(losses),
        grad=None if grad is None else _classes_first(grad),
        want_value=want_value,
    )
    jobs = _plan(*blocks.x.shape, x.itemsize)
    workers = min(_worker_count(), len(jobs))
    if workers <= 1:
        partials = blocks.run(jobs) if jobs else []
    else:
        # Contiguous runs of blocks, one per thread: fewer hand-offs than one task per block.
        n = len(jobs)
        spans = [jobs[i * n // workers : (i + 1) * n // workers] for i in range(workers)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            partials = [p for span in pool.map(blocks.run, spans) for p in span]
    return math.fsum(partials), losses, grad
