"""Write the golden file: metadata, then one case per line so diffs stay readable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .recorder import Golden

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "tests" / "core" / "golden" / "golden.json"

#: The generator as recorded in the file: relative to the repository root, so the file
#: does not depend on where the repository is checked out.
GENERATOR = "scripts/make_golden.py"


def write(g: Golden, path: Path = OUT) -> None:
    """Write the golden file, one case per line so diffs stay readable.

    Parameters
    ----------
    g : Golden
        The recorded cases and rejected cases.
    path : Path, optional
        Where to write; defaults to ``tests/core/golden/golden.json``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "description": "Reference values and gradients of lossgui's losses, computed by PyTorch.",
        "generator": GENERATOR,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "array_encoding": "{dtype, shape, data (flat, C order)}; non-finite as 'nan'/'inf'/'-inf'",
        "grad": "torch autograd of the loss (of its sum for reduction='none') wrt the input(s)",
    }

    def dump(obj: Any) -> str:
        return json.dumps(obj, separators=(",", ":"), allow_nan=False)

    lines = ["{", f'"meta":{dump(meta)},', '"cases":[']
    lines += [dump(c) + ("," if i < len(g.cases) - 1 else "") for i, c in enumerate(g.cases)]
    lines += ["],", '"rejected":[']
    lines += [dump(r) + ("," if i < len(g.rejected) - 1 else "") for i, r in enumerate(g.rejected)]
    lines += ["]", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
