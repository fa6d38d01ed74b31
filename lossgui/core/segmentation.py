"""Per-pixel views of a segmentation batch and its overlap scores (Dice, IoU).

A spatial input (N, C, H, W) is shown in the grid as P = N * H * W rows; row
``n * H * W + i * W + j`` is pixel (i, j) of image n. These helpers cut one
image's rows back into (H, W) pictures (views, no copies where possible) and
score predicted against target classes per class, leaving ignored pixels out.
A 1-D spatial input (N, C, L) is treated as images of height 1.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "confusion_matrix",
    "dice_iou",
    "image_rows",
    "image_shape",
    "pixel_row",
    "row_image",
    "row_pixel",
]


def image_shape(input_shape: tuple[int, ...]) -> tuple[int, int] | None:
    """(H, W) of one image for an (N, C, H, W) or (N, C, L) input; None otherwise."""
    if len(input_shape) == 4:
        return int(input_shape[2]), int(input_shape[3])
    if len(input_shape) == 3:
        return 1, int(input_shape[2])
    return None


def image_rows(n: int, hw: tuple[int, int]) -> slice:
    """The grid rows of image ``n``: a slice of length H * W."""
    size = hw[0] * hw[1]
    return slice(n * size, (n + 1) * size)


def pixel_row(n: int, i: int, j: int, hw: tuple[int, int]) -> int:
    """Grid row of pixel (i, j) of image ``n``."""
    return (n * hw[0] + i) * hw[1] + j


def row_pixel(row: int, hw: tuple[int, int]) -> tuple[int, int, int]:
    """(n, i, j) of grid row ``row``: the inverse of :func:`pixel_row`."""
    n, rest = divmod(int(row), hw[0] * hw[1])
    i, j = divmod(rest, hw[1])
    return n, i, j


def row_image(values: np.ndarray, n: int, hw: tuple[int, int]) -> np.ndarray:
    """Per-row ``values`` (P,) or (P, C) of image ``n`` as an (H, W) or (H, W, C) view."""
    rows = values[image_rows(n, hw)]
    return rows.reshape(hw + rows.shape[1:])


def confusion_matrix(
    predicted: np.ndarray, target: np.ndarray, classes: int, ignore_index: int | None = None
) -> np.ndarray:
    """Counts of (target, predicted) class pairs, shape (C, C), int64.

    Parameters
    ----------
    predicted, target : ndarray of int, same shape
        Class per pixel. Pixels whose target equals ``ignore_index``, or whose
        target or prediction is outside 0..C-1, are left out.
    classes : int
        C.
    ignore_index : int, optional

    Returns
    -------
    ndarray, shape (C, C)
        Row = target class, column = predicted class.
    """
    t = np.asarray(target).reshape(-1)
    p = np.asarray(predicted).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(
            f"predicted shape {np.shape(predicted)} != target shape {np.shape(target)}"
        )
    keep = (t >= 0) & (t < classes) & (p >= 0) & (p < classes)
    if ignore_index is not None:
        keep &= t != ignore_index
    pairs = t[keep].astype(np.int64) * classes + p[keep]
    return np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)


def dice_iou(
    predicted: np.ndarray, target: np.ndarray, classes: int, ignore_index: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-class Dice and IoU of a predicted against a target segmentation.

    ``Dice_c = 2 TP / (2 TP + FP + FN)``, ``IoU_c = TP / (TP + FP + FN)``,
    counted over the pixels that are not ignored (see :func:`confusion_matrix`).

    Returns
    -------
    dice, iou : ndarray, shape (C,), float64
        NaN for a class that appears neither in the target nor in the prediction.
    """
    cm = confusion_matrix(predicted, target, classes, ignore_index)
    tp = np.diag(cm).astype(np.float64)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    union = tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.where(union > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        iou = np.where(union > 0, tp / union, np.nan)
    return dice, iou
