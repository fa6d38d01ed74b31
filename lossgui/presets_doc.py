"""Turn a worked example (:class:`~lossgui.core.presets.Preset`) into a Document."""

from __future__ import annotations

from lossgui.core.presets import Preset, get_preset
from lossgui.document import Document

__all__ = ["preset_document"]


def preset_document(preset: str | Preset) -> Document:
    """The Document the window shows for ``preset`` (a Preset or its name).

    Its ``title`` is the preset's name and its ``expected`` PyTorch's value, so
    the result view can show both numbers side by side.

    Raises
    ------
    ValueError
        For an unknown preset name (the message lists the known ones).
    """
    p = get_preset(preset) if isinstance(preset, str) else preset
    return Document(
        loss=p.loss,
        logits=p.logits,
        target=p.target,
        target_kind=p.target_kind,
        options=dict(p.options),
        transform=p.transform,
        dtype=p.dtype,
        input2=p.input2,
        title=p.name,
        expected=p.expected,
    )
