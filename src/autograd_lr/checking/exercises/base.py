r"""What every exercise's check shares: cases, verdicts, the report, the engine's search.

An :class:`Exercise` is plain data: its name and signature, the quantities it checks,
its cases (each the arguments of one call and the reference's values, computed from
:mod:`autograd_lr.oracles` and :mod:`autograd_lr.forward`), a function that judges one
return value against one case (``Judging``), and the rules of its error model
(:mod:`~autograd_lr.checking.exercises.rules`). :func:`check` runs the learner's function
on every case (on copies: an argument changed in place is a failure), builds an
:class:`ExerciseReport` and, when it fails and the source is available, runs the
feedback engine (:func:`~autograd_lr.checking.repair.search_with`): the cause is named
only by a repair that makes the function pass every case, and the line is the one it
changes (or the line that raised). A function without source the engine can trace (a
lambda, a compiled function) has no line to repair: there an exercise's output models
(:class:`WrongFunction`) name a mistake only when one reproduces the function's result on
every case; otherwise the report says where and what.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lr.checking import explain
from autograd_lr.checking.alignment import Alignment
from autograd_lr.checking.check import namespace_of, validate_hints
from autograd_lr.checking.error_model import Rule
from autograd_lr.checking.exercises.rules import TABLE
from autograd_lr.checking.repair import SEARCH_BUDGET, Runner, Tracer, search_with
from autograd_lr.checking.report import GradientReport
from autograd_lr.checking.tracing import (
    Outcome,
    Trace,
    parse_function,
    run_candidates,
    run_one,
    trace,
)
from autograd_lr.checking.types import (
    Call,
    Diagnosis,
    Outputs,
    ProblemCheck,
    QuantityCheck,
    Row,
)
from autograd_lr.problems import Problem


@dataclass(frozen=True)
class Verdict:
    """One quantity of one call: ``status`` ("ok", "wrong", "shape", "type", "missing",
    "non_finite"), the relative error where one was measured, and what was seen."""

    status: str
    error: float = math.nan
    threshold: float = math.nan
    seen: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Case:
    """One call of the exercise: its arguments and the reference's values for it."""

    name: str
    args: tuple[Any, ...]
    expected: dict[str, Any]
    problem: Problem  # the (w, b, X, Y) the report shows for this case


Judging = Callable[[Any, Case], dict[str, Verdict]]
# where the search starts on one case's trace: (trace, case, source, function) -> the line
Locating = Callable[[Trace, Case, str, str], Alignment]


@dataclass(frozen=True)
class WrongFunction:
    r"""A wrong version of an exercise's function, :math:`\tilde f(\text{args})`, for a
    function without source.

    It names its mistake only when, on every case, :math:`\tilde f` and the learner's
    function raise the same exception type or return values of the same shape and dtype
    that agree elementwise to ``rtol`` relative, and :math:`\tilde f` fails the exercise on
    one case at least (:func:`reproduces`). ``mistake`` is the name of the error model's
    rule whose mistake it is (the mistake's one name, documented on the page of
    mistakes); ``message`` says what the learner computed, ``concept`` why it is wrong.
    """

    mistake: str
    fn: Callable[..., Any]
    message: str
    concept: str
    fix: str
    rtol: float


@dataclass(frozen=True)
class Exercise:
    """An exercise of the course, with what is called, what is checked and which rules repair it."""

    name: str
    signature: str  # "optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)"
    parameters: tuple[str, ...]
    quantities: tuple[str, ...]
    cases: Callable[[], list[Case]]
    judge: Judging
    rules: tuple[Rule, ...]
    purpose: str  # what it does, for the headline of a pass
    # the first wrong line, from the trace aligned with the reference's intermediates;
    # None: the line that raised, else the first that reads a notebook's global array
    locate: Locating | None = None
    # the mistakes named in a function without source, each only where it fits every case
    models: tuple[WrongFunction, ...] = ()
    # where the expected values come from, for the report's summary
    expected_from: str = "jax.grad and the forward model"


# --- comparing ----------------------------------------------------------------------------


def relative(yours: Any, expected: Any) -> float:
    r"""Normwise :math:`\lVert \hat v - v\rVert_\infty / \max(\lVert v\rVert_\infty, 1)`:
    the quantities checked here (parameters, costs, gradients of O(1) data) have scale 1."""
    a = np.asarray(yours, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(e))):
        return math.inf
    return float(np.max(np.abs(a - e), initial=0.0)) / max(
        float(np.max(np.abs(e), initial=0.0)), 1.0
    )


def describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:80]


def numeric(value: Any) -> np.ndarray | None:
    try:
        out = np.asarray(value)
    except Exception:
        return None
    return out if out.dtype.kind in "biuf" else None


def array_verdict(yours: Any, expected: np.ndarray, rtol: float, *, kind: str = "f") -> Verdict:
    """An array of ``expected``'s shape, of dtype kind ``kind``, within ``rtol`` (0: exact)."""
    seen = describe(yours)
    if not isinstance(yours, np.ndarray):
        return Verdict("type", seen=f"{seen}, where a numpy array is expected")
    if yours.shape != expected.shape:
        return Verdict("shape", seen=f"{seen}, where shape {expected.shape} is expected")
    if yours.dtype.kind not in kind:
        return Verdict("type", seen=f"{seen}, where dtype {expected.dtype} is expected")
    error = relative(yours, expected)
    if math.isinf(error):
        return Verdict("non_finite", error, rtol, seen)
    return Verdict("ok" if error <= rtol else "wrong", error, rtol, seen)


def scalar_verdict(yours: Any, expected: float, rtol: float) -> Verdict:
    """A real number (a Python float, a numpy float or a 1-element array) within ``rtol``."""
    value = numeric(yours)
    if value is None or value.size != 1 or value.dtype.kind == "b":
        return Verdict("type", seen=f"{describe(yours)}, where a number is expected")
    error = relative(value.reshape(()), expected)
    if math.isinf(error):
        return Verdict("non_finite", error, rtol, describe(yours))
    return Verdict("ok" if error <= rtol else "wrong", error, rtol, describe(yours))


def list_verdict(yours: Any, expected: Sequence[float], rtol: float) -> Verdict:
    """A sequence of numbers as long as ``expected``, each within ``rtol``."""
    try:
        values = np.asarray([float(np.squeeze(np.asarray(v))) for v in yours], dtype=np.float64)
    except (TypeError, ValueError):
        return Verdict("type", seen=f"{describe(yours)}, where a list of numbers is expected")
    if len(values) != len(expected):
        return Verdict(
            "shape",
            seen=f"{len(values)} values, where {len(expected)} are expected "
            f"(one every 100 iterations, from iteration 0)",
        )
    error = relative(values, np.asarray(expected, dtype=np.float64))
    status = "non_finite" if math.isinf(error) else ("ok" if error <= rtol else "wrong")
    return Verdict(status, error, rtol, f"{len(values)} values")


# --- running and judging ------------------------------------------------------------------


@dataclass
class CaseRun:
    """The learner's function on one case: what it returned or raised, and the verdicts."""

    case: Case
    outcome: Outcome
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    modified: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return (
            not self.outcome.error
            and not self.modified
            and bool(self.verdicts)
            and all(v.ok for v in self.verdicts.values())
        )


def judge_outcome(exercise: Exercise, case: Case, outcome: Outcome) -> CaseRun:
    modified = tuple(
        exercise.parameters[int(n.rsplit(" ", 1)[-1])] if n.startswith("argument") else n
        for n in outcome.modified
    )
    run = CaseRun(case, outcome, modified=modified)
    if not outcome.error:
        try:
            run.verdicts = exercise.judge(outcome.returned, case)
        except Exception as exc:  # an unreadable return value
            run.verdicts = {
                q: Verdict("type", seen=f"its return value could not be read ({exc})")
                for q in exercise.quantities
            }
    return run


def score(run: CaseRun) -> tuple[bool, int]:
    """(passes, progress): progress counts the quantities right (100 each), the arguments
    left alone (50), and the digits each wrong quantity gets right (up to 12 each), so
    that the first of two edits that are right only together (both step sizes) still
    counts as progress; -1 when it raised."""
    if run.outcome.error:
        return False, -1
    right = sum(v.ok for v in run.verdicts.values())
    digits = sum(
        min(12, max(0, int(-math.log10(v.error))))
        for v in run.verdicts.values()
        if not v.ok and 0.0 < v.error < math.inf
    )
    return run.passed, 100 * right + 50 * (not run.modified) + digits


