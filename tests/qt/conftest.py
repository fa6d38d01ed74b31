"""Fixtures of the Qt tests."""

import pytest

from lossgui.document_convert import default_document
from lossgui.qt.state import AppState
from tests.qt.session_helpers import make_env


@pytest.fixture
def env(qtbot, tmp_path):
    """A SessionController environment (see session_helpers.make_env), shut down after."""
    made = make_env(qtbot, tmp_path)
    yield made
    made.ctl.shutdown()


@pytest.fixture
def state(qapp):
    """An AppState of the default Document (the panel tests, test_panels*.py)."""
    return AppState(default_document())
