r"""Exercises: write the course's functions yourself, check each in one call.

``sigmoid``, ``initialize_with_zeros``, ``propagate`` (and an L2 ``propagate``),
``optimize``, ``predict`` and ``model``, in the course's order; the checks beyond
``propagate`` are :func:`autograd_lr.check_exercise`.

.. code-block:: python

    from autograd_lr.teaching import exercises

    print(exercises.skeleton("propagate"))       # the code to start from

    def propagate(w, b, X, Y):                   # your version
        ...

    exercises.check_propagate(propagate)         # which of dw, db, cost is wrong, and how

The skeletons in this module raise ``NotImplementedError`` until they are filled in, so
``check_propagate()`` with no argument reports "not implemented". The reference
solutions are the package's own code (:func:`solution`): :func:`autograd_lr.sigmoid`,
:func:`autograd_lr.propagate`, and :func:`autograd_lr.gradients.gradients_vectorized`
with :math:`\lambda` for the L2 version; the tests check that every reference passes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lr import course, gradients
from autograd_lr.checking.check import GradientReport, check_gradients
from autograd_lr.checking.exercises import ExerciseReport, check_exercise
from autograd_lr.validation import validate_lambd, validate_problem

# λ for the L2 exercise: large enough that a missing or mis-scaled λ/m · w shows far above
# the threshold on every default problem.
L2_LAMBDA = 0.7


# --- the skeletons (fill these in) -----------------------------------------------------------


def sigmoid(z: Any) -> Any:
    r"""Exercise 1: the logistic function :math:`\sigma(z) = \dfrac{1}{1 + e^{-z}}`, elementwise.

    ``z``: a number or a numpy array of any shape; return the same shape.
    Check it with ``exercises.check_sigmoid(sigmoid)``.
    """
    # one line of numpy: np.exp works elementwise on arrays
    raise NotImplementedError(
        "exercise: write sigmoid(z) = 1 / (1 + e^(-z)); check it with exercises.check_sigmoid(sigmoid)"
    )


def propagate(w: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, Any], float]:
    r"""Exercise 2: the cost :math:`J(w, b)` and its gradient, vectorized.

    .. math::

        Z = w^\top X + b, \quad A = \sigma(Z), \quad
        J = -\tfrac{1}{m}\textstyle\sum_i \bigl(y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\bigr)

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)`` (one column per example), ``Y (1, m)``.
    Return ``({"dw": dw, "db": db}, cost)``: ``dw`` = :math:`\partial J/\partial w`, shape
    ``(n_x, 1)``; ``db`` = :math:`\partial J/\partial b`, a float; ``cost`` = :math:`J`, a
    float. All m examples at once, no loop over them. Derive the gradient with the chain
    rule first (:math:`L \to a \to z \to w, b`, then the mean over the examples). Check
    it with ``exercises.check_propagate(propagate)``.
    """
    # forward:  m from X's columns; Z (1, m); A (1, m); the cost, a float
    # backward: dZ (1, m); dw (n_x, 1) by a matrix product; db, a float
    raise NotImplementedError(
        "exercise: write propagate(w, b, X, Y); check it with exercises.check_propagate(propagate)"
    )


def propagate_l2(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> tuple[dict[str, Any], float]:
    r"""Exercise 3: :func:`propagate` for the L2-regularized cost.

    .. math::

        J_\lambda(w, b) = J(w, b) + \frac{\lambda}{2m}\lVert w\rVert^2
        \quad (b \text{ is not regularized})

    Same arguments as :func:`propagate`, plus ``lambd`` = :math:`\lambda \ge 0`. Return
    ``({"dw": dw, "db": db}, cost)`` of :math:`J_\lambda`: ``dw`` shape ``(n_x, 1)``,
    ``db`` and ``cost`` floats. Derive the penalty's derivative with respect to each
    :math:`w_j` yourself. Check it with ``exercises.check_propagate_l2(propagate_l2)``.
    """
    # start from your propagate; add the penalty to the cost and its gradient to dw
    raise NotImplementedError(
        "exercise: write propagate_l2(w, b, X, Y, lambd); check it with "
        "exercises.check_propagate_l2(propagate_l2)"
    )


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    r"""Exercise: the parameters' start, :math:`w = 0 \in \mathbb{R}^{dim \times 1}`, :math:`b = 0`.

    ``dim`` = n_x -> ``(w (dim, 1) float64 zeros, b = 0.0)``; ``b`` is a float, not the
    integer 0. Check it with ``check_exercise(initialize_with_zeros, "initialize_with_zeros")``.
    """
    # w: np.zeros of shape (dim, 1); b: the float 0.0
    raise NotImplementedError(
        "exercise: write initialize_with_zeros(dim); check it with "
        'check_exercise(initialize_with_zeros, "initialize_with_zeros")'
    )


def optimize(
    w: Any,
    b: Any,
    X: Any,
    Y: Any,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    r"""Exercise: gradient descent, repeat :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`.

    ``num_iterations`` steps with :math:`\alpha` = ``learning_rate``, the gradients from your
    ``propagate``; the cost recorded at iterations 0, 100, 200, ... Returns
    ``({"w": w, "b": b}, {"dw": dw, "db": db} of the last step, costs)``; the caller's ``w``
    is left as it was. Check it with ``check_exercise(optimize, "optimize")``.
    """
    # for each iteration: grads, cost = propagate(...); w = w - learning_rate * dw; ...
    raise NotImplementedError(
        'exercise: write optimize(...); check it with check_exercise(optimize, "optimize")'
    )


def predict(w: Any, b: Any, X: Any) -> np.ndarray:
    r"""Exercise: :math:`\hat y = 1` where :math:`a = \sigma(w^\top x + b) > 0.5`, else 0.

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)`` -> a float array ``(1, m)`` of 0.0/1.0.
    Check it with ``check_exercise(predict, "predict")``.
    """
    # A = σ(wᵀX + b), then 1.0 where A > 0.5 and 0.0 elsewhere, shape (1, m)
    raise NotImplementedError(
        'exercise: write predict(w, b, X); check it with check_exercise(predict, "predict")'
    )


def model(
    X_train: Any,
    Y_train: Any,
    X_test: Any,
    Y_test: Any,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict[str, Any]:
    r"""Exercise: the whole lecture, from :math:`w = 0, b = 0` to the predictions on both sets.

    ``initialize_with_zeros``, ``optimize`` on the training set, ``predict`` on both; sizes
    from the arguments only. Returns the course's dictionary: ``costs``,
    ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``, ``learning_rate``,
    ``num_iterations``. Check it with ``check_exercise(model, "model")``.
    """
    # w, b = initialize_with_zeros(...); params, grads, costs = optimize(...); predict(...)
    raise NotImplementedError(
        'exercise: write model(...); check it with check_exercise(model, "model")'
    )


# What a skeleton's source needs to run on its own (its annotations name Any and np).
_SKELETON_IMPORTS = "from typing import Any\n\nimport numpy as np\n\n\n"

SKELETONS: dict[str, Callable[..., Any]] = {
    "sigmoid": sigmoid,
    "initialize_with_zeros": initialize_with_zeros,
    "propagate": propagate,
    "propagate_l2": propagate_l2,
    "optimize": optimize,
    "predict": predict,
    "model": model,
}


def skeleton(name: str) -> str:
    """The source of exercise ``name`` (a key of :data:`SKELETONS`: ``"sigmoid"``,
    ``"initialize_with_zeros"``, ``"propagate"``, ``"propagate_l2"``, ``"optimize"``,
    ``"predict"``, ``"model"``), to copy: a file of its own, imports included, whose
    function raises ``NotImplementedError`` until it is filled in."""
    return _SKELETON_IMPORTS + inspect.getsource(_exercise(name, SKELETONS))


# --- the reference solutions: the package's own code -----------------------------------------


def _propagate_l2_reference(
    w: Any, b: Any, X: Any, Y: Any, lambd: float
) -> tuple[dict[str, Any], float]:
    """The package's L2 propagate: :func:`autograd_lr.gradients.gradients_vectorized` with λ."""
    w, b, X, Y = validate_problem(w, b, X, Y)
    grads, J = gradients.gradients_vectorized(w, b, X, Y, validate_lambd(lambd))
    return {"dw": grads["dw"], "db": float(grads["db"])}, float(J)


SOLUTIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": course.sigmoid,
    "initialize_with_zeros": course.initialize_with_zeros,
    "propagate": course.propagate,
    "propagate_l2": _propagate_l2_reference,
    "optimize": course.optimize,
    "predict": course.predict,
    "model": course.model,
}


def solution(name: str) -> Callable[..., Any]:
    """The reference solution of exercise ``name``: the package's own function."""
    return _exercise(name, SOLUTIONS)


def _exercise(name: str, table: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    if name not in table:
        raise ValueError(f"no exercise {name!r}; the exercises are {', '.join(table)}")
    return table[name]


# --- one-call checks ---------------------------------------------------------------------------


def check_propagate(fn: Callable[..., Any] = propagate, **options: Any) -> GradientReport:
    """Check exercise 2: :func:`autograd_lr.checking.check.check_gradients` on your ``propagate``.

    Parameters
    ----------
    fn : callable
        Your ``propagate(w, b, X, Y) -> (grads, cost)``; by default the skeleton, which
        is reported "not implemented" until you fill it in.
    **options
        Passed on to :func:`~autograd_lr.checking.check.check_gradients` (``hints``,
        ``seed``, ``problems``, ...).

    Returns
    -------
    GradientReport
        Which of ``dw``, ``db`` and the cost are wrong, and how; ``print`` it.

    Raises
    ------
    ValueError
        For an option :func:`~autograd_lr.checking.check.check_gradients` refuses.

    Examples
    --------
    >>> from autograd_lr import propagate
    >>> from autograd_lr.teaching import exercises
    >>> exercises.check_propagate(propagate).passed
    True
    """
    return check_gradients(fn, **options)


def check_propagate_l2(
    fn: Callable[..., Any] = propagate_l2, lambd: float = L2_LAMBDA, **options: Any
) -> GradientReport:
    r"""Check exercise 3: ``fn(w, b, X, Y, lambd)`` against :math:`J + \frac{\lambda}{2m}\lVert w\rVert^2`.

    Parameters
    ----------
    fn : callable
        Your ``propagate_l2(w, b, X, Y, lambd) -> (grads, cost)``; by default the skeleton.
    lambd : float
        λ ≥ 0; the default :data:`L2_LAMBDA` makes a missing or mis-scaled
        :math:`\frac{\lambda}{m} w` show on every problem.
    **options
        Passed on to :func:`~autograd_lr.checking.check.check_gradients`.

    Returns
    -------
    GradientReport
        Which of ``dw``, ``db`` and the cost are wrong, and how; ``print`` it.

    Raises
    ------
    ValueError
        If ``lambd`` is negative or an option is refused.

    Examples
    --------
    >>> from autograd_lr.teaching import exercises
    >>> exercises.check_propagate_l2(exercises.solution("propagate_l2")).passed
    True
    """
    return check_gradients(fn, lambd=lambd, **options)


def check_sigmoid(fn: Callable[..., Any] = sigmoid, *, hints: str = "fix") -> ExerciseReport:
    r"""Check exercise 1: ``fn(z)`` against :math:`\sigma(z) = 1/(1 + e^{-z})`, the exercise engine's check.

    :func:`~autograd_lr.checking.exercises.check_exercise` with ``"sigmoid"``: on a number,
    a row, a column and a matrix with :math:`|z|` up to 30, each value must agree with
    :func:`autograd_lr.forward.sigmoid` to a relative
    :data:`~autograd_lr.checking.thresholds.SIGMOID_RTOL` of its own, the shape of ``z``
    kept. A mistake is named by a repair of your source that makes every case pass, with
    its line; a function without source (a lambda) by an output model of the mistake
    (:data:`autograd_lr.checking.exercises.sigmoid.MODELS`) that reproduces your values
    on every case; otherwise the report says where and what.

    Parameters
    ----------
    fn : callable
        Your ``sigmoid(z)``; by default the skeleton, reported "not implemented".
    hints : {"concept", "location", "fix"}
        ``"concept"`` or ``"location"`` say what is wrong without the corrected line,
        ``"fix"`` gives it.

    Returns
    -------
    autograd_lr.checking.exercises.base.ExerciseReport
        ``passed``, the verdict on σ(z), and the diagnosis (``mistakes``, ``rules``, each
        finding's ``line``); ``print`` it.

    Raises
    ------
    ValueError
        If ``hints`` is not one of the three levels.

    Examples
    --------
    >>> from autograd_lr import sigmoid
    >>> from autograd_lr.teaching import exercises
    >>> exercises.check_sigmoid(sigmoid).passed
    True
    """
    report = check_exercise(fn, "sigmoid", hints=hints)
    assert isinstance(report, ExerciseReport)  # only propagate's check is check_gradients
    return report
