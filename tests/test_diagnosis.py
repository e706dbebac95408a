"""Planted mistakes: each must be caught, in the right quantity, with the right diagnosis.

Every function below is a learner's ``propagate`` with one mistake (or a combination)
planted, written the way a learner writes it, and checked with no source
(:func:`catalogue.without_source`): the checker sees the outputs only, and names the
mistake we planted by the model of a wrong output that reproduces them on every problem.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd_lr import course
from autograd_lr.checking import check, diagnosis
from autograd_lr.checking.check import check_gradients
from autograd_lr.checking.compare import compare
from autograd_lr.checking.diagnosis import values
from autograd_lr.checking.report import GradientReport
from autograd_lr.tolerances import relative_error
from catalogue import PLANTED, Planted, _out, _parts, without_source


def _explained(report: GradientReport) -> list[Any]:
    """The diagnoses that name a mistake from the outputs."""
    return [d for d in report.diagnosis if d.mistakes]


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.name)
def test_planted_mistake_is_caught_and_named(
    planted: Planted, planted_output_reports: dict[str, GradientReport]
) -> None:
    report = planted_output_reports[planted.name]
    assert not report.passed
    assert report.wrong == planted.wrong
    assert report.mistakes == planted.mistakes, str(report)
    text = str(report)
    assert "FAILED" in text and "Diagnosis" in text
    for phrase in planted.says:
        assert phrase in text, (phrase, text)
    for d in report.diagnosis:
        assert d.message and d.concept and d.location, d
        # a cause comes with its fix: a model that reproduces the outputs
        if not set(d.mistakes) <= diagnosis.FACTS.keys() | {"unclassified"}:
            assert math.isfinite(d.match) and d.fix, d


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.name)
def test_the_concept_hint_carries_no_code_of_the_fix(
    planted: Planted, planted_output_reports: dict[str, GradientReport]
) -> None:
    """hints="concept": what and why in the lecture's words; no line of the fix, no fix field."""
    report = planted_output_reports[planted.name]
    for d in report.diagnosis:
        concept = d.render("concept")
        assert "fix:" not in concept and d.to_dict("concept")["fix"] == ""
        for line in d.fix.split(";") if d.fix else []:
            code = line.split("(")[0].strip() if "=" in line else line.strip()
            assert code not in concept, (code, concept)
        location, fix = d.render("location"), d.render("fix")
        if d.fix:
            assert d.fix not in location and d.fix in fix


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.name)
def test_no_fix_repeats_a_line_the_learner_wrote(
    planted: Planted, planted_output_reports: dict[str, GradientReport]
) -> None:
    written = {"".join(line.split()) for line in inspect.getsource(planted.fn).splitlines()}
    for d in planted_output_reports[planted.name].diagnosis:
        for part in d.fix.split(";"):
            assert "".join(part.split()) not in written, (part, planted.name)


def test_a_fix_the_learner_already_wrote_points_at_the_step_before_it() -> None:
    from autograd_lr.checking.types import Diagnosis

    d = Diagnosis(("dw",), ("x",), "what", "dw = np.dot(X, dZ.T) / m", location="dZ = A - Y.")
    source = "def f(w, b, X, Y):\n    dw = np.dot(X, dZ.T)/m\n"
    kept = diagnosis.not_repeating(d, source)
    assert "np.dot(X, dZ.T) / m is right as written" in kept.fix
    assert diagnosis.not_repeating(d, "") is d


def test_at_least_twelve_distinct_mistakes_are_planted() -> None:
    assert len({frozenset(p.mistakes) for p in PLANTED}) >= 12


