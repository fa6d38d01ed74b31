"""Documents that change form: a loss switch, a resize, a random batch.

Switching loss converts the target to the form the new loss needs (class
index <-> one-hot / probability row <-> sign) so a user comparing losses keeps
their batch; options both losses share (weight, ignore_index, reduction) carry
over when the new loss accepts their value.
"""

from __future__ import annotations

import numpy as np

from lossgui.document import MAX_CLASSES, MAX_ROWS, Document, EditError

__all__ = ["DEFAULT_DOCUMENT", "default_document", "randomized", "resize", "switch_loss"]

# Options whose meaning is the same in every loss that has them.
_SHARED_OPTIONS = ("weight", "ignore_index", "reduction")


def default_document() -> Document:
    """The example the window opens on: 4 samples, 3 classes, cross entropy."""
    return Document(
        loss="cross_entropy",
        logits=np.array(
            [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.1], [0.3, 0.4, 0.2]]
        ),
        target=np.array([0, 1, 2, 1]),
        title="4 samples, 3 classes",
    )


DEFAULT_DOCUMENT = default_document()


def _index_from(doc: Document) -> np.ndarray:
    """Class indices (N, d1..dk) that best describe the current target."""
    if doc.target_kind == "index":
        return np.array(doc.target)
    if doc.target_kind == "sign":
        return np.where(doc.target == 1, 0, 1).clip(0, doc.classes - 1)
    return np.argmax(doc.target, axis=1)


def _convert_target(doc: Document, kind: str) -> np.ndarray:
    if kind == doc.target_kind:
        return np.array(doc.target)
    if kind == "index":
        return _index_from(doc)
    if kind == "sign":
        return np.where(_index_from(doc).reshape(doc.logits.shape[0], -1)[:, 0] == 0, 1, -1)
    if doc.target_kind == "binary" and kind == "probability":
        target = np.clip(np.array(doc.target), 0.0, None)
        sums = target.sum(axis=1, keepdims=True)
        uniform = np.full_like(target, 1.0 / doc.classes)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(sums > 0, target / np.where(sums > 0, sums, 1.0), uniform)
    if doc.target_kind in ("binary", "probability"):
        return np.array(doc.target)
    index = _index_from(doc)
    ignored = index < 0
    one_hot = np.moveaxis(np.eye(doc.classes)[np.clip(index, 0, doc.classes - 1)], -1, 1)
    if ignored.any():
        one_hot = np.where(np.expand_dims(ignored, 1), 1.0 / doc.classes, one_hot)
    return one_hot


def switch_loss(doc: Document, loss: str, target_kind: str | None = None) -> Document:
    """``doc`` under another loss (or target kind), or EditError saying why not."""
    from lossgui.core.registry import get_spec

    try:
        spec = get_spec(loss)
    except ValueError as err:
        raise EditError(str(err)) from None
    kind = target_kind or (
        doc.target_kind if doc.target_kind in spec.target_kinds else spec.target_kinds[0]
    )
    if kind not in spec.target_kinds:
        raise EditError(f"{spec.label} does not take {kind} targets")
    if doc.logits.ndim > 2 and not spec.spatial:
        raise EditError(
            f"{spec.label} takes (N, C) inputs; this batch has shape {doc.logits.shape}"
        )
    options = {}
    for name in _SHARED_OPTIONS:
        if name in doc.options and name in spec.defaults:
            value = doc.options[name]
            if name == "reduction" and value not in spec.reductions:
                continue
            options[name] = value
    transform = doc.transform if doc.transform in spec.transforms else spec.transforms[0]
    if loss == doc.loss and kind == doc.target_kind:
        return doc
    if loss != doc.loss:
        transform = spec.transforms[0]
    input2 = doc.input2
    if kind == "sign" and input2 is None:
        # A second embedding that differs from the first so cos is not 1.
        input2 = np.array(doc.logits[::-1])
    if kind == "probability":
        # PyTorch refuses ignore_index >= 0 with probability targets.
        if int(options.get("ignore_index", -100)) >= 0:
            options["ignore_index"] = -100
    return doc.edited(
        loss=loss,
        target_kind=kind,
        target=_convert_target(doc, kind),
        options=options,
        transform=transform,
        input2=input2 if kind == "sign" else None,
    )


