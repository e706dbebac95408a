r"""Models of wrong outputs (for code with no source): costs whose oracle gradient is what a mistaken ``propagate`` returns.

Nothing here is a derivative (independence rule 4): each model is a *cost*, written with
:mod:`autograd_lr.forward`'s pieces, and :mod:`autograd_lr.oracles` differentiates it
(``jax.value_and_grad``) at a point ``at(w, b)``. Every cost takes
``(w, b, X, Y, lambd)`` and ignores ``lambd`` (the diagnosis adds the right L2 term, or
fits a wrong one, on top); they are module-level functions because they key the cache
of compiled functions.

====================================  =====================================================
mistake                               model: a cost, differentiated at a point
====================================  =====================================================
(none: the data part of J)            :math:`J` at :math:`(w, b)`
forgot to subtract Y (``dZ = A``)     :math:`J` with every label 0
used z where a belongs                :math:`\frac1m\sum\frac12(z - y)^2`
extra :math:`\sigma'(z) = a(1-a)`     :math:`\frac1m\sum\frac12(\sigma(z) - y)^2`
:math:`1/(1 + e^{z})` for σ           :math:`\nabla J` evaluated at :math:`(-w, -b)`
forgot ``+ b`` in ``Z``               :math:`\nabla J` evaluated at :math:`(w, 0)`
the loop ``range(1, m)``              :math:`\frac1m\sum_{i \ge 2} L^{(i)}`: the first example skipped
the loop ``range(m - 1)``             :math:`\frac1m\sum_{i < m} L^{(i)}`: the last example skipped
(broadcasting, see below)             :math:`J` with every label 1
====================================  =====================================================

The broadcasting trap (``Y`` of shape ``(m, 1)`` against ``A`` of shape ``(1, m)``) makes
``dZ[i, j] = a_j - y_i``, an ``(m, m)`` matrix: its row i is the ``dZ`` of the problem
whose labels are all :math:`y_i`. So column i of the learner's ``X dZᵀ / m`` is the
gradient of :math:`J` with every label equal to :math:`y_i`: the "every label 0"
and "every label 1" models, chosen per example (:mod:`~autograd_lr.checking.diagnosis`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_lr import forward
from autograd_lr.oracles import CostAt, same_point


def data_cost(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    """:math:`J` without its L2 term: the cross-entropy part the mistakes are made in."""
    return forward.cost(w, b, X, Y)


def penalty_alone(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    r""":func:`autograd_lr.forward.l2_penalty` as a cost of ``(w, b, X, Y, λ)``:
    :math:`\frac{\lambda}{2m}\lVert w\rVert^2` alone (zero for λ = 0)."""
    return forward.l2_penalty(w, X.shape[1], lambd)


def labels_zero(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    """Model of "forgot to subtract Y": the cost with every label 0 (its gradient has dZ = A)."""
    return forward.cost(w, b, X, Y * 0.0)


def labels_one(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    """The cost with every label 1 (its gradient has dZ = A − 1): one row of the trap's dZ."""
    return forward.cost(w, b, X, Y * 0.0 + 1.0)


def squared_error_on_logits(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    r"""Model of "used z where a belongs": :math:`\frac1m\sum\frac12(z - y)^2` (dZ = Z − Y)."""
    xp = forward.namespace(w, X, Y)
    Z = forward.logits(w, b, X)
    return xp.sum(0.5 * (Z - Y) * (Z - Y)) / X.shape[1]


def squared_error_through_sigmoid(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    r"""Model of "an extra σ'(z)": :math:`\frac1m\sum\frac12(\sigma(z) - y)^2` (dZ = (A − Y)·A(1 − A))."""
    xp = forward.namespace(w, X, Y)
    A = forward.sigmoid(forward.logits(w, b, X))
    return xp.sum(0.5 * (A - Y) * (A - Y)) / X.shape[1]


def _partial_mean(w: Any, b: Any, X: Any, Y: Any, m: int) -> Any:
    r""":math:`\frac1m\sum_i L^{(i)}` over the columns of ``X`` given, divided by the full m."""
    xp = forward.namespace(w, X, Y)
    return xp.sum(forward.loss_from_logits(forward.logits(w, b, X), Y)) / m


def first_example_skipped(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    r"""Model of ``for i in range(1, m)``: :math:`\frac1m\sum_{i=2}^{m} L^{(i)}`."""
    return _partial_mean(w, b, X[:, 1:], Y[:, 1:], X.shape[1])


def last_example_skipped(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    r"""Model of ``for i in range(m - 1)``: :math:`\frac1m\sum_{i=1}^{m-1} L^{(i)}`."""
    return _partial_mean(w, b, X[:, :-1], Y[:, :-1], X.shape[1])


def flipped_point(w: Any, b: Any) -> tuple[Any, Any]:
    r""":math:`(w, b) \mapsto (-w, -b)`: "σ(z) computed as 1/(1 + e^z)" is the right gradient read there."""
    return -w, -b


def no_bias_point(w: Any, b: Any) -> tuple[Any, Any]:
    r""":math:`(w, b) \mapsto (w, 0)`: "forgot + b" is the right gradient read there."""
    return w, b * 0.0


@dataclass(frozen=True)
class OutputModel:
    """A model of a wrong output: ``cost`` differentiated at ``at(w, b)``, for code with no source."""

    cost: Callable[..., Any]
    at: Callable[[Any, Any], tuple[Any, Any]] = same_point
    predicts_cost: bool = False  # whether the learner's cost is this model's value as well
    base: bool = True  # whether the diagnosis tries it as the root of a mistake in dw, db, J

    @property
    def cost_at(self) -> CostAt:
        return (self.cost, self.at)


MODELS: dict[str, OutputModel] = {
    "correct": OutputModel(data_cost, predicts_cost=True),
    "forgot_Y": OutputModel(labels_zero),
    "z_instead_of_a": OutputModel(squared_error_on_logits),
    "extra_sigmoid_derivative": OutputModel(squared_error_through_sigmoid),
    "sigmoid_sign": OutputModel(data_cost, flipped_point, predicts_cost=True),
    "forgot_bias": OutputModel(data_cost, no_bias_point, predicts_cost=True),
    "first_example_skipped": OutputModel(first_example_skipped, predicts_cost=True),
    "last_example_skipped": OutputModel(last_example_skipped, predicts_cost=True),
    "labels_one": OutputModel(labels_one, predicts_cost=True, base=False),
    "penalty": OutputModel(penalty_alone, predicts_cost=True, base=False),
}
BASES = tuple(name for name, model in MODELS.items() if model.base)
