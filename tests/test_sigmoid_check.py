"""``check_sigmoid`` is the exercise engine's check, and names every mistake the output-only
checker it replaced named.

That checker matched a learner's σ against the outputs of three wrong σ (``1/(1 + e^z)``,
``e^z``, ``σ'``) and four patterns (``math.exp``, float32, a lost shape, the skeleton).
Each is written here as a learner writes it, as source: the engine must point at its line
and name it by a verified repair, or, where no rule repairs it, say where and what with
no cause. The same functions without source (``inspect.getsource`` cannot read them) are
named by an output model only when it reproduces their values on every case.
"""

from __future__ import annotations

import inspect
import linecache
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from autograd_lr import course, forward
from autograd_lr.checking.exercises import ExerciseReport, check_exercise
from autograd_lr.checking.exercises.base import WrongFunction, reproduces
from autograd_lr.checking.exercises.sigmoid import EXERCISE, INPUTS, MODELS
from autograd_lr.checking.tracing import Outcome
from autograd_lr.teaching import exercises
from autograd_lr.teaching.mistakes import rule_table

HEAD = "import math\n\nimport numpy as np\n\n\ndef sigmoid(z):\n"
FIRST = HEAD.count("\n") + 1  # the line of the body's first statement


@dataclass(frozen=True)
class Old:
    """A mistake the output-only checker named, as a learner's ``sigmoid`` body."""

    code: str  # the old checker's name for it
    body: str
    rules: tuple[str, ...]  # of the verified repair; () where no rule repairs it
    line: int  # the line the report points at (0: none, the skeleton)
    model: str  # the output model that names it without source ("": none may)
    fix: str = ""  # the repaired line, where there is a repair


OLD = [
    Old("sigmoid_sign", "return 1 / (1 + np.exp(z))", ("flip_sign",), FIRST, "flip_sign",
        "return 1 / (1 + np.exp(-z))"),
    Old("missing_one_plus", "return 1 / np.exp(-z)", ("one_plus",), FIRST, "one_plus",
        "return 1 / (1 + np.exp(-z))"),
    Old("missing_one_plus", "return np.exp(z)", (), FIRST, "one_plus"),
    Old("sigmoid_derivative", "s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)",
        ("value_for_slope",), FIRST + 1, "value_for_slope", "return s"),
    Old("math_exp", "return 1 / (1 + math.exp(-z))", ("array_function",), FIRST,
        "array_function", "return 1 / (1 + np.exp(-z))"),
    Old("float32", "return (1 / (1 + np.exp(-z))).astype(np.float32)", ("dtype",), FIRST,
        "dtype", "return 1 / (1 + np.exp(-z))"),
    Old("shape_not_kept", "return float(1 / (1 + np.exp(-np.sum(z))))",
        ("remove_sum", "squeeze"), FIRST, "", "return 1 / (1 + np.exp(-z))"),
    Old("shape_not_kept", "return np.array([1 / (1 + np.exp(-x)) for x in np.ravel(z)])",
        (), FIRST, ""),
    Old("not_implemented", 'raise NotImplementedError("write sigmoid")', (), 0, ""),
]  # fmt: skip


def with_source(old: Old) -> Any:
    """The learner's function, its source readable by inspect (as in a file)."""
    source = HEAD + f"    {old.body}\n"
    filename = f"<learner {old.code} {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), scope)
    return scope["sigmoid"]


def without_source(old: Old) -> Any:
    """The same function where inspect finds no source (typed in a REPL, or compiled)."""
    scope: dict[str, Any] = {}
    exec(compile(HEAD + f"    {old.body}\n", "<no file>", "exec"), scope)
    with pytest.raises(OSError):
        inspect.getsource(scope["sigmoid"])
    return scope["sigmoid"]


def test_every_old_mistake_is_listed() -> None:
    """The old checker's names: its three output models and its four patterns."""
    old_models = {"sigmoid_sign", "missing_one_plus", "sigmoid_derivative"}
    old_patterns = {"math_exp", "float32", "shape_not_kept", "not_implemented"}
    assert {o.code for o in OLD} == old_models | old_patterns
    repaired = [o for o in OLD if o.rules]
    assert len(repaired) == 6 and len(OLD) - len(repaired) == 3


@pytest.mark.parametrize("old", OLD, ids=lambda o: f"{o.code}: {o.body[:30]}")
def test_an_old_mistake_with_source_is_repaired_at_its_line_or_located(old: Old) -> None:
    report = exercises.check_sigmoid(with_source(old))
    assert isinstance(report, ExerciseReport) and not report.passed
    lead = report.diagnosis[0]
    if old.code == "not_implemented":
        assert report.mistakes == {"not_implemented"} and not report.rules
        return
    assert lead.line == old.line, str(report)
    assert set(lead.rules) == set(old.rules), str(report)
    if old.rules:  # the cause, verified: the repaired line passes
        assert old.fix in lead.fix and "verified" in lead.evidence
        repaired = exercises.check_sigmoid(
            with_source(Old(old.code, old.body.replace(old.body.split("\n")[-1].strip(),
                                                       old.fix), (), 0, "")))  # fmt: skip
        assert repaired.passed, str(repaired)
    else:  # where (the line) and what (the value seen), no cause and no fix
        assert f"line {old.line} of sigmoid" in lead.message and not lead.fix
        assert "where σ(z) is expected" in lead.message, str(report)


