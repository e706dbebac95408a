r"""The derivation report: per-step verdicts, named slips, hints at three levels.

``hints`` (the same names as the gradient checker's):

* ``"concept"`` -- what and why, in the lecture's words, with no expression of the fix;
* ``"location"`` -- and which step is wrong, at which point, with both values;
* ``"fix"`` -- and the true expression (and what sympy simplifies the learner's step to).

Slips are named by comparing the learner's values with *models of wrong answers* built
from the jax references (never from a hand formula): e.g. "σ' applied twice" is the
reference dz times the reference da/dz, "sign of a term" flips one of the two terms of
dL/da, which are :math:`y\,\partial_a L(a, 1)` and :math:`(1-y)\,\partial_a L(a, 0)`
(the loss is linear in y).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy

from autograd_lr.checking.thresholds import SLIP_MODEL_RTOL
from autograd_lr.checking.types import HINT_LEVELS  # one home: the checker's levels

VERDICTS = ("ok", "wrong", "follows_from_wrong", "unparsed")

SLIPS = {
    "sign": "a sign slipped",
    "missing_one_minus_y": "the (1 − y) term is missing",
    "sigma_prime_forgotten": "the factor σ'(z) = a(1 − a) is forgotten",
    "sigma_prime_twice": "σ'(z) = a(1 − a) is applied twice",
    "x_missing": "x is missing from dw",
    "x_in_db": "db carries an x it does not have",
    "mean_missing": "the 1/m of the mean is missing",
    "lambda_not_over_m": "λ where the L2 term has λ/m",
    "lambda_missing": "the L2 term is missing",
    "b_regularized": "b is regularized",
}
CONCEPT = {
    "sign": "The loss is L = −(y log a + (1 − y) log(1 − a)): the minus in front reaches "
    "every term, and the derivative of log(1 − a) brings a minus sign of its own.",
    "missing_one_minus_y": "The loss has a term for y = 1 and a term for y = 0, the second "
    "weighted by (1 − y); both depend on a, so both have a derivative.",
    "sigma_prime_forgotten": "From a back to z the chain rule multiplies by da/dz, the "
    "sigmoid's own derivative, which can be written with a alone.",
    "sigma_prime_twice": "The sigmoid's derivative enters once, on the way from a back to z; "
    "once you have dz, going on to w and b does not bring it again.",
    "x_missing": "z = wᵀx + b depends on w_j through x_j, so each weight's derivative "
    "carries its own input.",
    "x_in_db": "z = wᵀx + b depends on b with slope 1: the bias's derivative carries no input.",
    "mean_missing": "J is the mean of the m losses, so each of its derivatives is a mean too: "
    "the sum over the examples divided by m.",
    "lambda_not_over_m": "The L2 term of J is (λ/2m)‖w‖²: it is divided by m like the rest of "
    "J, and so is its derivative.",
    "lambda_missing": "With λ > 0, J includes (λ/2m)‖w‖², and its derivative adds to ∂J/∂w.",
    "b_regularized": "The bias is not regularized: the L2 term involves w only.",
    "da": "da is the derivative of the loss L(a, y) = −(y log a + (1 − y) log(1 − a)) with "
    "respect to a, y held fixed.",
    "da_dz": "da/dz is the derivative of the sigmoid a = σ(z); it can be written with a alone.",
    "dz": "dz = dL/dz comes from the chain rule through a: dL/dz = dL/da · da/dz.",
    "dw": "dw_j = dL/dw_j: z = wᵀx + b depends on w_j through x_j (the chain rule once more).",
    "db": "db = dL/db: z = wᵀx + b depends on b with slope 1.",
    "dJ_dw": "∂J/∂w is the mean over the m examples of each example's dw, with X holding "
    "the examples as columns and dZ their dz.",
    "dJ_db": "∂J/∂b is the mean over the m examples of each example's dz.",
    "d2J_dw2": "The Hessian block is the derivative of ∂J/∂w in w: σ' enters through dZ, "
    "once per example, and J's mean keeps its 1/m.",
}
TRUE_ARRAY = {  # step -> (Python syntax, LaTeX) of the vectorized forms
    "dJ_dw": ("X @ dZ.T / m", r"\frac{1}{m} X\, dZ^{\top}"),
    "dJ_db": ("np.sum(dZ) / m", r"\frac{1}{m} \sum_{i=1}^{m} dZ^{(i)}"),
    "d2J_dw2": (
        "X @ np.diag(A * (1 - A)) @ X.T / m",
        r"\frac{1}{m} X \operatorname{diag}\bigl(A(1 - A)\bigr) X^{\top}",
    ),
}
L2_TERM = {"dJ_dw": (" + lambd / m * w", r" + \frac{\lambda}{m} w"),
           "d2J_dw2": (" + lambd / m * I", r" + \frac{\lambda}{m} I")}  # fmt: skip


def true_forms(step: str, lambd: float) -> tuple[str, str]:
    """The true vectorized step as (Python syntax, LaTeX), with the L2 term when λ > 0."""
    plain, latex = TRUE_ARRAY[step]
    if lambd and step in L2_TERM:
        plain, latex = plain + L2_TERM[step][0], latex + L2_TERM[step][1]
    return plain, latex


def _scalar_models(step: str, p: Any) -> dict[str, list[np.ndarray]]:
    r = p.reference
    t1, t0 = p.y * r["da_y1"], (1 - p.y) * r["da_y0"]  # the two terms of dL/da
    no_one_minus_y = [t1 + r["da_y0"], t1]
    if step == "da":
        return {"sign": [-t1 + t0, t1 - t0, -(t1 + t0)], "missing_one_minus_y": no_one_minus_y}
    if step == "da_dz":
        return {"sigma_prime_forgotten": [p.a, np.ones_like(p.a)],
                "sigma_prime_twice": [r["da_dz"] ** 2], "sign": [-r["da_dz"]]}  # fmt: skip
    factor = p.x if step == "dw" else 1.0
    models = {
        "sign": [-r[step]],
        "sigma_prime_forgotten": [factor * r["da"]],
        "sigma_prime_twice": [r[step] * r["da_dz"]],
        "missing_one_minus_y": [factor * m * r["da_dz"] for m in no_one_minus_y],
    }
    if step == "dw":
        models["x_missing"] = [r["dz"]]
    if step == "db":
        models["x_in_db"] = [p.x * r["dz"]]
    return models


def _array_models(step: str, point: Any) -> dict[str, list[np.ndarray]]:
    env, g = point.env, point.reference[step]
    lam, m = env["lambd"], env["m"]
    penalized = {"dJ_dw": env["w"], "dJ_db": 0.0 * g, "d2J_dw2": env["I"]}[step]
    l2 = lam / m * penalized  # the L2 term of the step (none for b)
    data = g - l2
    models = {"mean_missing": [m * data + l2, m * g], "sign": [-g, -data + l2]}
    if step != "dJ_db" and lam:
        models["lambda_not_over_m"] = [data + lam * penalized]
        models["lambda_missing"] = [data]
    if step == "dJ_db" and lam:
        models["b_regularized"] = [g + lam / m * env["b"], g + lam * env["b"]]
    return models


def name_mistake(step: str, values: Any, points: Any) -> str | None:
    """The slip whose model agrees with the learner's ``values`` everywhere it is compared."""

    def close(u: Any, v: Any) -> bool:
        u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
        if u.shape != v.shape or not np.all(np.isfinite(u)):
            return False
        return bool(np.all(np.abs(u - v) <= SLIP_MODEL_RTOL * np.maximum(np.abs(v), 1e-12)))

    if isinstance(points, tuple):  # over m examples: one problem per entry
        if any(v is None for v in values):
            return None
        per_point = [_array_models(step, point) for point in points]
        for slip in per_point[0]:
            for k in range(len(per_point[0][slip])):
                if all(close(values[j], per_point[j][slip][k]) for j in range(len(points))):
                    return slip
        return None
    where = points.moderate
    for slip, candidates in _scalar_models(step, points).items():
        if any(close(values[where], c[where]) for c in candidates):
            return slip
    return None


