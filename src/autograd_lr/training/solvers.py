r"""Training loops over the hand-derived gradients: the lecture's gradient descent, and Newton.

Both minimize the lecture's cost with L2 penalty,

.. math::

    J(w, b) = \frac{1}{m} \sum_{i=1}^{m} L(a^{(i)}, y^{(i)}) + \frac{\lambda}{2m} \lVert w \rVert^2,

in the lecture's layout (``X (n_x, m)``, ``Y (1, m)``, ``w (n_x, 1)``, scalar ``b``) and
stop when the largest absolute entry of the gradient is small,
:math:`\max(\lVert dw \rVert_\infty, |db|) \le` ``tol`` (as scikit-learn's solvers do;
``tol=0`` runs exactly ``max_iter`` iterations).

- :func:`gradient_descent` repeats :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`
  with the hand-derived :math:`(dw, db)`.
- :func:`newton` solves :math:`H \Delta = g` with the hand-derived Hessian
  :func:`autograd_lr.gradients.hessian` and steps :math:`\theta := \theta - t\Delta`, with
  :math:`t = 1, \tfrac12, \tfrac14, \dots` until the cost decreases enough (Armijo).

The solvers are plain functions, parameters first and data second, with no state. They
never convert ``X`` or ``Y``: every pass over the data goes through
:class:`~autograd_lr.training.objective.LogisticLoss`, which picks how the hand-derived
gradient is evaluated (the formula, the single-pass kernel, or Dask) and brings back only
the small results (:math:`dw`, :math:`db`, :math:`J`, :math:`H`) as numpy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lr.forward import Array
from autograd_lr.training.objective import LogisticLoss
from autograd_lr.validation import (
    validate_iterations,
    validate_lambd,
    validate_learning_rate,
    validate_tol,
)

# Gradient descent stops with DivergenceError when its cost has not reached a new lowest
# value in this many iterations and is now clearly above that lowest value. With
# α < 2/L (see lipschitz_constant) the cost falls at every step, so this never fires;
# a too-large α makes the cost climb or jump about (measured on standardized breast
# cancer with α = 100 ≈ 166/L: between 0.25 and 38, never settling) and is caught
# here. 100 iterations let a run that overshoots early recover (raw breast-cancer
# features with α = 2.1/L stay above the starting cost for 47 iterations, then converge).
DIVERGENCE_WINDOW = 100
# "Clearly above": relative to the lowest cost, far above the rounding of J (about
# m·ε ≈ 1e-13 here), so a converged run whose cost jitters by a few ulp is not divergent.
DIVERGENCE_MARGIN = 1e-6
# Newton's line search compares costs that differ by less than their rounding near the
# optimum; a step may raise J by this much (relative) and still count as no increase.
ROUNDING_SLACK = 64 * float(np.finfo(np.float64).eps)
# Newton's line search: accept step t when J(θ - tΔ) <= J(θ) - ARMIJO · t · gᵀΔ
# (sufficient decrease; 1e-4 is the customary constant, Nocedal & Wright §3.1).
ARMIJO = 1e-4
# Halvings of t before giving up: t = 2⁻⁶⁰ is far below any useful step.
MAX_HALVINGS = 60

Callback = Callable[[int, float, float], None]
"""Called once per iterate as ``callback(k, J, max|∂J|)``, k = 0 for the starting point."""


class DivergenceError(ValueError):
    """Training diverged (non-finite or steadily rising cost); the message names the fix."""


@dataclass(frozen=True)
class SolverResult:
    """What a solver returns.

    ``w (n_x, 1)`` and ``b`` are the final parameters; ``costs[k]`` and
    ``gradient_max[k]`` are :math:`J` and :math:`\\max|\\partial J|` at iterate k for
    k = 0 .. ``n_iter`` (so both have ``n_iter + 1`` entries, the last at the returned
    parameters). ``converged`` says whether ``gradient_max[-1] <= tol``.
    """

    w: np.ndarray
    b: float
    n_iter: int
    converged: bool
    costs: np.ndarray
    gradient_max: np.ndarray
    solver: str
    learning_rate: float | None = None

    @property
    def final_cost(self) -> float:
        return float(self.costs[-1])


def _gradient_max(dw: np.ndarray, db: float) -> float:
    r""":math:`\max(\lVert dw\rVert_\infty, |db|)`, the stopping criterion; NaN stays NaN."""
    values = np.append(np.abs(dw).ravel(), abs(db))
    return float(np.nan) if np.isnan(values).any() else float(np.max(values))


def lipschitz_constant(X: Array, lambd: float = 0.0) -> float:
    r"""The largest curvature of :math:`J` anywhere, :math:`L = \lambda_{max}(H(0, 0))`.

    The Hessian is :math:`H = \frac1m \tilde X \operatorname{diag}(a(1-a)) \tilde X^\top +
    \frac{\lambda}{m} I_w` and :math:`a(1-a) \le \frac14` with equality at :math:`z = 0`,
    so :math:`H(w, b) \preceq H(0, 0)` for every :math:`(w, b)`: the hand-derived Hessian
    at zero bounds all others. Gradient descent with :math:`\alpha < 2/L` therefore
    decreases the cost at every step, and :math:`\alpha = 1/L` is a safe default.
    ``X (n_x, m)``.
    """
    n_x = X.shape[0]
    H = LogisticLoss(X, None, lambd).hessian(np.zeros((n_x, 1)), 0.0)
    return float(np.linalg.eigvalsh(H)[-1])


def _validate_start(w: Any, b: Any, X: Array, Y: Array) -> tuple[np.ndarray, float]:
    """The starting parameters as float64 numpy, checked against the data's shapes only."""
    if len(X.shape) != 2:
        raise ValueError(f"X must have shape (n_x, m), one column per example; got {X.shape}")
    n_x, m = X.shape
    if tuple(Y.shape) != (1, m):
        raise ValueError(f"Y must have shape (1, m) = (1, {m}) to match X {X.shape}; got {Y.shape}")
    w0 = np.array(w, dtype=np.float64)
    if w0.shape != (n_x, 1):
        raise ValueError(f"w must have shape (n_x, 1) = ({n_x}, 1) to match X; got {w0.shape}")
    b0 = float(np.asarray(b, dtype=np.float64).reshape(()))
    if not (np.all(np.isfinite(w0)) and math.isfinite(b0)):
        raise ValueError("the starting parameters w, b must be finite")
    return w0, b0


