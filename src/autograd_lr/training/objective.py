r"""The training objective: the lecture's cost on one data set, and how it is evaluated.

.. math::

    J(w, b) = \frac{1}{m} \sum_{i=1}^{m} L(a^{(i)}, y^{(i)}) + \frac{\lambda}{2m} \lVert w \rVert^2,
    \qquad dw = \tfrac{1}{m} X\, dZ^\top + \tfrac{\lambda}{m} w, \quad db = \tfrac{1}{m} \textstyle\sum_i dz^{(i)}

:class:`LogisticLoss` holds the data ``X (n_x, m)``, ``Y (1, m)`` and λ, and is the one
place that decides how :math:`(dw, db, J)` and the Hessian are evaluated: the formula of
:func:`autograd_lr.gradients.gradients_vectorized`, the single-pass kernel
:func:`autograd_lr.fast.kernel.gradients_fused`, or one Dask task per chunk
(:mod:`autograd_lr.fast.cluster`), and on Dask which of the first two each chunk runs
(:func:`chunk_cost_and_gradients`). Every path computes the same hand-derived sums; only
the order of the additions, hence the last bits, differs. The solvers (and through them
the estimator, ``train(...)`` and the CLI) evaluate J only through it; the course's
functions (:mod:`autograd_lr.course`) never do: they are the lecture's formula as written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from autograd_lr import gradients
from autograd_lr.fast import cluster, kernel
from autograd_lr.forward import Array, Grads

EvaluationPath = Literal["dask", "fused", "formula"]


def evaluation_path(X: Array) -> EvaluationPath:
    """How a training loop evaluates :math:`J` and its gradient on ``X (n_x, m)``.

    - ``"dask"``: a dask ``X``, one task per chunk (:func:`autograd_lr.fast.cluster.chunked_cost_and_gradients`),
      each running :func:`chunk_cost_and_gradients`;
    - ``"fused"``: a numpy ``X`` for which the single pass pays
      (:func:`autograd_lr.fast.kernel.fused_applies`: larger than the last-level cache,
      or stored example by example and larger than one L2), X read once per evaluation;
    - ``"formula"``: everything else, :func:`autograd_lr.gradients.gradients_vectorized`.

    Row-major X that fits in the last-level cache (:func:`autograd_lr.fast.kernel.takes_two_passes`)
    takes the formula: a training loop reads the same X at every iteration, so it stays
    in that cache, and BLAS, whose threads spin between calls, is fastest there
    (measured at (12288, 209) float64 on an idle 2-core AMD EPYC, calls back to back:
    0.82 ms against 1.18 ms for the two-pass kernel on one thread). The loops check X's
    values once before they start (the estimator, the data sets' loaders), and a NaN or
    inf left in X still reaches J on every path.
    """
    if cluster.is_dask(X):
        return "dask"
    if kernel.fused_applies(X) and not kernel.takes_two_passes(X):
        return "fused"
    return "formula"


def chunk_cost_and_gradients(
    w: np.ndarray, b: float, X_c: np.ndarray, Y_c: np.ndarray
) -> tuple[Grads, Any]:
    r"""``({"dw": (n_x, 1), "db"}, J)`` with λ = 0 on one numpy chunk ``X_c (n_x, m_c)`` of a dask ``X``.

    Runs on a Dask worker, one chunk per task. The single-pass kernel
    (:func:`autograd_lr.fast.kernel.gradients_fused`, one thread: dask runs the chunks in
    parallel) only for a chunk larger than the last-level cache, where it applies
    (:func:`autograd_lr.fast.kernel.fused_applies`); else the formula,
    :func:`autograd_lr.gradients.gradients_vectorized`.
    """
    # Not the in-process rule (evaluation_path) for smaller chunks: a worker compiling
    # numba's kernels for a few-MiB chunk (hundreds of MB of LLVM) was paused by its own
    # memory limit, and the computation waited for it forever (seen with 300 MB workers).
    if kernel.fused_applies(X_c) and not kernel.fits_in_last_level_cache(X_c):
        return kernel.gradients_fused(w, b, X_c, Y_c, 0.0, threads=1)
    return gradients.gradients_vectorized(w, b, X_c, Y_c, 0.0)


@dataclass(frozen=True)
class LogisticLoss:
    r"""The cost :math:`J(w, b)` with L2 strength ``lambd`` = λ on ``X (n_x, m)``, ``Y (1, m)``.

    Parameters first, data held: ``loss.loss_gradient(w, b)`` is
    :math:`(dw, db, J)` at ``(w, b)``, ``loss.hessian(w, b)`` the hand-derived Hessian,
    each evaluated on :attr:`path` (:func:`evaluation_path`). Inputs are not validated
    (the solvers check the shapes, the loaders the values). ``Y`` may be ``None`` for
    a loss used only for its Hessian, which does not depend on the labels.
    """

    X: Array
    Y: Array
    lambd: float = 0.0

    @functools.cached_property
    def path(self) -> EvaluationPath:
        """The evaluation path, decided once for this data (:func:`evaluation_path`)."""
        return evaluation_path(self.X)

    def cost_and_gradients(self, w: Array, b: Array | float) -> tuple[Any, Any]:
        """``({"dw": (n_x, 1), "db"}, J)`` at ``(w, b)`` in the data's namespace (lazy on dask)."""
        if self.path == "dask":
            return cluster.chunked_cost_and_gradients(
                w, b, self.X, self.Y, self.lambd, chunk_cost_and_gradients
            )
        if self.path == "fused":
            return kernel.gradients_fused(w, b, self.X, self.Y, self.lambd)
        return gradients.gradients_vectorized(w, b, self.X, self.Y, self.lambd)

    def loss_gradient(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float]:
        """``(dw (n_x, 1), db, J)`` at ``(w, b)`` as float64 numpy: one pass over the data.

        Overflow is not warned about here: a diverging run's ``w`` grows until ``‖w‖²``
        overflows, and the solvers report the resulting non-finite cost as divergence.
        On dask, ``dw``, ``db`` and ``J`` come from one ``dask.compute``.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            grads, J = self.cost_and_gradients(w, b)
            dw, db, J_ = cluster.compute(grads["dw"], grads["db"], J)
        return dw, float(db), float(J_)

    def hessian(self, w: np.ndarray, b: float) -> np.ndarray:
        r"""The hand-derived Hessian in :math:`(w, b)`, ``(n_x + 1, n_x + 1)`` float64 numpy.

        :func:`autograd_lr.gradients.hessian`; on dask one task per chunk
        (:func:`autograd_lr.fast.cluster.chunked_hessian`).
        """
        if self.path == "dask":
            H = cluster.chunked_hessian(w, b, self.X, self.lambd)
        else:
            H = gradients.hessian(w, b, self.X, self.lambd)
        (H_,) = cluster.compute(H)
        return H_
