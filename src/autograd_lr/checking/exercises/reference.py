r"""The reference's values for the exercises, from the oracles and the forward model only.

Gradient descent is driven by ``jax.grad`` of the reference cost
(:func:`autograd_lr.oracles.jax_value_and_gradients` of :func:`autograd_lr.forward.cost`):

.. math::

    w_{k+1} = w_k - \alpha\, \nabla_w J(w_k, b_k), \qquad
    b_{k+1} = b_k - \alpha\, \partial_b J(w_k, b_k), \qquad k = 0, \dots, N - 1,

in float64, with :math:`J(w_k, b_k)` recorded at :math:`k = 0, 100, 200, \dots` (the course's
interval) and the gradients of the last iteration (at :math:`w_{N-1}, b_{N-1}`) returned.
Predictions are :func:`autograd_lr.forward.predict_labels` of
:func:`autograd_lr.forward.logits`: :math:`\hat y = [z > 0] = [\sigma(z) > 0.5]`. Nothing
here derives a gradient by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd_lr import forward, oracles
from autograd_lr.checking.exercises.rules import COST_EVERY


@dataclass(frozen=True)
class Descent:
    """The trajectory's end: ``w (n_x, 1)``, ``b``, the last gradients, the recorded costs."""

    w: np.ndarray
    b: float
    dw: np.ndarray
    db: float
    costs: tuple[float, ...]


def descent(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, num_iterations: int, learning_rate: float
) -> Descent:
    """Gradient descent by ``jax.grad``, ``num_iterations`` >= 1 steps of size ``learning_rate``."""
    if num_iterations < 1:
        raise ValueError(f"num_iterations must be >= 1, got {num_iterations}")
    w = np.array(w, dtype=np.float64)
    b = float(b)
    costs: list[float] = []
    dw, db = np.zeros_like(w), 0.0
    for i in range(num_iterations):
        grads, J = oracles.jax_value_and_gradients(w, b, X, Y)
        dw, db = np.asarray(grads["dw"]), float(grads["db"])
        if i % COST_EVERY == 0:
            costs.append(float(J))
        w = w - learning_rate * dw
        b = b - learning_rate * db
    return Descent(w, b, dw, db, tuple(costs))


def labels(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """The one prediction rule, as 0.0/1.0 labels of shape (1, m)."""
    Z = forward.logits(np.asarray(w, dtype=np.float64), float(b), np.asarray(X, dtype=np.float64))
    return np.asarray(forward.predict_labels(Z), dtype=np.float64)


def accuracy(Y_prediction: np.ndarray, Y: np.ndarray) -> float:
    r"""Accuracy in percent, :math:`100\,(1 - \frac1m \sum_i |\hat y^{(i)} - y^{(i)}|)`."""
    return float(100.0 - np.mean(np.abs(Y_prediction - Y)) * 100.0)
