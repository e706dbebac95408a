r"""Exercise ``sigmoid(z)``: :math:`\sigma(z) = 1/(1 + e^{-z})`, elementwise, the shape of ``z`` kept.

Checked against :func:`autograd_lr.forward.sigmoid` on a number and on arrays (a row, a
column, a matrix, and moderately large :math:`|z|`), with the engine's rules.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.checking.error_model import RULES
from autograd_lr.checking.exercises.base import (
    Case,
    Exercise,
    Verdict,
    array_verdict,
    scalar_verdict,
)
from autograd_lr.checking.thresholds import SIGMOID_RTOL
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
    expected = case.expected["σ(z)"]
    if expected.ndim == 0:
        return {"σ(z)": scalar_verdict(returned, float(expected), SIGMOID_RTOL)}
    return {"σ(z)": array_verdict(returned, expected, SIGMOID_RTOL)}


EXERCISE = Exercise(
    "sigmoid",
    "sigmoid(z)",
    ("z",),
    ("σ(z)",),
    lambda: list(_cases()),
    judge,
    RULES,
    "σ(z) agrees with the forward model's sigmoid, the shape of z kept",
)
