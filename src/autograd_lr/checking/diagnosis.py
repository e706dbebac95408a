r"""Name the learner's mistake in the lecture's terms, and say the fix.

Nothing here derives a gradient by hand (DESIGN.md, rule 4). A mistake is recognised
by matching the learner's answer :math:`\hat q` against **models of wrong answers**,
each built from the oracles alone:

* a *transformation of the oracle's value*: a sign (:math:`-q`: ``dZ = Y - A``) and a
  scale (:math:`m q`: the ``1/m`` forgotten; :math:`q/m`: divided twice;
  :math:`\frac{m}{n_x} q`: ``m`` read from ``X.shape[0]``; :math:`J/\ln 10`: ``log10``);
* the *oracle gradient of a different cost* that embodies the mistake, differentiated
  by ``jax.grad`` through :mod:`autograd_lr.forward`:

  ====================================  ===================================================
  mistake                               model (its ``jax.grad``)
  ====================================  ===================================================
  forgot to subtract Y (``dZ = A``)     :math:`J` with :math:`Y` replaced by zeros
  used z where a belongs                :math:`\frac1m\sum\frac12(z - y)^2`
  extra :math:`\sigma'(z) = a(1-a)`     :math:`\frac1m\sum\frac12(\sigma(z) - y)^2`
  :math:`1/(1 + e^{z})` for σ           :math:`\nabla J` evaluated at :math:`(-w, -b)`
  forgot ``+ b`` in ``Z``               :math:`\nabla J` evaluated at :math:`(w, 0)`
  ====================================  ===================================================

* a *fitted term*: a spurious (or missing, or mis-scaled) regularization is the part of
  :math:`\widehat{dw} - dw` proportional to :math:`w`, whose strength :math:`\lambda'`
  must be the same on every problem;
* *one entry wrong*: every entry but one agrees.

A model explains a quantity only if it matches on **every** problem (to
:data:`MODEL_RTOL`), so ``m`` and :math:`n_x` are told apart by the problems where they
differ. Models are tried from the simplest (one mistake) to combinations of up to four;
a mistake none of them explains is reported as unclassified, with the per-entry table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from autograd_lr.checking.compare import fill_expected
from autograd_lr.checking.expected import ProblemOracles
from autograd_lr.checking.mistakes import BASES, MODELS
from autograd_lr.checking.thresholds import GRADIENT_RTOL, QUANTITIES
from autograd_lr.checking.types import Call, Diagnosis, ProblemCheck
from autograd_lr.problems import Problem
from autograd_lr.tolerances import relative_error

# A float64 implementation of a mistaken formula matches its model (computed by jax in
# float64) to rounding, ≲ 1e-14; 1e-7 leaves room for numerically poorer forms of the
# same mistake and stays far below the gap between two different models on the default
# problems (≥ 1e-2, asserted in the tests).
MODEL_RTOL = 1e-7
# A float32 answer carries float32 rounding (ε₃₂ ≈ 6e-8 per operation, up to ~1e-3 in a
# course-style cost through log(1 − a) at |z| = 10); its mistakes are matched at 1e-3.
MODEL_RTOL_FLOAT32 = 1e-3
# A fitted regularization strength counts as "the same on every problem" to 1e-6: the
# fit is exact to rounding, while a term not proportional to λ/m (or to a constant)
# varies by O(1) between problems with different m.
REG_CONSISTENCY_RTOL = 1e-6

LOW_PRECISION = ("float32", "float16")


SCALES: dict[str, Callable[[Problem], float]] = {
    "1": lambda p: 1.0,
    "m": lambda p: float(p.m),
    "1/m": lambda p: 1.0 / p.m,
    "m/n_x": lambda p: p.m / p.n_x,
    "1/ln10": lambda p: 1.0 / math.log(10.0),
}


class _Context:
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


def _predict(ctx: _Context, c: _Candidate, quantity: str) -> np.ndarray | None:
    value = ctx.base(c.base)[quantity]
    if value is None:
        return None
    pred = c.sign * SCALES[c.scale](ctx.p) * np.asarray(value, dtype=np.float64)
    if not c.reg:
        dw_pen, J_pen = ctx.penalty()
        pred = pred + (dw_pen if quantity == "dw" else J_pen if quantity == "cost" else 0.0)
    return pred


def _fit(contexts: Sequence[_Context], c: _Candidate, quantity: str, tol: float) -> _Fit | None:
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
    """All equal to :data:`REG_CONSISTENCY_RTOL` of the larger of their size and λ."""
    top = max(max(abs(v) for v in values), lambd)
    return top > 0 and all(abs(v - values[0]) <= REG_CONSISTENCY_RTOL * top for v in values)


def _regularization(
    fit: _Fit, lambd: float, contexts: Sequence[_Context], quantity: str
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


# --- what each mistake means, in the lecture's terms --------------------------------------

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

# (what happened, the fix); {q} is the quantity, {has} {is} {was} its verbs.
EXPLAIN: dict[str, tuple[str, str]] = {
    "sign_flipped": (
        "{q} {has} the wrong sign: dZ was computed as Y − A; the lecture's dz = a − y",
        "dZ = A - Y",
    ),
    "cost_sign_flipped": (
        "the cost has the wrong sign: the minus in J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] "
        "is missing",
        "cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m",
    ),
    "missing_1_over_m": (
        "dw is m times too large: X dZᵀ was not divided by m (J is a mean over the m "
        "examples, so is its gradient)",
        "dw = np.dot(X, dZ.T) / m",
    ),
    "db_summed": (
        "db is m times too large: dZ was summed instead of averaged",
        "db = np.sum(dZ) / m",
    ),
    "cost_summed": (
        "the cost is m times too large: the losses were summed instead of averaged",
        "cost = np.sum(losses) / m",
    ),
    "divided_by_m_twice": (
        "{q} {is} 1/m of the right value: it was divided by m twice",
        "divide by m once",
    ),
    "m_from_wrong_axis": (
        "{q} {is} scaled by m/n_x: m was read from X.shape[0], which is n_x, the number of "
        "features; X is (n_x, m), one column per example",
        "m = X.shape[1]",
    ),
    "log10": (
        "the cost is J / ln 10: np.log10 was used where the natural logarithm belongs",
        "use np.log",
    ),
    "forgot_Y": (
        "{q} {was} computed with dZ = A: Y was not subtracted",
        "dZ = A - Y",
    ),
    "z_instead_of_a": (
        "{q} {was} computed with dZ = Z − Y: z was used where a = σ(z) belongs (that is the "
        "gradient of a squared error on z, as in linear regression)",
        "A = sigmoid(Z); dZ = A - Y",
    ),
    "extra_sigmoid_derivative": (
        "{q} {has} an extra factor σ'(z) = a(1 − a): dZ = (A − Y)·A(1 − A). The chain rule "
        "already used it: dz = da · a(1 − a) = a − y",
        "dZ = A - Y",
    ),
    "sigmoid_sign": (
        "σ was computed as 1/(1 + e^z), with the sign of the exponent flipped, so A = 1 − σ(z)",
        "A = 1 / (1 + np.exp(-Z))",
    ),
    "forgot_bias": (
        "{q} {was} computed with Z = wᵀX, without + b",
        "Z = np.dot(w.T, X) + b",
    ),
}


def _reg_text(code: str, detail: str, quantity: str, lambd: float) -> tuple[str, str]:
    right = "(λ/m)·w" if quantity == "dw" else "(λ/2m)‖w‖²"
    if code == "spurious_regularization":
        what = (
            f"{quantity} has {detail}: a regularization that the cost being checked does not have"
        )
        return what, "remove the term (or check with lambd=λ' if you meant L2)"
    if code == "missing_regularization":
        what = f"{quantity} lacks the L2 term {right} (λ = {lambd:g})"
        fix = (
            "dw = np.dot(X, dZ.T) / m + (lambd / m) * w"
            if quantity == "dw"
            else "cost += lambd / (2 * m) * np.sum(w * w)"
        )
        return what, fix
    what = f"{quantity} has {detail}, where the right one is {right} with λ = {lambd:g}"
    if quantity == "dw":
        return what, "dw = np.dot(X, dZ.T) / m + (lambd / m) * w"
    return what, "cost += lambd / (2 * m) * np.sum(w * w)"


# mistakes made in dZ (or in m) that show in dw and db alike
_SHARED = {
    "sign_flipped",
    "forgot_Y",
    "z_instead_of_a",
    "extra_sigmoid_derivative",
    "sigmoid_sign",
    "forgot_bias",
    "m_from_wrong_axis",
    "divided_by_m_twice",
}

# --- diagnosing one quantity --------------------------------------------------------------


def _tolerance(checks: Sequence[ProblemCheck], quantity: str) -> float:
    low = any(
        c.quantities[quantity].yours is not None
        and str(np.asarray(c.quantities[quantity].yours).dtype) in LOW_PRECISION
        for c in checks
    )
    return MODEL_RTOL_FLOAT32 if low else MODEL_RTOL


def _ratio_evidence(contexts: Sequence[_Context], quantity: str) -> str:
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


def _explain_candidate(
    c: _Candidate, quantity: str, reg: tuple[str, str] | None, lambd: float, label: str = ""
) -> tuple[tuple[str, ...], str, str]:
    """The codes, the message and the fix of a matched model; ``label`` names the quantity."""
    codes: list[str] = []
    whats: list[str] = []
    fixes: list[str] = []
    if c.base != "correct":
        codes.append(c.base)
    if c.sign < 0:
        codes.append(_PART_CODES[("sign", quantity)])
    if c.scale != "1":
        codes.append(_PART_CODES[(c.scale, quantity)])
    for code in codes:
        what, fix = EXPLAIN[code]
        q = label or quantity
        plural = " and " in q
        verbs = {"has": "have", "is": "are", "was": "were"} if plural else {}
        whats.append(what.format(q=q, **{v: verbs.get(v, v) for v in ("has", "is", "was")}))
        if fix not in fixes:
            fixes.append(fix)
    if reg is not None:
        what, fix = _reg_text(reg[0], reg[1], quantity, lambd)
        codes.append(reg[0])
        whats.append(what)
        fixes.append(fix)
    return tuple(codes), "; and ".join(whats), "; ".join(fixes)


def _one_entry(contexts: Sequence[_Context], lambd: float) -> Diagnosis | None:
    """dw right in every entry but one (on every problem), possibly on top of one mistake."""
    for c in _candidates("dw"):
        if c.reg or c.complexity > 1:
            continue
        tol = GRADIENT_RTOL if c.complexity == 0 else MODEL_RTOL
        where: list[tuple[_Context, int]] = []
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
        hints = []
        if all(j == ctx.p.n_x - 1 for ctx, j in where if ctx.p.n_x >= 2):
            hint = "it is always the last feature: does the loop over features stop one short (range(n_x - 1))?"
            hints.append(hint)
        elif all(j == 0 for ctx, j in where if ctx.p.n_x >= 2):
            hints.append("it is always the first feature: does the loop over features start at 1?")
        zero = all(float(ctx.yours["dw"][j, 0]) == 0.0 for ctx, j in where)  # type: ignore[index]
        if zero:
            hints.append("that entry is exactly 0: it was never accumulated")
        codes, what, fix = _explain_candidate(c, "dw", None, lambd)
        message = (
            f"only one entry of dw is wrong on each problem ({indices}); every other entry is right"
        )
        if hints:
            message += ". " + "; ".join(hints)[0].upper() + "; ".join(hints)[1:]
        if what:
            message += f". Apart from that entry: {what}"
        fix_text = "check the loop over features j: dw[j] += X[j, i] * dz[i] for j in range(n_x)"
        return Diagnosis(
            ("dw",), (*codes, "one_entry_wrong"), message, "; ".join(filter(None, [fix, fix_text]))
        )
    return None


def _diagnose_values(
    checks: Sequence[ProblemCheck], contexts_all: Sequence[_Context], quantity: str, lambd: float
) -> tuple[Diagnosis, _Candidate | None]:
    """The simplest model that explains the learner's value on every problem, and its name."""
    contexts = [ctx for ctx in contexts_all if ctx.yours[quantity] is not None]
    tol = _tolerance(checks, quantity)
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
        codes, what, fix = _explain_candidate(c, quantity, reg, lambd)
        evidence = (
            f"on all {len(contexts)} problems your {quantity} matches this model of the mistake "
            f"to {fit.worst:.0e}, while it misses the right value by up to {wrong_by:.1e}"
        )
        if c.base == "correct" and (c.sign < 0 or c.scale != "1") and not c.reg:
            evidence += f"; {_ratio_evidence(contexts, quantity)}"
        return Diagnosis((quantity,), codes, what, fix, evidence, fit.worst), c
    if quantity == "dw":
        found = _one_entry(contexts, lambd)
        if found is not None:
            return found, None
    trivial = _fit(contexts, _Candidate("correct", 1, "1", False), quantity, tol)
    if trivial is not None and tol == MODEL_RTOL_FLOAT32:
        return _float32_diagnosis((quantity,), wrong_by), None
    if trivial is not None:
        return Diagnosis(
            (quantity,),
            ("imprecise",),
            f"{quantity} is close to right (relative error {wrong_by:.1e}) but not within the "
            "threshold: far closer than any mistake, so look for precision lost on the way "
            "(a float32 cast, an unstable formula at saturated z)",
            "compute in float64 with the stable forms (cost from z: np.logaddexp(0, Z) - Y * Z)",
        ), None
    return Diagnosis(
        (quantity,),
        ("unclassified",),
        f"{quantity} is wrong (relative error up to {wrong_by:.1e}) in a way the checker cannot "
        "name; compare your entries with the expected ones below",
    ), None


