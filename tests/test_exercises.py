"""Exercises: skeletons report "not implemented", the package's own code passes, mistakes are named."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lr import course
from autograd_lr.checking.report import GradientReport
from autograd_lr.teaching import exercises
from catalogue import PLANTED, SIGMOID_PLANTED, Planted


def test_the_unfilled_skeletons_fail_saying_not_implemented() -> None:
    report = exercises.check_propagate()
    assert not report.passed and "not_implemented" in report.mistakes
    report_l2 = exercises.check_propagate_l2()
    assert not report_l2.passed and "not_implemented" in report_l2.mistakes
    sigmoid_report = exercises.check_sigmoid()
    assert not sigmoid_report.passed and "not implemented" in sigmoid_report.diagnosis


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


def test_a_skeleton_filled_in_from_its_source_passes() -> None:
    source = exercises.skeleton("propagate")
    assert source.startswith("def propagate(w: Any, b: Any, X: Any, Y: Any)")
    start = source.index("    raise NotImplementedError(")
    body = """    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost
"""
    namespace: dict[str, Any] = {"np": np, "Any": Any}
    exec(source[:start] + body, namespace)  # what a learner does in a notebook cell
    assert exercises.check_propagate(namespace["propagate"]).passed


def test_l2_mistakes_are_named() -> None:
    def forgot_penalty(w, b, X, Y, lambd):
        return course.propagate(w, b, X, Y)

    report = exercises.check_propagate_l2(forgot_penalty)
    assert report.wrong == ["dw", "cost"] and report.mistakes == {"missing_regularization"}


@pytest.mark.parametrize(
    ("fn", "phrase"),
    [
        (lambda z: 1 / (1 + np.exp(z)), "sign of the exponent"),
        (lambda z: np.exp(z), "'1 +' is missing"),
        (lambda z: float(1 / (1 + np.exp(-np.sum(z)))), "shape"),
    ],
    ids=["exponent sign", "no 1 +", "shape lost"],
)
def test_sigmoid_mistakes_are_named(fn: Any, phrase: str) -> None:
    report = exercises.check_sigmoid(fn)
    assert not report.passed
    assert phrase in str(report)


def test_a_float32_sigmoid_fails() -> None:
    report = exercises.check_sigmoid(lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=np.float32))))
    assert not report.passed


def test_sigmoid_report_views() -> None:
    report = exercises.check_sigmoid(course.sigmoid)
    assert "PASSED" in str(report) and "<table>" in report._repr_html_()


@pytest.mark.parametrize("code", sorted(SIGMOID_PLANTED))
def test_each_planted_sigmoid_mistake_is_named_and_only_it(code: str) -> None:
    report = exercises.check_sigmoid(SIGMOID_PLANTED[code])
    assert not report.passed and report.mistake == code, str(report)
    assert report.fix and report.concept
    concept = exercises.check_sigmoid(SIGMOID_PLANTED[code], hints="concept")
    text = str(concept) + concept._repr_html_()
    assert report.concept in str(concept) and report.fix not in text and "fix:" not in text


def test_math_exp_is_not_mistaken_for_a_flipped_exponent() -> None:
    """At z = 0 (the only case math.exp can compute) σ(−z) = σ(z): no model is told apart there."""
    report = exercises.check_sigmoid(SIGMOID_PLANTED["math_exp"])
    assert report.mistake == "math_exp" and "np.exp" in report.fix
    assert "sign of the exponent" not in str(report)


@pytest.mark.parametrize("planted", [p for p in PLANTED if p.wrong][:6], ids=lambda p: p.name)
def test_the_exercise_check_gives_the_catalogue_verdict(
    planted: Planted, planted_reports: dict[str, GradientReport]
) -> None:
    """exercises.check_propagate is check_gradients: the same verdict as the shared reports."""
    report = exercises.check_propagate(planted.fn, hints="concept")
    assert report.mistakes == planted_reports[planted.name].mistakes == planted.mistakes
    assert report.wrong == planted.wrong


@pytest.mark.parametrize("name", ["initialize_with_zeros", "optimize", "predict", "model"])
def test_the_assignments_skeletons_fail_and_their_solutions_pass(name: str) -> None:
    from autograd_lr import check_exercise

    skeleton = check_exercise(exercises.SKELETONS[name], name)
    assert not skeleton.passed and skeleton.mistakes == {"not_implemented"}
    assert "NotImplementedError" in exercises.skeleton(name)
    assert check_exercise(exercises.solution(name), name).passed
