r"""Exercises: write ``sigmoid``, ``propagate`` and an L2 ``propagate`` yourself, check each in one call.

.. code-block:: python

    from autograd_lr.teaching import exercises

    print(exercises.skeleton("propagate"))       # the code to start from

    def propagate(w, b, X, Y):                   # your version
        ...

    exercises.check_propagate(propagate)         # which of dw, db, cost is wrong, and how

The skeletons in this module raise ``NotImplementedError`` until they are filled in, so
``check_propagate()`` with no argument reports "not implemented". The reference
solutions are the package's own code (:func:`solution`): :func:`autograd_lr.sigmoid`,
:func:`autograd_lr.propagate`, and :func:`autograd_lr.gradients.gradients_vectorized`
with :math:`\lambda` for the L2 version; the tests check that every reference passes.
"""

from __future__ import annotations

import html
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lr import course, forward, gradients
from autograd_lr.checking.check import GradientReport, check_gradients
from autograd_lr.validation import validate_lambd, validate_problem

# σ by the textbook 1/(1 + e^{−z}) in float64 agrees with the stable form to a few ulp
# (relative ≲ 4e-16) for every z checked below; 1e-12 accepts any float64 formula and
# refuses float32 (relative ~6e-8).
SIGMOID_RTOL = 1e-12
# A wrong σ is named when it matches a model of the mistake to 1e-9 (float64 rounding of
# either form is ~1e-16; the models differ from σ and from each other by O(1)).
SIGMOID_MODEL_RTOL = 1e-9
# λ for the L2 exercise: large enough that a missing or mis-scaled λ/m · w shows far above
# the threshold on every default problem.
L2_LAMBDA = 0.7


# --- the skeletons (fill these in) -----------------------------------------------------------


def sigmoid(z: Any) -> Any:
    r"""Exercise 1: the logistic function :math:`\sigma(z) = \dfrac{1}{1 + e^{-z}}`, elementwise.

    ``z``: a number or a numpy array of any shape; return the same shape.
    Check it with ``exercises.check_sigmoid(sigmoid)``.
    """
    # one line of numpy: np.exp works elementwise on arrays
    raise NotImplementedError(
        "exercise: write sigmoid(z) = 1 / (1 + e^(-z)); check it with exercises.check_sigmoid(sigmoid)"
    )


def propagate(w: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, Any], float]:
    r"""Exercise 2: cost and gradient of :math:`J(w, b)`, vectorized.

    .. math::

        Z = w^\top X + b, \quad A = \sigma(Z), \quad
        J = -\tfrac{1}{m}\textstyle\sum_i \bigl(y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\bigr),

        dZ = A - Y, \quad dw = \tfrac{1}{m} X\, dZ^\top, \quad db = \tfrac{1}{m}\textstyle\sum_i dZ_i

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)`` -> ``({"dw": (n_x, 1), "db":
    float}, cost)``. Check it with ``exercises.check_propagate(propagate)``.
    """
    # forward:  m from X's columns; Z (1, m); A (1, m); the cost, a float
    # backward: dZ (1, m); dw (n_x, 1) by a matrix product; db, a float
    raise NotImplementedError(
        "exercise: write propagate(w, b, X, Y); check it with exercises.check_propagate(propagate)"
    )


