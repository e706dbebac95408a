r"""Check a learner's ``propagate``: which of ``dw``, ``db``, ``cost`` is wrong, and how.

.. math::

    e_q = \frac{\lVert \hat q - q \rVert_\infty}{\max(\lVert q \rVert_\infty, \lVert \hat q\rVert_\infty, s)},
    \qquad q \in \{dw, db, J\}

``fn(w, b, X, Y)`` (``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``) follows
:func:`autograd_lr.propagate`'s contract and returns ``(grads, cost)`` with
``grads = {"dw", "db"}``, or ``(dw, db)``. :func:`check_gradients` runs it on several
deterministic problems (:func:`default_problems`) and compares each quantity
:math:`\hat q` with the value :math:`q` of the oracles (:mod:`autograd_lr.oracles`) at a
normwise relative error :math:`e_q` whose floor :math:`s` is
:func:`autograd_lr.tolerances.gradient_scale` (DESIGN.md, rule 4: the checker compares,
it derives nothing by hand; it never imports :mod:`autograd_lr.gradients`).

Two modes:

* **full** -- ``jax.grad`` gives every coordinate exactly (to rounding); central finite
  differences give them a second time, and the two oracles' agreement is reported, so
  a numerical artefact is never blamed on the learner.
* **fast** -- for large :math:`n_x`: :math:`K` random unit directions :math:`v` in
  :math:`\theta = (w, b)`, each comparing :math:`v^\top \hat g` with a
  Richardson-extrapolated central difference of :func:`autograd_lr.forward.cost` along
  :math:`v` (4 numpy evaluations of the cost, whatever :math:`n_x` is; no jax). Only when
  a direction disagrees does it drill down to the per-coordinate full check.

Everything is checked in float64: the problems are float64, and a float32 answer is
reported as such. The learner's code runs in this process; to grade code you do not
trust, use :mod:`autograd_lr.checking.grading` (``autograd-lr check``), which runs it in its own.
"""

from __future__ import annotations

import html
import inspect
import math
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from autograd_lr import forward, oracles
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
from autograd_lr.problems import Problem, make_problem
from autograd_lr.tolerances import FINITE_DIFFERENCE_RTOL, gradient_scale, relative_error
from autograd_lr.validation import validate_lambd, validate_problem

Fast = bool | Literal["auto"] | None


# --- problems --------------------------------------------------------------------------------


def default_problems(seed: int = 0) -> list[Problem]:
    r"""The problems every check runs on: one per way a mistake could hide.

    * :math:`n_x \ne m` (5 features, 7 examples): a transposed ``X`` or ``m`` read from the
      wrong axis changes shapes or values;
    * :math:`m = 1`: the broadcasting edge, where sums and means coincide;
    * single-class labels, all :math:`y = 1` and all :math:`y = 0`;
    * moderately saturated logits, :math:`\max|z| = 10` (:math:`a` within 4.5e-5 of 0 or 1);
    * a larger problem, :math:`(n_x, m) = (40, 97)`, where neither a factor of ``m`` nor
      of :math:`n_x` can pass for rounding.

    Each comes from :func:`autograd_lr.problems.make_problem` with seed ``seed + k``.
    """
    return [
        make_problem(5, 7, seed, name="n_x ≠ m (n_x = 5, m = 7)"),
        make_problem(4, 1, seed + 1, name="one example (n_x = 4, m = 1)"),
        make_problem(3, 6, seed + 2, labels="ones", name="all labels 1 (n_x = 3, m = 6)"),
        make_problem(6, 3, seed + 3, labels="zeros", name="all labels 0 (n_x = 6, m = 3)"),
        make_problem(8, 11, seed + 4, z_max=10.0, name="saturated, |z| ≤ 10 (n_x = 8, m = 11)"),
        make_problem(40, 97, seed + 5, name="larger (n_x = 40, m = 97)"),
    ]


