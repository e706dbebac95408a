r"""Verified repair: the smallest set of correction rules that makes the learner's program pass.

.. math::

    \text{repair}(f) = \operatorname*{arg\,min}_{E \subseteq \text{edits},\ |E| \le 3}
    |E| \quad \text{such that } E(f) \text{ passes the check on every problem}

Breadth-first by number of edits: the rules of :mod:`~autograd_lr.checking.error_model`
are tried at the first wrong line (:mod:`~autograd_lr.checking.alignment`), then at the
lines that feed it or read it, then elsewhere; pairs and triples grow from the edits that
made progress (more of ``dw``, ``db``, the cost right on the first failing problem, an
exception gone, or raised further on in the program) and from the edits at the located
line; the rules on a state that made progress see the shapes of its own trace. "Passes"
means what the check means: on every problem, ``dw``, ``db`` and the cost agree with the
oracles to :data:`~autograd_lr.checking.thresholds.GRADIENT_RTOL` /
:data:`~autograd_lr.checking.thresholds.COST_RTOL`, in the course's return contract,
and no argument is changed. A candidate stops at its first failing problem.

The candidates and their results are plain data (:class:`Edit`, source text,
:class:`~autograd_lr.checking.tracing.Outcome`), and the runner is a parameter with the
signature of :func:`~autograd_lr.checking.tracing.run_candidates`, so a sandbox can run
them instead of this process (and so is the tracer, with the signature of
:func:`~autograd_lr.checking.tracing.trace`). The candidates of one state and one line go
to the runner together, as one batch: a sandbox starts once per batch, not per candidate.

The learner's own helpers that ``propagate`` calls (their ``sigmoid``, defined in the
same source: :data:`~autograd_lr.checking.alignment.HELPERS`) are traced and aligned too,
and their lines are searched as the function's are: a candidate program is the function
with those helpers, edited or not, so that a repair inside ``sigmoid`` is verified by the
same check of ``propagate``'s values.
"""

from __future__ import annotations

import ast
import dataclasses
import linecache
import textwrap
import time
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lr.checking.alignment import HELPER_MARK, HELPERS, Alignment, align, align_helpers
from autograd_lr.checking.calls import FORM_DICT, FORM_PAIR, read_outputs
from autograd_lr.checking.candidates import (
    Defs,
    Edit,
    apply,
    apply_to,
    enumerate_edits,
    loop_indices,
    program,
    program_of,
)
from autograd_lr.checking.error_model import RULES, Context, Rule
from autograd_lr.checking.expected import ProblemOracles
from autograd_lr.checking.thresholds import COST_RTOL, GRADIENT_RTOL
from autograd_lr.checking.tracing import (
    Event,
    Outcome,
    Raised,
    Trace,
    helper_defs,
    parse_function,
    run_candidates,
    trace,
)
from autograd_lr.tolerances import relative_error

# Seconds of search (CPU time of this process, so that a busy machine does not shorten
# it) before the engine says where and what without a cause. Long enough for every pair
# of edits around the located line of a propagate of ~15 lines.
SEARCH_BUDGET = 1.5
MAX_EDITS = 3
# Pairs and triples grow from at most this many edits that made progress: enough for
# the independent mistakes of one learner's propagate, few enough for the budget.
PROMISING = 12
# Further edits are tried on the lines of the edits so far and on this many lines
# around the located one (the located line, the lines that feed it, the lines it feeds).
NEAR_LINES = 5
Runner = Callable[..., list[list[Outcome]]]
Tracer = Callable[..., Trace]  # trace(source, function, args, namespace) -> Trace


@dataclass
class Repair:
    """The edits that make the program pass, and the repaired lines (line -> code)."""

    edits: tuple[Edit, ...]
    source: str
    lines: dict[int, str]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.rule for e in self.edits))


