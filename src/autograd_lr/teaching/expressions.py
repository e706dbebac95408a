r"""Read one step of a learner's derivation: Python syntax, LaTeX or a sympy expression.

A step is ``name = expression`` in the lecture's symbols. Per example (scalars):
:math:`a, y, z, x, w, b`, the functions :math:`\sigma` (``sigma``, ``sigmoid``), ``log``,
``exp`` and the names of earlier steps (``"dz": "da * da_dz"``). Over m examples
(arrays): ``X (n_x, m)``, ``A``, ``Y``, ``Z``, ``dZ (1, m)``, ``w (n_x, 1)``, ``b``, ``m``,
``lambd`` (λ), ``n_x``, ``I`` (the identity), with ``@``, ``.T``, ``sum``, ``mean``, ``diag``.

* **Python syntax** is read with :mod:`ast` and translated node by node from a short
  list (nothing is ever ``eval``-ed: a derivation may come from a course repository's
  Markdown). ``a(1 - a)`` is a product, as the learner means it.
* **LaTeX** (any text with ``\``, ``{``, ``}`` or ``^``) is read as a learner means it,
  then parsed with sympy's LaTeX parser and its lark backend: ``dz``, ``da``, ``dZ``,
  ``da_dz`` are step names (not d·z), ``x \cdot dz`` and ``x\,dz`` are products,
  ``\sigma(z)``, ``\hat{y}``, ``\lambda``, ``x_j``, ``x^{(i)}``, ``\frac{da}{dz}``,
  ``X\,dZ^T`` and ``\frac{1}{m}\sum_{i=1}^m dZ`` mean what they mean on paper. In a step
  over m examples the arrays are noncommutative symbols, so a product keeps the written
  order: ``X\,dZ^T`` is right and ``dZ^T X`` is not.
* A **sympy** expression is taken as it is.

Errors are :class:`DerivationSyntaxError` (a ``ValueError``) with the position in the
text, so a report can point at the character.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

import sympy
from sympy.core.function import AppliedUndef

from autograd_lr.teaching.arrays import ARRAY_FUNCTIONS, ArrayNode

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
    """A step that cannot be read: ``position`` is the 0-based index in ``text`` (or None)."""

    def __init__(self, reason: str, text: str, position: int | None = None) -> None:
        self.reason, self.text, self.position = reason, text, position
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
    except DerivationSyntaxError:
        raise
    except (Exception, RecursionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DerivationSyntaxError(
            f"cannot read this step ({type(exc).__name__}: {reason[:200]})", text[:200]
        ) from None


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
    if re.search(r"[\\{}^]", text):
        return _parse_latex(text, kind, known)
    return _parse_python(text, kind, known)


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


# --- Python syntax ---------------------------------------------------------------------------


def _parse_python(text: str, kind: str, known: tuple[str, ...]) -> Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        try:  # "x dz", "2a", "x_j dz": LaTeX without a backslash
            return _parse_latex(text, kind, known)
        except DerivationSyntaxError:
            pass
        position = max(0, (exc.offset or 1) - 1)
        raise DerivationSyntaxError(
            f"cannot read this as Python ({exc.msg}) nor as LaTeX", text, position
        ) from None
    reader = _PythonReader(text, kind, known)
    if kind == "scalar":
        return Expression(text, "python", scalar=reader.scalar(tree.body))
    return Expression(text, "python", array=reader.array(tree.body))


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
            if isinstance(node.func, ast.Name):  # a(1 - a): a product, as on paper
                return sympy.Symbol(self.name(node.func)) * self.scalar(node.args[0])
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
        if isinstance(node, ast.Call) and not node.keywords:
            function = _function_name(node.func)
            function = {"sigmoid": "sigma", "transpose": "transpose"}.get(function or "", function)
            if function in ARRAY_FUNCTIONS and len(node.args) == ARRAY_FUNCTIONS[function]:
                return ArrayNode(function, tuple(self.array(a) for a in node.args))
            if (
                isinstance(node.func, ast.Name)
                and len(node.args) == 1
                and function not in ARRAY_FUNCTIONS
            ):
                return ArrayNode("mul", (self.array(node.func), self.array(node.args[0])))
        raise self.fail(node, f"{ast.unparse(node)!r} is not part of a derivation step here")


# --- LaTeX -------------------------------------------------------------------------------------

# The learner's multi-letter names, longest first; each becomes a placeholder symbol P_{k}
# that the lark grammar reads as one symbol, and is renamed back after parsing.
_WORDS = ("da_dz", "dJ_dw", "dJ_db", "d2J_dw2", "lambd", "dZ", "da", "dz", "dw", "db", "n_x")
_FRACTIONS = {
    ("L", "a"): "da",
    ("a", "z"): "da_dz",
    ("L", "z"): "dz",
    ("L", "w"): "dw",
    ("L", "b"): "db",
}
# In a step over m examples, a lowercase name is the example's column of its array.
_COLUMNS = {"dz": "dZ", "a": "A", "y": "Y", "z": "Z", "x": "X"}
_SIGMA = r"\arccot"  # a function of the grammar no derivation uses; renamed to sigma after parsing
_DIAG = r"\arcsec"  # likewise for \operatorname{diag} (steps over m examples)
_TOKEN = re.compile(
    r"(?P<frac>\\frac\s*\{\s*(?:d|\\partial\s*)(?P<num>[A-Za-z])\s*\}\s*\{\s*(?:d|\\partial\s*)(?P<den>[A-Za-z])\s*\})"
    r"|(?P<sum>\\sum(?:\s*_\s*(?:\{[^{}]*\}|\w))?(?:\s*\^\s*(?:\{[^{}]*\}|\w))?)"
    r"|(?P<transpose>\^\s*(?:\{\s*(?:T|\\top|\\intercal|\\mathsf\{T\})\s*\}|T\b|\\top|\\intercal))"
    r"|(?P<index>\^\s*\{\s*\(\s*i\s*\)\s*\}|_\s*\{\s*[ij]\s*\}|_[ij](?![A-Za-z]))"
    r"|(?P<hat>\\hat\s*\{\s*y\s*\})"
    r"|(?P<sigma>\\sigma|\\operatorname\s*\{\s*sigmoid\s*\}|\\mathrm\s*\{\s*sigmoid\s*\})"
    r"|(?P<diag>\\operatorname\s*\{\s*diag\s*\}|\\mathrm\s*\{\s*diag\s*\})"
    r"|(?P<space>\\[,;:! ]|~|\\quad|\\qquad)"
    r"|(?P<paren>\\left\s*\(|\\right\s*\)|\\bigl\s*\(|\\bigr\s*\)|\\Bigl\s*\(|\\Bigr\s*\))"
    r"|(?P<command>\\[A-Za-z]+)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_APPLIED = (r"\log", r"\ln", r"\exp", _SIGMA, _DIAG)  # f(...) is wrapped in braces: {f(...)}
_OPERATORS = (r"\cdot", r"\times", r"\frac", r"\sqrt", r"\left", r"\right", *_APPLIED)


def _ends_operand(piece: str) -> bool:
    """Whether the rewritten LaTeX so far ends with an operand (a product may follow)."""
    if not piece or piece.endswith(_OPERATORS):
        return False
    return piece[-1] in ")}" or piece[-1].isalnum()


def _starts_operand(piece: str) -> bool:
    piece = piece.lstrip()
    if not piece or piece.startswith((r"\cdot", r"\times", r"\right")):
        return False
    return piece[0] in "(\\" or piece[0].isalnum()


def _wrap_applications(out: list[tuple[str, int]]) -> None:
    r"""``\log(a) y`` is ambiguous to the grammar (log of a·y?); ``{\log(a)} y`` is not."""
    for i, (piece, at) in enumerate(out):
        if piece.strip() not in _APPLIED:
            continue
        j = next((j for j in range(i + 1, len(out)) if out[j][0].strip()), None)
        if j is None or out[j][0].strip() != "(":
            continue
        depth = 0
        for k in range(j, len(out)):
            depth += out[k][0].count("(") - out[k][0].count(")")
            if depth == 0:
                out[i] = ("{" + piece, at)
                out[k] = (out[k][0] + "}", out[k][1])
                break


def _parse_latex(text: str, kind: str, known: tuple[str, ...]) -> Expression:
    out: list[tuple[str, int]] = []  # (piece of the rewritten LaTeX, its position in text)
    placeholders: dict[str, str] = {}  # placeholder symbol name -> the learner's name
    numbers: dict[str, Any] = {}  # placeholder symbol name -> the number it stands for
    single = set(known) | {"e"}

    def placeholder(name: str) -> str:
        key = f"P_{{{len(placeholders) + 1}}}"
        for existing, value in placeholders.items():
            if value == name:
                return existing
        placeholders[key] = name
        return key

    def emit(piece: str, position: int) -> None:
        prev = next((p.rstrip() for p, _ in reversed(out) if p.strip()), "")
        if _ends_operand(prev) and _starts_operand(piece):
            out.append((r" \cdot ", position))  # a(1 - a), x\,dz, 2a: products, as on paper
        out.append((piece, position))

    for match in _TOKEN.finditer(text):
        kind_of, piece, at = match.lastgroup, match.group(), match.start()
        if kind_of == "frac":
            step = _FRACTIONS.get((match.group("num"), match.group("den")))
            if step is None or step not in known:
                raise DerivationSyntaxError(_unknown(piece, known), text, at)
            emit(" " + placeholder(step) + " ", at)
        elif kind_of == "sum":
            if kind != "array":
                raise DerivationSyntaxError(
                    "a sum over examples belongs to the steps over m examples (dJ_dw, dJ_db)",
                    text,
                    at,
                )
            emit(" " + placeholder("sum") + " ", at)
        elif kind_of == "transpose":
            if kind != "array":
                raise DerivationSyntaxError(
                    "a transpose belongs to the steps over m examples", text, at
                )
            emit("^{T}", at)
        elif kind_of in ("index", "space"):
            emit(" ", at)
        elif kind_of == "hat":
            emit(" a " if kind == "scalar" else " A ", at)
        elif kind_of == "sigma":
            emit(_SIGMA, at)
        elif kind_of == "diag" or (kind_of == "word" and piece == "diag"):
            if kind != "array":
                raise DerivationSyntaxError(
                    "diag belongs to the steps over m examples (d2J_dw2)", text, at
                )
            emit(_DIAG, at)
        elif kind_of == "paren":
            emit("(" if "(" in piece else ")", at)
        elif kind_of == "command":
            if piece == r"\lambda":
                if "lambd" not in known:
                    raise DerivationSyntaxError(_unknown("lambda", known), text, at)
                emit(" " + placeholder("lambd") + " ", at)
            elif piece in (r"\cdot", r"\times"):
                emit(r" \cdot ", at)
            else:
                emit(piece, at)
        elif kind_of == "number":  # a symbol while parsing: sympy computes nothing with it
            if len(piece) > 40:
                raise DerivationSyntaxError(
                    "a number of more than 40 digits is not part of this derivation", text, at
                )
            key = f"N_{{{len(numbers) + 1}}}"
            numbers[key] = sympy.Rational(piece)
            prev = next((p.rstrip() for p, _ in reversed(out) if p.strip()), "")
            emit("{" + key + "}" if prev.endswith(("^", "_")) else " " + key + " ", at)
        elif kind_of == "word":
            name = ALIASES.get(piece, piece)
            if kind == "array":  # x^{(i)} dz^{(i)} inside a sum: the columns of X and dZ
                name = _COLUMNS.get(name, name)
            if name in _WORDS or name in placeholders.values():
                if name not in known:
                    raise DerivationSyntaxError(_unknown(piece, known), text, at)
                emit(" " + placeholder(name) + " ", at)
            elif name in ("sigma", "sigmoid"):
                emit(_SIGMA, at)
            elif name in ("log", "ln", "exp"):
                emit("\\" + name, at)
            else:  # juxtaposed single letters are a product: "ay" is a·y
                for offset, letter in enumerate(name):
                    if letter.isalpha() and letter not in single:
                        raise DerivationSyntaxError(
                            _unknown(piece if len(piece) > 1 else letter, known), text, at + offset
                        )
                    emit(f" {letter} ", at + offset)
        else:
            emit(piece, at)
    _wrap_applications(out)
    return _from_lark(text, out, placeholders, numbers, kind)


# The names whose values are arrays over m examples (b, m, λ, n_x and dJ_db are numbers):
# in LaTeX they are noncommutative symbols, so that sympy keeps X dZ^T in that order.
ARRAY_VALUED = ("X", "A", "Y", "Z", "dZ", "w", "I", "dJ_dw", "d2J_dw2")


def _symbol(name: str, commutative: bool = True) -> Any:
    return sympy.Symbol(name) if commutative else sympy.Symbol(name, commutative=False)


@functools.cache
def _latex_parser(noncommutative: frozenset[str]) -> Any:
    """sympy's lark LaTeX parser whose symbols named in ``noncommutative`` do not commute."""
    from sympy.parsing.latex.lark.latex_parser import LarkLaTeXParser
    from sympy.parsing.latex.lark.transformer import TransformToSymPyExpr

    class Transformer(TransformToSymPyExpr):
        def SYMBOL(self, token: Any) -> Any:
            return _symbol(str(token), str(token) not in noncommutative)

        def LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT(self, token: Any) -> Any:
            symbol = super().LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT(token)
            return _symbol(str(symbol), str(symbol) not in noncommutative)

    return LarkLaTeXParser(transformer=Transformer)


