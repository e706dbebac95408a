"""The feedback core: one finding type and one renderer for every checker.

Every checker's report (check_gradients, check_exercise, check_sigmoid, check_derivation,
verify) is laid out as a Feedback and rendered by the core alone; a failing report never
scores full marks; every rule a report names comes with its concept text and its entry on the
documentation's page of mistakes, and that page is made from the rules' tables.
"""

from __future__ import annotations

import ast
import importlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lr
from autograd_lr import course
from autograd_lr.checking import error_model
from autograd_lr.checking.exercises import check_exercise
from autograd_lr.checking.findings import (
    HINT_LEVELS,
    MISTAKES_PAGE,
    SCHEMA_VERSION,
    Feedback,
    Finding,
    Views,
    anchor,
    render_html,
    render_text,
    to_json,
)
from autograd_lr.checking.report import GradientReport
from autograd_lr.teaching import exercises, slips, verify
from autograd_lr.teaching.derivation import check_derivation
from autograd_lr.teaching.mistakes import page as mistakes_page
from autograd_lr.teaching.mistakes import rule_table
from autograd_lr.teaching.report import DerivationReport
from catalogue import PLANTED
from derivation_corpus import CONTEXT, WRONG

PAGE = Path(__file__).resolve().parents[1] / "docs" / "mistakes.md"
JSON_KEYS = {
    "schema_version", "kind", "subject", "passed", "headline", "hints", "score", "max_score",
    "summary", "tables", "findings", "notes", "closing", "data",
}  # fmt: skip


def _outcome_and_score(report: Any) -> tuple[bool, int, int]:
    f = report.feedback()
    assert f.passed == report.passed
    return f.passed, f.score, f.max_score


def _agrees(report: Any) -> None:
    passed, score, most = _outcome_and_score(report)
    assert most >= 1
    if passed:
        assert score == most, str(report)
    else:
        assert score < most, str(report)


def test_the_page_of_mistakes_is_made_from_the_rules() -> None:
    assert PAGE.read_text(encoding="utf-8") == mistakes_page(), (
        "docs/mistakes.md differs from the rules' tables: write "
        "autograd_lr.teaching.mistakes.page() to it"
    )
    for name, rule in rule_table().items():
        assert f"({anchor(name)})=\n### `{name}`\n\n{rule.concept}\n" in mistakes_page()


def test_every_rule_a_derivation_may_name_has_an_entry() -> None:
    assert set(slips.RULE_NAMES) <= set(rule_table())


def test_a_named_cause_carries_its_concept_and_its_entry_on_the_page() -> None:
    report = check_derivation({"dz": "a - y", "dw": "dz"})
    (finding,) = report.to_json()["findings"]
    rule = error_model.ALL_BY_NAME["add_input"]
    assert finding["rules"] == ["add_input"]
    assert finding["causes"] == [
        {"name": "add_input", "concept": rule.concept, "doc": f"{MISTAKES_PAGE}#mistake-add-input"}
    ]
    assert "(mistake-add-input)=" in PAGE.read_text(encoding="utf-8")
    assert 'href="mistakes.html#mistake-add-input"' in report._repr_html_()


def test_a_gradient_reports_causes_link_to_the_page(planted_reports: dict[str, Any]) -> None:
    named = [r for r in planted_reports.values() if r.rules]
    assert named, "the catalogue's planted mistakes name no rule: the engine did not run"
    page = PAGE.read_text(encoding="utf-8")
    for report in named:
        data = report.to_json()
        for entry in (c for f in data["findings"] for c in f["causes"]):
            assert entry["concept"] == rule_table()[entry["name"]].concept
            assert f"({entry['doc'].split('#')[1]})=" in page
        assert set(report.to_dict()["causes"]) == report.rules


def _verify_report(error_jax: float) -> verify.Report:
    entry = verify.GradientEntry("dw1", 0.5, 0.5, 0.5, error_jax, 0.0)
    stage = verify.Stage("at the start", math.log(2), [entry], error_jax, 0.0)
    return verify.Report(
        [stage, stage], 0.3, 90.0, 85.0, 10, 0.5, 0.01,
        train_correct=9, m_train=10, test_correct=8, m_test=10,
    )  # fmt: skip


def _reports() -> list[Any]:
    def sign_flipped(w, b, X, Y):  # type: ignore[no-untyped-def]
        grads, cost = course.propagate(w, b, X, Y)
        return {"dw": -grads["dw"], "db": -grads["db"]}, cost

    from autograd_lr import check_gradients

    return [
        check_gradients(course.propagate),
        check_gradients(sign_flipped, search_budget=0.0),
        check_exercise(course.predict, "predict"),
        exercises.check_sigmoid(course.sigmoid),
        exercises.check_sigmoid(lambda z: 1 / (1 + np.exp(z))),
        check_exercise(lambda w, b, X: np.zeros((1, X.shape[1])), "predict", search_budget=0.0),
        check_derivation(CONTEXT),
        check_derivation({"dz": "y - a"}),
        _verify_report(0.0),
        _verify_report(0.5),
    ]


@pytest.fixture(scope="module")
def reports() -> list[Any]:
    return _reports()