def _check_size(what: str, wanted: int, low: int, limit: int, current: int) -> None:
    """EditError unless ``wanted`` is within low..limit, or within the batch's own size."""
    if low <= wanted <= max(limit, current):
        return
    if current > limit and wanted > current:
        raise EditError(
            f"{what} can only shrink here: this batch has {current}, more than the "
            f"{limit} a batch typed in the grid can grow to"
        )
    raise EditError(f"{what} must be between {low} and {max(limit, current)}, not {wanted}")


def resize(doc: Document, rows: int, classes: int) -> Document:
    """``doc`` resized to (rows, classes) keeping the overlapping block.

    New logits are 0, new index targets 0, new probability rows uniform, new
    class weights 1. Only (N, C) batches can be resized from the grid. A batch
    larger than MAX_ROWS x MAX_CLASSES (a preset or a loaded file) keeps its size
    or shrinks; it never grows past its own size.
    """
    if doc.logits.ndim != 2:
        raise EditError("only (N, C) batches can be resized; this one is spatial")
    _check_size("rows", rows, 1, MAX_ROWS, doc.logits.shape[0])
    _check_size("classes", classes, 2, MAX_CLASSES, doc.classes)
    keep_r, keep_c = min(rows, doc.logits.shape[0]), min(classes, doc.classes)

    def grown(old: np.ndarray, fill: float, width: int | None) -> np.ndarray:
        shape = (rows,) if width is None else (rows, width)
        new = np.full(shape, fill, dtype=old.dtype)
        if width is None:
            new[:keep_r] = old[:keep_r]
        else:
            new[:keep_r, :keep_c] = old[:keep_r, :keep_c]
        return new

    logits = grown(doc.logits, 0.0, classes)
    if doc.target_kind in ("index", "sign"):
        target = grown(doc.target, 0 if doc.target_kind == "index" else 1, None)
    else:
        fill = 1.0 / classes if doc.target_kind == "probability" else 0.0
        target = grown(doc.target, fill, classes)
    options = dict(doc.options)
    for name, value in doc.options.items():
        if isinstance(value, tuple):
            options[name] = tuple(value[:classes]) + (1.0,) * max(0, classes - len(value))
    input2 = None if doc.input2 is None else grown(doc.input2, 0.0, classes)
    return doc.edited(logits=logits, target=target, options=options, input2=input2)


def randomized(doc: Document, rng: np.random.Generator) -> Document:
    """``doc`` with fresh random logits and targets of the same shape.

    Logits are N(0, 2) rounded to 2 decimals so they read well in the grid.
    """
    logits = np.round(rng.normal(0.0, 2.0, size=doc.logits.shape), 2)
    if doc.loss == "binary_cross_entropy" and doc.transform == "none":
        logits = np.round(rng.uniform(0.01, 0.99, size=doc.logits.shape), 2)
    shape = doc.target.shape
    if doc.target_kind == "index":
        target = rng.integers(0, doc.classes, size=shape)
    elif doc.target_kind == "sign":
        target = rng.choice(np.array([-1, 1]), size=shape)
    elif doc.target_kind == "binary":
        target = rng.integers(0, 2, size=shape).astype(np.float64)
    else:
        raw = rng.gamma(1.0, size=shape)
        target = np.round(raw / raw.sum(axis=1, keepdims=True), 3)
    input2 = None
    if doc.input2 is not None:
        input2 = np.round(rng.normal(0.0, 2.0, size=doc.input2.shape), 2)
    return doc.edited(logits=logits, target=target, input2=input2)
