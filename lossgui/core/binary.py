"""Per-cell (sigmoid) losses: BCE on probabilities, BCE with logits, focal, multilabel.

Each loss follows ``torch.nn.functional`` (``torchvision.ops`` for the focal
loss) to the corners: the -100 clamp of BCE's log, the stable logits form, how
``weight`` and ``pos_weight`` broadcast. Each ``*_grad`` twin returns what
PyTorch's autograd returns for ``input``; for 'none' that is the gradient of the
sum of the per-element losses.

Dtypes: the input's float dtype (float64 for ints and lists) is the dtype of
the result; target and weights are cast to it. PyTorch instead rejects some
mixed dtypes; an array-based app has no use for that distinction.

Each public function runs under ``np.errstate(all="ignore")``: like PyTorch,
the losses answer non-finite or overflowing inputs with IEEE inf / NaN rather
than a warning (BCE's log(0) = -inf is even part of its definition, clamped to
-100). Invalid arguments raise ValueError.

Shape helpers shared with the other loss modules live in ``shapes.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossgui.core.activations import as_float_array, log_sigmoid, sigmoid
from lossgui.core.reduction import check_reduction, reduce
from lossgui.core.shapes import (
    broadcast_shape,
    fitted,
    locate,
    mean_scale,
    same_dtype,
    sum_to_shape,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "multilabel_soft_margin_loss",
    "multilabel_soft_margin_loss_grad",
    "sigmoid_focal_loss",
    "sigmoid_focal_loss_grad",
]

# Floor of x (1 - x) in PyTorch's BCE backward: EPSILON in ATen's Loss.cpp, a
# float32 1e-12, so 9.99999996e-13 even in float64 (the -1e12 gradient at x = 0
# is really -1.000000004e12).
_BCE_GRAD_EPS = float(np.float32(1e-12))


def _checked(
    loss: str,
    input: ArrayLike,
    target: ArrayLike,
    reduction: str,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Input, target, weight and pos_weight of the per-cell losses, checked and cast."""
    check_reduction(reduction)
    x = as_float_array(input)
    y = same_dtype(target, x.dtype)
    if y.shape != x.shape:
        raise ValueError(
            f"{loss}: target has shape {y.shape} but input has shape {x.shape}; "
            "they must be the same (this loss does not broadcast its target)"
        )
    w = None if weight is None else fitted(weight, x.shape, "weight", x.dtype)
    pw = None if pos_weight is None else fitted(pos_weight, x.shape, "pos_weight", x.dtype)
    return x, y, w, pw


# --- binary_cross_entropy -----------------------------------------------------


