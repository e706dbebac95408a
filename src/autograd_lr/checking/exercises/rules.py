r"""The error model's rules for the exercises around ``propagate``: each an AST edit.

Like the rules of :mod:`~autograd_lr.checking.error_model`, a rule proposes, for one node
of the learner's code, the nodes that could replace it, and its text is shown only when
the repair search (:func:`~autograd_lr.checking.repair.search_with`) finds that the
edit makes the learner's function pass. These rules speak of gradient descent
(:math:`w := w - \alpha\, dw`), of the parameters' start (:math:`w = 0, b = 0.0`), of the
prediction rule (:math:`\hat y = [a > 0.5]`) and of the pipeline's arguments.

Each exercise's table (:data:`INITIALIZE`, :data:`OPTIMIZE`, :data:`PREDICT`,
:data:`MODEL`) lists the rules tried on it, in the order they are tried.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from autograd_lr.checking import edits
from autograd_lr.checking.edits import Context
from autograd_lr.checking.error_model import BY_NAME as ENGINE_RULES
from autograd_lr.checking.error_model import Rule

# the course's recording interval: the cost is kept at iterations 0, 100, 200, ...
COST_EVERY = 100


def _e(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _rate_parameter(ctx: Context) -> str:
    """The parameter that holds α: ``learning_rate`` (or the one named like it)."""
    for name in ctx.parameters:
        if name in ("learning_rate", "alpha", "lr"):
            return name
    return ""


# --- the edits ----------------------------------------------------------------------------


def descent_sign(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``w + α·dw`` -> ``w - α·dw``; ``w += α·dw`` -> ``w -= α·dw``."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add)
        and isinstance(node.right, ast.BinOp)
        and isinstance(node.right.op, ast.Mult)
    ):
        yield ast.BinOp(node.left, ast.Sub(), node.right)
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
        yield ast.AugAssign(node.target, ast.Sub(), node.value)


def learning_rate_argument(
    node: ast.AST, parent: ast.AST | None, ctx: Context
) -> Iterator[ast.AST]:
    """A hard-coded step size (``0.009``) -> the ``learning_rate`` argument."""
    rate = _rate_parameter(ctx)
    if (
        rate
        and isinstance(node, ast.Constant)
        and isinstance(node.value, float)
        and node.value not in (0.0, 0.5, 1.0)
        and not isinstance(parent, ast.keyword | ast.Compare)
    ):
        yield ast.Name(rate, ast.Load())


def iterations_argument(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """A hard-coded number of iterations (``range(2000)``, ``num_iterations=2000``) -> the argument."""
    if "num_iterations" not in ctx.parameters:
        return
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
        and node.value > 1
        and node.value != COST_EVERY
    ):
        yield ast.Name("num_iterations", ast.Load())


def swap_gradient(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``dw`` <-> ``db`` (a name or a key of the gradients' dictionary)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        for a, b in (("dw", "db"), ("db", "dw")):
            if a in node.id:
                yield ast.Name(node.id.replace(a, b), ast.Load())
    if (
        isinstance(node, ast.Constant)
        and node.value in ("dw", "db")
        and isinstance(parent, ast.Subscript)
    ):
        yield ast.Constant("db" if node.value == "dw" else "dw")


def record_every(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``i % 10 == 0`` -> ``i % 100 == 0``; ``i % 100 == 99`` -> ``i % 100 == 0``."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.right, ast.Constant)
        and node.right.value != COST_EVERY
    ):
        yield ast.BinOp(node.left, ast.Mod(), ast.Constant(COST_EVERY))
    if (
        isinstance(node, ast.Compare)
        and isinstance(node.left, ast.BinOp)
        and isinstance(node.left.op, ast.Mod)
        and len(node.comparators) == 1
        and isinstance(node.comparators[0], ast.Constant)
        and node.comparators[0].value != 0
    ):
        yield ast.Compare(node.left, [ast.Eq()], [ast.Constant(0)])


def drop_recompute(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """Delete a statement after the loop that computes the gradients again (at the new point)."""
    if not isinstance(node, ast.Assign) or not isinstance(parent, ast.FunctionDef):
        return
    loops = [k for k, s in enumerate(parent.body) if isinstance(s, ast.For)]
    if not loops or node not in parent.body or parent.body.index(node) < loops[0]:
        return
    in_loop = edits_assigned(parent.body[loops[0]])
    targets = {n for t in node.targets for n in _names(t)}
    if targets & in_loop and targets & {"grads", "dw", "db"}:
        yield ast.Pass()


def edits_assigned(loop: ast.stmt) -> set[str]:
    """The names a loop assigns."""
    out: set[str] = set()
    for n in ast.walk(loop):
        if isinstance(n, ast.Assign):
            out |= {x for t in n.targets for x in _names(t)}
        elif isinstance(n, ast.AugAssign):
            out |= _names(n.target)
    return out


def augassign_to_assign(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``w -= α·dw`` (changes the caller's array) -> ``w = w - α·dw`` (a new array)."""
    if (
        isinstance(node, ast.AugAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id in ctx.parameters
    ):
        target = ast.Name(node.target.id, ast.Store())
        value = ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value)
        yield ast.Assign([target], value, lineno=node.lineno)