def as_problems(problems: Iterable[Any]) -> list[Problem]:
    """Problems given as :class:`~autograd_lr.problems.Problem` or ``(w, b, X, Y)``, in float64."""
    out = []
    for k, p in enumerate(problems):
        name = getattr(p, "name", "")
        try:
            w, b, X, Y = p
        except (TypeError, ValueError):
            raise ValueError(
                f"problem {k} must be a Problem or a tuple (w, b, X, Y), got {type(p).__name__}"
            ) from None
        w, b, X, Y = validate_problem(w, b, X, Y)
        n_x, m = X.shape
        out.append(
            Problem(
                w.astype(np.float64, copy=False),
                b,
                X.astype(np.float64, copy=False),
                Y.astype(np.float64, copy=False),
                name or f"problem {k} (n_x = {n_x}, m = {m})",
            )
        )
    if not out:
        raise ValueError("problems is empty: give at least one (w, b, X, Y)")
    return out


# --- running the learner's function ------------------------------------------------------------


@dataclass
class Outputs:
    """What ``fn`` returned, read into numpy arrays (nothing reshaped or cast yet)."""

    dw: np.ndarray | None = None
    db: np.ndarray | None = None
    cost: np.ndarray | None = None
    form: str = ""  # "(grads, cost)" or "(dw, db)"
    error: str = ""  # why the return value does not follow the contract, if it does not


@dataclass
class Call:
    """One call of the learner's function on one problem."""

    problem: Problem
    outputs: Outputs = field(default_factory=Outputs)
    exception: str = ""  # "ZeroDivisionError: division by zero", if fn raised
    exception_type: str = ""
    where: str = ""  # the line of the learner's code that raised
    modified: list[str] = field(default_factory=list)  # inputs fn changed in place
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _type_name(value: Any) -> str:
    """The type of a returned value (for one that came back from a grader's child process,
    the type it had there)."""
    return str(getattr(value, "returned_type", "") or type(value).__name__)


def _as_numeric(value: Any) -> np.ndarray | None:
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype.kind not in "biuf":
        return None
    return array


def read_outputs(returned: Any) -> Outputs:
    """Read ``(grads, cost)`` with ``grads = {"dw", "db"}``, or ``(dw, db)``, into arrays."""
    if not isinstance(returned, tuple | list) or len(returned) != 2:
        kind = _type_name(returned)
        size = f" of length {len(returned)}" if isinstance(returned, tuple | list) else ""
        return Outputs(
            error=f"the function returned a {kind}{size}; it must return (grads, cost) "
            f'with grads = {{"dw": ..., "db": ...}}, or (dw, db)'
        )
    first, second = returned
    if isinstance(first, dict):
        keys = sorted(str(k) for k in first)
        if "dw" not in first or "db" not in first:
            hint = ""
            lowered = {k.lower(): k for k in keys}
            if "dw" in lowered or "db" in lowered:
                hint = ' (the keys are case-sensitive: use "dw" and "db")'
            return Outputs(
                error=f'grads must have the keys "dw" and "db"; it has {keys}{hint}',
                form="(grads, cost)",
            )
        out = Outputs(form="(grads, cost)")
        out.dw, out.db, out.cost = (
            _as_numeric(first["dw"]),
            _as_numeric(first["db"]),
            _as_numeric(second),
        )
        for name in QUANTITIES:
            if getattr(out, name) is None:
                got = first[name] if name != "cost" else second
                out.error = f"{name} is not an array of numbers (got {_type_name(got)})"
                return out
        return out
    out = Outputs(form="(dw, db)")
    out.dw, out.db = _as_numeric(first), _as_numeric(second)
    for name, got in (("dw", first), ("db", second)):
        if getattr(out, name) is None:
            out.error = (
                f"{name} is not an array of numbers (got {_type_name(got)}); return "
                f'(grads, cost) with grads = {{"dw": ..., "db": ...}}, or (dw, db)'
            )
    return out


def _where(exc: BaseException, fn: Callable[..., Any]) -> str:
    """The deepest line of the traceback in ``fn``'s own file (else the deepest line)."""
    frames = traceback.extract_tb(exc.__traceback__)
    try:
        source = inspect.getsourcefile(fn) or ""
    except TypeError:
        source = ""
    own = [f for f in frames if source and f.filename == source]
    frame = own[-1] if own else (frames[-1] if frames else None)
    if frame is None:
        return ""
    line = (frame.line or "").strip()
    return f"line {frame.lineno} in {frame.name}: {line}" if line else f"line {frame.lineno}"


