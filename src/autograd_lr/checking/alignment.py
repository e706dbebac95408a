r"""Align a trace of the learner's function with the reference's intermediates: the first wrong line.

On the traced problem the reference computes, from :mod:`autograd_lr.forward` and the
oracles only (nothing derived by hand),

.. math::

    & Z = w^\top X + b,\ A = \sigma(Z),\ L^{(i)} = L(a^{(i)}, y^{(i)}),\ J = \tfrac1m \textstyle\sum_i L^{(i)}, \\
    & dZ = \bigl(\partial L^{(i)}/\partial z^{(i)}\bigr)_i,\ dw = \partial J/\partial w,\ db = \partial J/\partial b

(``dZ`` by the complex step of the per-example loss, ``dw`` and ``db`` the check's
reference, ``jax.grad`` of the cost), and the forms a right program
passes through: transposed, squeezed, unsummed (per example, e.g. :math:`X \odot dZ`),
summed before the mean (:math:`mJ`, :math:`m\,dw`), the running sums of the lecture's
loop and one example's entries. A value *matches* when it equals one of them to
:data:`~autograd_lr.checking.thresholds.TRACE_RTOL` in float64.

The first wrong line is the first assignment whose value matches none of them while
every name it reads did; :func:`align` finds it and says what is right and what is not.

A call of one of the learner's own helpers (:data:`HELPERS`, followed by the trace) is
aligned on its own arguments: the call of ``sigmoid(z)`` is right when it returns
:math:`\sigma(z)` of the ``z`` it was given, whatever that ``z`` is (a wrong argument is
the caller's line); the first wrong line of the first wrong call is the helper's line,
when that call comes before the first wrong line of the function itself.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from autograd_lr import forward, oracles
from autograd_lr.checking.expected import ProblemOracles
from autograd_lr.checking.thresholds import TRACE_RTOL
from autograd_lr.checking.tracing import Event, Trace, parse_function

# the labels of the reference's quantities, in the lecture's words
LABELS = {
    "w": "w",
    "b": "b",
    "X": "X",
    "Y": "Y",
    "m": "m",
    "n_x": "n_x",
    "Z": "z = wᵀx + b",
    "A": "a = σ(z)",
    "1-A": "1 − a",
    "1-Y": "1 − y",
    "log(A)": "log a",
    "log(1-A)": "log(1 − a)",
    "Y*log(A)": "y log a",
    "(1-Y)*log(1-A)": "(1 − y) log(1 − a)",
    "-L": "−L, the loss with its sign flipped",
    "L": "the loss L(a, y) of each example",
    "cost": "the cost J",
    "m*cost": "the sum of the losses (m J)",
    "-m*cost": "−m J",
    "dZ": "dz = ∂L/∂z",
    "X*dZ": "x dz, one column per example",
    "dw": "dw = ∂J/∂w",
    "dw_data": "dw of the cross-entropy alone (without the L2 term λ/m w)",
    "m*dw_data": "m dw of the cross-entropy alone",
    "cost_data": "the cross-entropy J alone (without the L2 term)",
    "L2 dw": "the L2 term's gradient λ/m w",
    "L2 cost": "the L2 term λ/(2m) ‖w‖²",
    "L2 sum": "‖w‖², the sum of the squared weights",
    "m*dw": "m dw, the sum before the mean",
    "db": "db = ∂J/∂b",
    "m*db": "m db, the sum before the mean",
    "exp(-Z)": "e^(−z)",
    "1+exp(-Z)": "1 + e^(−z)",
    "sum L": "a running sum of the losses",
    "sum X*dZ": "a running sum of x dz",
    "sum dZ": "a running sum of dz",
    "sum w*x": "a running sum of the terms w_j x_j of z",
    "b + sum w*x": "b plus a running sum of the terms w_j x_j of z",
    "z": "z",
    "-z": "−z",
    "exp(-z)": "e^(−z)",
    "1+exp(-z)": "1 + e^(−z)",
    "σ(z)": "σ(z)",
}


@cache
def _references(
    key: tuple[bytes, ...], n_x: int, m: int, lambd: float = 0.0
) -> tuple[tuple[str, np.ndarray], ...]:
    w = np.frombuffer(key[0]).reshape(n_x, 1)
    b = float(np.frombuffer(key[1])[0])
    X = np.frombuffer(key[2]).reshape(n_x, m)
    Y = np.frombuffer(key[3]).reshape(1, m)
    dw = np.frombuffer(key[4]).reshape(n_x, 1)
    db = float(np.frombuffer(key[5])[0])
    Z = forward.logits(w, b, X)
    A = forward.sigmoid(Z)
    L = forward.loss_from_logits(Z, Y)
    J = float(np.mean(L))
    # dz of each example: the complex step of the sum of the per-example losses in z
    dZ = oracles.complex_step(
        lambda z: np.sum(forward.loss_from_logits(z, Y.ravel(), analytic=True)),
        Z.ravel(),
        check_analytic=False,
    ).reshape(1, m)
    with np.errstate(all="ignore"):
        logA, log1A = np.log(A), np.log(1 - A)
    XdZ = X * dZ
    zero = np.zeros((1, 1))
    refs = {
        "w": w,
        "b": np.array(b),
        "X": X,
        "Y": Y,
        "m": np.array(float(m)),
        "n_x": np.array(float(n_x)),
        "Z": Z,
        "A": A,
        "1-A": 1 - A,
        "1-Y": 1 - Y,
        "log(A)": logA,
        "log(1-A)": log1A,
        "Y*log(A)": Y * logA,
        "(1-Y)*log(1-A)": (1 - Y) * log1A,
        "-L": -L,
        "L": L,
        "cost": np.array(J),
        "m*cost": np.array(m * J),
        "-m*cost": np.array(-m * J),
        "dZ": dZ,
        "X*dZ": XdZ,
        "dw": dw,
        "m*dw": m * dw,
        "db": np.array(db),
        "m*db": np.array(m * db),
        "exp(-Z)": np.exp(-Z),
        "1+exp(-Z)": 1 + np.exp(-Z),
        "sum L": np.hstack([zero, np.cumsum(L, axis=1)]),
        "sum X*dZ": np.hstack([np.zeros((n_x, 1)), np.cumsum(XdZ, axis=1)]),
        "sum dZ": np.hstack([zero, np.cumsum(dZ, axis=1)]),
        # z of each example summed over the features one by one (the lecture's inner loop)
        "sum w*x": np.cumsum(w * X, axis=0),
        "b + sum w*x": b + np.cumsum(w * X, axis=0),
    }
    if lambd:
        # with L2, dw and the cost are the oracle's (the penalty included); the data part
        # and the penalty alone are the intermediates a learner computes on the way
        squares = float(np.sum(w * w))
        penalty_dw, penalty = lambd / m * w, lambd / (2 * m) * squares
        refs["cost"] = np.array(J + penalty)
        refs["m*cost"], refs["-m*cost"] = np.array(m * (J + penalty)), np.array(-m * (J + penalty))
        refs["cost_data"] = np.array(J)
        refs["dw_data"], refs["m*dw_data"] = dw - penalty_dw, m * (dw - penalty_dw)
        refs["L2 dw"], refs["L2 cost"], refs["L2 sum"] = (
            penalty_dw,
            np.array(penalty),
            np.array(squares),
        )
    return tuple(refs.items())


def references(o: ProblemOracles) -> dict[str, np.ndarray]:
    """The reference's intermediates on ``o.problem`` (cached per problem), by label; dw and
    db are the oracle's (``o.expected``)."""
    p, ref = o.problem, o.expected
    key = tuple(
        np.ascontiguousarray(v, dtype=np.float64).tobytes()
        for v in (p.w, np.array([p.b]), p.X, p.Y, ref.dw, np.array([ref.db]))
    )
    return dict(_references(key, p.n_x, p.m, float(o.lambd)))