def int_to_float(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``b = 0`` -> ``b = 0.0`` (an integer where the course asks for a float)."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
        and isinstance(parent, ast.Assign | ast.Tuple | ast.Return | ast.Call)
    ):
        if isinstance(parent, ast.Call) and not (
            isinstance(parent.func, ast.Name) and parent.func.id in ("int",)
        ):
            return
        yield ast.Constant(float(node.value))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "int"
        and node.args
    ):
        yield ast.Call(ast.Name("float", ast.Load()), node.args, [])


def zeros_shape(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``np.zeros(dim)`` / ``np.zeros((1, dim))`` -> ``np.zeros((dim, 1))`` (and the reverse)."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("zeros", "ones", "empty")
        and node.args
    ):
        return
    shape = node.args[0]
    options: list[ast.expr] = []
    if isinstance(shape, ast.Tuple) and len(shape.elts) == 2:
        a, b = shape.elts
        options.append(ast.Tuple([b, a], ast.Load()))
    elif isinstance(shape, ast.Tuple) and len(shape.elts) == 1:
        (a,) = shape.elts
        options += [ast.Tuple([a, ast.Constant(1)], ast.Load())]
        options += [ast.Tuple([ast.Constant(1), a], ast.Load())]
    elif not isinstance(shape, ast.Tuple | ast.List):
        options += [ast.Tuple([shape, ast.Constant(1)], ast.Load())]
        options += [ast.Tuple([ast.Constant(1), shape], ast.Load())]
    for new in options:
        yield ast.Call(node.func, [new, *node.args[1:]], node.keywords)


