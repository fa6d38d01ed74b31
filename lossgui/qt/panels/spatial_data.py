"""The arrays the spatial panel draws, computed from a Document and its Evaluation.

Pure NumPy (no Qt), so that a large batch's pictures can be computed in a
worker thread while the window keeps painting: for one 400 × 400 image of 21
classes the argmax, gradient norms and Dice / IoU take tens of milliseconds.
"""

from __future__ import annotations

import colorsys

import numpy as np

from lossgui.core import segmentation as seg
from lossgui.core.evaluate import Evaluation
from lossgui.document import Document

__all__ = [
    "IGNORED_COLOR",
    "IMAGE_TITLES",
    "Pictures",
    "batch_scores",
    "class_image",
    "class_lut",
    "describe_pixel",
    "ignore_index",
    "image_pictures",
]

IGNORED_COLOR = (128, 128, 128)

#: (title, tooltip) of the loss, predicted, target and gradient pictures. The titles
#: fit a 220 px plot (the spatial panel tiled in a 1440 x 900 window); the details
#: are in the tooltips.
IMAGE_TITLES = (
    (
        "Loss per pixel (nats)",
        "Each pixel's term of the loss (nats); ignored pixels have none and show the background.",
    ),
    (
        "Predicted class",
        "The class with the largest logit at each pixel (argmax over the C channels).",
    ),
    (
        "Target (grey: ignored)",
        "The target class of each pixel; grey pixels are ignored (target == ignore_index): "
        "no loss, no gradient, and not in the mean's denominator.",
    ),
    (
        "Gradient ‖∂loss/∂x‖",
        "Size of each pixel's gradient: the Euclidean norm ‖∂loss/∂x‖ over its C logits. "
        "Ignored pixels have none.",
    ),
)

#: Image n's arrays by name: "loss", "grad" (H, W) float64 with NaN where ignored;
#: "predicted", "target" (H, W) int classes (C = ignored); "dice", "iou" (C,).
Pictures = dict[str, np.ndarray]


def class_lut(classes: int) -> np.ndarray:
    """Distinct colours for classes 0..C-1 and grey for ignored (index C): (C + 1, 3) uint8.

    Hues step by the golden ratio, so neighbouring class numbers differ most.
    """
    lut = np.empty((classes + 1, 3), dtype=np.uint8)
    for c in range(classes):
        hue = (c * 0.618034) % 1.0
        rgb = colorsys.hsv_to_rgb(hue, 0.75, 0.95 if c % 2 == 0 else 0.7)
        lut[c] = [round(255 * v) for v in rgb]
    lut[classes] = IGNORED_COLOR
    return lut


def describe_pixel(pictures: Pictures, n: int, i: int, j: int, classes: int) -> str:
    """One line about pixel (i, j) of image n: target, prediction, loss and gradient size."""
    target = int(pictures["target"][i, j])
    predicted = int(pictures["predicted"][i, j])
    where = f"n={n}, pixel ({i}, {j}): "
    if target == classes:
        # Ignored pixels have no loss and no gradient (NaN in the pictures).
        return f"{where}target ignored, predicted {predicted}, no loss"
    loss, grad = float(pictures["loss"][i, j]), float(pictures["grad"][i, j])
    return f"{where}target {target}, predicted {predicted}, loss {loss:.4g}, ‖∂‖ {grad:.3g}"


def ignore_index(doc: Document) -> int | None:
    """The loss's ignore_index, or None for losses without one."""
    return int(doc.option("ignore_index")) if "ignore_index" in doc.spec.defaults else None


def class_image(doc: Document, n: int) -> np.ndarray:
    """Target class per pixel of image n, (H, W); ignored and out-of-range pixels are C."""
    hw = seg.image_shape(doc.logits.shape)
    assert hw is not None
    if doc.target_kind == "index":
        target = np.asarray(doc.target[n]).reshape(hw)
        bad = (target < 0) | (target >= doc.classes)
        return np.where(bad, doc.classes, target)
    return np.argmax(doc.target[n], axis=0).reshape(hw)


def image_pictures(doc: Document, ev: Evaluation, n: int) -> Pictures:
    """Every picture of image n and its per-class Dice / IoU (safe in a worker thread)."""
    hw = seg.image_shape(doc.logits.shape)
    assert hw is not None
    loss = seg.row_image(ev.row_loss, n, hw).astype(np.float64)
    ignored = seg.row_image(ev.ignored, n, hw)
    loss[ignored] = np.nan
    grad = ev.grad[seg.image_rows(n, hw)]
    size = np.sqrt(np.einsum("pc,pc->p", grad, grad, dtype=np.float64)).reshape(hw)
    size[ignored] = np.nan
    predicted = np.argmax(doc.logits[n], axis=0).reshape(hw)
    target = class_image(doc, n)
    ignore = doc.classes if doc.target_kind == "index" else None
    dice, iou = seg.dice_iou(predicted, target, doc.classes, ignore)
    return {
        "loss": loss,
        "grad": size,
        "predicted": predicted,
        "target": target,
        "dice": dice,
        "iou": iou,
    }


def batch_scores(doc: Document) -> tuple[Document, tuple[np.ndarray, np.ndarray]]:
    """Dice / IoU over every image of ``doc`` (run in a worker thread)."""
    predicted = np.argmax(doc.logits, axis=1)
    if doc.target_kind == "index":
        target, ignore = doc.target, ignore_index(doc)
    else:
        target, ignore = np.argmax(doc.target, axis=1), None
    return doc, seg.dice_iou(predicted, target, doc.classes, ignore)
