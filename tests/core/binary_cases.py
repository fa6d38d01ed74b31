"""Inputs shared by the binary / multi-label loss tests (BCE with logits, focal, multilabel)."""

import numpy as np

LOGITS = np.array([[0.6, -1.1, 2.0], [0.3, 0.8, -3.0]])
SOFT = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])  # labels, one of them soft
REDUCTIONS = ("none", "mean", "sum")
