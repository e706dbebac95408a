r"""Candidate programs: the edits the error model proposes on a learner's function, applied.

.. math:: f' = e_k(\cdots e_1(f)), \qquad e_i = (\text{rule}, \text{path}, \text{after})

An :class:`Edit` is plain data (the rule's name, the line, the path of the node from the
``def``, its code before and after), so that candidates can be listed, compared and
sent to another process; :func:`apply_edit` returns a new tree that shares every node it
does not change (the learner's tree is never modified) and :func:`program` its source.
A program may hold the learner's helpers beside the searched function (``Defs``):
an edit names the ``def`` it changes, and :func:`apply_to` applies it there.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_lr.checking.error_model import RULES, Context, Rule
from autograd_lr.checking.tracing import parse_function, trace


@dataclass(frozen=True)
class Edit:
    """One rule applied to one node: where (path from the ``def``), before and after (code)."""

    rule: str
    line: int
    path: tuple[tuple[str, int], ...]
    statement: tuple[tuple[str, int], ...]  # the path of the enclosing statement
    before: str
    after: str  # "pass" for a deleted statement
    kind: str  # "expr" or "stmt"
    function: str = ""  # the learner's helper it edits ("" for the searched function)


# The searched function's def first, then the defs of the learner's helpers it calls.
Defs = tuple[ast.FunctionDef, ...]


# --- enumerating edits ---------------------------------------------------------------------


def _walk(
    node: ast.AST,
    path: tuple[tuple[str, int], ...],
    statement: tuple[tuple[str, int], ...],
    parent: ast.AST | None,
) -> Iterator[
    tuple[ast.AST, ast.AST | None, tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]
]:
    yield node, parent, path, statement
    for name, value in ast.iter_fields(node):
        items = value if isinstance(value, list) else [value]
        for k, child in enumerate(items):
            if not isinstance(child, ast.AST) or isinstance(child, ast.expr_context | ast.operator):
                continue
            here = (*path, (name, k if isinstance(value, list) else -1))
            yield from _walk(child, here, here if isinstance(child, ast.stmt) else statement, node)


def _statement_line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def enumerate_edits(
    function: ast.FunctionDef,
    ctx: Context,
    lines: Sequence[int] | None = None,
    rules: Sequence[Rule] = RULES,
) -> list[Edit]:
    """Every edit every rule proposes on the given lines (all lines when ``None``), in line order.

    ``rules``: the error model's table by default; an exercise other than ``propagate``
    passes its own (:mod:`autograd_lr.checking.exercises.rules`)."""
    out: list[Edit] = []
    seen: set[tuple[tuple[tuple[str, int], ...], str]] = set()
    for node, parent, path, statement in _walk(function, (), (), None):
        if node is function or not statement:
            continue
        stmt = _at(function, statement)
        line = _statement_line(stmt)
        if lines is not None and line not in lines:
            continue
        if _in_body_of_compound(path, statement) or _in_while(function, path):
            continue
        before = ""
        for rule in rules:
            for new in rule.propose(node, parent, ctx):
                before = before or ast.unparse(node)
                after = ast.unparse(new)
                key = (path, after)
                if key in seen or after == before:
                    continue
                seen.add(key)
                kind = "stmt" if isinstance(node, ast.stmt) else "expr"
                out.append(Edit(rule.name, line, path, statement, before, after, kind))
    # on each line, in the table's order of rules (the simplest explanation first)
    order = {rule.name: k for k, rule in enumerate(rules)}
    return (
        sorted(out, key=lambda e: order[e.rule]) if lines is not None and len(lines) == 1 else out
    )


def _in_while(function: ast.FunctionDef, path: tuple[tuple[str, int], ...]) -> bool:
    """A node of a ``while`` loop: never edited, since an edit there (a counter's sign) could
    make the candidate loop for ever in this process."""
    node: Any = function
    for name, k in path:
        if isinstance(node, ast.While):
            return True
        node = getattr(node, name)
        if k >= 0:
            node = node[k]
    return isinstance(node, ast.While)


def _in_body_of_compound(
    path: tuple[tuple[str, int], ...], statement: tuple[tuple[str, int], ...]
) -> bool:
    """A node below a compound statement's header belongs to a body statement, not to it."""
    rest = path[len(statement) :]
    return bool(rest) and rest[0][0] in ("body", "orelse", "finalbody")


def _at(root: ast.AST, path: Sequence[tuple[str, int]]) -> Any:
    node: Any = root
    for name, k in path:
        node = getattr(node, name)
        if k >= 0:
            node = node[k]
    return node


def _replace(root: ast.AST, path: Sequence[tuple[str, int]], new: ast.AST) -> ast.AST:
    """A copy of ``root`` with the node at ``path`` replaced, sharing every other node."""
    if not path:
        return new
    (name, k), rest = path[0], path[1:]
    clone = copy.copy(root)
    child = getattr(root, name)
    if k >= 0:
        items = list(child)
        items[k] = _replace(child[k], rest, new)
        setattr(clone, name, items)
    else:
        setattr(clone, name, _replace(child, rest, new))
    return clone


def apply_edit(fn: ast.FunctionDef, e: Edit) -> ast.FunctionDef:
    """``fn`` with one edit applied (a new tree; ``fn`` is not changed)."""
    if e.kind == "stmt":
        new: ast.AST = ast.copy_location(ast.parse(e.after).body[0], _at(fn, e.path))
    else:
        new = ast.parse(e.after, mode="eval").body
    out = _replace(fn, e.path, new)
    assert isinstance(out, ast.FunctionDef)
    return out


def _edited(defs: Defs, e: Edit) -> int:
    """The place in ``defs`` of the def ``e`` edits."""
    if not e.function:
        return 0
    return next(k for k, d in enumerate(defs) if d.name == e.function)


def apply_to(defs: Defs, e: Edit) -> Defs:
    """``defs`` with one edit applied to the def it names (new trees; nothing is changed)."""
    k = _edited(defs, e)
    return (*defs[:k], apply_edit(defs[k], e), *defs[k + 1 :])


def apply(
    fn: ast.FunctionDef | Defs, edits: Sequence[Edit], source: dict[int, str] | None = None
) -> tuple[str, dict[int, str]]:
    """The function's source (with its helpers', for ``Defs``) with ``edits`` applied in
    order, and each edited line as it now reads: in the learner's own writing where
    ``source`` (line -> text) allows (each edit replaces code of that line as written),
    else as Python prints it."""
    original: Defs = (fn,) if isinstance(fn, ast.FunctionDef) else tuple(fn)
    defs = original
    for e in edits:
        defs = apply_to(defs, e)
    lines: dict[int, str] = {}
    for e in edits:
        stmt = _at(defs[_edited(defs, e)], e.statement)
        deleted = isinstance(stmt, ast.Pass)
        lines[e.line] = "(delete this line)" if deleted else ast.unparse(stmt).splitlines()[0]
    for line in lines:
        here = [e for e in edits if e.line == line]
        spliced = _spliced(original[_edited(original, here[0])], here, (source or {}).get(line))
        if spliced and lines[line] != "(delete this line)":
            lines[line] = spliced
    return program_of(defs), lines


def _spliced(fn: ast.FunctionDef, edits: Sequence[Edit], text: str | None) -> str:
    """``text`` with each edit's code put in place of the code it replaces, when every edit
    replaces one expression of the learner's tree on that line (no edit inside another)."""
    if text is None or any(e.kind != "expr" for e in edits):
        return ""
    spans = []
    for e in edits:
        try:
            node = _at(fn, e.path)
        except (AttributeError, IndexError, TypeError):
            return ""  # an edit inside code an earlier edit wrote
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        same_line = getattr(node, "lineno", None) == getattr(node, "end_lineno", None) == e.line
        if start is None or end is None or not same_line or ast.unparse(node) != e.before:
            return ""
        spans.append((start, end, e.after))
    spans.sort()
    if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
        return ""
    out = text.encode()  # col offsets count UTF-8 bytes
    for start, end, after in reversed(spans):
        out = out[:start] + after.encode() + out[end:]
    return out.decode().strip()


def program(fn: ast.FunctionDef) -> str:
    return ast.unparse(ast.Module([fn], []))


def program_of(defs: Defs) -> str:
    """The module of ``defs``: the helpers first, then the searched function."""
    return ast.unparse(ast.Module([*defs[1:], defs[0]], []))


def loop_indices(fn: ast.FunctionDef) -> frozenset[str]:
    """The variables ``i`` of the function's ``for i in range(...)`` loops (each a number)."""
    return frozenset(
        loop.target.id
        for loop in ast.walk(fn)
        if isinstance(loop, ast.For)
        and isinstance(loop.target, ast.Name)
        and isinstance(loop.iter, ast.Call)
        and isinstance(loop.iter.func, ast.Name)
        and loop.iter.func.id == "range"
    )


def single_edits(
    source: str, function: str, args: Sequence[Any], namespace: dict[str, Any] | None = None
) -> list[tuple[str, Edit]]:
    """Every program one correction rule makes of ``function`` in ``source`` (one edit at
    one place), with the edit: the single-rule mutants of a reference, for instance.

    The rules see the shapes ``function`` gives its arguments ``args`` (``(w, b, X, Y)``)
    and its assignments, from one trace of it on ``args`` with ``namespace`` as globals.
    """
    _, fn = parse_function(source, function)
    t = trace(source, function, tuple(args), namespace or {})
    parameters = [a.arg for a in fn.args.args]
    shapes = {e.name: e.value.shape for e in t.events if e.value.shape is not None}
    shapes.update(
        {name: tuple(getattr(a, "shape", ())) for name, a in zip(parameters, args, strict=False)}
    )
    indices = loop_indices(fn)
    shapes.update(dict.fromkeys(indices, ()))
    ctx = Context({k: v for k, v in shapes.items() if not k.startswith("return")}, indices=indices)
    return [(program(apply_edit(fn, e)), e) for e in enumerate_edits(fn, ctx)]
