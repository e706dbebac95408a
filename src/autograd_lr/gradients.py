r"""Every hand-derived derivative of logistic regression, and nothing else.

The computation graph of one example is :math:`x, w, b \to z \to a \to L`. The chain
rule, one node at a time:

.. math::

    & da = \frac{\partial L}{\partial a} = -\frac{y}{a} + \frac{1 - y}{1 - a}, \qquad
    \frac{\partial a}{\partial z} = a(1 - a), \\
    & dz = da \cdot a(1 - a) = a - y, \qquad
    dw_j = x_j\, dz, \qquad db = dz.

Over m examples each derivative of :math:`J` is the mean of the per-example ones:
:math:`dw = \frac{1}{m} X\, dZ^\top`, :math:`db = \frac{1}{m} \sum_i dz^{(i)}`.

This module never imports jax nor the oracles (independence rule 2): the
hand math stands on its own. Forward quantities (:math:`z`, :math:`\sigma`, the loss)
come from :mod:`autograd_lr.forward`, their one home.

The functions here do not validate their inputs; the public entry points
(:func:`autograd_lr.propagate` and friends) do, then call these.
"""

from __future__ import annotations

import numpy as np

from autograd_lr import forward
from autograd_lr.forward import Array, Grads

# --- local derivatives of the computation graph (one example, or elementwise) ----------


def dL_da(a: Array, y: Array) -> Array:
    r""":math:`da = \partial L / \partial a = -y/a + (1 - y)/(1 - a)`, elementwise.

    Derivative of the lecture's loss :math:`L(a, y) = -(y \log a + (1-y)\log(1-a))`.
    """
    return -y / a + (1 - y) / (1 - a)


def da_dz(a: Array) -> Array:
    r""":math:`\partial a / \partial z = \sigma'(z) = \sigma(z)(1 - \sigma(z)) = a(1 - a)`."""
    return a * (1 - a)


def dL_dz_chain(a: Array, y: Array) -> Array:
    r""":math:`dz` by the chain rule, unsimplified: :math:`da \cdot a(1 - a)`.

    Shows the step before the algebra; :func:`dL_dz` is the simplified form.
    """
    return dL_da(a, y) * da_dz(a)


def dL_dz(a: Array, y: Array) -> Array:
    r""":math:`dz = \partial L / \partial z = a - y`.

    From :math:`\bigl(-\tfrac{y}{a} + \tfrac{1-y}{1-a}\bigr)\, a(1-a) = -y(1-a) + (1-y)a
    = a - y`. Unlike :func:`dL_dz_chain` it never divides by :math:`a` or
    :math:`1 - a`, so it stays exact when :math:`a` saturates.
    """
    return a - y


def dL_dw(x: Array, dz: Array) -> Array:
    r""":math:`dw = \partial L / \partial w = x \, dz` (:math:`dw_j = x_j\, dz`), one example."""
    return x * dz


def dL_db(dz: Array) -> Array:
    r""":math:`db = \partial L / \partial b = dz`, one example (:math:`\partial z / \partial b = 1`)."""
    return dz


# --- over m examples --------------------------------------------------------------------


def gradients_loop(w: Array, b: float, X: Array, Y: Array) -> tuple[Grads, float]:
    r"""The lecture's loop, :math:`dw_j = \frac{1}{m}\sum_i x_j^{(i)} dz^{(i)}`, :math:`db = \frac{1}{m}\sum_i dz^{(i)}`, with explicit ``for`` loops over examples i and features j.

    .. code-block:: text

        J = 0; dw_j = 0; db = 0
        for i = 1..m:
            z⁽ⁱ⁾ = Σ_j w_j x_j⁽ⁱ⁾ + b;   a⁽ⁱ⁾ = σ(z⁽ⁱ⁾)
            J += L(a⁽ⁱ⁾, y⁽ⁱ⁾);          dz⁽ⁱ⁾ = a⁽ⁱ⁾ − y⁽ⁱ⁾
            for j = 1..n_x:  dw_j += x_j⁽ⁱ⁾ dz⁽ⁱ⁾
            db += dz⁽ⁱ⁾
        J /= m;  dw_j /= m;  db /= m

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)`` ->
    ``({"dw": (n_x, 1), "db": float}, J)``. Slow on purpose: it is the teaching
    reference that the vectorized form must equal. The loss term is computed from
    :math:`z` (:func:`autograd_lr.forward.loss_from_logits`), the stable form of
    :math:`L(a, y)`.
    """
    n_x, m = X.shape
    J = 0.0
    dw = [0.0] * n_x
    db = 0.0
    for i in range(m):
        z_i = float(b)
        for j in range(n_x):
            z_i += float(w[j, 0]) * float(X[j, i])
        a_i = float(forward.sigmoid(np.float64(z_i)))
        y_i = float(Y[0, i])
        J += float(forward.loss_from_logits(np.float64(z_i), y_i))
        dz_i = float(dL_dz(a_i, y_i))
        for j in range(n_x):
            dw[j] += float(dL_dw(float(X[j, i]), dz_i))
        db += float(dL_db(dz_i))
    grads: Grads = {"dw": np.array(dw, dtype=np.float64).reshape(n_x, 1) / m, "db": db / m}
    return grads, J / m


