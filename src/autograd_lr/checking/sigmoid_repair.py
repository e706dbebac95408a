r"""The feedback engine on the sigmoid exercise: locate and repair a learner's ``sigmoid(z)``.

.. math:: \sigma(z) = \frac{1}{1 + e^{-z}} \quad \text{elementwise, the shape of } z \text{ kept}

The same search as for ``propagate`` (:func:`~autograd_lr.checking.repair.search_with`):
the learner's function is traced on the exercise's inputs, aligned with
:math:`z, -z, e^{-z}, 1 + e^{-z}, \sigma(z)` (:func:`autograd_lr.forward.sigmoid`), and
repaired by the error model's rules; a repair passes when, on every input, the result
has z's shape and agrees with :func:`autograd_lr.forward.sigmoid` to ``rtol`` (the
exercise's own threshold, passed in).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.checking.alignment import Alignment, align_sigmoid
from autograd_lr.checking.repair import SEARCH_BUDGET, Finding, search_with
from autograd_lr.checking.tracing import Outcome, Trace


def search_sigmoid(
    source: str,
    function: str,
    inputs: Sequence[Any],
    rtol: float,
    namespace: dict[str, Any] | None = None,
    *,
    budget: float = SEARCH_BUDGET,
    line_offset: int = 0,
) -> Finding:
    """Locate the first wrong line of the learner's σ and find the smallest repair that passes."""
    expected = [np.asarray(forward.sigmoid(np.asarray(z, dtype=np.float64))) for z in inputs]

    def judge(k: int, outcome: Outcome) -> tuple[bool, int]:
        if outcome.error:
            return False, -1
        try:
            y = np.asarray(outcome.returned, dtype=np.float64)
        except (TypeError, ValueError):
            return False, 0
        if y.shape != expected[k].shape or not np.all(np.isfinite(y)):
            return False, 0
        right = float(np.max(np.abs(y - expected[k]) / expected[k])) <= rtol
        return right, int(right)

    def locate(t: Trace, k: int, source: str, function: str) -> Alignment:
        return align_sigmoid(t, np.asarray(inputs[k]), source, function)

    problems = [(z,) for z in inputs]
    return search_with(
        source,
        function,
        problems,
        judge,
        locate,
        namespace,
        budget=budget,
        line_offset=line_offset,
    )
