"""Generate ``resources/presets.json``: the worked examples the app ships, with torch's values.

Run by hand from the repository root (needs torch; the app and its tests do not)::

    python scripts/make_presets.py

Every case of ``../shared/data/seed_cases.json`` becomes a preset of the same
name; the teaching presets below are added after them. Each preset's expected
value is computed here by PyTorch on exactly the numbers the app will use: the
logits cast to the preset's dtype (``torch.tensor`` of Python floats gives
float32), the input transform applied in torch, index and sign targets int64.
A seed case whose recomputed value differs from the seed file's stops the script.

Non-finite expected values are written as the strings ``"nan"``, ``"inf"``,
``"-inf"`` so the file is plain JSON.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

# Run as a script, scripts/ is on sys.path: share the golden generator's torchvision formula.
from golden.torch_losses import torch_sigmoid_focal_loss

ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = ROOT.parent / "shared" / "data" / "seed_cases.json"
OUT = ROOT / "resources" / "presets.json"

TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
INDEX_LOSSES = ("cross_entropy", "nll_loss", "multi_margin_loss")

# What a seed case's one-line note does not say: the description shown in the menu.
SEED_DESCRIPTIONS = {
    "bce-on-probabilities": "BCELoss on probabilities typed as is (no sigmoid).",
    "bce-after-sigmoid": "The same numbers as logits: sigmoid first, then BCELoss.",
    "bce-with-logits": "BCEWithLogitsLoss on the same logits: equals sigmoid + BCELoss.",
    "nll-1d-raw-input": "NLLLoss on raw scores: it only picks -input[target], giving -6.",
    "nll-2d-raw-input": "K-dimensional NLLLoss on raw scores, input (2, 2, 2), target (2, 2).",
    "ce-kdim-unweighted": "K-dimensional cross entropy, input (N=2, C=2, d=2).",
    "ce-kdim-class-weights": "Class weights [1, 9]: 'mean' divides by the targets' weight sum.",
    "segmentation-2x2": "A 2 x 2 image with 2 classes: cross entropy per pixel.",
    "multilabel-good-prediction": "Multi-label dog / cat / pig, good prediction: summed BCE.",
    "multilabel-bad-prediction": "Multi-label dog / cat / pig, bad prediction: summed BCE.",
    "binary-logit-2": "One binary logit of 2 for the positive class: BCEWithLogitsLoss.",
    "ce-label-smoothing-weights": "Label smoothing 0.1 with class weights [1, 9].",
    "ce-all-ignored": "Every target is ignore_index: 'mean' is 0 / 0 = NaN in PyTorch.",
    "ce-soft-targets": "Probability targets (knowledge distillation) for cross entropy.",
    "kl-div-batchmean": "KLDivLoss on log-probabilities with 'batchmean' (the true KL).",
    "cosine-embedding": "Cosine embedding: y = 1 pulls together, y = -1 pushes apart.",
}


# --------------------------------------------------------------------------- helpers


def as_float32_decimal(value: Any) -> Any:
    """The shortest decimal of a float32 value (0.6000000238418579 -> 0.6), nested.

    The seed file stores what ``torch.tensor([0.6])`` holds; the grid should show
    what the user typed, which casts back to the same float32.
    """
    if isinstance(value, list):
        return [as_float32_decimal(v) for v in value]
    return float(str(np.float32(value)))


def encode_float(value: float) -> float | str:
    """A float as JSON carries it: non-finite values become strings."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def torch_value(preset: dict[str, Any]) -> float:
    """The value PyTorch computes for ``preset``, as the app would feed it."""
    dtype = TORCH_DTYPES[preset["dtype"]]
    x = torch.tensor(preset["logits"], dtype=dtype)
    if preset["transform"] == "sigmoid":
        x = torch.sigmoid(x)
    elif preset["transform"] == "log_softmax":
        x = F.log_softmax(x, dim=1)
    kind = preset["target_kind"]
    target_dtype = torch.int64 if kind in ("index", "sign") else dtype
    t = torch.tensor(preset["target"], dtype=target_dtype)
    kwargs: dict[str, Any] = {}
    for key, value in preset["options"].items():
        kwargs[key] = torch.tensor(value, dtype=dtype) if isinstance(value, list) else value
    loss = preset["loss"]
    if loss == "cosine_embedding_loss":
        x2 = torch.tensor(preset["input2"], dtype=dtype)
        out = F.cosine_embedding_loss(x, x2, t, **kwargs)
    elif loss == "sigmoid_focal_loss":
        out = torch_sigmoid_focal_loss(x, t, **kwargs)
    else:
        out = getattr(F, loss)(x, t, **kwargs)
    if out.ndim:
        raise ValueError(f"preset {preset['name']!r}: use a reducing 'reduction'")
    return float(out)


