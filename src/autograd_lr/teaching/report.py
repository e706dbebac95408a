r"""The derivation report: per-step verdicts, named slips, hints at three levels.

Laid out for the feedback core (:mod:`autograd_lr.checking.findings`), which renders it
as it renders every checker's report: the steps are a table, an unreadable step and the
first wrong one are findings.

``hints`` (the same names as the gradient checker's):

* ``"concept"`` -- what and why, in the lecture's words, with no expression of the fix;
* ``"location"`` -- and which step is wrong, at which point, with both values;
* ``"fix"`` -- and the true expression (and what sympy simplifies the learner's step to).

A slip is named only by a correction of the error model
(:mod:`autograd_lr.checking.error_model`, through ``autograd_lr.teaching.slips``)
that makes the step right: its name and texts are the rule's, and the report shows the
part of the step it corrects. A wrong step that no correction explains is still wrong,
with the step's own concept, where it differs and the true step.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy

from autograd_lr.checking.error_model import ALL_BY_NAME  # one home: the mistakes' texts
from autograd_lr.checking.findings import (  # one home: findings, hint levels, the views
    Column,
    Feedback,
    Finding,
    Table,
    Views,
    level_index,
)
from autograd_lr.teaching.syntax import sigma, sigmoid_formula

VERDICTS = ("ok", "wrong", "follows_from_wrong", "unparsed")

CONCEPT = {  # what each step is, for a wrong step no correction explains
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


def _clause(location: str) -> str:
    """An error model's ``location`` ("on this line σ′ is applied twice.") as a clause.

    A derivation step is one line of the learner's derivation: the title names the step.
    """
    return location.removeprefix("on this line ").removesuffix(".")


def _latex(expr: Any) -> str:
    return expr if isinstance(expr, str) else sympy.latex(expr)


def _in_a(expr: Any) -> Any:
    """The expression in a, y, x: σ(z) = a, e^{-z} = (1 − a)/a, z = log(a/(1 − a))."""
    a, z = sympy.symbols("a z")

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
    mistake: str | None = None  # the error model's rule whose correction makes the step right
    # that correction (a teaching.slips.Correction): the rules, which part, into what
    correction: Any = None
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
        """Where the named slip is, in the error model's words (its ``location``, as a clause)."""
        if self.correction is None:
            return None
        return "; ".join(_clause(ALL_BY_NAME[rule].location) for rule in self.correction.rules)

    @property
    def concept(self) -> str:
        """What and why, in the lecture's words (no expression of the fix)."""
        if self.correction is None:
            return CONCEPT[self.name]
        return " ".join(ALL_BY_NAME[rule].concept for rule in self.correction.rules)

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
            "correction": None
            if self.correction is None
            else {
                "rules": list(self.correction.rules),
                "at": list(self.correction.at),
                "to": list(self.correction.to),
            },
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
class DerivationReport(Views):
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

    def findings(self) -> list[Finding]:
        """Every step that cannot be read, then the first wrong step, as findings."""
        out = [_unreadable(s) for s in self.steps if s.verdict == "unparsed"]
        first = next((s for s in self.steps if s.verdict == "wrong"), None)
        if first is not None:
            out.append(_wrong(first))
        return out

    def feedback(self) -> Feedback:
        """The report as the feedback core lays it out (every view renders this)."""
        level = level_index(self.hints)
        if self.passed:
            names = ", ".join(s.name for s in self.steps)
            headline = f"derivation: PASSED: every step ({names}) agrees with jax.grad of the model"
        else:
            headline = "derivation: FAILED"
        tables = []
        if level >= 1 and not self.passed:
            width = max(len(s.verdict) for s in self.steps) + 1
            columns = (
                Column("step", 9),
                Column("verdict", width),
                Column("", 0),
                Column("yours", 0, html_only=True),
                Column("true", 0, html_only=True),
            )
            tables.append(
                Table(
                    columns,
                    [
                        (s.name, s.verdict, _follows(s), s.given, _true(s, level))
                        for s in self.steps
                    ],
                    failing=[s.verdict != "ok" for s in self.steps],
                    header=False,
                    html_cells=[_html_cells(s, level) for s in self.steps],
                )
            )
        return Feedback(
            "derivation",
            "derivation",
            self.passed,
            headline,
            self.hints,
            tables=tables,
            findings=self.findings(),
            data=self.to_dict(),
            marks=[s.verdict == "ok" for s in self.steps],
        )

    def to_dict(self) -> dict[str, Any]:
        first = self.first_wrong
        return {
            "passed": self.passed,
            "first_wrong": None if first is None else first.name,
            "lambd": self.lambd,
            "steps": [s.to_dict() for s in self.steps],
        }