def _validate_controls(max_iter: Any, tol: Any, lambd: Any) -> tuple[int, float, float]:
    return validate_iterations(max_iter, "max_iter"), validate_tol(tol), validate_lambd(lambd)


def gradient_descent(
    w: Any,
    b: Any,
    X: Array,
    Y: Array,
    *,
    lambd: float = 0.0,
    learning_rate: float | str = "auto",
    max_iter: int = 1000,
    tol: float = 1e-4,
    callback: Callback | None = None,
) -> SolverResult:
    r"""The lecture's gradient descent from ``(w, b)``: :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`.

    Each iteration takes the hand-derived :math:`(dw, db, J)` from
    :class:`~autograd_lr.training.objective.LogisticLoss` (with L2 strength ``lambd`` = λ),
    stops if :math:`\max|\partial J| \le` ``tol`` (or after ``max_iter`` updates), and
    otherwise updates. ``learning_rate``
    is :math:`\alpha > 0`, or ``"auto"`` for :math:`\alpha = 1/L`
    (:func:`lipschitz_constant`), which is guaranteed to decrease the cost.

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``. Raises
    :class:`DivergenceError`, naming the learning rate and a safe one, when the cost
    becomes non-finite, or finds no new lowest value in :data:`DIVERGENCE_WINDOW`
    iterations while standing clearly above it (rising or jumping about).
    """
    w, b = _validate_start(w, b, X, Y)
    max_iter, tol, lambd = _validate_controls(max_iter, tol, lambd)
    rate = validate_learning_rate(learning_rate, allow_auto=True)
    alpha = 1.0 / lipschitz_constant(X, lambd) if rate == "auto" else float(rate)
    loss = LogisticLoss(X, Y, lambd)

    costs: list[float] = []
    gmax: list[float] = []
    best, best_k = math.inf, 0  # the lowest cost so far and its iteration
    k = 0
    while True:
        dw, db, J = loss.loss_gradient(w, b)
        g = _gradient_max(dw, db)
        if not (math.isfinite(J) and math.isfinite(g)):
            raise DivergenceError(
                _divergence_message(alpha, X, lambd, k, f"the cost became {J} at iteration {k}")
            )
        costs.append(J)
        gmax.append(g)
        if callback is not None:
            callback(k, J, g)
        if J <= best:  # noqa: SIM300 (J is the cost, not a constant)
            best, best_k = J, k
        elif k - best_k >= DIVERGENCE_WINDOW and J > best + DIVERGENCE_MARGIN * abs(best):  # noqa: SIM300
            raise DivergenceError(
                _divergence_message(
                    alpha,
                    X,
                    lambd,
                    k,
                    f"the cost has not gone below its lowest value J = {best:.6g} (iteration "
                    f"{best_k}) in {k - best_k} iterations and is now J = {J:.6g} "
                    f"(iteration {k}; it started at J = {costs[0]:.6g})",
                )
            )
        if (tol > 0 and g <= tol) or k == max_iter:
            break
        w = w - alpha * dw
        b = b - alpha * db
        k += 1
    return _result("gd", w, b, k, tol, costs, gmax, learning_rate=alpha)