@pytest.mark.parametrize("old", [o for o in OLD if o.code != "not_implemented"],
                         ids=lambda o: f"{o.code}: {o.body[:30]}")  # fmt: skip
def test_an_old_mistake_without_source_is_named_only_by_a_model_that_fits(old: Old) -> None:
    report = exercises.check_sigmoid(without_source(old))
    assert not report.passed and not report.rules  # no source: nothing was repaired
    named = report.mistakes & {m.mistake for m in MODELS}
    assert named == ({old.model} if old.model else set()), str(report)
    if old.model:
        lead = report.diagnosis[0]
        assert lead.mistakes == (old.model,) and lead.line == 0
        assert f"on all {len(INPUTS)} cases" in lead.evidence and lead.match <= 1e-6
    assert "no line can be pointed at or repaired" in " ".join(report.notes)


def test_each_model_is_named_by_a_documented_rule() -> None:
    """A model's mistake has the one name the error model gives it, on the page of mistakes."""
    assert {m.mistake for m in MODELS} <= set(rule_table())
    assert len({m.mistake for m in MODELS}) == len(MODELS)


def test_each_model_fits_a_mistake_and_never_sigma_itself() -> None:
    """A model that reproduces σ on every case would name a mistake in a right function."""
    for model in MODELS:
        report = check_exercise(model.fn, "sigmoid")
        assert not report.passed and model.mistake in report.mistakes, model.mistake
    assert exercises.check_sigmoid(lambda z: 1 / (1 + np.exp(-z))).passed


def test_a_model_that_is_sigma_on_every_case_names_nothing() -> None:
    """A model told apart from σ on no case cannot name a mistake, even where the
    learner's values are its own (a function that fails otherwise: it changes z in place)."""
    cases = EXERCISE.cases()
    outcomes = [Outcome(np.asarray(forward.sigmoid(np.asarray(c.args[0]))), "", ("z",))
                for c in cases]  # fmt: skip
    sigma = WrongFunction("flip_sign", lambda z: forward.sigmoid(np.asarray(z)), "", "", "", 1e-9)
    assert reproduces(sigma, EXERCISE, cases, outcomes) is None
    flip = next(m for m in MODELS if m.mistake == "flip_sign")
    assert reproduces(flip, EXERCISE, cases, outcomes) is None  # σ(−z): other values
    flipped = [Outcome(np.asarray(forward.sigmoid(-np.asarray(c.args[0])))) for c in cases]
    assert reproduces(flip, EXERCISE, cases, flipped) == 0.0


def test_a_model_that_fits_only_some_cases_names_nothing() -> None:
    """σ(−z) on the small inputs and σ(z) on the rest: flipped somewhere, not everywhere,
    so no cause; the facts say which case is wrong."""

    def flipped_on_small(z: Any) -> Any:
        return forward.sigmoid(-np.asarray(z)) if np.size(z) < 4 else forward.sigmoid(z)

    report = exercises.check_sigmoid(flipped_on_small)
    assert not report.passed and "flip_sign" not in report.mistakes
    assert report.mistakes == {"σ(z)_wrong"} and "on case a column" in str(report)
    # at the concept level: what is wrong and where, in a whole sentence, no values
    concept = str(exercises.check_sigmoid(flipped_on_small, hints="concept"))
    assert "σ(z): σ(z) has wrong values on case a column." in concept
    assert "relative error" not in concept
    location = str(exercises.check_sigmoid(flipped_on_small, hints="location"))
    assert "σ(z): σ(z) on case a column: an array of shape (3, 1)" in location


def test_a_float64_near_miss_is_not_named_float32() -> None:
    """Off by 1e-10 relative: within the float32 model's tolerance, but not float32."""
    report = exercises.check_sigmoid(lambda z: forward.sigmoid(np.asarray(z)) * (1 + 1e-10))
    assert not report.passed and report.mistakes == {"σ(z)_wrong"}, str(report)


def test_a_function_that_raises_elsewhere_is_not_named_math_exp() -> None:
    """A TypeError on the arrays, as math.exp gives, but a wrong value on the number."""
    report = exercises.check_sigmoid(lambda z: 0.25 + 0.0 * math.exp(z))
    assert "array_function" not in report.mistakes and "exception" in report.mistakes


@pytest.mark.parametrize("hints", ["concept", "location", "fix"])
def test_a_models_finding_follows_the_hint_level(hints: str) -> None:
    report = exercises.check_sigmoid(lambda z: 1 / (1 + np.exp(z)), hints=hints)
    text = str(report) + report._repr_html_()
    assert ("fix:" in text) == (hints == "fix")
    assert "exponent" in text  # the concept: σ's exponent has the wrong sign


def test_the_package_sigma_and_the_skeleton() -> None:
    assert exercises.check_sigmoid(course.sigmoid).passed
    skeleton = exercises.check_sigmoid()
    assert not skeleton.passed and skeleton.mistakes == {"not_implemented"}
    with pytest.raises(ValueError, match="hints must be one of"):
        exercises.check_sigmoid(course.sigmoid, hints="all")
