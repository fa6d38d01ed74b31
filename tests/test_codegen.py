"""Generated PyTorch / NumPy code reproduces the value lossgui shows."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lossgui.codegen import numpy_snippet, pytorch_snippet
from lossgui.core.evaluate import evaluate
from lossgui.document import Document
from lossgui.document_convert import default_document, switch_loss
from tests.test_session import sample_documents

ROOT = Path(__file__).resolve().parents[1]


def _cases() -> dict[str, Document]:
    base = default_document()
    cases = dict(sample_documents())
    ignored = base.with_option("ignore_index", 1)
    cases.update(
        {
            "ce_sum": base.with_option("reduction", "sum"),
            "ce_none": base.with_option("reduction", "none"),
            "ce_smoothing_weights": base.with_option("label_smoothing", 0.2).with_option(
                "weight", (0.5, 2.0, 1.0)
            ),
            "ce_ignore_valid_class": ignored,
            "nll_none_as_given": switch_loss(base, "nll_loss")
            .with_transform("none")
            .with_option("reduction", "none"),
            "focal_mean": switch_loss(base, "sigmoid_focal_loss").with_option("reduction", "mean"),
            "kl_mean": switch_loss(base, "kl_div").with_transform("log_softmax"),
            "bce_as_given": switch_loss(base, "binary_cross_entropy").with_transform("none"),
            "cosine_sum": switch_loss(base, "cosine_embedding_loss")
            .with_option("margin", 0.5)
            .with_option("reduction", "sum"),
            "float32_stored_float64_computed": sample_documents()["spatial_float32"].with_dtype(
                "float64"
            ),
            "margin_float64": switch_loss(base, "multi_margin_loss").with_dtype("float64"),
        }
    )
    bce = cases["bce_as_given"]
    cases["bce_as_given"] = bce.with_cells(0, 0, np.clip(bce.logits, 0.05, 0.95) / 3.5)
    return cases


CASES = _cases()


def _value(doc: Document) -> float:
    return evaluate(
        doc.loss,
        doc.logits,
        doc.target,
        doc.options,
        transform=doc.transform,
        dtype=doc.dtype,
        input2=doc.input2,
    ).value


def _close(printed: float, expected: float, dtype: str) -> bool:
    rel = 2e-5 if dtype == "float32" else 1e-12
    return math.isclose(printed, expected, rel_tol=rel, abs_tol=rel)


def test_every_case_is_valid_for_lossgui():
    for name, doc in CASES.items():
        assert math.isfinite(_value(doc)), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_snippets_compile(name):
    doc = CASES[name]
    compile(pytorch_snippet(doc, shown=1.5), f"{name}-torch", "exec")
    compile(numpy_snippet(doc), f"{name}-numpy", "exec")


def _run_in_process(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_snippet_prints_exactly_lossgui_value(name):
    doc = CASES[name]
    lines = _run_in_process(numpy_snippet(doc)).strip().splitlines()
    assert float(lines[-1]) == _value(doc)


def test_numpy_snippet_runs_as_a_standalone_script(tmp_path):
    doc = CASES["spatial_float32"]
    script = tmp_path / "repro.py"
    script.write_text(numpy_snippet(doc))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    )
    assert float(done.stdout.strip().splitlines()[-1]) == _value(doc)


def test_pytorch_snippet_spells_out_every_option_and_dtype():
    doc = CASES["spatial_float32"]
    code = pytorch_snippet(doc, shown=_value(doc))
    assert "F.cross_entropy(" in code
    for text in ("weight=torch.tensor(", "ignore_index=255", "label_smoothing=0.1", "reduction="):
        assert text in code
    assert "dtype=torch.float32" in code and "dtype=torch.int64" in code
    assert code.rstrip().splitlines()[-1] == "print(loss.item())"
    assert "log_softmax" in pytorch_snippet(CASES["kl_log_target"])
    assert "torch.sigmoid(logits)" in pytorch_snippet(CASES["bce_sigmoid"])


def test_focal_snippet_uses_torchvision_with_an_inline_fallback():
    code = pytorch_snippet(CASES["focal"])
    assert "from torchvision.ops import sigmoid_focal_loss" in code
    assert "except ImportError:" in code


def test_titles_cannot_break_out_of_comments():
    doc = default_document()
    from dataclasses import replace

    nasty = replace(doc, title='line\nimport os; os.remove("x")\r\x00"""')
    for code in (pytorch_snippet(nasty), numpy_snippet(nasty)):
        compile(code, "nasty", "exec")
        assert "\nimport os" not in code


_RUNNER = """
import contextlib, io, json, sys
results = []
for code in json.load(sys.stdin):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    results.append(out.getvalue())
print(json.dumps(results))
"""


def test_pytorch_snippets_reproduce_lossgui_value():
    pytest.importorskip("torch")
    names = sorted(CASES)
    codes = [pytorch_snippet(CASES[n]) for n in names]
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        check=True,
    )
    outputs = json.loads(done.stdout.strip().splitlines()[-1])
    for name, output in zip(names, outputs, strict=True):
        doc = CASES[name]
        printed = float(output.strip().splitlines()[-1])
        assert _close(printed, _value(doc), doc.dtype), (name, printed, _value(doc))


def test_pytorch_snippet_runs_as_a_standalone_script(tmp_path):
    pytest.importorskip("torch")
    doc = CASES["focal_mean"]
    script = tmp_path / "repro_torch.py"
    script.write_text(pytorch_snippet(doc))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    assert _close(float(done.stdout.strip().splitlines()[-1]), _value(doc), doc.dtype)


def test_reduction_none_prints_elements_then_their_sum():
    doc = CASES["ce_none"]
    lines = _run_in_process(numpy_snippet(doc)).strip().splitlines()
    elements = np.array(lines[0].strip("[]").split(), dtype=float)
    assert elements.shape == (doc.rows,)
    assert float(lines[-1]) == pytest.approx(elements.sum(), rel=1e-6)
