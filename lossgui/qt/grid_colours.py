"""Gradient colours of the grid's logit cells: d(loss)/d(cell) as a diverging colour.

:func:`gradient_scale` and :func:`gradient_colours` are the colour map;
:class:`GradientColouring` is the part of
:class:`~lossgui.qt.grid_model.GridModel` that caches them. Colours are
computed for the blocks of rows a view asks for, never for the whole (P, C)
gradient at once: a segmentation batch has millions of rows, and the caches
stay bounded.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from lossgui.qt.state import AppState

__all__ = ["GradientColouring", "gradient_colours", "gradient_scale"]

_NEGATIVE = np.array([33, 102, 172], dtype=float)
_POSITIVE = np.array([178, 24, 43], dtype=float)

# Gradient colours are computed for blocks of this many rows, as a view asks for them.
_COLOUR_ROWS = 256
# Elements per step when scanning the whole gradient for its largest magnitude.
_SCAN_ELEMENTS = 1 << 18


def gradient_scale(grad: np.ndarray) -> float:
    """max |grad| over the finite entries of a (P, C) gradient, 0.0 when there are none.

    Scanned in blocks of rows so a large gradient makes no full-size temporaries.
    """
    rows = max(1, _SCAN_ELEMENTS // max(1, grad.shape[1]))
    scale = 0.0
    for start in range(0, grad.shape[0], rows):
        block = np.abs(grad[start : start + rows])
        block = block[np.isfinite(block)]
        if block.size:
            scale = max(scale, float(block.max()))
    return scale


def gradient_colours(grad: np.ndarray, scale: float) -> np.ndarray:
    """Packed 0xAARRGGBB colours of a (rows, C) block of gradients, int64; 0 where not finite.

    Diverging map symmetric in |grad| / ``scale`` (> 0): white at 0, blue
    negative, red positive, at most 75 % of the way to the end colour.
    """
    grad = np.asarray(grad, dtype=np.float64)
    finite = np.isfinite(grad)
    amount = 0.75 * np.clip(np.abs(np.where(finite, grad, 0.0)) / scale, 0, 1)
    end = np.where((grad > 0)[..., None], _POSITIVE, _NEGATIVE)
    rgb = (255.0 * (1.0 - amount[..., None]) + end * amount[..., None]).astype(np.int64)
    packed = 0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    return np.where(finite, packed, 0)


class GradientColouring:
    """Mixin of the grid model: the gradient colour of a logit cell, cached per Evaluation.

    The host sets ``_state`` and calls :meth:`_init_gradient_colouring` in its
    ``__init__``; it keeps at most ``max_blocks`` blocks of packed colours and
    ``max_cached`` cell colours.
    """

    _state: AppState

    def _init_gradient_colouring(self, max_blocks: int, max_cached: int) -> None:
        self._colour_cache: dict[tuple[int, int], QColor] = {}
        # The Evaluation the colours are for, its gradient's scale, packed colours per block.
        self._grad_for: object = None
        self._grad_scale = 0.0
        self._grad_blocks: dict[int, np.ndarray] = {}
        self._max_colour_blocks = max_blocks
        self._max_colours = max_cached

    def _grad_ready(self) -> np.ndarray | None:
        """The current gradient, (P, C), when it can be coloured; resets caches per Evaluation."""
        evaluation = self._state.evaluation
        if evaluation is not self._grad_for:
            self._grad_for = evaluation
            self._grad_blocks = {}
            self._colour_cache = {}
            # One pass over the gradient per Evaluation: every colour depends on it.
            self._grad_scale = 0.0 if evaluation is None else gradient_scale(evaluation.grad)
        if evaluation is None or self._grad_scale <= 0.0:
            return None
        return evaluation.grad

    def _colour_block(self, grad: np.ndarray, block: int) -> np.ndarray:
        """Packed colours of rows block * _COLOUR_ROWS ... of ``grad``, computed once."""
        packed = self._grad_blocks.get(block)
        if packed is None:
            if len(self._grad_blocks) >= self._max_colour_blocks:
                del self._grad_blocks[next(iter(self._grad_blocks))]  # the oldest
            start = block * _COLOUR_ROWS
            packed = gradient_colours(grad[start : start + _COLOUR_ROWS], self._grad_scale)
            self._grad_blocks[block] = packed
        return packed

    def _gradient_colour(self, row: int, c: int) -> QColor | None:
        grad = self._grad_ready()
        if grad is None or row >= grad.shape[0] or c >= grad.shape[1]:
            return None
        colour = self._colour_cache.get((row, c))
        if colour is None:
            packed = int(self._colour_block(grad, row // _COLOUR_ROWS)[row % _COLOUR_ROWS, c])
            if not packed:
                return None
            if len(self._colour_cache) >= self._max_colours:
                self._colour_cache = {}
            colour = self._colour_cache[(row, c)] = QColor(packed)
        return colour