@dataclass
class Finding:
    """What the engine found: the located line, and a verified repair if there is one."""

    function: str
    line: int  # the located line (1 = the def line of the function's source)
    text: str
    where: str  # where and what, with no cause
    repair: Repair | None = None
    raised: Raised | None = None
    exhausted: bool = False  # the search ran out of time before it tried everything
    tried: int = 0
    seconds: float = 0.0
    line_offset: int = 0
    alignment: Alignment | None = None
    notes: list[str] = field(default_factory=list)
    lines_text: dict[int, str] = field(default_factory=dict)  # the learner's lines, as written
    # the learner's helpers searched with the function: name -> (first line, last line)
    helpers: dict[str, tuple[int, int]] = field(default_factory=dict)

    def function_at(self, line: int) -> str:
        """The name of the function whose code ``line`` is: a helper's, or :attr:`function`."""
        return next(
            (name for name, (a, b) in self.helpers.items() if a <= line <= b), self.function
        )

    @property
    def detail(self) -> str:
        """What the trace saw at the located line (:attr:`where` without the line itself)."""
        head = (
            f"line {self.line + self.line_offset} of {self.function_at(self.line)}, `{self.text}`"
        )
        rest = self.where[len(head) :] if self.where.startswith(head) else self.where
        return rest.lstrip(":, ").strip()

    @property
    def rules(self) -> tuple[str, ...]:
        return self.repair.rules if self.repair is not None else ()

    @property
    def lines(self) -> list[int]:
        """The lines the repair changes, else the located line."""
        if self.repair is not None:
            return sorted({e.line for e in self.repair.edits})
        return [self.line] if self.line else []


# --- judging --------------------------------------------------------------------------------


class Judge:
    """Whether one outcome passes on one problem, and a measure of progress: twice the
    quantities it gets right, plus one each for the contract kept and the inputs intact."""

    def __init__(self, oracles: Sequence[ProblemOracles], allow_pair: bool):
        self.oracles = list(oracles)
        self.allow_pair = allow_pair

    def right(self, k: int, outcome: Outcome) -> tuple[bool, int]:
        if outcome.error:
            return False, -1
        out = read_outputs(outcome.returned)
        if out.error:
            return False, 0
        o, ok = self.oracles[k], 0
        ref = o.expected
        n_x = o.problem.n_x
        for name, value, tol, floor in (
            ("dw", out.dw, GRADIENT_RTOL, o.scale),
            ("db", out.db, GRADIENT_RTOL, o.scale),
            ("cost", out.cost, COST_RTOL, 1.0),
        ):
            if value is None:
                continue
            right_shape = value.shape == (n_x, 1) if name == "dw" else value.size == 1
            if right_shape and relative_error(value, ref.get(name), floor) <= tol:
                ok += 1
        form_ok = out.form == FORM_DICT or (self.allow_pair and out.form == FORM_PAIR)
        needed = 3 if out.form == FORM_DICT else 2
        passed = form_ok and ok == needed and not out.contract and not outcome.modified
        # progress also counts the contract kept and the inputs left alone, so that an edit
        # that fixes only those (a deleted w -= ...) leads on to the next one
        return passed, 2 * ok + (not out.contract) + (not outcome.modified)


# --- the search -----------------------------------------------------------------------------