# --- the report ---------------------------------------------------------------------------


@dataclass
class ExerciseReport(GradientReport):
    """The report of one exercise: :class:`~autograd_lr.checking.report.GradientReport`'s
    views (text, HTML, JSON, hint levels), with the exercise's own quantities as rows."""

    exercise: str = ""
    purpose: str = ""
    expected_from: str = ""
    kind = "exercise"  # the checker, in the feedback core's JSON

    @property
    def wrong(self) -> list[str]:
        return [q for q, r in self.rows.items() if r.status not in ("ok", "not run")]

    @property
    def inconclusive(self) -> list[str]:
        return []

    @property
    def passed(self) -> bool:
        raised = any(c.call.exception for c in self.checks)
        modified = any(c.call.modified for c in self.checks)
        ran = bool(self.checks) and all(r.status == "ok" for r in self.rows.values())
        return ran and not (self.error or raised or modified)

    runs = "cases"

    def purpose_passed(self) -> str:
        return self.purpose

    def modified_part(self, names: Sequence[str]) -> str:
        return f"it changes the caller's {', '.join(names)} in place"

    def contract_parts(self) -> list[str]:
        return []  # each exercise judges its own return value as a quantity

    def _summary(self) -> str:
        n = len(self.checks)
        return (
            f"{n} case{'s' if n != 1 else ''} of {self.exercise}, computed in float64; "
            f"expected values from {self.expected_from} ({self.seconds:.2f} s)"
        )


def _rows(exercise: Exercise, runs: Sequence[CaseRun]) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for q in exercise.quantities:
        seen = [(r.case.name, r.verdicts[q]) for r in runs if q in r.verdicts]
        if not seen:
            rows[q] = Row(q, "not run", math.nan, math.nan)
            continue
        bad = [(name, v) for name, v in seen if not v.ok]
        errors = [v.error for _, v in seen if not math.isnan(v.error)]
        threshold = next((v.threshold for _, v in seen if not math.isnan(v.threshold)), math.nan)
        if bad:
            name, v = bad[0]
            rows[q] = Row(q, v.status, v.error, threshold, worst_problem=name)
        else:
            rows[q] = Row(q, "ok", max(errors) if errors else math.nan, threshold)
    return rows


def _check_of(run: CaseRun) -> ProblemCheck:
    error = run.outcome.error
    kind = error.split(":", 1)[0] if error else ""
    call = Call(
        run.case.problem,
        Outputs(),
        exception=error,
        exception_type=kind,
        modified=list(run.modified),
    )
    quantities = {
        q: QuantityCheck(q, "wrong" if v.status != "ok" else "ok", v.error, v.threshold)
        for q, v in run.verdicts.items()
    }
    return ProblemCheck(call, "full", quantities)


# What a verdict's status says of a quantity, at the "concept" hint level (no values)
_STATUS_PHRASES = {
    "wrong": "has wrong values",
    "shape": "has the wrong shape",
    "type": "has the wrong type",
    "missing": "is missing from the return value",
    "non_finite": "is not finite (NaN or inf)",
}


def _facts(exercise: Exercise, runs: Sequence[CaseRun]) -> list[Diagnosis]:
    """What happened, with no cause: what raised, what was returned where, what changed."""
    out: list[Diagnosis] = []
    raised = next((r for r in runs if r.outcome.error), None)
    if raised is not None:
        kind = raised.outcome.error.split(":", 1)[0]
        if kind == "NotImplementedError":
            return [
                Diagnosis(
                    (),
                    ("not_implemented",),
                    f"not implemented yet: {exercise.name} still raises NotImplementedError",
                    concept="The function is still the exercise's skeleton: write its body.",
                )
            ]
        out.append(
            Diagnosis(
                (),
                ("exception",),
                f"on case {raised.case.name} it raised {raised.outcome.error}",
                concept=f"It raised {kind} on case {raised.case.name}.",
            )
        )
    for q in exercise.quantities:
        bad = next((r for r in runs if q in r.verdicts and not r.verdicts[q].ok), None)
        if bad is not None:
            v = bad.verdicts[q]
            size = f" (relative error {v.error:.1e})" if v.status == "wrong" else ""
            out.append(
                Diagnosis(
                    (q,),
                    (f"{q}_{v.status}",),
                    f"{q} on case {bad.case.name}: {v.seen}{size}",
                    concept=f"{q} {_STATUS_PHRASES.get(v.status, 'is wrong')} on case {bad.case.name}.",
                )
            )
    modified = sorted({n for r in runs for n in r.modified})
    if modified:
        out.append(
            Diagnosis(
                (),
                ("modified_inputs",),
                f"it changes the caller's {', '.join(modified)} in place: the arguments must be left as they were",
                concept="It changes its arguments in place: they must be left as they were.",
            )
        )
    # at the "location" level a fact is its whole message: where (the case) and what was seen
    return [dataclasses.replace(d, at_location=d.message) for d in out]


