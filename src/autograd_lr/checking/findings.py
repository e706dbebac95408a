"""The feedback core: one finding type, one report view, one renderer for every checker.

Every checker (``check_gradients``, ``check_exercise``, ``check_derivation``, ``verify``)
says what it found as :class:`Finding` records (what is wrong, where, why, the fix) and
lays its report out as one :class:`Feedback`: a headline, tables, the findings and notes.
:func:`render_text` (the terminal), :func:`render_html` (a notebook) and :func:`to_json`
(versioned by :data:`SCHEMA_VERSION`) are the only views, and :class:`Views` gives every
report the three of them (``str``, ``_repr_html_``, ``to_json``), so the three show the
same findings at the same hint level:

* ``"concept"``: what is wrong and why, in the lecture's words, with no code;
* ``"location"``: and where (the line, the quantity, the step) with what was seen there;
* ``"fix"``: and the corrected line or step.

A cause is a correction rule of the error model (:mod:`autograd_lr.checking.error_model`
and the exercises' rules): a finding names one only when a repair that applies it makes
the learner's work pass, and the JSON gives each rule's concept text and the anchor of
its entry on the documentation's page of mistakes (:data:`MISTAKES_PAGE`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "1.0"  # of to_json's layout; changes with any incompatible change
Hints = Literal["concept", "location", "fix"]
HINT_LEVELS: tuple[str, ...] = ("concept", "location", "fix")
MISTAKES_PAGE = "mistakes.html"  # the documentation's page listing every rule, by name
PASS_COLOUR, FAIL_COLOUR = "#1a7f37", "#cf222e"


def level_index(level: str) -> int:
    """0, 1 or 2 for ``"concept"``, ``"location"``, ``"fix"``; ``ValueError`` otherwise."""
    if level not in HINT_LEVELS:
        raise ValueError(
            f"hints must be one of {', '.join(repr(h) for h in HINT_LEVELS)} "
            f"(what is wrong and why / which quantity and step / the corrected line), got {level!r}"
        )
    return HINT_LEVELS.index(level)


def rule_entry(name: str, concept: str) -> dict[str, str]:
    """A rule's name, its concept text and its anchor on the page of mistakes."""
    return {"name": name, "concept": concept, "doc": f"{MISTAKES_PAGE}#{anchor(name)}"}


def anchor(rule: str) -> str:
    """The anchor of a rule's entry on the page of mistakes (its label there)."""
    return "mistake-" + rule.replace("_", "-")


@dataclass(frozen=True)
class Finding:
    """One thing found wrong: which quantities or steps, its codes, three levels of hint.

    ``quantities``: the quantities (``"dw"``, ``"cost"``) or derivation steps (``"dz"``)
    it is about (empty: the whole function); ``verdict``: what they are (``"wrong"``,
    ``"unparsed"``); ``mistakes``: codes of what happened (``"exception"``,
    ``"modified_inputs"``, an output model's name); ``rules``: the correction rules of the
    verified repair, the only causes a finding states, and ``line`` the learner's line it
    changes (0: no line). The hint levels: ``concept`` (what and why, no code),
    ``location`` (where, and what was seen there), ``message`` with ``fix`` (the full
    account and the corrected line). ``evidence`` and ``details`` (pairs of the level a
    line is shown from, and the line) back it up.
    """

    quantities: tuple[str, ...]
    mistakes: tuple[str, ...]
    message: str
    fix: str = ""
    evidence: str = ""
    # the largest relative difference between the learner's values and the model of the
    # mistake, over every problem (nan where the finding is not a fitted model)
    match: float = math.nan
    concept: str = ""
    location: str = ""
    rules: tuple[str, ...] = ()
    line: int = 0
    # the concept text of each rule, in the order of rules (the rules' table is the
    # builder's: the error model's, an exercise's or the derivation's)
    rule_concepts: tuple[str, ...] = ()
    verdict: str = "wrong"
    details: tuple[tuple[str, str], ...] = ()
    # the hint level from which the finding names its quantities or steps (a step of a
    # derivation is where the mistake is: below "location" the finding is a "hint"), and
    # whether its text names them itself from there ("dz is wrong (...): ...")
    named_from: str = "concept"
    self_named: bool = False
    # the whole text at the "location" level, when the finding words it as one sentence
    # (else the concept, then the location)
    at_location: str = ""

    def hint(self, level: str = "fix") -> tuple[str, str]:
        """(text, fix) at a hint level: the fix only at ``"fix"``."""
        if level == "concept":
            return self.concept or _without_code(self.message), ""
        if level == "location":
            if self.at_location:
                return self.at_location, ""
            where = self.location or _without_code(self.message)
            return f"{self.concept} {where}".strip() if self.concept else where, ""
        return self.message, self.fix

    def head(self, level: str) -> str:
        """What the finding is about, as a reader at ``level`` may see it."""
        if level_index(level) < level_index(self.named_from):
            return "hint"
        if self.self_named:
            return ""
        return ", ".join(self.quantities) if self.quantities else "function"

    def shown_details(self, level: str) -> list[str]:
        """The detail lines a reader at ``level`` sees."""
        k = level_index(level)
        return [text for at, text in self.details if level_index(at) <= k]

    def render(self, level: str = "fix") -> str:
        text, fix = self.hint(level)
        head = self.head(level)
        out = f"{head}: {text}" if head else text
        for line in self.shown_details(level):
            out += f"\n      {line}"
        if fix:
            out += f"\n      fix: {fix}"
        if self.evidence and level != "concept":
            out += f"\n      ({self.evidence})"
        return out

    def __str__(self) -> str:
        return self.render("fix")

    def causes(self) -> list[dict[str, str]]:
        """Each rule named, with its concept text and its entry on the page of mistakes."""
        concepts = self.rule_concepts or ("",) * len(self.rules)
        return [rule_entry(r, c) for r, c in zip(self.rules, concepts, strict=True)]

    def to_dict(self, level: str = "fix") -> dict[str, Any]:
        text, fix = self.hint(level)
        named = level_index(level) >= level_index(self.named_from)
        return {
            "quantities": list(self.quantities) if named else [],
            "verdict": self.verdict,
            "mistakes": list(self.mistakes),
            "message": text,
            "fix": fix,
            "evidence": self.evidence if level != "concept" else "",
            "details": self.shown_details(level),
            "model_match": self.match if math.isfinite(self.match) else None,
            "rules": list(self.rules),
            "causes": self.causes(),
            "line": self.line or None,
        }


