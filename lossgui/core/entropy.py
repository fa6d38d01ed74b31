"""Cross entropy split into the target's entropy and the KL divergence to the model.

For a target distribution q and model probabilities p, per row
``CE(q, p) = H(q) + KL(q || p)``: the entropy is what no model can remove, the
KL is what training can. Index targets are one-hot (H = 0), unless label
smoothing spreads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossgui.core.activations import cast, log_softmax
from lossgui.core.divergence import kl_div
from lossgui.core.evaluate import to_grid

__all__ = [
    "ENTROPY_LOSSES",
    "DocumentEntropy",
    "EntropyKL",
    "document_entropy_kl",
    "entropy_kl",
    "target_distribution",
]

#: Losses whose value per sample is a cross entropy between a target and the model.
ENTROPY_LOSSES: tuple[str, ...] = ("cross_entropy", "nll_loss", "kl_div")


@dataclass(frozen=True, eq=False)
class EntropyKL:
    """Per-row decomposition CE = H(q) + KL(q || p); each (P,), float64."""

    entropy: np.ndarray
    kl: np.ndarray
    cross_entropy: np.ndarray


def entropy_kl(
    target_probs: np.ndarray,
    logits: np.ndarray,
    *,
    log_input: bool = False,
    dtype: str = "float64",
) -> EntropyKL:
    """Entropy of the target, KL to the model and their sum, per row.

    Parameters
    ----------
    target_probs : ndarray, shape (P, C)
        q, one distribution per row.
    logits : ndarray, shape (P, C)
        The model's logits (p = softmax), or log p itself with ``log_input``.
    log_input : bool
        True when ``logits`` already are log-probabilities (kl_div's input).
    dtype : str
        Computed in this dtype, as core would.

    Returns
    -------
    EntropyKL
        ``H = -sum q log q`` (0 log 0 = 0), ``KL`` as :func:`kl_div` gives it
        summed over the row, ``CE = -sum q log p``.
    """
    dt = np.dtype(dtype)
    q = cast(target_probs, dt)
    x = cast(logits, dt)
    lp = x if log_input else log_softmax(x, dim=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # + 0.0 turns the -0.0 of an all-zero sum into 0.0 for display.
        h = -np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1)), 0), axis=1) + 0.0
        ce = -np.sum(np.where(q == 0, 0, q * lp), axis=1)
    kl = np.sum(kl_div(lp, q, reduction="none"), axis=1)
    f64 = np.float64
    return EntropyKL(h.astype(f64), kl.astype(f64), ce.astype(f64))


def target_distribution(
    target: np.ndarray,
    classes: int,
    *,
    kind: str,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    log_target: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The distribution q each grid row's target stands for, as cross entropy sees it.

    Parameters
    ----------
    target : ndarray
        'index': class per row, any shape (flattened in grid order);
        'probability': the input's shape (N, C) or (N, C, d1, ..., dk).
    classes : int
    kind : {'index', 'probability'}
    label_smoothing : float
        eps: q becomes (1 - eps) q + eps / C, as PyTorch's cross entropy does.
    ignore_index : int
        Index rows equal to it get q = 0 (they add nothing).
    log_target : bool
        Probability targets given as log q (kl_div's option).

    Returns
    -------
    q : ndarray, shape (P, C), float64
    ignored : ndarray, shape (P,), bool
    """
    if kind == "index":
        labels = np.asarray(target).reshape(-1)
        ignored = labels == ignore_index
        valid = ~ignored & (labels >= 0) & (labels < classes)
        q = np.zeros((labels.size, classes))
        q[np.nonzero(valid)[0], labels[valid]] = 1.0
    elif kind == "probability":
        q = to_grid(np.asarray(target, dtype=np.float64))
        if log_target:
            q = np.exp(q)
        ignored = np.zeros(q.shape[0], dtype=bool)
    else:
        raise ValueError(f"{kind} targets are not distributions over classes")
    if label_smoothing:
        q = np.where(ignored[:, None], 0.0, q * (1 - label_smoothing) + label_smoothing / classes)
    return q, ignored


@dataclass(frozen=True, eq=False)
class DocumentEntropy:
    """:class:`EntropyKL` of a Document's rows, with what was assumed to get it.

    Attributes
    ----------
    parts : EntropyKL
    ignored : ndarray, shape (P,), bool
    one_hot : bool
        The targets are class indices without smoothing, so H = 0.
    notes : tuple of str
        Sentences for the user (smoothing used, weights left out ...).
    """

    parts: EntropyKL
    ignored: np.ndarray
    one_hot: bool
    notes: tuple[str, ...]


def document_entropy_kl(
    loss: str,
    logits: np.ndarray,
    target: np.ndarray,
    options: Mapping[str, Any],
    *,
    transform: str = "none",
    dtype: str = "float32",
    target_kind: str = "index",
    rows: slice | None = None,
) -> DocumentEntropy:
    """H(q), KL(q || p) and CE per grid row for a cross_entropy / nll_loss / kl_div Document.

    p is what the loss sees: softmax of the grid for cross entropy (and for the
    others when their transform is log_softmax); for nll_loss and kl_div
    without a transform the grid itself is log p. Class weights are left out
    (a weighted CE is not H + KL).

    ``rows`` limits the work to a slice of the grid rows (a window of a large
    batch); the result then has that slice's length.

    Raises
    ------
    ValueError
        For any other loss.
    """
    if loss not in ENTROPY_LOSSES:
        raise ValueError(f"{loss} is not a cross entropy between distributions")
    classes = int(np.shape(logits)[1])
    smoothing = float(options.get("label_smoothing", 0.0)) if loss == "cross_entropy" else 0.0
    window = slice(None) if rows is None else rows
    grid_logits = to_grid(np.asarray(logits))[window]
    t = np.asarray(target)
    t = t.reshape(-1)[window] if target_kind == "index" else to_grid(t)[window]
    q, ignored = target_distribution(
        t,
        classes,
        kind=target_kind,
        label_smoothing=smoothing,
        ignore_index=int(options.get("ignore_index", -100)),
        log_target=bool(options.get("log_target", False)),
    )
    log_input = loss != "cross_entropy" and transform == "none"
    parts = entropy_kl(q, grid_logits, log_input=log_input, dtype=dtype)
    notes = []
    if smoothing:
        notes.append(f"label smoothing {smoothing:g} spreads each target, so H > 0")
    if options.get("weight") is not None:
        notes.append("class weights are left out (a weighted CE is not H + KL)")
    if ignored.any():
        n = int(ignored.sum())
        notes.append("1 ignored row adds nothing" if n == 1 else f"{n} ignored rows add nothing")
    one_hot = target_kind == "index" and not smoothing
    return DocumentEntropy(parts, ignored, one_hot, tuple(notes))