def _result(
    solver: str,
    w: np.ndarray,
    b: float,
    k: int,
    tol: float,
    costs: list[float],
    gmax: list[float],
    learning_rate: float | None = None,
) -> SolverResult:
    """The run as a :class:`SolverResult`: converged when the last max|∂J| is within tol."""
    return SolverResult(
        w=w,
        b=float(b),
        n_iter=k,
        converged=gmax[-1] <= tol,
        costs=np.array(costs),
        gradient_max=np.array(gmax),
        solver=solver,
        learning_rate=learning_rate,
    )


def _divergence_message(alpha: float, X: Array, lambd: float, k: int, what: str) -> str:
    L = lipschitz_constant(X, lambd)
    return (
        f"gradient descent diverged with learning rate α = {alpha:g}: {what}. "
        f"For this data every α < 2/L = {2 / L:.4g} decreases the cost "
        f"(L = {L:.4g} is the largest curvature of J); use a smaller learning rate, "
        f"for example 1/L = {1 / L:.4g} ('auto'), or standardize the features"
    )


def newton(
    w: Any,
    b: Any,
    X: Array,
    Y: Array,
    *,
    lambd: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-8,
    callback: Callback | None = None,
) -> SolverResult:
    r"""Newton's method with the hand-derived Hessian, from ``(w, b)``.

    .. math::

        H \Delta = g, \qquad g = \begin{pmatrix} dw \\ db \end{pmatrix}, \qquad
        \theta := \theta - t \Delta, \quad t \in \{1, \tfrac12, \tfrac14, \dots\}

    with :math:`H` from :func:`~autograd_lr.gradients.hessian` (positive definite when
    :math:`\lambda > 0`) and the first :math:`t` that gives sufficient decrease,
    :math:`J(\theta - t\Delta) \le J(\theta) - 10^{-4}\, t\, g^\top \Delta`. Near the
    optimum :math:`t = 1` is accepted and convergence is quadratic (a handful of
    iterations). ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``.

    A singular Hessian (λ = 0 with a constant or duplicated feature, or separable data)
    raises ``ValueError`` with the fix: add L2 regularization (a smaller ``C``).
    """
    w, b = _validate_start(w, b, X, Y)
    max_iter, tol, lambd = _validate_controls(max_iter, tol, lambd)
    n_x = w.shape[0]
    loss = LogisticLoss(X, Y, lambd)

    dw, db, J = loss.loss_gradient(w, b)
    costs: list[float] = []
    gmax: list[float] = []
    k = 0
    while True:
        g = _gradient_max(dw, db)
        if not (math.isfinite(J) and math.isfinite(g)):
            raise DivergenceError(
                f"Newton's method diverged: the cost became {J} at iteration {k}; "
                f"add L2 regularization (a smaller C) or standardize the features"
            )
        costs.append(J)
        gmax.append(g)
        if callback is not None:
            callback(k, J, g)
        if (tol > 0 and g <= tol) or k == max_iter:
            break
        grad = np.append(dw.ravel(), db)  # (n_x + 1,)
        if not np.any(grad):  # an exact stationary point: Newton's step is zero
            k += 1
            continue
        H = loss.hessian(w, b)  # (n_x + 1, n_x + 1)
        try:
            delta = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            delta = np.full_like(grad, np.nan)
        decrease = float(grad @ delta)  # gᵀΔ = gᵀH⁻¹g > 0 for positive definite H
        if not (np.all(np.isfinite(delta)) and decrease > 0):
            raise ValueError(
                f"Newton's method: the Hessian is singular or not positive definite at "
                f"iteration {k} (λ = {lambd:g}); add L2 regularization (a smaller C, a larger "
                f"λ) or remove constant and duplicated features"
            )
        t = 1.0
        for _ in range(MAX_HALVINGS):
            w_new = w - t * delta[:n_x].reshape(n_x, 1)
            b_new = b - t * float(delta[n_x])
            dw_new, db_new, J_new = loss.loss_gradient(w_new, b_new)
            # ROUNDING_SLACK: at the optimum gᵀΔ is below the rounding of J itself.
            if J_new <= J - ARMIJO * t * decrease + ROUNDING_SLACK * abs(J):
                break
            t /= 2
        else:
            raise ValueError(
                f"Newton's method: no step along the Newton direction decreases the cost at "
                f"iteration {k} (J = {J:.17g}); the problem is badly conditioned, add L2 "
                f"regularization or standardize the features"
            )
        w, b, dw, db, J = w_new, b_new, dw_new, db_new, J_new
        k += 1
    return _result("newton", w, b, k, tol, costs, gmax)