def _context(
    fn: ast.FunctionDef, t: Trace, namespace: dict[str, Any], args: Sequence[Any]
) -> Context:
    parameters = tuple(a.arg for a in fn.args.args)
    shapes: dict[str, tuple[int, ...]] = {
        name: tuple(np.shape(value)) for name, value in zip(parameters, args, strict=False)
    }
    for e in t.events:
        if (
            e.value.shape is not None
            and not e.name.startswith("return")
            and HELPER_MARK not in e.name
        ):
            shapes[e.name] = e.value.shape
    local = set(shapes) | set(parameters)
    reads = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    global_arrays = frozenset(n for n in reads - local if isinstance(namespace.get(n), np.ndarray))
    calls = {
        n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    sigmoid = "sigmoid" if "sigmoid" in calls or "sigmoid" in namespace else ""
    x = parameters[2] if len(parameters) > 2 else "X"
    m = "m" if "m" in shapes and shapes["m"] == () else f"{x}.shape[1]"
    modules = frozenset({"np", "numpy", "math"}) | frozenset(
        n for n in reads - local if isinstance(namespace.get(n), types.ModuleType)
    )
    accumulators = frozenset(_assigned_in_loop(fn) & _assigned_before_loop(fn))
    indices = loop_indices(fn)
    for i in indices:
        shapes.setdefault(i, ())  # the trace records assignments, not a loop's own variable
    return Context(shapes, parameters, sigmoid, m, global_arrays, modules, accumulators, indices)


def _assigned(statements: list[ast.stmt]) -> set[str]:
    """The names the statements assign, whole (``dw = ...``) or an entry (``dw[j, 0] = ...``)."""
    return {
        t.id if isinstance(t, ast.Name) else t.value.id  # type: ignore[attr-defined]
        for s in statements
        for n in ast.walk(s)
        if isinstance(n, ast.Assign | ast.AugAssign)
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Name)
        or (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name))
    }


def _assigned_in_loop(fn: ast.FunctionDef) -> set[str]:
    return {
        name for loop in ast.walk(fn) if isinstance(loop, ast.For) for name in _assigned(loop.body)
    }


def _assigned_before_loop(fn: ast.FunctionDef) -> set[str]:
    first = next((k for k, s in enumerate(fn.body) if isinstance(s, ast.For)), len(fn.body))
    return _assigned(fn.body[:first])


def _line_order(fn: ast.FunctionDef, located: int) -> list[int]:
    """The located line, the lines that feed it and read it (nearest first), then the rest."""
    lines = sorted({s.lineno for s in ast.walk(fn) if isinstance(s, ast.stmt) and s is not fn})
    defines: dict[int, set[str]] = {}
    reads: dict[int, set[str]] = {}
    for s in ast.walk(fn):
        if isinstance(s, ast.stmt) and s is not fn:
            targets = [
                n.id
                for n in ast.walk(s)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            ]
            loads = [
                n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            ]
            defines.setdefault(s.lineno, set()).update(targets)
            reads.setdefault(s.lineno, set()).update(loads)
    if located not in lines:
        return lines
    near = [located]
    feeders = [
        ln for ln in lines if ln != located and defines.get(ln, set()) & reads.get(located, set())
    ]
    readers = [
        ln for ln in lines if ln != located and defines.get(located, set()) & reads.get(ln, set())
    ]
    for ln in sorted(feeders, key=lambda x: abs(x - located)) + sorted(
        readers, key=lambda x: abs(x - located)
    ):
        if ln not in near:
            near.append(ln)
    return near + [ln for ln in lines if ln not in near]


Judging = Callable[[int, Outcome], tuple[bool, int]]
Locating = Callable[[Trace, int, str, str], Alignment]


def search(
    source: str,
    function: str,
    oracles: Sequence[ProblemOracles],
    namespace: dict[str, Any] | None = None,
    *,
    budget: float = SEARCH_BUDGET,
    runner: Runner = run_candidates,
    tracer: Tracer = trace,
    clock: Callable[[], float] = time.process_time,
    line_offset: int = 0,
    original: Sequence[Outcome] | None = None,
    lambd: float | None = None,
) -> Finding:
    """Trace ``propagate`` (``function`` of ``source``) on the first failing problem, locate,
    and repair.

    ``oracles``: the check's problems with their reference values (the first one on
    which the learner's function fails is traced and judged first). ``budget`` is in
    seconds of ``clock``: this process's CPU time by default, wall-clock time for a runner
    whose candidates run elsewhere. ``original``: the learner's function's outcomes on
    the problems when the check has them already (then it is not run again before the
    trace); run here otherwise. ``lambd``: λ of the L2 form ``propagate(w, b, X, Y,
    lambd)``, passed as its fifth argument (the oracles' values then include the L2 term).
    """
    function = defined_function(source, function)
    extra = () if lambd is None else (lambd,)
    problems = [(*tuple(o.problem), *extra) for o in oracles]
    _, fn = parse_function(source, function)
    if original is None:
        original = runner([program(fn)], function, problems, dict(namespace or {}))[0]
    module = _module_of(source, function, dict(namespace or {}), line_offset)
    if module is not None:  # the learner's file, with the helpers the function calls
        source, line_offset = module, 0
    allow_pair = any(read_outputs(o.returned).form == FORM_PAIR for o in original if not o.error)
    judge = Judge(oracles, allow_pair)
    return search_with(
        source,
        function,
        problems,
        judge.right,
        lambda t, k, src, name: align(t, oracles[k], src, name),
        namespace,
        budget=budget,
        runner=runner,
        tracer=tracer,
        clock=clock,
        line_offset=line_offset,
        original=original,
        helpers=HELPERS,
    )


