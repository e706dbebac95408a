r"""Every contender as a zero-argument callable on one problem ``(w, b, X, Y)``.

Each computes the gradient **and** the cost of
:math:`J(w, b) = \frac1m \sum_i \log(1 + e^{z_i}) - y_i z_i`, :math:`z = w^\top X + b`, and
returns ``(dw (n_x,), db, J)`` as float64 numpy values, so the run can check that all of
them computed the same thing before it compares their speed. Data conversions (to jax
arrays, torch tensors, scikit-learn's layout) happen once, outside the timed call; every
contender gets X in the dtype of the row (float64 or float32) without a copy where the
library allows it.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lr import forward, gradients
from autograd_lr.fast import kernel
from autograd_lr.training.objective import LogisticLoss, evaluation_path

Values = tuple[np.ndarray, float, float]  # dw (n_x,), db, J


@dataclass
class Contender:
    """One row of the table: ``fn()`` runs once; ``scale`` multiplies its time."""

    name: str
    fn: Callable[[], Values | None] | None  # None: not available (see note)
    note: str = ""
    scale: float = 1.0  # the loop runs on m_loop examples and is scaled by m / m_loop
    floor: bool = False  # one of the two floor measurements
    numpy_memory: bool = False  # allocations visible to tracemalloc (numpy)
    checked: bool = True  # compare its values with the formula's
    back_to_back: bool = True  # also timed in bursts (not the loop: seconds per call)


def _values(dw: Any, db: Any, J: Any) -> Values:
    return np.asarray(dw, dtype=np.float64).reshape(-1), float(db), float(J)


def floor_contenders(w: np.ndarray, X: np.ndarray) -> list[Contender]:
    """The floor: one full read of X, as ``X.sum()`` and as one ``wᵀX``."""

    def read_by_sum() -> None:
        X.sum()

    def read_by_product() -> None:
        w.T @ X

    return [
        Contender("floor: X.sum()", read_by_sum, floor=True, checked=False),
        Contender("floor: wᵀX", read_by_product, floor=True, checked=False),
    ]


def loop_contender(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, budget: int) -> Contender:
    """The lecture's loop on the first ``m_loop`` examples, ``n_x · m_loop ≤ budget``.

    Its time is exactly proportional to m (one pass of the inner loop per example), so
    the row reports it scaled to all m, marked as extrapolated unless m_loop = m.
    """
    n_x, m = X.shape
    m_loop = max(1, min(m, budget // n_x))
    Xs, Ys = np.ascontiguousarray(X[:, :m_loop]), np.ascontiguousarray(Y[:, :m_loop])

    def run() -> None:
        gradients.gradients_loop(w, b, Xs, Ys)

    note = "" if m_loop == m else f"timed on m = {m_loop}, scaled ×{m / m_loop:.4g}"
    return Contender(LOOP_NAME, run, note, scale=m / m_loop, checked=False, back_to_back=False)


def package_contenders(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, XF: np.ndarray
) -> list[Contender]:
    """The package's gradient as its training loops evaluate it (:class:`LogisticLoss`,
    which picks the formula or the single-pass kernel for X), on ``X`` and on the same
    values stored column by column (``XF``, scikit-learn's rows transposed), the kernel on
    one thread (what one core achieves, against ``X.sum()``, which numpy runs on one
    thread), and the vectorized formula. The lecture's ``propagate`` is the formula as the
    course writes it: its row is the vectorization table's."""
    loss, loss_rows = LogisticLoss(X, Y), LogisticLoss(XF, Y)

    def mine() -> Values:
        grads, J = loss.cost_and_gradients(w, b)
        return _values(grads["dw"], grads["db"], J)

    def mine_rows() -> Values:
        grads, J = loss_rows.cost_and_gradients(w, b)
        return _values(grads["dw"], grads["db"], J)

    def one_thread() -> Values:
        grads, J = kernel.gradients_fused(w, b, X, Y, threads=1)
        return _values(grads["dw"], grads["db"], J)

    def vectorized() -> Values:
        grads, J = gradients.gradients_vectorized(w, b, X, Y)
        return _values(grads["dw"], grads["db"], J)

    rows = [
        Contender(MINE, mine, _path(X), numpy_memory=True),
        Contender(ROWS_NAME, mine_rows, _path(XF) + "; X = rows.T, no copy", numpy_memory=True),
    ]
    if kernel.fused_applies(X) and kernel.numba_available():
        rows.append(Contender(ONE_THREAD_NAME, one_thread, "limit: compare with X.sum()"))
    rows.append(
        Contender("gradients_vectorized", vectorized, "the formula, two passes", numpy_memory=True)
    )
    return rows


# The arithmetic-alone measurement runs the kernel on a copy of X's first examples of at
# most this many bytes: a few MiB stays in the last-level cache of any current CPU (our
# fallback assumes 8 MiB), and the ~0.1 ms a call then takes dwarfs its fixed cost.
IN_CACHE_BYTES = 4 * 2**20
IN_CACHE_CALLS = 50


def kernel_arithmetic_ns(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> float | None:
    """Nanoseconds per entry of X for the single-pass kernel on one thread, X in cache.

    The same kernel and block size as on all of X, on a contiguous copy of its first
    examples (at most :data:`IN_CACHE_BYTES`), called :data:`IN_CACHE_CALLS` times: the
    fastest call is the kernel's arithmetic with no wait for memory. Set beside the time
    one core takes to read an entry from memory, it says whether a core can keep up.
    None where the objective does not take the single-pass kernel.
    """
    if not (kernel.fused_applies(X) and kernel.numba_available()) or kernel.takes_two_passes(X):
        return None
    n_x, m = X.shape
    examples = kernel.takes_examples_kernel(X)
    B = (kernel.examples_group if examples else kernel.fused_block)(n_x, X.itemsize)
    per_block = n_x * B * X.itemsize
    k = min(m, B * max(1, IN_CACHE_BYTES // per_block))
    Xc = np.asfortranarray(X[:, :k]) if examples else np.ascontiguousarray(X[:, :k])
    Yc = np.ascontiguousarray(Y[:, :k])
    best = float("inf")
    for _ in range(IN_CACHE_CALLS):
        start = time.perf_counter()
        kernel.gradients_fused(w, b, Xc, Yc, block=B, threads=1)
        best = min(best, time.perf_counter() - start)
    return best / Xc.size * 1e9


LOOP_NAME = "lecture's loop"
MINE = "autograd-lr"
ROWS_NAME = "autograd-lr, scikit-learn's rows"
ONE_THREAD_NAME = "kernel, 1 thread"
# Rows of the package itself, not peers (the verdicts compare MINE with the others).
PACKAGE_ROWS = (MINE, ROWS_NAME, ONE_THREAD_NAME, "gradients_vectorized", LOOP_NAME)


def _path(X: np.ndarray) -> str:
    """The evaluation path :class:`LogisticLoss` takes on ``X``, as the table's note."""
    if evaluation_path(X) == "formula":
        if kernel.fused_applies(X) and kernel.takes_two_passes(X):
            return "vectorized formula (row-major X in the last-level cache)"
        return "vectorized formula"
    if not kernel.numba_available():
        return "single-pass kernel (numpy engine: numba not installed)"
    return "single-pass kernel, " + ("examples" if kernel.takes_examples_kernel(X) else "rows")


def jax_contender(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> Contender:
    """``jax.jit(jax.value_and_grad(J))`` of :func:`autograd_lr.forward.cost`."""
    if importlib.util.find_spec("jax") is None:
        return Contender("jax.jit(value_and_grad)", None, "jax not installed")
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # float64 rows stay float64
    Xj, Yj, wj = jnp.asarray(X), jnp.asarray(Y), jnp.asarray(w)
    bj = jnp.asarray(b, dtype=X.dtype)
    step = jax.jit(jax.value_and_grad(forward.cost, argnums=(0, 1)))

    def run() -> Values:
        J, (dw, db) = step(wj, bj, Xj, Yj)
        J.block_until_ready()
        return _values(dw, db, J)

    return Contender("jax.jit(value_and_grad)", run, f"jax {jax.__version__}, XLA CPU")


def torch_contender(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> Contender:
    """torch autograd of :func:`autograd_lr.forward.cost` (``J.backward()``)."""
    if importlib.util.find_spec("torch") is None:
        return Contender(
            "torch autograd", None, f"torch not installed (CPU build: {TORCH_INSTALL})"
        )
    import torch

    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)  # views of the numpy arrays
    w0 = torch.from_numpy(w.astype(X.dtype))

    def run() -> Values:
        wt = w0.clone().requires_grad_()
        bt = torch.tensor(b, dtype=Xt.dtype, requires_grad=True)
        J = forward.cost(wt, bt, Xt, Yt)
        J.backward()
        assert wt.grad is not None and bt.grad is not None
        return _values(wt.grad.numpy(), bt.grad.item(), J.detach().item())

    return Contender(
        "torch autograd", run, f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )


def sklearn_contender(w: np.ndarray, b: float, XF: np.ndarray, Y: np.ndarray) -> Contender:
    """scikit-learn's fused ``LinearModelLoss(HalfBinomialLoss).loss_gradient``.

    On its own layout: ``XF.T`` is ``(m, n_x)`` C-contiguous, rows as scikit-learn
    stores them (``XF`` is X stored column by column), a view, no copy.
    """
    if importlib.util.find_spec("sklearn") is None:
        return Contender("scikit-learn loss_gradient", None, "scikit-learn not installed")
    import sklearn
    from sklearn._loss.loss import HalfBinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    loss = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True)
    coef = np.append(w.reshape(-1), b).astype(XF.dtype)
    Xs = XF.T
    y = np.ascontiguousarray(Y.reshape(-1))
    threads = _cpu_count()

    def run() -> Values:
        J, g = loss.loss_gradient(coef, Xs, y, n_threads=threads)
        return _values(g[:-1], g[-1], J)

    return Contender(
        "scikit-learn loss_gradient",
        run,
        f"scikit-learn {sklearn.__version__}, its rows",
        numpy_memory=True,
    )


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


TORCH_PIN = "torch==2.13.0+cpu"
TORCH_INSTALL = f".venv/bin/python -m pip install {TORCH_PIN}"


def all_contenders(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, XF: np.ndarray, loop_budget: int
) -> list[Contender]:
    """Floor, loop, package, and the three peers, in table order.

    ``XF`` holds the values of ``X`` stored column by column: ``XF.T`` are scikit-learn's
    rows ``(m, n_x)``.
    """
    return [
        *floor_contenders(w, X),
        loop_contender(w, b, X, Y, loop_budget),
        *package_contenders(w, b, X, Y, XF),
        jax_contender(w, b, X, Y),
        torch_contender(w, b, X, Y),
        sklearn_contender(w, b, XF, Y),
    ]