def propagate_l2(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> tuple[dict[str, Any], float]:
    r"""Exercise 3: :func:`propagate` for the L2-regularized cost.

    .. math::

        J_\lambda = J + \frac{\lambda}{2m}\lVert w\rVert^2, \qquad
        dw_\lambda = dw + \frac{\lambda}{m} w, \qquad db_\lambda = db
        \quad (b \text{ is not regularized})

    Same shapes as :func:`propagate`, plus ``lambd`` = :math:`\lambda \ge 0`. Check it
    with ``exercises.check_propagate_l2(propagate_l2)``.
    """
    # start from your propagate; add the penalty to the cost and its gradient to dw
    raise NotImplementedError(
        "exercise: write propagate_l2(w, b, X, Y, lambd); check it with "
        "exercises.check_propagate_l2(propagate_l2)"
    )


SKELETONS: dict[str, Callable[..., Any]] = {
    "sigmoid": sigmoid,
    "propagate": propagate,
    "propagate_l2": propagate_l2,
}


def skeleton(name: str) -> str:
    """The source of exercise ``name`` (``"sigmoid"``, ``"propagate"``, ``"propagate_l2"``), to copy."""
    return inspect.getsource(_exercise(name, SKELETONS))


# --- the reference solutions: the package's own code -----------------------------------------


def _propagate_l2_reference(
    w: Any, b: Any, X: Any, Y: Any, lambd: float
) -> tuple[dict[str, Any], float]:
    """The package's L2 propagate: :func:`autograd_lr.gradients.gradients_vectorized` with λ."""
    w, b, X, Y = validate_problem(w, b, X, Y)
    grads, J = gradients.gradients_vectorized(w, b, X, Y, validate_lambd(lambd))
    return {"dw": grads["dw"], "db": float(grads["db"])}, float(J)


SOLUTIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": course.sigmoid,
    "propagate": course.propagate,
    "propagate_l2": _propagate_l2_reference,
}


def solution(name: str) -> Callable[..., Any]:
    """The reference solution of exercise ``name``: the package's own function."""
    return _exercise(name, SOLUTIONS)


def _exercise(name: str, table: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    if name not in table:
        raise ValueError(f"no exercise {name!r}; the exercises are {', '.join(table)}")
    return table[name]


# --- one-call checks ---------------------------------------------------------------------------


def check_propagate(fn: Callable[..., Any] = propagate, **options: Any) -> GradientReport:
    """Check exercise 2: :func:`autograd_lr.checking.check.check_gradients` on your ``propagate``."""
    return check_gradients(fn, **options)


def check_propagate_l2(
    fn: Callable[..., Any] = propagate_l2, lambd: float = L2_LAMBDA, **options: Any
) -> GradientReport:
    """Check exercise 3: ``fn(w, b, X, Y, lambd)`` against :math:`J + \\frac{\\lambda}{2m}\\lVert w\\rVert^2`."""
    return check_gradients(fn, lambd=lambd, **options)


# The inputs of the sigmoid check: a scalar, a row like Z, a column, and logits far into
# both tails (where 1/(1 + e^{-z}) is tiny or rounds to 1).
SIGMOID_CASES: dict[str, Any] = {
    "z = 0 (a number)": 0.0,
    "a row (1, 9) like Z": np.linspace(-8.0, 8.0, 9).reshape(1, 9),
    "a column (3, 1)": np.array([[-1.5], [0.25], [2.0]]),
    "tails, |z| up to 40": np.array([-40.0, -20.0, 20.0, 40.0]),
}


@dataclass
class SigmoidCase:
    """Your σ on one input against :func:`autograd_lr.forward.sigmoid`."""

    name: str
    z: Any
    yours: Any
    expected: np.ndarray
    error: float  # max elementwise relative error (inf: wrong shape, NaN, or an exception)
    problem: str = ""


@dataclass
class SigmoidReport:
    """The result of :func:`check_sigmoid`: ``.passed``, one case per input, a diagnosis."""

    function: str
    cases: list[SigmoidCase]
    diagnosis: str = ""
    fix: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.error <= SIGMOID_RTOL for c in self.cases)

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"{self.function}: {verdict} (σ(z) against the stable σ, threshold {SIGMOID_RTOL:g})"
        ]
        for c in self.cases:
            status = "ok" if c.error <= SIGMOID_RTOL else "WRONG"
            error = "-" if math.isnan(c.error) else f"{c.error:.1e}"
            lines.append(f"  {c.name:<24}{status:<7}{error:>9}  {c.problem}".rstrip())
        if self.diagnosis:
            lines.append(f"Diagnosis: {self.diagnosis}")
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        color = "#1a7f37" if self.passed else "#cf222e"
        rows = "".join(
            f"<tr><td>{e(c.name)}</td><td>{'ok' if c.error <= SIGMOID_RTOL else 'WRONG'}</td>"
            f"<td>{c.error:.1e}</td><td>{e(c.problem)}</td></tr>"
            for c in self.cases
        )
        return (
            f'<div><p style="color:{color};font-weight:bold">{e(self.function)}: '
            f"{'PASSED' if self.passed else 'FAILED'}</p><table><thead><tr><th>input</th>"
            f"<th>verdict</th><th>rel. error</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
            + (
                f"<p>{e(self.diagnosis)}<br><code>{e(self.fix)}</code></p>"
                if self.diagnosis
                else ""
            )
            + "</div>"
        )


