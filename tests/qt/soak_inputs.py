"""What the soak test types, pastes and opens: value pools, batch files, mangled sessions."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import numpy as np

from lossgui.core.presets import PRESETS
from lossgui.core.registry import LOSSES
from lossgui.document import Document

SMALL_PRESETS = sorted(name for name, p in PRESETS.items() if p.logits.shape[0] < 100)
GARBAGE = ["", " ", "abc", "nan", "NaN", "inf", "-inf", "1e999", "-1e999", "1,5", "--2",
           "0x10", "None", "½", "1e", "١٢", "3.0.1", "+", "[1]"]  # fmt: skip
# Extreme numbers: float32's edge (3.4028235e38), beyond it (inf in float32, as torch), subnormals.
EXTREME = [
    "3.4e38", "-3.4e38", "1e300", "-3.5e38", "1e-310",
    "-0.0", "0", "1e-45", "65504", "88.8", "-104",
]  # fmt: skip
TARGETS = ["0", "1", "2", "3", "-1", "-100", "255", "1.5", "1.0", "7", "2147483648", "-0"]
TARGET_CELLS = ["0", "1", "0.5", "0.25", "-0.5", "2", "1e-300", "0.999"]
OPTIONS: dict[str, list[Any]] = {
    "weight": [None, "ones", "random", "negative", "short", "long", "nan", ("a",), 3.0],
    "pos_weight": [None, "ones", "random", "negative", "short", "nan"],
    "ignore_index": [-100, 0, 1, 2, 255, -1, 2.5, "x", 2**40, "3"],
    "label_smoothing": [0.0, 0.1, 0.5, 1.0, 1.5, -0.1, "x", float("nan"), "0.2"],
    "reduction": ["mean", "sum", "none", "batchmean", "bogus", None],
    "alpha": [0.25, -1.0, 0.9, 2.0, -0.5, 1.0],
    "gamma": [0.0, 2.0, 5.0, -1.0, 11.0],
    "margin": [0.0, 0.5, -0.5, 1e9, 1.0, -1.0, 2.0],
    "p": [1, 2, 3, 0, 1.5],
    "log_target": [True, False, 1, "yes"],
}
PASTES = [
    "1\t2\t3\n4\t5\t6",
    "0.5, -0.5\n1e-3, 2",
    "array([[1., 2.], [3., 4.]], dtype=float32)",
    "tensor([[ 0.1000, -2.0000,  3.5000]], grad_fn=<AddBackward0>)",
    "[[3.4e38, -3.4e38]]",
    "[[1, 2", "abc", "", "nan\t1", "1e999", "[[1, [2]]]", "1;2;3", "-0.0",
]  # fmt: skip


def same_number(a: float, b: float) -> bool:
    """Equal, or both NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def finite(doc: Document) -> bool:
    """Every number the Document holds (arrays and options) is finite."""
    arrays = [doc.logits, doc.target] + ([doc.input2] if doc.input2 is not None else [])
    numbers = [v for value in doc.options.values() if isinstance(value, tuple) for v in value]
    numbers += [v for v in doc.options.values() if isinstance(v, float)]
    return all(np.all(np.isfinite(a)) for a in arrays) and all(map(math.isfinite, numbers))


def write_batches(folder: Path, rng: np.random.Generator) -> list[Path]:
    """Batch files a user might open: float32 logits, class weights, a spatial map."""
    folder.mkdir()
    files = {
        "f32.npz": {
            "logits": rng.normal(0, 3, (6, 4)).astype(np.float32),
            "target": rng.integers(0, 4, 6),
        },
        "weighted.npz": {
            "input": rng.normal(0, 1, (5, 3)).astype(np.float32),
            "labels": rng.integers(0, 3, 5),
            "weight": np.array([1.0, 0.25, 4.0]),
        },
        "spatial.npz": {
            "logits": rng.normal(0, 2, (2, 3, 3, 2)).astype(np.float32),
            "target": np.where(rng.random((2, 3, 2)) < 0.2, 255, rng.integers(0, 3, (2, 3, 2))),
        },
        "multilabel.npz": {
            "logits": rng.normal(0, 2, (4, 5)),
            "target": (rng.random((4, 5)) < 0.3).astype(np.float64),
        },
    }
    paths = []
    for name, arrays in files.items():
        np.savez(folder / name, **arrays)
        paths.append(folder / name)
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
    paths.append(folder / "broken.npz")
    return paths


def mangle_session_text(text: str, rng: random.Random, loss_name: str) -> str:
    """``text`` with one random change: a cut, a stray character, an odd number, another
    dtype / loss / target kind, an option added, or the text cut short."""
    pos = rng.randrange(len(text))
    choice = rng.randrange(8)
    if choice == 0:
        return text[:pos] + text[pos + rng.randint(1, 5) :]
    if choice == 1:
        return text[:pos] + rng.choice('0123456789-+.eE,[]{}"x :') + text[pos + 1 :]
    if choice == 2:
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
        i = rng.choice(digits)
        token = rng.choice(["1e999", "NaN", "-0", "1e-400", "true", "null", '"1"', "3e38",
                            "-Infinity", "123456789012345678901234567890", "2.5"])  # fmt: skip
        return text[:i] + token + text[i + 1 :]
    if choice == 3:
        old, new = rng.choice([("float64", "float32"), ("float32", "float64"),
                               ("float64", "float16"), ("float32", "int64")])  # fmt: skip
        return text.replace(old, new, 1)
    if choice == 4:
        loss = rng.choice(list(LOSSES))
        return text.replace(f'"loss": "{loss_name}"', f'"loss": "{loss}"')
    if choice == 5:
        kind = rng.choice(["index", "probability", "binary", "sign", "bogus"])
        head, _, rest = text.partition('"target_kind": "')
        return head + '"target_kind": "' + kind + rest[rest.index('"') :]
    if choice == 6:
        return text.replace('"options": {', '"options": {"reduction": "sum", ', 1)
    return text[:pos]
