"""The hand-derived gradients against three independent oracles, node by node and over m examples."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lr import forward, gradients, oracles
from autograd_lr.problems import Problem, lecture_problem, make_problem
from autograd_lr.tolerances import (
    COMPLEX_STEP_RTOL,
    FINITE_DIFFERENCE_RTOL,
    HESSIAN_FD_RTOL,
    JAX_RTOL,
    LECTURE_ATOL,
    RICHARDSON_RTOL,
    gradient_scale,
    relative_error,
)

# The loop and the vectorized form add the same terms in a different order.
LOOP_RTOL = 1e-13


def flat(grads: dict) -> np.ndarray:
    return oracles.pack(grads["dw"], grads["db"])


problems = st.builds(
    make_problem,
    n_x=st.integers(1, 50),
    m=st.integers(1, 200),
    seed=st.integers(0, 2**32 - 1),
    z_max=st.sampled_from([0.1, 1.0, 5.0, 20.0, 50.0]),
    labels=st.sampled_from(["random", "random", "zeros", "ones"]),
)


# --- each node of the computation graph against jax.grad at that node -----------------------

A_VALUES = [0.01, 0.3, 0.5, 0.77, 0.999]


@pytest.mark.parametrize("a", A_VALUES)
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_dL_da_is_jax_grad_of_the_loss(a: float, y: float) -> None:
    with jax.enable_x64(True):
        expected = jax.grad(lambda a_: forward.loss(a_, y))(jnp.float64(a))
    assert gradients.dL_da(a, y) == pytest.approx(float(expected), rel=JAX_RTOL)


@pytest.mark.parametrize("z", [-8.0, -1.0, 0.0, 0.5, 6.0])
def test_da_dz_is_jax_grad_of_sigmoid(z: float) -> None:
    a = forward.sigmoid(np.float64(z))
    with jax.enable_x64(True):
        expected = jax.grad(forward.sigmoid)(jnp.float64(z))
    assert gradients.da_dz(a) == pytest.approx(float(expected), rel=JAX_RTOL)


@pytest.mark.parametrize("z", [-8.0, -1.0, 0.0, 0.5, 6.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_dz_chain_and_simplified_are_jax_grad_of_the_loss_in_z(z: float, y: float) -> None:
    a = forward.sigmoid(np.float64(z))
    with jax.enable_x64(True):
        expected = float(jax.grad(lambda z_: forward.loss_from_logits(z_, y))(jnp.float64(z)))
    assert gradients.dL_dz(a, y) == pytest.approx(expected, rel=JAX_RTOL, abs=1e-16)
    # the unsimplified chain divides by a and 1 − a: a few ulp more rounding
    assert gradients.dL_dz_chain(a, y) == pytest.approx(expected, rel=1e-10, abs=1e-15)


def test_dw_and_db_of_one_example_are_jax_grad() -> None:
    x = np.array([[0.5], [-1.5], [2.0]])
    w, b, y = np.array([[0.2], [0.1], [-0.3]]), 0.4, 1.0
    a = forward.sigmoid(forward.logits(w, b, x))
    dz = gradients.dL_dz(a, y)
    with jax.enable_x64(True):
        dw, db = jax.grad(
            lambda w_, b_: jnp.sum(forward.loss_from_logits(forward.logits(w_, b_, x), y)),
            argnums=(0, 1),
        )(jnp.asarray(w), jnp.float64(b))
    np.testing.assert_allclose(gradients.dL_dw(x, dz), dw, rtol=JAX_RTOL)
    assert float(gradients.dL_db(dz)[0, 0]) == pytest.approx(float(db), rel=JAX_RTOL)


# --- over m examples: hand vectorized == loop == jax == finite differences == complex step ----


def check_against_all_oracles(p: Problem) -> None:
    hand, J = gradients.gradients_vectorized(*p)
    loop, J_loop = gradients.gradients_loop(*p)
    reference, J_jax = oracles.jax_value_and_gradients(*p)
    s = gradient_scale(p.X)
    s_fd = max(s, abs(J_jax))
    assert relative_error(flat(hand), flat(loop), scale=s) <= LOOP_RTOL, p.name
    assert relative_error(flat(hand), flat(reference), scale=s) <= JAX_RTOL, p.name
    assert abs(float(J) - J_jax) <= JAX_RTOL * max(1.0, J_jax), p.name
    assert abs(J_loop - J_jax) <= JAX_RTOL * max(1.0, J_jax), p.name
    fd = oracles.finite_difference_gradients(*p)
    assert relative_error(flat(hand), flat(fd), scale=s_fd) <= FINITE_DIFFERENCE_RTOL, p.name
    cs = oracles.complex_step_gradients(*p)
    assert relative_error(flat(hand), flat(cs), scale=s) <= COMPLEX_STEP_RTOL, p.name


@given(problems)
def test_hand_gradients_equal_every_oracle(p: Problem) -> None:
    check_against_all_oracles(p)


@pytest.mark.parametrize(
    ("n_x", "m", "labels"),
    [(1, 1, "random"), (50, 1, "ones"), (1, 200, "zeros"), (50, 200, "random"), (7, 3, "ones")],
)
def test_hand_gradients_at_the_corners(n_x: int, m: int, labels: str) -> None:
    check_against_all_oracles(make_problem(n_x, m, seed=n_x * m, z_max=50.0, labels=labels))  # type: ignore[arg-type]


def test_richardson_agrees_too() -> None:
    p = make_problem(6, 40, seed=11, z_max=10.0)
    hand, J = gradients.gradients_vectorized(*p)
    rich = oracles.finite_difference_gradients(*p, method="richardson")
    scale = max(gradient_scale(p.X), float(J))
    assert relative_error(flat(hand), flat(rich), scale=scale) <= RICHARDSON_RTOL


def test_the_lectures_worked_example() -> None:
    grads, J = gradients.gradients_vectorized(*lecture_problem())
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=LECTURE_ATOL)
    assert float(grads["db"]) == pytest.approx(0.00145558, abs=LECTURE_ATOL)
    assert float(J) == pytest.approx(5.80154532, abs=LECTURE_ATOL)
    loop, J_loop = gradients.gradients_loop(*lecture_problem())
    np.testing.assert_allclose(loop["dw"], [[0.99845601], [2.39507239]], atol=LECTURE_ATOL)
    assert J_loop == pytest.approx(5.80154532, abs=LECTURE_ATOL)


@pytest.mark.parametrize("z_max", [1e3, 1e4])
def test_saturated_logits_cost_exact_and_gradient_equals_jax(z_max: float) -> None:
    p = make_problem(3, 8, seed=12, z_max=z_max)
    hand, J = gradients.gradients_vectorized(*p)
    reference, J_jax = oracles.jax_value_and_gradients(*p)
    assert np.isfinite(float(J))
    Z = forward.logits(p.w, p.b, p.X)
    assert float(np.max(np.abs(Z))) == pytest.approx(z_max)
    # L = max(z, 0) + log(1 + e^−|z|) − y z, term by term with the math module
    exact = (
        sum(
            max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z
            for z, y in zip(Z.ravel().tolist(), p.Y.ravel().tolist(), strict=True)
        )
        / p.m
    )
    assert float(J) == pytest.approx(exact, rel=1e-12)
    assert abs(float(J) - J_jax) <= JAX_RTOL * J_jax
    assert relative_error(flat(hand), flat(reference), scale=gradient_scale(p.X)) <= JAX_RTOL


# --- L2 and the Hessian ------------------------------------------------------------------------


@settings(max_examples=30)
@given(problems, st.sampled_from([0.01, 0.7, 5.0, 100.0]))
def test_l2_gradient_equals_jax_and_finite_differences(p: Problem, lambd: float) -> None:
    hand, J = gradients.gradients_vectorized(*p, lambd=lambd)
    reference, J_jax = oracles.jax_value_and_gradients(*p, lambd=lambd)
    s = gradient_scale(p.X, p.w, lambd)
    assert relative_error(flat(hand), flat(reference), scale=s) <= JAX_RTOL
    assert abs(float(J) - J_jax) <= JAX_RTOL * max(1.0, J_jax)
    fd = oracles.finite_difference_gradients(*p, lambd=lambd)
    assert relative_error(flat(hand), flat(fd), scale=max(s, J_jax)) <= FINITE_DIFFERENCE_RTOL


@settings(max_examples=15)  # jax.hessian retraces for every new shape: ~1 s each
@given(problems, st.sampled_from([0.0, 0.3, 10.0]))
def test_hessian_equals_jax_hessian(p: Problem, lambd: float) -> None:
    H = gradients.hessian(p.w, p.b, p.X, lambd)
    expected = oracles.jax_hessian(*p, lambd=lambd)
    assert H.shape == (p.n_x + 1, p.n_x + 1)
    # every Hessian summand x_j x_k a(1−a) is at most |x_j x_k| / 4
    scale = max(1.0, float(np.max(np.abs(p.X) ** 2)) / 4, lambd / p.m)
    assert relative_error(H, expected, scale=scale) <= JAX_RTOL


@pytest.mark.parametrize("lambd", [0.0, 2.0])
def test_hessian_equals_finite_differences_of_the_gradient(lambd: float) -> None:
    p = make_problem(5, 30, seed=13, z_max=4.0)

    def gradient(theta: np.ndarray) -> np.ndarray:
        w, b = oracles.unpack(theta, p.n_x)
        return flat(gradients.gradients_vectorized(w, b, p.X, p.Y, lambd)[0])

    H = gradients.hessian(p.w, p.b, p.X, lambd)
    H_fd = oracles.jacobian_central_difference(gradient, oracles.pack(p.w, p.b))
    assert relative_error(H, H_fd) <= HESSIAN_FD_RTOL
    # X S Xᵀ is symmetric up to BLAS rounding of the two triangles
    np.testing.assert_allclose(H, H.T, rtol=0, atol=4 * np.finfo(float).eps * np.max(np.abs(H)))
    assert np.min(np.linalg.eigvalsh(H)) >= -1e-15  # J is convex


# Helpers that hold no math of their own: no formula to open their docstring with.
NOT_MATH = {"namespace", "fused_applies", "fused_block", "numba_available", "unpack"}


@pytest.mark.parametrize("module", ["forward", "gradients", "oracles", "course"])
def test_public_math_functions_open_with_their_formula(module: str) -> None:
    """Formula first: the docstring's first paragraph states the equation."""
    import importlib
    import inspect

    mod = importlib.import_module(f"autograd_lr.{module}")
    for name, fn in inspect.getmembers(mod, inspect.isfunction):
        if name.startswith("_") or fn.__module__ != mod.__name__ or name in NOT_MATH:
            continue
        paragraphs = (inspect.getdoc(fn) or "").split("\n\n")
        opening = paragraphs[0]
        display = len(paragraphs) > 1 and paragraphs[1].lstrip().startswith(".. math::")
        assert ":math:" in opening or "=" in opening or display, f"{module}.{name}"