def _float32_diagnosis(quantities: tuple[str, ...], error: float) -> Diagnosis:
    names = (
        quantities[0]
        if len(quantities) == 1
        else f"{', '.join(quantities[:-1])} and {quantities[-1]}"
    )
    verb = "agree" if len(quantities) > 1 else "agrees"
    return Diagnosis(
        quantities,
        ("float32",),
        f"{names} came back in float32 and {verb} with the oracles only to float32 rounding "
        f"(up to {error:.1e}); the check is made in float64, so float32 answers cannot pass",
        "keep the inputs' float64 (no astype(np.float32), no jnp arrays without jax_enable_x64)",
        match=error,
    )


def _shape_diagnosis(check: ProblemCheck, quantity: str) -> Diagnosis:
    p = check.problem
    x = check.quantities[quantity]
    yours = np.asarray(x.yours)
    shape, n_x, m = yours.shape, p.n_x, p.m
    where = f" on {p.name}"
    expected = None
    if check.expected(quantity) is not None:
        expected = np.asarray(check.expected(quantity), dtype=np.float64)
    values = ""
    if quantity == "dw" and yours.size == n_x and expected is not None:
        ok = (
            relative_error(yours.astype(np.float64).reshape(n_x, 1), expected, x.floor)
            <= GRADIENT_RTOL
        )
        values = (
            " Its values are right; only the shape is wrong."
            if ok
            else " Its values are wrong as well."
        )
    if quantity == "dw" and shape == (1, n_x) and n_x > 1:
        return Diagnosis(
            ("dw",),
            ("dw_transposed",),
            f"dw has shape {shape}, a row{where}: it was computed as dZ Xᵀ (np.dot(dZ, X.T)); "
            f"dw must have w's shape (n_x, 1) = ({n_x}, 1).{values}",
            "dw = np.dot(X, dZ.T) / m",
        )
    if quantity == "dw" and shape == (n_x,):
        return Diagnosis(
            ("dw",),
            ("dw_flattened",),
            f"dw has shape {shape}, a flat vector{where}; it must have w's shape (n_x, 1) = "
            f"({n_x}, 1).{values}",
            "keep the lecture's 2-D shapes: dw = np.dot(X, dZ.T) / m (or dw.reshape(-1, 1))",
        )
    if yours.size == m * (n_x if quantity == "dw" else 1) and m > 1:
        summed = ""
        if expected is not None:
            flat = yours.astype(np.float64).reshape(-1, m)
            for how, value in (("mean", flat.mean(axis=1)), ("sum", flat.sum(axis=1))):
                if (
                    relative_error(value.reshape(np.shape(expected)), expected, x.floor)
                    <= MODEL_RTOL
                ):
                    summed = f" Their {how} over the examples is right."
        thing = {
            "dw": f"the products x_j⁽ⁱ⁾ dz⁽ⁱ⁾, one column per example (shape {shape})",
            "db": f"the m = {m} values dz⁽ⁱ⁾ (shape {shape})",
            "cost": f"the m = {m} losses L⁽ⁱ⁾ (shape {shape})",
        }[quantity]
        fix = {
            "dw": "dw = np.dot(X, dZ.T) / m (the matrix product sums over the examples)",
            "db": "db = np.sum(dZ) / m",
            "cost": "cost = np.sum(losses) / m",
        }[quantity]
        return Diagnosis(
            (quantity,),
            ("forgot_to_sum",),
            f"{quantity} holds {thing}{where}: they were not summed over the examples.{summed}",
            fix,
        )
    want = f"({n_x}, 1)" if quantity == "dw" else "a scalar (or any size-1 array)"
    hint = ""
    if quantity == "dw" and yours.size == m:
        hint = (
            " It has one entry per example; dw has one per feature (X dZᵀ sums over the examples)."
        )
    return Diagnosis(
        (quantity,),
        ("wrong_shape",),
        f"{quantity} has shape {shape}{where}; it must be {want}.{hint}",
        "dw = np.dot(X, dZ.T) / m has shape (n_x, 1); db and the cost are scalars",
    )


