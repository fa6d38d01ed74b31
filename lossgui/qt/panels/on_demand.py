"""Widgets a panel builds on first use rather than with the window.

The spatial panel's image plots (eight PlotWidgets with colour bars) cost
about 0.2 s of start-up, and most batches never show them. A panel that
mixes in :class:`BuiltOnDemand` builds them in ``_build_on_demand`` when it
first needs them, or when code first reads one of the attributes it lists,
so those attributes read as if they had always been there.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BuiltOnDemand"]


class BuiltOnDemand:
    """Mixin: the attributes in :attr:`built_on_demand` are made by ``_build_on_demand``.

    Put it before the Qt base class (``class Panel(BuiltOnDemand, PanelBase)``).
    """

    #: The attributes ``_build_on_demand`` sets; reading one builds them all.
    built_on_demand: frozenset[str] = frozenset()

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set yet (Python looks in __dict__ first).
        if name in type(self).built_on_demand and not self.__dict__.get("_building"):
            self.ensure_built()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def ensure_built(self) -> None:
        """Build the widgets now if they are not built yet (idempotent)."""
        if self.__dict__.get("_built"):
            return
        self._building = True
        try:
            self._build_on_demand()
        finally:
            self._building = False
        self._built = True

    def _build_on_demand(self) -> None:
        raise NotImplementedError