def _from_lark(
    text: str,
    out: list[tuple[str, int]],
    placeholders: dict[str, str],
    numbers: dict[str, Any],
    kind: str,
) -> Expression:
    from lark.exceptions import LarkError

    rewritten, origin = "", []
    for piece, at in out:
        rewritten += piece
        origin += [at] * len(piece)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the grammar's own deprecation notices
            if kind == "array":  # arrays do not commute: the written order is kept
                ordered = {k for k, v in placeholders.items() if v in ARRAY_VALUED}
                ordered |= {k for k in ARRAY_VALUED if len(k) == 1}
                expr = _latex_parser(frozenset(ordered)).doparse(rewritten)
            else:
                expr = _latex_parser(frozenset()).doparse(rewritten)
    except LarkError as exc:
        column = getattr(exc, "pos_in_stream", None)
        at_end = getattr(getattr(exc, "token", None), "type", None) in ("$END", "<EOF>")
        if at_end or column is None or not 0 <= column < len(origin):  # ended too early
            raise DerivationSyntaxError(
                "cannot read this LaTeX: it ends before the expression does "
                "(a missing argument, closing brace or parenthesis?)",
                text,
                len(text),
            ) from None
        position = origin[column]
        raise DerivationSyntaxError(
            f"cannot read this LaTeX: unexpected {text[position]!r}", text, position
        ) from None
    except Exception as exc:  # sympy's own errors on a malformed tree
        raise DerivationSyntaxError(f"cannot read this LaTeX: {exc}", text) from None
    if not isinstance(expr, sympy.Basic):
        raise DerivationSyntaxError(
            "this LaTeX can be read in more than one way; write the products with \\cdot", text
        )
    renames: dict[Any, Any] = {sympy.Symbol(k): sympy.Symbol(v) for k, v in placeholders.items()}
    renames.update(  # the noncommutative placeholders of arrays, renamed alike
        {_symbol(k, False): _symbol(v, False) for k, v in placeholders.items()}
    )
    renames.update({sympy.Symbol(k): v for k, v in numbers.items()})
    renames[sympy.Symbol("e")] = sympy.E
    expr = bounded(expr, renames, text).replace(sympy.acot, sigma)
    expr = expr.replace(sympy.asec, sympy.Function("diag"))
    if kind == "array":
        return Expression(text, "latex", array=ArrayNode.from_sympy(expr))
    return Expression(text, "latex", scalar=expr)