def _without_code(message: str) -> str:
    """The part of a message before its first code fragment (a fallback for concept hints)."""
    for marker in (": dZ", ": dw", ": db", ": Z", ": A", ": m", ": the cost", " ("):
        cut = message.find(marker)
        if cut > 0:
            return message[:cut] + "."
    return message


@dataclass(frozen=True)
class Column:
    """A column of a table: its title, its width in the terminal, ``"<"`` or ``">"``
    (0: as wide as its text)."""

    title: str
    width: int
    align: str = "<"
    html_only: bool = False  # typeset in a notebook, left out of the terminal


@dataclass
class Table:
    """Rows of text under titled columns; ``failing`` marks the rows shown in red.

    ``html_cells``, when given, replaces the escaped text of a row's cells in the HTML
    view (a step typeset by MathJax); ``caption`` is a line above the table, ``footer``
    one below it; ``header=False`` leaves the titles out of the terminal view.
    """

    columns: tuple[Column, ...]
    rows: list[tuple[str, ...]]
    failing: list[bool] = field(default_factory=list)
    caption: str = ""
    footer: str = ""
    header: bool = True
    html_cells: list[tuple[str, ...]] | None = None

    def text_lines(self) -> list[str]:
        def line(cells: Sequence[str]) -> str:
            return (
                "  "
                + "".join(
                    f"{cell:{c.align}{c.width}}"
                    for c, cell in zip(self.columns, cells, strict=True)
                    if not c.html_only
                ).rstrip()
            )

        out = [self.caption] if self.caption else []
        if self.header:
            out.append(line([c.title for c in self.columns]))
        out += [line(row) for row in self.rows]
        if self.footer:
            out.append(f"  {self.footer}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "caption": self.caption,
            "columns": [c.title.strip() for c in self.columns],
            "rows": [[cell.strip() for cell in row] for row in self.rows],
            "footer": self.footer,
        }


@dataclass
class Feedback:
    """A report as every view shows it: the verdict, tables, findings, notes.

    ``kind`` names the checker (``"gradients"``, ``"exercise"``, ``"derivation"``,
    ``"verify"``); ``tables`` come before the findings, ``appendix`` after them (the
    worst entries of a wrong quantity); ``closing`` lines end the terminal view.
    """

    kind: str
    subject: str
    passed: bool
    headline: str
    hints: str = "fix"
    summary: str = ""
    tables: list[Table] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    appendix: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # the checker's own JSON fields
    # one mark per thing judged (a quantity, a step, a stage): whether it is right
    marks: list[bool] = field(default_factory=list)

    @property
    def score(self) -> int:
        """The things judged right, or 0 when the report fails with every one of them right
        (it raised, changed its inputs, broke the return contract: the whole is wrong), so
        that a failing report never scores :attr:`max_score`."""
        earned = sum(self.marks)
        if not self.passed and earned == len(self.marks):
            return 0
        return earned

    @property
    def max_score(self) -> int:
        return len(self.marks)