def _sigmoid_case(fn: Callable[..., Any], name: str, z: Any) -> SigmoidCase:
    expected = np.asarray(forward.sigmoid(np.asarray(z, dtype=np.float64)))
    z_in = z.copy() if isinstance(z, np.ndarray) else z
    try:
        with np.errstate(all="ignore"):
            yours = fn(z_in)
    except Exception as exc:
        return SigmoidCase(name, z, None, expected, math.inf, f"raised {type(exc).__name__}: {exc}")
    try:
        array = np.asarray(yours, dtype=np.float64)
    except (TypeError, ValueError):
        return SigmoidCase(name, z, yours, expected, math.inf, f"returned a {type(yours).__name__}")
    if array.shape != expected.shape:
        return SigmoidCase(
            name, z, yours, expected, math.inf, f"shape {array.shape}, expected {expected.shape}"
        )
    if not np.all(np.isfinite(array)):
        return SigmoidCase(name, z, yours, expected, math.inf, "NaN or inf")
    error = float(np.max(np.abs(array - expected) / expected))
    return SigmoidCase(name, z, yours, expected, error)


def check_sigmoid(fn: Callable[..., Any] = sigmoid) -> SigmoidReport:
    r"""Check exercise 1: ``fn(z)`` against :func:`autograd_lr.forward.sigmoid` on several inputs.

    Each input's largest elementwise relative error must be ≤ :data:`SIGMOID_RTOL`, with
    the input's shape kept. Recognised mistakes: :math:`1/(1 + e^{z})` (the exponent's
    sign), :math:`e^{z}` (the ``1 +`` forgotten), and a skeleton not filled in.
    """
    name = getattr(fn, "__qualname__", None) or repr(fn)
    cases = [_sigmoid_case(fn, label, z) for label, z in SIGMOID_CASES.items()]
    result = SigmoidReport(name, cases)
    if result.passed:
        return result
    if any("NotImplementedError" in c.problem for c in cases):
        result.diagnosis = "not implemented yet: the skeleton raises NotImplementedError"
        result.fix = "write the body: return 1 / (1 + np.exp(-z))"
        return result
    compared = [c for c in cases if math.isfinite(c.error)]
    if compared:
        z = np.concatenate([np.ravel(np.asarray(c.z, dtype=np.float64)) for c in compared])
        models = {
            "the sign of the exponent is flipped: you computed 1/(1 + e^z) = σ(−z)": np.asarray(
                forward.sigmoid(-z)
            ),
            "the '1 +' is missing: you computed e^z": np.exp(z),
        }
        yours = np.concatenate([np.ravel(np.asarray(c.yours, dtype=np.float64)) for c in compared])
        for message, model in models.items():
            if np.allclose(yours, model, rtol=SIGMOID_MODEL_RTOL, atol=0.0):
                result.diagnosis, result.fix = message, "return 1 / (1 + np.exp(-z))"
                return result
    if any("shape" in c.problem for c in cases):
        result.diagnosis = "the shape of z is not kept: σ works elementwise"
        result.fix = "use np.exp (elementwise) on the whole array; no loops, no reshapes"
    return result