def _close(u: np.ndarray, r: np.ndarray) -> bool:
    scale = max(1.0, float(np.max(np.abs(r), initial=0.0)))
    return bool(np.allclose(u, r, rtol=TRACE_RTOL, atol=TRACE_RTOL * scale))


def matches(value: np.ndarray, refs: dict[str, np.ndarray], index: int = -1, name: str = "") -> str:
    """The label of the first reference ``value`` equals (as it is, transposed, squeezed, or
    as a column, a row or an entry of it); ``""`` when none. ``index``: the loop iteration
    the value comes from, whose example's entry is tried first; ``name``: the learner's
    name for it, whose reference of the same name is tried first (dz = a when y = 0)."""
    if name:
        own = {k: v for k, v in refs.items() if k.lower() == name.lower()}
        found = matches(value, own, index) if own else ""
        if found:
            return found
    u = np.asarray(value)
    if u.dtype.kind == "c" or not np.all(np.isfinite(u)):
        return ""
    u = u.astype(np.float64).ravel()
    if u.size == 1 and index >= 0:
        for label, r in refs.items():
            r2 = np.atleast_2d(r)
            if r2.shape[0] == 1 and r2.shape[1] > index and _close(u, r2[:, index]):
                return f"{label}, one entry"
    for label, r in refs.items():
        r2 = np.atleast_2d(r)
        if u.size == r2.size and (_close(u, r2.ravel()) or _close(u, r2.T.ravel())):
            return label
    for label, r in refs.items():
        r2 = np.atleast_2d(r)
        if r2.size == 1 or u.size not in (1, *r2.shape):
            continue
        if u.size == 1:
            if np.any(np.isclose(r2, u[0], rtol=TRACE_RTOL, atol=TRACE_RTOL)):
                return f"{label}, one entry"
            continue
        if u.size == r2.shape[0]:
            columns = np.isclose(r2, u[:, None], rtol=TRACE_RTOL, atol=TRACE_RTOL)
            if np.any(np.all(columns, axis=0)):
                return f"{label}, one column"
            if label.startswith("sum") and np.all(np.any(columns, axis=1)):
                return f"{label}, entry by entry"
        if u.size == r2.shape[1]:
            rows = np.isclose(r2, u[None, :], rtol=TRACE_RTOL, atol=TRACE_RTOL)
            if np.any(np.all(rows, axis=1)):
                return f"{label}, one row"
    return ""