def call(fn: Callable[..., Any], problem: Problem, lambd: float | None = None) -> Call:
    """Run ``fn`` on fresh copies of ``problem``; never raises for what ``fn`` does.

    Records the outputs, an exception (type, message, the line that raised), warnings,
    and which inputs ``fn`` modified in place (compared with the pristine problem).
    """
    w, b, X, Y = (problem.w.copy(), problem.b, problem.X.copy(), problem.Y.copy())
    args: tuple[Any, ...] = (w, b, X, Y) if lambd is None else (w, b, X, Y, lambd)
    record = Call(problem)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            returned = fn(*args)
        except (Exception, SystemExit) as exc:
            record.exception_type = type(exc).__name__
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            record.exception = f"{record.exception_type}: {message}".rstrip(": ")
            record.where = _where(exc, fn)
            traceback = exc.__traceback__
            if isinstance(exc, TypeError) and traceback is not None and traceback.tb_next is None:
                # raised here, binding the arguments, before any line of fn ran
                record.exception = _signature_mismatch(fn, len(args), record.exception)
                record.where = ""  # the checker's line, not the learner's
        else:
            record.outputs = read_outputs(returned)
    record.seconds = time.perf_counter() - start
    record.warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    for name, before, after in (("w", problem.w, w), ("X", problem.X, X), ("Y", problem.Y, Y)):
        if not np.array_equal(before, after, equal_nan=True):
            record.modified.append(name)
    return record


def _signature_mismatch(fn: Callable[..., Any], n_args: int, original: str) -> str:
    """A readable reason when ``fn`` cannot take the arguments the checker passes."""
    expected = "fn(w, b, X, Y)" if n_args == 4 else "fn(w, b, X, Y, lambd)"
    try:
        shown = f"{getattr(fn, '__name__', 'fn')}{inspect.signature(fn)}"
    except (TypeError, ValueError):
        shown = getattr(fn, "__name__", "fn")
    return f"{original} (your function is {shown}, but it is called as {expected})"


# --- comparing one problem ---------------------------------------------------------------------

Status = Literal[
    "ok",  # agrees with the oracles
    "wrong",  # a finite value of the right shape that disagrees
    "shape",  # the wrong shape
    "non_finite",  # NaN or inf
    "inconclusive",  # disagrees with jax, but the oracles disagree with each other too
    "not_returned",  # the cost, when fn returns (dw, db)
    "not_run",  # fn raised, or returned something unreadable
]
FAILING: frozenset[str] = frozenset({"wrong", "shape", "non_finite"})


@dataclass
class QuantityCheck:
    """One quantity on one problem: its status and relative error to the reference."""

    name: str
    status: Status
    error: float = math.nan  # relative error e_q (nan: not compared; inf: non-finite)
    threshold: float = math.nan
    yours: np.ndarray | None = None  # as returned
    expected: np.ndarray | None = None  # float64, the right shape (full mode only)
    agreement: float = math.nan  # the two oracles' relative disagreement
    floor: float = 1.0


@dataclass
class ProblemCheck:
    """The check of every quantity on one problem."""

    call: Call
    mode: str  # "full", "fast", or "fast → full" (drilled down)
    quantities: dict[str, QuantityCheck]
    lambd: float = 0.0
    directions: list[tuple[float, float]] = field(default_factory=list)  # (vᵀĝ, D_v)

    @property
    def problem(self) -> Problem:
        return self.call.problem

    def expected(self, name: str) -> np.ndarray | None:
        return self.quantities[name].expected


def _float64(value: np.ndarray | None) -> np.ndarray:
    assert value is not None, "only called on quantities that were returned"
    return np.asarray(value, dtype=np.float64)


def _right_shape(name: str, value: np.ndarray, n_x: int) -> bool:
    if name == "dw":
        return value.shape == (n_x, 1)
    return value.size == 1


