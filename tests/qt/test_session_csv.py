"""CSV export of the grid through SessionController: inputs and the computed columns."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from lossgui.document import Document
from lossgui.document_convert import default_document, switch_loss


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_csv_export_holds_inputs_and_computed_columns(env, tmp_path):
    doc = default_document().with_option("ignore_index", 1)
    env.state.edit(lambda _d: doc, "Set")
    path = tmp_path / "grid.csv"
    assert env.ctl.export_csv(path)
    header, *rows = _read_csv(path)
    assert header == [
        "row", "logit 0", "logit 1", "logit 2", "target", "p(target)", "loss", "share",
    ]  # fmt: skip
    assert len(rows) == 4
    assert rows[0][:5] == ["0", "2.0", "1.0", "0.1", "0"]
    evaluation = env.state.evaluation
    assert float(rows[0][5]) == evaluation.target_prob[0]
    assert rows[1][5] == ""  # row 1's target is ignored: no p(target)
    assert [float(r[6]) for r in rows] == evaluation.row_loss.tolist()
    assert sum(float(r[7]) for r in rows) == pytest.approx(1.0)


def test_csv_export_of_spatial_and_probability_batches(env, tmp_path):
    spatial = Document(
        loss="cross_entropy",
        logits=np.arange(12, dtype=np.float32).reshape(1, 3, 2, 2) / 10,
        target=np.array([[[0, 1], [2, 0]]]),
    )
    env.state.edit(lambda _d: spatial, "Set")
    assert env.ctl.export_csv(tmp_path / "s.csv")
    header, *rows = _read_csv(tmp_path / "s.csv")
    assert [r[0] for r in rows] == ["n=0 (0, 0)", "n=0 (0, 1)", "n=0 (1, 0)", "n=0 (1, 1)"]
    assert rows[1][1:4] == ["0.1", "0.5", "0.9"]  # float32 values written short and exact
    probability = switch_loss(default_document(), "kl_div")
    env.state.edit(lambda _d: probability, "Set")
    assert env.ctl.export_csv(tmp_path / "p.csv")
    header, *rows = _read_csv(tmp_path / "p.csv")
    assert header[4:] == ["target 0", "target 1", "target 2", "loss", "share"]


def test_csv_export_of_a_rejected_batch_leaves_computed_columns_empty(env, tmp_path):
    env.state.edit(lambda d: d.with_option("weight", (1.0, 1.0, 1.0)), "w")
    bad = Document(loss="cross_entropy", logits=np.zeros((2, 3)), target=np.array([0, 7]))
    env.state.edit(lambda _d: bad, "Set")
    assert env.state.error
    assert env.ctl.export_csv(tmp_path / "bad.csv")
    _, *rows = _read_csv(tmp_path / "bad.csv")
    assert rows[1][4:] == ["7", "", "", ""]
    assert "computed columns left empty" in env.messages[-1]
