"""The one catalogue of learners' propagates: correct forms and planted mistakes.

Every function is written the way a learner writes it. ``CORRECT`` must pass; each
:class:`Planted` must fail on exactly ``wrong``, and, checked with no source (outputs
only, :func:`without_source`), with exactly the output models' codes ``mistakes``. The reports are computed once per test session
(the session-scoped fixtures at the end, registered in ``conftest.py``) and shared by
``test_check*.py``, ``test_diagnosis.py`` and ``test_exercises.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from autograd_lr import course, forward, gradients
from autograd_lr.checking.check import GradientReport, check_gradients

# --- correct implementations, written the ways learners write them ---


def course_style(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, np.squeeze(cost)


def einsum_style(w, b, X, Y):
    m = X.shape[1]
    Z = np.einsum("jk,jm->km", w, X) + b
    A = forward.sigmoid(Z)
    cost = np.einsum("km->", np.logaddexp(0.0, Z) - Y * Z) / m
    dZ = A - Y
    return {"dw": np.einsum("jm,km->jk", X, dZ) / m, "db": np.einsum("km->", dZ) / m}, cost


def per_example_loop(w, b, X, Y):
    """The lecture's two loops (gradients.gradients_loop)."""
    return gradients.gradients_loop(w, b, X, Y)


def unsimplified_chain_rule(w, b, X, Y):
    """dz = da · a(1 − a), without the algebra that makes it a − y."""
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    dA = -Y / A + (1 - Y) / (1 - A)
    dZ = dA * A * (1 - A)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost


def dw_db_only(w, b, X, Y):
    grads, _ = course.propagate(w, b, X, Y)
    return grads["dw"], grads["db"]


def jax_autodiff(w, b, X, Y):
    """A learner who lets jax differentiate, in 64-bit mode."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        J, (dw, db) = jax.value_and_grad(forward.cost, argnums=(0, 1))(
            jnp.asarray(w), jnp.asarray(b), jnp.asarray(X), jnp.asarray(Y)
        )
        return {"dw": np.asarray(dw), "db": float(db)}, float(J)


CORRECT = [
    course.propagate,
    course_style,
    einsum_style,
    per_example_loop,
    unsimplified_chain_rule,
    dw_db_only,
    jax_autodiff,
]


# --- planted mistakes, one (or a combination) each ---


def _parts(w: Any, b: Any, X: Any, Y: Any, *, m_axis: int = 1) -> tuple[int, Any, Any]:
    """The course-style forward pass: m, A and the cost."""
    m = X.shape[m_axis]
    Z = np.dot(w.T, X) + b
    A = 1 / (1 + np.exp(-Z))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return m, A, cost


def _out(dw: Any, db: Any, cost: Any) -> tuple[dict[str, Any], Any]:
    return {"dw": dw, "db": db}, cost


def missing_1_over_m(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T), np.sum(dZ) / m, cost)


def db_summed(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ), cost)


def sign_flipped(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = Y - A
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def dw_transposed(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(dZ, X.T) / m, np.sum(dZ) / m, cost)


def dw_flattened(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out((np.dot(X, dZ.T) / m).ravel(), np.sum(dZ) / m, cost)


def forgot_Y(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def z_instead_of_a(w, b, X, Y):
    m, _, cost = _parts(w, b, X, Y)
    Z = np.dot(w.T, X) + b
    dZ = Z - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def extra_sigmoid_derivative(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dA = A - Y  # mistaken for dL/da, then chained through σ' again
    dZ = dA * A * (1 - A)
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def m_from_wrong_axis(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y, m_axis=0)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def cost_sign_flipped(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def cost_summed(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def spurious_regularization(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m + 0.1 / m * w, np.sum(dZ) / m, cost)


def last_feature_skipped(w, b, X, Y):
    """The lecture's double loop, with the loop over features one short."""
    n_x, m = X.shape
    dw = np.zeros((n_x, 1))
    db = 0.0
    cost = 0.0
    for i in range(m):
        z = float(np.dot(w[:, 0], X[:, i]) + b)
        a = 1 / (1 + np.exp(-z))
        cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        for j in range(n_x - 1):
            dw[j, 0] += X[j, i] * dz
        db += dz
    return _out(dw / m, db / m, cost / m)


