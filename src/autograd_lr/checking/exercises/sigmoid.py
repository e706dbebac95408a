r"""Exercise ``sigmoid(z)``: :math:`\sigma(z) = 1/(1 + e^{-z})`, elementwise, the shape of ``z`` kept.

Checked against :func:`autograd_lr.forward.sigmoid` on a number and on arrays (a row, a
column, a matrix, and moderately large :math:`|z|`), each value to a relative
:data:`~autograd_lr.checking.thresholds.SIGMOID_RTOL` of its own (:math:`\sigma(-30)
\approx 10^{-13}` must be right to its last digits, as the cost's :math:`\log a` reads
them), with the engine's rules; the search starts at the first line whose value is none
of :math:`z, -z, e^{-z}, 1 + e^{-z}, \sigma(z)` (:func:`~autograd_lr.checking.alignment.align_sigmoid`).
A σ without source (a lambda, a compiled function) is compared with :data:`MODELS`, the
outputs of its known mistakes, each named only where it fits every input.
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
    WrongFunction,
    array_verdict,
    numeric,
    scalar_verdict,
)
from autograd_lr.checking.thresholds import (  # the one home of the checkers' tolerances
    SIGMOID_FLOAT32_RTOL,
    SIGMOID_MODEL_RTOL,
    SIGMOID_RTOL,
)
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


def _float64(z: Any) -> np.ndarray:
    return np.asarray(z, dtype=np.float64)


_RIGHT = "return 1 / (1 + np.exp(-z))"
# The outputs of a wrong σ, each a function of z named by the error model's rule whose
# mistake it is; σ itself is the forward model's, so none is a second definition of σ.
MODELS: tuple[WrongFunction, ...] = (
    WrongFunction(
        "dtype",
        lambda z: np.asarray(forward.sigmoid(_float64(z))).astype(np.float32),
        "σ(z) comes back in float32: right to single precision only, where the check is "
        f"made in float64 (threshold {SIGMOID_RTOL:g})",
        "Your σ keeps only single precision (about 7 digits): half the digits of the "
        "float64 inputs are lost.",
        "keep float64: no .astype(np.float32) or np.float32(...)",
        SIGMOID_FLOAT32_RTOL,
    ),
    WrongFunction(
        "array_function",
        lambda z: forward.sigmoid(np.asarray(float(z))),
        "it gives σ(z) for a number and raises TypeError on every array, as math.exp and "
        "float(z) do: they take one number, while σ works elementwise on Z (1, m)",
        "Your σ works on one number but not on an array: in the lecture σ is applied to "
        "every entry of Z at once.",
        f"use np.exp, which works elementwise: {_RIGHT}",
        SIGMOID_MODEL_RTOL,
    ),
    WrongFunction(
        "flip_sign",
        lambda z: forward.sigmoid(-_float64(z)),
        "the sign of the exponent is flipped: your values are 1/(1 + e^z) = σ(−z)",
        "Your σ is 1 − σ: the exponent in σ(z) = 1/(1 + e^(−z)) has the wrong sign.",
        _RIGHT,
        SIGMOID_MODEL_RTOL,
    ),
    WrongFunction(
        "one_plus",
        lambda z: np.exp(_float64(z)),
        "your values are e^z = 1/e^(−z): the 1 + of σ's denominator is missing",
        "Your σ grows without bound: σ(z) = 1/(1 + e^(−z)) has 1 + in its denominator.",
        _RIGHT,
        SIGMOID_MODEL_RTOL,
    ),
    WrongFunction(
        "value_for_slope",
        lambda z: forward.sigmoid(_float64(z)) * (1.0 - forward.sigmoid(_float64(z))),
        "your values are σ'(z) = σ(z)(1 − σ(z)), the derivative, not σ(z)",
        "Your function returns the slope of σ, σ(1 − σ), which the backward pass needs, "
        "instead of σ itself, which the forward pass needs.",
        _RIGHT,
        SIGMOID_MODEL_RTOL,
    ),
)


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
    MODELS,
    expected_from="the forward model's σ",
)
