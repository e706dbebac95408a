r"""Values that are wrong: the simplest model of a mistake that explains them on every problem.

A model explains a quantity only if it matches on **every** problem (to
:data:`~autograd_lr.checking.thresholds.MODEL_RTOL`), so ``m`` and :math:`n_x` are told apart by the problems where they
differ. A model is a base (:data:`~autograd_lr.checking.mistakes.MODELS`: the oracle
gradient of a cost that embodies the mistake), times a sign and a scale
(:data:`SCALES`), plus possibly a fitted L2 term; models are tried from the simplest
(one mistake) to combinations of up to four. Then: one entry wrong, an epsilon inside
the logarithm, float32 rounding, and finally "unclassified".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from autograd_lr.checking.diagnosis.texts import (
    EXPLAIN,
    Text,
    capital,
    fill,
    regularization_text,
)
from autograd_lr.checking.expected import ProblemOracles
from autograd_lr.checking.mistakes import BASES, MODELS
from autograd_lr.checking.thresholds import (
    GRADIENT_RTOL,
    MODEL_RTOL,
    MODEL_RTOL_FLOAT32,
    REG_CONSISTENCY_RTOL,
)
from autograd_lr.checking.types import Diagnosis, ProblemCheck
from autograd_lr.problems import Problem
from autograd_lr.tolerances import relative_error

__all__ = ["MODEL_RTOL", "MODEL_RTOL_FLOAT32", "REG_CONSISTENCY_RTOL"]  # from thresholds

LOW_PRECISION = ("float32", "float16")


SCALES: dict[str, Callable[[Problem], float]] = {
    "1": lambda p: 1.0,
    "m": lambda p: float(p.m),
    "1/m": lambda p: 1.0 / p.m,
    "m/n_x": lambda p: p.m / p.n_x,
    "1/ln10": lambda p: 1.0 / math.log(10.0),
}


class Context:
    """One problem: the learner's comparable values and the oracles' models (prepared)."""

    def __init__(self, check: ProblemCheck, oracles: ProblemOracles) -> None:
        self.check = check
        self.oracles = oracles
        self.p = check.problem
        self.lambd = oracles.lambd
        self.yours: dict[str, np.ndarray | None] = {}
        for name, x in check.quantities.items():
            ok = x.status in ("ok", "wrong", "inconclusive") and x.yours is not None
            shape = (self.p.n_x, 1) if name == "dw" else ()
            self.yours[name] = np.asarray(x.yours, dtype=np.float64).reshape(shape) if ok else None
        self.floor = {"dw": oracles.scale, "db": oracles.scale, "cost": 1.0}

    def base(self, name: str) -> dict[str, Any]:
        """The data part (λ = 0) of a model's dw, db and cost on this problem."""
        values = self.oracles.models[name]
        return {
            "dw": values.dw,
            "db": values.db,
            "cost": values.cost if MODELS[name].predicts_cost else None,
        }

    def penalty(self) -> tuple[np.ndarray, float]:
        """The right L2 term's gradient and value (jax), zero when λ = 0."""
        values = self.oracles.models["penalty"]
        return values.dw, values.cost


@dataclass(frozen=True)
class _Candidate:
    base: str
    sign: int
    scale: str
    reg: bool

    @property
    def complexity(self) -> int:
        return (self.base != "correct") + (self.sign < 0) + (self.scale != "1") + self.reg


def _candidates(quantity: str) -> list[_Candidate]:
    bases = [n for n in BASES if quantity != "cost" or MODELS[n].predicts_cost]
    scales = ["1", "m", "1/m", "m/n_x"] + (["1/ln10"] if quantity == "cost" else [])
    regs = [False, True] if quantity in ("dw", "cost") else [False]
    out = [_Candidate(*c) for c in product(bases, (1, -1), scales, regs)]
    return sorted(out, key=lambda c: c.complexity)  # stable: simplest explanation first


@dataclass
class _Fit:
    worst: float  # the largest relative difference from the model over the problems
    t: list[tuple[int, float]]  # (m, fitted coefficient of the spurious term), per problem


def _predict(ctx: Context, c: _Candidate, quantity: str) -> np.ndarray | None:
    value = ctx.base(c.base)[quantity]
    if value is None:
        return None
    pred = c.sign * SCALES[c.scale](ctx.p) * np.asarray(value, dtype=np.float64)
    if not c.reg:
        dw_pen, J_pen = ctx.penalty()
        pred = pred + (dw_pen if quantity == "dw" else J_pen if quantity == "cost" else 0.0)
    return pred