def _module_of(
    source: str, function: str, namespace: dict[str, Any], line_offset: int
) -> str | None:
    """The text of the file that defines ``function`` (``namespace[function]``, this
    process's function), when ``source`` is that function's code alone and the file also
    defines a helper of :data:`~autograd_lr.checking.alignment.HELPERS` that the function
    calls, the very one in ``namespace``; ``None`` otherwise (then only the function's own
    lines are searched)."""
    code = getattr(namespace.get(function), "__code__", None)
    if code is None or code.co_firstlineno != line_offset + 1:
        return None
    text = "".join(linecache.getlines(code.co_filename))
    try:
        tree, node = parse_function(text, function)
        _, mine = parse_function(source, function)
    except (SyntaxError, ValueError):
        return None
    if node.lineno != code.co_firstlineno or ast.unparse(node) != ast.unparse(mine):
        return None  # the file changed since the function was defined
    if textwrap.dedent(text) != text:
        return None
    same_file = [
        h
        for h in helper_defs(tree, function, HELPERS)
        if getattr(namespace.get(h.name), "__code__", None) is not None
        and namespace[h.name].__code__.co_filename == code.co_filename
        and namespace[h.name].__code__.co_firstlineno == h.lineno
    ]
    return text if same_file else None


def search_with(
    source: str,
    function: str,
    problems: Sequence[tuple[Any, ...]],
    judge: Judging,
    locate: Locating,
    namespace: dict[str, Any] | None = None,
    *,
    budget: float = SEARCH_BUDGET,
    runner: Runner = run_candidates,
    tracer: Tracer = trace,
    clock: Callable[[], float] = time.process_time,
    line_offset: int = 0,
    rules: Sequence[Rule] = RULES,
    original: Sequence[Outcome] | None = None,
    helpers: Sequence[str] = (),
) -> Finding:
    """The search for any function: ``judge(k, outcome)`` says whether an outcome on
    ``problems[k]`` passes and how many of its quantities are right; ``locate`` aligns a
    trace on ``problems[k]`` with the reference's intermediates; ``rules`` is the error
    model's table (another exercise's own rules, or the table by default). ``original``:
    the learner's outcomes on ``problems``, if known (else they are run here).
    ``helpers``: the names of the learner's helpers to trace and search too, where
    ``source`` defines them and the function calls them."""
    prepared = time.perf_counter()
    namespace = dict(namespace or {})
    function = defined_function(source, function)
    parsed, fn = parse_function(source, function)
    followed = helper_defs(parsed, function, helpers)
    defs: Defs = (fn, *followed)
    original_program = program_of(defs)
    if original is None:
        original = runner([original_program], function, problems, namespace)[0]
    verdicts = [judge(k, o) for k, o in enumerate(original)]
    if len(original) == len(problems) and all(ok for ok, _ in verdicts):
        raise ValueError("run on its own, the source passes: it is not the code that was checked")
    failing = next((k for k, (ok, _) in enumerate(verdicts) if not ok), 0)
    order = [failing] + [k for k in range(len(problems)) if k != failing]
    ordered = [problems[k] for k in order]
    into = {"helpers": tuple(h.name for h in followed)} if followed else {}
    t = tracer(source, function, problems[failing], namespace, **into)
    alignment = locate(t, failing, source, function)
    located = alignment.line or (t.raised.line if t.raised else 0)
    followed = _wrong_helpers(followed, t, source)
    defs = (fn, *followed)
    finding = Finding(
        function,
        located,
        t.lines.get(located, "").strip(),
        "",
        raised=t.raised,
        line_offset=line_offset,
        alignment=alignment,
    )
    finding.helpers = {h.name: (h.lineno, h.end_lineno or h.lineno) for h in followed}
    finding.where = describe_where(finding)
    finding.lines_text = {k: v.strip() for k, v in t.lines.items()}
    contexts = {"": _context(fn, t, namespace, problems[failing])}
    for h in followed:
        contexts[h.name] = _helper_context(h, t, namespace)
    lines = _line_order(fn, located)
    owner: dict[int, str] = dict.fromkeys(lines, "")  # line -> the def it is in ("": fn)
    for h in followed:
        own = _line_order(h, located)
        owner.update(dict.fromkeys(own, h.name))
        # a helper's lines first when the located line is one of them, else after the function's
        lines = own + lines if located in own else lines + own
    # an error raised further on in the program is progress too (an edit that clears the
    # first of two faults that raise): the line, in the candidates' numbering, of the
    # learner's own error on the failing problem
    n_lines = program_of(defs).count("\n") + 1
    raised_at = _program_line(defs, t.raised.line) if t.raised is not None else 0

    def progress_of(score: int, outcome: Outcome) -> float:
        """The judge's score, and for an error, how far on in the program it was raised."""
        if outcome.error and raised_at and outcome.line > raised_at:
            return score + outcome.line / (n_lines + 1)
        return float(score)

    base_score = progress_of(verdicts[failing][1], Outcome(error="", line=0))
    tried: set[str] = {original_program, program_of(defs)}
    results: dict[str, list[Outcome]] = {}  # a batch's outcomes, by candidate program
    start = clock()
    finding.notes.append(f"prepared in {time.perf_counter() - prepared:.2f} s")

    def keep_going(k: int, outcome: Outcome) -> bool:
        return judge(order[k], outcome)[0]

    def run_batch(trees: Sequence[Defs]) -> None:
        """Every new candidate of ``trees`` in one call of the runner."""
        texts = list(dict.fromkeys(t for t in map(program_of, trees) if t not in tried))
        if texts:
            tried.update(texts)
            found = runner(texts, function, ordered, namespace, keep_going)
            results.update(zip(texts, found, strict=True))

    def evaluate(tree: Defs) -> tuple[bool, float]:
        text = program_of(tree)
        if text not in results:  # run before in another batch, or the learner's own
            if text in tried:
                return False, -2
            run_batch([tree])
        outcomes = results.pop(text)
        if not outcomes:
            return False, -1
        # a runner may run every problem (keep_going is a hint): judged here in full
        verdicts = [judge(order[k], o) for k, o in enumerate(outcomes)]
        passed = len(outcomes) == len(ordered) and all(ok for ok, _ in verdicts)
        return passed, progress_of(verdicts[0][1], outcomes[0])

    def finish(chosen: Sequence[Edit] = ()) -> Finding:
        if chosen:
            text, repaired = apply(defs, chosen, t.lines)
            finding.repair = Repair(tuple(chosen), text, repaired)
        finding.tried = len(tried) - 1
        finding.seconds = time.perf_counter() - prepared
        return finding

    returns = sorted({s.lineno for s in ast.walk(fn) if isinstance(s, ast.Return)})
    retraced: dict[int, tuple[Defs, Context]] = {}  # by id of the state's tree (kept alive)

    def context_of(tree: Defs, score: float, name: str) -> Context:
        """What the rules know on ``tree``: for a state that made progress, the shapes of a
        trace of its edited program (the names after an error the edit cleared; A of shape
        (1, m) once a stray sum is gone), over the learner's trace; else the learner's."""
        if name or score <= base_score:
            return contexts[name]
        if id(tree) not in retraced:
            ctx = contexts[""]
            try:
                later = tracer(program_of(tree), function, problems[failing], namespace, **into)
            except Exception:  # a tracer that runs elsewhere may fail: the learner's trace stays
                later = None
            if later is not None:
                found = _context(tree[0], later, namespace, problems[failing])
                ctx = dataclasses.replace(ctx, shapes={**ctx.shapes, **found.shapes})
            retraced[id(tree)] = (tree, ctx)
        return retraced[id(tree)][1]

    State = tuple[Defs, list[Edit], float]
    frontier: list[State] = [(defs, [], base_score)]
    for depth in range(1, MAX_EDITS + 1):
        grown: list[State] = []
        proposed: dict[tuple[int, int], list[Edit]] = {}  # (state, line) -> its edits
        for tree, chosen, score, ln, only in _expansions(
            frontier, lines, depth, base_score, returns
        ):
            key = (id(tree), ln)
            if key not in proposed:
                name = owner.get(ln, "")
                here = next((d for d in tree if d.name == name), tree[0]) if name else tree[0]
                proposed[key] = [
                    dataclasses.replace(e, function=name)
                    for e in enumerate_edits(here, context_of(tree, score, name), [ln], rules)
                ]
            batch = [
                (e, apply_to(tree, e))
                for e in proposed[key]
                if only is None or _relation(chosen[-1], e) == only
            ]
            if not batch:
                continue
            if clock() - start > budget:
                finding.exhausted = True
                return finish()
            run_batch([new for _, new in batch])
            for e, new in batch:
                passed, new_score = evaluate(new)
                if passed:
                    return finish([*chosen, e])
                if new_score > max(score, base_score) or (depth == 1 and ln == lines[0]):
                    grown.append((new, [*chosen, e], new_score))
        # the states that made progress, best first and at most 2 * PROMISING of them; then
        # every one-edit state at the located line (for pairs of edits on that line)
        progress = sorted((s for s in grown if s[2] > base_score), key=lambda s: -s[2])
        located_line = [s for s in grown if s[2] <= base_score]
        frontier = progress[: 2 * PROMISING] + located_line
    return finish()