def divided_by_m_twice(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = (A - Y) / m
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def sigmoid_sign(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = 1 / (1 + np.exp(Z))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def forgot_bias(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-np.dot(w.T, X)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def log10_cost(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = -np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)) / m
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


# --- combinations ---


def sign_flipped_and_missing_1_over_m(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = Y - A
    return _out(np.dot(X, dZ.T), np.sum(dZ) / m, cost)


def forgot_Y_and_db_summed(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ), cost)


def extra_sigmoid_derivative_and_wrong_axis(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y, m_axis=0)
    dZ = (A - Y) * A * (1 - A)
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def sign_flipped_and_spurious_regularization(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = Y - A
    return _out(np.dot(X, dZ.T) / m + 0.25 / m * w, np.sum(dZ) / m, cost)


def cost_sign_and_summed(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def forgot_to_sum(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(X * dZ / m, np.sum(dZ) / m, cost)


def cost_not_averaged(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    losses = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, losses)


def float32(w, b, X, Y):
    w, X, Y = (a.astype(np.float32) for a in (w, X, Y))
    m, A, cost = _parts(w, np.float32(b), X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


# --- the mistakes of the checker issue (#11), as learners wrote them ---


def broadcasting_trap_reshape(w, b, X, Y):
    """Y = Y.reshape(-1, 1) inside propagate: A − Y becomes (m, m)."""
    m = X.shape[1]
    Y = Y.reshape(-1, 1)
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    dw = np.dot(X, dZ.T) / m
    db = np.sum(dZ) / m
    return {"dw": dw, "db": db}, cost


def broadcasting_trap_transpose(w, b, X, Y):
    """dZ = A - Y.T: the same (m, m) matrix, the cost right."""
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y.T
    dw = np.dot(X, dZ.T) / m
    db = np.sum(dZ) / m
    return {"dw": dw, "db": db}, cost


def one_based_loop(w, b, X, Y):
    """The lecture's `for i = 1..m` carried into Python as range(1, m)."""
    n_x, m = X.shape
    dw, db, cost = np.zeros((n_x, 1)), 0.0, 0.0
    for i in range(1, m):
        a = 1 / (1 + np.exp(-(float(np.dot(w[:, 0], X[:, i])) + b)))
        cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        for j in range(n_x):
            dw[j, 0] += X[j, i] * dz
        db += dz
    return {"dw": dw / m, "db": db / m}, cost / m


def loop_stops_one_short(w, b, X, Y):
    """range(m - 1): the last example left out."""
    n_x, m = X.shape
    dw, db, cost = np.zeros((n_x, 1)), 0.0, 0.0
    for i in range(m - 1):
        a = 1 / (1 + np.exp(-(float(np.dot(w[:, 0], X[:, i])) + b)))
        cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        dw[:, 0] += X[:, i] * dz
        db += dz
    return {"dw": dw / m, "db": db / m}, cost / m


def epsilon_in_log(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A + 1e-8) + (1 - Y) * np.log(1 - A + 1e-8)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost


def cost_as_1_by_1(w, b, X, Y):
    """The cost by matrix products: a (1, 1) array, where float(cost) fails."""
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost


def dw_as_list(w, b, X, Y):
    grads, cost = course.propagate(w, b, X, Y)
    return {"dw": grads["dw"].tolist(), "db": grads["db"]}, cost


def dw_as_matrix(w, b, X, Y):
    """dw as np.matrix: right values, but * becomes a matrix product in the next step."""
    grads, cost = course.propagate(w, b, X, Y)
    return {"dw": np.matrix(grads["dw"]), "db": grads["db"]}, cost


def dw_fully_masked(w, b, X, Y):
    """A masked dw whose every entry is hidden: the values underneath are right."""
    grads, cost = course.propagate(w, b, X, Y)
    return {"dw": np.ma.masked_array(grads["dw"], mask=True), "db": grads["db"]}, cost


def db_as_1_by_1(w, b, X, Y):
    m = X.shape[1]
    A = forward.sigmoid(np.dot(w.T, X) + b)
    dZ = A - Y
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return {"dw": np.dot(X, dZ.T) / m, "db": db}, forward.cost(w, b, X, Y)


def grads_as_list(w, b, X, Y):
    """[dw, db], cost: the gradients in a list where the course has a dict."""
    grads, cost = course.propagate(w, b, X, Y)
    return [grads["dw"], grads["db"]], cost


@dataclass(frozen=True)
class Planted:
    fn: Callable[..., Any]
    wrong: list[str]
    mistakes: set[str]
    # text every report of it must contain, at the "fix" level
    says: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.fn.__name__


# Mistakes of the code around a right formula: an array that broadcasts to (m, m), a loop
# that skips an example, an ε in the log, a result of the wrong type or shape.
CODE_MISTAKES = [
    Planted(
        broadcasting_trap_reshape,
        ["dw", "db", "cost"],
        {"broadcasting_trap"},
        ("(m, m)", "(5, 7)", "Y = Y.reshape(1, -1)"),
    ),
    Planted(
        broadcasting_trap_transpose, ["dw", "db"], {"broadcasting_trap"}, ("(m, m)", "dZ = A - Y")
    ),
    Planted(
        one_based_loop,
        ["dw", "db", "cost"],
        {"first_example_skipped"},
        ("range(1, m)", "exactly 0", "for i in range(m):"),
    ),
    Planted(
        loop_stops_one_short, ["dw", "db", "cost"], {"last_example_skipped"}, ("range(m - 1)",)
    ),
    Planted(epsilon_in_log, ["cost"], {"epsilon_in_log"}, ("ε = 1e-08", "harmless", "18.4")),
    Planted(cost_as_1_by_1, [], {"return_contract"}, ("(1, 1)", "return np.squeeze(cost)")),
    Planted(dw_as_list, [], {"return_contract"}, ("dw is a list", "no .tolist()")),
    Planted(db_as_1_by_1, [], {"return_contract"}, ("db is an array of shape (1, 1)",)),
    Planted(dw_as_matrix, [], {"return_contract"}, ("matrix", "np.asarray(dw)")),
    Planted(dw_fully_masked, [], {"return_contract"}, ("MaskedArray", "np.asarray(dw)")),
    Planted(grads_as_list, [], {"return_contract"}, ('return {"dw": dw, "db": db}, cost',)),
]


# Mistakes of the formula itself: a factor, a sign, a sum, an axis or a term wrong.
FORMULA_MISTAKES = [
    Planted(missing_1_over_m, ["dw"], {"missing_1_over_m"}),
    Planted(db_summed, ["db"], {"db_summed"}),
    Planted(sign_flipped, ["dw", "db"], {"sign_flipped"}),
    Planted(dw_transposed, ["dw"], {"dw_transposed"}),
    Planted(dw_flattened, ["dw"], {"dw_flattened"}),
    Planted(forgot_Y, ["dw", "db"], {"forgot_Y"}),
    Planted(z_instead_of_a, ["dw", "db"], {"z_instead_of_a"}),
    Planted(extra_sigmoid_derivative, ["dw", "db"], {"extra_sigmoid_derivative"}),
    Planted(m_from_wrong_axis, ["dw", "db", "cost"], {"m_from_wrong_axis"}),
    Planted(cost_sign_flipped, ["cost"], {"cost_sign_flipped"}),
    Planted(cost_summed, ["cost"], {"cost_summed"}),
    Planted(spurious_regularization, ["dw"], {"spurious_regularization"}),
    Planted(last_feature_skipped, ["dw"], {"one_entry_wrong"}),
    Planted(divided_by_m_twice, ["dw", "db"], {"divided_by_m_twice"}),
    Planted(sigmoid_sign, ["dw", "db", "cost"], {"sigmoid_sign"}),
    Planted(forgot_bias, ["dw", "db", "cost"], {"forgot_bias"}),
    Planted(log10_cost, ["cost"], {"log10"}),
    Planted(sign_flipped_and_missing_1_over_m, ["dw", "db"], {"sign_flipped", "missing_1_over_m"}),
    Planted(forgot_Y_and_db_summed, ["dw", "db"], {"forgot_Y", "db_summed"}),
    Planted(
        extra_sigmoid_derivative_and_wrong_axis,
        ["dw", "db", "cost"],
        {"extra_sigmoid_derivative", "m_from_wrong_axis"},
    ),
    Planted(
        sign_flipped_and_spurious_regularization,
        ["dw", "db"],
        {"sign_flipped", "spurious_regularization"},
    ),
    Planted(cost_sign_and_summed, ["cost"], {"cost_sign_flipped", "cost_summed"}),
    Planted(forgot_to_sum, ["dw"], {"forgot_to_sum"}),
    Planted(cost_not_averaged, ["cost"], {"forgot_to_sum"}),
    Planted(float32, ["dw", "db", "cost"], {"float32"}),
]

PLANTED = FORMULA_MISTAKES + CODE_MISTAKES


# --- reports, computed once per session ---


def without_source(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as a callable whose source Python cannot find (``inspect.getsource`` raises
    ``TypeError`` on a ``functools.partial``): the checker sees its outputs only."""
    import inspect

    wrapped = functools.partial(fn)
    with pytest.raises(TypeError):
        inspect.getsource(wrapped)
    return wrapped


@pytest.fixture(scope="session")
def planted_reports() -> dict[str, GradientReport]:
    """check_gradients (full mode) of every planted mistake, by function name: the source
    is traced, so the diagnosis is the repair search's finding and the facts of the run."""
    return {p.name: check_gradients(p.fn, fast=False) for p in PLANTED}


@pytest.fixture(scope="session")
def planted_output_reports() -> dict[str, GradientReport]:
    """check_gradients (full mode) of every planted mistake with no source: the output
    models name ``Planted.mistakes``."""
    return {p.name: check_gradients(without_source(p.fn), fast=False, name=p.name) for p in PLANTED}


@pytest.fixture(scope="session")
def planted_output_fast_reports() -> dict[str, GradientReport]:
    """The same in fast mode (which drills down to the full check where a direction disagrees)."""
    return {p.name: check_gradients(without_source(p.fn), fast=True, name=p.name) for p in PLANTED}


@pytest.fixture(scope="session")
def correct_reports() -> dict[str, GradientReport]:
    """check_gradients of every correct form, by function name."""
    return {fn.__name__: check_gradients(fn) for fn in CORRECT}
