r"""The facts of a failed check, and the mistakes named from the outputs of code without a source.

Two entry points. :func:`facts` says what happened in the run, never why (:data:`FACTS`:
it raised, broke the return contract, changed its inputs, returned NaN or the wrong
shape); it is all a report adds to the repair search's finding when the learner's source
is traced. :func:`from_outputs` is the diagnosis when there is no source to trace (code
run with ``exec``, a ``functools.partial``, a grader with the answers alone): the facts,
and a model of a wrong output only where it reproduces the learner's values on every
problem (:data:`OUTPUT_NAMES`), otherwise where and what.

Nothing here derives a gradient by hand (independence rule 4). A mistake is recognised
by matching the learner's answer :math:`\hat q` against **models of wrong answers**,
each built from the oracles alone (:mod:`~autograd_lr.checking.mistakes`, values
prepared in :mod:`~autograd_lr.checking.expected`):

* a *transformation of the oracle's value*: a sign (:math:`-q`: ``dZ = Y - A``) and a
  scale (:math:`m q`: the ``1/m`` forgotten; :math:`q/m`: divided twice;
  :math:`\frac{m}{n_x} q`: ``m`` read from ``X.shape[0]``; :math:`J/\ln 10`: ``log10``);
* the *oracle gradient of a different cost* that embodies the mistake (forgot Y, z for a,
  an extra σ', the exponent's sign, no bias, a loop over the examples off by one);
* a *fitted term*: a spurious (or missing, or mis-scaled) regularization, or an ε inside
  the logarithm, whose size must be the same on every problem;
* *shapes*: the broadcasting trap, a transposed or flattened dw, values not summed;
* *one entry wrong*: every entry but one agrees.

By family: :mod:`~autograd_lr.checking.diagnosis.values` (wrong values),
:mod:`~autograd_lr.checking.diagnosis.shapes` (wrong shapes, NaN),
:mod:`~autograd_lr.checking.diagnosis.function` (exceptions, signature, return contract,
inputs modified), :mod:`~autograd_lr.checking.diagnosis.texts` (the words, at three
hint levels). A fix never repeats a line the learner
already wrote (:func:`not_repeating`, where the source is known).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from autograd_lr.checking.compare import fill_expected
from autograd_lr.checking.diagnosis.function import (
    bad_return_diagnosis,
    contract_diagnosis,
    exception_diagnosis,
    modified_diagnosis,
)
from autograd_lr.checking.diagnosis.logs import epsilon_in_log
from autograd_lr.checking.diagnosis.shapes import (
    broadcasting_trap,
    non_finite_diagnosis,
    shape_diagnosis,
    shape_fact,
)
from autograd_lr.checking.diagnosis.texts import EXPLAIN, SHARED, Text, fill
from autograd_lr.checking.diagnosis.values import (
    LOW_PRECISION,
    Context,
    _Candidate,
    diagnose_values,
    diagnosis,
    explain,
    float32_diagnosis,
)
from autograd_lr.checking.expected import ProblemOracles
from autograd_lr.checking.thresholds import QUANTITIES
from autograd_lr.checking.types import FAILING, Diagnosis, ProblemCheck

__all__ = [
    "FACTS",
    "OUTPUT_NAMES",
    "Diagnosis",
    "diagnose",
    "facts",
    "from_outputs",
    "not_repeating",
    "notes",
]

# What happened in the run, never why, by the name a report gives it: kept as they are
# beside the repair search's finding, and beside the output models.
FACTS: dict[str, str] = {
    "exception": "your function raised: the error, on how many problems, and the line that raised",
    "wrong_signature": "your function cannot be called as fn(w, b, X, Y) (or with lambd)",
    "not_implemented": "the function is still the exercise's skeleton (NotImplementedError)",
    "shape_mismatch": "the error it raised is numpy's: two shapes did not fit",
    "bad_return": "the return value cannot be read as (grads, cost) or (dw, db)",
    "return_contract": "the values came back, but not in the types and shapes the course uses",
    "modified_inputs": "your function changed w, X or Y in place",
    "non_finite": "a quantity is NaN or inf, with numpy's warning",
    "wrong_shape": "a quantity's shape, and the shape it must have",
    "one_entry_wrong": "every entry of dw is right but one, named (code without a source)",
}

# The names only the output models give (code without a source), each stated only when
# the model reproduces the learner's values on every problem; the models of mistakes in
# one formula have their texts in ``EXPLAIN``.
OUTPUT_NAMES: dict[str, str] = {
    **{code: fill(text.concept, "dw") for code, text in EXPLAIN.items()},
    "spurious_regularization": "an L2 term where none belongs, with the fitted λ'",
    "missing_regularization": "no L2 term where the exercise asks for one",
    "wrong_regularization_strength": "the L2 term with the wrong λ (the fitted λ')",
    "epsilon_in_log": "a small ε inside the logarithm of the cost, fitted on each problem",
    "broadcasting_trap": "A − Y broadcast to an (m, m) matrix: Y a column (m, 1), A a row (1, m)",
    "float32": "the values agree only to float32 rounding: the check is made in float64",
    "dw_transposed": "dw is a row (1, n_x) whose values are right: dZ Xᵀ for X dZᵀ",
    "dw_flattened": "dw is a flat vector (n_x,) whose values are right",
    "forgot_to_sum": "one value per example, whose sum or mean over the examples is right",
    "unclassified": "where and what: no model reproduces the values (which quantity, on which "
    "problems, by how much, its shape)",
}


def facts(checks: Sequence[ProblemCheck]) -> list[Diagnosis]:
    """The facts of a failed check (:data:`FACTS`), without running any model of a mistake:
    what a report says beside the line-by-line finding when the source is traced."""
    calls = [c.call for c in checks]
    found = [
        d
        for d in (
            exception_diagnosis(calls),
            bad_return_diagnosis(calls),
            modified_diagnosis(calls),
        )
        if d is not None
    ]
    shaped: set[str] = set()
    for quantity in QUANTITIES:
        statuses = [c.quantities[quantity].status for c in checks]
        first = next((c for c in checks if c.quantities[quantity].status == "shape"), None)
        if first is not None:
            found.append(shape_fact(first, quantity))
            shaped.add(quantity)
        elif "non_finite" in statuses:
            found.append(non_finite_diagnosis(checks, quantity))
    contract = contract_diagnosis(calls, shaped)
    if contract is not None:
        found.append(contract)
    return found


def from_outputs(
    checks: Sequence[ProblemCheck],
    oracles: Sequence[ProblemOracles],
    lambd: float = 0.0,
    *,
    source: str = "",
) -> list[Diagnosis]:
    """The diagnosis of a failed check when there is no source to trace: the facts, and a
    model of a mistake only where it reproduces the learner's values on every problem (a
    finite ``match``: the model is the repair of the outputs); for any other wrong quantity,
    where and what (:func:`where_and_what`), never a guessed cause."""
    out: list[Diagnosis] = []
    unexplained: list[str] = []
    for d in diagnose(checks, oracles, lambd, source=source):
        if set(d.mistakes) <= FACTS.keys() or math.isfinite(d.match):
            out.append(d)
        else:
            unexplained += [
                q
                for q in d.quantities
                if q not in unexplained and any(c.quantities[q].status in FAILING for c in checks)
            ]
    out += [where_and_what(checks, q) for q in unexplained]
    return out


def where_and_what(checks: Sequence[ProblemCheck], quantity: str) -> Diagnosis:
    """A wrong quantity no model reproduces: on which problems, by how much, its shape and
    the expected one, and no cause."""
    wrong = [c for c in checks if c.quantities[quantity].status in FAILING]
    worst = max(wrong, key=lambda c: c.quantities[quantity].error)
    x = worst.quantities[quantity]
    shape = np.asarray(x.yours).shape
    what = (
        f"{quantity} is wrong on {len(wrong)} of {len(checks)} problems (relative error up to "
        f"{x.error:.1e}, on {worst.problem.name}, where yours has shape {shape}); no model of "
        "a mistake reproduces your values on every problem: compare your entries with the "
        "expected ones below"
    )
    return diagnosis(
        (quantity,),
        ("unclassified",),
        Text(
            f"{quantity} is wrong in a way no model of a mistake reproduces.",
            f"{quantity}: compare your entries with the expected ones.",
            what,
            "",
        ),
    )


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
    for fact in (
        exception_diagnosis(calls),
        bad_return_diagnosis(calls),
        modified_diagnosis(calls),
    ):
        if fact is not None:
            found.append(fact)
    contexts: list[Context] | None = None

    def get_contexts() -> list[Context]:
        nonlocal contexts
        if contexts is None:
            contexts = [
                Context(fill_expected(c, o), o) for c, o in zip(checks, oracles, strict=True)
            ]
        return contexts

    claimed: set[str] = set()
    ran = checks and not any(c.call.exception or c.call.outputs.error for c in checks)
    if ran and any(c.quantities["dw"].status == "shape" for c in checks):
        trap = broadcasting_trap(checks, get_contexts(), source)
        if trap is not None:
            found.append(trap)
            claimed |= set(trap.quantities)
    matched: dict[str, tuple[Diagnosis, _Candidate]] = {}
    for quantity in QUANTITIES:
        if quantity in claimed:
            continue
        statuses = [c.quantities[quantity].status for c in checks]
        shaped = next((c for c in checks if c.quantities[quantity].status == "shape"), None)
        if shaped is not None:
            found.append(shape_diagnosis(shaped, quantity))
            continue
        if "non_finite" in statuses:
            found.append(non_finite_diagnosis(checks, quantity))
            continue
        if "wrong" in statuses:
            found_one, candidate = diagnose_values(checks, get_contexts(), quantity, lambd)
            if quantity == "cost" and candidate is None and found_one.mistakes == ("unclassified",):
                with_cost = [ctx for ctx in get_contexts() if ctx.yours["cost"] is not None]
                wrong_by = max(
                    c.quantities["cost"].error
                    for c in checks
                    if c.quantities["cost"].status == "wrong"
                )
                found_one = epsilon_in_log(with_cost, wrong_by) or found_one
            found.append(found_one)
            if candidate is not None and not candidate.reg:
                matched[quantity] = (found_one, candidate)
    with_shape = {q for q in QUANTITIES for c in checks if c.quantities[q].status == "shape"}
    contract = contract_diagnosis(calls, with_shape)
    if contract is not None:
        found.append(contract)
    merged = _merge_float32(_merge(found, matched, lambd))
    return [not_repeating(d, source) for d in merged]


def _code_lines(text: str) -> set[str]:
    """The statements of a piece of code, without spaces, for comparing a fix with the source."""
    out = set()
    for line in text.replace(";", "\n").splitlines():
        statement = line.split("#", 1)[0].strip()
        if statement:
            out.add("".join(statement.split()))
    return out


def not_repeating(d: Diagnosis, source: str) -> Diagnosis:
    """``d`` without any fix line the learner already wrote (where the source is known).

    A line of the fix found verbatim (spaces aside) in ``source`` is right as written: the
    mistake is elsewhere, so the fix points at the step instead of repeating the line.
    """
    if not source or not d.fix:
        return d
    written = _code_lines(source)
    parts = [part.strip() for part in d.fix.split(";")]
    kept = [part for part in parts if "".join(part.split("#", 1)[0].split()) not in written]
    if len(kept) == len(parts):
        return d
    repeated = [part for part in parts if part not in kept]
    note = f"your line {' and '.join(repeated)} is right as written; the mistake is before it"
    if d.location:
        note += f" ({d.location.rstrip('.')})"
    return dataclasses.replace(d, fix="; ".join([*kept, note]))


def _merge_float32(found: list[Diagnosis]) -> list[Diagnosis]:
    """One float32 diagnosis for every quantity that came back in float32."""
    low = [d for d in found if d.mistakes == ("float32",)]
    if len(low) < 2:
        return found
    quantities = tuple(q for d in low for q in d.quantities)
    merged = float32_diagnosis(quantities, max(d.match for d in low))
    return [merged if d is low[0] else d for d in found if d not in low[1:]]


def _merge(
    found: list[Diagnosis], matched: dict[str, tuple[Diagnosis, _Candidate]], lambd: float
) -> list[Diagnosis]:
    """A mistake made in dZ shows in dw and db alike: say it once, for both."""
    if "dw" not in matched or "db" not in matched:
        return found
    (dw, c), (db, c_db) = matched["dw"], matched["db"]
    if c != c_db or not set(dw.mistakes) <= SHARED:
        return found
    codes, text = explain(c, "dw", None, lambd, label="dw and db")
    merged = diagnosis(("dw", "db"), codes, text, dw.evidence, max(dw.match, db.match))
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
