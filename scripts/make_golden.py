"""Generate ``tests/core/golden/golden.json``: reference values computed by PyTorch.

Run by hand from the repository root (needs torch; the tests that read the file do not)::

    python scripts/make_golden.py

The cases themselves live in the ``scripts/golden`` package (see its docstring for the
file's format); this script only builds them, writes the file and prints a summary.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from pathlib import Path

# The ``golden`` package sits next to this script and is not installed; put its parent
# first on the path so the import works however the script is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden.build import build
from golden.output import OUT, write
from golden.torch_losses import TORCH_LOSSES


def main() -> None:
    """Build every case with torch, write the golden file and print counts per loss."""
    with warnings.catch_warnings():
        # kl_div's 'mean' warns that it is not the true KL; that case is recorded on purpose.
        warnings.simplefilter("ignore", UserWarning)
        g = build()
    write(g)
    counts = Counter(c["loss"] for c in g.cases)
    rcounts = Counter(r["loss"] for r in g.rejected)
    size_kb = OUT.stat().st_size / 1024
    print(f"wrote {OUT} ({size_kb:.0f} KiB): {len(g.cases)} cases, {len(g.rejected)} rejected")
    for loss in TORCH_LOSSES:
        print(f"  {loss:34s} {counts[loss]:4d} cases {rcounts[loss]:3d} rejected")


if __name__ == "__main__":
    main()