def threshold(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``A >= 0.5`` -> ``A > 0.5``; ``A > 0.6`` -> ``A > 0.5``; ``Z > 0.5`` -> ``Z > 0``."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return
    op, right = node.ops[0], node.comparators[0]
    flipped = {ast.GtE: ast.Gt, ast.Gt: ast.GtE, ast.LtE: ast.Lt, ast.Lt: ast.LtE}
    if type(op) in flipped:
        yield ast.Compare(node.left, [flipped[type(op)]()], node.comparators)
    if isinstance(right, ast.Constant) and isinstance(right.value, int | float):
        for value in (0.5, 0):
            if right.value != value:
                yield ast.Compare(node.left, node.ops, [ast.Constant(value)])


def labels_as_float(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``Y_prediction = A > 0.5`` (booleans) -> ``(A > 0.5).astype(float)`` (labels 0.0/1.0)."""
    if isinstance(node, ast.Compare) and isinstance(parent, ast.Assign | ast.Return):
        yield ast.Call(ast.Attribute(node, "astype", ast.Load()), [_e("float")], [])
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "astype"
        and len(node.args) == 1
        and ast.unparse(node.args[0]) not in ("float", "np.float64")
    ):
        yield ast.Call(node.func, [_e("float")], [])


def global_to_argument(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """A global array (the notebook's ``X``) -> one of the function's own arguments."""
    if (
        isinstance(node, ast.Name)
        and isinstance(node.ctx, ast.Load)
        and node.id in ctx.global_arrays
    ):
        for name in ctx.parameters:
            if name[:1].upper() == node.id[:1].upper():
                yield ast.Name(name, ast.Load())


def swap_data(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """``X_train`` <-> ``X_test`` (and the labels): the other set's data."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        for a, b in (("_train", "_test"), ("_test", "_train")):
            if node.id.endswith(a) and node.id[: -len(a)] + b in ctx.parameters:
                yield ast.Name(node.id[: -len(a)] + b, ast.Load())


def drop_reshape(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """Delete ``X_train = X_train.reshape(...).T``: the data come already flattened."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        text = ast.unparse(node.value)
        if (
            isinstance(target, ast.Name)
            and target.id in ctx.parameters
            and target.id in _names(node.value)
            and (".reshape" in text or text.endswith(".T") or "flatten" in text)
        ):
            yield ast.Pass()


def dictionary_key(node: ast.AST, parent: ast.AST | None, ctx: Context) -> Iterator[ast.AST]:
    """A key of the returned dictionary -> the course's key it is closest to."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and isinstance(parent, ast.Dict)
    ):
        for key in MODEL_KEYS:
            if key != node.value and (key.startswith(node.value) or node.value.startswith(key)):
                yield ast.Constant(key)
        for key in MODEL_KEYS:
            if key != node.value and key.lower() == node.value.lower().replace(" ", "_"):
                yield ast.Constant(key)


MODEL_KEYS = (
    "costs",
    "Y_prediction_test",
    "Y_prediction_train",
    "w",
    "b",
    "learning_rate",
    "num_iterations",
)

# --- the rules ----------------------------------------------------------------------------

_DESCENT_SIGN = Rule(
    "descent_sign",
    "gradient descent steps against the gradient: w := w − α dw and b := b − α db (a plus sign climbs the cost).",
    "on this line the update adds the gradient step instead of subtracting it.",
    descent_sign,
)
_LEARNING_RATE = Rule(
    "learning_rate_argument",
    "the step size α is the learning_rate argument: the caller chooses it, the function uses it.",
    "on this line a number is written where the learning_rate argument belongs.",
    learning_rate_argument,
)
_ITERATIONS = Rule(
    "iterations_argument",
    "the number of steps is the num_iterations argument: the caller chooses it.",
    "on this line a number is written where the num_iterations argument belongs.",
    iterations_argument,
)
_SWAP_GRADIENT = Rule(
    "swap_gradient",
    "each parameter moves along its own derivative: w with dw = ∂J/∂w, b with db = ∂J/∂b.",
    "on this line one gradient stands for the other.",
    swap_gradient,
)
_RECORD_EVERY = Rule(
    "record_every",
    "the cost is recorded every 100 iterations, at iterations 0, 100, 200, ...",
    "on this line the cost is recorded at other iterations.",
    record_every,
)
_DROP_RECOMPUTE = Rule(
    "drop_recompute",
    "the gradients returned are those of the last iteration, the ones the last step used; computed again after the loop, they are the gradients at the new point.",
    "this line computes the gradients again after the loop.",
    drop_recompute,
)
_AUGASSIGN = Rule(
    "augassign_to_assign",
    "w -= α dw changes the caller's array in place; w = w − α dw makes a new one and leaves the caller's w as it was.",
    "this line changes an argument in place.",
    augassign_to_assign,
)
_INT_TO_FLOAT = Rule(
    "int_to_float",
    "b is a real number: it starts at 0.0, a float (the integer 0 is another type).",
    "on this line an integer is written where a float belongs.",
    int_to_float,
)
_ZEROS_SHAPE = Rule(
    "zeros_shape",
    "the lecture's shapes: w is a column (n_x, 1) and the predictions a row (1, m).",
    "on this line an array is created with the wrong shape.",
    zeros_shape,
)
_SHAPE_AXIS = Rule(
    "shape_axis",
    "the features are X's rows and the examples its columns: n_x = X.shape[0], m = X.shape[1].",
    "on this line a size is read from the wrong axis.",
    edits.shape_axis,
)
_THRESHOLD = Rule(
    "threshold",
    "the prediction is 1 exactly when a = σ(z) > 0.5, that is when z > 0; at a = 0.5 it is 0.",
    "on this line the comparison or its threshold is not the prediction rule's.",
    threshold,
)
_LABELS_AS_FLOAT = Rule(
    "labels_as_float",
    "the predictions are labels 0.0 and 1.0 in a float array, like Y.",
    "on this line the labels are booleans.",
    labels_as_float,
)
_GLOBAL_TO_ARGUMENT = Rule(
    "global_to_argument",
    "a function works on its arguments only: the notebook's global arrays are not the data it was given.",
    "on this line a global array is used where an argument belongs.",
    global_to_argument,
)
_SWAP_DATA = Rule(
    "swap_data",
    "each prediction is made on its own set: the training predictions on X_train, the test predictions on X_test.",
    "on this line the other set's data is used.",
    swap_data,
)
_DROP_RESHAPE = Rule(
    "drop_reshape",
    "the data come already flattened, (n_x, m): reshaping them again mixes features and examples.",
    "this line reshapes data that already have the lecture's layout.",
    drop_reshape,
)
_DICTIONARY_KEY = Rule(
    "dictionary_key",
    "the returned dictionary has the course's keys: costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations.",
    "on this line a key is not the course's.",
    dictionary_key,
)
_DTYPE = Rule(
    "float64",
    "the parameters and the labels are float64 arrays, like the data.",
    "on this line a value is given another type.",
    edits.dtype,
)

INITIALIZE: tuple[Rule, ...] = (_INT_TO_FLOAT, _ZEROS_SHAPE, _DTYPE, _SHAPE_AXIS)
OPTIMIZE: tuple[Rule, ...] = (
    _DESCENT_SIGN,
    _AUGASSIGN,
    _LEARNING_RATE,
    _ITERATIONS,
    _SWAP_GRADIENT,
    _RECORD_EVERY,
    _DROP_RECOMPUTE,
    _INT_TO_FLOAT,
)
PREDICT: tuple[Rule, ...] = (_THRESHOLD, _ZEROS_SHAPE, _LABELS_AS_FLOAT, _DTYPE, _SHAPE_AXIS)
MODEL: tuple[Rule, ...] = (
    _GLOBAL_TO_ARGUMENT,
    _DROP_RESHAPE,
    _SWAP_DATA,
    _SHAPE_AXIS,
    _LEARNING_RATE,
    _ITERATIONS,
    _DICTIONARY_KEY,
)
# every rule's text by name: the engine's and these (for the finding's diagnosis)
TABLE: dict[str, Rule] = {
    **ENGINE_RULES,
    **{r.name: r for r in (*INITIALIZE, *OPTIMIZE, *PREDICT, *MODEL)},
}
