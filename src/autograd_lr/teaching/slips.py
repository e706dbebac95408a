r"""Name a slip in a derivation step only by a correction that makes the step right.

The rules are the error model's (:mod:`autograd_lr.checking.error_model`): their names
and their texts at the hint levels have one home there, whether the learner wrote code
or a derivation. Here each rule has its *symbolic* edit, on the step as the checker
reads it (a sympy expression per example, an :class:`~autograd_lr.teaching.arrays.ArrayNode`
over m examples):

.. math::

    \text{rule}: \text{node} \mapsto \{\text{node}'_1, \dots, \text{node}'_k\}

(``flip_sign``: ``y/a`` ↦ ``-y/a``; ``add_mean``: ``X dZ^T`` ↦ ``X dZ^T / m``;
``remove_sigma_prime``: ``(a - y) a(1 - a)`` ↦ ``a - y``). :func:`find_correction` tries
the rules in the order of :data:`SYMBOLIC_RULES`, each at every node of the learner's
step, then (for a short step) pairs of them, one on the whole step and never two that
undo each other, and returns the first correction whose corrected step the caller's
``right`` judges right: the way the checker judges any step (numerically, against
``jax.grad``) and, per example, equal to the true step at 60 digits. A wrong step with
no such correction has no name: the report says where it is wrong, not why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import sympy

from autograd_lr.checking.error_model import ALL_BY_NAME
from autograd_lr.teaching.arrays import ArrayNode
from autograd_lr.teaching.syntax import sigma


@dataclass(frozen=True)
class Correction:
    """The rules whose corrections make the step right, and where: ``at`` became ``to``."""

    rules: tuple[str, ...]
    at: tuple[str, ...]
    to: tuple[str, ...]
    step: Any = field(default=None, compare=False, repr=False)  # the corrected step
    whole: tuple[bool, ...] = field(default=(), compare=False, repr=False)  # on all of it?


@dataclass(frozen=True)
class Context:
    """What a rule may look at besides the node: the step's name and the λ of J."""

    step: str
    lambd: float


ScalarEdit = Callable[[Any, Context], Iterator[Any]]
ArrayEdit = Callable[[ArrayNode, Context], Iterator[ArrayNode]]


@dataclass(frozen=True)
class SymbolicRule:
    """An error model rule's edit on a derivation step: per example, over m examples."""

    name: str
    scalar: ScalarEdit | None = None
    array: ArrayEdit | None = None


# --- per example: edits of a sympy expression -------------------------------------------------

a, y, z, x, w, b = sympy.symbols("a y z x w b")
# σ′ written in terms of a, as a(1 − a)
_SIGMA_PRIME = a * (1 - a)
# the steps in which a σ′ factor can be missing or doubled
_SIGMA_PRIME_STEPS = ("da_dz", "dz", "dw", "db")


def _flip_sign(node: Any, ctx: Context) -> Iterator[Any]:
    yield -node


def _add_one_minus_y_term(node: Any, ctx: Context) -> Iterator[Any]:
    if ctx.step == "da_dz" or not {a, y} <= node.free_symbols:
        return
    yield node + (1 - y) / (1 - a)  # the y = 0 term of dL/da, left out
    if isinstance(node, sympy.Add):
        for term in node.args:  # the y = 0 term without its weight 1 − y
            if a in term.free_symbols and y not in term.free_symbols:
                yield node - term + (1 - y) * term


def _add_sigma_prime(node: Any, ctx: Context) -> Iterator[Any]:
    if ctx.step not in _SIGMA_PRIME_STEPS:
        return
    if node == a:
        yield _SIGMA_PRIME  # σ written where σ′ is
    elif isinstance(node, sigma):
        yield node * (1 - node)
    yield node * _SIGMA_PRIME


def _remove_sigma_prime(node: Any, ctx: Context) -> Iterator[Any]:
    if ctx.step not in _SIGMA_PRIME_STEPS:
        return
    if a in node.free_symbols:
        yield node / _SIGMA_PRIME
    if z in node.free_symbols:  # σ′ written in z
        yield node / (sigma(z) * (1 - sigma(z)))