@dataclass
class Alignment:
    """Which reference each traced name matched, and the first wrong line (0: none found)."""

    line: int
    text: str
    event: Event | None
    matched: dict[str, str] = field(default_factory=dict)  # name -> label, last value
    reads: list[str] = field(default_factory=list)  # names the wrong line reads
    low_precision: bool = False
    loop: bool = False  # the line runs in a loop (the event is one of its passes)
    # what the wrong value equals, if anything (a returned value in the wrong place), and
    # what a returned value in this place should be
    label: str = ""
    expected: str = ""
    # the returned leaf whose value this line made (it is what was returned in the wrong
    # place: the cost as the sum mJ, or as dz)
    returned: str = ""
    # this line gave a variable with the lecture's name of one intermediate the value of
    # another (dZ = A: the Y left out), and a later line went wrong with it
    misnamed: bool = False
    # the learner's helper the line is in ("" for the traced function itself)
    function: str = ""

    def describe(self, function: str) -> str:
        """Where and what, in the lecture's words, with no guess at why."""
        if not self.line:
            return ""
        where = f"line {self.line} of {self.function or function}, `{self.text}`"
        if self.event is not None and self.loop:
            where += f" (in the loop, on its pass {self.event.occurrence + 1})"
        right = [
            f"your {n} equals {LABELS.get(self.matched[n].split(',')[0], self.matched[n])}"
            for n in self.reads
            # (an argument is right by definition: w, or λ whatever its name, goes unsaid)
            if self.matched.get(n) and LABELS.get(self.matched[n], self.matched[n]) != n
        ]
        if self.event is None:
            return where
        what = self.event.value.describe()
        if self.low_precision:
            verdict = f"{self.event.name} is {what}: its values are computed in low precision"
        elif self.misnamed:
            seen = LABELS.get(self.label.split(",")[0], self.label)
            verdict = (
                f"{self.event.name} becomes {what}, equal to {seen}, where the lecture's "
                f"{self.event.name} is {LABELS[self.expected]}"
            )
        elif self.returned:
            seen = LABELS.get(self.label.split(",")[0], self.label)
            expected = LABELS[self.expected] if self.expected else "another value"
            verdict = (
                f"{self.event.name} becomes {what}, equal to {seen}; it is returned as "
                f"{self.returned[len('return') :] or 'the result'}, where {expected} is expected"
            )
        elif self.event.name.startswith("return"):
            place = self.event.name[len("return") :]
            seen = LABELS.get(self.label.split(",")[0], self.label)
            expected = (
                f"{LABELS[self.expected]} is expected"
                if self.expected
                else "propagate returns (grads, cost) with grads = {'dw': dw, 'db': db}"
            )
            verdict = (
                (f"the value returned at {place} is {what}" if place else f"it returns {what}")
                + (f", equal to {seen}" if self.label else "")
                + f", where {expected}"
            )
        else:
            verdict = (
                f"{self.event.name} becomes {what}, which is none of the lecture's "
                "intermediates (z, a, the losses, the cost, dz, dw, db, their sums)"
            )
        return f"{where}: " + ("; ".join([*right, verdict]))


_INPUTS = ("w", "b", "X", "Y", "m", "n_x")


