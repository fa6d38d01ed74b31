"""Shared test set-up: Qt runs offscreen and never touches the user's real settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_configure(config):
    """Send QSettings / QStandardPaths to Qt's test locations for the whole run."""
    try:
        from PySide6.QtCore import QStandardPaths
    except ImportError:  # core-only environments still run the core tests
        return
    QStandardPaths.setTestModeEnabled(True)