class Views:
    r"""The three views of a report, each a rendering of its one :meth:`feedback`:

    .. math::

        F &= r.\texttt{feedback}() \\
        \texttt{str}(r) &= \texttt{render\_text}(F) \\
        r.\texttt{\_repr\_html\_}() &= \texttt{render\_html}(F) \\
        r.\texttt{to\_json}() &= \texttt{to\_json}(F)

    A report (every checker's) inherits them and writes only :meth:`feedback`, so the
    terminal, the notebook and the JSON show the same findings at the same hint level.
    """

    def feedback(self) -> Feedback:
        """The report as the feedback core lays it out; each report type writes its own."""
        raise NotImplementedError(f"{type(self).__name__} must lay itself out as a Feedback")

    def __str__(self) -> str:
        return render_text(self.feedback())

    def _repr_html_(self) -> str:
        return render_html(self.feedback())

    def to_json(self) -> dict[str, Any]:
        """The feedback core's JSON: the same keys for every checker (:func:`to_json`)."""
        return to_json(self.feedback())


def render_text(f: Feedback) -> str:
    """The terminal view."""
    level_index(f.hints)
    lines = [f.headline]
    if f.summary:
        lines.append(f"  {f.summary}")
    for table in f.tables:
        lines += ["", *table.text_lines()]
    if f.findings:
        lines += ["", "Diagnosis"]
        lines += [f"  {finding.render(f.hints)}" for finding in f.findings]
    for table in f.appendix:
        lines += ["", *table.text_lines()]
    if f.notes:
        lines += ["", "Notes"] + [f"  - {n}" for n in f.notes]
    if f.closing:
        lines += ["", *f.closing]
    return "\n".join(lines)


def render_html(f: Feedback) -> str:
    """The notebook's view (``_repr_html_``)."""
    e = html.escape
    colour = PASS_COLOUR if f.passed else FAIL_COLOUR
    out = [f'<div><p style="font-weight:bold;color:{colour}">{e(f.headline)}</p>']
    if f.summary:
        out.append(f"<p><small>{e(f.summary)}</small></p>")
    out += [_html_table(t) for t in f.tables]
    if f.findings:
        out.append("<p><b>Diagnosis</b></p><ul>")
        for finding in f.findings:
            text, fix = finding.hint(f.hints)
            evidence = finding.evidence if f.hints != "concept" else ""
            details = "".join(f"<br>{e(d)}" for d in finding.shown_details(f.hints))
            causes = "".join(
                f' <a href="{e(entry["doc"])}"><code>{e(entry["name"])}</code></a>'
                for entry in finding.causes()
            )
            out.append(
                f"<li>{_html_head(finding.head(f.hints))}{e(text)}"
                + details
                + (f"<br><i>fix:</i> <code>{e(fix)}</code>" if fix else "")
                + (f"<br><small>{e(evidence)}</small>" if evidence else "")
                + (f"<br><small>rules:{causes}</small>" if causes else "")
                + "</li>"
            )
        out.append("</ul>")
    out += [_html_table(t) for t in f.appendix]
    if f.notes:
        out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in f.notes) + "</ul>")
    if f.closing:
        out.append("<p>" + "<br>".join(e(line) for line in f.closing) + "</p>")
    out.append("</div>")
    return "".join(out)


def _html_head(head: str) -> str:
    return f"<b>{html.escape(head)}</b>: " if head else ""


def _html_table(t: Table) -> str:
    e = html.escape
    out = [f"<p>{e(t.caption)}</p>"] if t.caption else []
    out.append(
        "<table><thead><tr>"
        + "".join(f"<th>{e(c.title.strip())}</th>" for c in t.columns)
        + "</tr></thead><tbody>"
    )
    cells = t.html_cells or [tuple(e(cell.strip()) for cell in row) for row in t.rows]
    for k, row in enumerate(cells):
        failing = k < len(t.failing) and t.failing[k]
        style = f' style="color:{FAIL_COLOUR}"' if failing else ""
        out.append(f"<tr{style}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    if t.footer:
        out.append(f"<p><small>{e(t.footer)}</small></p>")
    return "".join(out)


def to_json(f: Feedback) -> dict[str, Any]:
    """The JSON view: the same keys for every checker, versioned by :data:`SCHEMA_VERSION`.

    Non-finite numbers in the checker's own ``data`` must already be ``None``.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": f.kind,
        "subject": f.subject,
        "passed": f.passed,
        "headline": f.headline,
        "hints": f.hints,
        "score": f.score,
        "max_score": f.max_score,
        "summary": f.summary,
        "tables": [t.to_dict() for t in [*f.tables, *f.appendix]],
        "findings": [finding.to_dict(f.hints) for finding in f.findings],
        "notes": list(f.notes),
        "closing": list(f.closing),
        "data": dict(f.data),
    }


def causes(findings: Sequence[Finding]) -> Mapping[str, dict[str, str]]:
    """Every rule the findings name, with its concept text and page anchor."""
    return {entry["name"]: entry for finding in findings for entry in finding.causes()}
