"""Input / target shape pairs: core rejects exactly the pairs PyTorch rejects
(skipped without torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lossgui.core as core
from tests.core.crosscheck_strategies import REDUCTIONS, SEEDS, SETTINGS
from tests.core.torch_crosscheck import crosscheck, rejects_like_torch, torch_raises

PAIR_SHAPES = [(), (1,), (3,), (1, 3), (2, 3), (2, 1), (2, 4), (2, 3, 1)]


@SETTINGS
@given(data=st.data())
def test_shape_pairs_reject_like_torch(data: st.DataObject) -> None:
    """Input/target shape pairs (equal, broadcastable or not): core rejects iff torch does."""
    loss = data.draw(
        st.sampled_from(
            [
                "kl_div",
                "binary_cross_entropy",
                "binary_cross_entropy_with_logits",
                "multilabel_soft_margin_loss",
                "sigmoid_focal_loss",
                "cosine_embedding_loss",
            ]
        )
    )
    rng = np.random.default_rng(data.draw(SEEDS))
    s1, s2 = data.draw(st.sampled_from(PAIR_SHAPES)), data.draw(st.sampled_from(PAIR_SHAPES))
    a = np.asarray(rng.uniform(0.05, 0.95, s1))
    b = np.asarray(rng.uniform(0.05, 0.95, s2))
    if loss == "kl_div":
        a = np.asarray(np.log(a))  # np.log of a 0-d array gives a scalar
    kwargs: dict[str, Any] = {"reduction": data.draw(REDUCTIONS)}
    if loss == "cosine_embedding_loss":
        tshape = data.draw(st.sampled_from([(), (1,), (2,), s1[:1]]))
        target = np.asarray(rng.choice(np.array([-1, 1]), size=tshape), dtype=np.int64)
        args = [a, b, target]
        if not torch_raises(loss, args, kwargs):
            crosscheck(loss, args, kwargs, n_grad=2)
            return
        for name in (loss, loss + "_grad"):
            with pytest.raises((ValueError, IndexError)):
                getattr(core, name)(*args, **kwargs)
        return
    rejects_like_torch(loss, [a, b], kwargs)
