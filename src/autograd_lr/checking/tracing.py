r"""Run a learner's function line by line and record every value it assigns.

.. math::

    \text{trace}(f, p) = \bigl[(\ell, k, \text{name}, v)\bigr]: \text{line } \ell
    \text{ ran for the } k\text{-th time and bound } \text{name} = v

The learner's source is rewritten (an :mod:`ast` transformation) so that after every
assignment a hook records the values of the names it bound, by the learner's own
names, with the line and the occurrence (inside a loop, the occurrence is the
iteration); every ``return`` records the returned value's leaves (``return[0]['dw']``,
``return[1]``). The learner's helpers named in ``helpers`` (their own ``sigmoid``, defined
in the same source) are followed too: their names are recorded with the helper's name in
front (``sigmoid:z`` on entry, at the ``def`` line, ``sigmoid:return`` when it returns),
one call after another. When the code raises, the trace keeps the raising line and the shapes of
the operands on it, e.g. ``np.dot(Y, np.log(A))``: ``Y`` is (1, 3), ``np.log(A)`` is (1, 3).

**Self-contained.** This module imports only the standard library and numpy, so that
its source can be shipped as it is to a sandboxed process where the package is not
importable. Everything it returns is plain data (tuples, lists, numbers, strings and
numpy arrays). :func:`run_candidates` is the one runner of the repair search: the
in-process one; a sandbox may replace it by any function with the same signature.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FILENAME = "<learner>"
# Values with up to this many entries are recorded in full; larger ones by shape and
# dtype only. The problems a trace runs on are small (5 x 7), so every value of the
# lecture's computation fits, including an (m, m) table of all pairs.
TRACE_CAP = 4096
_HOOK, _RETURN = "__lr_trace__", "__lr_return__"


@dataclass
class Recorded:
    """One value: its shape (``()`` for a number), dtype, and entries (``None`` above the cap)."""

    shape: tuple[int, ...] | None  # None: not an array or a number
    dtype: str
    data: np.ndarray | None = None
    kind: str = ""  # type name for values that are not numeric

    def describe(self) -> str:
        if self.shape is None:
            return f"a {self.kind}"
        if self.shape == ():
            return (
                f"the number {float(np.asarray(self.data).real):.6g}"
                if self.data is not None
                else "a number"
            )
        return f"an array of shape {self.shape} ({self.dtype})"


def record(value: Any) -> Recorded:
    """Shape, dtype and (up to :data:`TRACE_CAP` entries) the values of ``value``."""
    if isinstance(value, bool | str | bytes | dict | list | tuple | type(None)) and not (
        isinstance(value, list | tuple) and _numeric_sequence(value)
    ):
        return Recorded(None, "", None, type(value).__name__)
    try:
        array = np.asarray(value)
    except Exception:
        return Recorded(None, "", None, type(value).__name__)
    if array.dtype.kind not in "biufc":
        return Recorded(None, "", None, type(value).__name__)
    data = np.array(array, copy=True) if array.size <= TRACE_CAP else None
    return Recorded(tuple(array.shape), str(array.dtype), data, type(value).__name__)


def _numeric_sequence(value: Sequence[Any]) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:
        return False


@dataclass
class Event:
    """Line ``line`` ran for the ``occurrence``-th time (from 0) and bound ``name``."""

    line: int
    occurrence: int
    name: str
    value: Recorded


@dataclass
class Raised:
    """The exception a traced run raised: where, and the shapes of the operands on that line."""

    type: str
    message: str
    line: int  # 0 when no line of the learner's function raised
    text: str
    operands: list[tuple[str, str]] = field(default_factory=list)  # (expression, description)
    failing: str = ""  # the innermost operation on the line that raises by itself

    def describe(self) -> str:
        parts = [f"{self.type}: {self.message}"]
        if self.failing:
            shapes = " and ".join(f"{e} is {d}" for e, d in self.operands)
            parts.append(f"`{self.failing}`: {shapes}" if shapes else f"`{self.failing}`")
        return "; ".join(parts)


@dataclass
class Trace:
    """Every assignment of one run, in order, the returned leaves and what was raised."""

    events: list[Event]
    raised: Raised | None
    lines: dict[int, str]  # line number -> the learner's line, as written

    def values(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]


# --- instrumentation ---------------------------------------------------------------------------


def _targets(node: ast.AST) -> list[str]:
    """The names an assignment target binds or changes (``dw[j] += ...`` changes ``dw``)."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for elt in node.elts for n in _targets(elt)]
    if isinstance(node, ast.Subscript | ast.Attribute):
        return _targets(node.value)
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


