r"""Read a step written in LaTeX, as a learner means it, with sympy's lark LaTeX parser.

See :mod:`~autograd_lr.teaching.expressions` for what a step may contain. Numbers are
placeholder symbols while lark parses (sympy computes nothing with them) and are put
back by :func:`~autograd_lr.teaching.syntax.bounded`; in a step over m examples the
array names are noncommutative symbols, so that a product keeps its written order.
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import Any

import sympy

from autograd_lr.teaching.arrays import ArrayNode
from autograd_lr.teaching.notation import AmbiguousWordError, normalize, split_word, strip_index
from autograd_lr.teaching.syntax import (
    ALIASES,
    SCALAR_SYMBOLS,
    STEP_NAMES,
    DerivationSyntaxError,
    Expression,
    _unknown,
    bounded,
    sigma,
)

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
_SIGMA_PRIME = r"\arccsc"  # likewise for σ'; renamed to σ(t)(1 - σ(t)) after parsing
_DIAG = r"\arcsec"  # likewise for \operatorname{diag} (steps over m examples)
_TOKEN = re.compile(
    r"(?P<operator>\\frac\s*\{\s*(?:d|\\partial)\s*\}\s*\{\s*(?:d|\\partial)\s*(?P<var>[A-Za-z])\s*\})"
    r"|(?P<frac>\\frac\s*\{\s*(?:d|\\partial\s*)(?P<num>[A-Za-z])\s*\}\s*\{\s*(?:d|\\partial\s*)(?P<den>[A-Za-z])\s*\})"
    r"|(?P<sum>\\sum(?:\s*_\s*(?:\{[^{}]*\}|\w))?(?:\s*\^\s*(?:\{[^{}]*\}|\w))?)"
    r"|(?P<transpose>\^\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T(?![0-9_])|\\top|\\intercal))"
    r"|(?P<prime>')"
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
_APPLIED = (
    r"\log",
    r"\ln",
    r"\exp",
    _SIGMA,
    _SIGMA_PRIME,
    _DIAG,
)  # f(...) is wrapped in braces: {f(...)}
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
    r"""``\log(a) y`` is ambiguous to the grammar (log of a·y?); ``{\log(a)} y`` is not.

    ``\log a`` alike: ``{\log a}``, the log of the one name after it.
    """
    for i, (piece, at) in enumerate(out):
        if piece.strip() not in _APPLIED:
            continue
        j = next((j for j in range(i + 1, len(out)) if out[j][0].strip()), None)
        if j is not None and re.fullmatch(r"[A-Za-z]|P_\{\d+\}", out[j][0].strip()):
            out[i] = ("{" + piece, at)  # \log a: the log of the one name after it
            out[j] = (out[j][0] + "}", out[j][1])
            continue
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
    """``text`` read as LaTeX, after :func:`~autograd_lr.teaching.notation.normalize`."""
    norm = normalize(text)
    try:
        expr = _parse_normalized(norm.text, kind, known)
    except DerivationSyntaxError as exc:
        if exc.text != norm.text:
            raise
        raise DerivationSyntaxError(exc.reason, text, norm.position(exc.position)) from None
    return Expression(text, "latex", scalar=expr.scalar, array=expr.array)


def _operand(text: str, start: int) -> tuple[int, int]:
    r"""The span of what an operator ``\frac{d}{da}`` applies to: a parenthesized group or a term."""
    begin = start + len(text[start:]) - len(text[start:].lstrip())
    if begin < len(text) and text[begin] == "(":
        depth = 0
        for k in range(begin, len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0:
                return begin + 1, k
        raise DerivationSyntaxError("this parenthesis is never closed", text, begin)
    depth = 0  # no parentheses: the operator applies to the term after it, up to + or -
    for k in range(begin, len(text)):
        depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(text[k], 0)
        if depth < 0 or (depth == 0 and k > begin and text[k] in "+-"):
            return begin, k
    return begin, len(text)


def _derivative(
    text: str, match: re.Match[str], kind: str, known: tuple[str, ...]
) -> tuple[Any, int]:
    r"""``\frac{\partial}{\partial a}(...)`` differentiated by sympy; and where the operand ends."""
    at, var = match.start(), match.group("var")
    if kind != "scalar":
        raise DerivationSyntaxError(
            "an operator d/d... belongs to the per-example steps; over m examples write the "
            "derivative itself",
            text,
            at,
        )
    if var not in SCALAR_SYMBOLS:
        raise DerivationSyntaxError(
            f"a derivative with respect to {var!r}: the variables are {', '.join(SCALAR_SYMBOLS)}",
            text,
            at,
        )
    begin, end = _operand(text, match.end())
    if not text[begin:end].strip():
        raise DerivationSyntaxError("the operator d/d... needs an expression after it", text, at)
    try:
        inner = _parse_normalized(text[begin:end], kind, known)
    except DerivationSyntaxError as exc:
        where = None if exc.position is None else begin + exc.position
        raise DerivationSyntaxError(exc.reason, text, where) from None
    closing = end + 1 if end < len(text) and text[end] == ")" else end
    return sympy.diff(inner.scalar, sympy.Symbol(var)), closing


def _parse_normalized(text: str, kind: str, known: tuple[str, ...]) -> Expression:
    out: list[tuple[str, int]] = []  # (piece of the rewritten LaTeX, its position in text)
    placeholders: dict[str, str] = {}  # placeholder symbol name -> the learner's name
    values: dict[str, Any] = {}  # placeholder symbol name -> the number or derivative it is
    vocabulary = (*known, "e", *(_COLUMNS if kind == "array" else ()))

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

    def emit_name(name: str, at: int) -> None:
        if kind == "array":  # x^{(i)} dz^{(i)} inside a sum: the columns of X and dZ
            name = _COLUMNS.get(name, name)
        if name not in known and name != "e":
            raise DerivationSyntaxError(_unknown(name, known), text, at)
        emit(f" {name} " if len(name) == 1 else " " + placeholder(name) + " ", at)

    skip = 0  # the end of an operator's operand, already read
    for match in _TOKEN.finditer(text):
        kind_of, piece, at = match.lastgroup, match.group(), match.start()
        if at < skip:
            continue
        if kind_of == "operator":
            derivative, skip = _derivative(text, match, kind, known)
            key = f"D_{{{len(values) + 1}}}"
            values[key] = derivative
            emit(" " + key + " ", at)
        elif kind_of == "frac":
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
            if kind == "array":  # per example, wᵀx is the scalar w_j x_j: nothing to do
                emit("^{T}", at)
        elif kind_of == "prime":
            prev = next((p.strip() for p, _ in reversed(out) if p.strip()), "")
            if prev == _SIGMA:  # σ'(z): the derivative of the sigmoid
                last = max(k for k, (p, _) in enumerate(out) if p.strip())
                out[last] = (_SIGMA_PRIME, out[last][1])
            elif kind == "array":  # dZ', (A - Y)': a transpose, as in MATLAB
                emit("^{T}", at)
            else:
                raise DerivationSyntaxError(
                    "a prime means a derivative only on the sigmoid, as in \\sigma'(z); "
                    "write the derivative itself here",
                    text,
                    at,
                )
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
            key = f"N_{{{len(values) + 1}}}"
            values[key] = sympy.Rational(piece)
            prev = next((p.rstrip() for p, _ in reversed(out) if p.strip()), "")
            emit("{" + key + "}" if prev.endswith(("^", "_")) else " " + key + " ", at)
        elif kind_of == "word":
            _read_word(piece, at, text, kind, known, vocabulary, emit, emit_name)
        else:
            emit(piece, at)
    _wrap_applications(out)
    return _from_lark(text, out, placeholders, values, kind, known)


def _read_word(
    piece: str,
    at: int,
    text: str,
    kind: str,
    known: tuple[str, ...],
    vocabulary: tuple[str, ...],
    emit: Any,
    emit_name: Any,
) -> None:
    """A run of letters: a name, a function, or names written without a space (``XdZ``)."""
    name = ALIASES.get(piece, piece)
    if name not in vocabulary:  # x_1, dZ_i: the index only says which feature or example
        name = ALIASES.get(strip_index(name), strip_index(name))
    if name in ("sigma", "sigmoid"):
        emit(_SIGMA, at)
    elif name in ("log", "ln", "exp"):
        emit("\\" + name, at)
    elif name in vocabulary:
        emit_name(name, at)
    elif name in _WORDS or name in STEP_NAMES:
        raise DerivationSyntaxError(_unknown(name, known), text, at)
    else:
        try:  # only a run of letters is split: a name with _ or digits was typed as one
            parts = split_word(name, vocabulary) if name.isalpha() else None
        except AmbiguousWordError as exc:
            raise DerivationSyntaxError(str(exc), text, at) from None
        if parts is None:
            raise DerivationSyntaxError(_unknown(piece, known), text, at)
        offset = 0
        for part in parts:
            emit_name(part, at + offset)
            offset += len(part)


# The names whose values are arrays over m examples (b, m, λ, n_x and dJ_db are numbers):
# in LaTeX they are noncommutative symbols, so that sympy keeps X dZ^T in that order.
ARRAY_VALUED = ("X", "A", "Y", "Z", "dZ", "w", "I", "dJ_dw", "d2J_dw2")


def _symbol(name: str, commutative: bool = True) -> Any:
    return sympy.Symbol(name) if commutative else sympy.Symbol(name, commutative=False)


@functools.cache
def _latex_parser() -> Any:
    """sympy's lark LaTeX parser (built once, ~1 s) whose transformer's ``noncommutative``
    names become noncommutative symbols (set before each parse; not thread-safe)."""
    from sympy.parsing.latex.lark.latex_parser import LarkLaTeXParser
    from sympy.parsing.latex.lark.transformer import TransformToSymPyExpr

    class Transformer(TransformToSymPyExpr):
        noncommutative: frozenset[str] = frozenset()

        def SYMBOL(self, token: Any) -> Any:
            return _symbol(str(token), str(token) not in self.noncommutative)

        def LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT(self, token: Any) -> Any:
            symbol = super().LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT(token)
            return _symbol(str(symbol), str(symbol) not in self.noncommutative)

    return LarkLaTeXParser(transformer=Transformer)


def _from_lark(
    text: str,
    out: list[tuple[str, int]],
    placeholders: dict[str, str],
    values: dict[str, Any],
    kind: str,
    known: tuple[str, ...],
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
            else:
                ordered = set()
            parser = _latex_parser()
            parser.transformer.noncommutative = frozenset(ordered)
            expr = parser.doparse(rewritten)
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
    renames.update({sympy.Symbol(k): v for k, v in values.items()})
    renames[sympy.Symbol("e")] = sympy.E
    expr = bounded(expr, renames, text).replace(sympy.acot, sigma)
    expr = expr.replace(sympy.acsc, lambda t: sigma(t) * (1 - sigma(t)))
    expr = expr.replace(sympy.asec, sympy.Function("diag"))
    stray = sorted(str(s) for s in expr.free_symbols if str(s) not in (*known, "sum", "T"))
    if stray:  # a form the grammar read in its own way (a symbol with primes, ...)
        raise DerivationSyntaxError(f"cannot read {stray[0]!r} as a name of this step", text)
    if kind == "array":
        return Expression(text, "latex", array=ArrayNode.from_sympy(expr))
    return Expression(text, "latex", scalar=expr)