def _prepare(c: Call) -> dict[str, QuantityCheck]:
    """Statuses that need no reference value: not run, not returned, shape, non-finite."""
    p = c.problem
    q: dict[str, QuantityCheck] = {}
    for name in QUANTITIES:
        value = getattr(c.outputs, name)
        if c.exception or c.outputs.error:
            q[name] = QuantityCheck(name, "not_run")
        elif value is None:
            q[name] = QuantityCheck(name, "not_returned")
        elif not _right_shape(name, value, p.n_x):
            q[name] = QuantityCheck(name, "shape", math.inf, yours=value)
        elif not np.all(np.isfinite(value)):
            q[name] = QuantityCheck(name, "non_finite", math.inf, yours=value)
        else:
            q[name] = QuantityCheck(name, "ok", yours=value)
    return q


def _floors(p: Problem, lambd: float, J: float) -> dict[str, float]:
    s = gradient_scale(p.X, p.w, lambd)
    return {"dw": s, "db": s, "cost": 1.0, "directional": max(s, abs(J))}


def _cost_function(p: Problem, lambd: float) -> Callable[[np.ndarray], float]:
    """θ = (w, b) ↦ J(w, b) = :func:`autograd_lr.forward.cost` in numpy float64."""

    def f(theta: np.ndarray) -> float:
        w, b = oracles.unpack(theta, p.n_x)
        return float(forward.cost(w, b, p.X, p.Y, lambd))

    return f


def _directions(p: Problem, seed: int, index: int) -> list[np.ndarray]:
    rng = np.random.default_rng([seed, index, p.n_x, p.m])
    out = []
    for _ in range(FAST_DIRECTIONS):
        v = rng.standard_normal(p.n_x + 1)
        out.append(v / np.linalg.norm(v))
    return out


def richardson_along(
    f: Callable[[np.ndarray], float], theta: np.ndarray, v: np.ndarray, h: float
) -> float:
    r"""Richardson-extrapolated central difference of f along v: :math:`(4D(h/2) - D(h))/3`.

    :math:`D` is :func:`autograd_lr.oracles.directional_difference` at the step ``h``
    along ``v``; the :math:`h^2` error terms cancel, leaving :math:`O(h^4)`. 4 evaluations.
    """
    # directional_difference steps by step · max(1, ‖θ‖∞) / ‖v‖∞; ask for exactly h.
    step = h * float(np.max(np.abs(v))) / max(1.0, float(np.max(np.abs(theta))))
    D_h = oracles.directional_difference(f, theta, v, step=step)
    D_half = oracles.directional_difference(f, theta, v, step=step / 2)
    return (4.0 * D_half - D_h) / 3.0


def _directional_step(p: Problem) -> float:
    rms = float(np.sqrt(np.vdot(p.X, p.X) / p.X.size))  # no (n_x, m) temporary
    return DIRECTIONAL_STEP / max(1.0, rms)


def _fast(
    c: Call, q: dict[str, QuantityCheck], lambd: float, seed: int, index: int
) -> ProblemCheck | None:
    """The fast check: a :class:`ProblemCheck` if everything agrees, else ``None`` (drill down)."""
    p = c.problem
    if any(x.status != "ok" for x in q.values() if x.status != "not_returned"):
        return None
    f = _cost_function(p, lambd)
    theta = oracles.pack(p.w, p.b)
    J = f(theta)
    floors = _floors(p, lambd, J)
    if q["cost"].status == "ok":
        e = relative_error(_float64(q["cost"].yours), J, floors["cost"])
        q["cost"].error, q["cost"].threshold = e, COST_RTOL
        if e > COST_RTOL:
            return None
    g = np.concatenate([np.ravel(_float64(q["dw"].yours)), np.ravel(_float64(q["db"].yours))])
    h = _directional_step(p)
    pairs = []
    worst = 0.0
    for v in _directions(p, seed, index):
        yours, D = float(v @ g), richardson_along(f, theta, v, h)
        pairs.append((yours, D))
        worst = max(worst, relative_error(yours, D, floors["directional"]))
    if worst > DIRECTIONAL_RTOL:
        return None
    for name in ("dw", "db"):
        q[name].error, q[name].threshold = worst, DIRECTIONAL_RTOL
        q[name].floor = floors["directional"]
    return ProblemCheck(c, "fast", q, lambd, pairs)


