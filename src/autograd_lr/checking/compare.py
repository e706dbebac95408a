r"""Compare one call's ``dw``, ``db`` and cost with the oracles' values on its problem.

.. math::

    e_q = \frac{\lVert \hat q - q \rVert_\infty}{\max(\lVert q \rVert_\infty, \lVert \hat q\rVert_\infty, s)},
    \qquad q \in \{dw, db, J\}

Two modes:

* **full** -- ``jax.grad`` gives every coordinate exactly (to rounding); central finite
  differences give them a second time, and the two oracles' agreement is reported, so
  a numerical artefact is never blamed on the learner.
* **fast** -- for large :math:`n_x`: :math:`K` random unit directions :math:`v` in
  :math:`\theta = (w, b)`, each comparing :math:`v^\top \hat g` with a
  Richardson-extrapolated central difference of :func:`autograd_lr.forward.cost` along
  :math:`v` (4 numpy evaluations of the cost, whatever :math:`n_x` is; no jax). Only when
  a direction disagrees does it drill down to the per-coordinate full check.

Every reference value comes from a :class:`~autograd_lr.checking.expected.ProblemOracles`;
this module computes no derivative itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from autograd_lr.checking.expected import ProblemOracles
from autograd_lr.checking.thresholds import (
    COST_RTOL,
    DIRECTIONAL_RTOL,
    FAST_AUTO_N_X,
    GRADIENT_RTOL,
    QUANTITIES,
    WORST_ENTRIES,
)
from autograd_lr.checking.types import (
    FAILING,
    Call,
    Entry,
    ProblemCheck,
    QuantityCheck,
    Row,
)
from autograd_lr.tolerances import FINITE_DIFFERENCE_RTOL, relative_error

Fast = bool | Literal["auto"] | None


def uses_fast(fast: Fast, n_x: int) -> bool:
    """Whether a problem with ``n_x`` features is checked in fast mode first."""
    return (n_x > FAST_AUTO_N_X) if fast in ("auto", None) else bool(fast)


def _float64(value: np.ndarray | None) -> np.ndarray:
    assert value is not None, "only called on quantities that were returned"
    return np.asarray(value, dtype=np.float64)


def _right_shape(name: str, value: np.ndarray, n_x: int) -> bool:
    if name == "dw":
        return value.shape == (n_x, 1)
    return value.size == 1


def _statuses(c: Call) -> dict[str, QuantityCheck]:
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


def _fast(c: Call, q: dict[str, QuantityCheck], o: ProblemOracles) -> ProblemCheck | None:
    """The fast check: a :class:`ProblemCheck` if everything agrees, else ``None`` (drill down)."""
    if any(x.status != "ok" for x in q.values() if x.status != "not_returned"):
        return None
    J = o.numpy_cost
    floors = o.floors(J)
    if q["cost"].status == "ok":
        e = relative_error(_float64(q["cost"].yours), J, floors["cost"])
        q["cost"].error, q["cost"].threshold = e, COST_RTOL
        if e > COST_RTOL:
            return None
    g = np.concatenate([np.ravel(_float64(q["dw"].yours)), np.ravel(_float64(q["db"].yours))])
    pairs = []
    worst = 0.0
    for v, D in o.directions:
        yours = float(v @ g)
        pairs.append((yours, D))
        worst = max(worst, relative_error(yours, D, floors["directional"]))
    if worst > DIRECTIONAL_RTOL:
        return None
    for name in ("dw", "db"):
        q[name].error, q[name].threshold = worst, DIRECTIONAL_RTOL
        q[name].floor = floors["directional"]
    return ProblemCheck(c, "fast", q, o.lambd, pairs)


def _full(c: Call, q: dict[str, QuantityCheck], o: ProblemOracles, mode: str) -> ProblemCheck:
    """The full check: every coordinate against jax.grad, with the oracles' agreement."""
    ref = o.expected
    floors = o.floors(ref.cost)
    expected = {
        "dw": ref.dw,
        "db": np.asarray(ref.db, dtype=np.float64),
        "cost": np.asarray(ref.cost, dtype=np.float64),
    }
    agreement = o.agreement
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
    return ProblemCheck(c, mode, q, o.lambd)


def compare(c: Call, o: ProblemOracles, fast: Fast = "auto") -> ProblemCheck:
    """Check one call against the oracles' values on its problem (fast mode first where it applies)."""
    q = _statuses(c)
    if c.exception or c.outputs.error:
        return ProblemCheck(c, "not run", q, o.lambd)
    if uses_fast(fast, c.problem.n_x):
        checked = _fast(c, q, o)
        if checked is not None:
            return checked
        return _full(c, _statuses(c), o, "fast → full")  # drill down from a clean slate
    return _full(c, q, o, "full")


# --- one row per quantity ---------------------------------------------------------------------


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


def row(name: str, checks: Sequence[ProblemCheck]) -> Row:
    """One quantity over all problems: its verdict, worst error and worst entries."""
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


def fill_expected(check: ProblemCheck, o: ProblemOracles) -> ProblemCheck:
    """Put the reference values in where the fast mode did not need them (for a diagnosis)."""
    if check.quantities["dw"].expected is None and not check.call.exception:
        ref = o.expected
        check.quantities["dw"].expected = ref.dw
        check.quantities["db"].expected = np.asarray(ref.db)
        check.quantities["cost"].expected = np.asarray(ref.cost)
    return check
