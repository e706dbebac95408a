"""A slip in a derivation is named by the error model's rules, and only by a verified correction.

Hypothesis plants a rule's *mistake* (the inverse of its correction) at a random place of
a right step: the checker must name a slip, and the correction it names must make the
step right when checked again on its own. With a second, unrelated distortion (a term
c·t that no rule removes) any name it still gives must pass the same check, and the
distortion alone is never named.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lr import check_derivation
from autograd_lr.checking import error_model
from autograd_lr.teaching import report as report_module
from autograd_lr.teaching import slips
from autograd_lr.teaching.expressions import parse_step
from derivation_corpus import CONTEXT, Form, steps_of

a, y, z, x, w, b = sympy.symbols("a y z x w b")

# Right per-example steps, several forms each (earlier steps by name or written out).
RIGHT = {
    "da": ["-y/a + (1-y)/(1-a)", "(a - y)/(a*(1 - a))", "(1-y)/(1-a) - y/a"],
    "da_dz": ["a*(1-a)", "sigma(z)*(1 - sigma(z))", "exp(-z)/(1 + exp(-z))**2"],
    "dz": ["a - y", "da * da_dz", "da*a*(1-a)", "sigma(w*x + b) - y"],
    "dw": ["x*dz", "x*(a - y)", "x*da*da_dz", "x*(sigma(z) - y)"],
    "db": ["dz", "a - y", "da*da_dz", "sigma(z) - y"],
}
SIGMA_PRIME = a * (1 - a)
# rule -> (the steps it is planted in, its mistake: a node of a right step -> the wrong node)
MISTAKES: dict[str, tuple[tuple[str, ...], Callable[[Any], Any]]] = {
    "flip_sign": (tuple(RIGHT), lambda n: -n),
    "add_one_minus_y_term": (("da",), lambda n: n - (1 - y) / (1 - a)),
    "add_sigma_prime": (("dz", "dw", "db"), lambda n: n / SIGMA_PRIME),
    "remove_sigma_prime": (("da_dz", "dz", "dw", "db"), lambda n: n * SIGMA_PRIME),
    "add_input": (("dw",), lambda n: n / x),
    "remove_input": (("dw", "db"), lambda n: n * x),
}
JUNK = ["a", "(1 - a)", "exp(z)", "(2 + y)", "(x*x + 1)", "y", "z", "log(a)"]


def _paths(expr: Any, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    own = [] if expr.is_Number else [path]
    return own + [p for k, arg in enumerate(expr.args) for p in _paths(arg, (*path, k))]


def _plant(expr: Any, path: tuple[int, ...], mistake: Callable[[Any], Any]) -> Any:
    if not path:
        return mistake(expr)
    args = list(expr.args)
    args[path[0]] = _plant(args[path[0]], path[1:], mistake)
    return expr.func(*args)


def _earlier(step: str) -> tuple[str, ...]:
    return tuple(CONTEXT)[: tuple(CONTEXT).index(step)]


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, str, Any]:
    """(rule, step, the right step with the rule's mistake at one of its nodes)."""
    rule = draw(st.sampled_from(sorted(MISTAKES)))
    steps, mistake = MISTAKES[rule]
    step = draw(st.sampled_from(steps))
    text = draw(st.sampled_from(RIGHT[step]))
    right = parse_step(text, "scalar", _earlier(step)).scalar
    path = draw(st.sampled_from(_paths(right)))
    return rule, step, _plant(right, path, mistake)


def _check(step: str, expr: Any) -> Any:
    steps: dict[str, Any] = dict(steps_of(Form(step, "?")))
    steps[step] = expr
    return check_derivation(steps)[step]


def _verified(step: str, result: Any) -> bool:
    """The named correction, checked again as a step of its own, is right."""
    return result.correction is not None and _check(step, result.correction.step).verdict == "ok"


@settings(max_examples=30, deadline=None)
@given(planted())
def test_a_planted_mistake_is_named_by_a_correction_that_makes_the_step_right(
    case: tuple[str, str, Any],
) -> None:
    rule, step, wrong = case
    result = _check(step, wrong)
    assume(result.verdict == "wrong")  # a mistake planted where it changes nothing
    assert result.mistake is not None, (rule, step, wrong)
    # the rule planted, or an earlier one whose correction fixes the step as well
    assert result.mistake == rule or _verified(step, result), (rule, step, wrong, result)
    assert _verified(step, result), (rule, step, wrong, result.correction)


@settings(max_examples=20, deadline=None)
@given(
    case=planted(),
    t=st.sampled_from(JUNK),
    c=st.sampled_from(["1", "-1", "1/1000", "3", "1e-6"]),
)
def test_two_unrelated_distortions_are_named_only_by_a_verified_correction(
    case: tuple[str, str, Any], t: str, c: str
) -> None:
    _, step, wrong = case
    junk = parse_step(f"{c}*{t}", "scalar").scalar
    result = _check(step, wrong + junk)
    assert result.verdict == "wrong"
    assert result.mistake is None or _verified(step, result), (step, wrong, junk)


@pytest.mark.parametrize("step", sorted(RIGHT))
@pytest.mark.parametrize("t", ["a", "exp(z)", "(x*x + 1)", "log(a)"])
def test_a_distortion_no_rule_corrects_is_not_named(step: str, t: str) -> None:
    text = f"{RIGHT[step][0]} + 1/1000*{t}"
    result = _check(step, text)
    assert result.verdict == "wrong" and result.mistake is None and result.correction is None
    steps: dict[str, Any] = {**steps_of(Form(step, text))}
    shown = str(check_derivation(steps, hints="location"))
    assert f"{step} is wrong: " in shown and "where:" not in shown  # the step, not a cause


@pytest.mark.parametrize(
    ("steps", "lambd", "rule"),
    [
        ({"dJ_dw": "X @ dZ.T / m + 1e-3 * w"}, 0.0, None),
        ({"dJ_dw": "X @ dZ.T + 1e-3 * w"}, 0.0, None),  # 1/m missing, and a term too many
        ({"dJ_dw": "-X @ dZ.T"}, 0.0, "flip_sign"),  # two slips, verified as a pair
        ({"dJ_db": "np.sum(dZ) / m + 1e-3"}, 0.0, None),
        ({"dJ_db": "np.sum(dZ) / m / m"}, 0.0, "remove_mean"),
        ({"d2J_dw2": "X @ np.diag(A) @ X.T"}, 0.0, "add_sigma_prime"),  # and add_mean
    ],
)
def test_over_m_examples_a_name_is_a_verified_correction(steps, lambd, rule) -> None:
    (step,) = steps
    result = check_derivation(steps, lambd)[step]
    assert result.verdict == "wrong" and result.mistake == rule, result.correction
    if rule is not None:
        assert result.correction is not None and len(result.correction.rules) <= 2


# --- one home for each rule ----------------------------------------------------------------


def test_every_slip_is_a_rule_of_the_error_model_with_its_texts() -> None:
    for name in slips.RULE_NAMES:
        rule = error_model.ALL_BY_NAME[name]
        assert rule.concept and rule.location.startswith("on this line")
    derivation_only = {r.name for r in error_model.DERIVATION_RULES}
    assert derivation_only <= set(slips.RULE_NAMES)  # none is defined and left unused
    # the repair search of code is as it was
    assert not derivation_only & {r.name for r in error_model.RULES}
    # no catalogue of slips of its own in the derivation report
    assert not hasattr(report_module, "SLIPS") and not hasattr(report_module, "name_mistake")
    assert not set(report_module.CONCEPT) & set(error_model.ALL_BY_NAME)


def test_the_report_speaks_with_the_error_models_texts() -> None:
    result = check_derivation({"dz": "a - y", "dw": "dz"})["dw"]
    rule = error_model.ALL_BY_NAME["add_input"]
    assert result.mistake == "add_input" and result.concept == rule.concept
    assert result.mistake_title == "the input x is missing"
    text = str(check_derivation({"dz": "a - y", "dw": "dz"}, hints="fix"))
    assert "dw is wrong (the input x is missing): " + rule.concept in text
    assert "where: the whole step" in text and "dz -> dz*x" in text
    concept = str(check_derivation({"dz": "a - y", "dw": "dz"}, hints="concept"))
    assert rule.concept in concept and "where:" not in concept and "dz*x" not in concept


def test_the_json_schema_lists_the_rules_a_slip_may_be_named_by() -> None:
    path = Path(report_module.__file__).with_name("schema") / "derivation.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    step = schema["$defs"]["step"]["properties"]
    assert step["mistake"]["enum"] == [None, *slips.RULE_NAMES]
    payload = check_derivation({"dz": "a - y", "db": "x*dz"}).to_dict()["steps"][1]
    assert payload["correction"] == {"rules": ["remove_input"], "at": ["dz*x"], "to": ["dz"]}
