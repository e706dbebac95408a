r"""Dask: the same hand-derived gradient on data too big for one process.

The gradient is a sum over examples, so it splits over chunks of examples:

.. math::

    & dw = \frac1m X\, dZ^\top = \frac1m \sum_{c} X_c\, dZ_c^\top, \qquad
    db = \frac1m \sum_c \sum_{i \in c} dZ_i, \\
    & J = \frac1m \sum_c \sum_{i \in c} L^{(i)},

with :math:`X_c` ``(n_x, m_c)`` the columns (examples) of chunk c. Nothing here derives
anything: :func:`autograd_lr.gradients.gradients_vectorized` and
:func:`autograd_lr.forward.cost` run unchanged on a ``dask.array`` ``X`` chunked by
columns, and dask turns each ``@`` and ``sum`` into per-chunk partial sums and a tree of
additions. The small parameters ``w (n_x, 1)`` and ``b`` stay numpy; only the small
results (``dw``, ``db``, ``J``, the Hessian) are ever brought back, by :func:`compute`,
in one ``dask.compute`` so that a pass over the data serves all of them. With a
``dask.distributed.Client`` active, ``dask.compute`` sends that work to its workers.

Which computation each chunk runs (the single-pass kernel or the formula) is the
training objective's choice (:func:`autograd_lr.training.objective.chunk_cost_and_gradients`),
passed in; this module only splits, runs and sums.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd_lr import forward, gradients
from autograd_lr.forward import Grads
from autograd_lr.validation import is_dask, validate_chunks

# dask, distributed and psutil (which comes with distributed) are imported inside the
# functions that use them: they are the optional "dask" extra, so `import autograd_lr`
# stays light and numpy users never need them installed.

# The computation of one chunk: ``(w, b, X_c, Y_c) -> ({"dw", "db"}, J)`` with λ = 0, on numpy.
ChunkCostAndGradients = Callable[[np.ndarray, float, np.ndarray, np.ndarray], tuple[Grads, Any]]

# Persist the training data in the workers' memory only when it takes at most this share
# of their total memory limit. A dask worker starts spilling to disk at 60 % of its limit
# and pauses at 80 %; data spread unevenly over the workers, plus the per-chunk temporaries
# of an iteration (Z, A, dZ, X * S for the Hessian: about 2 chunks per thread), must stay
# under the 60 %. Larger data are streamed from disk at every iteration instead.
PERSIST_FRACTION = 0.4


def compute(*arrays: Any) -> list[np.ndarray]:
    """The values of ``arrays`` as float64 numpy arrays, dask ones in ONE ``dask.compute``.

    A single call lets dask share the common part of the graphs: for ``dw``, ``db`` and
    ``J`` of :func:`~autograd_lr.gradients.gradients_vectorized`, each chunk of ``X`` is
    read once and ``Z = wᵀX + b`` computed once per pass. Only for small results.
    """
    if any(is_dask(a) for a in arrays):
        import dask

        arrays = dask.compute(*arrays)
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _client() -> Any:
    """The active ``dask.distributed.Client``, or ``None``."""
    try:
        from distributed import default_client
    except ImportError:  # distributed is optional
        return None
    try:
        return default_client()
    except ValueError:  # "No clients found"
        return None


def memory_for_data() -> int:
    """Bytes of memory that would hold persisted data: the workers' or this process's.

    With a ``dask.distributed.Client``, the sum of its workers' memory limits (a worker
    without a limit counts the memory of its machine). Without one, dask computes in
    this process, and the memory now available on this machine counts.
    """
    import psutil

    client = _client()
    if client is None:
        return int(psutil.virtual_memory().available)
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return int(sum(w.get("memory_limit") or psutil.virtual_memory().total for w in workers))


def fits_in_memory(nbytes: int, fraction: float = PERSIST_FRACTION) -> bool:
    """Whether ``nbytes`` of data fit in :data:`PERSIST_FRACTION` of :func:`memory_for_data`."""
    return nbytes <= fraction * memory_for_data()


def persist_if_fits(X: Any, Y: Any, persist: bool | str = "auto") -> tuple[Any, Any, bool]:
    """``(X, Y, persisted)``: dask ``X`` and ``Y`` kept in (worker) memory when they fit.

    ``persist="auto"`` persists ``X`` when :func:`fits_in_memory`; ``True`` always,
    ``False`` never: then every iteration reads ``X`` again from where it came from
    (its files on disk), one chunk at a time, and no process ever holds all of it.
    ``Y (1, m)``, ``n_x`` times smaller than ``X (n_x, m)``, is persisted always, so
    that labels made in this process are sent to the workers once, not at every
    iteration. numpy arrays are returned unchanged (with ``persisted = False``).
    """
    if persist not in ("auto", True, False):
        raise ValueError(f"persist must be 'auto', True or False, got {persist!r}")
    if is_dask(Y):
        (Y,) = _persist(Y)
    if not is_dask(X):
        return X, Y, False
    keep = fits_in_memory(int(X.nbytes)) if persist == "auto" else bool(persist)
    if keep:
        (X,) = _persist(X)
    return X, Y, keep


def _persist(*arrays: Any) -> tuple[Any, ...]:
    import dask

    return tuple(dask.persist(*arrays))


def lecture_layout(X_rows: Any) -> Any:
    """scikit-learn's rows-are-examples ``X (m, n_x)`` -> the lecture's ``(n_x, m)``, lazily.

    A dask array chunked by rows (examples) becomes one chunked by columns; nothing is
    read or copied until a computation needs a chunk.
    """
    return X_rows.T


@contextlib.contextmanager
def connect(address: str | None, **local_options: Any) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for the duration of a ``with`` block.

    ``address``: ``None`` for no cluster (dask's threads in this process), ``"local"``
    for a new ``LocalCluster`` on this machine (loopback only, closed at the end, with
    ``local_options`` passed to it), or a scheduler's address such as
    ``"tcp://10.0.0.5:8786"`` to work on an existing cluster. Yields the client, or
    ``None``. An unreachable scheduler raises ``ValueError`` naming the address and the
    fix.
    """
    if address is None:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError(
            "dask.distributed is not installed: install the dask extra "
            "(pip install 'autograd-lr[dask]')"
        ) from None
    if address == "local":
        # Loopback only; the dashboard on a free port (the default 8787 may be taken).
        options = {"host": "127.0.0.1", "dashboard_address": ":0", **local_options}
        with LocalCluster(**options) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(
            f"could not reach a dask scheduler at {address!r} ({exc}); start one with "
            f"`dask scheduler` and `dask worker {address}` on the cluster's machines, or "
            f"use 'local' for a cluster on this machine"
        ) from None
    with client:
        yield client