def _follows(s: StepResult) -> str:
    return f"(follows from the wrong {s.follows_from})" if s.follows_from else ""


def _true(s: StepResult, level: int) -> str:
    return s.true_text if level >= 2 and s.true is not None else ""


def _html_cells(s: StepResult, level: int) -> tuple[str, ...]:
    """A step's cells in a notebook: LaTeX typeset, Python syntax as code."""
    mine = (
        f"\\({html.escape(s.given)}\\)"
        if s.language == "latex"
        else f"<code>{html.escape(s.given)}</code>"
    )
    true = ""
    if level >= 2 and s.true is not None:
        true = f"\\({html.escape(s.true_latex or _latex(s.true))}\\)"
    return (f"<code>{s.name}</code>", s.verdict, html.escape(_follows(s)), mine, true)


def _unreadable(s: StepResult) -> Finding:
    """A step the parser cannot read: named at every level, the parser's words from "location"."""
    details = (
        () if s.nearest is None else (("location", f"nearest form that is read: {s.nearest}"),)
    )
    return Finding(
        (s.name,),
        ("unparsed",),
        f"{s.name} cannot be read: {s.error}",
        concept=f"{s.name} cannot be read: check its notation (Python or LaTeX).",
        at_location=f"{s.name} cannot be read: {s.error}",
        verdict="unparsed",
        details=details,
        self_named=True,
    )


def _wrong(s: StepResult) -> Finding:
    """The first wrong step: its concept (a named slip's, by the correction that makes it
    right), then where it differs and the values, then the true step."""
    title = f" ({s.mistake_title})" if s.mistake_title else ""
    sentence = f"{s.name} is wrong{title}: {s.concept}"
    details: list[tuple[str, str]] = [("location", f"you wrote: {s.given}")]
    c = s.correction
    if c is not None:
        parts = ("the whole step" if whole else at for at, whole in zip(c.at, c.whole, strict=True))
        details.append(("location", f"where: {', '.join(parts)}"))
    if s.note:
        details.append(("location", s.note))
    if s.point is not None:
        shown = ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}"
                          for k, v in s.point.items())  # fmt: skip
        details += [
            ("location", f"at {shown}:"),
            ("location", f"  yours gives {_number(s.learner_value)}"),
            ("location", f"  jax.grad of the model gives {_number(s.true_value)}"),
        ]
    if s.true is not None and c is not None:
        made = "; ".join(f"{at} -> {to}" for at, to in zip(c.at, c.to, strict=True))
        details.append(("fix", f"the correction that makes your step right: {made}"))
    if s.true is not None and s.explanation:
        details.append(("fix", s.explanation))
    return Finding(
        (s.name,),
        () if s.mistake is None else (s.mistake,),
        sentence,
        fix="" if s.true is None else f"{s.name} = {s.true_text}",
        concept=s.concept,
        location=f"{s.name} is wrong{title}.",
        at_location=sentence,
        rules=() if c is None else tuple(c.rules),
        rule_concepts=() if c is None else tuple(ALL_BY_NAME[r].concept for r in c.rules),
        details=tuple(details),
        named_from="location",
        self_named=True,
    )
