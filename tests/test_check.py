"""check_gradients: every correct implementation passes; broken code gives a report, never a crash."""

from __future__ import annotations

import json
import math
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_lr
from autograd_lr import course, forward, gradients, oracles
from autograd_lr.checking import check
from autograd_lr.checking.check import (
    COST_RTOL,
    GRADIENT_RTOL,
    check_gradients,
    default_problems,
)
from autograd_lr.problems import make_problem
from autograd_lr.tolerances import FINITE_DIFFERENCE_RTOL
from catalogue import CORRECT, dw_db_only, without_source


@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_every_correct_implementation_passes(
    fn: Any, correct_reports: dict[str, check.GradientReport]
) -> None:
    report = correct_reports[fn.__name__]
    assert report.passed, str(report)
    assert report.wrong == [] and report.diagnosis == []
    assert report.rows["dw"].error <= GRADIENT_RTOL and report.rows["db"].error <= GRADIENT_RTOL
    assert "PASSED" in str(report)


def test_correct_forms_sit_far_below_the_thresholds(
    correct_reports: dict[str, check.GradientReport],
) -> None:
    """The thresholds' headroom: every correct form is ≥ 100x below them (measured)."""
    worst = {"dw": 0.0, "db": 0.0, "cost": 0.0}
    for report in correct_reports.values():
        for name in worst:
            if report.rows[name].status == "ok":
                worst[name] = max(worst[name], report.rows[name].error)
    assert worst["dw"] <= GRADIENT_RTOL / 100 and worst["db"] <= GRADIENT_RTOL / 100
    assert worst["cost"] <= COST_RTOL / 100
    assert worst["cost"] > 0.0  # the check is not vacuous: forms do differ by rounding


def test_check_gradients_is_exported_at_the_top_level() -> None:
    assert autograd_lr.check_gradients is check_gradients


def test_a_1e5_relative_error_in_one_quantity_is_caught() -> None:
    for name in ("dw", "db", "cost"):

        def off(w, b, X, Y, name=name):
            grads, cost = course.propagate(w, b, X, Y)
            if name == "cost":
                return grads, cost * (1 + 1e-5)
            grads[name] = grads[name] * (1 + 1e-5)
            return grads, cost

        report = check_gradients(off)
        assert report.wrong == [name]


def test_the_oracles_agreement_is_reported_and_tight() -> None:
    report = check_gradients(course.propagate)
    for row in report.rows.values():
        assert 0.0 <= row.agreement <= FINITE_DIFFERENCE_RTOL
    assert report.oracle_agreement <= FINITE_DIFFERENCE_RTOL
    assert "oracles agree to" in str(report)


def test_default_problems_cover_the_hiding_places() -> None:
    problems = default_problems(seed=0)
    assert any(p.n_x != p.m and p.m > 1 for p in problems)
    assert any(p.m == 1 for p in problems)
    assert any(np.all(p.Y == 1) for p in problems) and any(np.all(p.Y == 0) for p in problems)
    saturated = max(float(np.max(np.abs(p.w.T @ p.X + p.b))) for p in problems)
    assert saturated == pytest.approx(10.0)
    assert max(p.m for p in problems) >= 97 and max(p.n_x for p in problems) >= 40
    again = default_problems(seed=0)
    assert all(np.array_equal(p.X, q.X) for p, q in zip(problems, again, strict=True))


# --- robustness against the code it checks ---


def test_an_exception_gives_a_failed_report_with_type_message_and_line() -> None:
    def crashes_on_one_example(w, b, X, Y):
        m = X.shape[1]
        scale = 1 / (m - 1)  # wrong anyway, and a ZeroDivisionError when m = 1
        grads, cost = course.propagate(w, b, X, Y)
        return {"dw": grads["dw"] * scale * (m - 1), "db": grads["db"]}, cost

    report = check_gradients(crashes_on_one_example)
    assert not report.passed
    assert "exception" in report.mistakes
    (d,) = [d for d in report.diagnosis if "exception" in d.mistakes]
    assert "ZeroDivisionError: division by zero" in d.message
    assert "scale = 1 / (m - 1)" in d.message and "1 of 6 problems" in d.message
    assert report.rows["dw"].status == "not run"
    assert "raised ZeroDivisionError" in str(report)