def _locator(namespace: dict[str, Any]) -> Callable[[Trace, int, str, str], Alignment]:
    """The line that raised, if one did, else the first line that reads one of the
    notebook's global arrays; the search starts there (else on every line, in order)."""

    def locate(t: Trace, k: int, source: str, function: str) -> Alignment:
        if t.raised is not None and t.raised.line:
            return Alignment(t.raised.line, t.raised.text, None)
        _, fn = parse_function(source, function)
        local = {a.arg for a in fn.args.args} | {
            n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in local
                and isinstance(namespace.get(node.id), np.ndarray)
            ):
                line = min(
                    s.lineno
                    for s in ast.walk(fn)
                    if isinstance(s, ast.stmt)
                    and s is not fn
                    and node in set(ast.walk(s))
                    and not isinstance(s, ast.For | ast.If | ast.While | ast.With)
                )
                return Alignment(line, t.lines.get(line, "").strip(), None)
        return Alignment(0, "", None)

    return locate


def report_of_outcomes(
    exercise: Exercise,
    cases: Sequence[Case],
    outcomes: Sequence[Outcome],
    *,
    function: str,
    hints: str = "fix",
    source: str = "",
) -> ExerciseReport:
    """The report of what the learner's function returned on every case (run here or in a
    grader's sandbox), with the facts of a failure; no search."""
    runs = [judge_outcome(exercise, c, o) for c, o in zip(cases, outcomes, strict=True)]
    report = ExerciseReport(
        function,
        [_check_of(r) for r in runs],
        _rows(exercise, runs),
        [],
        hints=hints,
        source=source,
        exercise=exercise.name,
        purpose=exercise.purpose,
        expected_from=exercise.expected_from,
    )
    if not report.passed:
        report.diagnosis = _facts(exercise, runs)
    return report


def check(
    exercise: Exercise,
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    hints: str = "fix",
    search_budget: float = SEARCH_BUDGET,
    namespace: dict[str, Any] | None = None,
    source: str | None = None,
    line_offset: int | None = None,
) -> ExerciseReport:
    """Run ``fn`` on every case of ``exercise``, judge it, and name a mistake by a verified
    repair (by an output model that fits every case, when there is no source to repair)."""
    level = validate_hints(hints)
    if not callable(fn):
        raise ValueError(f"fn must be a function like {exercise.signature}, got {fn!r}")
    start = time.perf_counter()
    cases = exercise.cases()
    outcomes = [run_one(fn, c.args) for c in cases]
    function = name or getattr(fn, "__qualname__", None) or exercise.name
    defined = getattr(fn, "__name__", None) or exercise.name  # its def's name in its source
    code = getattr(fn, "__code__", None)
    if source is None:
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = ""
        if line_offset is None:  # the function's own lines -> its file's
            line_offset = code.co_firstlineno - 1 if code is not None else 0
    line_offset = line_offset or 0
    report = report_of_outcomes(
        exercise, cases, outcomes, function=function, hints=level, source=source
    )
    runs = [judge_outcome(exercise, c, o) for c, o in zip(cases, outcomes, strict=True)]
    not_implemented = any("NotImplementedError" in r.outcome.error for r in runs)
    if not report.passed and not not_implemented:
        if traceable(source, defined):
            scope = namespace if namespace is not None else (namespace_of(fn) if code else {})
            lead = explain_with_engine(
                exercise, cases, source, defined, scope, line_offset, search_budget, report
            )
        else:
            report.notes.append(
                "Python cannot give the function's source as a def (a lambda, a "
                "functools.partial, a compiled function, code run from a string): no line "
                "can be pointed at or repaired"
            )
            lead = matching_wrong_function(exercise, cases, outcomes)
        if lead is not None:
            report.diagnosis = [lead, *report.diagnosis]
    report.seconds = time.perf_counter() - start
    return report