def _reads(source: str, function: str) -> dict[int, list[str]]:
    """Line -> the local names read by the statement starting there (calls' names excluded)."""
    _, node = parse_function(source, function)
    out: dict[int, list[str]] = {}
    for stmt in ast.walk(node):
        if not isinstance(stmt, ast.stmt) or isinstance(stmt, ast.FunctionDef):
            continue
        called = {id(c.func) for c in ast.walk(stmt) if isinstance(c, ast.Call)}
        names = [
            n.id
            for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in called
        ]
        if isinstance(stmt, ast.AugAssign):
            names += [n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)]
        out.setdefault(stmt.lineno, list(dict.fromkeys(names)))
    return out


# The lecture's names of the backward pass's intermediates: a variable so named that holds
# another intermediate is where a term was left out (dZ = A forgets Y).
LECTURE_NAMES = {"dZ": "dZ", "dz": "dZ"}


def _misnamed(
    inputs: list[str], matched: dict[str, str], assigned: dict[str, Event], e: Event
) -> tuple[Event, str] | None:
    """The assignment of an input of the wrong line ``e`` that bears the lecture's name of
    one intermediate and holds another, made on an earlier line; ``None`` if there is none."""
    for n in inputs:
        label, before = matched.get(n, "").split(",")[0], assigned.get(n)
        if (
            n in LECTURE_NAMES
            and label in LABELS
            and label not in (LECTURE_NAMES[n], "w", "b", "X", "Y")
            and before is not None
            and before.line != e.line
        ):
            return before, n
    return None


def _neutral(value: np.ndarray) -> bool:
    """A starting value (zeros) or a counter: no intermediate of the computation."""
    return value.dtype.kind in "biu" or not np.any(value)


# what each returned leaf must be, by its place in (grads, cost) or (dw, db)
RETURNED = {"return[0]['dw']": "dw", "return[0]['db']": "db", "return[1]": "cost"}
RETURNED_PAIR = {"return[0]": "dw", "return[1]": "db"}


def align(t: Trace, o: ProblemOracles, source: str, function: str) -> Alignment:
    """The first assignment whose value matches no reference while the names it reads did;
    else the return line, if a returned value is not the one expected in its place; or the
    first wrong line of a helper's call (:func:`align_helpers`), if that call comes first."""
    own = Trace([e for e in t.events if HELPER_MARK not in e.name], t.raised, t.lines)
    leaves = {e.name for e in own.events if e.name.startswith("return")}
    places = RETURNED_PAIR if leaves == set(RETURNED_PAIR) else RETURNED
    arguments: tuple[str, ...] = ("w", "b", "X", "Y")
    if o.lambd:  # propagate(w, b, X, Y, lambd): λ is right by definition, whatever its name
        arguments += _parameters(source, function)[4:5]
    found = align_with(own, references(o), places, source, function, arguments)
    helper = align_helpers(t, source)
    if helper is None:
        return found
    position = {id(e): k for k, e in enumerate(t.events)}
    at, wrong = helper
    if found.event is None or at < position[id(found.event)]:
        return wrong
    return found


# The learner's helpers a trace follows into (defined in the learner's own source), each
# with the alignment of one call on its own arguments.
HELPERS = ("sigmoid",)
HELPER_MARK = ":"  # a helper's event is named "helper:name" (tracing)


def _helper_calls(t: Trace) -> list[tuple[str, list[tuple[int, Event]]]]:
    """Each complete call of a followed helper: its name, and its events (their place in
    the trace, and the event under the helper's own name), from entry to return."""
    calls: list[tuple[str, list[tuple[int, Event]]]] = []
    current: dict[str, list[tuple[int, Event]]] = {}
    entry: dict[str, int] = {}  # the def line of each helper: its arguments, on entry
    for k, e in enumerate(t.events):
        helper, mark, name = e.name.partition(HELPER_MARK)
        if not mark:
            continue
        first = entry.setdefault(helper, e.line)
        events = current.get(helper)
        if events is None or (e.line == first and any(ev.line != first for _, ev in events)):
            events = current[helper] = []  # a new call (one left unfinished raised)
        events.append((k, Event(e.line, e.occurrence, name, e.value)))
        if name.startswith("return"):
            calls.append((helper, current.pop(helper)))
    return calls


def align_helpers(t: Trace, source: str) -> tuple[int, Alignment] | None:
    """The first call of a followed helper that returns a wrong value on its own arguments:
    the place in ``t.events`` of its located event, and its alignment (``function`` is
    the helper's name); ``None`` when every call is right."""
    for helper, events in _helper_calls(t):
        if helper not in HELPERS:
            continue
        parameters = _parameters(source, helper)
        given = {ev.name: ev.value.data for _, ev in events if ev.line == events[0][1].line}
        z = given.get(parameters[0]) if parameters else None
        if z is None:
            continue  # no argument recorded (above the trace's cap)
        own = Trace([ev for _, ev in events], None, t.lines)
        found = align_sigmoid(own, np.asarray(z), source, helper)
        if not found.line:
            continue
        found.function = helper
        at = next((k for k, ev in events if ev is found.event), events[-1][0])
        return at, found
    return None


