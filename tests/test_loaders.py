"""Opening real model outputs: every format, and one clear sentence for every bad file."""

from __future__ import annotations

import mmap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lossgui.loaders_io as loaders_io
from lossgui.document import Document
from lossgui.loaders import LoadError, load_arrays, load_document

RNG = np.random.default_rng(7)


def _logits(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return RNG.normal(size=shape).astype(dtype)


def _maps_file(array: np.ndarray) -> bool:
    """Whether ``array``'s memory is a memory-mapped file (it shares the file's pages)."""
    base = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return True
        base = getattr(base, "base", None)
    return False


# --------------------------------------------------------------------- formats


def test_npz_segmentation_batch_keeps_float32_and_ignores_255(tmp_path: Path) -> None:
    x = _logits(2, 5, 6, 7)
    t = RNG.integers(0, 5, (2, 6, 7))
    t[0, 0, :3] = 255
    np.savez(tmp_path / "seg.npz", input=x, target=t)
    doc = load_document(tmp_path / "seg.npz")
    assert doc.title == "seg.npz"
    assert doc.loss == "cross_entropy" and doc.target_kind == "index"
    assert doc.logits.dtype == np.float32 and doc.dtype == "float32"
    np.testing.assert_array_equal(doc.logits, x)
    np.testing.assert_array_equal(doc.target, t)
    assert doc.option("ignore_index") == 255


def test_spatial_logits_are_stored_classes_last_so_grid_rows_are_a_view(tmp_path: Path) -> None:
    x = _logits(2, 5, 6, 7)
    np.savez(tmp_path / "seg.npz", input=x, target=RNG.integers(0, 5, (2, 6, 7)))
    doc = load_document(tmp_path / "seg.npz")
    assert doc.logits.shape == x.shape
    rows = doc.grid_logits()
    assert np.shares_memory(rows, doc.logits)
    np.testing.assert_array_equal(rows[6 * 7 + 8], x[1, :, 1, 1])
    edited = doc.with_cell(3, 2, 9.0)
    assert np.shares_memory(edited.grid_logits(), edited.logits)
    assert edited.logits[0, 2, 0, 3] == 9.0


@pytest.mark.parametrize("chunk", [1 << 12, 10_000, 1 << 15])
def test_spatial_npz_is_read_straight_into_the_classes_last_layout(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 30 x 40 float32 plane is 4800 bytes: read in pieces, two at a time, or all at once.
    monkeypatch.setattr(loaders_io, "STREAM_CHUNK", chunk)
    x = _logits(2, 6, 30, 40)
    np.savez(tmp_path / "seg.npz", input=x, target=RNG.integers(0, 6, (2, 30, 40)))
    doc = load_document(tmp_path / "seg.npz")
    np.testing.assert_array_equal(doc.logits, x)
    assert np.moveaxis(doc.logits, 1, -1).flags.c_contiguous
    assert not doc.logits.flags.writeable


def test_opening_a_segmentation_npz_holds_its_logits_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reads of 64 KiB: small beside the 3.4 MB batch (the app reads 4 MiB of 100s of MB).
    monkeypatch.setattr(loaders_io, "STREAM_CHUNK", 1 << 16)
    x = _logits(4, 21, 100, 100)
    t = RNG.integers(0, 21, (4, 100, 100))
    np.savez(tmp_path / "seg.npz", input=x, target=t)
    tracemalloc.start()
    try:
        doc = load_document(tmp_path / "seg.npz")
        _kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Read, then re-stored classes last, the logits were held twice (2x).
    assert peak < 1.25 * (x.nbytes + t.nbytes)
    np.testing.assert_array_equal(doc.logits, x)


@pytest.mark.parametrize(
    ("dtype", "kept"), [(">f4", np.float32), ("<f8", np.float64), ("<f2", np.float32)]
)
def test_spatial_logits_of_every_float_dtype(tmp_path: Path, dtype: str, kept: type) -> None:
    x = _logits(2, 3, 4, 5).astype(dtype)
    np.savez(tmp_path / "seg.npz", input=x, target=RNG.integers(0, 3, (2, 4, 5)))
    doc = load_document(tmp_path / "seg.npz")
    assert doc.logits.dtype == kept
    np.testing.assert_array_equal(doc.logits, x.astype(kept))


def test_large_spatial_npy_is_read_classes_last_instead_of_mapped(tmp_path: Path) -> None:
    x = _logits(2, 5, 200, 200)  # 1.6 MB, above the memory-map threshold
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", RNG.integers(0, 5, (2, 200, 200)))
    doc = load_document(tmp_path / "x.npy", tmp_path / "y.npy")
    # Mapping the file and then re-storing it classes last would hold it twice.
    assert not _maps_file(doc.logits)
    assert np.moveaxis(doc.logits, 1, -1).flags.c_contiguous
    np.testing.assert_array_equal(doc.logits, x)


def test_a_target_file_may_hold_only_the_target(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", _logits(6, 3))
    np.savez(tmp_path / "t.npz", target=np.array([0, 1, 2, 0, 1, 2]))
    doc = load_document(tmp_path / "x.npy", tmp_path / "t.npz")
    np.testing.assert_array_equal(doc.target, [0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize(("input_key", "target_key"), [("logits", "labels"), ("input", "targets")])
def test_npz_accepts_the_other_array_names(tmp_path: Path, input_key: str, target_key: str) -> None:
    np.savez(tmp_path / "b.npz", **{input_key: _logits(4, 3), target_key: np.array([0, 1, 2, 1])})
    doc = load_document(tmp_path / "b.npz")
    assert doc.logits.shape == (4, 3)
    np.testing.assert_array_equal(doc.target, [0, 1, 2, 1])


def test_npz_members_are_read_once_and_shared_not_copied(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(50, 4), target=RNG.integers(0, 4, 50))
    arrays = load_arrays(tmp_path / "b.npz")
    assert not arrays.logits.flags.writeable
    doc = Document(loss="cross_entropy", logits=arrays.logits, target=arrays.target)
    assert doc.logits is arrays.logits


def test_npz_class_weights_become_the_weight_option(tmp_path: Path) -> None:
    w = np.array([1.0, 2.0, 0.5])
    np.savez(tmp_path / "w.npz", input=_logits(4, 3), target=np.array([0, 1, 2, 1]), weight=w)
    doc = load_document(tmp_path / "w.npz")
    assert doc.option("weight") == (1.0, 2.0, 0.5)


def test_multilabel_targets_with_pos_weight_open_as_bce_with_logits(tmp_path: Path) -> None:
    y = RNG.integers(0, 2, (6, 4)).astype(np.float32)
    np.savez(tmp_path / "ml.npz", logits=_logits(6, 4), labels=y, pos_weight=np.full(4, 3.0))
    doc = load_document(tmp_path / "ml.npz")
    assert doc.loss == "binary_cross_entropy_with_logits" and doc.target_kind == "binary"
    assert doc.option("pos_weight") == (3.0,) * 4
    np.testing.assert_array_equal(doc.target, y)


def test_soft_label_rows_open_as_cross_entropy_with_probabilities(tmp_path: Path) -> None:
    q = RNG.random((5, 3))
    q /= q.sum(axis=1, keepdims=True)
    np.savez(tmp_path / "soft.npz", input=_logits(5, 3), target=q)
    doc = load_document(tmp_path / "soft.npz")
    assert (doc.loss, doc.target_kind) == ("cross_entropy", "probability")


def test_requested_loss_is_used(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(4, 3), target=np.array([0, 1, 2, 1]))
    doc = load_document(tmp_path / "b.npz", loss="multi_margin_loss")
    assert doc.loss == "multi_margin_loss"


def test_large_npy_is_memory_mapped_read_only(tmp_path: Path) -> None:
    x = _logits(3000, 100)  # 1.2 MB, above the memory-map threshold
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", RNG.integers(0, 100, 3000))
    doc = load_document(tmp_path / "x.npy", tmp_path / "y.npy")
    assert _maps_file(doc.logits)
    assert not doc.logits.flags.writeable
    np.testing.assert_array_equal(doc.logits, x)
    assert doc.title == "x.npy"


@pytest.mark.parametrize(
    ("name", "text"),
    [("y.csv", "0\n2\n1\n"), ("y.txt", "label\n0\n2\n1\n"), ("y.tsv", "0\n2\n1\n")],
)
def test_npy_with_a_text_target_file(tmp_path: Path, name: str, text: str) -> None:
    np.save(tmp_path / "x.npy", _logits(3, 3))
    (tmp_path / name).write_text(text)
    doc = load_document(tmp_path / "x.npy", tmp_path / name)
    np.testing.assert_array_equal(doc.target, [0, 2, 1])


def test_csv_with_header_finds_the_label_column_anywhere(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("cat,label,dog\n1.5,1,-2\n0.25,0,3\n")
    doc = load_document(tmp_path / "b.csv")
    np.testing.assert_array_equal(doc.logits, [[1.5, -2.0], [0.25, 3.0]])
    np.testing.assert_array_equal(doc.target, [1, 0])
    assert doc.target.dtype == np.int64


@pytest.mark.parametrize("sep", [",", "\t", ";", " "])
def test_csv_without_header_takes_the_last_column_as_target(tmp_path: Path, sep: str) -> None:
    rows = ["1" + sep + "2" + sep + "0", "3" + sep + "4" + sep + "1"]
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    doc = load_document(tmp_path / "b.csv")
    np.testing.assert_array_equal(doc.logits, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(doc.target, [0, 1])


def test_pt_dict_and_tuple_of_tensors(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    x = torch.randn(4, 3)
    y = torch.tensor([0, 2, 1, 1])
    torch.save({"logits": x, "labels": y}, tmp_path / "d.pt")
    torch.save((x.half(), y, torch.tensor([1.0, 2.0, 3.0])), tmp_path / "t.pth")
    doc = load_document(tmp_path / "d.pt")
    np.testing.assert_array_equal(doc.logits, x.numpy())
    np.testing.assert_array_equal(doc.target, y.numpy())
    doc = load_document(tmp_path / "t.pth")
    assert doc.logits.dtype == np.float32  # half precision is widened, not to float64
    assert doc.option("weight") == (1.0, 2.0, 3.0)


def test_pt_with_python_objects_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.save({"input": torch.randn(2, 2), "target": Path("x")}, tmp_path / "evil.pt")
    with pytest.raises(LoadError, match="weights_only"):
        load_document(tmp_path / "evil.pt")


def test_pt_without_torch_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.pt").write_bytes(b"PK\x03\x04 not really")
    monkeypatch.setattr(loaders_io.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LoadError, match=r"needs PyTorch, which is not installed"):
        load_document(tmp_path / "m.pt")


# -------------------------------------------------------------------- bad files


def _err(*args: object, **kwargs: object) -> str:
    with pytest.raises(LoadError) as info:
        load_document(*args, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in _err(tmp_path / "nope.npz")


def test_unknown_extension(tmp_path: Path) -> None:
    (tmp_path / "b.h5").write_bytes(b"x")
    message = _err(tmp_path / "b.h5")
    assert "unknown file type '.h5'" in message and ".npz" in message


def test_missing_keys_list_the_keys_found(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", scores=_logits(2, 2), y_true=np.array([0, 1]))
    message = _err(tmp_path / "b.npz")
    assert "no input array" in message and "scores, y_true" in message


def test_missing_target_key(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(2, 2), y_true=np.array([0, 1]))
    assert "no target array" in _err(tmp_path / "b.npz")


def test_npy_without_target_file(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", _logits(2, 2))
    assert "give the targets too" in _err(tmp_path / "x.npy")


def test_mismatched_shapes_name_both(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(4, 3), target=np.array([0, 1, 2]))
    message = _err(tmp_path / "b.npz")
    assert "(3,)" in message and "(4, 3)" in message


def test_target_out_of_range_says_where_and_mentions_ignore_index(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(4, 3), target=np.array([0, 1, 7, 1]))
    message = _err(tmp_path / "b.npz")
    assert "target 7 at position (2,)" in message
    assert "0..2" in message and "ignore_index" in message


def test_explicit_ignore_index_accepts_that_mark(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(4, 3), target=np.array([0, 1, 7, 1]))
    doc = load_document(tmp_path / "b.npz", ignore_index=7)
    assert doc.option("ignore_index") == 7


def test_object_arrays_are_never_unpickled(tmp_path: Path) -> None:
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "x.npy", _logits(1, 2))
    assert "pickled data is never loaded" in _err(tmp_path / "x.npy", tmp_path / "o.npy")
    np.savez(tmp_path / "o.npz", input=np.array([[1.0, 2.0]], dtype=object), target=np.array([0]))
    assert "object array" in _err(tmp_path / "o.npz")


def test_pickle_named_npz_is_refused(tmp_path: Path) -> None:
    import pickle

    (tmp_path / "p.npz").write_bytes(pickle.dumps({"input": [1, 2]}))
    assert "not an .npz archive" in _err(tmp_path / "p.npz")


def test_truncated_and_empty_files(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", _logits(100, 10))
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[: len(data) // 2])
    np.save(tmp_path / "y.npy", RNG.integers(0, 10, 100))
    assert "truncated" in _err(tmp_path / "cut.npy", tmp_path / "y.npy")
    np.savez(tmp_path / "b.npz", input=_logits(100, 10), target=RNG.integers(0, 10, 100))
    data = (tmp_path / "b.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) - 300])
    assert "truncated" in _err(tmp_path / "cut.npz")
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "empty (0 bytes)" in _err(tmp_path / "empty.csv")


def test_csv_text_in_a_number_column_says_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("a,b,target\n1,2,0\n3,oops,1\n")
    message = _err(tmp_path / "b.csv")
    assert "row 2" in message and "column 'b'" in message and "'oops'" in message


def test_csv_ragged_row(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("1,2,0\n3,1\n")
    assert "row 2 (line 2) has 2 values" in _err(tmp_path / "b.csv")


def test_csv_header_without_target_column(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("a,b,c\n1,2,0\n")
    assert "no target column" in _err(tmp_path / "b.csv")


def test_non_finite_logits_say_how_many_and_where(tmp_path: Path) -> None:
    x = _logits(3, 4)
    x[1, 2] = np.nan
    x[2, 0] = np.inf
    np.savez(tmp_path / "b.npz", input=x, target=np.array([0, 1, 2]))
    message = _err(tmp_path / "b.npz")
    assert "2 logits are not finite" in message and "(1, 2)" in message


def test_fractional_class_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("1,2,0.5\n3,4,1\n")
    assert "not a whole number" in _err(tmp_path / "b.csv")


def test_weight_of_wrong_length(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(2, 3), target=np.array([0, 1]), weight=np.ones(2))
    assert "shape (3,)" in _err(tmp_path / "b.npz")


def test_loss_that_does_not_fit_the_target(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", input=_logits(2, 3), target=np.array([0, 1]))
    assert "takes binary targets" in _err(tmp_path / "b.npz", loss="binary_cross_entropy")


# ------------------------------------------------------------------------ fuzz

_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_CSV_TEXT = st.text(alphabet='0123456789.,;-+eE \t\nnaifxy#"target', max_size=200)


def _open_or_load_error(path: Path) -> None:
    try:
        load_document(path)
    except LoadError as err:
        assert str(err) and "\n" not in str(err)


@_FUZZ
@given(text=_CSV_TEXT)
def test_fuzzed_csv_text_only_ever_raises_load_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text)
    _open_or_load_error(path)


@_FUZZ
@given(data=st.binary(max_size=300))
def test_fuzzed_csv_bytes_only_ever_raise_load_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    _open_or_load_error(path)


def _valid_npz_bytes(tmp: Path) -> bytes:
    np.savez(tmp / "ok.npz", input=_logits(3, 4), target=np.array([0, 1, 3]))
    return (tmp / "ok.npz").read_bytes()


@_FUZZ
@given(cut=st.integers(min_value=1), flips=st.lists(st.tuples(st.integers(0), st.integers(0, 255))))
def test_damaged_npz_only_ever_raises_load_error(
    tmp_path: Path, cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(_valid_npz_bytes(tmp_path))
    for where, value in flips:
        data[where % len(data)] = value
    path = tmp_path / "f.npz"
    path.write_bytes(bytes(data[: max(1, cut % (len(data) + 1))]))
    _open_or_load_error(path)


@_FUZZ
@given(header=st.binary(max_size=120), tail=st.binary(max_size=64))
def test_fuzzed_npy_headers_only_ever_raise_load_error(
    tmp_path: Path, header: bytes, tail: bytes
) -> None:
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    path = tmp_path / "f.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + tail)
    try:
        load_document(path, tmp_path / "y.npy")
    except LoadError as err:
        assert str(err)
