"""The Document refuses bad edits with a reason and converts targets between losses."""

import numpy as np
import pytest

from lossgui.core.registry import LOSSES
from lossgui.document import Document, EditError
from lossgui.document_convert import default_document, randomized, resize, switch_loss


def test_default_document_is_cross_entropy_4_by_3():
    doc = default_document()
    assert doc.loss == "cross_entropy"
    assert (doc.rows, doc.classes) == (4, 3)
    assert not doc.logits.flags.writeable and not doc.target.flags.writeable


def test_cell_edit_returns_new_document_and_keeps_old():
    doc = default_document()
    new = doc.with_cell(1, 2, "4.5")
    assert new.logits[1, 2] == 4.5
    assert doc.logits[1, 2] == 0.3


@pytest.mark.parametrize("text", ["abc", "", "  ", "nan", "inf", "-inf", "1e400"])
def test_cell_edit_refuses_non_numbers(text):
    with pytest.raises(EditError):
        default_document().with_cell(0, 0, text)


def test_target_out_of_range_refused_with_valid_range():
    with pytest.raises(EditError, match=r"0\.\.2"):
        default_document().with_target(0, "3")


def test_target_may_be_ignore_index():
    doc = default_document().with_option("ignore_index", 255).with_target(0, "255")
    assert doc.target[0] == 255


def test_negative_weight_refused():
    with pytest.raises(EditError, match="negative"):
        default_document().with_option("weight", (1.0, -1.0, 1.0))


def test_weight_length_must_match_classes():
    with pytest.raises(EditError, match="3 numbers"):
        default_document().with_option("weight", (1.0, 2.0))


def test_label_smoothing_bounds():
    with pytest.raises(EditError):
        default_document().with_option("label_smoothing", 1.5)
    assert default_document().with_option("label_smoothing", 0.1).option("label_smoothing") == 0.1


def test_bce_as_given_refuses_numbers_outside_unit_interval():
    doc = switch_loss(default_document(), "binary_cross_entropy").with_transform("none")
    with pytest.raises(EditError, match=r"\[0, 1\]"):
        doc.with_cell(0, 0, "1.7")


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_switch_gives_a_valid_document(loss):
    doc = switch_loss(default_document(), loss)
    assert doc.loss == loss
    assert doc.target.shape == doc.target_shape()


def test_index_to_probability_target_is_one_hot():
    doc = switch_loss(default_document(), "cross_entropy", "probability")
    np.testing.assert_array_equal(doc.target.argmax(axis=1), default_document().target)
    np.testing.assert_allclose(doc.target.sum(axis=1), 1.0)


def test_shared_options_carry_over_but_invalid_reduction_does_not():
    doc = default_document().with_option("weight", (1.0, 2.0, 3.0))
    nll = switch_loss(doc, "nll_loss")
    assert nll.option("weight") == (1.0, 2.0, 3.0)
    assert nll.transform == "log_softmax"
    kl = switch_loss(default_document(), "kl_div").with_option("reduction", "batchmean")
    assert switch_loss(kl, "cross_entropy").option("reduction") == "mean"


def test_resize_keeps_block_and_extends_weights():
    doc = default_document().with_option("weight", (1.0, 2.0, 3.0))
    big = resize(doc, 6, 5)
    assert big.logits.shape == (6, 5)
    np.testing.assert_array_equal(big.logits[:4, :3], doc.logits)
    assert big.option("weight") == (1.0, 2.0, 3.0, 1.0, 1.0)
    with pytest.raises(EditError):
        resize(doc, 0, 3)
    with pytest.raises(EditError):
        resize(doc, 4, 65)


def test_spatial_document_rows_are_positions():
    logits = np.arange(2 * 3 * 2 * 2, dtype=np.float64).reshape(2, 3, 2, 2)
    doc = Document("cross_entropy", logits, np.zeros((2, 2, 2), dtype=np.int64))
    assert (doc.rows, doc.classes) == (8, 3)
    np.testing.assert_array_equal(doc.grid_logits()[5], logits[1, :, 0, 1])
    edited = doc.with_cell(5, 2, 99)
    assert edited.logits[1, 2, 0, 1] == 99
    assert doc.row_label(5) == "n=1 (0, 1)"
    with pytest.raises(EditError, match=r"\(N, C\)"):
        switch_loss(doc, "cosine_embedding_loss")


def test_randomized_keeps_shapes_and_valid_targets():
    doc = randomized(default_document(), np.random.default_rng(0))
    assert doc.logits.shape == (4, 3)
    assert ((doc.target >= 0) & (doc.target < 3)).all()


def test_float32_logits_are_not_upcast():
    logits = np.zeros((3, 2), dtype=np.float32)
    doc = Document("cross_entropy", logits, np.zeros(3, dtype=np.int64))
    assert doc.logits.dtype == np.float32


def test_cell_edit_of_a_classes_last_batch_copies_it_once_in_its_layout():
    rng = np.random.default_rng(4)
    stored = np.ascontiguousarray(rng.normal(size=(2, 5, 6, 3)).astype(np.float32))
    logits = np.moveaxis(stored, -1, 1)  # (N, C, H, W) with the classes last in memory
    doc = Document(loss="cross_entropy", logits=logits, target=rng.integers(0, 3, (2, 5, 6)))
    edited = doc.with_cell(5 * 6 + 7, 2, -4.0)  # image 1, pixel (1, 1), class 2
    assert edited.logits[1, 2, 1, 1] == np.float32(-4.0)
    assert edited.logits.dtype == np.float32
    assert np.moveaxis(edited.logits, 1, -1).flags.c_contiguous  # grid rows stay a view
    assert not edited.logits.flags.writeable
    changed = edited.logits != doc.logits
    assert changed.sum() == 1 and doc.logits[1, 2, 1, 1] != -4.0
    with pytest.raises(EditError, match="outside"):
        doc.with_cell(2 * 5 * 6, 0, 1.0)


def test_cell_edit_of_a_large_batch_makes_one_copy_not_two():
    import tracemalloc

    stored = np.zeros((4, 100, 100, 8), dtype=np.float32)
    doc = Document(
        loss="cross_entropy",
        logits=np.moveaxis(stored, -1, 1),
        target=np.zeros((4, 100, 100), dtype=np.int64),
    )
    tracemalloc.start()
    try:
        edited = doc.with_cell(123, 4, 2.5)
        _kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * doc.logits.nbytes  # through a (P, C) grid copy it was 2x
    assert edited.grid_logits()[123, 4] == 2.5