def _latex(expr: Any) -> str:
    return expr if isinstance(expr, str) else sympy.latex(expr)


def _in_a(expr: Any) -> Any:
    """The expression in a, y, x: σ(z) = a, e^{-z} = (1 − a)/a, z = log(a/(1 − a))."""
    a, z = sympy.symbols("a z")
    from autograd_lr.teaching.syntax import sigma, sigmoid_formula

    expr = expr.replace(sigma, sigmoid_formula)
    return expr.subs(z, sympy.log(a / (1 - a)))


@dataclass(frozen=True)
class StepResult:
    """One step: its verdict, the learner's and the true expression, and where they differ."""

    name: str
    verdict: str
    given: str
    language: str | None = None
    learner: Any = None  # sympy (per example, earlier steps substituted) or source text
    true: Any = None
    true_latex: str | None = None
    point: dict[str, Any] | None = None
    learner_value: Any = None
    true_value: Any = None
    mistake: str | None = None
    follows_from: str | None = None
    error: str | None = None
    error_position: int | None = None
    note: str | None = None
    nearest: str | None = None  # unparsed: a close form that is read
    _raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def unparsed(cls, name: str, given: Any, exc: Any) -> StepResult:
        return cls(
            name, "unparsed", str(given), error=str(exc), error_position=exc.position,
            nearest=getattr(exc, "nearest", None),
        )  # fmt: skip

    @classmethod
    def judged(cls, name: str, expr: Any, verdict: str, **fields: Any) -> StepResult:
        return cls(name, verdict, expr.source, expr.language, **fields)

    @property
    def mistake_title(self) -> str | None:
        return SLIPS.get(self.mistake) if self.mistake else None

    @property
    def concept(self) -> str:
        """What and why, in the lecture's words (no expression of the fix)."""
        return CONCEPT[self.mistake] if self.mistake else CONCEPT[self.name]

    @property
    def learner_text(self) -> str:
        return (
            self.given
            if isinstance(self.learner, str) or self.learner is None
            else str(self.learner)
        )

    @property
    def true_text(self) -> str:
        return str(self.true)

    @cached_property
    def explanation(self) -> str | None:
        """What sympy simplifies the learner's step (per example) to, in terms of a, y, x."""
        if isinstance(self.learner, str) or self.learner is None or self.true is None:
            return None
        if sympy.count_ops(self.learner) > 60:
            return None
        try:
            mine = sympy.simplify(_in_a(self.learner))
            if sympy.simplify(mine - self.true) == 0:
                return f"sympy: {self.given} simplifies to {self.true}"
            return f"sympy: {self.given} simplifies to {sympy.factor(mine)}, not {self.true}"
        except Exception:  # sympy gives up on some forms; the verdict stands without it
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "given": self.given,
            "learner": None if self.learner is None else self.learner_text,
            "true": None if self.true is None else self.true_text,
            "point": self.point,
            "learner_value": self.learner_value,
            "true_value": self.true_value,
            "mistake": self.mistake,
            "mistake_title": self.mistake_title,
            "follows_from": self.follows_from,
            "error": self.error,
            "error_position": self.error_position,
            "note": self.note,
            "nearest": self.nearest,
        }


