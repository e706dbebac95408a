r"""The error model: correction rules, each an AST edit in the lecture's terms.

A rule proposes, for one node of the learner's code, the nodes that could replace it:

.. math::

    \text{rule}: \text{node} \mapsto \{\text{node}'_1, \dots, \text{node}'_k\}

(``transpose_operand``: ``Y`` ↦ ``Y.T``; ``flip_sign``: ``Y - A`` ↦ ``A - Y``; ...). The
repair search (:mod:`~autograd_lr.checking.repair`) applies them at the first wrong
line, then at its neighbours, and keeps the smallest set of edits that makes the whole
check pass; only then is the rule's text shown to the learner. Each rule carries that
text at the hint levels (:data:`~autograd_lr.checking.types.HINT_LEVELS`): its
``concept`` (what is wrong, in the lecture's words, no code) and its ``location`` (which
step of the computation); the fix is the repaired line itself.

Most rules are their own inverse in pairs (``add_sum`` / ``remove_sum``), so the same
table both plants a mistake in a right program (the tests' mutants) and repairs it.
A rule proposes an edit only where it type-checks by what the trace knows: a transpose
of a name that is not a matrix, or a swap between names of different shapes, is never
proposed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Shapes = dict[str, tuple[int, ...]]


@dataclass
class Context:
    """What the rules may know about the learner's function: shapes, parameters, names."""

    shapes: Shapes = field(default_factory=dict)  # name -> shape, from the trace
    parameters: tuple[str, ...] = ("w", "b", "X", "Y")
    sigmoid: str = "sigmoid"  # how the learner's code calls σ ("" if it never does)
    m: str = "m"  # an expression for m in the learner's names
    global_arrays: frozenset[str] = frozenset()  # names of arrays the code reads from globals


Propose = Callable[[ast.AST, ast.AST | None, Context], Iterator[ast.AST]]


@dataclass(frozen=True)
class Rule:
    """A correction rule: a stable name, its texts at two hint levels, and its edit."""

    name: str
    concept: str
    location: str
    propose: Propose


def _e(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _u(node: ast.AST) -> str:
    return ast.unparse(node)


def _call_name(node: ast.AST) -> str:
    """``np.dot`` / ``dot`` / ``x.sum`` -> "dot", "dot", ".sum"."""
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute):
            if isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy"):
                return f.attr
            return "." + f.attr
        if isinstance(f, ast.Name):
            return f.id
    return ""


_MATMUL = ("dot", "matmul")
_SUM = ("sum", ".sum")
_ELEMENTWISE = ("multiply",)


def _is_operand(node: ast.AST, parent: ast.AST | None) -> bool:
    """An array-valued operand of an operation (not a constant, not a function, not an index)."""
    if isinstance(node, ast.Constant) or parent is None:
        return False
    if isinstance(parent, ast.BinOp):
        return True
    if isinstance(parent, ast.Call):
        return node in parent.args and _call_name(parent) not in ("range", "len")
    return False


def _known_scalar(node: ast.AST, ctx: Context) -> bool:
    return isinstance(node, ast.Name) and len(ctx.shapes.get(node.id, (0, 0))) < 2


# --- the rules' edits ---------------------------------------------------------------------