def _non_finite_diagnosis(checks: Sequence[ProblemCheck], quantity: str) -> Diagnosis:
    bad = [c for c in checks if c.quantities[quantity].status == "non_finite"]
    said = sorted({w for c in bad for w in c.call.warnings})
    joined = " ".join(said).lower()
    names = ", ".join(c.problem.name for c in bad)
    message = f"{quantity} contains NaN or inf on {names}"
    if said:
        message += f"; numpy warned: {'; '.join(said)}"
    if "log" in joined and ("divide" in joined or "invalid" in joined):
        message += ". log(0) or log of a negative number: is a = σ(z) rounding to 0 or 1, or did z go where a belongs?"
        fix = "compute the cost from z: np.sum(np.logaddexp(0, Z) - Y * Z) / m"
    elif "overflow" in joined:
        message += ". An exponential overflowed: e^(-z) for large negative z is inf"
        fix = (
            "a stable sigmoid: np.where(Z >= 0, 1 / (1 + np.exp(-Z)), np.exp(Z) / (1 + np.exp(Z)))"
        )
    else:
        message += ". Look for a division by zero, 0/0, or the log of a non-positive number"
        fix = "print the intermediate arrays (Z, A, dZ) on this problem and find the first NaN"
    return Diagnosis((quantity,), ("non_finite",), message, fix)


