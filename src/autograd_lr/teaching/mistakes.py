"""The mistakes a report may name: every correction rule, with its texts, as one page.

A report names a mistake only by a correction rule whose repair makes the learner's work
pass (:mod:`autograd_lr.checking.findings`). The rules live in three tables: the error
model's rules of code (:data:`autograd_lr.checking.error_model.RULES`), the other
exercises' own (:data:`autograd_lr.checking.exercises.rules.TABLE`) and the slips of a
hand derivation (:data:`autograd_lr.checking.error_model.DERIVATION_RULES`). Beside them a
report gives the facts of the run (:data:`autograd_lr.checking.diagnosis.FACTS`), and, for
code without a source only, the names of the models of wrong outputs
(:data:`autograd_lr.checking.diagnosis.OUTPUT_NAMES`). :func:`page` writes them all as the
documentation's page ``docs/mistakes.md``, so that the page lists exactly the names a
report gives, each rule under the anchor its JSON links to.
"""

from __future__ import annotations

from autograd_lr.checking.diagnosis import FACTS, OUTPUT_NAMES
from autograd_lr.checking.error_model import DERIVATION_RULES, RULES, Rule
from autograd_lr.checking.exercises.rules import TABLE
from autograd_lr.checking.findings import anchor


def rule_table() -> dict[str, Rule]:
    """Every rule a report may name, by name."""
    return {**{r.name: r for r in RULES}, **TABLE, **{r.name: r for r in DERIVATION_RULES}}


def page() -> str:
    """The page of mistakes (``docs/mistakes.md``), made from the rules' tables."""
    code = {r.name for r in RULES}
    groups = [
        ("Mistakes in code: propagate and the helpers it calls", RULES),
        ("Mistakes of the other exercises", tuple(r for r in TABLE.values() if r.name not in code)),
        ("Slips of a hand derivation", DERIVATION_RULES),
    ]
    out = [
        "# The mistakes a report names",
        "",
        "<!-- made by autograd_lr.teaching.mistakes.page from the rules' tables;",
        "     tests/test_feedback_core.py fails when this page differs -->",
        "",
        "A report names a mistake only when a repair that applies one of these correction",
        "rules makes your work pass. Each entry gives the rule's name (as the JSON report's",
        "`rules` and `causes` give it), what the mistake is (the `concept` hint) and where it",
        "shows (the `location` hint).",
    ]
    for title, rules in groups:
        out += ["", f"## {title}"]
        for r in rules:
            out += ["", f"({anchor(r.name)})=", f"### `{r.name}`", "", r.concept, "",
                    f"*Where:* {r.location}"]  # fmt: skip
    out += [
        "",
        "## Facts of the run",
        "",
        "What happened, never why: a report gives these (in `mistakes`) beside any finding,",
        "with no guessed cause and no guessed fix.",
        "",
        *(f"- `{name}`: {meaning}" for name, meaning in FACTS.items()),
        "",
        "## Names from the outputs alone (code without a source)",
        "",
        "When Python cannot give a function's source (code run with `exec` from a string, a",
        "`functools.partial`, a compiled function) or a grader has only its answers, the",
        "correction rules above cannot be tried. A report then names a mistake (in `mistakes`)",
        "by a model of a wrong output, and only when the model reproduces the function's values",
        "on every check problem; otherwise it says where and what (`unclassified`). These",
        "names never appear for a function whose source is traced.",
        "",
        *(f"- `{name}`: {meaning}" for name, meaning in OUTPUT_NAMES.items()),
    ]
    return "\n".join(out) + "\n"