def explain_with_engine(
    exercise: Exercise,
    cases: Sequence[Case],
    source: str,
    function: str,
    namespace: dict[str, Any],
    line_offset: int,
    budget: float,
    report: ExerciseReport,
    *,
    runner: Runner = run_candidates,
    tracer: Tracer = trace,
    clock: Callable[[], float] = time.process_time,
) -> Diagnosis | None:
    """The engine's finding on the learner's source: a verified repair, or where and what.

    ``runner`` and ``tracer`` run the learner's code (in this process by default; a
    grader's run it in its sandbox, ``clock`` then wall-clock time)."""

    def judge(k: int, outcome: Outcome) -> tuple[bool, int]:
        return score(judge_outcome(exercise, cases[k], outcome))

    locate = _locator(namespace)
    if exercise.locate is not None:
        aligned = exercise.locate

        def locate(t: Trace, k: int, source: str, function: str) -> Alignment:
            return aligned(t, cases[k], source, function)

    try:
        finding = search_with(
            source,
            function,
            [c.args for c in cases],
            judge,
            locate,
            namespace,
            budget=budget,
            runner=runner,
            tracer=tracer,
            clock=clock,
            line_offset=line_offset,
            rules=exercise.rules,
        )
    except (SyntaxError, ValueError) as exc:
        report.notes.append(f"your source could not be traced line by line ({exc})")
        return None
    except Exception as exc:  # the engine only adds to a verdict already made
        report.notes.append(f"the line-by-line search stopped on {type(exc).__name__}: {exc}")
        return None
    wrong = [q for q in exercise.quantities if report.rows[q].status != "ok"]
    if finding.repair is None and not finding.line:
        return None
    return explain.finding_diagnosis(finding, wrong, TABLE)


# --- a function without source: output models -------------------------------------------


def traceable(source: str, function: str) -> bool:
    """Whether ``source`` defines ``def function`` for the engine to trace (not a lambda)."""
    if not source:
        return False
    try:
        parse_function(source, function)
    except (SyntaxError, ValueError):
        return False
    return True


def reproduces(
    model: WrongFunction, exercise: Exercise, cases: Sequence[Case], outcomes: Sequence[Outcome]
) -> float | None:
    r"""The largest :math:`|\tilde f - f| / |\tilde f|` over every case when ``model``
    reproduces the learner's ``outcomes`` (see :class:`WrongFunction`), else ``None``."""
    worst = 0.0
    told_apart = False
    for case, outcome in zip(cases, outcomes, strict=True):
        predicted = run_one(model.fn, case.args)
        told_apart = told_apart or not judge_outcome(exercise, case, predicted).passed
        if predicted.error or outcome.error:
            if predicted.error.split(":", 1)[0] != outcome.error.split(":", 1)[0]:
                return None
            continue
        yours, theirs = numeric(outcome.returned), numeric(predicted.returned)
        if yours is None or theirs is None:
            return None
        if yours.shape != theirs.shape or yours.dtype != theirs.dtype:
            return None
        a, e = yours.astype(np.float64), theirs.astype(np.float64)
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(e))):
            return None
        with np.errstate(all="ignore"):
            differences = np.abs(a - e) / np.abs(e)
        difference = float(np.max(np.where(a == e, 0.0, differences), initial=0.0))
        if not difference <= model.rtol:
            return None
        worst = max(worst, difference)
    return worst if told_apart else None


def matching_wrong_function(
    exercise: Exercise, cases: Sequence[Case], outcomes: Sequence[Outcome]
) -> Diagnosis | None:
    """The first of the exercise's output models that reproduces the learner's function on
    every case, as a finding; ``None`` when none does (the facts then say where and what)."""
    for model in exercise.models:
        match = reproduces(model, exercise, cases, outcomes)
        if match is not None:
            return Diagnosis(
                (),
                (model.mistake,),
                model.message,
                model.fix,
                evidence=(
                    f"your function gives these values on all {len(cases)} cases "
                    + ("exactly" if match == 0.0 else f"to {match:.1e} relative")
                ),
                match=match,
                concept=model.concept,
            )
    return None
