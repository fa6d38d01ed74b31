"""The words around numbers: one sample, two samples."""

from __future__ import annotations

from lossgui.wording import counted


def test_count_is_singular_for_exactly_one():
    assert counted(1, "sample") == "1 sample"
    assert counted(0, "sample") == "0 samples"
    assert counted(1000, "row") == "1,000 rows"
    assert counted(1, "class", "classes") == "1 class"
    assert counted(3, "class", "classes") == "3 classes"
