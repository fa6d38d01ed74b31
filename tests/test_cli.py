"""The command line, run as a user runs it: ``python -m lossgui ...`` in a subprocess."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lossgui.core.presets import PRESETS, get_preset

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m lossgui *args`` from the repository, offscreen, with a time limit."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    if env is not None:
        full_env = {**full_env, **env}
        full_env = {k: v for k, v in full_env.items() if v is not None and v != "<unset>"}
    return subprocess.run(
        [sys.executable, "-m", "lossgui", *args],
        capture_output=True, text=True, timeout=180, env=full_env, cwd=ROOT, check=False,
    )


def _one_sentence_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lossgui: ")
    return lines[0]


def test_list_presets_gives_every_preset_with_its_description() -> None:
    result = run("--list-presets")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESETS)
    for line, preset in zip(lines, PRESETS.values(), strict=True):
        assert line.endswith(preset.description)


@pytest.mark.parametrize(
    "name",
    ["bce-after-sigmoid", "nll-1d-raw-input", "ce-kdim-class-weights", "cosine-embedding",
     "kl-div-batchmean", "segmentation-ignore-255"],
)
def test_print_gives_the_presets_value_first(name: str) -> None:
    result = run("--preset", name, "--print")
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first.startswith("loss = ")
    assert float(first.removeprefix("loss = ")) == pytest.approx(
        get_preset(name).expected, rel=2e-6, abs=1e-6
    )
    assert "per-sample losses:" in rest


def test_print_shows_nan_when_every_target_is_ignored() -> None:
    result = run("--preset", "ce-all-ignored", "--print")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "loss = nan"
    assert lines[-2:] == ["  0: ignored", "  1: ignored"]


def test_print_lists_one_loss_per_sample_that_add_up() -> None:
    result = run("--preset", "label-smoothing", "--reduction", "sum", "--print")
    lines = result.stdout.splitlines()
    total = float(lines[0].removeprefix("loss = "))
    start = lines.index("per-sample losses:") + 1
    per_sample = [float(line.split(": ")[1]) for line in lines[start:]]
    assert len(per_sample) == 3
    assert math.fsum(per_sample) == pytest.approx(total, rel=1e-6)


def test_options_on_the_command_line_change_the_value() -> None:
    plain = run("--print")
    summed = run("--print", "--reduction", "sum", "--dtype", "float64")
    weighted = run("--print", "--weight", "1,2,3", "--label-smoothing", "0.1")
    values = [float(r.stdout.splitlines()[0].removeprefix("loss = ")) for r in
              (plain, summed, weighted)]
    assert values[1] == pytest.approx(4 * values[0], rel=1e-6)
    assert values[2] != values[0]


def test_open_a_batch_file_with_a_separate_target(tmp_path: Path) -> None:
    logits = tmp_path / "logits.npy"
    target = tmp_path / "target.npy"
    np.save(logits, np.array([[2.0, 0.0], [0.0, 3.0]], dtype=np.float32))
    np.save(target, np.array([0, 1]))
    result = run("--open", str(logits), "--target", str(target), "--print")
    assert result.returncode == 0, result.stderr
    expected = np.mean([np.log1p(np.exp(-2.0)), np.log1p(np.exp(-3.0))])
    assert float(result.stdout.splitlines()[0].removeprefix("loss = ")) == pytest.approx(
        expected, rel=1e-6
    )


def test_screenshot_writes_a_png_of_the_requested_size(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    result = run("--preset", "segmentation-2x2", "--screenshot", str(out), "--size", "1000x700")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 700)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--preset", "no-such-preset", "--print"), "unknown preset"),
        (("--reduction", "bogus", "--print"), "bogus"),
        (("--weight", "1,2", "--print"), "3 numbers"),
        (("--label-smoothing", "2", "--print"), "at most 1"),
        (("--loss", "not_a_loss", "--print"), "unknown loss"),
        (("--weight", "a,b", "--print"), "comma-separated"),
        (("--no-such-flag",), "unrecognized arguments"),
        (("--target", "t.npy", "--print"), "--open"),
        (("--open", "/no/such/file.npz", "--print"), "file.npz"),
        (("--screenshot", "x.png", "--size", "12x"), "1400x900"),
        (("--size", "800x600",), "--screenshot"),
        (("/no/such/session.lossgui.json", "--print"), "session.lossgui.json"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_code_2(args: tuple[str, ...], words: str) -> None:
    assert words in _one_sentence_error(run(*args))


def test_no_display_explains_what_to_do_instead() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    result = run(env={"QT_QPA_PLATFORM": "<unset>", "DISPLAY": "<unset>",
                      "WAYLAND_DISPLAY": "<unset>"})
    line = _one_sentence_error(result)
    assert "--print" in line and "--screenshot" in line and "xvfb-run" in line


def test_session_file_is_opened_by_the_positional_argument(tmp_path: Path) -> None:
    from lossgui.presets_doc import preset_document
    from lossgui.session import save_session

    path = tmp_path / "s.lossgui.json"
    save_session(path, preset_document("ce-kdim-class-weights"), {})
    result = run(str(path), "--print")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.splitlines()[0].removeprefix("loss = ")) == pytest.approx(
        get_preset("ce-kdim-class-weights").expected, rel=2e-6
    )
