"""Exercises: skeletons report "not implemented", the package's own code passes, mistakes are named."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lr import course
from autograd_lr.checking import diagnosis
from autograd_lr.checking.exercises import ExerciseReport, check_exercise
from autograd_lr.checking.report import GradientReport
from autograd_lr.teaching import exercises
from catalogue import PLANTED, Planted, without_source


def test_the_unfilled_skeletons_fail_saying_not_implemented() -> None:
    report = exercises.check_propagate()
    assert not report.passed and "not_implemented" in report.mistakes
    report_l2 = exercises.check_propagate_l2()
    assert not report_l2.passed and "not_implemented" in report_l2.mistakes
    sigmoid_report = exercises.check_sigmoid()
    assert not sigmoid_report.passed and sigmoid_report.mistakes == {"not_implemented"}


@pytest.mark.parametrize("name", ["sigmoid", "propagate", "propagate_l2"])
def test_each_reference_solution_passes_its_one_call_check(name: str) -> None:
    check = {
        "sigmoid": exercises.check_sigmoid,
        "propagate": exercises.check_propagate,
        "propagate_l2": exercises.check_propagate_l2,
    }[name]
    report = check(exercises.solution(name))
    assert report.passed, str(report)


def test_the_references_are_the_package_functions() -> None:
    assert exercises.solution("propagate") is course.propagate
    assert exercises.solution("sigmoid") is course.sigmoid
    assert exercises.solution("optimize") is course.optimize
    with pytest.raises(
        ValueError, match="the exercises are sigmoid, initialize_with_zeros, propagate"
    ):
        exercises.solution("train")


_W, _B, _X, _Y = (
    np.array([[1.0], [2.0]]),
    2.0,
    np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]),
    np.array([[1.0, 0.0, 1.0]]),
)
# One call of each skeleton, with arguments of the shapes its docstring asks for.
SKELETON_CALLS: dict[str, tuple[Any, ...]] = {
    "sigmoid": (np.array([[0.0, 1.0]]),),
    "initialize_with_zeros": (2,),
    "propagate": (_W, _B, _X, _Y),
    "propagate_l2": (_W, _B, _X, _Y, 0.7),
    "optimize": (_W, _B, _X, _Y),
    "predict": (_W, _B, _X),
    "model": (_X, _Y, _X, _Y),
}


def test_every_exercise_has_a_call() -> None:
    assert set(SKELETON_CALLS) == set(exercises.SKELETONS)


@pytest.mark.parametrize("name", sorted(SKELETON_CALLS))
def test_each_printed_skeleton_runs_on_its_own_and_raises_not_implemented(name: str) -> None:
    """What ``print(exercises.skeleton(name))`` shows, saved as a file of its own (a fresh
    namespace, no future import: its annotations are evaluated), defines the function,
    which raises NotImplementedError until it is filled in."""
    namespace: dict[str, Any] = {}
    exec(compile(exercises.skeleton(name), f"{name}.py", "exec", dont_inherit=True), namespace)
    with pytest.raises(NotImplementedError, match="exercise: write"):
        namespace[name](*SKELETON_CALLS[name])


# What each gradient exercise asks the learner to find, in the forms a docstring could
# give it away: the skeleton states the task (shapes, what to return), not the answer.
ANSWERS = {
    "propagate": ["A - Y", "A − Y", "X dZ", "X\\, dZ", "dZ^\\top", "a - y", "a(1 - a)"],
    "propagate_l2": ["\\frac{\\lambda}{m} w", "lambd / m", "λ/m", "dw_\\lambda ="],
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_a_gradient_skeleton_states_the_task_not_the_answer(name: str) -> None:
    source = exercises.skeleton(name)
    assert "Return" in source and "(n_x, 1)" in source
    for answer in ANSWERS[name]:
        assert answer not in source, f"the {name} skeleton gives away {answer!r}"


def test_a_skeleton_filled_in_from_its_source_passes() -> None:
    source = exercises.skeleton("propagate")
    assert "\ndef propagate(w: Any, b: Any, X: Any, Y: Any)" in source
    start = source.index("    raise NotImplementedError(")
    body = """    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost
"""
    namespace: dict[str, Any] = {}
    exec(source[:start] + body, namespace)  # what a learner does in a notebook cell
    assert exercises.check_propagate(namespace["propagate"]).passed


def test_l2_mistakes_are_named() -> None:
    def forgot_penalty(w, b, X, Y, lambd):
        return course.propagate(w, b, X, Y)

    report = exercises.check_propagate_l2(without_source(forgot_penalty))
    assert report.wrong == ["dw", "cost"] and report.mistakes == {"missing_regularization"}
    traced = exercises.check_propagate_l2(forgot_penalty)  # with the source: no output model
    assert traced.wrong == ["dw", "cost"] and not traced.mistakes


def test_check_sigmoid_is_the_exercise_engines_check() -> None:
    """One sigmoid checker: the same report as check_exercise(fn, "sigmoid")."""
    wrong = lambda z: 1 / (1 + np.exp(z))  # noqa: E731 (a function without source)
    report = exercises.check_sigmoid(wrong, hints="location")
    engine = check_exercise(wrong, "sigmoid", hints="location")
    assert type(report) is ExerciseReport and report.to_dict() | {"seconds": 0} == (
        engine.to_dict() | {"seconds": 0}
    )
    assert "PASSED" in str(exercises.check_sigmoid(course.sigmoid))


@pytest.mark.parametrize("planted", [p for p in PLANTED if p.wrong][:6], ids=lambda p: p.name)
def test_the_exercise_check_gives_the_catalogue_verdict(
    planted: Planted, planted_reports: dict[str, GradientReport]
) -> None:
    """exercises.check_propagate is check_gradients: the same verdict, finding and rules as
    the shared reports (the source is traced: no output model names a mistake)."""
    report = exercises.check_propagate(planted.fn, hints="concept")
    shared = planted_reports[planted.name]
    assert report.mistakes == shared.mistakes and report.rules == shared.rules
    assert [d.line for d in report.diagnosis] == [d.line for d in shared.diagnosis]
    assert not report.mistakes & planted.mistakes - diagnosis.FACTS.keys()
    assert report.wrong == planted.wrong


@pytest.mark.parametrize("name", ["initialize_with_zeros", "optimize", "predict", "model"])
def test_the_assignments_skeletons_fail_and_their_solutions_pass(name: str) -> None:
    skeleton = check_exercise(exercises.SKELETONS[name], name)
    assert not skeleton.passed and skeleton.mistakes == {"not_implemented"}
    assert "NotImplementedError" in exercises.skeleton(name)
    assert check_exercise(exercises.solution(name), name).passed
