"""``cross_entropy`` and ``nll_loss`` exactly as ``torch.nn.functional`` computes them.

Each loss comes three ways, all taking PyTorch's arguments:

- ``cross_entropy`` / ``nll_loss``: the value, as PyTorch returns it;
- ``cross_entropy_grad`` / ``nll_loss_grad``: d(value)/d(input) (for
  ``reduction='none'`` the gradient of the sum of the per-position losses);
- ``cross_entropy_parts`` / ``nll_loss_parts``: a :class:`CrossEntropyParts` with
  every intermediate array the app draws.

Small inputs take a direct NumPy path that builds the parts; inputs of at least
:data:`FAST_PATH_MIN_SIZE` elements go through :mod:`categorical_fast`, which
never forms full-size temporaries. Both give the same results (tested). The
rules PyTorch applies (weighted 'mean' denominator, ignore_index, smoothing,
probability targets, rejections) live in :mod:`categorical_args`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from lossgui.core import categorical_fast
from lossgui.core.activations import log_softmax
from lossgui.core.categorical_args import CategoricalArgs, parse_args
from lossgui.core.reduction import reduce_parts

__all__ = [
    "FAST_PATH_MIN_SIZE",
    "CrossEntropyParts",
    "cross_entropy",
    "cross_entropy_grad",
    "cross_entropy_parts",
    "nll_loss",
    "nll_loss_grad",
    "nll_loss_parts",
]

# Input elements from which the chunked, threaded path is used. Below about a
# million elements thread start-up and per-block overhead outweigh the saving.
FAST_PATH_MIN_SIZE = 1 << 20


@dataclass(frozen=True)
class CrossEntropyParts:
    """One ``cross_entropy`` / ``nll_loss`` evaluation with its intermediate arrays.

    Shapes: "input" is the input's shape ((C,), (N, C) or (N, C, d1, ..., dk));
    "positions" is the shape ``reduction='none'`` returns: the input's shape
    without the class axis ((), (N,) or (N, d1, ..., dk)). Arrays have the
    input's float dtype unless stated.

    Attributes
    ----------
    log_probs : ndarray, input
        ``log_softmax`` over the classes; for ``nll_loss`` the input as given.
    probs : ndarray, input
        ``softmax`` over the classes; for ``nll_loss`` ``exp(input)``.
    picked : ndarray, positions
        Class-index targets: the log-probability at the target class, 0 where
        ignored. Probability targets: ``sum_c q'_c log_probs_c``, the expected
        log-probability under the (smoothed) target ``q'``.
    weights : ndarray, positions
        Class-index targets: ``weight[y]`` (1 without ``weight``), 0 where
        ignored. Probability targets: ``sum_c weight_c q'_c``.
    ignored : ndarray of bool, positions
        Where the target equals ``ignore_index`` (all False for probabilities).
    nll : ndarray, positions
        The unsmoothed term ``-weight[y] * picked``, 0 where ignored. For
        probability targets the whole loss ``-sum_c weight_c q'_c log_probs_c``.
    smooth : ndarray, positions
        The smoothing term ``S = -sum_c weight_c log_probs_c``, 0 where ignored;
        zeros without smoothing and for probability targets (whose smoothing is
        already inside ``q'``).
    losses : ndarray, positions
        Per-position losses ``(1 - eps) * nll + (eps / C) * smooth``: what
        ``reduction='none'`` returns.
    numerator : float
        Sum of ``losses`` (NaN under 'none').
    denominator : float
        What 'mean' divides by: the sum of ``weights`` over non-ignored
        positions for class indices, N * d1 * ... * dk for probabilities. 1.0
        under 'sum', NaN under 'none'.
    value : ndarray
        What the loss function returns: 0-d under 'mean' / 'sum', ``losses``
        under 'none'.
    reduction : str
    label_smoothing : float
        The smoothing applied (PyTorch treats negative values and NaN as 0.0).
    """

    log_probs: np.ndarray
    probs: np.ndarray
    picked: np.ndarray
    weights: np.ndarray
    ignored: np.ndarray
    nll: np.ndarray
    smooth: np.ndarray
    losses: np.ndarray
    numerator: float
    denominator: float
    value: np.ndarray
    reduction: str
    label_smoothing: float


def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """``torch.nn.functional.cross_entropy`` in NumPy.

    Parameters
    ----------
    input : array_like, shape (C,), (N, C) or (N, C, d1, ..., dk)
        Logits, classes on axis 1 (axis 0 for 1-D). Float32 stays float32,
        float64 stays float64; integers and lists become float64.
    target : array_like
        Class indices, integer dtype, shape (), (N,) or (N, d1, ..., dk); or
        class probabilities, float, the input's shape.
    weight : array_like, shape (C,), optional
        Per-class weights.
    ignore_index : int
        Class-index target value that contributes nothing (and is left out of
        the 'mean' denominator). Must be negative with probability targets.
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float, at most 1.0
        Mixes the target with the uniform distribution.

    Returns
    -------
    ndarray
        0-d for 'mean' / 'sum'; per-position losses of shape (), (N,) or
        (N, d1, ..., dk) for 'none'. The input's float dtype.

    Raises
    ------
    ValueError
        Where PyTorch rejects the arguments; the message says what and where.
    """
    args = parse_args(
        input, target, weight, ignore_index, reduction, label_smoothing, loss="cross_entropy"
    )
    if not _use_fast_path(args):
        return _cross_entropy_parts(args).value
    total, losses, _ = categorical_fast.chunked_cross_entropy(
        args, want_value=True, want_grad=False
    )
    if losses is not None:
        return losses.reshape(args.out_shape)
    with np.errstate(all="ignore"):  # 0 / 0 is PyTorch's NaN for an all-ignored mean
        value = np.float64(total) / args.denominator if reduction == "mean" else total
    return np.asarray(value, dtype=args.input.dtype)


def cross_entropy_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to ``input``.

    Same arguments as :func:`cross_entropy`. For class indices the gradient is
    ``(w[y] (1 - eps) (p - onehot(y)) + (eps / C) (W p - w)) / D`` per position
    (``W = sum(w)``, ``D`` the 'mean' denominator, 1 otherwise), 0 where
    ignored; for probabilities ``(p * sum_c w_c q'_c - w q') / D``.

    Returns
    -------
    ndarray
        The input's shape and float dtype. For 'none', the gradient of the sum
        of the per-position losses.
    """
    args = parse_args(
        input, target, weight, ignore_index, reduction, label_smoothing, loss="cross_entropy"
    )
    if _use_fast_path(args):
        _, _, grad = categorical_fast.chunked_cross_entropy(args, want_value=False, want_grad=True)
    else:
        with np.errstate(all="ignore"):
            grad = _cross_entropy_grad_direct(args)
    assert grad is not None
    return grad.reshape(args.input_shape)


def cross_entropy_parts(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> CrossEntropyParts:
    """:func:`cross_entropy` with its intermediate arrays; see :class:`CrossEntropyParts`."""
    args = parse_args(
        input, target, weight, ignore_index, reduction, label_smoothing, loss="cross_entropy"
    )
    return _cross_entropy_parts(args)


def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    """``torch.nn.functional.nll_loss`` in NumPy.

    ``input`` is taken as log-probabilities as given (nothing is normalised:
    ``nll_loss([[2, 3, 1], [3, 7, 9]], [1, 2])`` is -6). Arguments, shapes and
    dtypes as :func:`cross_entropy` with class-index targets only.
    """
    args = parse_args(input, target, weight, ignore_index, reduction, 0.0, loss="nll_loss")
    with np.errstate(all="ignore"):
        losses = _index_losses(args, _picked(args, args.input), None)
    return reduce_parts(losses.reshape(args.out_shape), reduction, args.denominator).value


def nll_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    """Gradient of :func:`nll_loss`: ``-w[y] / D`` at each target entry, 0 elsewhere.

    Returns
    -------
    ndarray
        The input's shape and float dtype.
    """
    args = parse_args(input, target, weight, ignore_index, reduction, 0.0, loss="nll_loss")
    assert args.classes is not None
    grad = np.zeros_like(args.input)
    if args.n_classes == 0:
        return grad.reshape(args.input_shape)
    _, coef_b, _ = args.index_grad_coefficients()
    # 0 - b rather than -b: +0 where ignored, as PyTorch.
    np.put_along_axis(grad, args.classes[:, np.newaxis], 0.0 - coef_b[:, np.newaxis], axis=1)
    return grad.reshape(args.input_shape)


def nll_loss_parts(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> CrossEntropyParts:
    """:func:`nll_loss` with its intermediate arrays (``log_probs`` is the input as given)."""
    args = parse_args(input, target, weight, ignore_index, reduction, 0.0, loss="nll_loss")
    with np.errstate(all="ignore"):
        return _index_parts(args, args.input, np.exp(args.input), smooth=None)


def _use_fast_path(args: CategoricalArgs) -> bool:
    return args.input.size >= max(FAST_PATH_MIN_SIZE, 1)


def _picked(args: CategoricalArgs, log_probs: np.ndarray) -> np.ndarray:
    """``log_probs`` at each position's target class, 0 where ignored; shape ``positions``."""
    assert args.classes is not None
    if args.n_classes == 0:  # then every position is ignored (any class would be out of bounds)
        return np.zeros(args.positions, log_probs.dtype)
    index = args.classes[:, np.newaxis]
    picked = np.take_along_axis(log_probs, index, axis=1)[:, 0]
    if args.n_ignored:
        picked[args.ignored] = 0  # whatever the input holds there (even NaN)
    return picked


def _index_losses(
    args: CategoricalArgs, picked: np.ndarray, smooth: np.ndarray | None
) -> np.ndarray:
    """Per-position ``(1 - eps) * nll + (eps / C) * smooth`` with ``nll = -w[y] * picked``.

    ``nll`` is set to +0 where ignored (as PyTorch, not -0 or NaN); ``smooth``
    comes in already 0 there, so the sum is +0 too.
    """
    assert args.pos_weight is not None
    nll = args.pos_weight * -picked
    if args.n_ignored:
        nll[args.ignored] = 0
    if smooth is None:
        return nll
    return (1.0 - args.label_smoothing) * nll + args.smoothing_scale * smooth


def _index_parts(
    args: CategoricalArgs, log_probs: np.ndarray, probs: np.ndarray, smooth: np.ndarray | None
) -> CrossEntropyParts:
    """Parts for class-index targets, in the working (N, C, ...) layout, then reshaped."""
    assert args.pos_weight is not None
    picked = _picked(args, log_probs)
    nll = _index_losses(args, picked, None)
    losses = nll if smooth is None else _index_losses(args, picked, smooth)
    return _assemble(
        args,
        log_probs=log_probs,
        probs=probs,
        picked=picked,
        weights=args.pos_weight,
        nll=nll,
        smooth=np.zeros_like(nll) if smooth is None else smooth,
        losses=losses,
    )


def _log_softmax(args: CategoricalArgs) -> np.ndarray:
    """``log_softmax`` over axis 1; an input with no classes has nothing to normalise."""
    if args.n_classes == 0:  # activations.log_softmax cannot take the max of nothing
        return args.input.copy()
    return log_softmax(args.input, dim=1)


def _cross_entropy_parts(args: CategoricalArgs) -> CrossEntropyParts:
    with np.errstate(all="ignore"):
        log_probs = _log_softmax(args)
        probs = np.exp(log_probs)
        if args.prob_target is not None:
            wq = _weighted_target(args)
            q_smoothed = wq if args.weight is None else _smoothed_target(args)
            nll = -np.sum(wq * log_probs, axis=1)
            return _assemble(
                args,
                log_probs=log_probs,
                probs=probs,
                picked=np.sum(q_smoothed * log_probs, axis=1),
                weights=np.sum(wq, axis=1),
                nll=nll,
                smooth=np.zeros_like(nll),
                losses=nll,
            )
        smooth = None
        if args.label_smoothing > 0.0:
            weighted = (
                log_probs if args.weight is None else log_probs * args.along_classes(args.weight)
            )
            smooth = -np.sum(weighted, axis=1)
            if args.n_ignored:
                smooth[args.ignored] = 0
        return _index_parts(args, log_probs, probs, smooth)


def _smoothed_target(args: CategoricalArgs) -> np.ndarray:
    """``q' = q (1 - eps) + eps / C``, the probability target PyTorch uses."""
    assert args.prob_target is not None
    eps = args.label_smoothing
    if eps > 0.0:
        return args.prob_target * (1.0 - eps) + args.smoothing_scale
    return args.prob_target


def _weighted_target(args: CategoricalArgs) -> np.ndarray:
    """``w_c q'_c``, input's working shape."""
    q = _smoothed_target(args)
    return q if args.weight is None else q * args.along_classes(args.weight)


def _cross_entropy_grad_direct(args: CategoricalArgs) -> np.ndarray:
    """The gradient on the whole array at once (small inputs), working layout."""
    if args.n_classes == 0:
        return np.zeros_like(args.input)
    probs = np.exp(_log_softmax(args))
    if args.prob_target is not None:
        wq = _weighted_target(args)
        scale = args.grad_scale
        return (probs * np.sum(wq, axis=1, keepdims=True) - wq) * scale
    assert args.classes is not None
    coef_a, coef_b, coef_e = args.index_grad_coefficients()
    grad = probs * coef_a[:, np.newaxis]
    index = args.classes[:, np.newaxis]
    at_target = np.take_along_axis(grad, index, axis=1) - coef_b[:, np.newaxis]
    np.put_along_axis(grad, index, at_target, axis=1)
    if coef_e is not None:
        w = np.ones(args.n_classes, grad.dtype) if args.weight is None else args.weight
        grad -= coef_e[:, np.newaxis] * args.along_classes(w)
    return grad


def _assemble(args: CategoricalArgs, **arrays: np.ndarray) -> CrossEntropyParts:
    """Reduce, reshape from the working layout to the user's, and package."""
    input_shaped = ("log_probs", "probs")
    shaped = {
        name: a.reshape(args.input_shape if name in input_shaped else args.out_shape)
        for name, a in arrays.items()
    }
    reduced = reduce_parts(shaped["losses"], args.reduction, args.denominator)
    return CrossEntropyParts(
        ignored=args.ignored.reshape(args.out_shape),
        numerator=reduced.numerator,
        denominator=reduced.denominator,
        value=reduced.value,
        reduction=args.reduction,
        label_smoothing=args.label_smoothing,
        **shaped,
    )
