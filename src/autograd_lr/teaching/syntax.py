r"""What a derivation step is: its names, its bounds, its errors and its parsed form.

Shared by the readers of Python syntax (:mod:`~autograd_lr.teaching.expressions`) and of
LaTeX (:mod:`~autograd_lr.teaching.latex`); :func:`bounded` rebuilds a sympy tree with every
power and number checked, so that no reader makes sympy compute without end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from sympy.core.function import AppliedUndef

from autograd_lr.teaching.arrays import ArrayNode

PER_EXAMPLE_STEPS = ("da", "da_dz", "dz", "dw", "db")
VECTORIZED_STEPS = ("dJ_dw", "dJ_db", "d2J_dw2")
STEP_NAMES = PER_EXAMPLE_STEPS + VECTORIZED_STEPS
SCALAR_SYMBOLS = ("a", "y", "z", "x", "w", "b")
ARRAY_SYMBOLS = ("X", "A", "Y", "Z", "dZ", "w", "b", "m", "lambd", "n_x", "I")
ALIASES = {"x_j": "x", "w_j": "w", "lam": "lambd", "lmbda": "lambd", "λ": "lambd", "y_hat": "a"}
SCALAR_FUNCTIONS = ("sigma", "sigmoid", "log", "exp", "sqrt")
MODULE_PREFIXES = ("np", "numpy", "jnp", "math", "sympy", "sp")
# Bounds on what a step may contain, so that reading and evaluating it always finish:
# sympy computes number**number exactly (10**10**10 is a ten-billion-digit integer), and
# no step of this derivation needs a power beyond 64 nor a constant beyond 10^100 (its
# constants are 1, 2, 1/2, ...). Each node is checked as it is built, so the largest
# number ever computed is (10^100)^64, 6400 digits.
LARGEST_EXPONENT = 64
LARGEST_NUMBER = sympy.Integer(10) ** 100
# The longest step (the Hessian block with its L2 term, in LaTeX) is about 100 characters;
# 1000 leaves room for any honest form and bounds the depth of the trees built from it.
LONGEST_STEP = 1000


def sigmoid_formula(t: Any, exp: Any = sympy.exp) -> Any:
    r""":math:`\sigma(t) = 1/(1 + e^{-t})` with the ``exp`` of sympy (default) or of mpmath.

    The one written form of the sigmoid for the derivation checker: sympy's rewriting,
    the mpmath evaluation and the mpmath points of :mod:`~autograd_lr.teaching.references`.
    """
    return 1 / (1 + exp(-t))


class sigma(sympy.Function):  # noqa: N801 - the lecture's name
    r"""The sigmoid :math:`\sigma(z) = 1/(1 + e^{-z})` as a sympy function (printed :math:`\sigma`)."""

    def fdiff(self, argindex: int = 1) -> Any:
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg: Any, **kwargs: Any) -> Any:
        return sigmoid_formula(arg)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        base = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return base if exp is None else f"{base}^{{{exp}}}"


class DerivationSyntaxError(ValueError):
    """A step that cannot be read: ``position`` is the 0-based index in ``text`` (or None).

    ``nearest`` is a form close to ``text`` that is read (one edit at ``position``), or None.
    """

    def __init__(self, reason: str, text: str, position: int | None = None) -> None:
        self.reason, self.text, self.position = reason, text, position
        self.nearest: str | None = None  # the closest form that is read, when one is found
        where = "" if position is None else f" at position {position + 1}"
        pointer = "" if position is None else "\n    " + text + "\n    " + " " * position + "^"
        super().__init__(f"{reason}{where}{pointer}")


@dataclass(frozen=True)
class Expression:
    """A parsed step: the learner's ``source``, its ``language`` and its meaning.

    Per-example steps have ``scalar``, a sympy expression (step names are symbols of the
    same name); steps over m examples have ``array``, evaluated with numpy semantics.
    """

    source: str
    language: str  # "python", "latex" or "sympy"
    scalar: Any = None
    array: ArrayNode | None = None

    @property
    def names(self) -> frozenset[str]:
        """The symbols and step names the expression uses."""
        if self.scalar is not None:
            return frozenset(str(s) for s in self.scalar.free_symbols)
        return self.array.names() if self.array is not None else frozenset()


def known_names(kind: str, earlier: tuple[str, ...]) -> tuple[str, ...]:
    """The names a step of ``kind`` ("scalar" or "array") may use after the steps ``earlier``."""
    symbols = SCALAR_SYMBOLS if kind == "scalar" else ARRAY_SYMBOLS
    steps = PER_EXAMPLE_STEPS if kind == "scalar" else VECTORIZED_STEPS
    return symbols + tuple(s for s in earlier if s in steps)


def _number_problem(value: Any) -> str | None:
    """Why the sympy number ``value`` is out of bounds, or None (not a number, or in bounds)."""
    if not isinstance(value, sympy.Basic) or not value.is_Number:
        return None
    if (value.is_Float and not value.is_finite) or value in (sympy.nan, sympy.zoo):
        return f"{value} is not a finite number"
    if value.is_Float:
        value = sympy.Rational(value)
    if value.is_Rational and max(abs(value.p), value.q) > LARGEST_NUMBER:
        return "a number beyond 10^100 (or below 10^-100) is not part of this derivation"
    if not value.is_finite:
        return f"{value} is not a finite number"
    return None


def _power_problem(exponent: Any) -> str | None:
    """Why ``exponent`` is too large for a power, or None."""
    if (
        isinstance(exponent, sympy.Basic)
        and exponent.is_Number
        and abs(exponent) > LARGEST_EXPONENT
    ):
        return f"the exponent {exponent} is too large (at most {LARGEST_EXPONENT} here)"
    return None


def bounded(expr: Any, replacements: dict[Any, Any], text: str) -> Any:
    """``expr`` rebuilt bottom-up with ``replacements`` made, each node checked as it is built.

    Raises :class:`DerivationSyntaxError` for a power whose exponent is beyond
    :data:`LARGEST_EXPONENT` or a number beyond :data:`LARGEST_NUMBER`, *before* sympy
    computes anything larger.
    """
    if expr in replacements:
        return replacements[expr]
    if not expr.args:
        problem = _number_problem(expr)
        if problem:
            raise DerivationSyntaxError(problem, text)
        return expr
    args = [bounded(arg, replacements, text) for arg in expr.args]
    if isinstance(expr, sympy.Pow):
        problem = _power_problem(args[1])
        if problem:
            raise DerivationSyntaxError(problem, text)
    if isinstance(expr, AppliedUndef):
        raise DerivationSyntaxError(f"unknown function {type(expr).__name__!r}", text)
    result = expr.func(*args)
    problem = _number_problem(result)
    if problem:
        raise DerivationSyntaxError(problem, text)
    return result


def _unknown(name: str, known: tuple[str, ...]) -> str:
    if name in STEP_NAMES:
        return (
            f"{name!r} is a step that is not derived before this one; a step may use the "
            f"steps before it and the names {', '.join(known)}"
        )
    return f"unknown name {name!r}; the names known here are {', '.join(known)}"
