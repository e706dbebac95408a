r"""Named tolerances, each with its reason, and the one error measure they apply to.

All comparisons are made in float64 with the normwise relative error

.. math:: e(\hat g, g) = \frac{\lVert \hat g - g \rVert_\infty}{\max(\lVert g \rVert_\infty, \lVert \hat g \rVert_\infty, s)}

where ``s`` is a scale floor. Near an optimum the gradient itself is tiny (1e-11 after
training) while each of its summands is not, so float64 rounding alone gives a large
error relative to :math:`\lVert g \rVert`. The floor :func:`gradient_scale` is the size of
those summands, read off the data only: since :math:`|dz| = |a - y| \le 1`, every term
:math:`x_j^{(i)} dz^{(i)}` of :math:`dw_j` is at most :math:`|x_j^{(i)}|` and every term
of :math:`db` at most 1. Finite differences add :math:`|J|` to the floor: their rounding
error is proportional to :math:`|J|/h`, not to the gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Hand-derived vs jax.grad: the same float64 math in a different order of operations
# (X dZᵀ vs reverse mode through logaddexp); observed ≲ 1e-15, a few ulp times √m.
JAX_RTOL = 1e-12
# Hand-derived vs complex step: exact to rounding as well (no subtractive cancellation).
COMPLEX_STEP_RTOL = 1e-13
# Hand-derived vs central differences, relative to max(‖g‖, |J|): the truncation error
# h²|f'''|/6 and the rounding error ε|J|/h balance at h = ε^(1/3), giving ~ε^(2/3) ≈ 4e-11;
# 1e-8 leaves room for large third derivatives at moderately saturated z.
FINITE_DIFFERENCE_RTOL = 1e-8
# Richardson-extrapolated differences: O(h⁴) truncation, rounding ~ε|J|/h at h = ε^(1/5).
RICHARDSON_RTOL = 1e-9
# Hessian by central differences of the (hand) gradient: rounding ε‖g‖/h plus h²‖g'''‖,
# about 1e-10 relative; 1e-7 for the same headroom as above.
HESSIAN_FD_RTOL = 1e-7
# The lecture prints its check values to 8 decimals.
LECTURE_ATOL = 5e-9
# dask vs numpy on the same data, after the same solver iterations: the same float64
# operations, but each sum over examples is split into per-chunk partial sums added in a
# tree (another order of additions, ≲ 1e-15 relative per evaluation, measured ≤ 2e-15 on
# the coefficients after the tests' fits). 1e-9 is the bound the dask issue sets: it
# leaves room for the solvers to carry those differences through many iterations.
DASK_RTOL = 1e-9


def relative_error(actual: Any, expected: Any, scale: float = 0.0) -> float:
    r"""Normwise relative error :math:`\lVert \hat g - g\rVert_\infty / \max(\lVert g\rVert_\infty, \lVert \hat g\rVert_\infty, s)`.

    0.0 when both are exactly zero; ``inf`` if either holds NaN or inf.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(e))):
        return float("inf")
    diff = float(np.max(np.abs(a - e), initial=0.0))
    if diff == 0.0:
        return 0.0
    denominator = max(
        float(np.max(np.abs(e), initial=0.0)), float(np.max(np.abs(a), initial=0.0)), scale
    )
    return diff / denominator


def gradient_scale(X: Any, w: Any = None, lambd: float = 0.0) -> float:
    r"""Size of the summands of the gradient, :math:`\max(1, \max_j \frac1m\sum_i |x_j^{(i)}|, \frac{\lambda}{m}\lVert w\rVert_\infty)`.

    A bound from the data alone (:math:`|a - y| \le 1`), independent of any derivation,
    used as the floor ``s`` of :func:`relative_error`.
    """
    X = np.asarray(X, dtype=np.float64)
    scale = max(1.0, float(np.max(np.mean(np.abs(X), axis=1))))
    if lambd and w is not None:
        scale = max(scale, lambd / X.shape[1] * float(np.max(np.abs(w))))
    return scale
