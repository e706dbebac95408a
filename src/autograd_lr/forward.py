r"""The forward model of logistic regression, written once.

.. math::

    & z = w^\top x + b, \qquad a = \sigma(z) = \frac{1}{1 + e^{-z}}, \\
    & L(a, y) = -\bigl(y \log a + (1 - y) \log(1 - a)\bigr), \qquad
    J(w, b) = \frac{1}{m} \sum_{i=1}^{m} L(a^{(i)}, y^{(i)})

Shapes follow the lecture: ``X (n_x, m)`` one column per example, ``Y (1, m)``,
``w (n_x, 1)``, scalar ``b``, ``Z`` and ``A`` of shape ``(1, m)``.

Every function here runs unchanged on numpy, jax.numpy and dask arrays: the array
namespace is read off the arguments, so ``jax.grad`` differentiates exactly the code
users run, never a re-typed copy. This module imports none of the others in the
package (independence rule 1); it holds no derivative.
"""

from __future__ import annotations

from typing import Any, TypedDict

import array_api_compat
import array_api_compat.numpy
import numpy

Array = Any  # a numpy, jax.numpy or dask array; the namespace is inferred


class Grads(TypedDict):
    """The gradient of :math:`J` as the lecture's ``propagate`` returns it.

    ``dw (n_x, 1)`` and the scalar ``db``. Defined here, beside the model both sides
    differentiate, so that the hand math and the oracles share the type and nothing else.
    """

    dw: Array
    db: Any


def namespace(*arrays: Any) -> Any:
    """The array namespace (numpy, jax.numpy, dask.array, ...) of ``arrays``.

    Python scalars are ignored, so ``namespace(w, 0.0, X)`` is the namespace of ``w``
    and ``X``; with no array at all it is numpy. numpy arrays defer to any other
    namespace: a small numpy ``w`` with a dask ``X`` computes with dask.
    """
    found = [x for x in arrays if not isinstance(x, int | float | complex)]
    others = [x for x in found if not isinstance(x, numpy.ndarray | numpy.generic)]
    if others:
        return array_api_compat.array_namespace(*others)
    return array_api_compat.array_namespace(*found) if found else array_api_compat.numpy