def preset(
    name: str,
    description: str,
    loss: str,
    logits: Any,
    target: Any,
    target_kind: str,
    *,
    options: dict[str, Any] | None = None,
    transform: str = "none",
    dtype: str = "float32",
    input2: Any = None,
) -> dict[str, Any]:
    """One preset record, its expected value computed by torch."""
    record = {
        "name": name,
        "description": description,
        "loss": loss,
        "logits": np.asarray(logits, dtype=np.float64).tolist(),
        "target": np.asarray(target).tolist(),
        "target_kind": target_kind,
        "options": options or {},
        "transform": transform,
        "dtype": dtype,
        "input2": None if input2 is None else np.asarray(input2, dtype=np.float64).tolist(),
    }
    record["expected"] = torch_value(record)
    return record


# --------------------------------------------------------------------------- presets


def target_kind_of(case: dict[str, Any]) -> str:
    """How a seed case's target is given, in the app's words."""
    loss = case["loss"]
    if loss == "cosine_embedding_loss":
        return "sign"
    if loss in INDEX_LOSSES:
        target = np.asarray(case["inputs"][1])
        return "index" if target.dtype.kind in "iu" else "probability"
    if loss == "kl_div":
        return "probability"
    return "binary"


def seed_presets() -> list[dict[str, Any]]:
    """One preset per seed case, its value checked against the seed file's."""
    cases = json.loads(SEED_PATH.read_text(encoding="utf-8"))["cases"]
    out = []
    for case in cases:
        kind = target_kind_of(case)
        logits = np.asarray(as_float32_decimal(case["inputs"][0]))
        target_raw = case["inputs"][-1]
        if kind not in ("index", "sign"):
            target_raw = as_float32_decimal(target_raw)
        target = np.asarray(target_raw)
        input2 = None
        if kind == "sign":
            input2 = np.asarray(as_float32_decimal(case["inputs"][1]))
        if logits.ndim == 1:
            # The app's grid needs (N, C): one sample of C labels reduces the same way.
            logits, target = logits.reshape(1, -1), target.reshape(1, -1)
        options = {
            key: as_float32_decimal(value) if isinstance(value, list) else value
            for key, value in case["kwargs"].items()
        }
        record = preset(
            case["name"],
            SEED_DESCRIPTIONS.get(case["name"], case.get("note", case["name"])),
            case["loss"],
            logits,
            target,
            kind,
            options=options,
            transform=case["input_transform"],
            input2=input2,
        )
        seed_value = case["expected"]
        same = (math.isnan(seed_value) and math.isnan(record["expected"])) or math.isclose(
            record["expected"], seed_value, rel_tol=1e-6, abs_tol=1e-7
        )
        if not same:
            sys.exit(f"{case['name']}: torch gives {record['expected']}, seed says {seed_value}")
        out.append(record)
    return out


