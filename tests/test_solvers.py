"""Solvers: the lecture's update rule, the stopping rule, Newton, divergence, array namespaces."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lr import gradients, oracles
from autograd_lr.datasets import Standardizer, load_breast_cancer
from autograd_lr.problems import make_problem
from autograd_lr.tolerances import JAX_RTOL, gradient_scale, relative_error
from autograd_lr.training import solvers

# One gradient-descent step computed two ways (solver vs w - α·jax.grad): the same
# float64 arithmetic up to the order of summation, as JAX_RTOL; the step multiplies
# by α ≤ 1, so the parameters agree at least as well.
STEP_RTOL = JAX_RTOL
# Newton and gradient descent run to max|∂J| <= 1e-10 reach the same minimizer: the
# distance is at most ‖H⁻¹‖·‖g‖ ≤ (m/λ)·√(n_x+1)·1e-10 ≈ 1e-7 for the problems below
# (λ/m ≥ 0.01); measured ≈ 1e-10.
SAME_OPTIMUM_RTOL = 1e-7
# The same solver on a dask array: only the order of the chunk sums differs, a few ulp.
NAMESPACE_RTOL = 1e-13


def _standardized_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    data = load_breast_cancer()
    return Standardizer.fit(data.X).transform(data.X), data.Y


def test_one_step_is_the_lectures_update_with_jax_gradients() -> None:
    w, b, X, Y = make_problem(4, 50, seed=2)
    alpha, lambd = 0.7, 0.3
    result = solvers.gradient_descent(
        w, b, X, Y, lambd=lambd, learning_rate=alpha, max_iter=1, tol=0
    )
    g = oracles.jax_gradients(w, b, X, Y, lambd)  # an independent derivative
    assert result.n_iter == 1
    assert relative_error(result.w, w - alpha * g["dw"]) <= STEP_RTOL
    assert relative_error(result.b, b - alpha * g["db"]) <= STEP_RTOL


def test_tol_zero_runs_exactly_max_iter_and_records_every_iterate() -> None:
    w, b, X, Y = make_problem(3, 30, seed=0)
    result = solvers.gradient_descent(w, b, X, Y, learning_rate=0.5, max_iter=37, tol=0)
    assert result.n_iter == 37
    assert result.costs.shape == result.gradient_max.shape == (38,)
    assert not result.converged
    # the last recorded cost is the cost at the returned parameters
    from autograd_lr import forward

    assert result.costs[-1] == pytest.approx(
        float(forward.cost(result.w, result.b, X, Y)), rel=1e-15
    )


@pytest.mark.parametrize("solver", [solvers.gradient_descent, solvers.newton])
def test_stops_at_the_first_iterate_whose_largest_gradient_entry_is_within_tol(solver) -> None:
    w, _, X, Y = make_problem(3, 60, seed=4)
    tol = 1e-6
    result = solver(0 * w, 0.0, X, Y, lambd=1.0, max_iter=100_000, tol=tol)
    assert result.converged
    assert result.gradient_max[-1] <= tol < result.gradient_max[-2]
    # max|∂J| is measured by an independent oracle at the returned parameters
    g = oracles.jax_gradients(result.w, result.b, X, Y, 1.0)
    assert max(np.max(np.abs(g["dw"])), abs(g["db"])) == pytest.approx(
        result.gradient_max[-1], rel=1e-6
    )


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000), lambd=st.sampled_from([0.0, 0.1, 5.0]))
def test_auto_learning_rate_never_increases_the_cost(seed: int, lambd: float) -> None:
    """α = 1/L with L = λmax(H(0, 0)): the descent lemma promises a monotone cost."""
    w, b, X, Y = make_problem(3, 40, seed=seed, z_max=4.0)
    result = solvers.gradient_descent(w, b, X, Y, lambd=lambd, max_iter=60, tol=0)
    rises = np.diff(result.costs)
    assert np.all(rises <= 1e-15 * np.abs(result.costs[:-1])), rises.max()


@settings(max_examples=30)
@given(seed=st.integers(0, 10_000), lambd=st.sampled_from([0.0, 0.5]))
def test_lipschitz_constant_bounds_the_hessian_everywhere(seed: int, lambd: float) -> None:
    """H(w, b) ⪯ H(0, 0) because a(1 - a) ≤ 1/4: no point has a larger curvature than L."""
    _, _, X, _ = make_problem(3, 40, seed=seed)
    L = solvers.lipschitz_constant(X, lambd)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        w, b = rng.normal(scale=3.0, size=(3, 1)), float(rng.normal(scale=3.0))
        assert np.linalg.eigvalsh(gradients.hessian(w, b, X, lambd))[-1] <= L * (1 + 1e-12)


def test_lipschitz_constant_is_the_largest_curvature_by_jax() -> None:
    """L is attained at w = 0, b = 0 (a(1-a) = 1/4), checked with jax's own Hessian."""
    _, _, X, Y = make_problem(3, 40, seed=5)
    L = solvers.lipschitz_constant(X, 0.5)
    H0 = oracles.jax_hessian(np.zeros((3, 1)), 0.0, X, Y, 0.5)
    assert np.linalg.eigvalsh(H0)[-1] == pytest.approx(L, rel=1e-12)
    H = oracles.jax_hessian(np.full((3, 1), 0.4), -0.3, X, Y, 0.5)
    assert np.linalg.eigvalsh(H)[-1] < L


