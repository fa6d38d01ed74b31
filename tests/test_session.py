"""Sessions round-trip bit for bit and refuse every malformed file with one sentence."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossgui.core.presets import PRESETS
from lossgui.document import Document
from lossgui.document_convert import default_document, switch_loss
from lossgui.presets_doc import preset_document
from lossgui.session import (
    MAX_ELEMENTS,
    SessionError,
    dump_session,
    exact_floats,
    is_session_path,
    load_session,
    same_document,
    save_session,
)


def sample_documents() -> dict[str, Document]:
    """Documents covering every target kind, dtype, spatial input and option form."""
    rng = np.random.default_rng(7)
    base = default_document()
    spatial_target = rng.integers(0, 3, size=(2, 4, 5))
    spatial_target[0, 1, 2] = 255
    spatial = Document(
        loss="cross_entropy",
        logits=rng.normal(0, 3, size=(2, 3, 4, 5)).astype(np.float32),
        target=spatial_target,
        title='segmentation ✓ "quoted"\nsecond line',
        dtype="float32",
    )
    spatial = (
        spatial.with_option("ignore_index", 255)
        .with_option("weight", (0.2, 1.0 / 3.0, 2.5))
        .with_option("label_smoothing", 0.1)
    )
    raw = rng.gamma(1.0, size=(5, 4))
    probability = Document(
        loss="cross_entropy",
        logits=rng.normal(size=(5, 4)),
        target=raw / raw.sum(axis=1, keepdims=True),
        target_kind="probability",
        dtype="float64",
        expected=1.2345678901234567,
    )
    cosine = switch_loss(base, "cosine_embedding_loss").with_option("margin", -0.25)
    cosine = Document(
        loss="cosine_embedding_loss",
        logits=rng.normal(size=(4, 3)),
        target=np.array([1, -1, -1, 1]),
        target_kind="sign",
        input2=rng.normal(size=(4, 3)) / 7.0,
        options=dict(cosine.options),
    )
    bce = switch_loss(base, "binary_cross_entropy_with_logits")
    bce = bce.with_option("weight", (1.0, 0.5, 2.0)).with_option("pos_weight", (3.0, 1.0, 0.1))
    ugly32 = np.array(
        [[1e-45, -0.0, np.finfo(np.float32).max], [np.finfo(np.float32).tiny, 0.1, -1 / 3]],
        dtype=np.float32,
    )
    ugly64 = np.array([[5e-324, -0.0, 1.7976931348623157e308], [0.1, 2.0**-1022, -1 / 3]])
    return {
        "default": base,
        "spatial_float32": spatial,
        "probability": probability,
        "cosine": cosine,
        "bce_weights": bce.with_option("reduction", "sum"),
        "bce_sigmoid": switch_loss(base, "binary_cross_entropy").with_transform("sigmoid"),
        "focal": switch_loss(base, "sigmoid_focal_loss")
        .with_option("alpha", -1.0)
        .with_option("gamma", 0.5),
        "multi_margin": switch_loss(base, "multi_margin_loss")
        .with_option("p", 2)
        .with_option("margin", 0.75)
        .with_option("weight", (1.0, 2.0, 3.0)),
        "multilabel": switch_loss(base, "multilabel_soft_margin_loss").with_option(
            "reduction", "none"
        ),
        "kl_log_target": switch_loss(base, "kl_div")
        .with_transform("log_softmax")
        .with_option("log_target", True)
        .with_option("reduction", "batchmean"),
        "nll_log_softmax": switch_loss(base, "nll_loss").with_dtype("float64"),
        "ugly_float32": Document(loss="cross_entropy", logits=ugly32, target=np.array([0, 2])),
        "ugly_float64": Document(
            loss="cross_entropy", logits=ugly64, target=np.array([1, 0]), dtype="float64"
        ),
    }


SAMPLES = sample_documents()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_round_trip_is_bit_identical(name, tmp_path):
    doc = SAMPLES[name]
    view = {"selection": [1, 2], "tab": "Loss curve", "grad_colours": True, "zoom": [0.5, 2.0]}
    text = dump_session(doc, view)
    loaded, loaded_view = load_session(text)
    assert same_document(loaded, doc)
    assert loaded.logits.dtype == doc.logits.dtype
    assert loaded_view == view
    assert dump_session(loaded, loaded_view) == text  # writing again changes nothing
    path = tmp_path / "s.lossgui.json"
    save_session(path, doc, view)
    assert same_document(load_session(path)[0], doc)
    assert same_document(load_session(str(path))[0], doc)


def test_session_text_is_readable_json():
    text = dump_session(SAMPLES["default"], {"selection": (0, 1)})
    data = json.loads(text)
    assert data["format"] == "lossgui-session" and data["version"] == 1
    assert data["document"]["logits"][0] == [2.0, 1.0, 0.1]
    assert "      [2.0, 1.0, 0.1],\n" in text
    # One innermost row per line keeps a 4 x 3 batch to a handful of lines.
    assert len(text.splitlines()) < 30


def test_float32_logits_are_written_short():
    doc = Document(loss="cross_entropy", logits=np.float32([[0.1, 0.2]]), target=[0])
    text = dump_session(doc)
    assert "[0.1, 0.2]" in text
    assert load_session(text)[0].logits.tobytes() == doc.logits.tobytes()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_with_its_pytorch_value(name):
    """Options are set after the numbers; the preset's recorded value must survive that."""
    doc = preset_document(name)
    assert doc.expected is not None
    loaded, _view = load_session(dump_session(doc))
    assert same_document(loaded, doc)  # which compares ``expected`` too (NaN for one)
    assert loaded.expected is not None


