r"""The lecture's course-style functions, read as the lecture: forward, then gradients.

``initialize_with_zeros``, ``propagate``, ``optimize``, ``predict`` and ``model`` have
the signatures a learner of the course knows, so this package drops into their code.
Each validates its input (a clear ``ValueError`` naming shapes) and none mutates it.
Each is the course's cell for it: :math:`z`, :math:`a` and the cost :math:`J` from
:mod:`~autograd_lr.forward`, :math:`dw` and :math:`db` from :mod:`~autograd_lr.gradients`,
and nothing else. How to evaluate the same gradient fast (the single-pass kernel, Dask)
is training's concern (:class:`autograd_lr.training.objective.LogisticLoss`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lr import forward, gradients
from autograd_lr.forward import Grads
from autograd_lr.validation import (
    validate_b,
    validate_iterations,
    validate_learning_rate,
    validate_problem,
    validate_w,
    validate_X,
    validate_Y,
)

COST_EVERY = 100  # the lecture records (and prints) the cost every 100 iterations


def sigmoid(z: Any) -> Any:
    r"""Logistic function :math:`\sigma(z) = 1/(1 + e^{-z})`, elementwise; stable for all finite z.

    Parameters
    ----------
    z : float or array_like
        A number, a list or an array of any shape (numpy or jax.numpy), e.g. the row
        ``Z (1, m)`` of logits; integers become float64.

    Returns
    -------
    float or ndarray or jax.Array
        :math:`\sigma(z)`, the same shape as ``z``, every value in :math:`[0, 1]`; no
        overflow for any finite ``z`` (the exponent is never positive).

    Examples
    --------
    >>> from autograd_lr import sigmoid
    >>> print(sigmoid(np.array([0.0, 2.0])))
    [0.5        0.88079708]
    """
    if isinstance(z, int | float | list | tuple) or (
        isinstance(z, np.ndarray) and z.dtype.kind in "biu"
    ):
        z = np.asarray(z, dtype=np.float64)
    return forward.sigmoid(z)


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    r"""Zero parameters :math:`w = 0 \in \mathbb{R}^{dim \times 1}`, :math:`b = 0`.

    Parameters
    ----------
    dim : int
        The number of features n_x, at least 1.

    Returns
    -------
    w : ndarray
        Zeros of shape ``(dim, 1)``, float64.
    b : float
        ``0.0``.

    Raises
    ------
    ValueError
        If ``dim`` is not a positive integer.

    Examples
    --------
    >>> from autograd_lr import initialize_with_zeros
    >>> w, b = initialize_with_zeros(2)
    >>> print(w.shape, b)
    (2, 1) 0.0
    """
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ValueError(f"dim (n_x, the number of features) must be an integer >= 1, got {dim!r}")
    return np.zeros((int(dim), 1), dtype=np.float64), 0.0


def propagate(w: Any, b: Any, X: Any, Y: Any) -> tuple[Grads, float]:
    r"""Cost and gradient of :math:`J(w, b)`, vectorized (forward and backward propagation).

    .. math::

        & A = \sigma(w^\top X + b), \quad
        J = -\tfrac{1}{m}\textstyle\sum_i \bigl(y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\bigr), \\
        & dw = \tfrac{1}{m} X (A - Y)^\top, \quad db = \tfrac{1}{m}\textstyle\sum_i (a^{(i)} - y^{(i)})

    float32 input gives float32 ``dw``; everything else is float64.

    Parameters
    ----------
    w : array_like
        Weights, shape ``(n_x, 1)``.
    b : float
        Bias, a scalar.
    X : array_like
        Inputs, shape ``(n_x, m)``: one column per example.
    Y : array_like
        Labels 0 or 1, shape ``(1, m)``.

    Returns
    -------
    grads : dict
        ``{"dw": (n_x, 1) array, "db": np.float64}`` (``db`` is the ``np.float64`` the
        course's notebook asserts).
    cost : float
        :math:`J(w, b)`.

    Raises
    ------
    ValueError
        If a shape does not match the others (the message gives the shapes), a label is
        not 0 or 1, a value is NaN or infinite, or the cost overflows.

    Examples
    --------
    >>> grads, cost = propagate(np.array([[1.0], [2.0]]), 2.0,
    ...                         np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]),
    ...                         np.array([[1, 0, 1]]))
    >>> print(np.round(grads["dw"].ravel(), 8), round(grads["db"], 8), round(cost, 8))
    [0.99845601 2.39507239] 0.00145558 5.80154532
    """
    w, b, X, Y = validate_problem(w, b, X, Y)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        grads, cost = _forward_backward(w, b, X, Y)
    _raise_on_overflow(cost, grads)
    return grads, float(cost)


def _forward_backward(w: Any, b: Any, X: Any, Y: Any) -> tuple[Grads, Any]:
    """One forward and one backward propagation on validated input: ``({"dw", "db"}, J)``."""
    # forward propagation
    Z = forward.logits(w, b, X)  # z = wᵀx + b, (1, m)
    A = forward.sigmoid(Z)  # a = σ(z), (1, m)
    cost = forward.cost_from_logits(Z, Y)  # J = (1/m) Σ L(a, y), computed from z
    # backward propagation
    grads = gradients.backward(X, A, Y)  # dz = a − y, dw = (1/m) X dZᵀ, db = (1/m) Σ dz
    return {"dw": grads["dw"], "db": np.float64(grads["db"])}, cost


def _raise_on_overflow(J: Any, grads: Grads) -> None:
    """Finite inputs whose z = wᵀX + b overflows give inf − inf = NaN: say so, never return it."""
    if not (np.isfinite(J) and np.all(np.isfinite(grads["dw"])) and np.isfinite(grads["db"])):
        raise ValueError(
            "z = wᵀX + b overflowed float64 (|z| > 1.8e308), so the cost is not a number; "
            "standardize the features of X and check the size of w"
        )


def optimize(
    w: Any,
    b: Any,
    X: Any,
    Y: Any,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict[str, Any], Grads, list[float]]:
    r"""Gradient descent: repeat :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`.

    The inputs are not modified.

    Parameters
    ----------
    w : array_like
        Initial weights, shape ``(n_x, 1)``.
    b : float
        Initial bias.
    X : array_like
        Inputs, shape ``(n_x, m)``.
    Y : array_like
        Labels 0 or 1, shape ``(1, m)``.
    num_iterations : int
        The number of gradient steps.
    learning_rate : float
        The step size :math:`\alpha > 0`.
    print_cost : bool
        Print the cost every 100 iterations.

    Returns
    -------
    params : dict
        ``{"w": (n_x, 1), "b": float}`` after the last step.
    grads : dict
        ``{"dw", "db"}`` of the last iteration.
    costs : list of float
        The cost at iterations 0, 100, 200, ...

    Raises
    ------
    ValueError
        For the shapes and values :func:`propagate` refuses, or a learning rate or number
        of iterations that is not positive.

    Examples
    --------
    >>> from autograd_lr import optimize
    >>> X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    >>> params, grads, costs = optimize(np.zeros((2, 1)), 0.0, X, Y, num_iterations=101)
    >>> len(costs), costs[0] > costs[1]
    (2, True)
    """
    w, b, X, Y = validate_problem(w, b, X, Y)
    num_iterations = validate_iterations(num_iterations)
    learning_rate = float(validate_learning_rate(learning_rate))
    w = w.copy()
    costs: list[float] = []
    if num_iterations == 0:  # no step taken: the gradient at the starting point
        grads, _ = propagate(w, b, X, Y)
    for i in range(num_iterations):
        grads, J = _forward_backward(w, b, X, Y)  # validated above
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % COST_EVERY == 0:
            costs.append(float(J))
            if print_cost:
                print(f"Cost after iteration {i}: {float(J):f}")
    return {"w": w, "b": float(b)}, grads, costs


def predict(w: Any, b: Any, X: Any) -> np.ndarray:
    r"""Labels :math:`\hat y = 1` where :math:`a = \sigma(w^\top x + b) > 0.5`, else 0.

    The rule is :func:`autograd_lr.forward.predict_labels` (written as :math:`z > 0`).

    Parameters
    ----------
    w : array_like
        Weights, shape ``(n_x, 1)``.
    b : float
        Bias.
    X : array_like
        Inputs, shape ``(n_x, m)``.

    Returns
    -------
    ndarray
        ``Y_prediction (1, m)`` of 0.0 and 1.0.

    Raises
    ------
    ValueError
        If the shapes do not match or a value is NaN or infinite.

    Examples
    --------
    >>> from autograd_lr import predict
    >>> print(predict(np.array([[1.0], [-1.0]]), 0.0, np.array([[2.0, 0.0], [1.0, 3.0]])))
    [[1. 0.]]
    """
    X = validate_X(X)
    w = validate_w(w, X.shape[0])
    Z = forward.logits(w, validate_b(b), X)
    return np.asarray(forward.predict_labels(Z), dtype=np.float64)


def model(
    X_train: Any,
    Y_train: Any,
    X_test: Any,
    Y_test: Any,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict[str, Any]:
    r"""The whole lecture: from :math:`w = 0, b = 0`, repeat :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`, then :math:`\hat y = [\sigma(w^\top x + b) > 0.5]` on both sets.

    Initialize with zeros, :func:`optimize`, :func:`predict` on the training and test set.

    Accuracy is :math:`100 - \frac{100}{m}\sum|\hat y - y|` percent.

    Parameters
    ----------
    X_train : array_like
        Training inputs, shape ``(n_x, m_train)``.
    Y_train : array_like
        Training labels 0 or 1, shape ``(1, m_train)``.
    X_test : array_like
        Test inputs, shape ``(n_x, m_test)``.
    Y_test : array_like
        Test labels, shape ``(1, m_test)``.
    num_iterations : int
        The number of gradient steps.
    learning_rate : float
        The step size :math:`\alpha > 0`.
    print_cost : bool
        Print the cost every 100 iterations and both accuracies.

    Returns
    -------
    dict
        ``costs``, ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``,
        ``learning_rate``, ``num_iterations``.

    Raises
    ------
    ValueError
        For the shapes and values :func:`optimize` refuses.

    Examples
    --------
    >>> from autograd_lr import model
    >>> X, Y = np.array([[1.0, 2.0, -1.0, -2.0]]), np.array([[1, 1, 0, 0]])
    >>> d = model(X, Y, X, Y, num_iterations=200)
    >>> print(d["Y_prediction_test"])
    [[1. 1. 0. 0.]]
    """
    X_train = validate_X(X_train, "X_train")
    Y_train = validate_Y(Y_train, X_train.shape[1], "Y_train")
    X_test = validate_X(X_test, "X_test")
    Y_test = validate_Y(Y_test, X_test.shape[1], "Y_test")
    if X_test.shape[0] != X_train.shape[0]:
        raise ValueError(
            f"X_test has {X_test.shape[0]} features (rows) but X_train has {X_train.shape[0]}; "
            f"both must have shape (n_x, m) with the same n_x"
        )
    w0, b0 = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w0, b0, X_train, Y_train, num_iterations, learning_rate, print_cost)
    Y_prediction_train = predict(params["w"], params["b"], X_train)
    Y_prediction_test = predict(params["w"], params["b"], X_test)
    if print_cost:
        # As the course's notebook prints them: the full float, e.g. 99.04306220095694 %.
        print(f"train accuracy: {accuracy(Y_prediction_train, Y_train)} %")
        print(f"test accuracy: {accuracy(Y_prediction_test, Y_test)} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": params["w"],
        "b": params["b"],
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }


def count_correct(Y_prediction: Any, Y: Any) -> Any:
    r"""How many labels are right, :math:`\sum_i [\hat y^{(i)} = y^{(i)}]`; any namespace (dask stays lazy).

    ``Y_prediction`` (0/1 labels or booleans) and ``Y`` (0/1 labels) of the same shape;
    both are read as booleans (label 1), so a boolean prediction counts like 0.0/1.0.
    """
    return ((Y_prediction > 0.5) == (Y > 0.5)).sum()


def accuracy(Y_prediction: Any, Y: Any) -> float:
    r"""Accuracy in percent, :math:`100\,(1 - \frac{1}{m}\sum_i |\hat y^{(i)} - y^{(i)}|)`.

    Parameters
    ----------
    Y_prediction : array_like
        Predicted labels 0/1, a row ``(1, m)``; a rank-1 ``(m,)`` array (scikit-learn's
        layout) is read as that row.
    Y : array_like
        True labels 0/1, the same layout.

    Returns
    -------
    float
        The percentage of labels predicted right.

    Raises
    ------
    ValueError
        For a column ``(m, 1)`` (against a row it would broadcast to ``(m, m)``) or
        shapes that differ.

    Examples
    --------
    >>> from autograd_lr import accuracy
    >>> accuracy(np.array([[1, 0, 1, 1]]), np.array([[1, 0, 0, 1]]))
    75.0
    """
    Y_prediction = np.asarray(Y_prediction, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    Y_prediction = Y_prediction.reshape(1, -1) if Y_prediction.ndim == 1 else Y_prediction
    Y = Y.reshape(1, -1) if Y.ndim == 1 else Y
    if Y.ndim != 2 or Y.shape[0] != 1 or Y_prediction.shape != Y.shape:
        raise ValueError(
            f"Y_prediction has shape {Y_prediction.shape} and Y has shape {Y.shape}; both must "
            f"be (1, m) rows of 0/1 labels (a column against a row would broadcast to (m, m)): "
            f"use .reshape(1, -1)"
        )
    return float(100.0 - np.mean(np.abs(Y_prediction - Y)) * 100.0)


def accuracy_text(correct: int, m: int) -> str:
    r"""Accuracy :math:`100 \cdot \text{correct} / m` percent, as the package prints it: ``98.2 % (111/113)``.

    One decimal of the percentage, then the count it comes from: ``correct`` right out of
    ``m`` examples (``m >= 1``).
    """
    if m < 1 or not 0 <= correct <= m:
        raise ValueError(f"need 0 <= correct <= m and m >= 1, got correct={correct}, m={m}")
    return f"{100.0 * correct / m:.1f} % ({correct}/{m})"
