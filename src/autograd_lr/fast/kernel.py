r"""The fast path: the gradient and the cost in ONE pass over X.

:func:`autograd_lr.gradients.gradients_vectorized` is the teaching reference:
:math:`Z = w^\top X` reads all of X, then :math:`dw = X\,dZ^\top` reads all of X again.
On large X both products are limited by memory bandwidth, so the formula costs two
full reads of X. The kernel here computes exactly the same sums in another order,
reading X from memory once. It is plumbing, not math: the per-example derivative it
applies is the hand one, ``dz = a - y``, retyped for numba in :mod:`autograd_lr.fast.losses`
and checked against ``jax.grad`` of :func:`autograd_lr.forward.cost` in the tests.

This module never imports jax nor the oracles (independence rule 2).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

from autograd_lr import forward, gradients
from autograd_lr.fast import settings
from autograd_lr.fast.loops import chunk_examples, chunk_rows, rows_dw, rows_z
from autograd_lr.fast.losses import all_losses, block_losses
from autograd_lr.fast.threads import run_chunks
from autograd_lr.forward import Array, Grads

# The single-pass form computes exactly the same sums in another order. X's examples are
# cut into blocks of B consecutive columns, small enough that the block X[:, i0:i0+B]
# stays in the core's cache between its two uses:
#
#     z_i  = b + Σ_j w_j X[j, i]               for i in the block   (X read from memory)
#     dz_i = σ(z_i) − y_i,  J += L(z_i, y_i)   per example           (no X)
#     dw_j += Σ_i X[j, i] dz_i                 for j = 1..n_x        (X read from cache)
#
# so X travels from memory once. Two refinements, both about memory, none about math:
# the dw sweep over block k and the z sweep over block k + 1 run row by row together
# (software pipelining: while the next block streams in from memory, the core works on
# the current one from cache), and rows are processed eight at a time (eight memory
# streams in flight; each z_i or dz_i is loaded once per eight rows). The blocks are
# grouped into chunks of consecutive examples; threads take chunks, and each chunk owns
# its partial sums, added up in chunk order at the end (the same result bit for bit
# whatever the number of threads). X stored example by example (F order, scikit-learn's
# rows transposed) has each example contiguous: there the blocks are groups of examples,
# z for four examples per sweep over w, then dw from the same four while they are in
# cache (fast/loops.py). Each block's losses and dz run in SIMD loops (fast/losses.py).
#
# The kernels (fast/loops.py) are plain Python loops compiled by numba (the "fast" extra), lazily:
# importing autograd_lr never imports numba, and compiled code is cached on disk
# (cache=True), so the compilation cost is paid once per machine. Without numba the same
# blocking runs in numpy (_fused_numpy): gradients_vectorized on one block at a time,
# still O(B) extra memory, but X is read twice.
#
# Precision: float64 X is computed in float64. float32 X is read as float32, never
# copied (a float64 copy would be an (n_x, m) temporary twice X's size), and computed
# like the float32 formula where the sums are short: products, z (a sum over n_x
# features) and one block's part of dw (a sum over at most B examples) in float32, twice
# as many per vector instruction as float64. The long sums, over all m examples, are
# float64: dw across blocks, db and J (a float32 running sum of 10^6 losses can be off
# by percents). The results come back in the common dtype of w, X and Y.

# Block size B, and when the fused path pays: computed from the machine's caches by
# autograd_lr.fast.settings (its docstring gives each rule and its fallback). In short: B
# spans one memory page per row (the prefetcher follows a stream to the page's end),
# unless two blocks per thread would not fit in that thread's share of the last-level
# cache (the second read must come from cache), never below one cache line per row;
# row-major X takes the single pass once it no longer fits in the last-level cache (two
# passes split by rows from one L2 up to that), column-major X (each example contiguous,
# read once at any size) once it outgrows L2.
SETTINGS = settings.machine_settings()
FUSED_MIN_BYTES = SETTINGS.fused_min_bytes
FUSED_MIN_BYTES_EXAMPLES = SETTINGS.fused_min_bytes_examples
# At most this many chunks: enough for dynamic load balancing over 2-8 threads (a chunk
# waiting on a busy core does not hold up the others), few enough that the per-chunk
# partial sums stay small. A design choice, not a measurement.
FUSED_MAX_CHUNKS = 16
# The two-pass form (X in the last-level cache) takes two chunks per CPU of the machine:
# one spare per thread, so a thread that starts late leaves its chunk to the others.
# Not more: each chunk costs a few microseconds of its own (a numba dispatch, a claim
# under a lock), and the whole gradient there is a few
# hundred microseconds (at 16 chunks the fixed costs were a quarter of the float32
# gradient at (12288, 209)). Per CPU of the machine (os.cpu_count), not per thread
# asked for nor per CPU this process may use: the chunks, hence the bits of z, depend on
# the machine only, like the block size, never on `threads`, taskset or a worker's share.
TWO_PASS_CHUNKS_PER_CPU = 2
# Two-pass chunks start at a multiple of this many rows: as many float64 dw entries as
# fill one cache line (8 on 64-byte lines), so two threads never write into the same line.
TWO_PASS_ROW_UNIT = max(1, SETTINGS.caches.line_bytes // 8)
# Each chunk's partial dw (n_x float64) and scratch together take at most 1/20 of X's
# size: the peak extra memory stays a small share of X (the target: 10 %).
FUSED_PARTIAL_SHARE = 20
# numba fastmath flags for the kernels: "reassoc" lets the sums Σ_i X[j, i] dz_i be
# vectorized (summed in SIMD lanes, then the lanes added), "contract" allows fused
# multiply-add. Deliberately NOT the full fastmath set: "nnan"/"ninf" would let the
# compiler assume that no NaN or inf occurs, but a NaN or inf in X must reach J:
# a training loop reports a non-finite cost as divergence, and a caller that skipped the
# screen of X learns of a NaN or inf from J.
FUSED_FASTMATH = frozenset({"reassoc", "contract"})

Engine = str  # "auto" | "numba" | "numpy"


@functools.cache
def _numba_kernels() -> tuple[Any, Any]:
    """The two kernels compiled by numba (imported here, not at module import).

    Raises ``ImportError`` without numba. ``cache=True`` stores the machine code next to
    this file, so later processes load it instead of compiling (about 1 s per signature
    the first time); ``nogil=True`` lets threads run the kernel side by side.
    """
    import numba
    import numba.extending

    # The losses of a block, compiled with the kernels' flags ("reassoc" vectorizes their
    # sums); called once per block, so not inlined.
    numba.extending.register_jitable(fastmath=set(FUSED_FASTMATH), error_model="numpy")(
        block_losses
    )

    def compile_both(cache: bool) -> tuple[Any, Any]:
        jit = numba.njit(cache=cache, nogil=True, fastmath=set(FUSED_FASTMATH), error_model="numpy")
        return jit(chunk_rows), jit(chunk_examples)

    try:
        return compile_both(cache=True)
    except RuntimeError:  # no writable cache directory anywhere: compile in memory only
        return compile_both(cache=False)


@functools.cache
def _numba_two_pass() -> tuple[Any, Any, Any]:
    """The two-pass form's loops compiled by numba: ``rows_z``, ``rows_dw``, ``all_losses``."""
    import numba

    _numba_kernels()  # registers block_losses for compiled callers

    def compile_all(cache: bool) -> tuple[Any, Any, Any]:
        jit = numba.njit(cache=cache, nogil=True, fastmath=set(FUSED_FASTMATH), error_model="numpy")
        return jit(rows_z), jit(rows_dw), jit(all_losses)

    try:
        return compile_all(cache=True)
    except RuntimeError:
        return compile_all(cache=False)


