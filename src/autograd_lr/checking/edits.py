r"""The edits of the error model's rules: for one node of the learner's code, its replacements.

Each function takes ``(node, parent, ctx)`` and yields the nodes that could replace
``node`` (new nodes; the learner's tree is never changed), only where the edit
type-checks by what :class:`Context` knows (the shapes the trace recorded). The rules'
names and texts are in :mod:`~autograd_lr.checking.error_model`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
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
    modules: frozenset[str] = frozenset({"np", "numpy", "math"})  # names of modules
    # names assigned inside a for loop and also before it (a running sum's candidates)
    accumulators: frozenset[str] = frozenset()
    # the variables of ``for i in range(...)`` loops: the example's index i
    indices: frozenset[str] = frozenset()


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


def transpose_operand(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def drop_transpose(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield node.value
    elif _call_name(node) == "transpose" and isinstance(node, ast.Call) and node.args:
        yield node.args[0]


def elementwise_to_matmul(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        scalar = any(
            _known_scalar(s, ctx) or isinstance(s, ast.Constant) for s in (node.left, node.right)
        )
        if not scalar:
            yield _e(f"np.dot({_u(node.left)}, {_u(node.right)})")
    elif _call_name(node) in _ELEMENTWISE and isinstance(node, ast.Call) and len(node.args) == 2:
        yield _e(f"np.dot({_u(node.args[0])}, {_u(node.args[1])})")


def matmul_to_elementwise(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        yield ast.BinOp(node.left, ast.Mult(), node.right)
    elif _call_name(node) in _MATMUL and isinstance(node, ast.Call) and len(node.args) == 2:
        yield ast.BinOp(node.args[0], ast.Mult(), node.args[1])


def _is_value(node: ast.AST, parent: ast.AST | None) -> bool:
    """The whole right-hand side of an assignment, or a name returned (directly, in a
    tuple, or passed to a function of the learner's that builds the return value)."""
    if isinstance(parent, ast.Assign | ast.AugAssign):
        return node is parent.value
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return False  # a target (n_x, m = X.shape) is not a value
    if isinstance(node, ast.Name) and isinstance(parent, ast.Tuple | ast.Return):
        return True
    return (
        isinstance(node, ast.Name)
        and isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and node in parent.args
        and parent.func.id not in ("range", "len", "float", "int")
    )


def add_sum(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    # an entry of a running sum too: dw[j, 0] = ... -> dw[j, 0] += ...
    summed = target.value if isinstance(target, ast.Subscript) else target
    if (
        isinstance(node, ast.Assign)
        and isinstance(target, ast.Name | ast.Subscript)
        and isinstance(summed, ast.Name)
        and summed.id in ctx.accumulators
    ):
        # the loop's form of the sum over examples: db = dz -> db += dz
        yield ast.AugAssign(target, ast.Add(), node.value)
        return
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


def remove_sum(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call) and _call_name(node) == "sum" and node.args:
        yield node.args[0]
    elif isinstance(node, ast.Call) and _call_name(node) == ".sum":
        assert isinstance(node.func, ast.Attribute)
        yield node.func.value


def shape_axis(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``X.shape[1]`` <-> ``X.shape[0]``: m is the axis of the examples, n_x of the features."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "shape"
        and isinstance(node.slice, ast.Constant)
        and node.slice.value in (0, 1)
    ):
        yield ast.Subscript(node.value, ast.Constant(1 - node.slice.value), ast.Load())


def change_axis(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    swapped = list(shape_axis(node, parent, ctx))
    if swapped:
        yield from swapped
        return
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


def squeeze(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def reshape_column(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def example_index(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``X[i]`` (a row) ↔ ``X[:, i]`` (example i; or as a column ``X[:, i:i + 1]``),
    ``Y[i]`` → ``Y[0, i]``, ``X[i, j]`` ↔ ``X[j, i]``."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return
    shape = ctx.shapes.get(node.value.id, ())
    index = node.slice
    if isinstance(index, ast.Tuple) and len(index.elts) == 2:
        first, second = index.elts
        if isinstance(first, ast.Slice) or isinstance(second, ast.Slice):
            if isinstance(first, ast.Slice) and _u(first) == ":" and _indexes(second):
                yield ast.Subscript(node.value, second, ast.Load())  # X[:, i] -> X[i]
            return
        if _u(first) != _u(second) and (_indexes(first) or _indexes(second)):
            yield ast.Subscript(node.value, ast.Tuple([second, first], ast.Load()), ast.Load())
    elif len(shape) == 2 and isinstance(index, ast.Name) and index.id in ctx.indices:
        i = index.id
        ways = [f"0, {i}"] if shape[0] == 1 else []  # a label: one number
        for way in [*ways, f":, {i}", f":, {i}:{i} + 1"]:
            yield ast.Subscript(node.value, _e(f"a[{way}]").slice, ast.Load())  # type: ignore[attr-defined]


def _indexes(node: ast.AST) -> bool:
    """An index that is a name (a loop's index), not a constant."""
    return isinstance(node, ast.Name)


def _divides_by_m(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and not isinstance(node.right, ast.Constant)
    )


def add_mean(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not isinstance(node, ast.expr) or isinstance(node, ast.Constant):
        return
    inside_sum = (
        isinstance(parent, ast.Call)
        and _call_name(parent) in (*_SUM, "squeeze")
        and node in parent.args
    )
    # a value of a dictionary is a value too: {"dw": np.dot(X, dZ.T)} -> np.dot(X, dZ.T) / m
    in_dict = isinstance(parent, ast.Dict) and node in parent.values
    if (_is_value(node, parent) or inside_sum or in_dict) and not _divides_by_m(node):
        yield _e(f"({_u(node)}) / {ctx.m}")


def remove_mean(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def flip_sign(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if (
        isinstance(node, ast.Name)
        and isinstance(parent, ast.Call)
        and _call_name(parent) == "exp"
        and node in parent.args
    ):
        yield ast.UnaryOp(ast.USub(), node)  # σ(z) = 1 / (1 + e^(−z))
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


def log_complement(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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
        elif isinstance(node, ast.Name | ast.Subscript):  # Y, or one label Y[0, i]
            yield _e(f"(1 - {_u(node)})")
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


_ARRAY_ATTRIBUTES = ("T", "shape", "reshape", "sum", "mean", "astype", "squeeze", "dot")


def swap_variable(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
        return
    if isinstance(parent, ast.Call) and node is parent.func:
        return
    if node.id in ctx.global_arrays:
        for p in ctx.parameters:
            yield ast.Name(p, ast.Load())
        return
    if _in_index(node, parent):
        # an index takes the loop's index: X[:, m] -> X[:, i], Y[0, X] -> Y[0, i]
        for other in sorted(ctx.indices - {node.id}):
            yield ast.Name(other, ast.Load())
    shape = ctx.shapes.get(node.id)
    of_module = isinstance(parent, ast.Attribute) and parent.attr not in _ARRAY_ATTRIBUTES
    if shape is None and not of_module and node.id not in ctx.modules:
        # never bound when the trace read it (used before its assignment): any name
        for other in ctx.shapes:
            yield ast.Name(other, ast.Load())
        return
    if shape is None:
        return
    # a name of the same shape (a number for a number: n_x for m); inside a sum, any array (the sum hides the shape)
    summed = isinstance(parent, ast.Call) and _call_name(parent) in (*_SUM, "mean")
    for other, s in ctx.shapes.items():
        if other != node.id and (s == shape or (summed and len(s) > 0 and len(shape) > 0)):
            yield ast.Name(other, ast.Load())


def _in_index(node: ast.AST, parent: ast.AST | None) -> bool:
    """``node`` is an index of a subscript, a slice's bound or ``node ± 1`` (``i + 1``)."""
    if isinstance(parent, ast.Slice | ast.Tuple):
        return True  # X[:, i:i + 1], Y[0, i] (or a tuple returned: one more candidate at most)
    if isinstance(parent, ast.Subscript) and node is parent.slice:
        return True
    return (
        isinstance(parent, ast.BinOp)
        and isinstance(parent.op, ast.Add | ast.Sub)
        and node is parent.left
        and isinstance(parent.right, ast.Constant)
        and parent.right.value == 1
    )


def add_sigmoid(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not (ctx.sigmoid and isinstance(node, ast.expr) and _is_value(node, parent)):
        return
    if _call_name(node) != ctx.sigmoid and not isinstance(node, ast.Constant):
        yield _e(f"{ctx.sigmoid}({_u(node)})")


def remove_sigmoid(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if ctx.sigmoid and isinstance(node, ast.Call) and _call_name(node) == ctx.sigmoid and node.args:
        yield node.args[0]


def bias_into_sigmoid(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if not (ctx.sigmoid and isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)):
        return
    op = "+" if isinstance(node.op, ast.Add) else "-"
    for inside, outside in ((node.left, node.right), (node.right, node.left)):
        if isinstance(inside, ast.Call) and _call_name(inside) == ctx.sigmoid and inside.args:
            yield _e(f"{ctx.sigmoid}({_u(inside.args[0])} {op} {_u(outside)})")


def loop_bounds(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def epsilon(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def operand_order(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


def inplace_update(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """Delete a statement that changes or rebinds an argument (``w -= ...``, ``X = X / 255``)."""
    if isinstance(node, ast.AugAssign | ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if names & set(ctx.parameters):
            yield ast.Pass()


def return_order(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if (
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Tuple)
        and len(node.value.elts) == 2
    ):
        a, b = node.value.elts
        yield ast.Return(ast.Tuple([b, a], ast.Load()))


def return_keys(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    if isinstance(node, ast.Dict) and len(node.keys) == 2:
        keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
        for wanted in (("dw", "db"), ("db", "dw")):
            if tuple(keys) != wanted:
                yield ast.Dict([ast.Constant(k) for k in wanted], node.values)


def dtype(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
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


# --- the sigmoid's own slips: σ(z) = 1 / (1 + e^{-z}), entry by entry --------------------

_MATH_TO_NUMPY = ("exp", "log", "log1p", "sqrt")


def array_function(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``math.exp(x)`` ↦ ``np.exp(x)``: numpy's function acts on every entry of an array."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "math"
        and node.func.attr in _MATH_TO_NUMPY
    ):
        numpy = ast.Attribute(ast.Name("np", ast.Load()), node.func.attr, ast.Load())
        yield ast.Call(numpy, node.args, node.keywords)


def true_division(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``a // b`` ↦ ``a / b``: floor division rounds σ's values in (0, 1) down to 0."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
        yield ast.BinOp(node.left, ast.Div(), node.right)


def group_denominator(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``a / b + c`` ↦ ``a / (b + c)``: ``1/1 + e^{-z}`` divides before it adds."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add | ast.Sub)
        and isinstance(node.left, ast.BinOp)
        and isinstance(node.left.op, ast.Div)
    ):
        grouped = ast.BinOp(node.left.right, node.op, node.right)
        yield ast.BinOp(node.left.left, ast.Div(), grouped)


def one_plus(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``a / e^{-z}`` ↦ ``a / (1 + e^{-z})``: σ's denominator is 1 + e^{-z}."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and _call_name(node.right) in ("exp", ".exp")
    ):
        yield ast.BinOp(node.left, ast.Div(), ast.BinOp(ast.Constant(1), ast.Add(), node.right))


def value_for_slope(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``s * (1 - s)`` ↦ ``s``: σ′(z) = s(1 − s) returned where σ(z) = s is asked for."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for s, other in ((node.left, node.right), (node.right, node.left)):
            if (
                isinstance(other, ast.BinOp)
                and isinstance(other.op, ast.Sub)
                and isinstance(other.left, ast.Constant)
                and other.left.value == 1
                and _u(other.right) == _u(s)
            ):
                yield s
