"""PyTorch's side of the comparisons in the core tests.

torch is optional for the project, so nothing here imports it: the caller passes the
module in (the ``torch`` fixture of conftest.py, or ``pytest.importorskip("torch")``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def torch_run(torch: Any, fn: Any, x: np.ndarray, *args: Any, **kwargs: Any):
    """Value and autograd gradient (of the sum) of a torch function of ``x``, as arrays."""
    xt = torch.tensor(x, requires_grad=True)
    out = fn(xt, *args, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def tensor(torch: Any, a: Any) -> Any:
    """``a`` as a tensor of its own dtype, or None for None (an option left out)."""
    return None if a is None else torch.as_tensor(np.asarray(a))


def torchvision_sigmoid_focal_loss(
    torch: Any,
    inputs: Any,
    targets: Any,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: str = "none",
) -> Any:
    """torchvision.ops.sigmoid_focal_loss, line for line (torchvision is not a dependency)."""
    p = torch.sigmoid(inputs)
    ce_loss = torch.nn.functional.binary_cross_entropy_with_logits(
        inputs, targets, reduction="none"
    )
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction != "none":
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction}'")
    return loss
