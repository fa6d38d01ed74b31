"""`lossgui --open ... --print` summarises the worst samples; --pytorch / --numpy reproduce."""

import subprocess
import sys

import numpy as np
import pytest

from lossgui.cli import main
from lossgui.core.evaluate import evaluate


def _batch(tmp_path, rows=300, classes=7):
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, size=(rows, classes)).astype(np.float32)
    target = rng.integers(0, classes, size=rows)
    path = tmp_path / "batch.npz"
    np.savez(path, input=logits, target=target)
    return path, logits, target


def test_open_print_lists_the_ten_highest_losses_worst_first(tmp_path, capsys):
    path, logits, target = _batch(tmp_path)
    assert main(["--open", str(path), "--print"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = evaluate("cross_entropy", logits, target, {})
    assert lines[0] == f"loss = {expected.value!r}"
    listed = [line.strip().split(": ") for line in lines[3:]]
    assert len(listed) == 10
    worst = np.argsort(-expected.row_loss, kind="stable")[:10]
    assert [int(index) for index, _ in listed] == [int(i) for i in worst]
    assert [float(v) for _, v in listed] == [float(expected.row_loss[i]) for i in worst]


def test_open_print_takes_loss_options(tmp_path, capsys):
    path, logits, target = _batch(tmp_path)
    assert main(["--open", str(path), "--reduction", "sum", "--print"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    expected = evaluate("cross_entropy", logits, target, {"reduction": "sum"})
    assert first == f"loss = {expected.value!r}"


def _printed_value(args):
    out = subprocess.run(
        [sys.executable, "-m", "lossgui", *args], capture_output=True, text=True, check=True
    ).stdout
    return out


@pytest.mark.parametrize(
    "preset", ["ce-label-smoothing-weights", "bce-after-sigmoid", "kl-div-batchmean"]
)
def test_numpy_snippet_prints_the_value_print_shows(preset, tmp_path):
    shown = _printed_value(["--preset", preset, "--print"]).splitlines()[0].split(" = ")[1]
    script = tmp_path / "snippet.py"
    script.write_text(_printed_value(["--preset", preset, "--numpy"]))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert float(out.stdout.strip().splitlines()[-1]) == pytest.approx(float(shown), rel=1e-6)


@pytest.mark.parametrize(
    "preset", ["ce-label-smoothing-weights", "bce-after-sigmoid", "nll-1d-raw-input"]
)
def test_pytorch_snippet_prints_the_value_print_shows(preset, tmp_path):
    pytest.importorskip("torch")
    shown = _printed_value(["--preset", preset, "--print"]).splitlines()[0].split(" = ")[1]
    script = tmp_path / "snippet.py"
    script.write_text(_printed_value(["--preset", preset, "--pytorch"]))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert float(out.stdout.strip().splitlines()[-1]) == pytest.approx(float(shown), rel=1e-6)