# --- function-level facts -------------------------------------------------------------------

_SHAPE_WORDS = ("shape", "align", "broadcast", "matmul", "dimension", "size")
_SHAPES_HINT = (
    "X is (n_x, m), one column per example, and w is (n_x, 1): Z = np.dot(w.T, X) + b is "
    "(1, m), A and dZ = A - Y are (1, m), dw = np.dot(X, dZ.T) / m is (n_x, 1)"
)


def _exception_diagnosis(calls: Sequence[Call]) -> Diagnosis | None:
    raised = [c for c in calls if c.exception]
    if not raised:
        return None
    first = raised[0]
    codes = ["exception"]
    fix = "run your function on the problem named above and read the traceback"
    message = (
        f"your function raised {first.exception} on {len(raised)} of {len(calls)} problems "
        f"(first on {first.problem.name})"
    )
    if first.where:
        message += f", at {first.where}"
    if first.wrong_signature:
        codes.append("wrong_signature")
        message = (
            f"your function cannot be called as the checker calls it: {first.exception} "
            f"(your function is {first.signature or 'fn'}, but it is called as "
            f"{first.called_as or 'fn(w, b, X, Y)'})"
        )
        fix = "def propagate(w, b, X, Y): ... (add lambd as a fifth parameter for an L2 check)"
    elif first.exception_type == "NotImplementedError":
        codes.append("not_implemented")
        fix = "fill in the function body (the exercise's skeleton raises NotImplementedError)"
    elif any(word in first.exception.lower() for word in _SHAPE_WORDS):
        codes.append("shape_mismatch")
        message += f". A shape mismatch: {_SHAPES_HINT}"
        fix = "check each transpose: Z = np.dot(w.T, X) + b, dw = np.dot(X, dZ.T) / m"
    return Diagnosis((), tuple(codes), message, fix)


