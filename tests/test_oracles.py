"""The oracles themselves: closed forms, float64 without global config, and refusals."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from autograd_lr import forward, oracles
from autograd_lr.problems import make_problem
from autograd_lr.tolerances import (
    COMPLEX_STEP_RTOL,
    FINITE_DIFFERENCE_RTOL,
    JAX_RTOL,
    RICHARDSON_RTOL,
    relative_error,
)

# On sin: central differences err by h²|f'''|/6 + ε/h ≈ 1e-11 at h = ε^(1/3), asserted with
# 100x room; Richardson's h⁴ term at h = ε^(1/5) is ~1e-14, so it must do clearly better.
CENTRAL_SMOOTH_ATOL = 1e-9
RICHARDSON_SMOOTH_ATOL = 1e-11

ORACLES = {
    "jax": oracles.jax_gradients,
    "central": oracles.finite_difference_gradients,
    "richardson": lambda *a: oracles.finite_difference_gradients(*a, method="richardson"),
    "complex step": oracles.complex_step_gradients,
}
TOLERANCE = {
    "jax": JAX_RTOL,
    "central": FINITE_DIFFERENCE_RTOL,
    "richardson": RICHARDSON_RTOL,
    "complex step": COMPLEX_STEP_RTOL,
}


@pytest.mark.parametrize("name", list(ORACLES))
def test_oracle_closed_form_at_zero(name: str) -> None:
    """At w = 0, b = 0 every a is 1/2, so ∂J/∂w_j = mean_i((1/2 − y_i) x_ji) exactly."""
    X = np.array([[1.0, 2.0, -1.0, 0.5], [3.0, -4.0, 2.0, 1.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    expected_dw = np.mean((0.5 - Y) * X, axis=1, keepdims=True)
    expected_db = float(np.mean(0.5 - Y))
    got = ORACLES[name](np.zeros((2, 1)), 0.0, X, Y)
    assert got["dw"].shape == (2, 1)
    assert relative_error(got["dw"], expected_dw, scale=1.0) <= TOLERANCE[name]
    assert abs(got["db"] - expected_db) <= TOLERANCE[name]


def test_jax_oracle_is_float64_without_global_config() -> None:
    assert jnp.ones(1).dtype == jnp.float32, "this suite must not switch x64 on globally"
    p = make_problem(3, 5, seed=4)
    grads, J = oracles.jax_value_and_gradients(*p)
    assert grads["dw"].dtype == np.float64
    # float32 could not agree with the float64 finite differences to 1e-10
    fd = oracles.finite_difference_gradients(*p)
    assert relative_error(grads["dw"], fd["dw"], scale=J) <= FINITE_DIFFERENCE_RTOL
    assert abs(J - float(forward.cost(*p))) <= 1e-15 * J
    assert jnp.ones(1).dtype == jnp.float32, "the oracle must not leak x64 mode"


def test_oracles_compute_float32_input_in_float64() -> None:
    p = make_problem(3, 6, seed=5)
    single = oracles.jax_gradients(p.w.astype(np.float32), p.b, p.X.astype(np.float32), p.Y)
    double = oracles.jax_gradients(
        p.w.astype(np.float32).astype(np.float64),
        p.b,
        p.X.astype(np.float32).astype(np.float64),
        p.Y,
    )
    assert single["dw"].dtype == np.float64
    np.testing.assert_array_equal(single["dw"], double["dw"])


def test_jax_hessian_closed_form_one_feature() -> None:
    """n_x = 1 at w = 0, b = 0: H = mean(a(1-a) x̃ x̃ᵀ) with a(1-a) = 1/4."""
    X = np.array([[1.0, -2.0, 3.0]])
    H = oracles.jax_hessian(np.zeros((1, 1)), 0.0, X, np.array([[1.0, 0.0, 1.0]]))
    expected = 0.25 * np.array([[np.mean(X**2), np.mean(X)], [np.mean(X), 1.0]])
    np.testing.assert_allclose(H, expected, rtol=1e-14)


def test_richardson_beats_central_differences() -> None:
    theta = np.array([0.3, -1.2, 2.0])
    exact = np.cos(theta)
    central = oracles.central_difference(lambda t: np.sum(np.sin(t)), theta)
    extrapolated = oracles.richardson(lambda t: np.sum(np.sin(t)), theta)
    assert np.max(np.abs(central - exact)) < CENTRAL_SMOOTH_ATOL
    assert np.max(np.abs(extrapolated - exact)) < RICHARDSON_SMOOTH_ATOL


def test_directional_difference_is_v_dot_gradient() -> None:
    theta = np.array([0.5, -0.25, 1.5])
    v = np.array([1.0, 2.0, -0.5])
    got = oracles.directional_difference(lambda t: np.sum(np.exp(t)), theta, v)
    assert got == pytest.approx(float(v @ np.exp(theta)), rel=1e-9)


def test_complex_step_is_exact_for_an_analytic_function() -> None:
    theta = np.array([0.1, 2.0, -3.0])
    got = oracles.complex_step(lambda t: np.sum(np.exp(t) * t), theta)
    np.testing.assert_allclose(got, np.exp(theta) * (theta + 1), rtol=1e-15)


def _abs_form_cost(theta: np.ndarray) -> np.ndarray:
    """A correct real cost written with max and abs: not analytic."""
    p = make_problem(2, 5, seed=6)
    z = theta[:2] @ p.X + theta[2]
    loss = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - p.Y[0] * z
    return np.mean(loss)


def test_complex_step_refuses_non_analytic_forms() -> None:
    with pytest.raises(ValueError, match="not analytic"):
        oracles.complex_step(_abs_form_cost, np.array([0.5, -1.0, 0.2]))


def test_complex_step_refuses_real_only_functions() -> None:
    with pytest.raises(ValueError, match="does not accept complex input"):
        oracles.complex_step(lambda t: np.sum(np.logaddexp(0.0, t)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="returned a real value"):
        oracles.complex_step(lambda t: np.sum(np.abs(t) ** 2), np.array([0.5, 1.0]))


def test_complex_step_refuses_saturated_logits() -> None:
    X = np.array([[1.0, -1.0]])
    with pytest.raises(ValueError, match=r"max z = 1000 > 700"):
        oracles.complex_step_gradients(np.array([[1e3]]), 0.0, X, np.array([[1.0, 0.0]]))


def test_finite_difference_rejects_unknown_method() -> None:
    p = make_problem(2, 3)
    with pytest.raises(ValueError, match="'central' or 'richardson'"):
        oracles.finite_difference_gradients(*p, method="forward")


def test_oracles_validate_their_input() -> None:
    p = make_problem(2, 3)
    with pytest.raises(ValueError, match="broadcasting trap"):
        oracles.jax_gradients(p.w, p.b, p.X, p.Y.ravel())
    with pytest.raises(ValueError, match="lambd"):
        oracles.finite_difference_gradients(*p, lambd=-1.0)


def test_pack_unpack_round_trip() -> None:
    w, b = np.array([[1.0], [2.0], [3.0]]), -0.5
    theta = oracles.pack(w, b)
    np.testing.assert_array_equal(theta, [1.0, 2.0, 3.0, -0.5])
    w2, b2 = oracles.unpack(theta, 3)
    np.testing.assert_array_equal(w2, w)
    assert b2 == b


def test_jax_sees_the_same_code_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The oracle differentiates forward.cost itself: a change there changes its answer.

    The compiled function reads forward.cost when it is traced, so the test traces again.
    """
    p = make_problem(2, 4, seed=7)
    before = oracles.jax_gradients(*p)
    real_cost = forward.cost
    monkeypatch.setattr(forward, "cost", lambda *a, **k: 3.0 * real_cost(*a, **k))
    monkeypatch.setattr(oracles, "_compiled", {})
    after = oracles.jax_gradients(*p)
    np.testing.assert_allclose(after["dw"], 3.0 * before["dw"], rtol=JAX_RTOL)
    assert after["db"] == pytest.approx(3.0 * before["db"], rel=JAX_RTOL)


