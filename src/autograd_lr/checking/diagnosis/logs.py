r"""An ε inside the logarithm of the cost: when it is harmless, and what it costs.

``np.log(A + 1e-8)`` keeps log(0) away, and moves the cost by :math:`-\varepsilon S`
to first order (:attr:`~autograd_lr.checking.expected.ProblemOracles.log_slopes`); the
ε fitted on each problem must be the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autograd_lr.checking.diagnosis.texts import Text
from autograd_lr.checking.diagnosis.values import Context, diagnosis
from autograd_lr.checking.thresholds import EPSILON_CONSISTENCY_RTOL
from autograd_lr.checking.types import Diagnosis

# ... and be a small positive number: a "guard" in the log, not a different cost.
EPSILON_MAX = 1e-3


def epsilon_in_log(contexts: Sequence[Context], wrong_by: float) -> Diagnosis | None:
    r"""The cost with ε added inside the logarithm: :math:`\hat J \approx J - \varepsilon S`.

    :math:`S = \frac1m\sum_i \bigl(y_i/a_i + (1 - y_i)/(1 - a_i)\bigr)` for ``log(A + ε)``
    and ``log(1 - A + ε)``, or :math:`\frac1m\sum_i y_i/a_i` for the first alone
    (:attr:`~autograd_lr.checking.expected.ProblemOracles.log_slopes`).
    """
    for form in ("both", "a"):
        fitted = []
        for ctx in contexts:
            yours = ctx.yours["cost"]
            assert yours is not None
            slope = ctx.oracles.log_slopes[form]
            if slope <= 0.0:
                break
            fitted.append((ctx.oracles.expected.cost - float(yours)) / slope)
        if len(fitted) != len(contexts) or not fitted:
            continue
        eps = float(np.median(fitted))
        if not 0.0 < eps <= EPSILON_MAX:
            continue
        if any(abs(e - eps) > EPSILON_CONSISTENCY_RTOL * eps for e in fitted):
            continue
        cap = -math.log(eps)
        where = "log(A + ε) and log(1 - A + ε)" if form == "both" else "log(A + ε)"
        return diagnosis(
            ("cost",),
            ("epsilon_in_log",),
            Text(
                "The cost has a small ε added inside the logarithm, to keep log(0) away. "
                f"It is harmless for training here: it changes J by at most {wrong_by:.1e} "
                "relative, and not the gradient. What it costs: a loss that stops growing "
                f"at −log ε ≈ {cap:.1f}, so a confident wrong prediction is under-counted, "
                "and a cost that no longer matches J to the checker's precision.",
                "In the forward pass, the logarithm inside the loss L(a, y).",
                f"the cost has ε = {eps:.2g} inside the logarithm ({where}): it changes J by up "
                f"to {wrong_by:.1e} relative on these problems (harmless for training, and dw, db "
                f"do not depend on it), but it caps each loss at −log ε ≈ {cap:.1f} for |z| > "
                f"{cap:.1f}; computing the cost from z needs no ε",
                "cost = np.sum(np.logaddexp(0, Z) - Y * Z) / m",
            ),
            evidence=f"ε fitted on each problem: {', '.join(f'{e:.3g}' for e in fitted)}",
            match=max(abs(e - eps) for e in fitted) / eps,  # the one ε reproduces every cost
        )
    return None