@settings(max_examples=300, deadline=None)
@given(
    arrays(np.float32, (3, 4), elements=st.floats(width=32, allow_nan=False, allow_infinity=False)),
    arrays(np.float64, (3, 4), elements=st.floats(allow_nan=False, allow_infinity=False)),
)
def test_any_finite_numbers_round_trip_exactly(values32, values64):
    for logits in (values32, values64):
        doc = Document(loss="cross_entropy", logits=logits, target=[0, 1, 3])
        loaded = load_session(dump_session(doc))[0]
        assert same_document(loaded, doc)
    widened = exact_floats(values32)
    assert widened.astype(np.float32).tobytes() == values32.tobytes()


def test_save_is_atomic_and_keeps_old_file_when_document_cannot_be_stored(tmp_path):
    path = tmp_path / "keep.lossgui.json"
    save_session(path, SAMPLES["default"])
    before = path.read_text()
    bad = Document(loss="cross_entropy", logits=[[np.nan, 1.0]], target=[0])
    with pytest.raises(SessionError, match="NaN or infinity"):
        save_session(path, bad)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.lossgui.json"]


def test_view_that_cannot_be_stored_is_refused_before_writing(tmp_path):
    with pytest.raises(SessionError, match="view"):
        dump_session(SAMPLES["default"], {"window": object()})


def test_is_session_path():
    assert is_session_path("a/b/run.LOSSGUI.json")
    assert not is_session_path("logits.npy")


# ------------------------------------------------------------------ refusals
def _valid() -> dict:
    return json.loads(dump_session(SAMPLES["default"], {"selection": [0, 0]}))


def _with(path: str, value, base: dict | None = None) -> str:
    """The default session with the field at dotted ``path`` set (or deleted for ...)."""
    data = base or _valid()
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is ...:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return json.dumps(data)


