r"""Check a learner's ``propagate``: which of ``dw``, ``db``, ``cost`` is wrong, and how.

``fn(w, b, X, Y)`` (``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``) follows
:func:`autograd_lr.propagate`'s contract and returns ``(grads, cost)`` with
``grads = {"dw", "db"}``, or ``(dw, db)``. :func:`check_gradients` runs it on several
deterministic problems (:func:`default_problems`) and compares each quantity with the
oracles (:mod:`autograd_lr.oracles`): ``jax.grad`` of :func:`autograd_lr.forward.cost` is
the reference, finite differences check it (independence rule 4: the checker compares, it
derives nothing by hand; it never imports :mod:`autograd_lr.gradients`).

The pieces, by role: :mod:`.calls` runs the function and reads its return value,
:mod:`.expected` holds the oracles' values and the models of mistakes per problem,
:mod:`.compare` gives each quantity its verdict, the repair search (:mod:`.repair`) names
the mistake in a source it can trace, :mod:`.diagnosis` gives the facts of the run and,
for code without a source, the models of wrong outputs,
:mod:`autograd_lr.checking.report` lays the result out and :mod:`.findings` renders it.

**Prepared once, judged many times.** :func:`prepare` computes every oracle value and
every model of a wrong answer that a verdict may need *before* any submitted code runs;
:meth:`Prepared.report` then judges the :class:`Call` records a submission produced
with plain numpy arithmetic on those values: no jax, no import, no compilation. The
grader (:mod:`autograd_lr.grading.grader`) works this way; :func:`check_gradients`
prepares lazily (only what its verdict asks for), which keeps a passing check fast.

Everything is checked in float64: the problems are float64, and a float32 answer is
reported as such. The learner's code runs in this process; to grade code you do not
trust, use :mod:`autograd_lr.grading.grader` (``autograd-lr check``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_lr import oracles
from autograd_lr.checking import diagnosis as diagnosis_module
from autograd_lr.checking import explain, repair
from autograd_lr.checking.calls import FORM_DICT, FORM_LIST, FORM_PAIR, call, read_outputs
from autograd_lr.checking.compare import Fast, compare, row, uses_fast
from autograd_lr.checking.expected import (
    ProblemOracles,
    as_problems,
    default_problems,
    directional_step,
)
from autograd_lr.checking.repair import SEARCH_BUDGET
from autograd_lr.checking.report import GradientReport
from autograd_lr.checking.thresholds import (
    COST_RTOL,
    DIRECTIONAL_RTOL,
    DIRECTIONAL_STEP,
    FAST_AUTO_N_X,
    FAST_DIRECTIONS,
    FD_PER_COORDINATE_MAX_N_X,
    GRADIENT_RTOL,
    QUANTITIES,
    WORST_ENTRIES,
)
from autograd_lr.checking.tracing import Outcome, run_candidates, trace
from autograd_lr.checking.types import (
    HINT_LEVELS,
    Call,
    Diagnosis,
    Entry,
    Hints,
    Outputs,
    ProblemCheck,
    QuantityCheck,
    Row,
)
from autograd_lr.problems import Problem
from autograd_lr.validation import validate_lambd

# re-exported: the names other modules and tests use from here
richardson_along = oracles.richardson_along
__all__ = [
    "COST_RTOL",
    "DIRECTIONAL_RTOL",
    "DIRECTIONAL_STEP",
    "FAST_AUTO_N_X",
    "FAST_DIRECTIONS",
    "FD_PER_COORDINATE_MAX_N_X",
    "GRADIENT_RTOL",
    "HINT_LEVELS",
    "QUANTITIES",
    "WORST_ENTRIES",
    "Call",
    "Diagnosis",
    "Entry",
    "Fast",
    "GradientReport",
    "Outputs",
    "Prepared",
    "ProblemCheck",
    "QuantityCheck",
    "Row",
    "as_problems",
    "call",
    "check_gradients",
    "default_problems",
    "directional_step",
    "prepare",
    "read_outputs",
    "report",
    "richardson_along",
]


def validate_hints(hints: Any) -> str:
    """``"concept"``, ``"location"`` or ``"fix"``; ``ValueError`` naming the levels otherwise."""
    if hints not in HINT_LEVELS:
        raise ValueError(
            f"hints must be one of {', '.join(repr(h) for h in HINT_LEVELS)} "
            f"(what is wrong and why / which quantity and step / the corrected line), got {hints!r}"
        )
    return str(hints)


@dataclass
class Prepared:
    """The oracles' values on a list of problems, ready to judge calls without running jax.

    Built by :func:`prepare`; :meth:`report` judges the calls a submission made on
    :attr:`problems` (one :class:`Call` per problem, in order).
    """

    problems: list[Problem]
    oracles: list[ProblemOracles]
    lambd: float | None = None
    fast: Fast = "auto"
    seed: int = 0

    def report(
        self,
        calls: Sequence[Call],
        *,
        function: str,
        error: str = "",
        notes: Sequence[str] = (),
        hints: Hints | str = "fix",
        source: str = "",
        namespace: dict[str, Any] | None = None,
        line_offset: int = 0,
        search_budget: float = SEARCH_BUDGET,
        runner: repair.Runner = run_candidates,
        tracer: repair.Tracer = trace,
        clock: Callable[[], float] = time.process_time,
    ) -> GradientReport:
        """Compare every call with the prepared values, diagnose what is wrong, build the report.

        ``calls[k]`` must be the call on ``problems[k]``; with ``error`` and no calls, the
        report says why nothing could be checked (a timeout, a crash of the submission's
        process). ``source``: the submission's code, if known, so that no fix repeats it.
        With ``namespace`` too (the globals the code runs with, in this process), a failed
        check traces the source to its first wrong line and searches, for at most
        ``search_budget`` seconds, the smallest repair that passes
        (:mod:`~autograd_lr.checking.repair`), and no model of a wrong output runs; without
        them (only the answers), the models run and each names a mistake only where it
        reproduces the values on every problem. ``line_offset`` turns the function's own line
        numbers into its file's. ``runner`` and ``tracer`` run the learner's code (in this
        process by default; a grader's run it in its sandbox, with ``namespace`` made of
        stand-ins for the globals there) and ``search_budget`` is in seconds of ``clock``.
        """
        level = validate_hints(hints)
        if calls and len(calls) != len(self.oracles):
            raise ValueError(f"{len(calls)} calls for {len(self.oracles)} prepared problems")
        start = time.perf_counter()
        lam = 0.0 if self.lambd is None else self.lambd
        checks = [compare(c, o, self.fast) for c, o in zip(calls, self.oracles, strict=False)]
        rows = {name: row(name, checks) for name in QUANTITIES}
        result = GradientReport(
            function, checks, rows, [], error=error, notes=list(notes), hints=level, source=source
        )
        if not result.passed:
            traced = False
            if source and namespace is not None:
                search = functools.partial(
                    repair.search, budget=search_budget, runner=runner, tracer=tracer, clock=clock
                )
                traced = self._explain(
                    result, function, namespace, line_offset, search_budget, search, runner
                )
            if not traced:  # no source to trace: the output models, each verified
                result.diagnosis = diagnosis_module.from_outputs(
                    checks, self.oracles, lam, source=source
                )
        result.notes += diagnosis_module.notes(checks)
        result.seconds = time.perf_counter() - start + sum(c.seconds for c in calls)
        return result

    def _explain(
        self,
        result: GradientReport,
        function: str,
        namespace: dict[str, Any],
        line_offset: int,
        budget: float,
        search: Callable[..., repair.Finding],
        runner: repair.Runner,
    ) -> bool:
        """Trace, locate and repair the learner's source: the diagnosis is the engine's
        finding and the facts of the run (:func:`~autograd_lr.checking.diagnosis.facts`),
        with no model of a wrong output. ``False`` when the source could not be traced."""
        calls = [c.call for c in result.checks]
        facts = diagnosis_module.facts(result.checks)
        result.diagnosis = facts
        if not calls or any(c.wrong_signature for c in calls):
            return True  # nothing to trace: the facts say why
        if any(c.exception_type == "NotImplementedError" for c in calls):
            return True
        key = (
            result.source,
            function,
            id(namespace.get("__builtins__")),
            tuple(id(namespace.get(n)) for n in sorted(namespace) if not n.startswith("__")),
            tuple(_digest(o.problem) for o in self.oracles),
            self.lambd,
            line_offset,
            budget,
        )
        # a finding of this process's runner is kept; one of a sandbox's is not (its
        # globals are stand-ins, the same for two submissions with different helpers)
        cached = runner is run_candidates
        finding = _FINDINGS.get(key) if cached else None
        if finding is None:
            try:
                finding = search(
                    result.source,
                    function,
                    self.oracles,
                    namespace,
                    line_offset=line_offset,
                    original=outcomes_of(calls),
                    lambd=self.lambd,
                )
            except (SyntaxError, ValueError) as exc:
                result.notes.append(
                    f"your source could not be traced line by line ({exc}); "
                    "the diagnosis above is from your outputs alone"
                )
                return False
            except Exception as exc:  # the engine only adds to a verdict already made
                result.notes.append(
                    f"the line-by-line search stopped on {type(exc).__name__}: {exc}; "
                    "the diagnosis above is from your outputs alone"
                )
                return False
            if len(_FINDINGS) >= _FINDINGS_KEPT:
                _FINDINGS.pop(next(iter(_FINDINGS)))
            if cached:
                _FINDINGS[key] = finding
        wrong = [q for q in QUANTITIES if result.rows[q].status not in ("ok", "not returned")]
        result.diagnosis = [explain.finding_diagnosis(finding, wrong), *facts]
        return True


def outcomes_of(calls: Sequence[Call]) -> list[Outcome] | None:
    """The check's calls as the repair search's outcomes, so that the learner's function is
    not run again before its trace; ``None`` when a return value cannot be rebuilt exactly
    from what was read (unreadable, or breaking the return contract: the search runs it)."""
    out = []
    for c in calls:
        o = c.outputs
        if c.exception:
            out.append(Outcome(error=c.exception, modified=tuple(c.modified)))
            continue
        if o.error or o.contract or o.dw is None or o.db is None:
            return None
        if o.form == FORM_DICT and o.cost is not None:
            returned: Any = ({"dw": o.dw, "db": o.db}, o.cost)
        elif o.form == FORM_LIST and o.cost is not None:
            returned = ([o.dw, o.db], o.cost)
        elif o.form == FORM_PAIR:
            returned = (o.dw, o.db)
        else:
            return None
        out.append(Outcome(returned=returned, modified=tuple(c.modified)))
    return out


# The engine's findings of this process, by source, globals and problems: the same
# function checked again (a notebook cell run twice, full and fast mode) is not searched
# again. Findings are plain data and never changed after the search.
_FINDINGS: dict[tuple[Any, ...], repair.Finding] = {}
_FINDINGS_KEPT = 256


def _digest(p: Problem) -> tuple[Any, ...]:
    return (p.n_x, p.m, float(p.b), p.w.tobytes(), p.X.tobytes(), p.Y.tobytes())


def prepare(
    problems: Iterable[Any] | None = None,
    *,
    lambd: float | None = None,
    fast: Fast = "auto",
    seed: int = 0,
    eager: bool = True,
) -> Prepared:
    r"""Every oracle value and model of a wrong answer for ``problems``, before any code runs.

    ``problems``: :class:`~autograd_lr.problems.Problem` or ``(w, b, X, Y)`` (default:
    :func:`default_problems` with ``seed``). With ``eager=True`` (a grader's choice) jax
    runs now, once per problem (the reference and every model in one compiled call), and
    so do the finite differences; :meth:`Prepared.report` then runs no jax at all. With
    ``eager=False`` each value is computed when a verdict first asks for it.

    >>> from autograd_lr.checking.calls import call
    >>> from autograd_lr import propagate
    >>> prepared = prepare()
    >>> prepared.report([call(propagate, p) for p in prepared.problems], function="propagate").passed
    True
    """
    chosen = default_problems(seed) if problems is None else as_problems(problems)
    lam = None if lambd is None else validate_lambd(lambd)
    # a lazy preparation (a learner's check in their own process) reads and keeps jax's
    # values in the disk store; a grader's eager one computes them afresh
    found = [
        ProblemOracles(p, 0.0 if lam is None else lam, seed=seed, index=k, store=not eager)
        for k, p in enumerate(chosen)
    ]
    if eager:
        for o in found:
            o.build(fast=uses_fast(fast, o.problem.n_x))
    return Prepared(chosen, found, lam, fast, seed)


def report(
    calls: Sequence[Call],
    *,
    function: str,
    lambd: float | None = None,
    fast: Fast = "auto",
    seed: int = 0,
    error: str = "",
    notes: Sequence[str] = (),
    hints: Hints | str = "fix",
) -> GradientReport:
    """Compare every call with the oracles, diagnose what is wrong, and build the report.

    The same as ``prepare([c.problem for c in calls], ..., eager=False).report(calls, ...)``.
    """
    prepared = prepare(
        [c.problem for c in calls] or None, lambd=lambd, fast=fast, seed=seed, eager=False
    )
    if not calls:
        prepared = Prepared([], [], prepared.lambd, fast, seed)
    return prepared.report(calls, function=function, error=error, notes=notes, hints=hints)


def _function_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def check_gradients(
    fn: Callable[..., Any],
    *,
    fast: Fast = "auto",
    seed: int = 0,
    lambd: float | None = None,
    problems: Iterable[Any] | None = None,
    name: str | None = None,
    hints: Hints | str = "fix",
    search_budget: float = SEARCH_BUDGET,
) -> GradientReport:
    r"""Check ``fn``'s ``dw``, ``db`` and cost against the oracles; say what is wrong and how.

    The expected values come from ``jax.grad`` of the reference cost, confirmed by finite
    differences. When ``fn``'s source is available and the check fails, the diagnosis is
    the line-by-line finding: the first wrong line of ``fn`` and, when a repair of at most
    three correction rules makes ``fn`` pass (searched for ``search_budget`` seconds), the
    rules and the repaired line; otherwise where and what, without a cause; beside it, only
    the facts of the run (it raised, changed its inputs, returned NaN...). Without a source
    (``exec``'d code, a ``functools.partial``, a compiled function), a model of a wrong
    output names the mistake only when it reproduces ``fn``'s values on every problem.

    Parameters
    ----------
    fn : callable
        ``fn(w, b, X, Y)`` with ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``
        returning ``(grads, cost)`` with ``grads = {"dw": (n_x, 1), "db": scalar}``, or
        ``(dw, db)``.
    fast : "auto" or bool
        Fast mode compares directional derivatives instead of every component:
        ``"auto"`` uses it on problems with more than :data:`FAST_AUTO_N_X` features.
    seed : int
        Picks the default problems and the fast mode's directions.
    lambd : float, optional
        λ ≥ 0: ``fn`` is called as ``fn(w, b, X, Y, lambd)`` and checked against the
        L2-regularized cost :math:`J + \frac{\lambda}{2m}\lVert w\rVert^2`.
    problems : iterable, optional
        Replaces the default problems; each a :class:`~autograd_lr.problems.Problem` or
        ``(w, b, X, Y)``.
    name : str, optional
        The name the report gives ``fn`` (default: its qualified name).
    hints : {"concept", "location", "fix"}
        How much the diagnosis says: what is wrong and why, in the lecture's words, no
        code; which quantity and which step of the chain rule; or the corrected line.
    search_budget : float
        Seconds the repair search may take when the check fails.

    Returns
    -------
    GradientReport
        ``passed``, the quantities that are wrong, per-problem errors and the diagnosis;
        ``print`` it for the report a learner reads.

    Raises
    ------
    ValueError
        If ``fn`` is not callable, ``hints`` is not one of the three levels or ``lambd``
        is negative. A ``fn`` that raises or returns the wrong shapes is not an error
        here: the report says so.

    Examples
    --------
    >>> from autograd_lr import check_gradients, propagate
    >>> check_gradients(propagate).passed
    True
    """
    if not callable(fn):
        raise ValueError(f"fn must be a function like propagate(w, b, X, Y), got {fn!r}")
    level = validate_hints(hints)
    lam = None if lambd is None else validate_lambd(lambd)
    prepared = prepare(problems, lambd=lam, fast=fast, seed=seed, eager=False)
    calls = [call(fn, p, lam) for p in prepared.problems]
    source = _source(fn)
    code = getattr(fn, "__code__", None)
    return prepared.report(
        calls,
        function=name or _function_name(fn),
        hints=level,
        source=source,
        namespace=namespace_of(fn) if code is not None else None,
        line_offset=code.co_firstlineno - 1 if code is not None else 0,
        search_budget=search_budget,
    )


def namespace_of(fn: Callable[..., Any]) -> dict[str, Any]:
    """The names ``fn``'s code reads from outside: its globals and its closure's variables."""
    import contextlib
    import inspect

    names = dict(getattr(fn, "__globals__", {}))
    with contextlib.suppress(TypeError, ValueError):
        names.update(inspect.getclosurevars(fn).nonlocals)
    return names


def _source(fn: Callable[..., Any]) -> str:
    """The learner's source, where Python can find it (to keep a fix from repeating it)."""
    import inspect

    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""


__all__ += ["namespace_of", "validate_hints"]