def test_the_compilation_cache_folder_fails_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that cannot be made (or 'off') gives None: the oracles compile in memory."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(oracles.CACHE_ENV, str(blocker / "jax"))
    assert oracles._compilation_cache_dir() is None
    monkeypatch.setenv(oracles.CACHE_ENV, "off")
    assert oracles._compilation_cache_dir() is None
    monkeypatch.setenv(oracles.CACHE_ENV, str(tmp_path / "cache"))
    assert oracles._compilation_cache_dir() == tmp_path / "cache"
    assert (tmp_path / "cache").is_dir() and list((tmp_path / "cache").iterdir()) == []
    monkeypatch.delenv(oracles.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert oracles._compilation_cache_dir() == tmp_path / "xdg" / "autograd-lr" / "jax"


def test_several_costs_in_one_call_match_their_single_calls() -> None:
    """jax_values_and_gradients: each cost as if differentiated alone (same code path)."""
    p = make_problem(3, 5, seed=4)
    both = oracles.jax_values_and_gradients(
        [oracles.REFERENCE_COST, oracles.REFERENCE_COST], *p, 0.3
    )
    alone = oracles.jax_value_and_gradients(*p, 0.3)
    for grads, J in both:
        np.testing.assert_allclose(grads["dw"], alone[0]["dw"], rtol=JAX_RTOL)
        assert pytest.approx(alone[1], rel=JAX_RTOL) == J