def _program_line(defs: Defs, line: int) -> int:
    """The line of :func:`program_of` ``(defs)`` where the statement at ``line`` of the
    learner's source is (0 if no statement starts there)."""
    module = ast.parse(program_of(defs))
    printed = [*module.body[-1:], *module.body[:-1]]  # the searched function first, as in defs
    for mine, theirs in zip(defs, printed, strict=True):
        pairs = zip(ast.walk(mine), ast.walk(theirs), strict=False)
        for a, b in pairs:
            if isinstance(a, ast.stmt) and getattr(a, "lineno", 0) == line:
                return int(getattr(b, "lineno", 0))
    return 0


def _wrong_helpers(
    followed: Sequence[ast.FunctionDef], t: Trace, source: str
) -> list[ast.FunctionDef]:
    """The helpers worth searching: all of them when a call of one returned a wrong value
    on its own arguments or raised inside one, none when every call was right (an edit
    there could only make it wrong, and would cost the budget candidates)."""
    raised = t.raised.line if t.raised is not None else 0
    inside = any(h.lineno <= raised <= (h.end_lineno or h.lineno) for h in followed)
    return list(followed) if inside or align_helpers(t, source) is not None else []


def _helper_context(h: ast.FunctionDef, t: Trace, namespace: dict[str, Any]) -> Context:
    """What the rules know inside the helper ``h``: the shapes of its names in the trace
    (its arguments on entry, its assignments), and no σ to add (σ is what it computes)."""
    prefix = f"{h.name}{HELPER_MARK}"
    own = [
        Event(e.line, e.occurrence, e.name[len(prefix) :], e.value)
        for e in t.events
        if e.name.startswith(prefix)
    ]
    ctx = _context(h, Trace(own, None, t.lines), namespace, ())
    return dataclasses.replace(ctx, sigmoid="")


