"""The :class:`Golden` recorder: computes each case with torch as it is added."""

from __future__ import annotations

from typing import Any

import torch

from .encoding import encode, encode_value, to_torch
from .torch_losses import N_GRAD_ARGS, TORCH_DTYPES, TORCH_LOSSES


class Golden:
    """Collects cases and rejected cases, computing each with torch as it is added."""

    def __init__(self) -> None:
        self.cases: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self._ids: set[str] = set()

    def _new_id(self, case_id: str) -> str:
        if case_id in self._ids:
            raise ValueError(f"duplicate case id {case_id}")
        self._ids.add(case_id)
        return case_id

    def add(self, case_id: str, loss: str, args: list[Any], **kwargs: Any) -> None:
        """Compute ``loss(*args, **kwargs)`` and its gradient with torch and record it."""
        dtype = str(args[0].dtype)
        n_grad = N_GRAD_ARGS[loss]
        targs = [to_torch(a, requires_grad=i < n_grad) for i, a in enumerate(args)]
        tkwargs = {k: to_torch(v) for k, v in kwargs.items()}
        value = TORCH_LOSSES[loss](*targs, **tkwargs)
        if value.dtype != TORCH_DTYPES[dtype]:
            raise AssertionError(f"{case_id}: torch returned {value.dtype}, case is {dtype}")
        total = value.sum() if value.ndim else value
        grads = torch.autograd.grad(total, targs[:n_grad], allow_unused=True)
        grads = [
            torch.zeros_like(t) if g is None else g for g, t in zip(grads, targs, strict=False)
        ]
        self.cases.append(
            {
                "id": self._new_id(case_id),
                "loss": loss,
                "dtype": dtype,
                "args": [encode_value(a) for a in args],
                "kwargs": {k: encode_value(v) for k, v in kwargs.items()},
                "expected": encode(value),
                "grad": [encode(g) for g in grads],
            }
        )

    def reject(self, case_id: str, loss: str, args: list[Any], **kwargs: Any) -> None:
        """Record arguments torch raises on, with the exception's type and message."""
        targs = [to_torch(a) for a in args]
        tkwargs = {k: to_torch(v) for k, v in kwargs.items()}
        try:
            TORCH_LOSSES[loss](*targs, **tkwargs)
        except Exception as exc:  # any exception torch raises is the record
            self.rejected.append(
                {
                    "id": self._new_id(case_id),
                    "loss": loss,
                    "args": [encode_value(a) for a in args],
                    "kwargs": {k: encode_value(v) for k, v in kwargs.items()},
                    "exc_type": type(exc).__name__,
                    "message": str(exc).strip().splitlines()[0],
                }
            )
            return
        raise AssertionError(f"{case_id}: torch accepted arguments expected to be rejected")