def diagnose(
    checks: Sequence[ProblemCheck],
    oracles: Sequence[ProblemOracles],
    lambd: float = 0.0,
    *,
    source: str = "",
) -> list[Diagnosis]:
    """Every mistake recognised in a failed check, simplest explanation first."""
    calls = [c.call for c in checks]
    found: list[Diagnosis] = []
    raised = _exception_diagnosis(calls)
    if raised is not None:
        found.append(raised)
    bad_return = next((c for c in calls if c.outputs.error), None)
    if bad_return is not None:
        found.append(
            Diagnosis(
                (),
                ("bad_return",),
                f"{bad_return.outputs.error} (on {bad_return.problem.name})",
                'return {"dw": dw, "db": db}, cost  (as propagate does)',
            )
        )
    modified = sorted({n for c in calls for n in c.modified})
    if modified:
        names = " and ".join(modified)
        found.append(
            Diagnosis(
                (),
                ("modified_inputs",),
                f"your function changed {names} in place (with -=, +=, /= or item assignment): "
                "the caller's data changed under them",
                "compute new arrays instead: X = X / 255 rather than X /= 255, or work on X.copy()",
            )
        )
    contexts: list[_Context] | None = None
    matched: dict[str, tuple[Diagnosis, _Candidate]] = {}
    for quantity in QUANTITIES:
        statuses = [c.quantities[quantity].status for c in checks]
        shaped = next((c for c in checks if c.quantities[quantity].status == "shape"), None)
        if shaped is not None:
            found.append(_shape_diagnosis(shaped, quantity))
            continue
        if "non_finite" in statuses:
            found.append(_non_finite_diagnosis(checks, quantity))
            continue
        if "wrong" in statuses:
            if contexts is None:
                contexts = [
                    _Context(fill_expected(c, o), o) for c, o in zip(checks, oracles, strict=True)
                ]
            diagnosis, candidate = _diagnose_values(checks, contexts, quantity, lambd)
            found.append(diagnosis)
            if candidate is not None and not candidate.reg:
                matched[quantity] = (diagnosis, candidate)
    return _merge_float32(_merge(found, matched, lambd))