def _fit(contexts: Sequence[Context], c: _Candidate, quantity: str, tol: float) -> _Fit | None:
    """Does the model explain the learner's ``quantity`` on every problem? (early exit)."""
    fit = _Fit(0.0, [])
    for ctx in contexts:
        yours = ctx.yours[quantity]
        assert yours is not None
        pred = _predict(ctx, c, quantity)
        if pred is None:
            return None
        if c.reg:
            w = ctx.p.w
            ww = float(np.sum(w * w))
            if ww == 0.0:
                return None
            if quantity == "dw":
                t = float(np.sum((yours - pred) * w)) / ww
                pred = pred + t * w
            else:  # cost: the coefficient of ½‖w‖²
                t = float(yours - pred) / (0.5 * ww)
                pred = pred + t * 0.5 * ww
            fit.t.append((ctx.p.m, t))
        e = relative_error(yours, pred, ctx.floor[quantity])
        if e > tol:
            return None
        fit.worst = max(fit.worst, e)
    return fit


def _consistent(values: Sequence[float], lambd: float) -> bool:
    """All equal to :data:`~autograd_lr.checking.thresholds.REG_CONSISTENCY_RTOL` of the larger of their size and λ."""
    top = max(max(abs(v) for v in values), lambd)
    return top > 0 and all(abs(v - values[0]) <= REG_CONSISTENCY_RTOL * top for v in values)


def _regularization(
    fit: _Fit, lambd: float, contexts: Sequence[Context], quantity: str
) -> tuple[str, str] | None:
    """Classify a fitted spurious term: (code, description), or None if it is not one."""
    if len(fit.t) < 2 or (quantity == "dw" and max(ctx.p.n_x for ctx in contexts) < 2):
        return None  # nothing to tell a w-proportional term from anything else
    # t: the learner's whole coefficient on w (dw) or on ½‖w‖² (cost), per problem
    as_lambda = [m * t for m, t in fit.t]  # (λ'/m) form: λ' the same everywhere
    as_constant = [t for _, t in fit.t]  # c form: the same c everywhere, no /m
    term = "(λ'/m)·w" if quantity == "dw" else "(λ'/2m)‖w‖²"
    if _consistent(as_lambda, lambd):
        lam = as_lambda[0]
        if abs(lam - lambd) <= REG_CONSISTENCY_RTOL * max(abs(lam), lambd):
            return None
        if lambd == 0.0:
            return "spurious_regularization", f"an extra term {term} with λ' = {lam:.6g}"
        if abs(lam) <= REG_CONSISTENCY_RTOL * lambd:
            return "missing_regularization", "no L2 term"
        detail = f"the L2 term {term} with λ' = {lam:.6g}"
        if quantity == "dw" and abs(lam - lambd / 2) <= REG_CONSISTENCY_RTOL * lambd:
            detail += " (the derivative of (λ/2m)‖w‖² is (λ/m)·w: the 2 of ‖w‖² cancels the ½)"
        return "wrong_regularization_strength", detail
    if _consistent(as_constant, lambd):
        c = as_constant[0]
        term = "c·w" if quantity == "dw" else "(c/2)‖w‖²"
        if lambd == 0.0:
            return (
                "spurious_regularization",
                f"an extra term {term} with c = {c:.6g} (not divided by m)",
            )
        detail = f"the L2 term {term} with c = {c:.6g}, not divided by m"
        if abs(c - lambd) <= REG_CONSISTENCY_RTOL * lambd:
            detail += " (λ·w where the penalty's gradient is (λ/m)·w)"
        return "wrong_regularization_strength", detail
    return None


_PART_CODES: dict[tuple[str, str], str] = {
    ("sign", "dw"): "sign_flipped",
    ("sign", "db"): "sign_flipped",
    ("sign", "cost"): "cost_sign_flipped",
    ("m", "dw"): "missing_1_over_m",
    ("m", "db"): "db_summed",
    ("m", "cost"): "cost_summed",
    ("1/m", "dw"): "divided_by_m_twice",
    ("1/m", "db"): "divided_by_m_twice",
    ("1/m", "cost"): "divided_by_m_twice",
    ("m/n_x", "dw"): "m_from_wrong_axis",
    ("m/n_x", "db"): "m_from_wrong_axis",
    ("m/n_x", "cost"): "m_from_wrong_axis",
    ("1/ln10", "cost"): "log10",
}


