"""The computation of one grid row, step by step, for the pipeline view.

Qt-free: turns the current Document, its Evaluation and a row index into a
list of :class:`Step` (a row of per-class numbers or one scalar, with its
formula). CE / NLL read ``evaluation.parts``; the other losses call the core
loss on the one row with ``reduction='none'`` so every number shown is one
the loss itself produced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossgui.core.activations import cast, log_softmax, sigmoid, softplus
from lossgui.core.categorical import CrossEntropyParts, cross_entropy_parts, nll_loss_parts
from lossgui.core.evaluate import Evaluation, loss_kwargs, prepare_inputs, to_grid
from lossgui.document import Document

__all__ = ["Step", "pipeline_steps"]


@dataclass(frozen=True)
class Step:
    """One line of the pipeline.

    Attributes
    ----------
    name : str
        What the line is ("softmax p").
    formula : str
        How it is computed, in words or symbols.
    values : ndarray, shape (C,), or None
        Per-class numbers; None for a scalar line.
    scalar : str
        The scalar, already formatted, for a scalar line.
    highlight : int or None
        A class column to emphasise (the target class).
    """

    name: str
    formula: str
    values: np.ndarray | None = None
    scalar: str = ""
    highlight: int | None = None


def _g(value: float) -> str:
    return f"{float(value):.6g}"


def _row_of(array: np.ndarray, row: int) -> np.ndarray:
    grid = to_grid(np.asarray(array)) if np.ndim(array) >= 2 else np.reshape(array, (1, -1))
    return np.asarray(grid[row], dtype=np.float64)


def _position(array: np.ndarray, row: int) -> float:
    return float(np.asarray(array).reshape(-1)[row])


def _reduction_steps(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    share = evaluation.row_share[row]
    steps = [
        Step("row loss l", "this row's term of the numerator", scalar=_g(evaluation.row_loss[row]))
    ]
    if np.isfinite(share):
        steps.append(Step("share", "l / Σ l", scalar=f"{100 * share:.3g} %"))
    steps.append(Step("reduction", evaluation.reduction, scalar=evaluation.explanation))
    return steps


def _row_parts(doc: Document, row: int) -> CrossEntropyParts:
    """CE / NLL parts of grid row ``row`` alone: large evaluations keep none.

    The per-row entries (probabilities, picked value, weight, loss) do not
    depend on the other rows; the reduction's numbers come from the evaluation.
    """
    x, t, kwargs = _row_inputs(doc, row)
    make = cross_entropy_parts if doc.loss == "cross_entropy" else nll_loss_parts
    return make(x, t, **kwargs)


def _categorical(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    parts = evaluation.parts
    if parts is None:
        parts, part_row = _row_parts(doc, row), 0
    else:
        part_row = row
    x = cast(doc.grid_logits()[row], np.dtype(doc.dtype))
    y = int(doc.grid_target()[row])
    valid = 0 <= y < doc.classes
    target = y if valid else None
    steps = [Step("x", "the grid's row", x)]
    if doc.loss == "cross_entropy" or doc.transform == "log_softmax":
        shifted = x - x.max()
        steps += [
            Step("x − max x", "shift for stability (no overflow in exp)", shifted),
            Step("exp(x − max x)", f"Σ = {_g(np.exp(shifted).sum())}", np.exp(shifted)),
            Step("softmax p", "exp / Σ exp", _row_of(parts.probs, part_row), highlight=target),
            Step(
                "log p",
                "x − max x − log Σ exp",
                _row_of(parts.log_probs, part_row),
                highlight=target,
            ),
        ]
    else:
        steps.append(
            Step(
                "log p (as given)",
                "nll_loss trusts its input to be log-probabilities",
                _row_of(parts.log_probs, part_row),
                highlight=target,
            )
        )
    ignored = bool(np.asarray(parts.ignored).reshape(-1)[part_row])
    steps.append(
        Step(
            "target y",
            "ignored: contributes 0 and leaves the denominator" if ignored else "class index",
            scalar=str(y),
        )
    )
    if not ignored:
        steps += [
            Step("log p[y]", "picked entry", scalar=_g(_position(parts.picked, part_row))),
            Step(
                "w[y]",
                "class weight (1 without weight)",
                scalar=_g(_position(parts.weights, part_row)),
            ),
            Step("nll", "−w[y] · log p[y]", scalar=_g(_position(parts.nll, part_row))),
        ]
        eps = parts.label_smoothing
        if eps > 0:
            steps += [
                Step(
                    "S",
                    "−Σ_c w_c log p_c (smoothing term)",
                    scalar=_g(_position(parts.smooth, part_row)),
                ),
                Step(
                    "l",
                    f"(1 − ε)·nll + ε/C·S, ε = {eps:g}",
                    scalar=_g(_position(parts.losses, part_row)),
                ),
            ]
    return steps + _reduction_steps(doc, evaluation, row)


def _row_inputs(doc: Document, row: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """The row as the loss sees it (transform applied, dtype cast), its target, kwargs."""
    spec = doc.spec
    logits = np.asarray(doc.grid_logits()[row : row + 1])
    target = np.asarray(doc.grid_target()[row : row + 1])
    x, t = prepare_inputs(spec, logits, target, doc.transform, doc.dtype)
    kwargs = loss_kwargs(spec, doc.options, np.dtype(doc.dtype))
    kwargs["reduction"] = "none"
    return x, t, kwargs


def _soft_categorical(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    """Cross entropy with a probability target, and kl_div."""
    x, q, kwargs = _row_inputs(doc, row)
    raw = cast(doc.grid_logits()[row], np.dtype(doc.dtype))
    steps = [Step("x", "the grid's row", raw)]
    if doc.loss == "cross_entropy":
        lp = log_softmax(x, dim=1)[0]
        eps = float(kwargs.get("label_smoothing", 0.0))
        qs = q[0] * (1 - eps) + eps / doc.classes
        w = kwargs.get("weight")
        terms = -(qs * lp) * (1.0 if w is None else w)
        steps += [
            Step("softmax p", "exp(x − max) / Σ", np.exp(lp)),
            Step("log p", "log_softmax(x)", lp),
            Step("q", "target probabilities" + (f", smoothed with ε = {eps:g}" if eps else ""), qs),
            Step("−w·q·log p", "per class; the row loss is their sum", terms),
        ]
    else:
        if doc.transform == "log_softmax":
            steps.append(Step("input = log_softmax(x)", "log-probabilities", x[0]))
        else:
            steps.append(Step("input (as given)", "kl_div trusts it to be log-probabilities", x[0]))
        what = "target given as log-probabilities" if kwargs.get("log_target") else "target p"
        pointwise = np.asarray(doc.spec.fn(x, q, **kwargs))[0]
        steps += [
            Step("target", what, q[0]),
            Step("pointwise", "t·(log t − input), 0 where t = 0", pointwise),
        ]
    return steps + _reduction_steps(doc, evaluation, row)


def _binary(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    x, y, kwargs = _row_inputs(doc, row)
    raw = cast(doc.grid_logits()[row], np.dtype(doc.dtype))
    steps = [Step("x", "the grid's row", raw)]
    if doc.loss == "binary_cross_entropy":
        if doc.transform == "sigmoid":
            steps.append(Step("p = sigmoid(x)", "1 / (1 + exp(−x))", x[0]))
        else:
            steps.append(Step("p (as given)", "BCELoss takes probabilities", x[0]))
    else:
        steps.append(Step("sigmoid(x)", "1 / (1 + exp(−x))", sigmoid(raw)))
    steps.append(Step("y", "per-cell target", y[0]))
    for name in ("weight", "pos_weight"):
        if kwargs.get(name) is not None:
            steps.append(Step(name, "per class, broadcast over rows", np.asarray(kwargs[name])))
    if doc.loss == "sigmoid_focal_loss":
        p = sigmoid(raw)
        p_t = p * y[0] + (1 - p) * (1 - y[0])
        gamma = float(kwargs["gamma"])
        steps.append(Step("p_t", "p·y + (1 − p)(1 − y)", p_t))
        steps.append(Step(f"(1 − p_t)^{gamma:g}", "focusing factor", (1 - p_t) ** gamma))
    if doc.loss == "multilabel_soft_margin_loss":
        w = kwargs.get("weight")
        cells = y[0] * softplus(-raw) + (1 - y[0]) * softplus(raw)
        cells = cells * (1.0 if w is None else w) / doc.classes
        steps.append(Step("term", "w·[y·softplus(−x) + (1 − y)·softplus(x)] / C", cells))
    else:
        formula = {
            "binary_cross_entropy": "−w[y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)]",
            "binary_cross_entropy_with_logits": "w[(1 − y)x + (1 + (pw − 1)y)·softplus(−x)]",
            "sigmoid_focal_loss": "α_t · (1 − p_t)^γ · BCE-with-logits",
        }[doc.loss]
        steps.append(Step("term", formula, np.asarray(doc.spec.fn(x, y, **kwargs))[0]))
    return steps + _reduction_steps(doc, evaluation, row)


def _cosine(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    x1 = np.asarray(doc.grid_logits()[row], dtype=np.float64)
    assert doc.input2 is not None
    x2 = np.asarray(doc.input2[row], dtype=np.float64)
    dot = float(x1 @ x2)
    n1, n2 = float(x1 @ x1), float(x2 @ x2)
    cos = dot / np.sqrt((n1 + 1e-12) * (n2 + 1e-12))
    y = int(doc.grid_target()[row])
    margin = float(doc.option("margin"))
    rule = {1: "1 − cos", -1: f"max(0, cos − margin), margin = {margin:g}"}.get(y, "0 (y not ±1)")
    steps = [
        Step("x1", "input1 row", x1),
        Step("x2", "input2 row", x2),
        Step("x1·x2", "dot product", scalar=_g(dot)),
        Step("|x1|², |x2|²", "squared norms", scalar=f"{_g(n1)}, {_g(n2)}"),
        Step("cos", "x1·x2 / sqrt((|x1|² + 1e-12)(|x2|² + 1e-12))", scalar=_g(cos)),
        Step("y", rule, scalar=f"{y:+d}"),
    ]
    return steps + _reduction_steps(doc, evaluation, row)


def _multi_margin(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    x = np.asarray(doc.grid_logits()[row], dtype=np.float64)
    y = int(doc.grid_target()[row])
    margin, p = float(doc.option("margin")), int(doc.option("p"))
    weight = doc.option("weight")
    w_y = 1.0 if weight is None or not 0 <= y < doc.classes else float(weight[y])
    steps = [
        Step("x", "the grid's row", x, highlight=y),
        Step("target y", "class index", scalar=str(y)),
    ]
    if 0 <= y < doc.classes:
        hinge = np.maximum(0.0, margin - x[y] + x)
        hinge[y] = 0.0
        steps += [
            Step(
                "max(0, margin − x_y + x_i)", f"margin = {margin:g}; 0 at i = y", hinge, highlight=y
            ),
            Step(
                f"w[y]·hinge^{p} / C", f"w[y] = {w_y:g}", w_y * hinge**p / doc.classes, highlight=y
            ),
        ]
    return steps + _reduction_steps(doc, evaluation, row)


def pipeline_steps(doc: Document, evaluation: Evaluation, row: int) -> list[Step]:
    """The steps from the grid's row ``row`` to the reduced loss.

    Parameters
    ----------
    doc : Document
        The current Document (the one ``evaluation`` was computed from).
    evaluation : Evaluation
    row : int
        Grid row in [0, doc.rows).
    """
    # Extreme numbers make these steps inf or NaN exactly where the loss is: show
    # them as such (the loss's own value says the same), never as a warning.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if evaluation.parts is not None or (
            doc.loss in ("cross_entropy", "nll_loss") and doc.target_kind == "index"
        ):
            return _categorical(doc, evaluation, row)
        if doc.loss in ("cross_entropy", "kl_div"):
            return _soft_categorical(doc, evaluation, row)
        if doc.loss == "cosine_embedding_loss":
            return _cosine(doc, evaluation, row)
        if doc.loss == "multi_margin_loss":
            return _multi_margin(doc, evaluation, row)
        return _binary(doc, evaluation, row)