def _merge_float32(found: list[Diagnosis]) -> list[Diagnosis]:
    """One float32 diagnosis for every quantity that came back in float32."""
    low = [d for d in found if d.mistakes == ("float32",)]
    if len(low) < 2:
        return found
    quantities = tuple(q for d in low for q in d.quantities)
    merged = _float32_diagnosis(quantities, max(d.match for d in low))
    return [merged if d is low[0] else d for d in found if d not in low[1:]]


def _merge(
    found: list[Diagnosis], matched: dict[str, tuple[Diagnosis, _Candidate]], lambd: float
) -> list[Diagnosis]:
    """A mistake made in dZ shows in dw and db alike: say it once, for both."""
    if "dw" not in matched or "db" not in matched:
        return found
    (dw, c), (db, c_db) = matched["dw"], matched["db"]
    if c != c_db or not set(dw.mistakes) <= _SHARED:
        return found
    codes, what, fix = _explain_candidate(c, "dw", None, lambd, label="dw and db")
    merged = Diagnosis(("dw", "db"), codes, what, fix, dw.evidence, max(dw.match, db.match))
    return [merged if d is dw else d for d in found if d is not db]


def notes(checks: Sequence[ProblemCheck]) -> list[str]:
    """Facts worth a line in any report, passed or failed."""
    out: list[str] = []
    calls = [c.call for c in checks]
    forms = {c.outputs.form for c in calls if c.outputs.form}
    if forms == {"(dw, db)"}:
        out.append("the function returned (dw, db): the cost was not checked")
    low = sorted(
        {
            f"{name} ({np.asarray(getattr(c.outputs, name)).dtype})"
            for c in calls
            for name in QUANTITIES
            if getattr(c.outputs, name) is not None
            and str(np.asarray(getattr(c.outputs, name)).dtype) in LOW_PRECISION
        }
    )
    if low:
        out.append(
            f"returned in low precision: {', '.join(low)}; the check is made in float64 "
            "(the problems are float64), so float32 rounding counts as an error"
        )
    said = sorted({w for c in calls for w in c.warnings})
    if said:
        out.append(f"your function raised warnings: {'; '.join(said)}")
    if any(x.status == "inconclusive" for c in checks for x in c.quantities.values()):
        out.append(
            "inconclusive: where your value disagrees with jax.grad, jax.grad and finite "
            "differences disagree with each other as well, so no blame is given there; "
            "choose a less saturated problem"
        )
    if any(c.mode == "fast" for c in checks):
        out.append(
            "fast mode: each problem compared vᵀ(dw, db) with a Richardson central difference "
            "of J along random unit vectors v, without per-coordinate values"
        )
    return out