def _add_bias(node: Any, ctx: Context) -> Iterator[Any]:
    if isinstance(node, sigma) and b not in node.free_symbols and node.args[0] != z:
        yield sigma(node.args[0] + b)


def _add_input(node: Any, ctx: Context) -> Iterator[Any]:
    if ctx.step == "dw" and x not in node.free_symbols:
        yield x * node


def _remove_input(node: Any, ctx: Context) -> Iterator[Any]:
    if ctx.step in ("dw", "db") and x in node.free_symbols:
        yield node / x


SWAPS = {x: (w,), w: (x,), z: (a,), a: (z,)}


def _swap_variable(node: Any, ctx: Context) -> Iterator[Any]:
    yield from SWAPS.get(node, ())


# --- over m examples: edits of an ArrayNode -------------------------------------------------

M = ArrayNode("name", (), "m")
LAMBD = ArrayNode("name", (), "lambd")
DATA = frozenset({"X", "A", "Y", "Z", "dZ"})  # the names of the examples' data
PENALIZED = {"dJ_dw": ArrayNode("name", (), "w"), "d2J_dw2": ArrayNode("name", (), "I")}


def _neg(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.op != "const":
        yield ArrayNode("neg", (node,))


def _over_m(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.names() & DATA:
        yield ArrayNode("div", (node, M))


def _times_m(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.names() & DATA:
        yield ArrayNode("mul", (node, M))


def _l2_over_m(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if "lambd" in node.names() and not node.names() & DATA:
        yield ArrayNode("div", (node, M))


def _add_l2(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if ctx.lambd and ctx.step in PENALIZED and "lambd" not in node.names():
        l2 = ArrayNode("mul", (ArrayNode("div", (LAMBD, M)), PENALIZED[ctx.step]))
        yield ArrayNode("add", (node, l2))


def _unregularize_bias(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.op not in ("add", "sub"):
        return
    left, right = node.children
    if _is_bias_l2(right):
        yield left
    if _is_bias_l2(left):
        yield right if node.op == "add" else ArrayNode("neg", (right,))


def _is_bias_l2(node: ArrayNode) -> bool:
    return {"lambd", "b"} <= node.names() <= {"lambd", "b", "m"}


def _sigma_prime_of_a(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if ctx.step == "d2J_dw2" and node.op == "name" and node.value == "A":
        yield ArrayNode("mul", (node, ArrayNode("sub", (ArrayNode("const", (), 1.0), node))))


def _drop_x(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if ctx.step != "dJ_db" or node.op not in ("mul", "product", "matmul", "dot"):
        return
    rest = tuple(c for c in node.children if not (c.op == "name" and c.value == "X"))
    if 0 < len(rest) < len(node.children):
        yield rest[0] if len(rest) == 1 else replace(node, children=rest)


def _operand_order(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.op in ("matmul", "dot") or (node.op == "product" and len(node.children) >= 2):
        kids = node.children
        for k in range(len(kids) - 1):
            swapped = (*kids[:k], kids[k + 1], kids[k], *kids[k + 2 :])
            yield replace(node, children=swapped)


def _drop_transpose(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.op == "transpose":
        yield node.children[0]


def _transpose(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.op in ("name", "product", "matmul", "dot") and node.names() & DATA:
        yield ArrayNode("transpose", (node,))


def _change_axis(node: ArrayNode, ctx: Context) -> Iterator[ArrayNode]:
    if node.op in ("sum", "mean") and node.value != (1, True):
        yield replace(node, value=(1, True))


# In the order they are tried: of two corrections that both make a step right, the first
# rule's is named (the L2 term's own 1/m before the mean's, a sign before anything else).
SYMBOLIC_RULES: tuple[SymbolicRule, ...] = (
    SymbolicRule("flip_sign", _flip_sign, _neg),
    SymbolicRule("add_one_minus_y_term", _add_one_minus_y_term),
    SymbolicRule("add_sigma_prime", _add_sigma_prime, _sigma_prime_of_a),
    SymbolicRule("remove_sigma_prime", _remove_sigma_prime),
    SymbolicRule("add_bias", _add_bias),
    SymbolicRule("add_input", _add_input),
    SymbolicRule("remove_input", _remove_input, _drop_x),
    SymbolicRule("divide_l2_by_m", array=_l2_over_m),
    SymbolicRule("add_l2_term", array=_add_l2),
    SymbolicRule("unregularize_bias", array=_unregularize_bias),
    SymbolicRule("add_mean", array=_over_m),
    SymbolicRule("remove_mean", array=_times_m),
    SymbolicRule("operand_order", array=_operand_order),
    SymbolicRule("drop_transpose", array=_drop_transpose),
    SymbolicRule("transpose_operand", array=_transpose),
    SymbolicRule("change_axis", array=_change_axis),
    SymbolicRule("swap_variable", _swap_variable),
)
RULE_NAMES = tuple(r.name for r in SYMBOLIC_RULES)
# Rules that undo each other are never paired: together they edit a step at will (a(1 − a)
# put in one place and taken out at another removes any term with a factor a).
INVERSES = {
    frozenset(pair)
    for pair in (
        ("add_sigma_prime", "remove_sigma_prime"), ("add_input", "remove_input"),
        ("add_mean", "remove_mean"), ("transpose_operand", "drop_transpose"),
        ("add_mean", "divide_l2_by_m"),
    )
}  # fmt: skip
assert all(name in ALL_BY_NAME for name in RULE_NAMES), "every slip is a rule of the error model"


# --- the search -----------------------------------------------------------------------------

# Pairs of corrections are tried on steps with at most this many nodes: a pair is about
# (rules × nodes)² candidates, each judged numerically.
LARGEST_STEP_FOR_PAIRS = 12
# Candidates judged at most for one step (singles, then pairs): a bound on the time a
# wrong step costs, a few seconds at most.
LARGEST_SEARCH = 600


def _scalar_paths(expr: Any, path: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    """The position of every node but a number, root first (a node met twice is tried twice)."""
    if not expr.is_Number:
        yield path
    for k, arg in enumerate(expr.args):
        yield from _scalar_paths(arg, (*path, k))


def _scalar_at(expr: Any, path: tuple[int, ...]) -> Any:
    for k in path:
        expr = expr.args[k]
    return expr


def _scalar_put(expr: Any, path: tuple[int, ...], new: Any) -> Any:
    """``expr`` with the node at ``path`` (only that one) replaced by ``new``."""
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _scalar_put(args[path[0]], path[1:], new)
    return expr.func(*args)


def _array_nodes(tree: ArrayNode, path: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    yield path
    node = _at(tree, path)
    for k in range(len(node.children)):
        yield from _array_nodes(tree, (*path, k))


def _at(tree: ArrayNode, path: tuple[int, ...]) -> ArrayNode:
    for k in path:
        tree = tree.children[k]
    return tree


def _put(tree: ArrayNode, path: tuple[int, ...], new: ArrayNode) -> ArrayNode:
    if not path:
        return new
    kids = list(tree.children)
    kids[path[0]] = _put(kids[path[0]], path[1:], new)
    return replace(tree, children=tuple(kids))


Single = tuple[str, tuple[int, ...], Any, Any, Any]


def _singles(tree: Any, ctx: Context, kind: str) -> Iterator[Single]:
    """Every single correction: (rule, where, the node, its replacement, the corrected step)."""
    for rule in SYMBOLIC_RULES:
        edit = rule.scalar if kind == "scalar" else rule.array
        if edit is None:
            continue
        if kind == "scalar":
            for path in _scalar_paths(tree):
                node = _scalar_at(tree, path)
                for new in edit(node, ctx):
                    yield rule.name, path, node, new, _scalar_put(tree, path, new)
        else:
            for path in _array_nodes(tree):
                node = _at(tree, path)
                for new in edit(node, ctx):
                    yield rule.name, path, node, new, _put(tree, path, new)


def find_correction(
    tree: Any, kind: str, ctx: Context, right: Callable[[Any], bool]
) -> Correction | None:
    """The first correction (one rule, else two) after which ``right`` judges the step right.

    ``tree`` is the learner's step (sympy per example, ``kind == "scalar"``; an
    :class:`ArrayNode` over m examples), ``right`` the checker's verdict on a corrected
    step. None when no correction of the error model makes it right.
    """
    singles = []
    for count, single in enumerate(_singles(tree, ctx, kind)):
        if count >= LARGEST_SEARCH:
            return None
        name, path, node, new, corrected = single
        if right(corrected):
            return Correction((name,), (_text(node),), (_text(new),), corrected, (not path,))
        singles.append(single)
    paths = _scalar_paths(tree) if kind == "scalar" else _array_nodes(tree)
    size = sum(1 for _ in paths)
    if size > LARGEST_STEP_FOR_PAIRS:
        return None
    budget = LARGEST_SEARCH - len(singles)
    for name, path, node, new, corrected in singles:
        for second, path2, node2, new2, twice in _singles(corrected, ctx, kind):
            if not _pairs(name, path, second, path2):
                continue
            budget -= 1
            if budget < 0:
                return None
            if right(twice):
                return Correction((name, second), (_text(node), _text(node2)),
                                  (_text(new), _text(new2)), twice,
                                  (not path, not path2))  # fmt: skip
    return None


def _pairs(first: str, at: tuple[int, ...], second: str, then: tuple[int, ...]) -> bool:
    """Whether two corrections are tried together: two rules, not inverses, one on the whole step.

    Two local edits could cancel any two terms of a step against each other (a term's sign
    flipped, another term's x dropped to match it): a coincidence, not a diagnosis. A
    correction of the whole step (its sign, its 1/m, its transpose) with one local one is
    what learners' double slips look like.
    """
    return first != second and frozenset((first, second)) not in INVERSES and not (at and then)


# --- text -----------------------------------------------------------------------------------

_INFIX = {"add": " + ", "sub": " - ", "mul": " * ", "div": " / ", "pow": "**", "matmul": " @ "}
_LOOSE = ("add", "sub", "neg")  # operations a product or a power puts in parentheses


def _text(node: Any) -> str:
    """A node as plain text: sympy's printer per example, Python syntax over m examples."""
    if not isinstance(node, ArrayNode):
        return str(node)
    if node.op == "name":
        return str(node.value)
    if node.op == "const":
        return f"{node.value:g}"
    if node.op == "pow" and node.children[1] == ArrayNode("const", (), -1.0):
        return f"1/{_wrapped(node.children[0], tight=True)}"
    kids = [_text(c) for c in node.children]
    if node.op in ("add", "sub"):
        right = node.children[1]
        minus_one = ArrayNode("const", (), -1.0)
        if node.op == "add" and right.op == "product" and right.children[0] == minus_one:
            rest = right.children[1:]  # a - b read from LaTeX: a + (-1) b
            negated = replace(right, children=rest) if len(rest) > 1 else rest[0]
            return f"{kids[0]} - {_wrapped(negated)}"
        return f"{kids[0]}{_INFIX[node.op]}{_wrapped(right) if node.op == 'sub' else kids[1]}"
    if node.op in _INFIX:
        tight = node.op == "pow"
        return _INFIX[node.op].join(_wrapped(c, tight) for c in node.children)
    if node.op == "neg":
        inner = node.children[0]
        return f"-{_text(inner)}" if inner.op in ("name", "const") else f"-({_text(inner)})"
    if node.op == "transpose":
        return f"{_wrapped(node.children[0], tight=True)}.T"
    if node.op == "product":
        return " ".join(_wrapped(c) for c in node.children)
    if node.op in ("sum", "mean") and node.value is not None:
        axis, keep = node.value
        return f"np.{node.op}({kids[0]}, axis={axis}, keepdims={keep})"
    if node.op == "sum_examples":
        return f"sum({kids[0]})"
    return f"{node.op}({', '.join(kids)})"


def _wrapped(node: ArrayNode, tight: bool = False) -> str:
    """``node``'s text, in parentheses where an operation around it binds tighter."""
    text = _text(node)
    loose = node.op in _LOOSE or (tight and node.op not in ("name", "const", "transpose"))
    return f"({text})" if loose else text
