"""lossgui's icon (a loss curve with a marked point), from ``resources/lossgui.svg``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon

__all__ = ["ICON_FILE", "app_icon", "icon_path"]

ICON_FILE = "lossgui.svg"


def icon_path() -> Path | None:
    """The icon file, installed (``lossgui.resources``) or in a source checkout; None if missing."""
    try:
        installed = resources.files("lossgui.resources").joinpath(ICON_FILE)
        if installed.is_file():
            return Path(str(installed))
    except ModuleNotFoundError:
        pass
    # Running from a checkout on PYTHONPATH: resources/ is not a lossgui subpackage.
    source = Path(__file__).resolve().parents[2] / "resources" / ICON_FILE
    return source if source.is_file() else None


def app_icon() -> QIcon:
    """The window and application icon (an empty QIcon if the file is missing)."""
    path = icon_path()
    return QIcon(str(path)) if path is not None else QIcon()
