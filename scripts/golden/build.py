"""Assemble every golden case and rejected case, in the order the file lists them."""

from __future__ import annotations

import torch

from .binary import binary_cases
from .categorical import categorical_cases
from .divergence_embedding_margin import divergence_cases, embedding_cases, margin_cases
from .recorder import Golden
from .rejected import (
    binary_rejects,
    categorical_rejects,
    divergence_rejects,
    embedding_rejects,
    margin_rejects,
)


def build() -> Golden:
    """Every case and rejected case, computed with torch.

    Returns
    -------
    Golden
        The recorder holding all cases and rejected cases; the order of the calls
        below is the order of the file, so reordering them changes the file.
    """
    torch.manual_seed(0)
    g = Golden()
    categorical_cases(g)
    binary_cases(g)
    divergence_cases(g)
    embedding_cases(g)
    margin_cases(g)
    categorical_rejects(g)
    binary_rejects(g)
    divergence_rejects(g)
    embedding_rejects(g)
    margin_rejects(g)
    return g
