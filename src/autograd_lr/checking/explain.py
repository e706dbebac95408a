"""The engine's finding as a diagnosis, and what of the output-model diagnoses it keeps.

A verified repair becomes a :class:`~autograd_lr.checking.findings.Finding` whose
``rules`` are the correction rules applied, whose ``line`` is the first line it changes,
and whose three hint levels are the rules' concept, then the line and what is wrong
there, then the repaired line. Without a repair the diagnosis says where and what (the
line, the shapes, the values) and names no cause, and carries no fix.

The older diagnoses name a mistake from the outputs alone. Facts about the run (it
raised, it broke the return contract, it changed its inputs, it returned NaN) are kept
as they are, and so is a model of a wrong answer that reproduces the learner's values on
every problem. Any other explanation is kept only when the verified repair applies a
rule that makes that same mistake (:data:`CONSISTENT`); otherwise it was a guess (an
"imprecise" hint, a sum that was never the losses) and is dropped.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

from autograd_lr.checking.error_model import BY_NAME, Rule
from autograd_lr.checking.repair import Finding
from autograd_lr.checking.types import Diagnosis

# what happened, not why (it raised, broke the return contract, changed its inputs,
# returned NaN, a shape whose values are right once reshaped, every entry right but one):
# kept as they are
FACTS = frozenset(
    {
        "exception",
        "wrong_signature",
        "not_implemented",
        "shape_mismatch",
        "bad_return",
        "return_contract",
        "modified_inputs",
        "non_finite",
        "dw_transposed",
        "dw_flattened",
        "float32",
        "one_entry_wrong",
    }
)
# facts whose fixes guess at a cause (a NaN blamed on saturation): beside a verified
# repair, their fix is the repair
GUESSING_FACTS = frozenset({"non_finite"})
# an output model's mistake -> the correction rules that make that mistake
CONSISTENT: dict[str, frozenset[str]] = {
    code: frozenset(rules)
    for code, rules in {
        "sign_flipped": {"flip_sign"},
        "cost_sign_flipped": {"flip_sign"},
        "sigmoid_sign": {"flip_sign"},
        "missing_1_over_m": {"add_mean"},
        "db_summed": {"add_mean"},
        "cost_summed": {"add_mean"},
        "divided_by_m_twice": {"remove_mean"},
        "dw_transposed": {"transpose_operand", "drop_transpose", "operand_order"},
        "dw_flattened": {"squeeze", "change_axis", "reshape_column"},
        "wrong_shape": {"squeeze", "change_axis", "transpose_operand", "drop_transpose"},
        "forgot_Y": {"swap_variable"},
        "z_instead_of_a": {"swap_variable", "add_sigmoid"},
        "m_from_wrong_axis": {"change_axis"},
        "forgot_to_sum": {"add_sum", "change_axis", "elementwise_to_matmul"},
        "epsilon_in_log": {"epsilon"},
        "first_example_skipped": {"loop_bounds"},
        "last_example_skipped": {"loop_bounds"},
        "one_entry_wrong": {"loop_bounds"},
        "broadcasting_trap": {
            "reshape_column",
            "squeeze",
            "change_axis",
            "swap_variable",
            "transpose_operand",
            "drop_transpose",
            "inplace_update",
        },
        "float32": {"dtype", "inplace_update"},
    }.items()
}


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


def verified(d: Diagnosis, rules: set[str]) -> bool:
    """An output model's diagnosis that is more than a guess: a fact, a model that reproduces
    the learner's values on every problem (a finite ``match``), or a mistake the verified
    repair's rules make."""
    codes = set(d.mistakes)
    if codes == {"unclassified"}:
        return not rules  # "cannot name it" stands only while nothing else names it
    if codes & FACTS or math.isfinite(d.match):
        return True
    return bool(codes) and all(CONSISTENT.get(c, frozenset()) & rules for c in codes)


def merge(engine: Diagnosis, old: Sequence[Diagnosis]) -> list[Diagnosis]:
    """The engine's diagnosis first, then the older diagnoses that are verified (a fact
    whose text guesses at a cause gets the verified repair as its fix)."""
    rules = set(engine.rules)
    kept = []
    for d in old:
        if rules and set(d.mistakes) & GUESSING_FACTS:
            kept.append(dataclasses.replace(d, fix=engine.fix))
        elif verified(d, rules):
            kept.append(d)
    return [engine, *kept]