def _expansions(
    frontier: list[Any],
    lines: list[int],
    depth: int,
    base_score: float,
    returns: Sequence[int] = (),
) -> Iterator[tuple[Defs, list[Edit], int, int, str | None]]:
    """(state, line, same rule or not) in the order they are tried: at depth 1 every line;
    deeper, first each state that made progress on the lines near its edits (its own lines
    and the located neighbourhood), then on the other lines; then the others on their own
    line (two edits of one line that are right only together, such as two ε in one cost),
    and last on the ``returns`` lines (a value returned in the wrong place)."""
    if depth == 1:
        for tree, chosen, score in frontier:
            for ln in lines:
                yield tree, chosen, score, ln, None
        return
    progress = [s for s in frontier if s[2] > base_score]
    others = [s for s in frontier if s[2] <= base_score]
    # every state that made progress near its edits first (the second mistake is most often
    # on a line that feeds or reads the first), then on the other lines
    for tree, chosen, score in progress:
        for ln in _nearby(lines, chosen):
            yield tree, chosen, score, ln, None
    for tree, chosen, score in progress:
        near = set(_nearby(lines, chosen))
        for ln in lines:
            if ln not in near:
                yield tree, chosen, score, ln, None
    # on the same line: the same rule once more first (an ε in both logarithms), then an
    # edit next to the last one (a product made elementwise, then its transpose dropped),
    # then any
    for relation in ("same rule", "next to it", "elsewhere"):
        for tree, chosen, score in others:
            for ln in dict.fromkeys(e.line for e in chosen):
                yield tree, chosen, score, ln, relation
    # last, the return line with an edit of the located line: a value returned in the wrong
    # place hides whether the other edit was right, so neither shows progress alone
    for tree, chosen, score in others:
        for ln in returns:
            if ln not in {e.line for e in chosen}:
                yield tree, chosen, score, ln, None