def _number(value: Any) -> str:
    if value is None:
        return "not a real number"
    if isinstance(value, list):
        return str(np.round(np.asarray(value, dtype=np.float64), 8).tolist())
    return f"{value:.10g}"


@dataclass(frozen=True)
class DerivationReport:
    """The verdict on a derivation: ``passed``, ``first_wrong`` and one result per step."""

    steps: tuple[StepResult, ...]
    lambd: float = 0.0
    hints: str = "fix"

    @property
    def passed(self) -> bool:
        return all(step.verdict == "ok" for step in self.steps)

    @property
    def first_wrong(self) -> StepResult | None:
        """The first step that is wrong or unreadable (a step that follows from it is not)."""
        return next((s for s in self.steps if s.verdict in ("wrong", "unparsed")), None)

    def __getitem__(self, name: str) -> StepResult:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r}; the steps checked are {[s.name for s in self.steps]}")

    def lines(self) -> list[str]:
        """The report as lines of plain text, at the report's hint level."""
        level = HINT_LEVELS.index(self.hints)
        if self.passed:
            names = ", ".join(s.name for s in self.steps)
            return [f"derivation: PASSED: every step ({names}) agrees with jax.grad of the model"]
        out = ["derivation: FAILED"]
        if level >= 1:
            for s in self.steps:
                tail = f" (follows from the wrong {s.follows_from})" if s.follows_from else ""
                out.append(f"  {s.name:8} {s.verdict}{tail}")
        return out + self.details()

    def details(self) -> list[str]:
        """Every step that cannot be read, then the first wrong step, at the report's hint level."""
        level = HINT_LEVELS.index(self.hints)
        out: list[str] = []
        for step in self.steps:
            if step.verdict != "unparsed":
                continue
            if level == 0:
                out.append(f"{step.name} cannot be read: check its notation (Python or LaTeX).")
                continue
            out.append(f"{step.name} cannot be read: {step.error}")
            if step.nearest is not None:
                out.append(f"  nearest form that is read: {step.nearest}")
        first = next((s for s in self.steps if s.verdict == "wrong"), None)
        if first is None:
            return out
        title = f" ({first.mistake_title})" if first.mistake_title and level >= 1 else ""
        out.append(("hint: " if level == 0 else f"{first.name} is wrong{title}: ") + first.concept)
        if level >= 1:
            out.append(f"  you wrote: {first.given}")
            if first.note:
                out.append(f"  {first.note}")
            if first.point is not None:
                shown = ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}"
                                  for k, v in first.point.items())  # fmt: skip
                out.append(f"  at {shown}:")
                out.append(f"    yours gives {_number(first.learner_value)}")
                out.append(f"    jax.grad of the model gives {_number(first.true_value)}")
        if level >= 2 and first.true is not None:
            out.append(f"  fix: {first.name} = {first.true_text}")
            if first.explanation:
                out.append(f"  {first.explanation}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        level = HINT_LEVELS.index(self.hints)
        colour = "#1a7f37" if self.passed else "#cf222e"
        head = "passed" if self.passed else "failed"
        rows = []
        for s in self.steps if (level >= 1 or self.passed) else ():
            mine = (  # as written: LaTeX rendered, Python syntax as code
                f"\\({html.escape(s.given)}\\)"
                if s.language == "latex"
                else f"<code>{html.escape(s.given)}</code>"
            )
            true = ""
            if level >= 2 and s.true is not None:
                true = f"\\({html.escape(s.true_latex or _latex(s.true))}\\)"
            rows.append(f"<tr><td><code>{s.name}</code></td><td>{s.verdict}</td>"
                        f"<td>{mine}</td><td>{true}</td></tr>")  # fmt: skip
        body = "<br>".join(html.escape(line) for line in self.details())
        table = ("<table><tr><th>step</th><th>verdict</th><th>yours</th><th>true</th></tr>"
                 + "".join(rows) + "</table>") if rows else ""  # fmt: skip
        return (f'<div><b style="color:{colour}">derivation {head}</b>{table}'
                f"<p>{body}</p></div>")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        first = self.first_wrong
        return {
            "passed": self.passed,
            "first_wrong": None if first is None else first.name,
            "lambd": self.lambd,
            "steps": [s.to_dict() for s in self.steps],
        }
