"""Every shipped preset evaluates to the value PyTorch gave for it (scripts/make_presets.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lossgui.core.evaluate import evaluate
from lossgui.core.presets import PRESETS, get_preset, preset_names
from lossgui.presets_doc import preset_document

SEED_PATH = Path(__file__).resolve().parents[3] / "shared" / "data" / "seed_cases.json"
NAMES = preset_names()


def _evaluate(name: str) -> float:
    doc = preset_document(name)
    result = evaluate(
        doc.loss,
        doc.logits,
        doc.target,
        doc.options,
        transform=doc.transform,
        dtype=doc.dtype,
        input2=doc.input2,
    )
    return result.value


@pytest.mark.parametrize("name", NAMES)
def test_preset_evaluates_to_torch_value(name: str) -> None:
    """The app's number for the preset equals PyTorch's (NaN where PyTorch gives NaN)."""
    expected = get_preset(name).expected
    got = _evaluate(name)
    if math.isnan(expected):
        assert math.isnan(got), f"{name}: PyTorch gives NaN, lossgui {got}"
    else:
        assert got == pytest.approx(expected, rel=2e-6, abs=1e-6), name


@pytest.mark.parametrize("name", NAMES)
def test_preset_document_is_what_the_menu_shows(name: str) -> None:
    """The Document carries the preset's title and expected value for the result view."""
    preset = get_preset(name)
    doc = preset_document(name)
    assert doc.title == name
    assert doc.loss == preset.loss and doc.transform == preset.transform
    assert doc.expected is not None
    assert (math.isnan(doc.expected) and math.isnan(preset.expected)) or (
        doc.expected == preset.expected
    )
    assert preset.description and "\n" not in preset.description


def test_presets_cover_every_seed_case() -> None:
    """Each worked example of the seed documents is a preset of the same name."""
    if not SEED_PATH.is_file():
        pytest.skip(f"seed cases not found at {SEED_PATH}")
    cases = json.loads(SEED_PATH.read_text(encoding="utf-8"))["cases"]
    missing = [c["name"] for c in cases if c["name"] not in PRESETS]
    assert not missing
    for case in cases:
        expected = case["expected"]
        ours = get_preset(case["name"]).expected
        assert (math.isnan(expected) and math.isnan(ours)) or ours == pytest.approx(expected)


def test_seed_transforms_are_kept() -> None:
    """sigmoid-first BCE keeps its transform; NLL on raw scores takes them as given."""
    assert get_preset("bce-after-sigmoid").transform == "sigmoid"
    assert get_preset("nll-1d-raw-input").transform == "none"
    assert get_preset("nll-1d-raw-input").target.dtype == np.int64
    assert get_preset("bce-on-probabilities").dtype == "float32"


def test_imbalance_preset_is_99_percent_accurate() -> None:
    """1000 majority vs 10 minority samples, the model predicting the majority everywhere."""
    preset = get_preset("imbalance-99-percent")
    assert preset.logits.shape == (1010, 2)
    predicted = preset.logits.argmax(axis=1)
    assert np.bincount(preset.target).tolist() == [1000, 10]
    assert np.mean(predicted == preset.target) == pytest.approx(0.99, abs=0.001)


def test_segmentation_preset_has_ignored_pixels() -> None:
    """A (1, 3, 4, 4) batch where some pixels carry ignore_index 255."""
    preset = get_preset("segmentation-ignore-255")
    assert preset.logits.shape == (1, 3, 4, 4)
    assert preset.options["ignore_index"] == 255
    assert 0 < np.count_nonzero(preset.target == 255) < preset.target.size


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known presets: bce-on-probabilities"):
        get_preset("no-such-preset")


def test_presets_are_read_only() -> None:
    """A preset's arrays cannot be changed by accident (the Document shares them)."""
    preset = get_preset("ce-kdim-unweighted")
    with pytest.raises(ValueError):
        preset.logits[0, 0, 0] = 5.0
