"""The engine's finding as a diagnosis: a verified repair's cause, or where and what.

A verified repair becomes a :class:`~autograd_lr.checking.findings.Finding` whose
``rules`` are the correction rules applied, whose ``line`` is the first line it changes,
and whose three hint levels are the rules' concept, then the line and what is wrong
there, then the repaired line. Without a repair the diagnosis says where and what (the
line, the shapes, the values) and names no cause, and carries no fix.

Beside it a report gives only the facts of the run
(:func:`autograd_lr.checking.diagnosis.facts`): no model of a wrong output runs when the
source is traced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from autograd_lr.checking.error_model import BY_NAME, Rule
from autograd_lr.checking.repair import Finding
from autograd_lr.checking.types import Diagnosis


def finding_diagnosis(
    f: Finding, quantities: Sequence[str], table: Mapping[str, Rule] = BY_NAME
) -> Diagnosis:
    """The engine's finding at three hint levels (a cause only with a verified repair);
    ``table`` gives the rules' texts by name (an exercise's own rules, or the error model's)."""
    quantities = tuple(quantities)
    if f.repair is None:
        where = f.where or "no line of your function could be singled out"
        extra = " (the search for a repair ran out of time)" if f.exhausted else ""
        return Diagnosis(
            quantities,
            (),
            f"{where}{extra}",
            "",
            evidence=f"no repair of up to three edits makes your function pass{extra}",
            concept="Compare this line's value with the lecture's formula for it.",
            location=where,
            line=f.line + f.line_offset if f.line else 0,
        )
    rules = f.repair.rules
    edits = f.repair.edits
    concept = " ".join(table[r].concept for r in rules)
    places = []
    for line in sorted({e.line for e in edits}):
        text = f.lines_text.get(line, "")
        rule_words = " ".join(
            dict.fromkeys(table[e.rule].location for e in edits if e.line == line)
        )
        places.append(
            f"line {line + f.line_offset} of {f.function_at(line)}, `{text}`: {rule_words}"
        )
    location = " ".join(places)
    fix = "; ".join(
        f"line {line + f.line_offset}: {code}" for line, code in sorted(f.repair.lines.items())
    )
    what = f" What the trace saw at line {f.line + f.line_offset}: {f.detail}" if f.detail else ""
    message = f"{location}{what}"
    evidence = (
        f"verified: with {'this change' if len(edits) == 1 else 'these changes'} your function "
        f"agrees with the oracles on every problem ({', '.join(rules)}; "
        f"{f.tried} candidate programs tried in {f.seconds:.2f} s)"
    )
    return Diagnosis(
        quantities,
        (),
        message,
        fix,
        evidence=evidence,
        concept=concept,
        location=location,
        rules=tuple(rules),
        rule_concepts=tuple(table[r].concept for r in rules),
        line=min(e.line for e in edits) + f.line_offset,
    )