def describe(client: Any) -> str:
    """One line about the cluster: scheduler address, workers, threads, memory."""
    if client is None:
        return "no cluster: dask's threads in this process"
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(int(w.get("nthreads", 0)) for w in workers)
    memory = sum(int(w.get("memory_limit") or 0) for w in workers)
    dashboard = getattr(client, "dashboard_link", None)
    return (
        f"{client.scheduler.address}: {len(workers)} workers, {threads} threads, "
        f"{memory / 1e9:.2f} GB memory limit in all"
        + (f"; dashboard {dashboard}" if dashboard else "")
    )


def from_numpy(a: np.ndarray, chunks: tuple[int, ...]) -> Any:
    """A dask array of the numpy ``a``, cut into ``chunks`` along axis 0.

    With a ``dask.distributed.Client``, the chunks are scattered to the workers once and
    the array refers to them, rather than carrying ``a`` inside every task graph.
    """
    import dask.array as da

    client = _client()
    if client is None:
        return da.from_array(a, chunks=(chunks, *a.shape[1:]))
    spans = list(itertools.pairwise(np.cumsum((0, *chunks))))
    futures = client.scatter([a[i:j] for i, j in spans])
    parts = [
        da.from_delayed(f, shape=(int(j - i), *a.shape[1:]), dtype=a.dtype)
        for f, (i, j) in zip(futures, spans, strict=True)
    ]
    return da.concatenate(parts, axis=0)