def test_a_shape_error_inside_fn_is_located_with_its_operands_shapes() -> None:
    def without_transpose(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
        dZ = A - Y
        return {"dw": np.dot(X.T, dZ.T) / m, "db": np.sum(dZ) / m}, 0.0

    report = check_gradients(without_transpose)
    assert not report.passed
    assert report.mistakes == {"exception", "shape_mismatch"}
    engine, fact = report.diagnosis
    # where and what, by the trace: no repair passes (the cost 0.0 is wrong too)
    assert engine.line == without_transpose.__code__.co_firstlineno + 4 and not engine.rules
    assert "X.T is (7, 5) and dZ.T is (7, 1)" in engine.message and not engine.fix
    # the fact: it raised, there; no guessed transpose as its fix
    assert "np.dot(X.T, dZ.T)" in fact.message and "transpose" not in fact.fix


def test_system_exit_inside_fn_is_a_failure_not_an_exit() -> None:
    def leaves(w, b, X, Y):
        sys.exit(0)

    report = check_gradients(leaves)
    assert not report.passed and "SystemExit" in str(report)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_outputs_fail(bad: float) -> None:
    def poisoned(w, b, X, Y):
        grads, cost = course.propagate(w, b, X, Y)
        dw = grads["dw"].copy()
        dw[0, 0] = bad
        return {"dw": dw, "db": grads["db"]}, cost

    report = check_gradients(poisoned)
    assert report.wrong == ["dw"]
    assert report.mistakes == {"non_finite"}


def test_a_nan_cost_names_the_log_warning_and_guesses_no_cause() -> None:
    def log_of_z(w, b, X, Y):
        grads, _ = course.propagate(w, b, X, Y)
        Z = w.T @ X + b
        return grads, -np.mean(Y * np.log(Z) + (1 - Y) * np.log(1 - Z))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks out of the check
        report = check_gradients(log_of_z)
    assert report.wrong == ["cost"]
    (d,) = [d for d in report.diagnosis if d.mistakes]
    assert d.mistakes == ("non_finite",) and "invalid value encountered in log" in d.message
    assert not d.fix and "rounds to" not in d.concept + d.message  # a fact, not a cause


@pytest.mark.parametrize(
    ("reshape", "code"),
    [(lambda dw: dw.ravel(), "dw_flattened"), (lambda dw: dw.T, "dw_transposed")],
    ids=["(n_x,)", "(1, n_x)"],
)
def test_wrong_shapes_fail_with_a_shape_hint(reshape: Any, code: str) -> None:
    def shaped(w, b, X, Y):
        grads, cost = course.propagate(w, b, X, Y)
        return {"dw": reshape(grads["dw"]), "db": grads["db"]}, cost

    report = check_gradients(without_source(shaped))
    assert report.wrong == ["dw"] and report.mistakes == {code}
    assert "(5, 1)" in next(d for d in report.diagnosis if d.mistakes).message
    traced = check_gradients(shaped)  # with the source: the shape is a fact, no model runs
    assert traced.wrong == ["dw"] and traced.mistakes == {"wrong_shape"}


def test_in_place_modification_of_the_inputs_is_reported() -> None:
    def updates_w_in_place(w, b, X, Y):
        grads, cost = course.propagate(w, b, X, Y)
        w -= 0.01 * grads["dw"]  # a gradient step inside propagate
        return grads, cost

    report = check_gradients(updates_w_in_place)
    assert not report.passed
    assert report.wrong == []  # the values are right; the side effect is the failure
    assert report.mistakes == {"modified_inputs"}
    fact = next(d for d in report.diagnosis if d.mistakes)
    assert "changed w in place" in fact.message
    # about w, and no guess at how it was changed (that is the verified repair's to say)
    assert "w.copy()" in fact.fix and "255" not in fact.fix and "-=" not in fact.fix
    assert "modifies w in place" in report.headline()


def test_in_place_modification_of_X_is_named() -> None:
    def scales_X(w, b, X, Y):
        X /= 1.5
        return course.propagate(w, b, X * 1.5, Y)

    report = check_gradients(scales_X)
    assert "X" in report.to_dict()["modified_inputs"]


@pytest.mark.parametrize(
    ("returned", "phrase"),
    [
        (lambda g, c: ({"dW": g["dw"], "db": g["db"]}, c), "case-sensitive"),
        (lambda g, c: g, "returned a dict"),
        (lambda g, c: (g, c, 0), "of length 3"),
        (lambda g, c: ({"dw": "no", "db": g["db"]}, c), "not an array of numbers"),
    ],
    ids=["dW", "grads only", "three values", "text"],
)
def test_a_return_value_outside_the_contract_is_explained(returned: Any, phrase: str) -> None:
    def fn(w, b, X, Y):
        return returned(*course.propagate(w, b, X, Y))

    report = check_gradients(fn)
    assert not report.passed
    assert "bad_return" in report.mistakes
    assert phrase in str(report)


def test_dw_db_only_is_accepted_and_says_the_cost_was_not_checked() -> None:
    report = check_gradients(dw_db_only)
    assert report.passed
    assert report.rows["cost"].status == "not returned"
    assert any("cost was not checked" in n for n in report.notes)


def test_float32_results_say_the_check_is_in_float64() -> None:
    def in_float32(w, b, X, Y):
        grads, cost = course.propagate(w.astype(np.float32), b, X.astype(np.float32), Y)
        return grads, np.float32(cost)

    report = check_gradients(in_float32)
    assert not report.passed
    assert any("the check is made in float64" in n for n in report.notes)
    assert "float32" not in report.mistakes  # a note, not a cause, beside the traced source
    outputs_only = check_gradients(without_source(in_float32))
    # the cost came back in float32, and float32 rounding reproduces it; dw and db came
    # back in float64, close to right, and no model reproduces them: where and what
    assert outputs_only.mistakes == {"float32", "unclassified"}


def test_warnings_from_fn_are_recorded_not_raised() -> None:
    def chatty(w, b, X, Y):
        warnings.warn("learner's debug warning", UserWarning, stacklevel=1)
        return course.propagate(w, b, X, Y)

    report = check_gradients(chatty)
    assert report.passed
    assert any("learner's debug warning" in n for n in report.notes)


def test_fn_must_be_callable() -> None:
    with pytest.raises(ValueError, match="must be a function"):
        check_gradients("propagate")  # type: ignore[arg-type]


# --- problems, λ, views ---


def test_own_problems_as_tuples_are_validated() -> None:
    p = make_problem(3, 4, seed=9)
    report = check_gradients(course.propagate, problems=[(p.w, p.b, p.X, p.Y)])
    assert report.passed and len(report.checks) == 1
    with pytest.raises(ValueError, match=r"shape \(n_x, 1\)"):
        check_gradients(course.propagate, problems=[(p.w.ravel(), p.b, p.X, p.Y)])
    with pytest.raises(ValueError, match="empty"):
        check_gradients(course.propagate, problems=[])


def test_lambd_checks_the_regularized_cost() -> None:
    def l2(w, b, X, Y, lambd):
        grads, J = gradients.gradients_vectorized(w, b, X, Y, lambd)
        return {"dw": grads["dw"], "db": float(grads["db"])}, float(J)

    assert check_gradients(l2, lambd=0.7).passed
    assert check_gradients(l2, lambd=0.0).passed
    with pytest.raises(ValueError, match="lambd"):
        check_gradients(l2, lambd=-1.0)


def test_inconclusive_when_the_oracles_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    """A numerical artefact (planted here in the finite differences) is never blamed."""
    true_fd = oracles.finite_difference_gradients

    def bad_fd(*args: Any, **kwargs: Any) -> Any:
        g = true_fd(*args, **kwargs)
        return {"dw": g["dw"] * 1.01, "db": g["db"]}

    monkeypatch.setattr(oracles, "finite_difference_gradients", bad_fd)
    assert check_gradients(course.propagate).passed  # agreeing with jax.grad is enough
    report = check_gradients(
        lambda w, b, X, Y: ({"dw": 2 * course.propagate(w, b, X, Y)[0]["dw"], "db": 0.0}, 0.0)
    )
    assert "dw" not in report.wrong and "dw" in report.inconclusive
    assert not report.passed and "no verdict on dw" in report.headline()


def test_full_mode_on_many_features_compares_the_oracles_along_directions() -> None:
    p = make_problem(check.FD_PER_COORDINATE_MAX_N_X + 100, 20, seed=3)
    report = check_gradients(course.propagate, problems=[p], fast=False)
    assert report.passed and report.mode == "full"
    assert report.rows["dw"].agreement <= FINITE_DIFFERENCE_RTOL


def test_views_text_html_and_json(
    planted_output_reports: dict[str, check.GradientReport],
) -> None:
    report = planted_output_reports["sign_flipped"]
    text = str(report)
    assert text.startswith("sign_flipped: FAILED: dw and db are wrong")
    assert "Worst entries of dw" in text and "fix: dZ = A - Y" in text
    page = report._repr_html_()
    assert page.count("<table>") >= 2 and "dZ = A - Y" in page and "<script" not in page
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["passed"] is False and data["wrong"] == ["dw", "db"]
    assert data["mistakes"] == ["sign_flipped"]
    assert data["diagnosis"][0]["quantities"] == ["dw", "db"]
    assert math.isclose(data["quantities"]["db"]["threshold"], GRADIENT_RTOL)
    entry = data["quantities"]["dw"]["worst_entries"][0]
    assert entry["yours"] == pytest.approx(-entry["expected"], rel=1e-12)
    assert len(data["problems"]) == 6


def test_html_escapes_what_the_learner_controls() -> None:
    def named(w, b, X, Y):
        raise ValueError("<script>alert(1)</script>")

    report = check_gradients(named, name="<b>mine</b>")
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>mine" not in page


def _imports(module: Any) -> set[str]:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_checker_derives_nothing_by_hand() -> None:
    """Independence rule 4 (docs/layout.md): the checker, its diagnosis and the grader never import gradients."""
    from autograd_lr.checking import diagnosis
    from autograd_lr.grading import grader

    for module in (check, diagnosis, grader):
        assert "autograd_lr.gradients" not in _imports(module), module.__name__


def test_the_grader_child_imports_only_the_standard_library_and_numpy() -> None:
    """child.py is what runs as the submission's process: no autograd_lr at module level."""
    import ast
    import inspect

    from autograd_lr.grading import child

    tree = ast.parse(inspect.getsource(child))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in top if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(name.startswith("autograd_lr") for name in names)
    assert names - {"numpy"} <= set(sys.stdlib_module_names) | {"__future__"}


# --- prepared once, judged without jax (the grader's way) ---


def _sign_flipped(w, b, X, Y):
    m = X.shape[1]
    A = forward.sigmoid(np.dot(w.T, X) + b)
    dZ = Y - A
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, forward.cost(w, b, X, Y)


def test_a_prepared_check_judges_calls_without_running_an_oracle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After prepare(), judging (verdict and diagnosis) calls no oracle and compiles nothing."""
    prepared = check.prepare(seed=3)
    right = [check.call(course.propagate, p) for p in prepared.problems]
    wrong = [check.call(_sign_flipped, p) for p in prepared.problems]
    lazily = check.report(wrong, function="sign_flipped", seed=3).to_dict()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an oracle ran after prepare()")

    for name in ("jax_values_and_gradients", "finite_difference_gradients", "richardson_along"):
        monkeypatch.setattr(oracles, name, refuse)
    passed = prepared.report(right, function="propagate")
    failed = prepared.report(wrong, function="sign_flipped")
    assert passed.passed and passed.rows["dw"].error <= GRADIENT_RTOL
    assert not failed.passed and failed.mistakes == {"sign_flipped"}
    assert failed.to_dict() | {"seconds": 0} == lazily | {"seconds": 0}


def test_prepared_refuses_calls_that_do_not_match_its_problems() -> None:
    prepared = check.prepare(eager=False)
    with pytest.raises(ValueError, match="2 calls for 6 prepared problems"):
        prepared.report(
            [check.call(course.propagate, p) for p in prepared.problems[:2]], function="f"
        )


def test_a_wrong_signature_travels_as_fields() -> None:
    def three(w, b, X):
        return {"dw": w, "db": b}, 0.0

    c = check.call(three, default_problems()[0])
    assert c.wrong_signature and c.called_as == "fn(w, b, X, Y)"
    assert c.signature == "three(w, b, X)"
    c_l2 = check.call(course.propagate, default_problems()[0], lambd=0.5)
    assert c_l2.wrong_signature and c_l2.called_as == "fn(w, b, X, Y, lambd)"
    data = check.report([c], function="three").to_dict()
    assert data["wrong_signature"] == {"signature": "three(w, b, X)", "called_as": "fn(w, b, X, Y)"}
    assert "wrong_signature" in data["mistakes"]
    assert check.report([c_l2], function="p", lambd=0.5).to_dict()["wrong_signature"] is not None


@pytest.mark.parametrize("level", ["concept", "location"])
def test_hint_levels_below_fix_show_no_corrected_line_in_any_view(level: str) -> None:
    from catalogue import sign_flipped

    report = check_gradients(without_source(sign_flipped), name="sign_flipped", hints=level)
    assert report.mistakes == {"sign_flipped"} and report.hints == level
    views = [str(report), report._repr_html_(), json.dumps(report.to_dict())]
    for view in views:
        assert "dZ = A - Y" not in view and "fix:" not in view
        assert "label minus the prediction" in view  # the concept, in the lecture's words
    if level == "location":
        assert all("dz = dL/da" in view for view in views)  # which step of the chain rule
    assert report.to_dict()["hints"] == level


def test_hints_must_be_a_known_level() -> None:
    with pytest.raises(ValueError, match="'concept', 'location', 'fix'"):
        check_gradients(course.propagate, hints="everything")


# --- one explanation: the engine where there is a source, verified output models elsewhere ---

# planted mistake -> (the rules of the verified repair, text of the line it repairs)
_REPAIRED = {
    "sign_flipped": (("flip_sign",), "dZ = Y - A"),
    "db_summed": (("add_mean",), "np.sum(dZ)"),
    "divided_by_m_twice": (("remove_mean",), "/ m"),
    "cost_sign_flipped": (("flip_sign",), "cost"),
    "one_based_loop": (("loop_bounds",), "range(1, m)"),
    "epsilon_in_log": (("epsilon",), "1e-8"),
    "dw_transposed": (("operand_order",), "np.dot(dZ, X.T)"),
}


@pytest.mark.parametrize("name", [*_REPAIRED, "forgot_Y", "forgot_bias", "float32"])
def test_a_function_with_source_gets_no_output_model(
    name: str, planted_reports: dict[str, check.GradientReport]
) -> None:
    """The source is traced: the finding (a verified repair, or where and what) and the
    facts of the run; no model of a wrong output names the planted mistake."""
    import inspect
    import linecache

    from autograd_lr.checking import diagnosis
    from catalogue import PLANTED

    planted = next(p for p in PLANTED if p.name == name)
    report = planted_reports[name]
    assert not report.passed and report.wrong == planted.wrong
    assert all(set(d.mistakes) <= diagnosis.FACTS.keys() for d in report.diagnosis), report.mistakes
    first = report.diagnosis[0]
    lines, start = inspect.getsourcelines(planted.fn)
    assert start < first.line < start + len(lines)  # a line of the learner's function
    if name in _REPAIRED:
        rules, text = _REPAIRED[name]
        assert first.rules == rules and first.fix
        assert text in linecache.getline(planted.fn.__code__.co_filename, first.line)
    else:
        assert not first.rules and not first.fix  # where and what, no cause


def test_a_traced_check_never_computes_an_output_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_lr.checking.expected import ProblemOracles
    from catalogue import missing_1_over_m, sign_flipped

    def refuse(self: Any, name: str) -> Any:
        raise AssertionError(f"the output model {name} ran beside a traced source")

    monkeypatch.setattr(ProblemOracles, "model", refuse)
    for fn in (sign_flipped, missing_1_over_m):
        report = check_gradients(fn, search_budget=5.0)
        assert not report.passed and report.rules and report.mistakes == set()


_EXECED = """
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = {dZ}
    return {{"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}}, cost
"""


def _execed(dZ: str) -> Any:
    """A propagate made by exec of a string, with no file: Python has no source for it."""
    import inspect

    namespace: dict[str, Any] = {"np": np}
    exec(_EXECED.format(dZ=dZ), namespace)
    fn = namespace["propagate"]
    with pytest.raises(OSError):
        inspect.getsource(fn)
    return fn


def test_without_source_a_model_names_the_mistake_only_when_it_reproduces_the_values() -> None:
    report = check_gradients(_execed("Y - A"))
    assert report.wrong == ["dw", "db"] and report.mistakes == {"sign_flipped"}
    (d,) = report.diagnosis
    assert math.isfinite(d.match) and d.match <= 1e-13 and d.fix == "dZ = A - Y"
    assert not d.rules and d.line == 0  # no line: there is no source to point into


@pytest.mark.parametrize("dZ", ["(A - Y) ** 3", "(A - Y) * 1.0001", "np.abs(A - Y)"])
def test_without_source_and_no_reproducing_model_the_report_says_where_and_what(dZ: str) -> None:
    """A cube, a 1e-4 scale (close to right: once called "imprecise", with a logaddexp fix)
    and |a − y|: no model reproduces dw on every problem, so no cause is named."""
    report = check_gradients(_execed(dZ))
    assert not report.passed and "dw" in report.wrong
    assert report.mistakes <= {"unclassified", "one_entry_wrong"}, report.mistakes
    for d in report.diagnosis:
        assert not d.fix and not d.rules, d
        assert "relative error up to" in d.message and "no model" in d.message
    assert "logaddexp" not in str(report) and "imprecise" not in str(report)


def test_a_source_the_engine_cannot_trace_falls_back_to_the_verified_output_models() -> None:
    """A lambda has a source line but no function the engine can trace: the report says so,
    and names the mistake from the outputs, by the model that reproduces them."""
    flipped = lambda w, b, X, Y: (  # noqa: E731
        {k: -v for k, v in course.propagate(w, b, X, Y)[0].items()},
        course.propagate(w, b, X, Y)[1],
    )
    report = check_gradients(flipped)
    assert report.wrong == ["dw", "db"] and report.mistakes == {"sign_flipped"}
    assert not report.rules and math.isfinite(report.diagnosis[0].match)
    assert any("from your outputs alone" in n for n in report.notes)
