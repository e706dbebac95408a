r"""The course's training loop, timed: numpy iterations and one compiled jax call.

The course trains :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db` for 2000
iterations on ``X (12288, 209)`` (64×64×3 images), recording the cost every 100. Three
ways to run the same iterations:

* ``course.optimize`` -- the lecture's loop in Python, one
  :func:`~autograd_lr.gradients.gradients_vectorized` per iteration;
* a Python loop over ``course.propagate`` -- the same, on the package's fastest path;
* :func:`jax_training` -- the whole loop as ONE compiled call (``lax.fori_loop``), the
  hand-derived :func:`~autograd_lr.gradients.gradients_vectorized` traced on jax arrays
  (it runs on any array namespace), so XLA sees all iterations at once and Python is
  out of the loop.

Each returns ``(w, b, costs)`` so the run can check they trained the same model.

:func:`notebook_model` is the course's own numpy code (the programming assignment's
``sigmoid``, ``propagate``, ``optimize``, ``predict`` and ``model``, as learners write
it), timed against the package's :func:`autograd_lr.model` on the same data in the same
run: the drop-in must be at least as fast as the code it replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lr import course, gradients

COST_EVERY = course.COST_EVERY

Trained = tuple[np.ndarray, float, list[float]]


def optimize_numpy(X: np.ndarray, Y: np.ndarray, iterations: int, alpha: float) -> Trained:
    """``course.optimize`` from zeros (the lecture's loop, vectorized formula)."""
    w0, b0 = course.initialize_with_zeros(X.shape[0])
    params, _, costs = course.optimize(w0, b0, X, Y, iterations, alpha)
    return params["w"], float(params["b"]), costs


def optimize_propagate(X: np.ndarray, Y: np.ndarray, iterations: int, alpha: float) -> Trained:
    """The same iterations over ``course.propagate`` (its fastest path for this X)."""
    w, b = course.initialize_with_zeros(X.shape[0])
    costs: list[float] = []
    for i in range(iterations):
        grads, J = course.propagate(w, b, X, Y)
        w = w - alpha * grads["dw"]
        b = b - alpha * grads["db"]
        if i % COST_EVERY == 0:
            costs.append(J)
    return w, float(b), costs


def jax_training(
    X: np.ndarray, Y: np.ndarray, iterations: int, alpha: float
) -> Callable[[], Trained]:
    """A function that trains from zeros in one compiled jax call (``lax.fori_loop``).

    Compiled on the first call; the data are moved to jax once, here.
    """
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_enable_x64", True)  # float64 data stay float64
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
    n_costs = -(-iterations // COST_EVERY)

    @jax.jit
    def train(X: Any, Y: Any) -> Any:
        def step(i: Any, state: Any) -> Any:
            w, b, costs = state
            grads, J = gradients.gradients_vectorized(w, b, X, Y)
            costs = lax.cond(
                i % COST_EVERY == 0,
                lambda c: c.at[i // COST_EVERY].set(J),
                lambda c: c,
                costs,
            )
            return w - alpha * grads["dw"], b - alpha * grads["db"], costs

        w0 = jnp.zeros((X.shape[0], 1), X.dtype)
        b0 = jnp.zeros((), X.dtype)
        return lax.fori_loop(0, iterations, step, (w0, b0, jnp.zeros(n_costs, X.dtype)))

    def run() -> Trained:
        w, b, costs = train(Xj, Yj)
        w.block_until_ready()
        return np.asarray(w), float(b), [float(c) for c in np.asarray(costs)]

    return run


# --- the course's own numpy code (the assignment's functions, as written in the course) --------


def _nb_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _nb_propagate(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, Any], float]:
    m = X.shape[1]
    A = _nb_sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    return {"dw": dw, "db": db}, float(np.squeeze(cost))


def _nb_predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    A = _nb_sigmoid(np.dot(w.T, X) + b)
    return (A > 0.5).astype(float)


def notebook_model(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_test: np.ndarray,
    Y_test: np.ndarray,
    num_iterations: int,
    learning_rate: float,
) -> dict[str, Any]:
    """The course's ``model``: zeros, ``num_iterations`` gradient steps, predictions."""
    w, b = np.zeros((X_train.shape[0], 1)), 0.0
    costs = []
    for i in range(num_iterations):
        grads, cost = _nb_propagate(w, b, X_train, Y_train)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % COST_EVERY == 0:
            costs.append(cost)
    return {
        "costs": costs,
        "Y_prediction_test": _nb_predict(w, b, X_test),
        "Y_prediction_train": _nb_predict(w, b, X_train),
        "w": w,
        "b": b,
    }
