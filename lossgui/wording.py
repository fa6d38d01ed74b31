"""Small helpers for the words the app shows around numbers."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun, singular for exactly one: "1 sample", "1,000 samples".

    ``plural`` defaults to ``noun + "s"``.
    """
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