def align_sigmoid(t: Trace, z: np.ndarray, source: str, function: str) -> Alignment:
    r""":func:`align` for ``sigmoid(z)``: the references are :math:`z, -z, e^{-z}, 1 + e^{-z}`
    and :math:`\sigma(z)` from :func:`autograd_lr.forward.sigmoid`."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        refs = {"z": z, "-z": -z, "exp(-z)": np.exp(-z), "1+exp(-z)": 1 + np.exp(-z)}
    refs["σ(z)"] = np.asarray(forward.sigmoid(z))
    parameter = _parameters(source, function)[:1] or ("z",)
    return align_with(t, refs, {"return": "σ(z)"}, source, function, parameter)


def _parameters(source: str, function: str) -> tuple[str, ...]:
    _, node = parse_function(source, function)
    return tuple(a.arg for a in node.args.args)


def align_with(
    t: Trace,
    refs: dict[str, np.ndarray],
    places: dict[str, str],
    source: str,
    function: str,
    arguments: tuple[str, ...],
) -> Alignment:
    """The alignment with any reference: ``places`` says what each returned leaf must be,
    ``arguments`` are right by definition."""
    reads = _reads(source, function)
    matched: dict[str, str] = {n: n for n in arguments}
    bad: set[str] = set()
    first: dict[str, Event] = {}  # label -> the first assignment that had it
    looped = {(e.line, e.name) for e in t.events if e.occurrence > 0}
    assigned: dict[str, Event] = {}  # name -> its last assignment so far
    for e in t.events:
        v = e.value
        label, low = "", False
        if v.data is not None:
            data = np.asarray(v.data)
            low = data.dtype.kind == "f" and data.dtype.itemsize < 8
            loop = e.occurrence if (e.line, e.name) in looped else -1
            label = "" if low else matches(data, refs, loop, e.name)
            if not label and not low and _neutral(data) and not e.name.startswith("return"):
                label = "a starting value"
        inputs = reads.get(e.line, [])
        if e.name.startswith("return"):
            expected = places.get(e.name, "")
            reshaped = (
                label == expected
                and v.shape is not None
                and int(np.prod(v.shape)) > 1
                and v.shape != np.shape(refs[expected])
            )
            if label != expected or reshaped:
                origin = first.get(label) if not reshaped and label not in arguments else None
                misnamed = None if origin is not None else _misnamed(inputs, matched, assigned, e)
                if misnamed is not None:
                    at, n = misnamed
                    text = t.lines.get(at.line, "").strip()
                    found = Alignment(at.line, text, at, dict(matched), reads.get(at.line, []))
                    found.label, found.expected = matched[n].split(",")[0], LECTURE_NAMES[n]
                    found.misnamed = True
                    return found
                at = origin or e
                text = t.lines.get(at.line, "").strip()
                found = Alignment(at.line, text, at, dict(matched), reads.get(at.line, []), low)
                found.label, found.expected = label, expected
                found.returned = e.name if origin is not None else ""
                return found
            continue
        if v.shape is None:
            continue  # a dict or a tuple of values: its entries are judged where returned
        assigned[e.name] = e
        if label:
            first.setdefault(label, e)
            matched[e.name] = label
            bad.discard(e.name)
            continue
        matched.pop(e.name, None)
        if not any(n in bad for n in inputs):
            misnamed = _misnamed(inputs, matched, assigned, e)
            if misnamed is not None:
                at, n = misnamed
                found = Alignment(
                    at.line,
                    t.lines.get(at.line, "").strip(),
                    at,
                    dict(matched),
                    reads.get(at.line, []),
                )
                found.label, found.expected = matched[n].split(",")[0], LECTURE_NAMES[n]
                found.misnamed = True
                return found
            found = Alignment(
                e.line, t.lines.get(e.line, "").strip(), e, dict(matched), inputs, low
            )
            found.loop = (e.line, e.name) in looped
            return found
        bad.add(e.name)
    if t.raised is not None and t.raised.line:
        line = t.raised.line
        return Alignment(line, t.raised.text, None, dict(matched), reads.get(line, []))
    return Alignment(0, "", None, dict(matched))