def test_newton_and_gradient_descent_reach_the_same_minimizer() -> None:
    w, _, X, Y = make_problem(5, 100, seed=11, z_max=6.0)
    gd = solvers.gradient_descent(0 * w, 0.0, X, Y, lambd=1.0, max_iter=200_000, tol=1e-10)
    nt = solvers.newton(0 * w, 0.0, X, Y, lambd=1.0, tol=1e-10)
    theta_gd, theta_nt = np.append(gd.w, gd.b), np.append(nt.w, nt.b)
    assert relative_error(theta_gd, theta_nt) <= SAME_OPTIMUM_RTOL
    assert nt.n_iter <= 10 < gd.n_iter  # Newton: a handful; gradient descent: many
    g = oracles.jax_gradients(nt.w, nt.b, X, Y, 1.0)
    assert relative_error(np.append(g["dw"], g["db"]), 0.0, gradient_scale(X)) <= 1e-10


def test_newton_converges_quadratically_on_breast_cancer() -> None:
    X, Y = _standardized_breast_cancer()
    result = solvers.newton(np.zeros((30, 1)), 0.0, X, Y, lambd=1.0, tol=1e-12)
    assert result.converged and result.n_iter <= 12
    g = result.gradient_max
    # superlinear: in the last two steps the exponent grows by at least 1.5 (quadratic
    # convergence squares it, 2; gradient descent keeps a constant ratio, 1)
    assert g[-1] <= g[-2] ** 1.5 and g[-2] <= g[-3] ** 1.5, g[-4:]
    assert np.all(np.diff(result.costs) <= 0)  # the line search never lets J rise


def test_newton_refuses_a_singular_hessian_with_the_fix() -> None:
    _, _, X, Y = make_problem(2, 30, seed=1)
    X = np.vstack([X, np.zeros((1, 30))])  # a constant (all-zero) feature, no L2
    with pytest.raises(ValueError, match=r"Hessian is singular .* add L2 regularization"):
        solvers.newton(np.zeros((3, 1)), 0.0, X, Y, lambd=0.0)
    # with L2 the same problem is fine: (λ/m) I makes H positive definite
    assert solvers.newton(np.zeros((3, 1)), 0.0, X, Y, lambd=1.0).converged


@pytest.mark.parametrize("alpha", [50.0, 1e300])
def test_divergence_stops_with_an_error_naming_the_learning_rate(alpha: float) -> None:
    X, Y = _standardized_breast_cancer()
    with pytest.raises(solvers.DivergenceError) as info:
        solvers.gradient_descent(np.zeros((30, 1)), 0.0, X, Y, lambd=1.0, learning_rate=alpha)
    message = str(info.value)
    assert f"learning rate α = {alpha:g}" in message
    L = solvers.lipschitz_constant(X, 1.0)
    assert f"2/L = {2 / L:.4g}" in message and "'auto'" in message
    assert isinstance(info.value, ValueError)


def test_a_large_learning_rate_that_still_converges_is_not_called_divergent() -> None:
    X, Y = _standardized_breast_cancer()
    L = solvers.lipschitz_constant(X, 1.0)
    # 3/L > 2/L: no guarantee, but the curvature near the optimum is far below L
    result = solvers.gradient_descent(
        np.zeros((30, 1)), 0.0, X, Y, lambd=1.0, learning_rate=3 / L, tol=1e-6, max_iter=20_000
    )
    assert result.converged


def test_raw_features_with_a_too_large_rate_diverge_and_the_message_suggests_standardizing() -> (
    None
):
    data = load_breast_cancer()
    with pytest.raises(solvers.DivergenceError, match="standardize the features"):
        solvers.gradient_descent(
            np.zeros((30, 1)), 0.0, data.X, data.Y, lambd=1.0, learning_rate=1e-3
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"learning_rate": 0.0}, r"learning_rate \(α\) must be a finite number > 0"),
        ({"learning_rate": "fast"}, r"learning_rate \(α\) must be a number > 0 or 'auto'"),
        ({"max_iter": -1}, r"max_iter must be an integer >= 0"),
        ({"tol": -1.0}, r"tol must be a finite number >= 0"),
        ({"lambd": -1.0}, r"lambd \(λ, the L2 strength; λ = 1/C\) must be a finite number >= 0"),
    ],
)
def test_bad_controls_are_refused(kwargs: dict, message: str) -> None:
    w, b, X, Y = make_problem(2, 10, seed=0)
    with pytest.raises(ValueError, match=message):
        solvers.gradient_descent(w, b, X, Y, **kwargs)


def test_shapes_are_checked_against_the_data() -> None:
    w, b, X, Y = make_problem(2, 10, seed=0)
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\) = \(1, 10\)"):
        solvers.newton(w, b, X, Y.ravel())
    with pytest.raises(ValueError, match=r"w must have shape \(n_x, 1\) = \(2, 1\)"):
        solvers.gradient_descent(w.ravel(), b, X, Y)


@pytest.mark.parametrize("solver", ["gd", "newton"])
def test_solvers_run_on_dask_arrays_without_converting_the_data(solver: str) -> None:
    """Only dw, db, J (and H) come back to numpy; X and Y stay dask arrays throughout."""
    import dask.array as da

    w, b, X, Y = make_problem(3, 120, seed=9)
    Xd, Yd = da.from_array(X, chunks=(3, 40)), da.from_array(Y, chunks=(1, 40))
    run = solvers.gradient_descent if solver == "gd" else solvers.newton
    kwargs = {"lambd": 0.5, "max_iter": 4, "tol": 0}
    on_numpy = run(w, b, X, Y, **kwargs)
    on_dask = run(w, b, Xd, Yd, **kwargs)
    assert relative_error(np.append(on_dask.w, on_dask.b), np.append(on_numpy.w, on_numpy.b)) <= (
        NAMESPACE_RTOL
    )
    assert isinstance(on_dask.w, np.ndarray) and isinstance(on_dask.b, float)
