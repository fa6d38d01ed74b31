"""Fixtures of the Qt tests."""

import pytest

from tests.qt.session_helpers import make_env


@pytest.fixture
def env(qtbot, tmp_path):
    """A SessionController environment (see session_helpers.make_env), shut down after."""
    made = make_env(qtbot, tmp_path)
    yield made
    made.ctl.shutdown()