def test_a_mistake_in_dZ_is_said_once_for_dw_and_db(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    report = planted_output_reports["sign_flipped"]
    assert [d.quantities for d in _explained(report)] == [("dw", "db")]
    assert "dw and db" in _explained(report)[0].message
    assert _explained(report)[0].fix == "dZ = A - Y"


def test_missing_1_over_m_shows_the_ratio_m(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    report = planted_output_reports["missing_1_over_m"]
    (d,) = _explained(report)
    assert "yours / expected = 97 on larger (n_x = 40, m = 97)" in d.evidence
    assert d.fix == "dw = np.dot(X, dZ.T) / m"


def test_spurious_regularization_reports_the_fitted_lambda(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    report = planted_output_reports["spurious_regularization"]
    (d,) = _explained(report)
    assert "λ' = 0.1" in d.message


def test_one_entry_wrong_names_the_entry_and_the_loop(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    report = planted_output_reports["last_feature_skipped"]
    (d,) = _explained(report)
    assert "dw[4] on n_x ≠ m (n_x = 5, m = 7)" in d.message
    assert "always the last feature" in d.message and "exactly 0" in d.message
    assert not d.fix  # where and what: no model reproduces the whole dw


def test_transposed_dw_says_its_values_are_right(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    report = planted_output_reports["dw_transposed"]
    (d,) = _explained(report)
    assert "(1, 5)" in d.message and "values are right" in d.message


def test_forgot_to_sum_says_the_mean_is_right(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    report = planted_output_reports["cost_not_averaged"]
    (d,) = _explained(report)
    assert "mean over the examples is right" in d.message


def test_an_unclassified_mistake_still_fails_with_the_entry_table() -> None:
    def cubed(w, b, X, Y):
        m, A, cost = _parts(w, b, X, Y)
        dZ = (A - Y) ** 3
        return _out(np.dot(X, dZ.T) / m, np.sum(A - Y) / m, cost)

    report = check_gradients(without_source(cubed))
    assert report.wrong == ["dw"]
    assert report.mistakes == {"unclassified"}
    assert "Worst entries of dw" in str(report)
    assert len(report.rows["dw"].entries) == check.WORST_ENTRIES


# --- L2: the regularization family, against the regularized cost ---


def l2_missing(w, b, X, Y, lambd):
    return course.propagate(w, b, X, Y)


def l2_half(w, b, X, Y, lambd):
    m = X.shape[1]
    grads, cost = course.propagate(w, b, X, Y)
    cost = cost + lambd / (2 * m) * np.sum(w * w)
    return {"dw": grads["dw"] + lambd / (2 * m) * w, "db": grads["db"]}, cost


def l2_not_divided_by_m(w, b, X, Y, lambd):
    m = X.shape[1]
    grads, cost = course.propagate(w, b, X, Y)
    cost = cost + lambd / (2 * m) * np.sum(w * w)
    return {"dw": grads["dw"] + lambd * w, "db": grads["db"]}, cost


@pytest.mark.parametrize(
    ("fn", "wrong", "mistakes"),
    [
        (l2_missing, ["dw", "cost"], {"missing_regularization"}),
        (l2_half, ["dw"], {"wrong_regularization_strength"}),
        (l2_not_divided_by_m, ["dw"], {"wrong_regularization_strength"}),
    ],
    ids=["missing", "half", "not_divided_by_m"],
)
def test_regularization_mistakes(
    fn: Callable[..., Any], wrong: list[str], mistakes: set[str]
) -> None:
    report = check_gradients(without_source(fn), lambd=0.7)
    assert report.wrong == wrong
    assert report.mistakes == mistakes, str(report)


def test_half_lambda_is_explained_by_the_derivative_of_the_square() -> None:
    report = check_gradients(without_source(l2_half), lambd=0.7)
    (d,) = _explained(report)
    assert "λ' = 0.35" in d.message and "cancels the ½" in d.message


# --- the models themselves ---


def _contexts() -> list[Any]:
    prepared = check.prepare()
    calls = [check.call(course.propagate, p) for p in prepared.problems]
    return [values.Context(compare(c, o), o) for c, o in zip(calls, prepared.oracles, strict=True)]


@pytest.mark.parametrize("quantity", ["dw", "db", "cost"])
def test_every_two_models_are_told_apart_by_the_default_problems(quantity: str) -> None:
    """The diagnosis is unambiguous: two different models differ by ≥ 1e-2 somewhere."""
    contexts = _contexts()
    models = [c for c in values._candidates(quantity) if not c.reg and c.complexity <= 2]
    found = []
    for c in models:
        per_problem = [values._predict(ctx, c, quantity) for ctx in contexts]
        if all(v is not None for v in per_problem):
            found.append((c, per_problem))
    assert len(found) > 20
    for i, (c1, v1) in enumerate(found):
        for c2, v2 in found[i + 1 :]:
            gap = max(
                relative_error(a, b, ctx.floor[quantity])
                for a, b, ctx in zip(v1, v2, contexts, strict=True)
            )
            assert gap >= 1e-2, (c1, c2, gap)


def test_models_of_wrong_answers_match_their_numpy_form(
    planted_output_reports: dict[str, GradientReport],
) -> None:
    """Each jax-built model equals the mistaken numpy formula it stands for, to rounding."""
    matched = 0
    for planted in PLANTED:
        if planted.mistakes & {"float32", "epsilon_in_log"}:
            continue  # a rounding and a fitted ε, not jax-built models
        for d in planted_output_reports[planted.name].diagnosis:
            if not np.isnan(d.match):
                assert d.match <= 1e-13, d
                matched += 1
    assert matched >= 17


def test_a_wrong_signature_is_named_with_the_call_the_checker_makes() -> None:
    def propagate(w, b, X):  # type: ignore[no-untyped-def]  # forgot Y
        raise AssertionError("never reached: the call itself fails")

    report = check_gradients(propagate)
    assert not report.passed
    assert {"exception", "wrong_signature"} <= report.mistakes
    text = str(report)
    assert "propagate(w, b, X)" in text and "called as fn(w, b, X, Y)" in text
    assert "in call" not in text  # never points at the checker's own line


def test_a_type_error_inside_the_function_is_not_a_signature_problem() -> None:
    def propagate(w, b, X, Y):  # type: ignore[no-untyped-def]
        return len(3)  # a TypeError raised by the learner's own line

    report = check_gradients(propagate)
    assert "exception" in report.mistakes and "wrong_signature" not in report.mistakes


def test_a_report_that_compared_nothing_says_so() -> None:
    def propagate(w, b, X, Y):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    summary = str(check_gradients(propagate)).splitlines()[1]
    assert "nothing compared" in summary and "jax.grad" not in summary


def test_every_name_a_report_gives_is_documented_on_the_page(
    planted_output_reports: dict[str, GradientReport],
    planted_reports: dict[str, GradientReport],
) -> None:
    """A traced source gets the facts only; code without a source the facts and the output
    models' names; the page of mistakes lists both (docs/mistakes.md, made from these)."""
    from autograd_lr.teaching.mistakes import page

    facts, outputs = diagnosis.FACTS.keys(), diagnosis.OUTPUT_NAMES.keys()
    traced = {c for r in planted_reports.values() for c in r.mistakes}
    untraced = {c for r in planted_output_reports.values() for c in r.mistakes}
    assert traced <= facts, traced - facts
    assert untraced <= facts | outputs and untraced - facts, untraced - facts - outputs
    for name in facts | outputs:
        assert f"- `{name}`: " in page()
