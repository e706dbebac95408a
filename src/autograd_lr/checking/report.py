"""The report of a check: the verdict per quantity, the diagnosis, and its three views.

The views are the feedback core's (:mod:`autograd_lr.checking.findings`): the report
lays itself out as a :class:`~autograd_lr.checking.findings.Feedback` and
``str(report)`` is the terminal view, ``report._repr_html_()`` the notebook's and
``report.to_json()`` the versioned JSON one (``report.to_dict()`` its checker-specific
part, which the grader's report embeds); all show the findings at the report's hint
level (``"concept"``, ``"location"`` or ``"fix"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lr.checking.findings import (
    Column,
    Feedback,
    Table,
    Views,
    causes,
)
from autograd_lr.checking.thresholds import QUANTITIES
from autograd_lr.checking.types import Diagnosis, ProblemCheck, Row


@dataclass
class GradientReport(Views):
    r"""The result of :func:`check_gradients`: ``.passed``, ``.wrong``, rows, diagnosis.

    ``wrong`` lists the quantities among ``"dw"``, ``"db"``, ``"cost"`` that are wrong on
    at least one problem; ``rows`` has one :class:`~autograd_lr.checking.types.Row` per quantity; ``diagnosis`` names
    the mistakes recognised, in the lecture's terms, with their fix; ``mistakes`` is the
    set of their codes. ``str(report)`` is the terminal view, ``_repr_html_`` the notebook's.
    """

    function: str
    checks: list[ProblemCheck]
    rows: dict[str, Row]
    diagnosis: list[Diagnosis]
    error: str = ""  # why fn could not be checked at all (an exception, a timeout, ...)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    hints: str = "fix"  # how much the diagnosis says: "concept", "location" or "fix"
    source: str = ""  # the learner's code, where it was available
    kind = "gradients"  # the checker, in the feedback core's JSON

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
        return not (
            self.error or self.wrong or self.inconclusive or modified or not_run or self.contract
        )

    @property
    def contract(self) -> dict[str, dict[str, str]]:
        """The places where the return value breaks the course's contract, as quantity -> what, conversion.

        Its own verdict: the values may agree with the oracles, yet the course's next cell
        (``float(cost)``, ``w - alpha * grads["dw"]``) would fail on them.
        """
        out: dict[str, dict[str, str]] = {}
        for c in self.checks:
            for name, (what, conversion) in c.call.outputs.contract.items():
                out.setdefault(name, {"what": what, "conversion": conversion})
        return out

    @property
    def mistakes(self) -> set[str]:
        """Codes of every mistake recognised (see :mod:`autograd_lr.checking.diagnosis`)."""
        return {code for d in self.diagnosis for code in d.mistakes}

    @property
    def rules(self) -> set[str]:
        """The correction rules of the verified repair (empty when none was found)."""
        return {rule for d in self.diagnosis for rule in d.rules}

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

    # what one run is called in the headline, and what passing means
    runs = "problems"

    def purpose_passed(self) -> str:
        return "dw, db and the cost agree with the oracles"

    def modified_part(self, names: Sequence[str]) -> str:
        return f"it modifies {_names(names)} in place"

    def contract_parts(self) -> list[str]:
        """The headline's words on propagate's return contract (none when it is kept)."""
        if any(c.call.outputs.error for c in self.checks):
            return ["its return value does not follow propagate's contract"]
        if self.contract:
            values = "the values agree with the oracles, but " if not self.wrong else ""
            return [
                f"{values}the return breaks the course's contract ({_names(sorted(self.contract))})"
            ]
        return []

    def headline(self) -> str:
        if self.passed:
            return f"{self.function}: PASSED: {self.purpose_passed()}"
        if self.error:
            return f"{self.function}: FAILED: {self.error}"
        parts = []
        if self.wrong:
            parts.append(f"{_names(self.wrong)} {'is' if len(self.wrong) == 1 else 'are'} wrong")
        if self.inconclusive:
            parts.append(f"no verdict on {_names(self.inconclusive)} (the oracles disagree)")
        modified = sorted({n for c in self.checks for n in c.call.modified})
        if modified:
            parts.append(self.modified_part(modified))
        raised = [c.call for c in self.checks if c.call.exception]
        if raised:
            parts.append(
                f"it raised {raised[0].exception_type or 'an exception'} on {len(raised)} of "
                f"{len(self.checks)} {self.runs}"
            )
        parts += self.contract_parts()
        return f"{self.function}: FAILED: " + "; ".join(parts)

    def feedback(self) -> Feedback:
        """The report as the feedback core lays it out (every view renders this)."""
        if not self.checks:
            return Feedback(
                self.kind, self.function, self.passed, self.headline(), self.hints,
                summary="nothing was checked", notes=list(self.notes), data=self.to_dict(),
                marks=[False] * max(1, len(self.rows)),
            )  # fmt: skip
        width = max([10, *(len(name) + 2 for name in self.rows)])  # an exercise's longer names
        columns = (
            Column("quantity", width),
            Column("verdict", 14),
            Column("max rel. error", 15, ">"),
            Column("threshold", 11, ">"),
            Column("oracles agree to", 18, ">"),
            Column("  worst problem", 0),
        )
        verdicts = Table(
            columns,
            [
                (
                    r.name,
                    r.status,
                    _fmt(r.error),
                    _fmt(r.threshold),
                    _fmt(r.agreement),
                    f"  {r.worst_problem}",
                )
                for r in self.rows.values()
            ],
            failing=[r.status in ("wrong", "inconclusive", "not run") for r in self.rows.values()],
        )
        entries = [
            Table(
                (Column("index", 10), Column("yours", 22, ">"), Column("expected", 22, ">")),
                [
                    (str(en.index) if en.index else "-", f"{en.yours:.15g}", f"{en.expected:.15g}")
                    for en in row.entries
                ],
                caption=f"Worst entries of {row.name} on {row.worst_problem}:",
            )
            for row in self.rows.values()
            if row.entries and row.status in ("wrong", "inconclusive")
        ]
        return Feedback(
            self.kind,
            self.function,
            self.passed,
            self.headline(),
            self.hints,
            summary=self._summary(),
            tables=[verdicts],
            findings=list(self.diagnosis),
            appendix=entries,
            notes=list(self.notes),
            data=self.to_dict(),
            marks=[r.status == "ok" for r in self.rows.values() if r.status != "not returned"],
        )

    def _summary(self) -> str:
        n = len(self.checks)
        problems = f"{n} problem{'s' if n != 1 else ''}"
        if all(row.status == "not run" for row in self.rows.values()):
            return f"{problems}: nothing compared, your function gave no usable output (see below)"
        return (
            f"{problems}, {self.mode} mode, computed in float64; "
            f"expected values from jax.grad, checked by finite differences ({self.seconds:.2f} s)"
        )

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
            "hints": self.hints,
            "diagnosis": [d.to_dict(self.hints) for d in self.diagnosis],
            "causes": dict(causes(self.diagnosis)),
            "mistakes": sorted(self.mistakes),
            "rules": sorted(self.rules),
            "contract": self.contract,
            "wrong_signature": next(
                (
                    {"signature": c.call.signature, "called_as": c.call.called_as}
                    for c in self.checks
                    if c.call.wrong_signature
                ),
                None,
            ),
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