def _transpose_operand(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if _call_name(node) in _MATMUL and isinstance(node, ast.Call) and len(node.args) == 2:
        # the transpose moved to the other operand: np.dot(Y.T, L) -> np.dot(Y, L.T)
        a, b = node.args
        if isinstance(a, ast.Attribute) and a.attr == "T":
            yield ast.Call(node.func, [a.value, _transposed(b)], [])
        elif isinstance(b, ast.Attribute) and b.attr == "T":
            yield ast.Call(node.func, [_transposed(a), b.value], [])
    if not isinstance(node, ast.expr) or not _is_operand(node, parent):
        return
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return
    if isinstance(node, ast.Name):
        shape = ctx.shapes.get(node.id)
        if shape is not None and (len(shape) < 2 or shape[0] == shape[1]):
            return
    yield ast.Attribute(value=node, attr="T", ctx=ast.Load())


def _drop_transpose(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield node.value
    elif _call_name(node) == "transpose" and isinstance(node, ast.Call) and node.args:
        yield node.args[0]


def _elementwise_to_matmul(
    node: ast.AST, parent: ast.AST | None, ctx: Context
) -> Iterator[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        scalar = any(
            _known_scalar(s, ctx) or isinstance(s, ast.Constant) for s in (node.left, node.right)
        )
        if not scalar:
            yield _e(f"np.dot({_u(node.left)}, {_u(node.right)})")
    elif _call_name(node) in _ELEMENTWISE and isinstance(node, ast.Call) and len(node.args) == 2:
        yield _e(f"np.dot({_u(node.args[0])}, {_u(node.args[1])})")


def _matmul_to_elementwise(
    node: ast.AST, parent: ast.AST | None, ctx: Context
) -> Iterator[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        yield ast.BinOp(node.left, ast.Mult(), node.right)
    elif _call_name(node) in _MATMUL and isinstance(node, ast.Call) and len(node.args) == 2:
        yield ast.BinOp(node.args[0], ast.Mult(), node.args[1])


def _is_value(node: ast.AST, parent: ast.AST | None) -> bool:
    """The whole right-hand side of an assignment, or an operand directly inside it."""
    if isinstance(parent, ast.Assign | ast.AugAssign):
        return node is parent.value
    return False


def _add_sum(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not isinstance(node, ast.expr) or isinstance(node, ast.Constant):
        return
    if _call_name(node) in (*_SUM, "mean", "squeeze", "float"):
        return
    if (
        _is_value(node, parent)
        or (
            isinstance(parent, ast.BinOp)
            and isinstance(parent.op, ast.Div | ast.Mult)
            and not isinstance(node, ast.Name)
        )
        or (_call_name(node) in (*_MATMUL, *_ELEMENTWISE))
    ):
        text = _u(node)
        yield _e(f"np.sum({text})")
        yield _e(f"np.sum({text}, axis=1, keepdims=True)")


def _remove_sum(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call) and _call_name(node) == "sum" and node.args:
        yield node.args[0]
    elif isinstance(node, ast.Call) and _call_name(node) == ".sum":
        assert isinstance(node.func, ast.Attribute)
        yield node.func.value


def _change_axis(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not (isinstance(node, ast.Call) and _call_name(node) in ("sum", "mean", ".sum", ".mean")):
        return
    keywords = {k.arg: k for k in node.keywords}
    positional_axis = _call_name(node) in ("sum", "mean") and len(node.args) > 1
    args = node.args[:1] if _call_name(node) in ("sum", "mean") else []
    current = (
        _u(keywords["axis"].value)
        if "axis" in keywords
        else (_u(node.args[1]) if positional_axis else "")
    )
    keep = "keepdims" in keywords
    for axis, keepdims in (("", False), ("0", False), ("1", False), ("0", True), ("1", True)):
        if axis == current and keepdims == keep:
            continue
        kw = [ast.keyword("axis", _e(axis))] if axis else []
        if keepdims:
            kw.append(ast.keyword("keepdims", ast.Constant(True)))
        yield ast.Call(node.func, list(args), kw)


def _squeeze(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call) and _call_name(node) in ("squeeze", "float") and node.args:
        yield node.args[0]
    elif isinstance(node, ast.Call) and _call_name(node) == ".squeeze":
        assert isinstance(node.func, ast.Attribute)
        yield node.func.value
    elif (
        isinstance(node, ast.expr)
        and _is_value(node, parent)
        and not isinstance(node, ast.Constant)
    ):
        yield _e(f"np.squeeze({_u(node)})")


def _reshape_column(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``X[:, i]`` (n_x,) ↔ ``X[:, i:i + 1]`` (n_x, 1): one example as a column."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple):
        return
    elts = node.slice.elts
    for k, elt in enumerate(elts):
        if isinstance(elt, ast.Slice):
            if (
                elt.lower is not None
                and elt.upper is not None
                and elt.step is None
                and _u(elt.upper) == f"{_u(elt.lower)} + 1"
            ):
                new = [*elts[:k], elt.lower, *elts[k + 1 :]]
                yield ast.Subscript(node.value, ast.Tuple(new, ast.Load()), ast.Load())
            continue
        index = _u(elt)
        new = [*elts[:k], _e(f"a[{index}:{index} + 1]").slice, *elts[k + 1 :]]  # type: ignore[attr-defined]
        yield ast.Subscript(node.value, ast.Tuple(new, ast.Load()), ast.Load())


def _divides_by_m(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and not isinstance(node.right, ast.Constant)
    )


def _add_mean(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not isinstance(node, ast.expr) or isinstance(node, ast.Constant):
        return
    inside_sum = isinstance(parent, ast.Call) and _call_name(parent) in (*_SUM, "squeeze")
    if (_is_value(node, parent) or inside_sum) and not _divides_by_m(node):
        yield _e(f"({_u(node)}) / {ctx.m}")


def _remove_mean(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and not isinstance(node.right, ast.Constant)
    ):
        yield node.left
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for mine, other in ((node.left, node.right), (node.right, node.left)):
            if (
                isinstance(mine, ast.BinOp)
                and isinstance(mine.op, ast.Div)
                and isinstance(mine.left, ast.Constant)
            ):
                yield other
    elif isinstance(node, ast.Call) and _call_name(node) == "mean" and node.args:
        yield ast.Call(_e("np.sum"), node.args, node.keywords)


def _flip_sign(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield node.operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
        if not isinstance(node.left, ast.Constant):
            yield ast.BinOp(node.right, ast.Sub(), node.left)
        yield ast.BinOp(node.left, ast.Add(), node.right)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield ast.BinOp(node.left, ast.Sub(), node.right)
    if isinstance(node, ast.expr) and _is_value(node, parent) and not isinstance(node, ast.UnaryOp):
        yield ast.UnaryOp(ast.USub(), node)


def _is_log(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _call_name(node) == "log" and len(node.args) == 1


def _log_complement(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if (
        isinstance(parent, ast.BinOp)
        and isinstance(parent.op, ast.Mult)
        and any(_is_log(side) for side in (parent.left, parent.right) if side is not node)
    ):
        # the label paired with a logarithm: y with log a, 1 − y with log(1 − a)
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Sub)
            and isinstance(node.left, ast.Constant)
            and node.left.value == 1
        ):
            yield node.right
        elif isinstance(node, ast.Name):
            yield _e(f"(1 - {node.id})")
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Sub)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
        and _is_log(node.right)
    ):
        assert isinstance(node.right, ast.Call)
        yield _e(f"np.log(1 - {_u(node.right.args[0])})")
    elif _is_log(node):
        assert isinstance(node, ast.Call)
        inner = node.args[0]
        if (
            isinstance(inner, ast.BinOp)
            and isinstance(inner.op, ast.Sub)
            and isinstance(inner.left, ast.Constant)
            and inner.left.value == 1
        ):
            yield _e(f"1 - np.log({_u(inner.right)})")


def _swap_variable(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
        return
    if isinstance(parent, ast.Call) and node is parent.func:
        return
    if node.id in ctx.global_arrays:
        for p in ctx.parameters:
            yield ast.Name(p, ast.Load())
        return
    shape = ctx.shapes.get(node.id)
    if shape is None or len(shape) == 0:
        return
    # a name of the same shape; inside a sum, any array (the sum hides the shape)
    summed = isinstance(parent, ast.Call) and _call_name(parent) in (*_SUM, "mean")
    for other, s in ctx.shapes.items():
        if other != node.id and (s == shape or (summed and len(s) > 0)):
            yield ast.Name(other, ast.Load())


def _add_sigmoid(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not (ctx.sigmoid and isinstance(node, ast.expr) and _is_value(node, parent)):
        return
    if _call_name(node) != ctx.sigmoid and not isinstance(node, ast.Constant):
        yield _e(f"{ctx.sigmoid}({_u(node)})")


def _remove_sigmoid(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if ctx.sigmoid and isinstance(node, ast.Call) and _call_name(node) == ctx.sigmoid and node.args:
        yield node.args[0]


def _bias_into_sigmoid(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not (ctx.sigmoid and isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)):
        return
    op = "+" if isinstance(node.op, ast.Add) else "-"
    for inside, outside in ((node.left, node.right), (node.right, node.left)):
        if isinstance(inside, ast.Call) and _call_name(inside) == ctx.sigmoid and inside.args:
            yield _e(f"{ctx.sigmoid}({_u(inside.args[0])} {op} {_u(outside)})")


def _loop_bounds(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not (isinstance(node, ast.Call) and _call_name(node) == "range" and node.args):
        return
    if len(node.args) == 2:
        yield ast.Call(node.func, [node.args[1]], [])
    stop = node.args[-1]
    if isinstance(stop, ast.BinOp) and isinstance(stop.right, ast.Constant):
        yield ast.Call(node.func, [*node.args[:-1], stop.left], [])
    elif len(node.args) == 1:
        yield _e(f"range(1, {_u(stop)})")
        yield _e(f"range({_u(stop)} - 1)")


def _epsilon(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not _is_log(node):
        return
    assert isinstance(node, ast.Call)
    inner = node.args[0]
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Add):
        for term, other in ((inner.right, inner.left), (inner.left, inner.right)):
            if isinstance(term, ast.Constant | ast.Name) and not isinstance(other, ast.Constant):
                if isinstance(term, ast.Name) and term.id in ctx.shapes:
                    continue
                yield ast.Call(node.func, [other], [])
    else:
        yield ast.Call(node.func, [ast.BinOp(inner, ast.Add(), ast.Constant(1e-8))], [])


def _operand_order(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if _call_name(node) in _MATMUL and isinstance(node, ast.Call) and len(node.args) == 2:
        a, b = node.args
        yield ast.Call(node.func, [b, a], [])
        yield ast.Call(node.func, [_transposed(b), _transposed(a)], [])
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        yield ast.BinOp(node.right, ast.MatMult(), node.left)
        yield ast.BinOp(_transposed(node.right), ast.MatMult(), _transposed(node.left))


def _transposed(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return node.value
    return ast.Attribute(value=node, attr="T", ctx=ast.Load())


def _inplace_update(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """Delete a statement that changes or rebinds an argument (``w -= ...``, ``X = X / 255``)."""
    if isinstance(node, ast.AugAssign | ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if names & set(ctx.parameters):
            yield ast.Pass()


def _return_order(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if (
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Tuple)
        and len(node.value.elts) == 2
    ):
        a, b = node.value.elts
        yield ast.Return(ast.Tuple([b, a], ast.Load()))


def _return_keys(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Dict) and len(node.keys) == 2 and isinstance(parent, ast.Tuple):
        keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
        for wanted in (("dw", "db"), ("db", "dw")):
            if tuple(keys) != wanted:
                yield ast.Dict([ast.Constant(k) for k in wanted], node.values)


def _dtype(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call) and _call_name(node) == ".astype":
        assert isinstance(node.func, ast.Attribute)
        yield node.func.value
    elif (
        isinstance(node, ast.Call)
        and _call_name(node) in ("float32", "float16", "int32", "int64", "int")
        and node.args
    ):
        if not isinstance(parent, ast.Call | ast.keyword):
            yield node.args[0]
    elif isinstance(node, ast.Call) and any(k.arg == "dtype" for k in node.keywords):
        yield ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "dtype"])


# --- the table ----------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "return_order",
        "propagate returns the gradients first, then the cost: (grads, cost).",
        "the return statement puts the two values in the other order.",
        _return_order,
    ),
    Rule(
        "return_keys",
        'the course reads the gradients as grads["dw"] and grads["db"].',
        "the dictionary of gradients has other keys.",
        _return_keys,
    ),
    Rule(
        "inplace_update",
        "propagate only computes the cost and the gradients; it must not change w, b, X or Y (the update w := w − α dw belongs to the optimisation loop).",
        "this line changes one of the arguments.",
        _inplace_update,
    ),
    Rule(
        "dtype",
        "everything is computed in float64; a cast to a smaller type loses precision.",
        "this line casts a value to another type.",
        _dtype,
    ),
    Rule(
        "bias_into_sigmoid",
        "the bias is part of the logit: a = σ(z) with z = wᵀx + b, so b goes inside σ.",
        "on this line b is added after σ.",
        _bias_into_sigmoid,
    ),
    Rule(
        "log_complement",
        "the loss pairs y with log a and 1 − y with log(1 − a), the logarithm of the other class's probability (not 1 − log a).",
        "on this line a label or a logarithm is replaced by its complement.",
        _log_complement,
    ),
    Rule(
        "transpose_operand",
        "a matrix product pairs rows with columns: one operand must be transposed so that the shapes line up example by example.",
        "on this line an operand needs a transpose.",
        _transpose_operand,
    ),
    Rule(
        "drop_transpose",
        "a transpose here pairs the wrong dimensions (or turns an elementwise product into a table).",
        "on this line an operand is transposed that should not be.",
        _drop_transpose,
    ),
    Rule(
        "elementwise_to_matmul",
        "this quantity sums products over the examples: a matrix product, not an elementwise one.",
        "on this line an elementwise product should be a matrix product.",
        _elementwise_to_matmul,
    ),
    Rule(
        "matmul_to_elementwise",
        "this quantity pairs each example with itself: an elementwise product, not a matrix product (which forms every pair).",
        "on this line a matrix product should be elementwise.",
        _matmul_to_elementwise,
    ),
    Rule(
        "add_sum",
        "the cost and the gradients sum over the m examples.",
        "on this line the per-example values are not summed.",
        _add_sum,
    ),
    Rule(
        "remove_sum",
        "this value is per example (or already summed): it takes no sum here.",
        "on this line a sum is taken that should not be.",
        _remove_sum,
    ),
    Rule(
        "change_axis",
        "the sum over examples runs along the axis of the m columns, and dw keeps its shape (n_x, 1).",
        "on this line the sum runs along the wrong axis (or drops a dimension).",
        _change_axis,
    ),
    Rule(
        "squeeze",
        "the shapes of the lecture: the cost and db are numbers, dw is a column (n_x, 1).",
        "this line gives a value of the wrong shape.",
        _squeeze,
    ),
    Rule(
        "reshape_column",
        "one example is a column x of shape (n_x, 1); X[:, i] drops that dimension and broadcasts against a column into a table.",
        "on this line one example is taken as a flat vector.",
        _reshape_column,
    ),
    Rule(
        "add_mean",
        "the cost and the gradients are means over the m examples: (1/m) Σ.",
        "on this line the factor 1/m is missing.",
        _add_mean,
    ),
    Rule(
        "remove_mean",
        "this value is divided by m once too often (or where it is a sum).",
        "on this line there is a division by m too many.",
        _remove_mean,
    ),
    Rule(
        "flip_sign",
        "a sign: the loss is −(y log a + (1 − y) log(1 − a)), dz = a − y, z = wᵀx + b.",
        "on this line a term has the wrong sign.",
        _flip_sign,
    ),
    Rule(
        "swap_variable",
        "a quantity is computed from the wrong variable.",
        "on this line one name stands for another.",
        _swap_variable,
    ),
    Rule(
        "add_sigmoid",
        "a = σ(z): the prediction passes the logit through the sigmoid.",
        "on this line σ is missing.",
        _add_sigmoid,
    ),
    Rule(
        "remove_sigmoid",
        "σ is applied once, to the logit z; applied to a it gives σ(σ(z)).",
        "on this line σ is applied once too often.",
        _remove_sigmoid,
    ),
    Rule(
        "loop_bounds",
        "the loop runs over every example, i = 0 … m − 1: range(m).",
        "the bounds of this loop leave out examples (or add one).",
        _loop_bounds,
    ),
    Rule(
        "epsilon",
        "log a is exact for 0 < a < 1; an ε inside the logarithm changes the cost.",
        "on this line the logarithm has an ε added.",
        _epsilon,
    ),
    Rule(
        "operand_order",
        "a matrix product does not commute: z = wᵀX takes w's transpose first; dw = X dZᵀ takes X first.",
        "on this line the operands of a matrix product are in the wrong order.",
        _operand_order,
    ),
)
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