def gradients_vectorized(
    w: Array, b: Array | float, X: Array, Y: Array, lambd: float = 0.0
) -> tuple[Grads, Array]:
    r"""Vectorized gradient and cost in one pass, :math:`Z` computed once.

    .. math::

        & Z = w^\top X + b, \quad A = \sigma(Z), \quad dZ = A - Y, \\
        & dw = \tfrac{1}{m} X\, dZ^\top + \tfrac{\lambda}{m} w, \quad
        db = \tfrac{1}{m} \textstyle\sum_i dZ_i

    with cost :math:`J = \frac{1}{m}\sum_i L^{(i)} + \frac{\lambda}{2m}\lVert w\rVert^2`.
    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``, ``lambd`` = λ ≥ 0 ->
    ``({"dw": (n_x, 1), "db": 0-d}, J)``. Runs on any array namespace (numpy, dask).
    """
    m = X.shape[1]
    Z = forward.logits(w, b, X)  # (1, m)
    A = forward.sigmoid(Z)  # (1, m)
    J = forward.cost_from_logits(Z, Y)
    grads = backward(X, A, Y)
    if lambd:
        J = J + forward.l2_penalty(w, m, lambd)
        grads["dw"] = grads["dw"] + l2_gradient(w, m, lambd)
    return grads, J


def backward(X: Array, A: Array, Y: Array) -> Grads:
    r"""Backward propagation over m examples: :math:`dZ = A - Y`, :math:`dw = \frac{1}{m} X\, dZ^\top`, :math:`db = \frac{1}{m} \sum_i dz^{(i)}`.

    ``X (n_x, m)``, ``A (1, m)`` (the forward pass's :math:`a = \sigma(z)`), ``Y (1, m)``
    -> ``{"dw": (n_x, 1), "db": 0-d}``. :math:`dz = a - y` is :func:`dL_dz`; each sum
    over the examples is divided by m (the cost is a mean). Any array namespace.
    """
    xp = forward.namespace(X, A, Y)
    m = X.shape[1]
    dZ = dL_dz(A, Y)  # (1, m)
    dw = (X @ dZ.T) / m  # (n_x, 1)
    db = xp.sum(dZ) / m
    return {"dw": dw, "db": db}


def l2_gradient(w: Array, m: int, lambd: float) -> Array:
    r"""Gradient of the L2 penalty: :math:`\partial/\partial w\, \frac{\lambda}{2m}\lVert w\rVert^2 = \frac{\lambda}{m} w`."""
    return (lambd / m) * w


def hessian(w: Array, b: Array | float, X: Array, lambd: float = 0.0) -> Array:
    r"""Hessian of :math:`J` in :math:`\theta = (w, b)`.

    .. math::

        H = \frac{1}{m} \tilde X \operatorname{diag}\bigl(a(1 - a)\bigr) \tilde X^\top
            + \frac{\lambda}{m} \begin{pmatrix} I_{n_x} & 0 \\ 0 & 0 \end{pmatrix},
        \qquad \tilde X = \begin{pmatrix} X \\ 1 \cdots 1 \end{pmatrix}

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)`` -> ``H (n_x + 1, n_x + 1)``, the last
    row and column belonging to ``b``. It does not depend on ``Y``: differentiating
    :math:`dz = a - y` once more leaves :math:`a(1-a)`.
    """
    xp = forward.namespace(w, X)
    n_x, m = X.shape
    A = forward.sigmoid(forward.logits(w, b, X))  # (1, m)
    S = da_dz(A)  # (1, m), the diagonal weights
    XS = X * S  # (n_x, m)
    H_ww = (XS @ X.T) / m  # (n_x, n_x)
    H_wb = xp.sum(XS, axis=1, keepdims=True) / m  # (n_x, 1)
    H_bb = xp.reshape(xp.sum(S) / m, (1, 1))
    if lambd:
        H_ww = H_ww + (lambd / m) * xp.eye(n_x, dtype=H_ww.dtype)
    top = xp.concat([H_ww, H_wb], axis=1)
    bottom = xp.concat([H_wb.T, H_bb], axis=1)
    return xp.concat([top, bottom], axis=0)