def _full(
    c: Call, q: dict[str, QuantityCheck], lambd: float, seed: int, index: int, mode: str
) -> ProblemCheck:
    """The full check: every coordinate against jax.grad, with the oracles' agreement."""
    p = c.problem
    grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y, lambd)
    floors = _floors(p, lambd, J)
    expected = {
        "dw": grads["dw"],
        "db": np.asarray(grads["db"], dtype=np.float64),
        "cost": np.asarray(J, dtype=np.float64),
    }
    # The second oracle: finite differences per coordinate (small n_x) or along the fast
    # mode's directions (large n_x), both of forward.cost in numpy; for the cost, the
    # numpy evaluation of forward.cost against jax's.
    f = _cost_function(p, lambd)
    theta = oracles.pack(p.w, p.b)
    agreement = {"cost": relative_error(f(theta), J, floors["cost"])}
    if p.n_x <= FD_PER_COORDINATE_MAX_N_X:
        fd = oracles.finite_difference_gradients(p.w, p.b, p.X, p.Y, lambd)
        agreement["dw"] = relative_error(fd["dw"], grads["dw"], floors["directional"])
        agreement["db"] = relative_error(fd["db"], grads["db"], floors["directional"])
    else:
        g = oracles.pack(grads["dw"], grads["db"])
        h = _directional_step(p)
        worst = max(
            relative_error(richardson_along(f, theta, v, h), float(v @ g), floors["directional"])
            for v in _directions(p, seed, index)
        )
        agreement["dw"] = agreement["db"] = worst
    thresholds = {"dw": GRADIENT_RTOL, "db": GRADIENT_RTOL, "cost": COST_RTOL}
    for name, x in q.items():
        x.expected, x.agreement, x.floor = expected[name], agreement[name], floors[name]
        x.threshold = thresholds[name]
        if x.status != "ok":
            continue
        yours = np.reshape(_float64(x.yours), np.shape(expected[name]))
        x.error = relative_error(yours, expected[name], floors[name])
        if x.error > x.threshold:
            trusted = agreement[name] <= FINITE_DIFFERENCE_RTOL
            x.status = "wrong" if trusted else "inconclusive"
    return ProblemCheck(c, mode, q, lambd)


