"""Shared test set-up: every Qt test runs offscreen unless a display was chosen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
