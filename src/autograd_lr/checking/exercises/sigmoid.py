r"""Exercise ``sigmoid(z)``: :math:`\sigma(z) = 1/(1 + e^{-z})`, elementwise, the shape of ``z`` kept.

Checked against :func:`autograd_lr.forward.sigmoid` on a number and on arrays (a row, a
column, a matrix, and moderately large :math:`|z|`), each value to a relative
:data:`~autograd_lr.checking.thresholds.SIGMOID_RTOL` of its own (:math:`\sigma(-30)
\approx 10^{-13}` must be right to its last digits, as the cost's :math:`\log a` reads
them), with the engine's rules; the search starts at the first line whose value is none
of :math:`z, -z, e^{-z}, 1 + e^{-z}, \sigma(z)` (:func:`~autograd_lr.checking.alignment.align_sigmoid`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.checking.alignment import Alignment, align_sigmoid
from autograd_lr.checking.error_model import RULES
from autograd_lr.checking.exercises.base import (
    Case,
    Exercise,
    Verdict,
    array_verdict,
    numeric,
    scalar_verdict,
)
from autograd_lr.checking.thresholds import SIGMOID_RTOL
from autograd_lr.checking.tracing import Trace
from autograd_lr.problems import Problem

INPUTS: dict[str, Any] = {
    "a number, z = 0": 0.0,
    "a row": np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]]),
    "a column": np.array([[1.0], [3.0], [-4.0]]),
    "a matrix with |z| up to 30": np.array([[-30.0, 10.0], [30.0, -10.0]]),
}


@functools.cache
def _cases() -> tuple[Case, ...]:
    out = []
    for name, z in INPUTS.items():
        expected = np.asarray(forward.sigmoid(np.asarray(z, dtype=np.float64)))
        p = Problem(np.zeros((1, 1)), 0.0, np.atleast_2d(z), np.zeros((1, 1)), name)
        out.append(Case(name, (z,), {"σ(z)": expected}, p))
    return tuple(out)


def judge(returned: Any, case: Case) -> dict[str, Verdict]:
    r"""Its type and shape, then the largest elementwise :math:`|\hat\sigma - \sigma| / \sigma`."""
    expected = case.expected["σ(z)"]
    if expected.ndim == 0:
        verdict = scalar_verdict(returned, float(expected), SIGMOID_RTOL)
    else:
        verdict = array_verdict(returned, expected, SIGMOID_RTOL)
    if verdict.status not in ("ok", "wrong"):
        return {"σ(z)": verdict}
    value = numeric(returned)
    assert value is not None  # the verdicts above read it as numbers
    with np.errstate(all="ignore"):
        errors = np.abs(value.astype(np.float64).reshape(expected.shape) - expected) / expected
    error = float(np.max(errors)) if np.all(np.isfinite(errors)) else np.inf
    status = "non_finite" if np.isinf(error) else ("ok" if error <= SIGMOID_RTOL else "wrong")
    return {"σ(z)": Verdict(status, error, SIGMOID_RTOL, verdict.seen)}


def locate(t: Trace, case: Case, source: str, function: str) -> Alignment:
    """The first line whose value is not one of σ's intermediates on this case's z."""
    return align_sigmoid(t, np.asarray(case.args[0], dtype=np.float64), source, function)


EXERCISE = Exercise(
    "sigmoid",
    "sigmoid(z)",
    ("z",),
    ("σ(z)",),
    lambda: list(_cases()),
    judge,
    RULES,
    "σ(z) agrees with the forward model's sigmoid, the shape of z kept",
    locate,
)