def numba_available() -> bool:
    """Whether the numba kernels can be used (numba importable; the "fast" extra)."""
    try:
        _numba_kernels()
    except ImportError:
        return False
    return True


def fused_block(n_x: int, itemsize: int, p: settings.KernelSettings | None = None) -> int:
    """Block size B (examples per block) for row-major ``X`` with ``n_x`` rows of ``itemsize`` bytes.

    One page per row (``segment_bytes``), capped so that the block holds at most
    ``block_bytes``; a multiple of one cache line per row, at least one line
    (:mod:`autograd_lr.fast.settings`; ``p`` defaults to this machine's).
    """
    p = p or SETTINGS
    line = max(1, p.min_block_bytes // itemsize)
    B = min(p.segment_bytes // itemsize, p.block_bytes // max(1, n_x * itemsize))
    return int(max(line, B // line * line))


def examples_group(n_x: int, itemsize: int, p: settings.KernelSettings | None = None) -> int:
    """Examples per group of the examples kernel (column-major ``X`` with ``n_x`` features).

    A group is read twice (z, then dw), so it takes at most half of one L2 cache; at
    most one page per feature's short sum (``segment_bytes // itemsize`` examples, as
    a row block); a multiple of 4 (the kernel's unrolling), at least 4.
    """
    p = p or SETTINGS
    G = min(p.segment_bytes // itemsize, p.caches.l2_bytes // 2 // max(1, n_x * itemsize))
    return int(max(4, G // 4 * 4))


def _default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _fused_numba(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, block: int | None, threads: int | None
) -> tuple[np.ndarray, float, float]:
    """``(Σ_i x⁽ⁱ⁾dz⁽ⁱ⁾ (n_x,) float64, Σ_i dz⁽ⁱ⁾, Σ_i L⁽ⁱ⁾)`` by the numba kernels."""
    rows_kernel, examples_kernel = _numba_kernels()
    n_x, m = X.shape
    # float32 arithmetic only when everything is float32 (numpy's promotion rule)
    compute = np.float32 if np.result_type(w, X, Y) == np.float32 else np.float64
    w_flat = np.ascontiguousarray(w, dtype=compute).reshape(n_x)
    y = np.ascontiguousarray(Y).reshape(m)
    threads = _default_threads() if threads is None else threads
    if block is None and takes_two_passes(X):
        return _two_pass_numba(w_flat, b, X, y, compute, min(threads, two_pass_threads(X)))
    if takes_examples_kernel(X):
        # X.T is C-contiguous, a view. Chunks are cut in whole cache lines of examples.
        kernel, data = examples_kernel, X.T
        B = block if block is not None else examples_group(n_x, X.itemsize)
        B = max(1, min(B, m))
        unit = max(1, SETTINGS.min_block_bytes // X.itemsize)
        Zc_len = n_x
    else:
        kernel, data = rows_kernel, X
        B = block if block is not None else fused_block(n_x, X.itemsize)
        B = unit = max(1, min(B, m))
        Zc_len = B
    n_units = -(-m // unit)
    per_chunk = n_x * 8 + (Zc_len + B) * np.dtype(compute).itemsize + 2 * B * 8
    n_chunks = max(1, min(n_units, FUSED_MAX_CHUNKS, X.nbytes // (FUSED_PARTIAL_SHARE * per_chunk)))
    bounds = [min(m, (c * n_units // n_chunks) * unit) for c in range(n_chunks + 1)]
    dw_parts = np.empty((n_chunks, n_x))
    sums = np.empty((n_chunks, 2))
    scratch = np.empty((n_chunks, Zc_len + B), dtype=compute)
    losses_scratch = np.empty((n_chunks, 2 * B))

    def task(c: int) -> None:
        Zc, Zn = scratch[c, :Zc_len], scratch[c, Zc_len:]
        lo, hi = bounds[c], bounds[c + 1]
        T = losses_scratch[c]
        sums[c] = kernel(w_flat, b, data, y, lo, hi, B, dw_parts[c], Zc, Zn, T, compute(0))

    run_chunks(task, n_chunks, threads)
    return dw_parts.sum(axis=0), float(sums[:, 1].sum()), float(sums[:, 0].sum())


def takes_two_passes(X: np.ndarray) -> bool:
    """Whether row-major ``X`` takes the two-pass form: it fits in the last-level cache.

    Then its second read comes from that cache anyway, and two streaming passes split by
    rows (each thread a range of whole rows) beat blocks of columns, which at so few
    examples per row would be short row segments. Also only where ``z (m,)`` in float64
    is at most 1/FUSED_PARTIAL_SHARE of X (``n_x · itemsize >= 8 · FUSED_PARTIAL_SHARE``),
    the memory rule of the chunks.
    """
    return (
        not takes_examples_kernel(X)
        and fits_in_last_level_cache(X)
        and X.shape[0] * X.itemsize >= 8 * FUSED_PARTIAL_SHARE
    )


def two_pass_threads(X: np.ndarray) -> int:
    """At most how many threads share the two-pass form: one per CPU's share of the LLC in X.

    X fits in the last-level cache there, so a pass over it takes well under a
    millisecond, and starting a thread costs about 0.1 ms on the 2-core VMs this is
    measured on (:mod:`autograd_lr.fast.threads`). A thread pays for itself only with at
    least one CPU's share of the last-level cache to read (the share the single-pass
    kernel sizes its blocks by): at (12288, 209), 20 MiB of float64 against 16 MiB per
    CPU, one thread took 2.7x the floor and two 3.1x. On a machine whose cache is shared
    by many cores, a large X still gets many threads. The bits do not depend on it.
    """
    return max(1, X.nbytes // max(1, SETTINGS.caches.llc_share_bytes))


def fits_in_last_level_cache(X: np.ndarray) -> bool:
    """Whether ``X`` is smaller than the last-level cache (:data:`FUSED_MIN_BYTES`), so that
    a second read of it, or a second call on it, finds it there."""
    return X.nbytes < FUSED_MIN_BYTES


def _two_pass_numba(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, compute: Any, threads: int
) -> tuple[np.ndarray, float, float]:
    r"""The same sums in two passes over row-major X, for X in the last-level cache.

    Pass 1 is the package's own, split by rows: each chunk of rows :math:`R` gives
    :math:`\sum_{j \in R} w_j X[j, :]`; the chunks' parts are added in chunk order (plus
    b, in float64), the losses and dz computed
    (:func:`~autograd_lr.fast.losses.all_losses`). This pass is what finds a NaN or inf
    in X: it reaches z, hence J, whatever w is, as in the single pass. Pass 2,
    :math:`dw = X\, dz`, then goes to BLAS, whose threads are the fastest there (X is
    in cache by then, and its values are known to be finite or J says otherwise),
    except for float32 with more than one block of examples, whose long sums
    :math:`\sum_i X[j, i]\, dz_i` must run in float64 (by chunks of
    rows, :func:`~autograd_lr.fast.loops.rows_dw`). Deterministic for any ``threads``.
    """
    z_kernel, dw_kernel, losses_kernel = _numba_two_pass()
    n_x, m = X.shape
    n_units = -(-n_x // TWO_PASS_ROW_UNIT)
    per_machine = TWO_PASS_CHUNKS_PER_CPU * (os.cpu_count() or 1)
    n_chunks = max(1, min(n_units, per_machine, FUSED_MAX_CHUNKS, n_x // FUSED_PARTIAL_SHARE))
    bounds = [min(n_x, (c * n_units // n_chunks) * TWO_PASS_ROW_UNIT) for c in range(n_chunks + 1)]
    zero = compute(0)
    z_parts = np.empty((n_chunks, m), dtype=compute)

    def first(c: int) -> None:
        z_kernel(w, X, bounds[c], bounds[c + 1], z_parts[c], zero)

    run_chunks(first, n_chunks, threads)
    Z = np.full(m, b)
    for c in range(n_chunks):  # in chunk order: the same bits for any thread count
        Z += z_parts[c]
    block = SETTINGS.segment_bytes // X.itemsize
    cost, db = losses_kernel(Z, y, np.empty(2 * block))
    dz = Z.astype(compute, copy=False)
    if compute is np.float64 or m <= block:  # float32: one block's sum is short enough
        return np.asarray(X @ dz, dtype=np.float64), db, cost
    dw = np.empty(n_x)

    def second(c: int) -> None:
        dw_kernel(X, dz, bounds[c], bounds[c + 1], dw, block, zero)

    run_chunks(second, n_chunks, threads)
    return dw, db, cost


def takes_examples_kernel(X: np.ndarray) -> bool:
    """Whether ``X (n_x, m)`` is stored example by example (F order): ``X.T`` is C-contiguous.

    scikit-learn's rows ``X (m, n_x)`` transposed are exactly that, a view without a copy.
    """
    return bool(X.flags.f_contiguous and not X.flags.c_contiguous)


def _fused_numpy(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, block: int | None
) -> tuple[np.ndarray, float, float]:
    """The same sums with numpy: :func:`gradients_vectorized` on one block of examples at a time.

    Extra memory is O(B); X is read twice per block (once per matrix-vector product), the
    second time from cache when the block fits.
    """
    n_x, m = X.shape
    B = block if block is not None else fused_block(n_x, X.itemsize)
    dw = np.zeros(n_x)
    db = 0.0
    cost = 0.0
    for i0 in range(0, m, B):
        i1 = min(m, i0 + B)
        grads, J = gradients.gradients_vectorized(w, b, X[:, i0:i1], Y[:, i0:i1])
        n = i1 - i0  # gradients_vectorized returns means over the block: scale back to sums
        dw += n * np.asarray(grads["dw"], dtype=np.float64).reshape(n_x)
        db += n * float(grads["db"])
        cost += n * float(J)
    return dw, db, cost


def gradients_fused(
    w: Array,
    b: Array | float,
    X: Array,
    Y: Array,
    lambd: float = 0.0,
    *,
    engine: Engine = "auto",
    block: int | None = None,
    threads: int | None = None,
) -> tuple[Grads, Array]:
    r"""The same gradient and cost as :func:`gradients_vectorized`, in one pass over X.

    .. math::

        & dw = \tfrac{1}{m} \textstyle\sum_i x^{(i)} (\sigma(z^{(i)}) - y^{(i)}) + \tfrac{\lambda}{m} w,
        \quad db = \tfrac{1}{m} \textstyle\sum_i (\sigma(z^{(i)}) - y^{(i)}), \\
        & J = \tfrac{1}{m} \textstyle\sum_i L(z^{(i)}, y^{(i)}) + \tfrac{\lambda}{2m} \lVert w\rVert^2

    with :math:`z^{(i)} = w^\top x^{(i)} + b`, summed block by block of ``block``
    examples (see the section comment above). ``w (n_x, 1)``, scalar ``b``, numpy
    ``X (n_x, m)`` and ``Y (1, m)`` of float dtypes -> ``({"dw": (n_x, 1), "db": 0-d},
    J)`` in their common dtype (as :func:`gradients_vectorized` would give); sums over
    all m examples in float64 (float32 X: short sums in float32, see the section
    comment). X is never copied nor cast: peak extra memory is
    :math:`O(c\,(n_x + B))` for :math:`c \le 16` chunks, never an ``(n_x, m)`` array.

    ``engine``: ``"numba"`` (compiled single pass, threaded), ``"numpy"`` (blocked
    :func:`gradients_vectorized`) or ``"auto"`` (numba when importable, else numpy).
    ``threads`` defaults to the CPUs this process may use. Inputs are not validated
    (use :func:`autograd_lr.propagate`). A NaN or inf anywhere in X makes ``J``
    non-finite (it reaches that example's :math:`z`, whatever ``w`` is).
    """
    if engine not in ("auto", "numba", "numpy"):
        raise ValueError(f"engine must be 'auto', 'numba' or 'numpy', got {engine!r}")
    if block is not None and (isinstance(block, bool) or int(block) < 1):
        raise ValueError(f"block must be an integer >= 1 (examples per block), got {block!r}")
    X = np.asarray(X)
    m = X.shape[1]
    if engine == "numpy" or (engine == "auto" and not numba_available()):
        dw_sum, db_sum, cost_sum = _fused_numpy(w, float(b), X, Y, block)
    else:
        dw_sum, db_sum, cost_sum = _fused_numba(w, float(b), X, Y, block, threads)
    dtype = np.result_type(w, X, Y)
    dw = (dw_sum / m).reshape(-1, 1).astype(dtype)
    J = cost_sum / m
    if lambd:
        dw = dw + gradients.l2_gradient(w, m, lambd).astype(dtype)
        J = J + float(forward.l2_penalty(w, m, lambd))
    return {"dw": dw, "db": dtype.type(db_sum / m)}, dtype.type(J)


def fused_applies(X: Any) -> bool:
    """Whether the single pass of :func:`gradients_fused` pays for ``X``.

    A 2-D numpy float32/float64 array of at least :data:`FUSED_MIN_BYTES` (the
    last-level cache), or at least :data:`FUSED_MIN_BYTES_EXAMPLES` (one L2 cache) when
    it is stored example by example (:func:`takes_examples_kernel`); see
    :mod:`autograd_lr.fast.settings`. Other array types (lists, dask, jax) keep
    :func:`gradients_vectorized`, which runs on any namespace. The choice of path is
    :func:`autograd_lr.training.objective.evaluation_path`'s.
    """
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype in (np.float32, np.float64)):
        return False
    if takes_examples_kernel(X):
        return X.nbytes >= FUSED_MIN_BYTES_EXAMPLES
    return not fits_in_last_level_cache(X) or (
        X.nbytes >= FUSED_MIN_BYTES_EXAMPLES and takes_two_passes(X)
    )
