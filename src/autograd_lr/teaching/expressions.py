r"""Read one step of a learner's derivation: Python syntax, LaTeX or a sympy expression.

A step is ``name = expression`` in the lecture's symbols. Per example (scalars):
:math:`a, y, z, x, w, b`, the functions :math:`\sigma` (``sigma``, ``sigmoid``), ``log``,
``exp`` and the names of earlier steps (``"dz": "da * da_dz"``). Over m examples
(arrays): ``X (n_x, m)``, ``A``, ``Y``, ``Z``, ``dZ (1, m)``, ``w (n_x, 1)``, ``b``, ``m``,
``lambd`` (λ), ``n_x``, ``I`` (the identity), with ``@``, ``.T``, ``sum``, ``mean``, ``diag``.

* **Python syntax** is read with Python's ``ast`` module and translated node by node from a short
  list (nothing is ever ``eval``-ed: a derivation may come from a course repository's
  Markdown). ``a(1 - a)`` is a product, as the learner means it.
* **LaTeX** (any text with ``\``, ``{``, ``}`` or ``^``) is read as a learner means it,
  then parsed with sympy's LaTeX parser and its lark backend: ``dz``, ``da``, ``dZ``,
  ``da_dz`` are step names (not d·z), ``x \cdot dz`` and ``x\,dz`` are products,
  ``\sigma(z)``, ``\hat{y}``, ``\lambda``, ``x_j``, ``x^{(i)}``, ``\frac{da}{dz}``,
  ``X\,dZ^T`` and ``\frac{1}{m}\sum_{i=1}^m dZ`` mean what they mean on paper, and so
  do the forms :mod:`~autograd_lr.teaching.notation` brings to these (bold letters,
  ``\frac1m``, primes, names run together); ``\sigma'(z)`` is the sigmoid's
  derivative, ``dZ'`` a transpose, and ``\frac{\partial}{\partial a}(...)`` is
  differentiated by sympy. In a step over m examples the arrays are noncommutative
  symbols, so a product keeps the written order: ``X\,dZ^T`` is right and ``dZ^T X``
  is not. A Python step that does not read (``xdz``) is tried as LaTeX.
* A **sympy** expression is taken as it is.

Errors are :class:`DerivationSyntaxError` (a ``ValueError``) with the position in the
text, so a report can point at the character.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
from typing import Any

import sympy

from autograd_lr.teaching.arrays import ARRAY_FUNCTIONS, ArrayNode
from autograd_lr.teaching.latex import _parse_latex
from autograd_lr.teaching.notation import readings
from autograd_lr.teaching.syntax import (
    ALIASES,
    ARRAY_SYMBOLS,
    LARGEST_EXPONENT,
    LARGEST_NUMBER,
    LONGEST_STEP,
    MODULE_PREFIXES,
    PER_EXAMPLE_STEPS,
    SCALAR_SYMBOLS,
    STEP_NAMES,
    VECTORIZED_STEPS,
    DerivationSyntaxError,
    Expression,
    _number_problem,
    _power_problem,
    _unknown,
    bounded,
    known_names,
    sigma,
    sigmoid_formula,
)

__all__ = [
    "ARRAY_SYMBOLS", "LARGEST_EXPONENT", "LARGEST_NUMBER", "LONGEST_STEP", "PER_EXAMPLE_STEPS",
    "SCALAR_SYMBOLS", "STEP_NAMES", "VECTORIZED_STEPS", "DerivationSyntaxError", "Expression",
    "known_names", "parse_step", "sigma", "sigmoid_formula",
]  # fmt: skip


def parse_step(value: Any, kind: str, earlier: tuple[str, ...] = ()) -> Expression:
    """Read ``value`` (str or sympy expression) as a step of ``kind`` ("scalar" or "array").

    Whatever the input, the outcome is an :class:`Expression` or a
    :class:`DerivationSyntaxError` (a ``TypeError`` for a value that is no step at all):
    anything the parsers raise on hostile input (recursion, sympy's own errors, numbers
    beyond :data:`LARGEST_NUMBER`) is turned into a syntax error with its reason.
    """
    if not isinstance(value, str | sympy.Basic):
        raise TypeError(
            f"a step is a string (Python syntax or LaTeX) or a sympy expression, got "
            f"{type(value).__name__}"
        )
    text = value if isinstance(value, str) else str(value)
    if len(text) > LONGEST_STEP:
        raise DerivationSyntaxError(
            f"the step is {len(text)} characters long; a step has at most {LONGEST_STEP}",
            text[:60] + "...",
        )
    try:
        return _parse_step(value, kind, earlier)
    except DerivationSyntaxError as exc:
        if isinstance(value, str):
            exc.nearest = nearest_readable(value.strip(), kind, earlier, exc)
        raise
    except (Exception, RecursionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DerivationSyntaxError(
            f"cannot read this step ({type(exc).__name__}: {reason[:200]})", text[:200]
        ) from None


# A nearest form is searched for steps up to this length (the longest honest step is about
# 100 characters): each edit tried is a parse, and a hostile step should not cost several.
LONGEST_SUGGESTED = 200


def nearest_readable(
    text: str, kind: str, earlier: tuple[str, ...], error: DerivationSyntaxError
) -> str | None:
    """A form one edit away from ``text``, at the error's position, that is read; or None.

    The edits tried, in order: an unknown word replaced by the closest known name (or its
    only reading), the character at the position removed, the word there removed, and a
    missing ``)`` or ``}`` added at the end.
    """
    if len(text) > LONGEST_SUGGESTED:
        return None
    known = known_names(kind, earlier)
    at = error.position
    candidates: list[str] = []
    if at is not None and 0 <= at < len(text):
        word = re.match(r"[A-Za-z][A-Za-z0-9_]*", text[at:])
        if word:
            end = at + word.end()
            spaced = [" ".join(parts) for parts in readings(word.group(), (*known, "e"))]
            close = difflib.get_close_matches(word.group(), known, n=2, cutoff=0.5)
            candidates += [text[:at] + name + text[end:] for name in close + spaced[:1]]
            candidates.append(text[:at] + text[end:])
        candidates.append(text[:at] + text[at + 1 :])
    candidates += [text + ")", text + "}"]
    for candidate in candidates:
        if not candidate.strip() or candidate == text:
            continue
        try:
            _parse_step(candidate, kind, earlier)
        except (Exception, RecursionError):  # not read either: try the next edit
            continue
        return candidate
    return None


def _parse_step(value: Any, kind: str, earlier: tuple[str, ...]) -> Expression:
    known = known_names(kind, earlier)
    if isinstance(value, sympy.Basic):
        expr = value.subs(
            {s: sympy.Symbol(ALIASES[str(s)]) for s in value.free_symbols if str(s) in ALIASES}
        )
        unknown = sorted(str(s) for s in expr.free_symbols if str(s) not in known)
        if unknown:
            raise DerivationSyntaxError(_unknown(unknown[0], known), str(value))
        expr = bounded(expr, {}, str(value))
        if kind == "array":
            return Expression(str(value), "sympy", array=ArrayNode.from_sympy(expr))
        return Expression(str(value), "sympy", scalar=expr)
    text = value.strip()
    if not text:
        raise DerivationSyntaxError("the expression is empty", value, 0)
    if text in ("?", "...", "TODO"):  # an exercise's blank
        raise DerivationSyntaxError(f"not written yet: replace {text} by your expression", text, 0)
    if re.search(r"[\\{}^σ′ᵀ·×−ŷ∂Σ∑⊤]", text):  # LaTeX, or the symbols of a printed page
        return _parse_latex(text, kind, known)
    return _parse_python(text, kind, known)


# --- Python syntax ---------------------------------------------------------------------------


def _parse_python(text: str, kind: str, known: tuple[str, ...]) -> Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        try:  # "x dz", "2a", "x_j dz", "X dZ'": LaTeX without a backslash
            return _parse_latex(text, kind, known)
        except DerivationSyntaxError as latex:
            position = max(0, (exc.offset or 1) - 1)
            if latex.position is not None and latex.position >= position:
                raise  # the LaTeX reading went as far: its reason is the closer one
        raise DerivationSyntaxError(
            f"cannot read this as Python ({exc.msg}) nor as LaTeX", text, position
        ) from None
    reader = _PythonReader(text, kind, known)
    try:
        if kind == "scalar":
            return Expression(text, "python", scalar=reader.scalar(tree.body))
        return Expression(text, "python", array=reader.array(tree.body))
    except DerivationSyntaxError:
        try:  # "xdz": names run together, which only the LaTeX reading splits
            return _parse_latex(text, kind, known)
        except DerivationSyntaxError:
            pass
        raise


def _function_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in MODULE_PREFIXES
    ):
        return node.attr
    return None


class _PythonReader:
    """Translate a Python expression tree, node by node, to sympy or to an array tree."""

    def __init__(self, text: str, kind: str, known: tuple[str, ...]) -> None:
        self.text, self.kind, self.known = text, kind, known

    def fail(self, node: ast.AST, reason: str) -> DerivationSyntaxError:
        return DerivationSyntaxError(reason, self.text, getattr(node, "col_offset", None))

    def name(self, node: ast.Name) -> str:
        name = ALIASES.get(node.id, node.id)
        if name not in self.known:
            raise self.fail(node, _unknown(node.id, self.known))
        return name

    def number(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self.fail(node, f"{node.value!r} is not a number")
        if isinstance(node.value, float) and not math.isfinite(node.value):
            written = self.text[node.col_offset : node.end_col_offset]
            raise self.fail(node, f"{written} is beyond the range of a float (it is {node.value})")
        if isinstance(node.value, int) and node.value.bit_length() > 400:
            raise self.fail(node, "a number beyond 10^100 is not part of this derivation")
        return self.checked(node, sympy.Rational(repr(node.value)))  # 0.1 is one tenth

    def checked(self, node: ast.AST, value: Any) -> Any:
        """``value`` when it is within the bounds of a number, else a syntax error."""
        problem = _number_problem(value)
        if problem:
            raise self.fail(node, problem)
        return value

    def scalar(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return sympy.Symbol(self.name(node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.scalar(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            left, right = self.scalar(node.left), self.scalar(node.right)
            if isinstance(node.op, ast.Add):
                return self.checked(node, left + right)
            if isinstance(node.op, ast.Sub):
                return self.checked(node, left - right)
            if isinstance(node.op, ast.Mult | ast.MatMult):
                return self.checked(node, left * right)
            if isinstance(node.op, ast.Div):
                return self.checked(node, left / right)
            if isinstance(node.op, ast.Pow):
                problem = _power_problem(right)
                if problem:
                    raise self.fail(node.right, problem)
                return self.checked(node, left**right)
        if isinstance(node, ast.Call) and not node.keywords and len(node.args) == 1:
            function = _function_name(node.func)
            if function in ("sigma", "sigmoid"):
                return sigma(self.scalar(node.args[0]))
            if function in ("log", "exp", "sqrt"):
                return getattr(sympy, function)(self.scalar(node.args[0]))
            if not isinstance(node.func, ast.Attribute):  # a(1 - a), σ(z)(1 - σ(z)): products
                return self.checked(node, self.scalar(node.func) * self.scalar(node.args[0]))
        raise self.fail(node, f"{ast.unparse(node)!r} is not part of a derivation step here")

    def array(self, node: ast.expr) -> ArrayNode:
        if isinstance(node, ast.Constant):
            return ArrayNode("const", (), float(self.number(node)))
        if isinstance(node, ast.Name):
            return ArrayNode("name", (), self.name(node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.array(node.operand)
            return ArrayNode("neg", (inner,)) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
                   ast.Pow: "pow", ast.MatMult: "matmul"}  # fmt: skip
            op = ops.get(type(node.op))
            if op is not None:
                left, right = self.array(node.left), self.array(node.right)
                if op == "pow" and right.op == "const":
                    problem = _power_problem(sympy.Float(right.value))
                    if problem:
                        raise self.fail(node.right, problem)
                return ArrayNode(op, (left, right))
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return ArrayNode("transpose", (self.array(node.value),))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(node, f"{ast.unparse(node)!r} is not part of a derivation step here")

    def call(self, node: ast.Call) -> ArrayNode:
        """``np.f(...)``, a method ``X.dot(dZ.T)``, ``dZ.sum(axis=1)``, or a product ``A(1 - A)``."""
        args = list(node.args)
        function = _function_name(node.func)
        method = isinstance(node.func, ast.Attribute) and function is None
        if method:  # X.dot(Y) is np.dot(X, Y); dZ.sum() is np.sum(dZ)
            assert isinstance(node.func, ast.Attribute)
            function, args = node.func.attr, [node.func.value, *args]
        function = {"sigmoid": "sigma", "matmul": "dot", "multiply": "mul"}.get(
            function or "", function
        )
        if function in ("sum", "mean") and (node.keywords or len(args) == 2):
            return self.reduction(node, function, args)
        if not node.keywords and len(args) == ARRAY_FUNCTIONS.get(function or "", -1):
            return ArrayNode(function or "", tuple(self.array(a) for a in args))
        if not node.keywords and not isinstance(node.func, ast.Attribute) and len(args) == 1:
            return ArrayNode("mul", (self.array(node.func), self.array(args[0])))  # A(1 - A)
        raise self.fail(node, f"{ast.unparse(node)!r} is not part of a derivation step here")

    def reduction(self, node: ast.Call, function: str, args: list[ast.expr]) -> ArrayNode:
        """``np.sum(v, axis=1, keepdims=True)`` (or ``np.mean``): the axis and keepdims read."""
        options = {k.arg: k.value for k in node.keywords}
        if len(args) == 2:
            options.setdefault("axis", args[1])
        unknown = sorted(str(k) for k in options if k not in ("axis", "keepdims"))
        if unknown or len(args) not in (1, 2):
            raise self.fail(node, f"{function} takes an array, axis and keepdims here")
        axis = options.get("axis")
        try:
            value = None if axis is None else ast.literal_eval(axis)
            keep = ast.literal_eval(options["keepdims"]) if "keepdims" in options else False
        except ValueError:
            raise self.fail(node, "axis and keepdims are written as numbers here") from None
        if not (value is None or (isinstance(value, int) and not isinstance(value, bool))):
            raise self.fail(node, f"axis is 0, 1 or None, got {ast.unparse(axis)}")  # type: ignore[arg-type]
        if not isinstance(keep, bool):
            raise self.fail(node, "keepdims is True or False")
        return ArrayNode(function, (self.array(args[0]),), (value, keep))