def _bce_checked(
    input: ArrayLike, target: ArrayLike, weight: ArrayLike | None, reduction: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x, y, w, _ = _checked("binary_cross_entropy", input, target, reduction, weight)
    # Written as "not inside" so that NaN is rejected too, as PyTorch does.
    bad = ~((x >= 0) & (x <= 1))
    if bad.any():
        raise ValueError(
            f"input must be probabilities in [0, 1]: {locate(bad)} is {x[bad][0]:g} — "
            "apply Sigmoid first, or use binary_cross_entropy_with_logits"
        )
    bad = ~((y >= 0) & (y <= 1))
    if bad.any():
        raise ValueError(
            f"target must be in [0, 1] for binary_cross_entropy: {locate(bad)} is {y[bad][0]:g}"
        )
    return x, y, w


@np.errstate(all="ignore")
def binary_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """``-w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]``, as PyTorch.

    Parameters
    ----------
    input : array_like, any shape
        Probabilities in [0, 1] (NaN and values outside are rejected).
    target : array_like, input's shape
        Labels or probabilities in [0, 1].
    weight : array_like, optional
        Broadcasts elementwise to the input's shape (it may not enlarge it).
    reduction : {'none', 'mean', 'sum'}
        'mean' is the plain mean over all elements, weighted or not.

    Returns
    -------
    ndarray
        Input's float dtype; input's shape for 'none', else 0-d.

    Notes
    -----
    The clamp makes BCE of ``sigmoid(z)`` level off at 100 once ``sigmoid(z)``
    underflows, while ``binary_cross_entropy_with_logits`` keeps growing.
    """
    x, y, w = _bce_checked(input, target, weight, reduction)
    log_x = np.maximum(np.log(x), -100)
    log_1mx = np.maximum(np.log1p(-x), -100)
    loss = (y - 1) * log_1mx - y * log_x
    if w is not None:
        loss = loss * w
    return reduce(np.asarray(loss, dtype=x.dtype), reduction)


@np.errstate(all="ignore")
def binary_cross_entropy_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy` as PyTorch's backward computes it.

    PyTorch does not differentiate the clamped forward: its backward is
    ``w (x - y) / max(x (1 - x), 1e-12)`` (divided by the element count under
    'mean'), so at x = 0 with y = 1 the gradient is -1e12, not 0 as the flat
    clamped forward would suggest. This function returns PyTorch's value.

    Returns
    -------
    ndarray
        Input's shape and float dtype.
    """
    x, y, w = _bce_checked(input, target, weight, reduction)
    grad = (x - y) / np.maximum((1 - x) * x, _BCE_GRAD_EPS)
    if w is not None:
        grad = grad * w
    return np.asarray(grad * mean_scale(reduction, x.size), dtype=x.dtype)


# --- binary_cross_entropy_with_logits -----------------------------------------

_BCEL = "binary_cross_entropy_with_logits"


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> np.ndarray:
    """``w [(1 - y) x - (1 + (pw - 1) y) log sigmoid(x)]``, stable for any logit.

    Parameters
    ----------
    input : array_like, any shape
        Logits.
    target : array_like, input's shape
        Any real numbers (PyTorch does not restrict them; 0/1 or probabilities make sense).
    weight : array_like, optional
        Broadcasts elementwise to the input's shape (it may not enlarge it).
    reduction : {'none', 'mean', 'sum'}
        'mean' is over all elements.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast from the last dimension like any
        NumPy operand (shape (C,) is one per class); not normalised.

    Returns
    -------
    ndarray
        Input's float dtype; input's shape for 'none', else 0-d.
    """
    x, y, w, pw = _checked(_BCEL, input, target, reduction, weight, pos_weight)
    return reduce(np.asarray(_bcel_elements(x, y, w, pw), dtype=x.dtype), reduction)


def _bcel_elements(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None, pw: np.ndarray | None
) -> np.ndarray:
    log_sig = log_sigmoid(x)
    if pw is not None:
        log_sig = log_sig * ((pw - 1) * y + 1)
    loss = (1 - y) * x - log_sig
    return loss if w is None else loss * w


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy_with_logits`:
    ``w [(1 + (pw - 1) y) sigmoid(x) - pw y]`` (over the element count for 'mean').

    Returns
    -------
    ndarray
        Input's shape and float dtype.
    """
    x, y, w, pw = _checked(_BCEL, input, target, reduction, weight, pos_weight)
    if pw is None:
        grad = sigmoid(x) - y
    else:
        t = pw * y
        grad = (t + 1 - y) * sigmoid(x) - t
    if w is not None:
        grad = grad * w
    return np.asarray(grad * mean_scale(reduction, x.size), dtype=x.dtype)


# --- sigmoid_focal_loss (torchvision.ops) --------------------------------------


def _focal_parts(
    inputs: ArrayLike, targets: ArrayLike, alpha: float, reduction: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | float]:
    x, y, _, _ = _checked("sigmoid_focal_loss", inputs, targets, reduction)
    p = sigmoid(x)
    ce = _bcel_elements(x, y, None, None)
    m = 1 - (p * y + (1 - p) * (1 - y))
    alpha_t = alpha * y + (1 - alpha) * (1 - y) if alpha >= 0 else 1.0
    return x, y, p, ce, m, alpha_t


@np.errstate(all="ignore")
def sigmoid_focal_loss(
    inputs: ArrayLike,
    targets: ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "none",
) -> np.ndarray:
    """torchvision's focal loss: ``alpha_t * ce * (1 - p_t) ** gamma``.

    ``p = sigmoid(x)``, ``ce`` is binary_cross_entropy_with_logits per element,
    ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``.

    Parameters
    ----------
    inputs : array_like, any shape
        Logits.
    targets : array_like, inputs' shape
        0/1 labels (other values are used as given).
    alpha : float
        Weight of the positives; a negative alpha disables the alpha_t factor.
    gamma : float
        Focusing exponent; 0 gives alpha-weighted BCE with logits.
    reduction : {'none', 'mean', 'sum'}
        Default 'none', as torchvision.

    Returns
    -------
    ndarray
        Inputs' float dtype; inputs' shape for 'none', else 0-d.
    """
    x, _, _, ce, m, alpha_t = _focal_parts(inputs, targets, alpha, reduction)
    loss = alpha_t * (ce * m**gamma)
    return reduce(np.asarray(loss, dtype=x.dtype), reduction)


@np.errstate(all="ignore")
def sigmoid_focal_loss_grad(
    inputs: ArrayLike,
    targets: ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "none",
) -> np.ndarray:
    """Gradient of :func:`sigmoid_focal_loss` with respect to ``inputs``, as autograd.

    ``alpha_t [(p - y) m^gamma + ce gamma m^(gamma - 1) (1 - 2y) p (1 - p)]``
    with ``m = 1 - p_t``. Where p_t rounds to 1 (a saturated logit on the right
    side) and gamma < 1, ``m^(gamma - 1)`` is inf and autograd returns NaN
    (inf times the sigmoid's zero slope); so does this function.

    Returns
    -------
    ndarray
        Inputs' shape and float dtype.
    """
    x, y, p, ce, m, alpha_t = _focal_parts(inputs, targets, alpha, reduction)
    g_ce = alpha_t * m**gamma
    # pow's backward skips gamma == 0, so 0 ** -1 never enters the chain there.
    g_m = np.zeros_like(x) if gamma == 0 else alpha_t * ce * (gamma * m ** (gamma - 1))
    # p_t = p y + (1 - p)(1 - y) and m = 1 - p_t, so dm/dp = 1 - 2y.
    grad = g_ce * (p - y) + g_m * (1 - 2 * y) * ((1 - p) * p)
    return np.asarray(grad * mean_scale(reduction, x.size), dtype=x.dtype)


# --- multilabel_soft_margin_loss -----------------------------------------------


def _multilabel_checked(
    input: ArrayLike, target: ArrayLike, weight: ArrayLike | None, reduction: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[int, ...]]:
    check_reduction(reduction)
    x = as_float_array(input)
    if x.ndim == 0:
        raise ValueError(
            "multilabel_soft_margin_loss needs an input with a class (last) dimension, "
            "got a single number"
        )
    y = same_dtype(target, x.dtype)
    named = [("input", x.shape), ("target", y.shape)]
    w = None
    if weight is not None:
        w = same_dtype(weight, x.dtype)
        named.append(("weight", w.shape))
    return x, y, w, broadcast_shape(*named)


@np.errstate(all="ignore")
def multilabel_soft_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """``-(1/C) sum_c w_c [y log sigmoid(x) + (1 - y) log sigmoid(-x)]``, then the reduction.

    Parameters
    ----------
    input : array_like, shape (C), (N, C) or (N, ..., C)
        Logits; the last dimension holds the C classes.
    target : array_like
        0/1 per cell; broadcasts against the input as in PyTorch.
    weight : array_like, optional
        Usually (C), one per class; broadcasts elementwise like the target.
    reduction : {'none', 'mean', 'sum'}
        Applied to the per-sample values (the class sum over C).

    Returns
    -------
    ndarray
        Input's float dtype; for 'none' the broadcast shape without the input's
        last axis (0-d for a (C) input), else 0-d.

    Notes
    -----
    As in PyTorch the class sum runs over axis ``input.ndim - 1`` of the
    broadcast loss, which is the last axis unless the target or weight added
    leading dimensions. C = 0 gives 0 / 0 = NaN, as in PyTorch.
    """
    x, y, w, _ = _multilabel_checked(input, target, weight, reduction)
    loss = -(y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    per_sample = loss.sum(axis=x.ndim - 1) / x.shape[-1]
    return reduce(np.asarray(per_sample, dtype=x.dtype), reduction)


@np.errstate(all="ignore")
def multilabel_soft_margin_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """Gradient of :func:`multilabel_soft_margin_loss` with respect to ``input``.

    Per cell ``w [(1 - y) sigmoid(x) - y sigmoid(-x)] / C``, which is
    ``w (sigmoid(x) - y) / C`` written as autograd evaluates it (so
    y = 1 at a large logit gives the tiny ``-sigmoid(-x)``, not 0), further
    divided by the number of samples under 'mean' and summed over any
    dimensions the target or weight broadcast the input along.

    Returns
    -------
    ndarray
        Input's shape and float dtype.
    """
    x, y, w, shape = _multilabel_checked(input, target, weight, reduction)
    grad = (1 - y) * sigmoid(x) - y * sigmoid(-x)
    if w is not None:
        grad = grad * w
    axis = x.ndim - 1
    samples = int(np.prod(shape[:axis] + shape[axis + 1 :]))
    # C = 0 leaves nothing to scale; skip the 1 / C that would divide by zero.
    per_class = 1 / x.shape[-1] if x.shape[-1] else 1.0
    grad = np.broadcast_to(grad, shape) * (mean_scale(reduction, samples) * per_class)
    return sum_to_shape(np.asarray(grad, dtype=x.dtype), x.shape)