def tolerance(checks: Sequence[ProblemCheck], quantity: str) -> float:
    low = any(
        c.quantities[quantity].yours is not None
        and str(np.asarray(c.quantities[quantity].yours).dtype) in LOW_PRECISION
        for c in checks
    )
    return MODEL_RTOL_FLOAT32 if low else MODEL_RTOL


def _ratio_evidence(contexts: Sequence[Context], quantity: str) -> str:
    ctx = max(contexts, key=lambda x: (x.p.m != x.p.n_x and x.p.m > 1, x.p.m * x.p.n_x))
    yours, right = (
        ctx.yours[quantity],
        _predict(ctx, _Candidate("correct", 1, "1", False), quantity),
    )
    assert yours is not None and right is not None
    denominator = float(np.sum(right * right))
    if denominator == 0.0:
        return ""
    ratio = float(np.sum(yours * right)) / denominator
    return f"yours / expected = {ratio:.6g} on {ctx.p.name}"


def explain(
    c: _Candidate, quantity: str, reg: tuple[str, str] | None, lambd: float, label: str = ""
) -> tuple[tuple[str, ...], Text]:
    """The codes and the three levels of text of a matched model; ``label`` names the quantity."""
    codes: list[str] = []
    if c.base != "correct":
        codes.append(c.base)
    if c.sign < 0:
        codes.append(_PART_CODES[("sign", quantity)])
    if c.scale != "1":
        codes.append(_PART_CODES[(c.scale, quantity)])
    q = label or quantity
    texts = [Text(*(fill(part, q) for part in EXPLAIN[code])) for code in codes]
    if reg is not None:
        codes.append(reg[0])
        texts.append(regularization_text(reg[0], reg[1], quantity, lambd))
    fixes: list[str] = []
    for t in texts:
        if t.fix not in fixes:
            fixes.append(t.fix)
    locations: list[str] = []
    for t in texts:
        if t.location not in locations:
            locations.append(t.location)
    return tuple(codes), Text(
        " And ".join(capital(t.concept) for t in texts),
        " ".join(locations),
        "; and ".join(t.what for t in texts),
        "; ".join(fixes),
    )


def diagnosis(
    quantities: tuple[str, ...],
    codes: tuple[str, ...],
    text: Text,
    evidence: str = "",
    match: float = math.nan,
) -> Diagnosis:
    """A finding (:class:`~autograd_lr.checking.findings.Finding`) from its three levels of text."""
    return Diagnosis(
        quantities,
        codes,
        text.what,
        text.fix,
        evidence,
        match,
        concept=text.concept,
        location=text.location,
    )


def _one_entry(contexts: Sequence[Context], lambd: float) -> Diagnosis | None:
    """dw right in every entry but one (on every problem), possibly on top of one mistake."""
    for c in _candidates("dw"):
        if c.reg or c.complexity > 1:
            continue
        tol = GRADIENT_RTOL if c.complexity == 0 else MODEL_RTOL
        where: list[tuple[Context, int]] = []
        ok = True
        for ctx in contexts:
            yours, pred = ctx.yours["dw"], _predict(ctx, c, "dw")
            assert yours is not None and pred is not None
            bad = np.flatnonzero(np.abs(yours - pred).ravel() > tol * ctx.floor["dw"])
            if bad.size > 1:
                ok = False
                break
            if bad.size == 1:
                where.append((ctx, int(bad[0])))
        if not ok or not any(ctx.p.n_x >= 2 for ctx, _ in where):
            continue
        indices = ", ".join(f"dw[{j}] on {ctx.p.name}" for ctx, j in where)
        seen = []
        if all(j == ctx.p.n_x - 1 for ctx, j in where if ctx.p.n_x >= 2):
            seen.append("it is always the last feature, j = n_x - 1")
        elif all(j == 0 for ctx, j in where if ctx.p.n_x >= 2):
            seen.append("it is always the first feature, j = 0")
        zero = all(float(ctx.yours["dw"][j, 0]) == 0.0 for ctx, j in where)  # type: ignore[index]
        if zero:
            seen.append("that entry is exactly 0")
        codes, text = explain(c, "dw", None, lambd)
        message = (
            f"only one entry of dw is wrong on each problem ({indices}); every other entry is right"
        )
        if seen:
            message += ". " + capital("; ".join(seen))
        if text.what:
            message += f". Apart from that entry: {text.what}"
        return diagnosis(
            ("dw",),
            (*codes, "one_entry_wrong"),
            Text(
                " ".join(
                    filter(
                        None,
                        [
                            "One entry of dw is wrong on every problem, the others are right.",
                            text.concept,
                        ],
                    )
                ),
                "dw, the one entry named below.",
                message,
                text.fix,
            ),
        )
    return None