def _relation(last: Edit, e: Edit) -> str:
    """How a further edit on the same line relates to the last one."""
    if e.rule == last.rule:
        return "same rule"
    around = last.path[:-1]
    return "next to it" if e.path[: len(around)] == around else "elsewhere"


def _nearby(lines: list[int], chosen: Sequence[Edit]) -> list[int]:
    """The lines a further edit is tried on: those of the edits so far, then the located
    line and its neighbours."""
    own = [e.line for e in chosen]
    return list(dict.fromkeys([*own, *lines[:NEAR_LINES]]))


def defined_function(source: str, function: str) -> str:
    """The name of the function ``source`` defines: ``function`` (a qualified name's last
    part), or the one ``def`` of the source; ``ValueError`` otherwise."""
    tree = ast.parse(textwrap.dedent(source))
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    short = function.rsplit(".", 1)[-1]
    if short in names:
        return short
    if len(names) == 1:
        return names[0]
    raise ValueError(f"the source defines no single function {function}(...)")


def describe_where(f: Finding) -> str:
    """Where and what: the line, and what the trace saw there (shapes, values), no cause."""
    if f.raised is not None and f.raised.line:
        r = f.raised
        text = (
            f"line {r.line + f.line_offset} of {f.function_at(r.line)}, `{r.text}`, "
            f"raised {r.type}: {r.message}"
        )
        if r.failing:
            shapes = " and ".join(f"{e} is {d}" for e, d in r.operands)
            text += f"; in `{r.failing}`, {shapes}" if shapes else f"; in `{r.failing}`"
        return text
    if f.alignment is not None and f.alignment.line:
        return f.alignment.describe(f.function_at(f.alignment.line)).replace(
            f"line {f.alignment.line} ", f"line {f.alignment.line + f.line_offset} ", 1
        )
    return ""