def teaching_presets() -> list[dict[str, Any]]:
    """The examples the seed documents only describe in words."""
    rng = np.random.default_rng(20240513)
    majority, minority = 1000, 10
    always_majority = np.tile([2.2, -2.2], (majority + minority, 1))
    imbalance_target = np.r_[np.zeros(majority, int), np.ones(minority, int)]

    seg_logits = np.round(rng.normal(0.0, 1.5, size=(1, 3, 4, 4)), 2)
    seg_target = rng.integers(0, 3, size=(1, 4, 4))
    seg_target[0, 0, :] = 255  # an unlabelled border row, as VOC / Cityscapes mark it
    seg_target[0, 2, 3] = 255

    clamp_logits = [[-200.0, 150.0], [-30.0, 2.0]]
    clamp_target = [[1.0, 0.0], [1.0, 1.0]]

    return [
        preset(
            "imbalance-99-percent",
            "1000 majority vs 10 minority samples, the model always says majority: "
            "99% accuracy and a small loss, yet the minority is never found.",
            "cross_entropy",
            always_majority,
            imbalance_target,
            "index",
        ),
        preset(
            "imbalance-class-weights",
            "The same 1000 vs 10 batch with class weights [1, 100]: the minority's "
            "errors now dominate the weighted mean.",
            "cross_entropy",
            always_majority,
            imbalance_target,
            "index",
            options={"weight": [1.0, 100.0]},
        ),
        preset(
            "segmentation-ignore-255",
            "A 4 x 4 image with 3 classes, input (1, 3, 4, 4); pixels labelled 255 "
            "are ignored and leave the mean's denominator.",
            "cross_entropy",
            seg_logits,
            seg_target,
            "index",
            options={"ignore_index": 255},
        ),
        preset(
            "label-smoothing",
            "Confident correct predictions with label smoothing 0.1: the loss cannot "
            "reach 0, because the target keeps eps / C on every class.",
            "cross_entropy",
            [[6.0, 0.5, -1.0], [-0.5, 7.0, 0.2], [0.1, -1.0, 8.0]],
            [0, 1, 2],
            "index",
            options={"label_smoothing": 0.1},
        ),
        preset(
            "ignore-index-valid-class",
            "ignore_index = 0 is a real class here: rows labelled 0 are skipped, yet "
            "class 0 still sits in every softmax denominator.",
            "cross_entropy",
            [[3.0, 0.5, 0.1], [2.5, 1.0, 0.2], [0.3, 2.0, 0.4], [1.5, 0.1, 1.8]],
            [0, 0, 1, 2],
            "index",
            options={"ignore_index": 0},
        ),
        preset(
            "bce-clamp-100",
            "Sigmoid then BCELoss with logits of -200 and 150: log(0) is clamped at -100, "
            "so a hopeless cell costs 100, not infinity.",
            "binary_cross_entropy",
            clamp_logits,
            clamp_target,
            "binary",
            transform="sigmoid",
        ),
        preset(
            "bce-logits-no-clamp",
            "The same logits under BCEWithLogitsLoss: computed stably, the loss keeps "
            "growing with the logit (200 and 150).",
            "binary_cross_entropy_with_logits",
            clamp_logits,
            clamp_target,
            "binary",
        ),
        preset(
            "numerics-logits-1000",
            "Logits of 1000: a naive exp overflows to inf, the log-sum-exp form gives "
            "exact losses (1000 and log(1 + e^-1)).",
            "cross_entropy",
            [[1000.0, 0.0, -1000.0], [1000.0, 999.0, 0.0]],
            [1, 0],
            "index",
        ),
        preset(
            "kl-div-from-logits",
            "KLDivLoss with LogSoftmax applied to raw logits first, 'batchmean': "
            "the log-probabilities of ce-soft-targets' logits.",
            "kl_div",
            [[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]],
            [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]],
            "probability",
            options={"reduction": "batchmean"},
            transform="log_softmax",
        ),
        preset(
            "pos-weight-rare-label",
            "BCEWithLogitsLoss with pos_weight [9, 1]: a rare first label's positives "
            "count nine times (negatives / positives).",
            "binary_cross_entropy_with_logits",
            [[-1.0, 0.8], [-2.0, -0.5], [0.5, 1.2], [-1.5, 0.3]],
            [[1.0, 1.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
            "binary",
            options={"pos_weight": [9.0, 1.0]},
        ),
        preset(
            "focal-easy-vs-hard",
            "Focal loss (gamma 2, alpha 0.25): easy, well-classified cells contribute "
            "almost nothing next to the hard ones.",
            "sigmoid_focal_loss",
            [[4.0, -4.0, 0.2], [-3.0, 3.5, -0.1]],
            [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]],
            "binary",
            options={"reduction": "sum"},
        ),
        preset(
            "multi-margin-hinge",
            "MultiMarginLoss: only classes within the margin of the target's score cost.",
            "multi_margin_loss",
            [[3.0, 1.0, 2.5], [0.5, 2.0, 0.0], [1.0, 1.0, 1.0]],
            [0, 1, 2],
            "index",
        ),
        preset(
            "two-class-softmax-sigmoid",
            "Two classes: softmax over [a, b] is sigmoid(a - b), so this cross entropy "
            "equals BCEWithLogitsLoss on a - b.",
            "cross_entropy",
            [[1.5, -0.5], [0.2, 0.9], [-1.0, 2.0]],
            [0, 1, 0],
            "index",
        ),
    ]


def main() -> None:
    """Write ``resources/presets.json``."""
    presets = seed_presets() + teaching_presets()
    names = [p["name"] for p in presets]
    if len(set(names)) != len(names):
        sys.exit("preset names must be unique")
    for record in presets:
        record["expected"] = encode_float(record["expected"])
    header = {
        "description": "lossgui's worked examples; every expected value computed by "
        f"PyTorch {torch.__version__} (scripts/make_presets.py).",
        "torch_version": torch.__version__,
    }
    # One preset a line keeps the 1010-row batch from taking thousands of lines.
    head = json.dumps(header, indent=1)[:-2]
    body = ",\n  ".join(json.dumps(p) for p in presets)
    OUT.write_text(f'{head},\n "presets": [\n  {body}\n ]\n}}\n', encoding="utf-8")
    print(f"wrote {len(presets)} presets to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