def diagnose_values(
    checks: Sequence[ProblemCheck], contexts_all: Sequence[Context], quantity: str, lambd: float
) -> tuple[Diagnosis, _Candidate | None]:
    """The simplest model that explains the learner's value on every problem, and its name."""
    contexts = [ctx for ctx in contexts_all if ctx.yours[quantity] is not None]
    tol = tolerance(checks, quantity)
    wrong_by = max(
        (c.quantities[quantity].error for c in checks if c.quantities[quantity].status == "wrong"),
        default=math.nan,
    )
    for c in _candidates(quantity):
        if c.complexity == 0:
            continue
        fit = _fit(contexts, c, quantity, tol)
        if fit is None:
            continue
        reg = None
        if c.reg:
            reg = _regularization(fit, lambd, contexts, quantity)
            if reg is None:
                continue
        codes, text = explain(c, quantity, reg, lambd)
        evidence = (
            f"on all {len(contexts)} problems your {quantity} matches this model of the mistake "
            f"to {fit.worst:.0e}, while it misses the right value by up to {wrong_by:.1e}"
        )
        if c.base == "correct" and (c.sign < 0 or c.scale != "1") and not c.reg:
            evidence += f"; {_ratio_evidence(contexts, quantity)}"
        return diagnosis((quantity,), codes, text, evidence, fit.worst), c
    if quantity == "dw":
        found = _one_entry(contexts, lambd)
        if found is not None:
            return found, None
    trivial = _fit(contexts, _Candidate("correct", 1, "1", False), quantity, tol)
    if trivial is not None and tol == MODEL_RTOL_FLOAT32:
        return float32_diagnosis((quantity,), wrong_by), None
    if trivial is not None:
        return diagnosis(
            (quantity,),
            ("imprecise",),
            Text(
                f"{quantity} is close to right, far closer than any mistake, but not within the "
                "threshold: precision was lost on the way.",
                f"Wherever {quantity} is computed with fewer digits or an unstable formula.",
                f"{quantity} is close to right (relative error {wrong_by:.1e}) but not within the "
                "threshold: far closer than any mistake, so look for precision lost on the way "
                "(a float32 cast, an unstable formula at saturated z)",
                "compute in float64 with the stable forms (cost from z: np.logaddexp(0, Z) - Y * Z)",
            ),
        ), None
    what = (
        f"{quantity} is wrong (relative error up to {wrong_by:.1e}) in a way the checker cannot "
        "name; compare your entries with the expected ones below"
    )
    return diagnosis(
        (quantity,),
        ("unclassified",),
        Text(
            f"{quantity} is wrong in a way the checker cannot name.",
            f"{quantity}: compare your entries with the expected ones.",
            what,
            "",
        ),
    ), None


def float32_diagnosis(quantities: tuple[str, ...], error: float) -> Diagnosis:
    names = (
        quantities[0]
        if len(quantities) == 1
        else f"{', '.join(quantities[:-1])} and {quantities[-1]}"
    )
    verb = "agree" if len(quantities) > 1 else "agrees"
    return diagnosis(
        quantities,
        ("float32",),
        Text(
            f"{names} {verb} only to single precision: the numbers lost half their digits "
            "somewhere, while the check is made in double precision.",
            f"Wherever {names} or an array it is computed from becomes float32.",
            f"{names} came back in float32 and {verb} with the oracles only to float32 rounding "
            f"(up to {error:.1e}); the check is made in float64, so float32 answers cannot pass",
            "keep the inputs' float64 (no astype(np.float32), no jnp arrays without "
            "jax_enable_x64)",
        ),
        match=error,
    )
