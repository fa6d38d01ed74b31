"""What each loss takes: its target form, its options and their defaults.

The app builds its loss selector, its options panel and its target column from
these specs, so adding a loss here is all the UI needs. Option names are the
``torch.nn.functional`` keywords, so a spec's options can be passed straight
to the loss function and printed into generated PyTorch code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lossgui.core import binary, categorical, divergence, embedding, margin

__all__ = [
    "LOSSES",
    "LossSpec",
    "OptionSpec",
    "TargetKind",
    "Transform",
    "get_spec",
]

TargetKind = Literal["index", "probability", "binary", "sign"]
"""How the target of a loss is given.

index: one class index per row (int64, shape (N,) or (N, d1, ..., dk)).
probability: one probability row per row (float, the input's shape).
binary: 0/1 or a probability per cell (float, the input's shape).
sign: +1 / -1 per row, with a second input of the first's shape (cosine).
"""

Transform = Literal["none", "log_softmax", "sigmoid"]
"""What is applied to the grid's numbers before the loss sees them."""

OptionKind = Literal["float", "int", "bool", "choice", "class_vector"]


@dataclass(frozen=True)
class OptionSpec:
    """One keyword argument of a loss, as the options panel shows it.

    Attributes
    ----------
    name : str
        The torch keyword (``weight``, ``ignore_index`` ...).
    kind : {'float', 'int', 'bool', 'choice', 'class_vector'}
        ``class_vector`` is a per-class float vector of length C, or None.
    default : Any
        PyTorch's default for this loss.
    label, tooltip : str
        What the UI shows.
    minimum, maximum : float or None
        Bounds the UI enforces before PyTorch would (e.g. smoothing in [0, 1]).
    choices : tuple of str
        The allowed values of a ``choice`` option.
    """

    name: str
    kind: OptionKind
    default: Any
    label: str
    tooltip: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class LossSpec:
    """A loss as the app knows it.

    Attributes
    ----------
    name : str
        ``torch.nn.functional`` name (``torchvision.ops`` for the focal loss).
    label : str
        Module-style name users know (``CrossEntropyLoss``).
    target_kinds : tuple of TargetKind
        Allowed target forms, the first is the default.
    transforms : tuple of Transform
        Choices for what is applied to the grid before the loss; first is default.
    options : tuple of OptionSpec
    fn, grad : callable
        The core loss and its gradient twin.
    summary : str
        One sentence for tooltips and the status bar.
    torch_module : str
        Where the PyTorch function lives, for generated code.
    spatial : bool
        Whether (N, C, d1, ..., dk) inputs are accepted (else only (N, C)).
    """

    name: str
    label: str
    target_kinds: tuple[TargetKind, ...]
    transforms: tuple[Transform, ...]
    options: tuple[OptionSpec, ...]
    fn: Callable[..., Any]
    grad: Callable[..., Any]
    summary: str
    torch_module: str = "torch.nn.functional"
    spatial: bool = True
    defaults: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", {o.name: o.default for o in self.options})

    def option(self, name: str) -> OptionSpec:
        """Return the spec of option ``name``; KeyError if this loss has none."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(f"{self.label} has no option {name!r}")

    @property
    def reductions(self) -> tuple[str, ...]:
        """The reduction names this loss accepts."""
        return self.option("reduction").choices


def _reduction(default: str = "mean", batchmean: bool = False) -> OptionSpec:
    choices = ("none", "mean", "sum") + (("batchmean",) if batchmean else ())
    return OptionSpec(
        "reduction",
        "choice",
        default,
        "Reduction",
        "How per-element losses are combined: 'mean' divides by PyTorch's denominator "
        "(the sum of target weights for weighted CE/NLL), 'sum' adds, 'none' keeps them all.",
        choices=choices,
    )


_WEIGHT = OptionSpec(
    "weight",
    "class_vector",
    None,
    "Class weights",
    "A weight per class (length C). For CE/NLL the 'mean' divides by the sum of the "
    "targets' weights, so the weighted mean is not the mean of the per-sample losses.",
    minimum=0.0,
)
_ELEMENT_WEIGHT = OptionSpec(
    "weight",
    "class_vector",
    None,
    "Weights",
    "A weight per class (last dimension), broadcast over the batch; 'mean' stays a plain mean.",
    minimum=0.0,
)
_IGNORE = OptionSpec(
    "ignore_index",
    "int",
    -100,
    "ignore_index",
    "Targets equal to this are skipped and leave the 'mean' denominator. It may be a valid "
    "class (that class still counts in the softmax).",
    minimum=-(2**31),
    maximum=2**31 - 1,
)

LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec(
            "cross_entropy",
            "CrossEntropyLoss",
            ("index", "probability"),
            ("none",),
            (
                _WEIGHT,
                _IGNORE,
                OptionSpec(
                    "label_smoothing",
                    "float",
                    0.0,
                    "Label smoothing",
                    "eps in [0, 1]: the target becomes (1 - eps) one-hot + eps / C.",
                    minimum=0.0,
                    maximum=1.0,
                ),
                _reduction(),
            ),
            categorical.cross_entropy,
            categorical.cross_entropy_grad,
            "LogSoftmax over the classes, then the negative log-likelihood of the target.",
        ),
        LossSpec(
            "nll_loss",
            "NLLLoss",
            ("index",),
            ("log_softmax", "none"),
            (_WEIGHT, _IGNORE, _reduction()),
            categorical.nll_loss,
            categorical.nll_loss_grad,
            "Picks -input[target]: feed it log-probabilities (LogSoftmax first).",
        ),
        LossSpec(
            "binary_cross_entropy",
            "BCELoss",
            ("binary",),
            ("sigmoid", "none"),
            (_ELEMENT_WEIGHT, _reduction()),
            binary.binary_cross_entropy,
            binary.binary_cross_entropy_grad,
            "Binary cross entropy on probabilities; its log is clamped at -100.",
        ),
        LossSpec(
            "binary_cross_entropy_with_logits",
            "BCEWithLogitsLoss",
            ("binary",),
            ("none",),
            (
                _ELEMENT_WEIGHT,
                OptionSpec(
                    "pos_weight",
                    "class_vector",
                    None,
                    "pos_weight",
                    "Weight of the positive term per class (last dimension); "
                    "negatives / positives balances a rare class.",
                    minimum=0.0,
                ),
                _reduction(),
            ),
            binary.binary_cross_entropy_with_logits,
            binary.binary_cross_entropy_with_logits_grad,
            "Sigmoid and binary cross entropy in one stable step; one label per cell "
            "(multi-label).",
        ),
        LossSpec(
            "sigmoid_focal_loss",
            "sigmoid_focal_loss",
            ("binary",),
            ("none",),
            (
                OptionSpec(
                    "alpha",
                    "float",
                    0.25,
                    "alpha",
                    "Weight of positives (1 - alpha for negatives); a negative value disables it.",
                    minimum=-1.0,
                    maximum=1.0,
                ),
                OptionSpec(
                    "gamma",
                    "float",
                    2.0,
                    "gamma",
                    "Focusing exponent on (1 - p_t); 0 gives alpha-weighted BCE with logits.",
                    minimum=0.0,
                    maximum=10.0,
                ),
                _reduction(default="none"),
            ),
            binary.sigmoid_focal_loss,
            binary.sigmoid_focal_loss_grad,
            "torchvision's focal loss: BCE with logits scaled by (1 - p_t)^gamma.",
            torch_module="torchvision.ops",
        ),
        LossSpec(
            "multilabel_soft_margin_loss",
            "MultiLabelSoftMarginLoss",
            ("binary",),
            ("none",),
            (_ELEMENT_WEIGHT, _reduction()),
            binary.multilabel_soft_margin_loss,
            binary.multilabel_soft_margin_loss_grad,
            "Per-class logistic loss averaged over the classes, then reduced over samples.",
            spatial=False,
        ),
        LossSpec(
            "multi_margin_loss",
            "MultiMarginLoss",
            ("index",),
            ("none",),
            (
                OptionSpec(
                    "p", "int", 1, "p", "Exponent of the hinge (PyTorch allows 1 or 2).", 1, 2
                ),
                OptionSpec(
                    "margin",
                    "float",
                    1.0,
                    "margin",
                    "Required gap between the target's score and every other score.",
                    minimum=-1e6,
                    maximum=1e6,
                ),
                _WEIGHT,
                _reduction(),
            ),
            margin.multi_margin_loss,
            margin.multi_margin_loss_grad,
            "Multi-class hinge: sum over other classes of max(0, margin - x_y + x_i)^p / C.",
            spatial=False,
        ),
        LossSpec(
            "kl_div",
            "KLDivLoss",
            ("probability",),
            ("log_softmax", "none"),
            (
                OptionSpec(
                    "log_target",
                    "bool",
                    False,
                    "log_target",
                    "The target is given as log-probabilities.",
                ),
                _reduction(batchmean=True),
            ),
            divergence.kl_div,
            divergence.kl_div_grad,
            "KL(target || input): input is log-probabilities; 'batchmean' is the true KL.",
        ),
        LossSpec(
            "cosine_embedding_loss",
            "CosineEmbeddingLoss",
            ("sign",),
            ("none",),
            (
                OptionSpec(
                    "margin",
                    "float",
                    0.0,
                    "margin",
                    "For y = -1 the loss is max(0, cos - margin); in [-1, 1].",
                    minimum=-1.0,
                    maximum=1.0,
                ),
                _reduction(),
            ),
            embedding.cosine_embedding_loss,
            embedding.cosine_embedding_loss_grad,
            "y = 1 pulls the two rows together (1 - cos), y = -1 pushes them apart.",
            spatial=False,
        ),
    )
}


def get_spec(name: str) -> LossSpec:
    """Return the spec of loss ``name``, with a readable error for unknown names."""
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise ValueError(f"unknown loss {name!r}; known losses: {known}") from None
