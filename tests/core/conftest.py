"""Fixtures of the core tests."""

import pytest


@pytest.fixture
def torch():
    """torch, or skip: the project never requires it."""
    return pytest.importorskip("torch")