def compare(
    c: Call, *, lambd: float = 0.0, fast: Fast = "auto", seed: int = 0, index: int = 0
) -> ProblemCheck:
    """Check one call against the oracles (fast mode first where it applies)."""
    q = _prepare(c)
    if c.exception or c.outputs.error:
        return ProblemCheck(c, "not run", q, lambd)
    use_fast = (c.problem.n_x > FAST_AUTO_N_X) if fast in ("auto", None) else bool(fast)
    if use_fast:
        checked = _fast(c, q, lambd, seed, index)
        if checked is not None:
            return checked
        q = _prepare(c)  # drill down from a clean slate
        return _full(c, q, lambd, seed, index, "fast → full")
    return _full(c, q, lambd, seed, index, "full")


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry of a quantity: its index, your value, the expected one."""

    index: tuple[int, ...]
    yours: float
    expected: float


@dataclass
class Row:
    """One quantity over all problems."""

    name: str
    status: str  # "ok", "wrong", "inconclusive", "not returned", "not run"
    error: float  # the largest relative error over the problems where it was compared
    threshold: float
    worst_problem: str = ""
    entries: list[Entry] = field(default_factory=list)  # the worst entries, on worst_problem
    agreement: float = math.nan  # the oracles' largest disagreement over the problems


@dataclass
class GradientReport:
    r"""The result of :func:`check_gradients`: ``.passed``, ``.wrong``, rows, diagnosis.

    ``wrong`` lists the quantities among ``"dw"``, ``"db"``, ``"cost"`` that are wrong on
    at least one problem; ``rows`` has one :class:`Row` per quantity; ``diagnosis`` names
    the mistakes recognised, in the lecture's terms, with their fix; ``mistakes`` is the
    set of their codes. ``str(report)`` is the terminal view, ``_repr_html_`` the notebook's.
    """

    function: str
    checks: list[ProblemCheck]
    rows: dict[str, Row]
    diagnosis: list[Any]  # list[autograd_lr.checking.diagnosis.Diagnosis]
    error: str = ""  # why fn could not be checked at all (an exception, a timeout, ...)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def wrong(self) -> list[str]:
        return [q for q in QUANTITIES if q in self.rows and self.rows[q].status == "wrong"]

    @property
    def inconclusive(self) -> list[str]:
        return [q for q in QUANTITIES if q in self.rows and self.rows[q].status == "inconclusive"]

    @property
    def passed(self) -> bool:
        modified = any(c.call.modified for c in self.checks)
        not_run = any(r.status == "not run" for r in self.rows.values())
        return not (self.error or self.wrong or self.inconclusive or modified or not_run)

    @property
    def mistakes(self) -> set[str]:
        """Codes of every mistake recognised (see :mod:`autograd_lr.checking.diagnosis`)."""
        return {code for d in self.diagnosis for code in d.mistakes}

    @property
    def mode(self) -> str:
        modes = sorted({c.mode for c in self.checks if c.mode != "not run"})
        return ", ".join(modes) if modes else "no"

    @property
    def oracle_agreement(self) -> float:
        """The largest relative disagreement between the two oracles (nan if none computed)."""
        values = [r.agreement for r in self.rows.values() if not math.isnan(r.agreement)]
        return max(values) if values else math.nan

    # --- views ---

    def headline(self) -> str:
        if self.passed:
            return f"{self.function}: PASSED: dw, db and the cost agree with the oracles"
        if self.error:
            return f"{self.function}: FAILED: {self.error}"
        parts = []
        if self.wrong:
            parts.append(f"{_names(self.wrong)} {'is' if len(self.wrong) == 1 else 'are'} wrong")
        if self.inconclusive:
            parts.append(f"no verdict on {_names(self.inconclusive)} (the oracles disagree)")
        modified = sorted({n for c in self.checks for n in c.call.modified})
        if modified:
            parts.append(f"it modifies {_names(modified)} in place")
        raised = [c.call for c in self.checks if c.call.exception]
        if raised:
            parts.append(
                f"it raised {raised[0].exception_type or 'an exception'} on {len(raised)} of "
                f"{len(self.checks)} problems"
            )
        if any(c.call.outputs.error for c in self.checks):
            parts.append("its return value does not follow propagate's contract")
        return f"{self.function}: FAILED: " + "; ".join(parts)

    def __str__(self) -> str:
        if not self.checks:
            return "\n".join(
                [self.headline(), "  nothing was checked"] + [f"  - {n}" for n in self.notes]
            )
        lines = [self.headline(), f"  {self._summary()}", ""]
        lines.append(
            f"  {'quantity':<10}{'verdict':<14}{'max rel. error':>15}{'threshold':>11}"
            f"{'oracles agree to':>18}  worst problem"
        )
        for row in self.rows.values():
            lines.append(
                f"  {row.name:<10}{row.status:<14}{_fmt(row.error):>15}{_fmt(row.threshold):>11}"
                f"{_fmt(row.agreement):>18}  {row.worst_problem}"
            )
        if self.diagnosis:
            lines += ["", "Diagnosis"]
            for d in self.diagnosis:
                lines.append(f"  {d}")
        for row in self.rows.values():
            if row.entries and row.status in ("wrong", "inconclusive"):
                lines += ["", f"Worst entries of {row.name} on {row.worst_problem}:"]
                lines.append(f"  {'index':<10}{'yours':>22}{'expected':>22}")
                for e in row.entries:
                    index = str(e.index) if e.index else "-"
                    lines.append(f"  {index:<10}{e.yours:>22.15g}{e.expected:>22.15g}")
        if self.notes:
            lines += ["", "Notes"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def _summary(self) -> str:
        n = len(self.checks)
        problems = f"{n} problem{'s' if n != 1 else ''}"
        if all(row.status == "not run" for row in self.rows.values()):
            return f"{problems}: nothing compared, your function gave no usable output (see below)"
        return (
            f"{problems}, {self.mode} mode, computed in float64; "
            f"expected values from jax.grad, checked by finite differences ({self.seconds:.2f} s)"
        )

    def _repr_html_(self) -> str:
        e = html.escape
        color = "#1a7f37" if self.passed else "#cf222e"
        out = [
            f'<div><p style="font-weight:bold;color:{color}">{e(self.headline())}</p>',
            f"<p><small>{e(self._summary())}</small></p>",
            "<table><thead><tr><th>quantity</th><th>verdict</th><th>max rel. error</th>"
            "<th>threshold</th><th>oracles agree to</th><th>worst problem</th></tr></thead><tbody>",
        ]
        for row in self.rows.values():
            c = "#cf222e" if row.status in ("wrong", "inconclusive", "not run") else "inherit"
            out.append(
                f"<tr><td><code>{e(row.name)}</code></td>"
                f'<td style="color:{c}">{e(row.status)}</td>'
                f"<td>{_fmt(row.error)}</td><td>{_fmt(row.threshold)}</td>"
                f"<td>{_fmt(row.agreement)}</td><td>{e(row.worst_problem)}</td></tr>"
            )
        out.append("</tbody></table>")
        if self.diagnosis:
            out.append("<p><b>Diagnosis</b></p><ul>")
            for d in self.diagnosis:
                out.append(
                    f"<li><b>{e(', '.join(d.quantities) or 'function')}</b>: {e(d.message)}"
                    + (f"<br><i>fix:</i> <code>{e(d.fix)}</code>" if d.fix else "")
                    + (f"<br><small>{e(d.evidence)}</small>" if d.evidence else "")
                    + "</li>"
                )
            out.append("</ul>")
        for row in self.rows.values():
            if row.entries and row.status in ("wrong", "inconclusive"):
                out.append(
                    f"<p>Worst entries of <code>{e(row.name)}</code> on {e(row.worst_problem)}</p>"
                    "<table><thead><tr><th>index</th><th>yours</th><th>expected</th></tr></thead><tbody>"
                )
                for en in row.entries:
                    out.append(
                        f"<tr><td>{e(str(en.index) if en.index else '-')}</td>"
                        f"<td>{en.yours:.15g}</td><td>{en.expected:.15g}</td></tr>"
                    )
                out.append("</tbody></table>")
        if self.notes:
            out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in self.notes) + "</ul>")
        out.append("</div>")
        return "".join(out)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (non-finite numbers become ``None``)."""
        return {
            "function": self.function,
            "passed": self.passed,
            "wrong": self.wrong,
            "inconclusive": self.inconclusive,
            "error": self.error or None,
            "mode": self.mode,
            "quantities": {
                r.name: {
                    "status": r.status,
                    "max_relative_error": _json_float(r.error),
                    "threshold": _json_float(r.threshold),
                    "oracle_agreement": _json_float(r.agreement),
                    "worst_problem": r.worst_problem or None,
                    "worst_entries": [
                        {
                            "index": list(en.index),
                            "yours": _json_float(en.yours),
                            "expected": _json_float(en.expected),
                        }
                        for en in r.entries
                    ],
                }
                for r in self.rows.values()
            },
            "diagnosis": [d.to_dict() for d in self.diagnosis],
            "mistakes": sorted(self.mistakes),
            "modified_inputs": sorted({n for c in self.checks for n in c.call.modified}),
            "notes": list(self.notes),
            "problems": [
                {
                    "name": c.problem.name,
                    "n_x": c.problem.n_x,
                    "m": c.problem.m,
                    "mode": c.mode,
                    "status": {n: x.status for n, x in c.quantities.items()},
                    "relative_error": {n: _json_float(x.error) for n, x in c.quantities.items()},
                }
                for c in self.checks
            ],
            "seconds": round(self.seconds, 4),
        }


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "-"
    return "inf" if math.isinf(x) else f"{x:.1e}"


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _worst_entries(x: QuantityCheck) -> list[Entry]:
    if x.yours is None or x.expected is None:
        return []
    yours = np.asarray(x.yours, dtype=np.float64)
    expected = np.asarray(x.expected, dtype=np.float64)
    if yours.shape != expected.shape:
        if yours.size != expected.size:
            return []
        yours = yours.reshape(expected.shape)
    with np.errstate(invalid="ignore"):
        gap = np.abs(yours - expected)
    gap = np.where(np.isfinite(gap), gap, np.inf)
    order = np.argsort(-gap, axis=None, kind="stable")[:WORST_ENTRIES]
    entries = []
    for flat in order:
        index = tuple(int(i) for i in np.unravel_index(flat, expected.shape))
        entries.append(Entry(index, float(yours[index]), float(expected[index])))
    return entries


