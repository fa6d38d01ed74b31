"""Shared test set-up: Qt runs offscreen and never touches the user's real settings."""

import gc
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


_QT_FIXTURES = {"qtbot", "qapp", "qtmodeltester"}


@pytest.fixture(autouse=True)
def _collect_between_tests(request):
    """Run Python's cycle collector between tests, not inside a Qt event loop.

    With hundreds of windows built and dropped in one process, an automatic
    collection that lands inside a running event loop (qtbot.waitSignal) can free
    a PySide object whose C++ side Qt is still using, and the process segfaults
    (seen once in CI in test_loading). Collecting at a quiet point keeps the
    run deterministic; it does not hide Python exceptions or wrong numbers. Only
    tests that use Qt pay for the collection.
    """
    if not _QT_FIXTURES & set(request.fixturenames):
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


def pytest_configure(config):
    """Send QSettings / QStandardPaths to Qt's test locations for the whole run."""
    try:
        from PySide6.QtCore import QStandardPaths
    except ImportError:  # core-only environments still run the core tests
        return
    QStandardPaths.setTestModeEnabled(True)
