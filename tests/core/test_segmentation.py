"""Pixel <-> grid row bookkeeping and Dice / IoU on masks whose answer is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.core import segmentation as seg
from lossgui.core.evaluate import to_grid


def test_rows_and_pixels_match_the_grid_layout() -> None:
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    rows = to_grid(x)
    hw = seg.image_shape(x.shape)
    assert hw == (4, 5)
    row = seg.pixel_row(1, 2, 3, hw)
    np.testing.assert_array_equal(rows[row], x[1, :, 2, 3])
    assert seg.row_pixel(row, hw) == (1, 2, 3)
    picture = seg.row_image(rows, 1, hw)
    assert picture.shape == (4, 5, 3)
    np.testing.assert_array_equal(picture[2, 3], x[1, :, 2, 3])
    assert seg.image_shape((7, 3)) is None
    assert seg.image_shape((2, 3, 9)) == (1, 9)


def test_dice_and_iou_of_known_masks() -> None:
    target = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    predicted = np.array([[0, 1, 1, 1], [0, 0, 1, 2]])
    dice, iou = seg.dice_iou(predicted, target, classes=3)
    # class 0: TP 3, FP 0, FN 1; class 1: TP 3, FP 1, FN 1; class 2: TP 0, FP 1, FN 0.
    np.testing.assert_allclose(dice, [6 / 7, 6 / 8, 0.0])
    np.testing.assert_allclose(iou, [3 / 4, 3 / 5, 0.0])


def test_ignored_pixels_and_absent_classes() -> None:
    target = np.array([0, 0, 255, 255, 1])
    predicted = np.array([0, 0, 1, 2, 1])
    dice, iou = seg.dice_iou(predicted, target, classes=4, ignore_index=255)
    np.testing.assert_allclose(dice[:2], [1.0, 1.0])
    np.testing.assert_allclose(iou[:2], [1.0, 1.0])
    # Class 2 was only predicted on an ignored pixel, class 3 never appears: no score.
    assert np.isnan(dice[2]) and np.isnan(iou[3])
    cm = seg.confusion_matrix(predicted, target, 4, 255)
    assert cm.sum() == 3


def test_perfect_and_disjoint_predictions() -> None:
    rng = np.random.default_rng(0)
    target = rng.integers(0, 5, (3, 16, 16))
    dice, iou = seg.dice_iou(target, target, 5)
    np.testing.assert_allclose(dice, 1.0)
    np.testing.assert_allclose(iou, 1.0)
    dice, iou = seg.dice_iou((target + 1) % 5, target, 5)
    np.testing.assert_allclose(dice, 0.0)
    np.testing.assert_allclose(iou, 0.0)


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        seg.confusion_matrix(np.zeros(3, int), np.zeros(4, int), 2)
