"""lossgui's computation backend: PyTorch-compatible losses in pure NumPy.

Names and keywords follow ``torch.nn.functional``; each loss ``name`` has a
gradient twin ``name_grad`` taking the same arguments. This package never
imports Qt (a test enforces it) so it can be used, and tested, without a window.
"""

from lossgui.core.activations import (
    log_sigmoid,
    log_softmax,
    naive_log_softmax,
    naive_softmax,
    sigmoid,
    softmax,
    softplus,
)
from lossgui.core.binary import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    multilabel_soft_margin_loss,
    multilabel_soft_margin_loss_grad,
    sigmoid_focal_loss,
    sigmoid_focal_loss_grad,
)
from lossgui.core.categorical import (
    CrossEntropyParts,
    cross_entropy,
    cross_entropy_grad,
    cross_entropy_parts,
    nll_loss,
    nll_loss_grad,
    nll_loss_parts,
)
from lossgui.core.divergence import kl_div, kl_div_grad
from lossgui.core.embedding import cosine_embedding_loss, cosine_embedding_loss_grad
from lossgui.core.margin import multi_margin_loss, multi_margin_loss_grad

__all__ = [
    "CrossEntropyParts",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "cosine_embedding_loss",
    "cosine_embedding_loss_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "cross_entropy_parts",
    "kl_div",
    "kl_div_grad",
    "log_sigmoid",
    "log_softmax",
    "multi_margin_loss",
    "multi_margin_loss_grad",
    "multilabel_soft_margin_loss",
    "multilabel_soft_margin_loss_grad",
    "naive_log_softmax",
    "naive_softmax",
    "nll_loss",
    "nll_loss_grad",
    "nll_loss_parts",
    "sigmoid",
    "sigmoid_focal_loss",
    "sigmoid_focal_loss_grad",
    "softmax",
    "softplus",
]
