"""What the randomized PyTorch cross-checks draw, and how often.

Hypothesis draws shapes, dtypes and options; arrays come from a NumPy generator seeded
by a drawn integer. Runs are derandomized so CI sees the same examples every time. (A
derandomized run's examples follow from the test's source text: editing a test's body
or decorators draws different examples.)
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DTYPES = st.sampled_from(["float32", "float64"])
REDUCTIONS = st.sampled_from(["none", "mean", "sum"])
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def class_weight(rng: np.random.Generator, c: int, dtype: str) -> np.ndarray:
    """Random positive per-class weights of length ``c``."""
    return rng.uniform(0.1, 3.0, c).astype(dtype)