def _row(name: str, checks: Sequence[ProblemCheck]) -> Row:
    xs = [(c, c.quantities[name]) for c in checks]
    statuses = {x.status for _, x in xs}
    if not xs:
        status = "not run"
    elif statuses & FAILING:
        status = "wrong"
    elif "inconclusive" in statuses:
        status = "inconclusive"
    elif "not_run" in statuses:
        status = "not run"
    elif statuses == {"not_returned"}:
        status = "not returned"
    else:
        status = "ok"
    compared = [(c, x) for c, x in xs if not math.isnan(x.error)]
    threshold = max((x.threshold for _, x in xs if not math.isnan(x.threshold)), default=math.nan)
    agreement = max((x.agreement for _, x in xs if not math.isnan(x.agreement)), default=math.nan)
    if not compared:
        return Row(name, status, math.nan, threshold, agreement=agreement)
    # the worst problem: a failing one first, then the largest error
    c, x = max(compared, key=lambda cx: (cx[1].status in FAILING, cx[1].error))
    return Row(name, status, x.error, threshold, c.problem.name, _worst_entries(x), agreement)


def report(
    calls: Sequence[Call],
    *,
    function: str,
    lambd: float | None = None,
    fast: Fast = "auto",
    seed: int = 0,
    error: str = "",
    notes: Sequence[str] = (),
) -> GradientReport:
    """Compare every call with the oracles, diagnose what is wrong, and build the report.

    Used by :func:`check_gradients` (calls made in this process) and by
    :mod:`autograd_lr.checking.grading` (calls made in the submission's own process).
    """
    from autograd_lr.checking import diagnosis as diagnosis_module

    start = time.perf_counter()
    lam = 0.0 if lambd is None else validate_lambd(lambd)
    checks = [compare(c, lambd=lam, fast=fast, seed=seed, index=k) for k, c in enumerate(calls)]
    rows = {name: _row(name, checks) for name in QUANTITIES}
    result = GradientReport(function, checks, rows, [], error=error, notes=list(notes))
    result.diagnosis = diagnosis_module.diagnose(checks, lam) if not result.passed else []
    result.notes += diagnosis_module.notes(checks)
    result.seconds = time.perf_counter() - start + sum(c.seconds for c in calls)
    return result


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
) -> GradientReport:
    r"""Check ``fn``'s ``dw``, ``db`` and cost against the oracles; say what is wrong and how.

    ``fn(w, b, X, Y)`` with ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)`` returns
    ``(grads, cost)`` with ``grads = {"dw": (n_x, 1), "db": scalar}``, or ``(dw, db)``. With
    ``lambd`` = λ it is called as ``fn(w, b, X, Y, lambd)`` and checked against the
    L2-regularized cost :math:`J + \frac{\lambda}{2m}\lVert w\rVert^2`.

    ``fast``: ``"auto"`` (fast mode on problems with more than :data:`FAST_AUTO_N_X`
    features), ``True`` or ``False``. ``seed`` picks the default problems and the fast
    mode's directions; ``problems`` replaces the default ones (each a
    :class:`~autograd_lr.problems.Problem` or ``(w, b, X, Y)``).

    >>> from autograd_lr import propagate
    >>> check_gradients(propagate).passed
    True
    """
    if not callable(fn):
        raise ValueError(f"fn must be a function like propagate(w, b, X, Y), got {fn!r}")
    chosen = default_problems(seed) if problems is None else as_problems(problems)
    lam = None if lambd is None else validate_lambd(lambd)
    calls = [call(fn, p, lam) for p in chosen]
    return report(calls, function=name or _function_name(fn), lambd=lam, fast=fast, seed=seed)