MALFORMED = {
    "not json": ("{", "not JSON"),
    "empty": ("   ", "not JSON"),
    "a list": ("[1, 2]", "not an object"),
    "wrong format": (_with("format", "other"), "format"),
    "newer version": (_with("version", 2), "newer lossgui"),
    "version as text": (_with("version", "1"), "version"),
    "version as bool": (_with("version", True), "version"),
    "version zero": (_with("version", 0), "version"),
    "no document": (_with("document", ...), "no document"),
    "unknown top field": (_with("extra", 1), "unknown field"),
    "missing logits": (_with("document.logits", ...), "no logits"),
    "unknown document field": (_with("document.colour", "red"), "unknown field 'colour'"),
    "unknown loss": (_with("document.loss", "hinge"), "loss must be one of"),
    "loss not text": (_with("document.loss", 3), "loss must be a string"),
    "wrong target kind": (_with("document.target_kind", "sign"), "target_kind"),
    "wrong transform": (_with("document.transform", "sigmoid"), "transform"),
    "half precision": (_with("document.dtype", "float16"), "dtype"),
    "integer logits": (_with("document.logits_dtype", "int32"), "logits_dtype"),
    "title number": (_with("document.title", 5), "title must be a string"),
    "expected text": (_with("document.expected", "abc"), "expected must be a number"),
    "expected too big": (
        _with("document.expected", 0.5).replace('"expected": 0.5', '"expected": 1e999'),
        "finite",
    ),
    "NaN literal": (_with("document.expected", 0.0).replace("0.0", "NaN"), "NaN"),
    "Infinity in logits": (
        _with("document.logits.0.0", 0.125).replace("0.125", "Infinity"),
        "Infinity",
    ),
    "overflowing logit": (_with("document.logits.0.0", 0.125).replace("0.125", "1e999"), "finite"),
    "billion rows": (_with("document.shape", [10**9, 3]), "too many"),
    "too many elements": (_with("document.shape", [MAX_ELEMENTS, 2]), "too many"),
    "zero classes": (_with("document.shape", [4, 0]), "at least 1"),
    "one dimension": (_with("document.shape", [12]), "2 to 8"),
    "float size": (_with("document.shape", [4.0, 3]), "whole numbers"),
    "bool size": (_with("document.shape", [True, 3]), "whole numbers"),
    "shape mismatch": (_with("document.shape", [4, 4]), "needs 4"),
    "short row": (_with("document.logits.2", [1.0, 2.0]), "logits[2] holds 2 items"),
    "number as text": (_with("document.logits.1.1", "1.5"), "must hold numbers"),
    "bool logit": (_with("document.logits.1.1", True), "must hold numbers"),
    "float target": (_with("document.target.0", 1.0), "whole numbers"),
    "huge target": (_with("document.target.0", 2**70), "too large"),
    "input2 for ce": (_with("document.input2", [[0.0] * 3] * 4), "input2"),
    "unknown option": (_with("document.options", {"gamma": 2.0}), "has no option 'gamma'"),
    "short weight": (_with("document.options", {"weight": [1.0, 2.0]}), "3 numbers"),
    "negative weight": (_with("document.options", {"weight": [1.0, -2.0, 1.0]}), "negative"),
    "text weight": (_with("document.options", {"weight": ["1", 2, 3]}), "must be a number"),
    "bad reduction": (_with("document.options", {"reduction": "batchmean"}), "one of"),
    "smoothing 2": (_with("document.options", {"label_smoothing": 2}), "at most 1"),
    "fractional ignore": (_with("document.options", {"ignore_index": 1.5}), "whole number"),
    "options list": (_with("document.options", [1]), "options must be an object"),
    "duplicate key": ('{"format": "lossgui-session", "format": "x"}', "twice"),
    "view list": (_with("view", [1]), "view must be an object"),
    "view nested object": (_with("view", {"a": {"b": 1}}), "simple value"),
    "view huge": (_with("view", {"a": [[0] * 100] * 200}), "more than"),
    "float32 overflow": (
        _with("document.logits_dtype", "float32", json.loads(_with("document.logits.0.0", 1e39))),
        "too large for float32",
    ),
    "deep nesting": ("[" * 100_000, "nest"),
    "huge integer": ('{"version": ' + "9" * 5000 + "}", "not a lossgui session"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_session_is_refused_with_one_clear_sentence(name):
    text, reason = MALFORMED[name]
    with pytest.raises(SessionError) as info:
        load_session(text)
    message = str(info.value)
    assert reason.lower() in message.lower()
    assert "\n" not in message and 0 < len(message) < 300


def test_absurd_shape_is_refused_before_any_array_is_built(monkeypatch):
    def no_arrays(*args, **kwargs):
        raise AssertionError("an array was built")

    monkeypatch.setattr("lossgui.session.np.array", no_arrays)
    with pytest.raises(SessionError, match="too many"):
        load_session(_with("document.shape", [10**9, 10**9]))


def test_spatial_input_for_a_2d_only_loss_is_refused():
    doc = json.loads(dump_session(SAMPLES["default"]))
    doc["document"].update(
        loss="multi_margin_loss", shape=[1, 2, 2], logits=[[[0, 1], [1, 0]]], target=[[0, 1]]
    )
    with pytest.raises(SessionError, match=r"\(N, C\) inputs"):
        load_session(json.dumps(doc))


def test_files_that_are_not_sessions(tmp_path):
    binary = tmp_path / "x.lossgui.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SessionError, match="UTF-8"):
        load_session(binary)
    with pytest.raises(SessionError, match="cannot read"):
        load_session(tmp_path / "missing.lossgui.json")
    with pytest.raises(SessionError, match="not a file"):
        load_session(tmp_path)
    with pytest.raises(SessionError, match="UTF-8"):
        load_session(b"\xff\xff")


def test_a_session_saved_with_a_bom_opens(tmp_path):
    path = tmp_path / "bom.lossgui.json"
    path.write_bytes(b"\xef\xbb\xbf" + dump_session(SAMPLES["default"]).encode())
    assert same_document(load_session(path)[0], SAMPLES["default"])


# ----------------------------------------------------------------------- fuzz
def _loads_or_refuses(source) -> None:
    """The one property: a valid Document (that round-trips) or a SessionError."""
    try:
        doc, view = load_session(source)
    except SessionError as err:
        assert str(err)
        return
    assert isinstance(doc, Document) and isinstance(view, dict)
    again, _ = load_session(dump_session(doc, view))
    assert same_document(again, doc)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)

FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(json_values)
def test_fuzz_random_json_structures(value):
    _loads_or_refuses(json.dumps(value).encode())
    _loads_or_refuses(json.dumps({"format": "lossgui-session", "version": 1, "document": value}))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@FUZZ
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.data(),
    st.sampled_from(["replace", "delete", "add"]),
    json_values,
)
def test_fuzz_mutated_valid_sessions(name, data, action, value):
    session = json.loads(dump_session(SAMPLES[name], {"selection": [0, 1]}))
    paths = list(_paths(session))[1:]
    path = data.draw(st.sampled_from(paths))
    mutated = copy.deepcopy(session)
    target = mutated
    for key in path[:-1]:
        target = target[key]
    if action == "replace":
        target[path[-1]] = value
    elif action == "delete":
        del target[path[-1]]
    elif isinstance(target, dict):
        target[data.draw(st.text(max_size=6))] = value
    else:
        target.append(value)
    _loads_or_refuses(json.dumps(mutated))


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(blob):
    _loads_or_refuses(blob)


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_fuzz_edited_session_text(name, data):
    text = dump_session(SAMPLES[name])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 5))
        insert = data.draw(st.text(alphabet='0123456789.-e"[]{},: tfnNaIiy', max_size=4))
        text = text[:at] + insert + text[at + cut :]
    _loads_or_refuses(text.encode())


def test_session_numbers_never_lose_precision_in_options():
    doc = SAMPLES["spatial_float32"]
    loaded = load_session(dump_session(doc))[0]
    assert loaded.option("weight")[1] == 1.0 / 3.0
    assert math.isclose(loaded.option("label_smoothing"), 0.1, rel_tol=0, abs_tol=0)