def test_every_checker_renders_through_the_core(reports: list[Any]) -> None:
    kinds = set()
    for report in reports:
        f = report.feedback()
        assert isinstance(f, Feedback) and all(isinstance(x, Finding) for x in f.findings)
        assert str(report) == render_text(f)
        assert report._repr_html_() == render_html(f)
        data = json.loads(json.dumps(report.to_json(), allow_nan=False))
        assert data == json.loads(json.dumps(to_json(f), allow_nan=False))
        assert set(data) == JSON_KEYS and data["schema_version"] == SCHEMA_VERSION
        assert data["passed"] is report.passed
        kinds.add(data["kind"])
    assert kinds == {"gradients", "exercise", "derivation", "verify"}


VIEWS = f"{Views.__module__}.{Views.__qualname__}"


def _report_types() -> dict[str, type]:
    """Every class of the package that lays itself out as a Feedback (defines ``feedback``),
    by its dotted name; none may write out a view of its own."""
    package = Path(autograd_lr.__file__).parent
    found: dict[str, type] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        for node in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            methods = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
            if "feedback" not in methods or f"{module}.{node.name}" == VIEWS:
                continue
            assert not methods & {"__str__", "_repr_html_", "to_json"}, (
                f"{module}.{node.name} writes out a view: their one home is findings.Views"
            )
            found[f"{module}.{node.name}"] = getattr(importlib.import_module(module), node.name)
    return found


def test_every_report_type_takes_its_three_views_from_the_one_mixin(reports: list[Any]) -> None:
    """Each report type inherits str, _repr_html_ and to_json from findings.Views (none
    writes its own), and the reports above, whose views are compared with their feedback,
    cover every type."""
    types = _report_types()
    assert len(types) >= 3, sorted(types)  # gradients, derivation, verify at least
    covered = {cls for r in reports for cls in type(r).__mro__}
    for name, cls in types.items():
        assert issubclass(cls, Views), f"{name} does not take its views from findings.Views"
        assert cls in covered, f"no report of type {name} is checked against its feedback"
        for view in ("__str__", "_repr_html_", "to_json"):
            assert getattr(cls, view) is getattr(Views, view), f"{name}.{view} is its own"


def test_a_report_without_a_layout_says_so() -> None:
    with pytest.raises(NotImplementedError, match="must lay itself out as a Feedback"):
        str(Views())


def test_scores_and_outcomes_never_disagree_on_every_checker(reports: list[Any]) -> None:
    assert {r.passed for r in reports} == {True, False}
    for report in reports:
        _agrees(report)


def test_a_failure_with_every_value_right_scores_below_full_marks() -> None:
    """It changes its inputs in place: every quantity agrees, the report fails, the score
    is not full."""
    from autograd_lr import check_gradients

    def modifies(w, b, X, Y):  # type: ignore[no-untyped-def]
        out = course.propagate(w, b, X, Y)
        X[...] = 0.0  # after the values are computed: they stay right
        return out

    report = check_gradients(modifies, search_budget=0.0)
    assert not report.passed and not report.wrong
    _agrees(report)


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.name)
def test_no_planted_mistake_scores_full_marks(
    planted: Any, planted_reports: dict[str, Any]
) -> None:
    report: GradientReport = planted_reports[planted.name]
    assert not report.passed
    _agrees(report)


@pytest.mark.parametrize("form", WRONG[:40], ids=lambda f: f"{f.step}:{f.text}")
def test_no_wrong_derivation_step_scores_full_marks(form: Any) -> None:
    report: DerivationReport = check_derivation({**CONTEXT, form.step: form.text})
    assert not report.passed
    _agrees(report)


@pytest.mark.parametrize("level", HINT_LEVELS)
def test_a_hint_level_shows_the_fix_only_at_fix(level: str) -> None:
    report = check_derivation({"dz": "a - y", "dw": "dz"}, hints=level)
    text, data = str(report), report.to_json()
    assert ("fix: dw = x*(a - y)" in text) == (level == "fix")
    assert bool(data["findings"][0]["fix"]) == (level == "fix")
    assert ("dw" in data["findings"][0]["quantities"]) == (level != "concept")


def test_the_graders_score_agrees_with_its_outcome_on_a_class(tmp_path: Path) -> None:
    """Every outcome of the grader (pass, fail, a contract broken with right values,
    cannot load, a timeout): a failing submission never earns the full score."""
    from autograd_lr.grading import submissions
    from autograd_lr.grading.grader import Grader, Options
    from autograd_lr.grading.sandbox import Limits

    folder = Path(__file__).parent / "submissions" / "class"
    files = sorted(folder.glob("*.py"))
    (tmp_path / "contract.py").write_text(
        "import numpy as np\n\n\ndef propagate(w, b, X, Y):\n"
        "    m = X.shape[1]\n    A = 1 / (1 + np.exp(-(w.T @ X + b)))\n"
        "    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), keepdims=True) / m\n"
        "    return {'dw': X @ (A - Y).T / m, 'db': np.sum(A - Y) / m}, cost\n"
    )
    (tmp_path / "broken.py").write_text("def propagate(w, b, X, Y:\n")
    (tmp_path / "slow.py").write_text("def propagate(w, b, X, Y):\n    while True:\n        pass\n")
    grader = Grader(Options(limits=Limits(timeout=5.0), search_seconds=0.0))
    outcomes = set()
    for path in [*files, *sorted(tmp_path.glob("*.py"))]:
        report = grader.grade(submissions.Submission(path, "propagate")).to_dict()
        outcomes.add(report["outcome"])
        if report["passed"]:
            assert report["score"] == report["max_score"], path.name
        else:
            assert report["score"] < report["max_score"], path.name
    assert {"pass", "fail", "cannot_load", "timeout"} <= outcomes
