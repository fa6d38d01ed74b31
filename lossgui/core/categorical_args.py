"""Argument checks for ``cross_entropy`` and ``nll_loss``, following PyTorch 2.x.

Every configuration PyTorch rejects is rejected here with a ``ValueError`` that
says, in the user's terms, what is wrong and where; everything PyTorch accepts
is accepted, with four deliberate widenings for NumPy users:

- any integer dtype is a class-index target (PyTorch takes only int64 and uint8);
- integer and boolean inputs are read as float64 (PyTorch has no integer softmax);
- ``weight`` and a probability target are cast to the input's dtype (PyTorch
  requires the same dtype for ``weight`` and promotes for the target);
- ``ignore_index`` beyond int64 is allowed (it then matches no target).

The checked arguments come back as :class:`CategoricalArgs`, together with the
per-position target terms (safe class indices, ignored mask, per-position
weights, the 'mean' denominator) that both the simple and the chunked code use.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from lossgui.core.activations import as_float_array
from lossgui.core.reduction import check_reduction

__all__ = ["CategoricalArgs", "parse_args"]


@dataclass(frozen=True)
class CategoricalArgs:
    """Validated arguments of one ``cross_entropy`` / ``nll_loss`` call.

    Attributes
    ----------
    input : ndarray, shape (N, C) or (N, C, d1, ..., dk), float dtype
        The logits (log-probabilities for ``nll_loss``) as a float array with
        the classes on axis 1: a 1-D input of shape (C,) is viewed as (1, C) so
        the computations need no special case for it.
    input_shape : tuple of int
        The input's shape as given.
    out_shape : tuple of int
        Shape of the per-position losses as PyTorch returns them under 'none':
        the given input's shape without its class axis ((), (N,) or (N, d1, ..., dk)).
    n_classes : int
        C.
    prob_target : ndarray or None
        Probability target, ``input``'s (working) shape and dtype; None for class indices.
    classes : ndarray or None
        int64, shape ``positions``: the class index per position, replaced by 0
        where ignored so it can always be used to index; None for probabilities.
    ignored : ndarray
        bool, shape ``positions``: where the target equals ``ignore_index`` (all
        False for probability targets).
    n_ignored : int
    pos_weight : ndarray or None
        Input dtype, shape ``positions``: ``w[y]`` per position (1 without
        ``weight``), 0 where ignored; None for probability targets.
    weight : ndarray or None
        Class weights, shape (C,), input dtype.
    weight_sum : float
        ``sum(weight)`` (C without ``weight``), float64.
    ignore_index : int
    reduction : str
    label_smoothing : float
        The smoothing actually applied: PyTorch smooths only when it is > 0, so
        negative values and NaN act as 0.0.
    denominator : float
        The 'mean' divisor: the sum of ``w[y]`` over non-ignored positions for
        class indices, N * d1 * ... * dk for probability targets (0 if empty).
    """

    input: np.ndarray
    input_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    n_classes: int
    prob_target: np.ndarray | None
    classes: np.ndarray | None
    ignored: np.ndarray
    n_ignored: int
    pos_weight: np.ndarray | None
    weight: np.ndarray | None
    weight_sum: float
    ignore_index: int
    reduction: str
    label_smoothing: float
    denominator: float

    @property
    def smoothing_scale(self) -> float:
        """``eps / C``; inf when C == 0, so that 0 * inf gives PyTorch's NaN."""
        eps = self.label_smoothing
        return eps / self.n_classes if self.n_classes else math.inf

    @property
    def grad_scale(self) -> float:
        """d(result) / d(sum of losses): 1 / denominator under 'mean', else 1.

        A zero denominator gives inf: PyTorch then returns NaN gradients at the
        non-ignored positions (0 * inf) and zeros at the ignored ones.
        """
        if self.reduction != "mean":
            return 1.0
        return 1.0 / self.denominator if self.denominator else math.inf

    def index_grad_coefficients(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-position ``a, b, e`` of the class-index gradient.

        With ``l = (1 - eps) w_y (lse - x_y) + (eps / C) sum_c w_c (lse - x_c)``
        and ``d lse / d x_c = p_c``, the gradient of the reduced loss is
        ``a p_c - b [c == y] - e w_c`` with ``a = ((1 - eps) w_y + (eps / C) W) s``,
        ``b = (1 - eps) w_y s``, ``e = (eps / C) s``, ``W = sum_c w_c`` and ``s``
        the :attr:`grad_scale`.

        Returns
        -------
        a, b : ndarray, shape ``positions``, input dtype
        e : ndarray or None
            None without smoothing.
            All three are exactly 0 at ignored positions, where PyTorch's
            gradient is 0 even when the 'mean' denominator is 0.
        """
        assert self.pos_weight is not None
        eps, scale = self.label_smoothing, self.grad_scale
        with np.errstate(invalid="ignore"):  # 0 * inf when the denominator is 0
            b = self.pos_weight * ((1.0 - eps) * scale)
            a, e = b, None
            if eps > 0.0:
                a = (self.pos_weight * (1.0 - eps) + self.smoothing_scale * self.weight_sum) * scale
                e = np.full(self.positions, self.smoothing_scale * scale, dtype=b.dtype)
        if self.n_ignored:
            for coefficient in (a, b, e):
                if coefficient is not None:
                    coefficient[self.ignored] = 0
        return a, b, e

    @property
    def positions(self) -> tuple[int, ...]:
        """Shape of the per-position arrays: (N,) or (N, d1, ..., dk); (1,) for 1-D input."""
        return self.input.shape[:1] + self.input.shape[2:]

    def along_classes(self, values: np.ndarray) -> np.ndarray:
        """``values`` of shape (C,) shaped to broadcast along axis 1 of the input."""
        return values.reshape((-1,) + (1,) * (self.input.ndim - 2))


def parse_args(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    *,
    loss: str,
) -> CategoricalArgs:
    """Check one call the way PyTorch does and normalise its arguments.

    Parameters
    ----------
    input, target, weight, ignore_index, reduction, label_smoothing
        As ``torch.nn.functional.cross_entropy``.
    loss : {'cross_entropy', 'nll_loss'}
        ``nll_loss`` has no probability targets and no smoothing.

    Raises
    ------
    ValueError
        For every configuration PyTorch rejects.
    TypeError
        If ``ignore_index`` is not an integer (PyTorch raises TypeError too).
    """
    raw = np.asarray(input)
    if raw.dtype.kind not in "biuf":
        raise ValueError(f"{loss}: input must hold real numbers, but its dtype is {raw.dtype}.")
    x = as_float_array(raw)
    if x.ndim == 0:
        raise ValueError(
            f"{loss}: input must have a class dimension: shape (C,), (N, C) or "
            "(N, C, d1, ..., dk), but it is a single number (0-d)."
        )
    reduction = check_reduction(reduction)
    if isinstance(ignore_index, (bool, np.bool_)):
        raise TypeError("ignore_index must be an integer, not a bool.")
    ignore = operator.index(ignore_index)
    eps = float(label_smoothing)
    if eps > 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {eps}.")
    if not eps > 0.0:
        eps = 0.0
    n_classes = x.shape[0 if x.ndim == 1 else 1]
    w = _check_weight(weight, n_classes, x.dtype)
    weight_sum = float(np.sum(w, dtype=np.float64)) if w is not None else float(n_classes)
    t = np.asarray(target)
    common = dict(
        input=x.reshape((1, *x.shape)) if x.ndim == 1 else x,
        input_shape=x.shape,
        out_shape=_index_shape(x),
        n_classes=n_classes,
        weight=w,
        weight_sum=weight_sum,
        ignore_index=ignore,
        reduction=reduction,
        label_smoothing=eps,
    )
    positions = (1,) if x.ndim == 1 else _index_shape(x)
    # PyTorch decides by shape alone: a target shaped like the input holds probabilities.
    if loss == "cross_entropy" and t.shape == x.shape:
        q = _check_prob_target(t, x, ignore)
        return CategoricalArgs(
            prob_target=q.reshape(common["input"].shape),
            classes=None,
            ignored=np.zeros(positions, dtype=bool),
            n_ignored=0,
            pos_weight=None,
            denominator=float(x.size // n_classes) if n_classes else 0.0,
            **common,
        )
    t = _check_index_target(t, x, loss, eps).reshape(positions)
    ignored = t == ignore
    n_ignored = int(np.count_nonzero(ignored))
    _check_bounds(t, ignored, n_ignored, n_classes, ignore, x.ndim)
    classes = t
    if n_ignored and not 0 <= ignore < n_classes:
        classes = np.where(ignored, 0, t)
    if w is None:
        pos_weight = np.logical_not(ignored).astype(x.dtype)
        denominator = float(t.size - n_ignored)
    else:
        pos_weight = w[classes]
        if n_ignored:
            pos_weight[ignored] = 0
        denominator = float(np.sum(pos_weight, dtype=np.float64))
    return CategoricalArgs(
        prob_target=None,
        classes=classes,
        ignored=ignored,
        n_ignored=n_ignored,
        pos_weight=pos_weight,
        denominator=denominator,
        **common,
    )


def _check_weight(weight: ArrayLike | None, n_classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight)
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight must hold one value per class: the input has {n_classes} classes, "
            f"but weight has shape {w.shape}."
        )
    if w.dtype.kind not in "biuf":
        raise ValueError(f"weight must hold real numbers, but its dtype is {w.dtype}.")
    return w.astype(dtype, copy=False)


def _index_shape(x: np.ndarray) -> tuple[int, ...]:
    """The shape a class-index target needs for this input."""
    return () if x.ndim == 1 else (x.shape[0], *x.shape[2:])


def _check_prob_target(t: np.ndarray, x: np.ndarray, ignore: int) -> np.ndarray:
    if t.dtype.kind != "f":
        raise ValueError(
            f"target has the input's shape {x.shape}, so it is read as class probabilities, "
            f"which must be floating point, but its dtype is {t.dtype}. "
            f"Class indices need shape {_index_shape(x)}."
        )
    if ignore >= 0:
        raise ValueError(
            f"ignore_index={ignore} cannot be used with probability targets: PyTorch only "
            "supports ignore_index with class-index targets (leave it at -100)."
        )
    return t.astype(x.dtype, copy=False)


def _check_index_target(t: np.ndarray, x: np.ndarray, loss: str, eps: float) -> np.ndarray:
    """Return the class-index target as int64, or raise."""
    expected = _index_shape(x)
    if t.dtype.kind not in "iu":
        alt = ""
        if loss == "cross_entropy":
            alt = f" (probabilities would need the input's shape {x.shape})"
        raise ValueError(
            f"target of shape {t.shape} is read as class indices{alt}, so it must hold "
            f"integers, but its dtype is {t.dtype}."
        )
    if x.ndim == 1:
        # PyTorch also takes a 1-element target for a 1-D input, except with smoothing.
        if t.shape == (1,) and eps > 0.0:
            raise ValueError(
                "With label_smoothing, a 1-D input needs its target as a single "
                "number (shape ()), not shape (1,): PyTorch fails on that combination."
            )
        if t.shape not in ((), (1,)):
            raise ValueError(
                f"A 1-D input of shape {x.shape} is one sample, so target must be one "
                f"class index (shape ()), but target has shape {t.shape}."
            )
    elif t.shape != expected:
        if t.ndim == 0 or t.shape[0] != x.shape[0]:
            got = "a single number" if t.ndim == 0 else f"batch size {t.shape[0]}"
            raise ValueError(
                f"input has batch size {x.shape[0]} (shape {x.shape}) but target has "
                f"{got} (shape {t.shape}); target needs shape {expected}."
            )
        per = "row" if x.ndim == 2 else "position"
        raise ValueError(
            f"For input of shape {x.shape}, target needs shape {expected} (one class index "
            f"per {per}), but it has shape {t.shape}."
        )
    return t.astype(np.int64, copy=False)


def _check_bounds(
    t: np.ndarray, ignored: np.ndarray, n_ignored: int, n_classes: int, ignore: int, ndim: int
) -> None:
    # Viewed as unsigned, negative indices become huge, so one comparison finds both ends.
    bad = t.view(np.uint64) >= n_classes
    if n_ignored:
        bad &= ~ignored
    if not bad.any():
        return
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    value = int(t[where])
    if ndim == 1:
        place = "the target is"
    elif ndim == 2:
        place = f"row {where[0]} has target"
    else:
        place = f"position {where} has target"
    valid = f"0..{n_classes - 1}, or " if n_classes else "only "
    raise ValueError(
        f"Target {value} is out of bounds: {place} {value} but there are {n_classes} "
        f"classes (valid: {valid}ignore_index {ignore})."
    )
