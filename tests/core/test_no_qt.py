"""``lossgui.core`` must stay usable without Qt: importing it loads no GUI toolkit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GUI_PREFIXES = ("PySide6", "PyQt", "shiboken", "pyqtgraph")

PROBE = f"""
import importlib, json, pkgutil, sys
import lossgui.core
for info in pkgutil.walk_packages(lossgui.core.__path__, "lossgui.core."):
    importlib.import_module(info.name)
prefixes = {GUI_PREFIXES!r}
print(json.dumps(sorted(m for m in sys.modules if m.startswith(prefixes))))
"""


def test_core_imports_without_qt() -> None:
    """A fresh interpreter importing lossgui.core and all its modules loads no Qt module."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"lossgui.core imported GUI modules: {loaded}"
