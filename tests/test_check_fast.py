"""Fast mode: directional derivatives, no jax while it passes, the same verdicts as the full check."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lr import course, forward, oracles
from autograd_lr.checking import check
from autograd_lr.checking.check import DIRECTIONAL_RTOL, check_gradients, richardson_along
from autograd_lr.checking.report import GradientReport
from autograd_lr.problems import make_problem
from catalogue import CORRECT, PLANTED, Planted, without_source


@pytest.fixture
def no_jax(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any use of the jax oracle an error: fast mode must pass without it."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("fast mode called jax while everything agreed")

    monkeypatch.setattr(oracles, "jax_value_and_gradients", refuse)


@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_fast_mode_passes_every_correct_implementation_without_drilling_down(
    fn: Any, no_jax: None
) -> None:
    report = check_gradients(fn, fast=True)
    assert report.passed, str(report)
    assert report.mode == "fast"
    assert any("fast mode" in n for n in report.notes)


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.name)
def test_fast_mode_gives_the_full_checks_verdict_on_every_planted_mistake(
    planted: Planted,
    planted_output_reports: dict[str, GradientReport],
    planted_output_fast_reports: dict[str, GradientReport],
) -> None:
    fast, full = planted_output_fast_reports[planted.name], planted_output_reports[planted.name]
    assert fast.passed == full.passed is False
    assert fast.wrong == full.wrong == planted.wrong
    assert fast.mistakes == full.mistakes == planted.mistakes
    if planted.wrong:
        assert "fast → full" in fast.mode  # it drilled down to find the quantity


def test_auto_mode_switches_on_the_number_of_features(no_jax: None) -> None:
    wide = make_problem(check.FAST_AUTO_N_X + 1, 30, seed=2)
    report = check_gradients(course.propagate, problems=[wide])
    assert report.passed and report.mode == "fast"


def test_auto_mode_is_full_for_the_default_problems() -> None:
    assert check_gradients(course.propagate).mode == "full"


def test_richardson_along_a_direction_matches_jax() -> None:
    """The fast mode's expected value vᵀ∇J, to far below its threshold."""
    p = make_problem(50, 30, seed=11, z_max=10.0)
    grads, J = oracles.jax_value_and_gradients(*p)
    g = oracles.pack(grads["dw"], grads["db"])
    theta = oracles.pack(p.w, p.b)

    def f(t: np.ndarray) -> float:
        w, b = oracles.unpack(t, p.n_x)
        return float(forward.cost(w, b, p.X, p.Y))

    rng = np.random.default_rng(0)
    for _ in range(5):
        v = rng.standard_normal(p.n_x + 1)
        v /= np.linalg.norm(v)
        D = richardson_along(f, theta, v, check.DIRECTIONAL_STEP)
        assert abs(D - v @ g) <= DIRECTIONAL_RTOL / 10 * max(1.0, abs(J))


def test_a_course_sized_model_is_checked_in_fast_mode(no_jax: None) -> None:
    """12288 features (64 × 64 × 3 pixels), 209 examples: the lecture's cat classifier."""
    p = make_problem(12288, 209, seed=7)
    report = check_gradients(course.propagate, problems=[p])
    assert report.passed and report.mode == "fast"


def test_a_course_sized_model_with_one_wrong_entry_fails_in_fast_mode() -> None:
    p = make_problem(12288, 209, seed=7)
    k = int(np.argmax(np.abs(course.propagate(*p)[0]["dw"])))

    def one_off(w, b, X, Y):
        grads, cost = course.propagate(w, b, X, Y)
        grads["dw"][k, 0] *= 1 + 1e-5
        return grads, cost

    report = check_gradients(one_off, problems=[p])
    assert report.wrong == ["dw"] and report.mode == "fast → full"
    assert report.rows["dw"].entries[0].index == (k, 0)


def _perturbed(k: int, delta: float) -> Any:
    def fn(w, b, X, Y):
        grads, cost = course.propagate(w, b, X, Y)
        dw = grads["dw"].copy()
        dw[k % dw.shape[0], 0] *= 1 + delta
        return {"dw": dw, "db": grads["db"]}, cost

    return fn


@pytest.mark.parametrize("fast", [False, True], ids=["full", "fast"])
@given(
    k=st.integers(min_value=0, max_value=39),
    exponent=st.floats(min_value=-6.0, max_value=0.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_any_relative_perturbation_of_one_entry_of_dw_is_caught(
    fast: bool, k: int, exponent: float, sign: float
) -> None:
    """dw_k · (1 + δ) with |δ| ≥ 1e-6, any entry k: dw is wrong, and it is one entry."""
    # a verdict test from the outputs alone (one entry scaled by 1 + δ is no rule's mistake)
    report = check_gradients(without_source(_perturbed(k, sign * 10.0**exponent)), fast=fast)
    assert not report.passed
    assert report.wrong == ["dw"]
    assert "one_entry_wrong" in report.mistakes
