"""The whole assignment checked: every exercise's checker on the catalogue of learners' programs.

Each program of ``tests/assignment_programs.py`` is loaded by ``exec`` (trusted test
code) with the course's reference helpers in its globals and checked by
:func:`autograd_lr.checking.exercises.check_exercise`: a correct form must pass; a wrong
one must fail, and the engine's verified repair must use the catalogue's rule and change
its line. Each report is computed once per session.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np
import pytest

from assignment_programs import BY_NAME, EXERCISES, PROGRAMS, AssignmentProgram
from autograd_lr import course
from autograd_lr.checking.exercises import EXERCISES as CHECKED
from autograd_lr.checking.exercises import check_exercise
from autograd_lr.checking.report import GradientReport

MIN_WRONG = 8  # wrong programs per exercise the issue asks the checker to catch


def _namespace(p: AssignmentProgram) -> dict[str, Any]:
    ns: dict[str, Any] = {
        "np": np,
        "sigmoid": course.sigmoid,
        "propagate": course.propagate,
        "initialize_with_zeros": course.initialize_with_zeros,
        "optimize": course.optimize,
        "predict": course.predict,
    }
    if p.globals_:  # the notebook's own data, of another size than the checker's
        rng = np.random.default_rng(0)
        ns["X"] = rng.standard_normal((4, 50))
        ns["Y"] = (rng.random((1, 50)) > 0.5).astype(np.float64)
    return ns


@functools.cache
def report_of(name: str) -> GradientReport:
    p = BY_NAME[name]
    ns = _namespace(p)
    exec(compile(p.source, f"<{p.name}>", "exec"), ns)  # trusted test code
    return check_exercise(ns[p.exercise], p.exercise, namespace=ns, source=p.source)


@pytest.mark.parametrize("p", [p for p in PROGRAMS if p.verdict == "pass"], ids=lambda p: p.name)
def test_correct_forms_pass(p: AssignmentProgram) -> None:
    report = report_of(p.name)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    "p", [p for p in PROGRAMS if p.verdict == "repaired"], ids=lambda p: p.name
)
def test_wrong_programs_are_caught_with_their_cause_and_line(p: AssignmentProgram) -> None:
    report = report_of(p.name)
    assert not report.passed
    lead = report.diagnosis[0]
    assert p.rule in lead.rules, str(report)
    assert lead.line == p.line, str(report)
    assert lead.fix.startswith(f"line {p.line}:") or f"line {p.line}:" in lead.fix


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_has_correct_forms_and_enough_wrong_programs(exercise: str) -> None:
    ours = [p for p in PROGRAMS if p.exercise == exercise]
    assert sum(p.verdict == "pass" for p in ours) >= 2
    assert sum(p.verdict == "repaired" for p in ours) >= MIN_WRONG


@pytest.mark.parametrize("exercise", [e for e in CHECKED if e != "propagate"])
def test_the_course_reference_passes_every_exercise(exercise: str) -> None:
    report = check_exercise(getattr(course, exercise), exercise)
    assert report.passed, str(report)
    assert json.loads(json.dumps(report.to_dict()))["passed"] is True


def test_propagate_is_check_gradients() -> None:
    report = check_exercise(course.propagate, "propagate")
    assert report.passed and report.wrong == []


def test_hint_levels_keep_the_fix_for_the_fix_level() -> None:
    report = report_of("opt_ascent")
    lead = report.diagnosis[0]
    assert lead.hint("concept") == (lead.concept, "")
    assert "−" in lead.concept and lead.fix == "line 14: w = w - learning_rate * dw"
    assert "descent_sign" in report.to_dict()["rules"]


def test_a_skeleton_is_not_implemented_and_names_no_cause() -> None:
    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        raise NotImplementedError

    report = check_exercise(optimize, "optimize")
    assert not report.passed and report.mistakes == {"not_implemented"} and not report.rules


def test_an_unknown_exercise_is_refused_with_the_names() -> None:
    with pytest.raises(ValueError, match="optimize"):
        check_exercise(course.predict, "train")


@pytest.mark.parametrize("p", PROGRAMS, ids=lambda p: p.name)
def test_the_score_agrees_with_the_outcome(p: AssignmentProgram) -> None:
    """A failing report never scores full marks; a passing one always does."""
    feedback = report_of(p.name).feedback()
    assert feedback.max_score >= 1
    if feedback.passed:
        assert feedback.score == feedback.max_score
    else:
        assert feedback.score < feedback.max_score, str(report_of(p.name))