def sigmoid(z: Array) -> Array:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise, any shape.

    Stable for every finite ``z``: with :math:`e = e^{-|z|} \in (0, 1]`,
    :math:`\sigma(z) = 1/(1 + e)` for :math:`z \ge 0` and :math:`e/(1 + e)` for
    :math:`z < 0`. The exponent is never positive, so nothing overflows and neither
    branch warns at :math:`|z| = 10^4`.
    """
    xp = namespace(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def predict_labels(Z: Array) -> Array:
    r"""The one prediction rule: :math:`\hat y = 1` where :math:`a = \sigma(z) > \frac12`, i.e. :math:`z > 0`.

    ``Z (1, m)`` (any shape) -> booleans of the same shape. Written on :math:`z`, not on
    :math:`a`: :math:`\sigma(z) > \frac12 \iff z > 0` exactly, but in floating point
    :math:`\sigma(z)` rounds to exactly :math:`\frac12` for :math:`0 < z \le 1.1\cdot
    10^{-16}`, where ``A > 0.5`` would say 0 and ``Z > 0`` says 1. Every entry point
    (the course's ``predict``, the estimator, saved models, ``autograd-lr predict``)
    uses this function, so the same weights give the same labels everywhere.
    """
    return Z > 0


def logits(w: Array, b: Array | float, X: Array) -> Array:
    r"""Logits :math:`Z = w^\top X + b`.

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)`` -> ``Z (1, m)``.
    """
    return w.T @ X + b


def softplus(z: Array, *, analytic: bool = False) -> Array:
    r"""Softplus :math:`\log(1 + e^{z})`, elementwise.

    The default form is ``logaddexp(0, z)``, exact and overflow-free for every finite
    ``z`` (for :math:`z = 10^3` it returns :math:`10^3`, where :math:`\log(1 + e^z)`
    would be ``inf``).

    ``analytic=True`` evaluates the textbook :math:`\log(1 + e^{z})` literally. That
    form is holomorphic, so it accepts complex ``z`` (the complex-step oracle needs
    this), but :math:`e^{z}` overflows for :math:`\operatorname{Re} z > 709`: use it
    only where the caller has checked the range.
    """
    xp = namespace(z)
    if analytic:
        return xp.log1p(xp.exp(z))
    return xp.logaddexp(xp.zeros_like(z), z)


def loss(a: Array, y: Array) -> Array:
    r"""Cross-entropy loss :math:`L(a, y) = -(y \log a + (1 - y) \log(1 - a))`, elementwise.

    The lecture's form, in terms of the prediction :math:`a = \sigma(z)`; it is the
    node the computation graph differentiates first (:math:`da = \partial L/\partial a`).
    It is ``inf`` once ``a`` rounds to 0 or 1 (:math:`|z| \gtrsim 37`): compute costs
    with :func:`loss_from_logits`, which never forms :math:`\log a`.
    """
    xp = namespace(a, y)
    return -(y * xp.log(a) + (1 - y) * xp.log(1 - a))


def loss_from_logits(z: Array, y: Array, *, analytic: bool = False) -> Array:
    r"""Cross-entropy loss from the logit, :math:`L = \log(1 + e^{z}) - y z`, elementwise.

    The same :math:`L(\sigma(z), y)` as :func:`loss`, rewritten with
    :math:`\log \sigma(z) = z - \log(1 + e^{z})` and
    :math:`\log(1 - \sigma(z)) = -\log(1 + e^{z})`, so that it stays exact for large
    :math:`|z|` (the softplus form of the lecture's notes). ``analytic`` is passed to
    :func:`softplus`.
    """
    return softplus(z, analytic=analytic) - y * z


def cost_from_logits(Z: Array, Y: Array, *, analytic: bool = False) -> Array:
    r"""Cost from the logits, :math:`J = \frac{1}{m} \sum_i L(a^{(i)}, y^{(i)})` with :math:`L = \log(1 + e^{z}) - y z`.

    ``Z (1, m)``, ``Y (1, m)`` -> a 0-d array: the mean of :func:`loss_from_logits`
    (``analytic`` is passed to it). The unregularized part of :func:`cost`, for callers
    that have ``Z`` already (forward propagation computes it once).
    """
    xp = namespace(Z, Y)
    m = Z.shape[1]
    return xp.sum(loss_from_logits(Z, Y, analytic=analytic)) / m


def l2_penalty(w: Array, m: int, lambd: float) -> Array:
    r"""L2 penalty :math:`\frac{\lambda}{2m} \lVert w \rVert^2`; the bias is not regularized.

    Written as :math:`\sum w \cdot w` (not :math:`|w|^2`), which is holomorphic in ``w``.
    """
    xp = namespace(w)
    return (lambd / (2.0 * m)) * xp.sum(w * w)


def cost(
    w: Array,
    b: Array | float,
    X: Array,
    Y: Array,
    lambd: float = 0.0,
    *,
    analytic: bool = False,
) -> Array:
    r"""Cost :math:`J(w, b) = \frac{1}{m} \sum_i L(a^{(i)}, y^{(i)}) + \frac{\lambda}{2m} \lVert w \rVert^2`.

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``, ``lambd`` = :math:`\lambda
    \ge 0` -> a 0-d array. Computed from the logits (:func:`loss_from_logits`), so it is
    finite and exact for :math:`|z|` up to :math:`10^4` and beyond. This is the one
    definition of J that the hand-derived gradients and every oracle differentiate.
    """
    m = X.shape[1]
    J = cost_from_logits(logits(w, b, X), Y, analytic=analytic)
    if lambd:
        J = J + l2_penalty(w, m, lambd)
    return J
