"""The forward model: closed-form values, stability at |z| up to 1e4, one definition on numpy and jax."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lr import forward
from autograd_lr.problems import make_problem

# Both forms of the loss, and σ against math.exp, differ only by rounding of a few
# elementary operations: a few ulp, bounded here by 1e-12 relative (float64).
FORM_RTOL = 1e-12


@given(st.floats(min_value=-30, max_value=30))
def test_sigmoid_matches_its_definition(z: float) -> None:
    expected = 1.0 / (1.0 + math.exp(-z))
    assert forward.sigmoid(np.float64(z)) == pytest.approx(expected, rel=FORM_RTOL)


@given(st.floats(min_value=-1e4, max_value=1e4))
def test_sigmoid_is_symmetric_and_bounded(z: float) -> None:
    a = float(forward.sigmoid(np.float64(z)))
    assert 0.0 <= a <= 1.0
    assert a + float(forward.sigmoid(np.float64(-z))) == pytest.approx(1.0, abs=1e-15)


def test_sigmoid_saturates_without_warnings() -> None:
    # warnings are errors in this suite, so an overflow in exp would fail here
    z = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    a = forward.sigmoid(z)
    assert a[0] == 0.0 and a[-1] == 1.0 and a[3] == 0.5
    assert a[2] == pytest.approx(math.exp(-40.0), rel=FORM_RTOL)  # no cancellation at -40


@given(st.floats(min_value=-30, max_value=30), st.sampled_from([0.0, 1.0]))
def test_loss_from_logits_equals_the_lectures_loss(z: float, y: float) -> None:
    a = forward.sigmoid(np.float64(z))
    naive = float(forward.loss(a, y))
    stable = float(forward.loss_from_logits(np.float64(z), y))
    # The naive form rounds 1 − a (or a) to an absolute ε, i.e. a relative error of
    # ε/min(a, 1 − a) ≈ ε·(1 + e^|z|) inside the log: that, not the stable form, bounds it.
    naive_error = 4 * np.finfo(np.float64).eps * (1 + math.exp(abs(z)))
    assert abs(stable - naive) <= naive_error + FORM_RTOL * abs(stable)


def test_cost_is_exact_at_large_logits() -> None:
    """|z| = 1e3: wrong labels cost exactly |z| each, right labels cost exactly 0."""
    X = np.array([[1.0, -1.0, 1.0, -1.0]])
    w = np.array([[1e3]])
    Y_wrong = np.array([[0.0, 1.0, 0.0, 1.0]])  # z = +1000 with y = 0, z = -1000 with y = 1
    Y_right = 1.0 - Y_wrong
    assert float(forward.cost(w, 0.0, X, Y_wrong)) == 1e3
    assert float(forward.cost(w, 0.0, X, Y_right)) == 0.0
    with np.errstate(over="ignore", divide="ignore"):
        naive = np.mean(forward.loss(forward.sigmoid(w.T @ X), Y_wrong))
    assert not np.isfinite(naive), "the textbook log(σ(z)) form is what breaks here"


def test_cost_at_1e4_is_finite_without_warnings() -> None:
    X = np.array([[1.0, -1.0]])
    J = forward.cost(np.array([[1e4]]), 0.0, X, np.array([[0.0, 0.0]]))
    assert float(J) == pytest.approx(5e3, rel=FORM_RTOL)  # (1e4 + 0) / 2


def test_l2_penalty_closed_form() -> None:
    w = np.array([[3.0], [4.0]])
    assert float(forward.l2_penalty(w, m=10, lambd=2.0)) == pytest.approx(2.0 / 20 * 25)
    p = make_problem(3, 7, seed=1)
    plain = float(forward.cost(p.w, p.b, p.X, p.Y))
    regularized = float(forward.cost(p.w, p.b, p.X, p.Y, lambd=0.5))
    assert regularized - plain == pytest.approx(0.5 / 14 * float(np.sum(p.w**2)), rel=1e-12)


@pytest.mark.parametrize("z_max", [0.5, 20.0, 300.0])
def test_analytic_form_agrees_where_valid(z_max: float) -> None:
    p = make_problem(4, 9, seed=2, z_max=z_max)
    stable = float(forward.cost(p.w, p.b, p.X, p.Y))
    analytic = float(forward.cost(p.w, p.b, p.X, p.Y, analytic=True))
    assert analytic == pytest.approx(stable, rel=FORM_RTOL)


def test_analytic_form_accepts_complex_input() -> None:
    z = np.array([0.3 + 1e-20j])
    value = forward.softplus(z, analytic=True)
    assert value.dtype.kind == "c"
    assert value.imag[0] / 1e-20 == pytest.approx(float(forward.sigmoid(np.float64(0.3))))


def test_one_definition_runs_on_numpy_and_jax() -> None:
    p = make_problem(5, 11, seed=3, z_max=8.0)
    numpy_J = float(forward.cost(p.w, p.b, p.X, p.Y, lambd=0.3))
    with jax.enable_x64(True):
        jax_J = forward.cost(jnp.asarray(p.w), p.b, jnp.asarray(p.X), jnp.asarray(p.Y), 0.3)
        assert isinstance(jax_J, jax.Array)
        assert float(jax_J) == pytest.approx(numpy_J, rel=FORM_RTOL)
