"""The torch functions the golden cases are computed with, by the name a case records."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

#: The torch dtype a case's value must come back in, by the case's NumPy dtype name.
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


def torch_sigmoid_focal_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: str = "none",
) -> torch.Tensor:
    """torchvision.ops.sigmoid_focal_loss, line for line (torchvision 0.15+)."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "none":
        pass
    elif reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    else:
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes:"
            " 'none', 'mean', 'sum'"
        )
    return loss


TORCH_LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "nll_loss": F.nll_loss,
    "binary_cross_entropy": F.binary_cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "kl_div": F.kl_div,
    "cosine_embedding_loss": F.cosine_embedding_loss,
    "sigmoid_focal_loss": torch_sigmoid_focal_loss,
    "multi_margin_loss": F.multi_margin_loss,
    "multilabel_soft_margin_loss": F.multilabel_soft_margin_loss,
}

#: How many leading positional arguments are differentiated (the inputs).
N_GRAD_ARGS = {name: 1 for name in TORCH_LOSSES} | {"cosine_embedding_loss": 2}