def chunked_cost_and_gradients(
    w: Any,
    b: Any,
    X: Any,
    Y: Any,
    lambd: float,
    per_chunk: ChunkCostAndGradients,
) -> tuple[Any, Any]:
    r"""``({"dw", "db"}, J)`` of a dask ``X (n_x, m)``: one task per chunk of examples, one sum.

    .. math::

        & dw = \frac1m \sum_c m_c\, dw_c + \frac{\lambda}{m} w, \qquad
        db = \frac1m \sum_c m_c\, db_c, \\
        & J = \frac1m \sum_c m_c\, J_c + \frac{\lambda}{2m} \lVert w \rVert^2

    where :math:`(dw_c, db_c, J_c)` are the hand-derived gradient and cost (λ = 0) of
    chunk c's :math:`m_c` examples, computed on the worker with numpy by ``per_chunk``
    (:func:`autograd_lr.training.objective.chunk_cost_and_gradients` in training). The same sums as
    ``gradients_vectorized`` on the whole dask array, whose graph splits every ``@`` and
    ``sum`` into several tasks per chunk; here each chunk is one task, which brings a
    pass over data streamed from disk close to the cost of reading it. ``w (n_x, 1)``,
    scalar ``b``, ``Y (1, m)``; returns lazy dask arrays, for :func:`compute`.
    """
    import dask.array as da

    n_x, m = (int(s) for s in X.shape)
    validate_chunks(X)
    X = X.rechunk({0: -1})  # every feature of an example in the same task
    Y = da.asarray(Y).rechunk(((1,), X.chunks[1]))
    w = np.asarray(w, dtype=np.float64)
    sums = da.map_blocks(
        _chunk_sums,
        X,
        Y,
        w=w,
        b=float(b),
        per_chunk=per_chunk,
        chunks=((n_x + 2,), (1,) * len(X.chunks[1])),
        dtype=np.float64,
    ).sum(axis=1)  # (n_x + 2,): Σ m_c dw_c, Σ m_c db_c, Σ m_c J_c
    dw = sums[:n_x].reshape(n_x, 1) / m
    db = sums[n_x] / m
    J = sums[n_x + 1] / m
    if lambd:
        dw = dw + gradients.l2_gradient(w, m, lambd)
        J = J + forward.l2_penalty(w, m, lambd)
    return {"dw": dw, "db": db}, J


def _chunk_sums(
    X_c: np.ndarray,
    Y_c: np.ndarray,
    w: np.ndarray,
    b: float,
    per_chunk: ChunkCostAndGradients,
) -> np.ndarray:
    """One chunk's ``m_c · (dw_c, db_c, J_c)`` as a column ``(n_x + 2, 1)`` (runs on a worker)."""
    grads, J = per_chunk(w, b, X_c, Y_c)
    m_c = X_c.shape[1]
    sums = np.concatenate([np.ravel(grads["dw"]), [float(grads["db"]), float(J)]])
    return (m_c * sums).reshape(-1, 1)


def chunked_hessian(w: Any, b: float, X: Any, lambd: float = 0.0) -> Any:
    r"""The hand-derived Hessian of :math:`J` on a dask ``X (n_x, m)``, one task per chunk.

    .. math::

        H = \frac{1}{m} \sum_c m_c\, H_c(\lambda_c), \qquad \lambda_c = \lambda \frac{m_c}{m}

    where :math:`H_c(\lambda_c)` is :func:`autograd_lr.gradients.hessian` of chunk c's
    :math:`m_c` examples, computed on a worker with numpy. Giving each chunk its share
    :math:`\lambda_c` of the penalty makes the :math:`\frac{\lambda_c}{m_c} I` terms add up
    to :math:`\frac{\lambda}{m} I` on the w block, so the L2 term too comes from the one
    hand derivation. ``w (n_x, 1)``, scalar ``b`` -> a lazy ``(n_x + 1, n_x + 1)`` dask array.
    """
    import dask.array as da

    n_x, m = (int(s) for s in X.shape)
    validate_chunks(X)
    X = X.rechunk({0: -1})  # every feature of an example in the same task
    size = (n_x + 1) ** 2
    total = da.map_blocks(
        _chunk_hessian,
        X,
        w=np.asarray(w, dtype=np.float64),
        b=float(b),
        lambd=float(lambd),
        m=m,
        chunks=((size,), (1,) * len(X.chunks[1])),
        dtype=np.float64,
    ).sum(axis=1)  # Σ_c m_c H_c(λ_c), flattened
    return total.reshape(n_x + 1, n_x + 1) / m


def _chunk_hessian(X_c: np.ndarray, w: np.ndarray, b: float, lambd: float, m: int) -> np.ndarray:
    """One chunk's ``m_c · H_c(λ m_c / m)``, flattened to a column (runs on a worker)."""
    m_c = X_c.shape[1]
    H_c = gradients.hessian(w, b, X_c, lambd * m_c / m)
    return (m_c * np.asarray(H_c)).reshape(-1, 1)