def _hook(line: int, names: Iterable[str], prefix: str = "") -> ast.stmt:
    names = list(names)
    keys: list[ast.expr | None] = [ast.Constant(prefix + n) for n in names]
    values: list[ast.expr] = [ast.Name(n, ast.Load()) for n in names]
    call = ast.Call(
        ast.Name(_HOOK, ast.Load()), [ast.Constant(line), ast.Dict(keys=keys, values=values)], []
    )
    return ast.Expr(call)


class _Instrument(ast.NodeTransformer):
    """Hooks after every assignment and around every returned value; in a helper, every
    name recorded has ``prefix`` (the helper's name and a colon) in front."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            new = self.visit(stmt)
            out.append(new)
            if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = list(dict.fromkeys(n for t in targets for n in _targets(t)))
                if names:
                    hook = _hook(stmt.lineno, names, self.prefix)
                    out.append(ast.copy_location(hook, stmt))
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, self._body(block))
        for name, value in ast.iter_fields(node):
            if name in ("body", "orelse", "finalbody"):
                continue
            if isinstance(value, ast.AST):
                setattr(node, name, self.visit(value))
        return node

    def visit_Return(self, node: ast.Return) -> ast.Return:
        value = node.value if node.value is not None else ast.Constant(None)
        name = ast.Constant(self.prefix + "return")
        node.value = ast.Call(
            ast.Name(_RETURN, ast.Load()), [ast.Constant(node.lineno), value, name], []
        )
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.decorator_list = []
        node.body = self._body(node.body)
        return node


def parse_function(source: str, function: str) -> tuple[ast.Module, ast.FunctionDef]:
    """The module of ``source`` (dedented) and its top-level ``def function``; ``ValueError`` if absent."""
    return _function_of(ast.parse(textwrap.dedent(source)), function)


def _leaves(value: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(value, tuple | list) and not _numeric_sequence(value) and len(value) <= 8:
        return [(n, v) for k, item in enumerate(value) for n, v in _leaves(item, f"{prefix}[{k}]")]
    if isinstance(value, dict):
        return [(n, v) for k, item in value.items() for n, v in _leaves(item, f"{prefix}[{k!r}]")]
    return [(prefix, value)]


def helper_defs(tree: ast.Module, function: str, helpers: Iterable[str]) -> list[ast.FunctionDef]:
    """The top-level ``def`` of each name of ``helpers`` that ``function`` of ``tree`` calls
    by that name (the learner's own ``sigmoid``, in the same source)."""
    _, node = _function_of(tree, function)
    called = {
        n.func.id
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    wanted = [h for h in dict.fromkeys(helpers) if h in called and h != function]
    return [_function_of(tree, h)[1] for h in wanted if _defines(tree, h)]


def _defines(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)


def _function_of(tree: ast.Module, function: str) -> tuple[ast.Module, ast.FunctionDef]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return tree, node
    raise ValueError(f"the source defines no function {function}(...)")


def compile_function(
    tree: ast.Module,
    function: str,
    namespace: dict[str, Any] | None = None,
    *,
    traced: bool,
    helpers: Iterable[str] = (),
) -> tuple[Callable[..., Any], dict[str, Any]]:
    """``function`` from ``tree`` (instrumented when ``traced``), defined in a copy of
    ``namespace``, with the learner's ``helpers`` it calls (:func:`helper_defs`) beside it."""
    followed = {h.name for h in helper_defs(tree, function, helpers)}
    tree = copy.deepcopy(tree)
    tree.body = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and (n.name == function or n.name in followed)
    ]
    if traced:
        body: list[ast.stmt] = []
        for node in tree.body:
            assert isinstance(node, ast.FunctionDef)
            if node.name == function:
                body.append(_Instrument().visit(node))
                continue
            prefix = f"{node.name}:"
            node = _Instrument(prefix).visit(node)
            # the arguments of each call, on entry, recorded at the def line
            parameters = [a.arg for a in node.args.args]
            entry = ast.copy_location(_hook(node.lineno, parameters, prefix), node)
            node.body = [entry, *node.body]
            body.append(node)
        tree.body = body
    ast.fix_missing_locations(tree)
    scope: dict[str, Any] = dict(namespace or {})
    scope.setdefault("np", np)
    scope.setdefault("numpy", np)
    exec(compile(tree, FILENAME, "exec"), scope)  # the learner's own code
    return scope[function], scope


# --- running ----------------------------------------------------------------------------------


def trace(
    source: str,
    function: str,
    args: Sequence[Any],
    namespace: dict[str, Any] | None = None,
    helpers: Sequence[str] = (),
) -> Trace:
    """Run ``function`` of ``source`` on copies of ``args`` and record every assignment.

    ``namespace``: the globals the learner's code sees (``np``, a ``sigmoid`` of theirs).
    ``helpers``: the names of the learner's functions to follow into, where ``source``
    defines them and ``function`` calls them (their events' names start with ``name:``).
    """
    tree, node = parse_function(source, function)
    lines = dict(enumerate(textwrap.dedent(source).splitlines(), start=1))
    events: list[Event] = []
    counts: dict[tuple[int, str], int] = {}

    def hook(line: int, values: dict[str, Any]) -> None:
        for name, value in values.items():
            k = counts.get((line, name), 0)
            counts[(line, name)] = k + 1
            events.append(Event(line, k, name, record(value)))

    def returned(line: int, value: Any, prefix: str = "return") -> Any:
        for name, leaf in _leaves(value, prefix):
            hook(line, {name: leaf})
        return value

    try:
        fn, scope = compile_function(tree, function, namespace, traced=True, helpers=helpers)
    except Exception as exc:
        raise ValueError(f"the function cannot be defined on its own: {exc}") from None
    scope[_HOOK], scope[_RETURN] = hook, returned
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    raised = None
    with warnings.catch_warnings(), _quiet():
        warnings.simplefilter("ignore")
        try:
            fn(*copies)
        except (Exception, SystemExit) as exc:
            followed = helper_defs(tree, function, helpers)
            raised = _raised(exc, lines, [node, *followed])
    return Trace(events, raised, lines)


def _raised(
    exc: BaseException, lines: dict[int, str], functions: Sequence[ast.FunctionDef]
) -> Raised:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    tb, frame = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            frame, line = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    if frame is None:
        return Raised(type(exc).__name__, message, 0, "")
    out = Raised(type(exc).__name__, message, line, lines.get(line, "").strip())
    statement = next(
        (
            s
            for function in functions
            for s in ast.walk(function)
            if isinstance(s, ast.stmt)
            and s.lineno <= line <= (s.end_lineno or s.lineno)
            and not isinstance(s, ast.FunctionDef | ast.For | ast.While | ast.If | ast.With)
        ),
        None,
    )
    if statement is not None:
        scope = {**frame.f_globals, **frame.f_locals}
        _failing_operation(statement, scope, out)
    return out


def _operands(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        return [a for a in node.args if not isinstance(a, ast.Starred)]
    if isinstance(node, ast.Subscript):
        return [node.value]
    return []


def _failing_operation(statement: ast.stmt, scope: dict[str, Any], out: Raised) -> None:
    """The innermost operation of ``statement`` whose operands evaluate but which raises itself."""
    candidates = [n for n in ast.walk(statement) if isinstance(n, ast.BinOp | ast.Call)]
    # smallest first: an operation raises on its own only if its operands did not
    for node in sorted(candidates, key=_size):
        if not _pure(node):
            continue  # evaluated again below: numpy and arithmetic only, no other call
        operands = _operands(node)
        try:
            values = [_evaluate(o, scope) for o in operands]
        except Exception:
            continue
        try:
            _evaluate(node, scope)
        except Exception:
            out.failing = ast.unparse(node)
            out.operands = [
                (ast.unparse(o), _shape_text(v))
                for o, v in zip(operands, values, strict=True)
                if not isinstance(o, ast.Constant)
            ]
            return


_NUMPY = ("np", "numpy")
_ARRAY_METHODS = (
    "reshape",
    "sum",
    "mean",
    "astype",
    "squeeze",
    "dot",
    "transpose",
    "ravel",
    "copy",
)


def _pure(node: ast.AST) -> bool:
    """Only numpy functions, array methods and arithmetic: safe to evaluate once more."""
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        f = call.func
        if not isinstance(f, ast.Attribute):
            return False
        if isinstance(f.value, ast.Name) and f.value.id in _NUMPY:
            continue
        if f.attr not in _ARRAY_METHODS:
            return False
    return True


def _evaluate(node: ast.expr, scope: dict[str, Any]) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return eval(compile(ast.Expression(body=node), FILENAME, "eval"), dict(scope))


def _size(node: ast.AST) -> int:
    return sum(1 for _ in ast.walk(node))


def _shape_text(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return str(tuple(shape))
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def _quiet() -> contextlib.ExitStack:
    """The learner's prints, silenced: their code runs once per candidate program."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


# --- the runner of candidate programs ---------------------------------------------------------

Problem = tuple[Any, ...]  # the arguments: (w, b, X, Y) for propagate, (z,) for sigmoid


@dataclass
class Outcome:
    """What one candidate returned on one problem, or what it raised (plain data)."""

    returned: Any = None
    error: str = ""
    modified: tuple[str, ...] = ()  # inputs changed in place
    # the line of the candidate program that raised (0: none, or not known to the runner)
    line: int = 0


def run_candidates(
    sources: Sequence[str],
    function: str,
    problems: Sequence[Problem],
    namespace: dict[str, Any] | None = None,
    keep_going: Callable[[int, Outcome], bool] | None = None,
) -> list[list[Outcome]]:
    """Run ``function`` of each source on ``problems`` in order, in this process.

    Each source is a module that defines ``function`` (the repair search passes the
    function alone); it runs with ``namespace`` as its globals (a copy).

    ``result[i][k]`` is source ``i``'s outcome on problem ``k``; a source's run stops after
    the first problem for which ``keep_going(k, outcome)`` is false (the rest of its list
    is then shorter). A source that does not compile gets one outcome with its error.
    """
    results: list[list[Outcome]] = []
    for source in sources:
        outcomes: list[Outcome] = []
        results.append(outcomes)
        scope: dict[str, Any] = dict(namespace or {})
        scope.setdefault("np", np)
        try:
            exec(compile(source, FILENAME, "exec"), scope)  # the candidate program
            fn = scope[function]
        except Exception as exc:
            outcomes.append(Outcome(error=f"{type(exc).__name__}: {exc}"))
            continue
        for k, args in enumerate(problems):
            outcome = run_one(fn, args)
            outcomes.append(outcome)
            if keep_going is not None and not keep_going(k, outcome):
                break
    return results


def _candidate_line(exc: BaseException) -> int:
    """The last line of the candidate program (:data:`FILENAME`) the exception passed through."""
    line, tb = 0, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run_one(fn: Callable[..., Any], args: Sequence[Any]) -> Outcome:
    """One call of ``fn`` on copies of ``args``, warnings silenced, exceptions recorded."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings(), np.errstate(all="ignore"), _quiet():
        warnings.simplefilter("ignore")
        try:
            returned = fn(*copies)
        except (Exception, SystemExit) as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}", line=_candidate_line(exc))
    names = (
        ("w", "b", "X", "Y") if len(args) == 4 else tuple(f"argument {k}" for k in range(len(args)))
    )
    modified = tuple(
        n
        for n, before, after in zip(names, args, copies, strict=True)
        if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True)
    )
    return Outcome(returned, "", modified)
