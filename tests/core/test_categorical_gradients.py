"""cross_entropy_grad / nll_loss_grad against central differences over the option cases."""

from __future__ import annotations

import numpy as np
import pytest

from lossgui.core.categorical import cross_entropy, cross_entropy_grad, nll_loss, nll_loss_grad
from tests.core.categorical_cases import OPTION_CASES, REDUCTIONS, build
from tests.core.gradcheck import numeric_grad


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", OPTION_CASES)
def test_cross_entropy_grad_matches_finite_differences(case, reduction):
    x, t, kw = build(case)
    grad = cross_entropy_grad(x, t, reduction=reduction, **kw)
    numeric = numeric_grad(lambda z: cross_entropy(z, t, reduction=reduction, **kw), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", [c for c in OPTION_CASES if c[1] == "index"][::2])
def test_nll_loss_grad_matches_finite_differences(case, reduction):
    x, t, kw = build(case)
    kw.pop("label_smoothing", None)
    grad = nll_loss_grad(x, t, reduction=reduction, **kw)
    numeric = numeric_grad(lambda z: nll_loss(z, t, reduction=reduction, **kw), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
