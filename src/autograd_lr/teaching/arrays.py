r"""A step over m examples as a small expression tree, evaluated with numpy in float64.

Python steps keep numpy's meaning (``*`` elementwise, ``@`` the matrix product, ``.T``).
Steps from LaTeX come as a sympy product of noncommutative array symbols, in the
written order: adjacent factors whose shapes chain are a matrix product (``X dZ^T`` is
``X @ dZ.T``; ``dZ^T X`` is not), others elementwise (numpy's broadcasting, ``A(1 - A)``),
and a factor ``\sum`` sums the rest of the product over the examples (the columns):
:math:`\sum_i x^{(i)} dz^{(i)}` is ``X dZ^T``. A sympy expression given with commutative
symbols has lost its order: its product is evaluated in the order that makes the shapes agree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from autograd_lr import forward

# function name -> number of arguments
ARRAY_FUNCTIONS = {
    "sum": 1, "mean": 1, "dot": 2, "mul": 2, "transpose": 1, "diag": 1, "eye": 1,
    "sigma": 1, "log": 1, "exp": 1, "sqrt": 1,
}  # fmt: skip


class ArrayShapeError(ValueError):
    """A step over m examples whose arrays do not fit together (shapes in the message)."""


@dataclass(frozen=True)
class ArrayNode:
    """One operation ``op`` on ``children``; ``value`` holds a name or a constant."""

    op: str
    children: tuple[ArrayNode, ...] = ()
    value: Any = None

    def names(self) -> frozenset[str]:
        """The names the tree uses."""
        own = frozenset([self.value]) if self.op == "name" else frozenset()
        return own.union(*(c.names() for c in self.children))

    def evaluate(self, env: dict[str, Any]) -> Any:
        """The value with the arrays of ``env`` (name -> numpy array or float)."""
        with np.errstate(all="ignore"):
            return self._evaluate(env)

    def _evaluate(self, env: dict[str, Any]) -> Any:
        op = self.op
        if op == "const":
            return float(self.value)
        if op == "name":
            if self.value not in env:
                raise ArrayShapeError(f"{self.value!r} has no value in a step over m examples")
            return env[self.value]
        args = [c._evaluate(env) for c in self.children]
        try:
            if op == "product":
                return _product(args, written=self.value == "written")
            if op in ("sum", "mean") and self.value is not None:  # (axis, keepdims)
                axis, keepdims = self.value
                return _APPLY[op](args[0], axis=axis, keepdims=keepdims)
            return _APPLY[op](*args)
        except ValueError as exc:
            raise ArrayShapeError(f"{op} of shapes {[np.shape(a) for a in args]}: {exc}") from None

    @classmethod
    def from_sympy(cls, expr: Any) -> ArrayNode:
        """The tree of a sympy expression read from LaTeX (or given as sympy)."""
        if isinstance(expr, sympy.Symbol):
            return cls("name", (), str(expr))
        if expr.is_Number:
            return cls("const", (), float(expr))
        if expr == sympy.exp(1):
            return cls("const", (), math.e)
        if isinstance(expr, sympy.Add):
            terms = [cls.from_sympy(t) for t in expr.args]
            node = terms[0]
            for term in terms[1:]:
                node = cls("add", (node, term))
            return node
        if isinstance(expr, sympy.Mul):
            factors = [f for f in expr.args if f != sympy.Symbol("sum")]
            # noncommutative (LaTeX): the written order; commutative (sympy): sympy's own
            order = "written" if not expr.is_commutative else None
            node = cls("product", tuple(cls.from_sympy(f) for f in factors), order)
            summed = len(factors) < len(expr.args)
            return cls("sum_examples", (node,)) if summed else node
        if isinstance(expr, sympy.Pow):
            base, exponent = expr.args
            if exponent == sympy.Symbol("T"):
                return cls("transpose", (cls.from_sympy(base),))
            return cls("pow", (cls.from_sympy(base), cls.from_sympy(exponent)))
        name = type(expr).__name__
        if name in ("log", "exp", "sigma", "diag") and len(expr.args) == 1:
            return cls(name, (cls.from_sympy(expr.args[0]),))
        if expr == sympy.Symbol("sum"):
            raise ArrayShapeError("\\sum needs something to sum")
        raise ArrayShapeError(f"{expr} is not part of a step over m examples")


def _diag(v: Any) -> Any:
    v = np.asarray(v)
    return np.diag(v.ravel()) if v.ndim == 2 and 1 in v.shape else np.diag(v)


def _sum_examples(v: Any) -> Any:
    """:math:`\\sum_i` over the examples: the columns of an ``(n, m)`` array, kept ``(n, 1)``."""
    v = np.asarray(v)
    return np.sum(v, axis=1, keepdims=True) if v.ndim == 2 else np.sum(v)


# eye(n) for n up to this: the identity of the steps is n_x by n_x (8 MB at most).
LARGEST_EYE = 1024


def _eye(n: Any) -> Any:
    """The identity of size ``n``, an integer in 1 .. :data:`LARGEST_EYE`."""
    if np.ndim(n) != 0 or not np.isfinite(n) or n != int(n) or not 1 <= n <= LARGEST_EYE:
        raise ArrayShapeError(f"eye(n) needs an integer 1 <= n <= {LARGEST_EYE}, got {n}")
    return np.eye(int(n))


def _pow(x: Any, p: Any) -> Any:
    return np.power(np.asarray(x, dtype=np.float64), p)


_APPLY: dict[str, Callable[..., Any]] = {
    "neg": np.negative, "add": np.add, "sub": np.subtract, "mul": np.multiply,
    "div": np.divide, "pow": _pow, "matmul": np.matmul, "dot": np.dot,
    "transpose": np.transpose, "sum": np.sum, "sum_examples": _sum_examples, "mean": np.mean, "diag": _diag,
    "eye": _eye, "sigma": forward.sigmoid, "log": np.log,
    "exp": np.exp, "sqrt": np.sqrt,
}  # fmt: skip


def _product(args: list[Any], written: bool = False) -> Any:
    """A product of factors: a matrix product where the shapes chain, else elementwise.

    ``written``: the factors are in the learner's order (LaTeX, noncommutative symbols),
    and only that order is tried; else (a sympy expression) every order is.
    """
    scalars = [a for a in args if np.ndim(a) == 0]
    arrays = [np.asarray(a) for a in args if np.ndim(a) > 0]
    scale = float(np.prod(scalars)) if scalars else 1.0
    if len(arrays) <= 1:
        return scale * arrays[0] if arrays else scale
    if written:
        result = arrays[0]
        for a in arrays[1:]:
            chain = result.ndim == 2 and a.ndim == 2 and result.shape[1] == a.shape[0]
            result = result @ a if chain else result * a  # A(1 - A): elementwise
        return scale * result
    for order in itertools.permutations(arrays):  # sympy forgot the written order
        shapes = [a.shape for a in order]
        if all(len(s) == 2 for s in shapes) and all(
            shapes[k][1] == shapes[k + 1][0] for k in range(len(shapes) - 1)
        ):
            result = order[0]
            for a in order[1:]:
                result = result @ a
            return scale * result
    result = arrays[0]  # no matrix product: elementwise, as A(1 - A) or x^{(i)} dz^{(i)}
    for a in arrays[1:]:
        result = result * a  # numpy broadcasting; a ValueError names the shapes
    return scale * result
