r"""The fast path: the gradient and the cost in ONE pass over X.

:func:`autograd_lr.gradients.gradients_vectorized` is the teaching reference:
:math:`Z = w^\top X` reads all of X, then :math:`dw = X\,dZ^\top` reads all of X again.
On large X both products are limited by memory bandwidth, so the formula costs two
full reads of X. The kernel here computes exactly the same sums in another order,
reading X from memory once. It is plumbing, not math: the per-example derivative it
applies is the hand one, ``dz = a - y``, retyped for numba in :func:`loss_and_dz`
and checked against ``jax.grad`` of :func:`autograd_lr.forward.cost` in the tests.

This module never imports jax nor the oracles (DESIGN.md, independence rule 2).
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from typing import Any

import numpy as np

from autograd_lr import forward, gradients
from autograd_lr.fast import params
from autograd_lr.forward import Array
from autograd_lr.gradients import Grads

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
# whatever the number of threads).
#
# The kernels below are plain Python loops compiled by numba (the "fast" extra), lazily:
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

# Block size B, and when the fused path pays: derived from the machine's caches by
# autograd_lr.fast.params (its docstring gives each rule and its fallback). In short: B
# spans one memory page per row (the prefetcher follows a stream to the page's end),
# unless two blocks per thread would not fit in that thread's share of the last-level
# cache (the second read must come from cache), never below one cache line per row;
# row-major X takes the single pass once it no longer fits in the last-level cache,
# column-major X (each example contiguous, read once at any size) once it outgrows L2.
PARAMS = params.machine_params()
FUSED_MIN_BYTES = PARAMS.fused_min_bytes
FUSED_MIN_BYTES_EXAMPLES = PARAMS.fused_min_bytes_examples
# At most this many chunks: enough for dynamic load balancing over 2-8 threads (a chunk
# waiting on a busy core does not hold up the others), few enough that the per-chunk
# partial sums stay small. A design choice, not a measurement.
FUSED_MAX_CHUNKS = 16
# Each chunk's partial dw (n_x float64) and scratch together take at most 1/20 of X's
# size: the peak extra memory stays a small share of X (issue 6's target: 10 %).
FUSED_PARTIAL_SHARE = 20
# numba fastmath flags for the kernels: "reassoc" lets the sums Σ_i X[j, i] dz_i be
# vectorized (summed in SIMD lanes, then the lanes added), "contract" allows fused
# multiply-add. Deliberately NOT the full fastmath set: "nnan"/"ninf" would let the
# compiler assume that no NaN or inf occurs, but a NaN or inf in X must reach J:
# propagate relies on that to find them without a separate pass over X.
FUSED_FASTMATH = frozenset({"reassoc", "contract"})

Engine = str  # "auto" | "numba" | "numpy"


def loss_and_dz(z: float, y: float) -> tuple[float, float]:
    r"""One example's loss and :math:`dz` from its logit: :math:`(L(z, y),\ \sigma(z) - y)`.

    With :math:`e = e^{-|z|} \in (0, 1]`:

    .. math::

        \sigma(z) = \begin{cases} 1/(1 + e) & z \ge 0 \\ e/(1 + e) & z < 0 \end{cases},
        \qquad
        L(z, y) = \log(1 + e^{z}) - y z = \max(z, 0) + \log(1 + e) - y z

    Scalar ``z``, ``y`` -> ``(L, dz)``. One exponential serves both. The exponent is
    never positive, so nothing overflows for any finite ``z`` (at :math:`|z| = 10^3`,
    :math:`e^{z}` would be ``inf``); ``log1p`` keeps :math:`\log(1 + e)` exact when
    :math:`e` is tiny, where ``log(1 + e)`` would round to 0 and lose the loss of a
    confidently right example. These are :func:`autograd_lr.forward.sigmoid` and
    :func:`autograd_lr.forward.loss_from_logits` for one scalar, in the form numba
    compiles; :math:`dz = a - y` is :func:`autograd_lr.gradients.dL_dz`.
    """
    e = np.exp(-abs(z))
    a = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
    return max(z, 0.0) + np.log1p(e) - y * z, a - y


def _fused_chunk_rows(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    y: np.ndarray,
    lo: int,
    hi: int,
    block: int,
    dw: np.ndarray,
    Zc: np.ndarray,
    Zn: np.ndarray,
    zero: float,
) -> tuple[float, float]:
    r"""Kernel: examples ``lo:hi`` of a feature-major ``X (n_x, m)`` (rows = features), one pass.

    Adds :math:`\sum_i X[:, i]\, dz_i` into ``dw (n_x,)`` (zeroed first) and returns
    :math:`(\sum_i L_i, \sum_i dz_i)`. ``w (n_x,)``, ``y (m,)``, ``Zc``/``Zn``
    ``(block,)`` scratch for the current block's dz and the next block's z. ``w``, the
    scratch and ``zero`` (0 in that type) are in the compute dtype: products, z and a
    block's part of dw are summed in it; dw across blocks, J and db in float64.
    Stage s sweeps the rows once: dw from block s − 1 (in cache) and z of block s (from
    memory). Compiled by numba; runs (slowly) as plain Python too.
    """
    n_x = X.shape[0]
    n_blocks = (hi - lo + block - 1) // block
    for j in range(n_x):
        dw[j] = 0.0
    cost = 0.0
    db = 0.0
    for stage in range(n_blocks + 1):
        # The current block starts at column c0 (its z is in Zc), the next at n0 (its z
        # goes into Zn). Column indices are unsigned (np.uintp): a signed index may be
        # negative, which numba must wrap around, and that check turns the vectorized
        # loads of X into gathers, twice as slow.
        c0 = lo + max(stage - 1, 0) * block
        n_cur = 0 if stage == 0 else min(block, hi - c0)
        n0 = lo + stage * block
        n_next = 0 if stage == n_blocks else min(block, hi - n0)
        uc0, un0, yc = np.uintp(c0), np.uintp(n0), y[c0 : c0 + n_cur]
        for i in range(n_cur):  # z -> dz in place; J and db accumulate in float64
            loss, dz = loss_and_dz(np.float64(Zc[i]), np.float64(yc[i]))
            cost += loss
            db += dz
            Zc[i] = dz
        for i in range(n_next):
            Zn[i] = b
        # One sweep over the rows, eight at a time: dw from the current block (in cache)
        # and z of the next block (streaming in from memory) in the same inner loop while
        # both blocks have examples, then whichever is longer alone.
        n_both = min(n_cur, n_next)
        j = 0
        while j + 8 <= n_x:
            w0, w1, w2, w3 = w[j], w[j + 1], w[j + 2], w[j + 3]
            w4, w5, w6, w7 = w[j + 4], w[j + 5], w[j + 6], w[j + 7]
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = zero
            for i in range(np.uintp(n_both)):
                d = Zc[i]
                s0 += X[j, uc0 + i] * d
                s1 += X[j + 1, uc0 + i] * d
                s2 += X[j + 2, uc0 + i] * d
                s3 += X[j + 3, uc0 + i] * d
                s4 += X[j + 4, uc0 + i] * d
                s5 += X[j + 5, uc0 + i] * d
                s6 += X[j + 6, uc0 + i] * d
                s7 += X[j + 7, uc0 + i] * d
                Zn[i] += (
                    w0 * X[j, un0 + i]
                    + w1 * X[j + 1, un0 + i]
                    + w2 * X[j + 2, un0 + i]
                    + w3 * X[j + 3, un0 + i]
                ) + (
                    w4 * X[j + 4, un0 + i]
                    + w5 * X[j + 5, un0 + i]
                    + w6 * X[j + 6, un0 + i]
                    + w7 * X[j + 7, un0 + i]
                )
            for i in range(np.uintp(n_both), np.uintp(n_cur)):
                d = Zc[i]
                s0 += X[j, uc0 + i] * d
                s1 += X[j + 1, uc0 + i] * d
                s2 += X[j + 2, uc0 + i] * d
                s3 += X[j + 3, uc0 + i] * d
                s4 += X[j + 4, uc0 + i] * d
                s5 += X[j + 5, uc0 + i] * d
                s6 += X[j + 6, uc0 + i] * d
                s7 += X[j + 7, uc0 + i] * d
            for i in range(np.uintp(n_both), np.uintp(n_next)):
                Zn[i] += (
                    w0 * X[j, un0 + i]
                    + w1 * X[j + 1, un0 + i]
                    + w2 * X[j + 2, un0 + i]
                    + w3 * X[j + 3, un0 + i]
                ) + (
                    w4 * X[j + 4, un0 + i]
                    + w5 * X[j + 5, un0 + i]
                    + w6 * X[j + 6, un0 + i]
                    + w7 * X[j + 7, un0 + i]
                )
            dw[j] += s0
            dw[j + 1] += s1
            dw[j + 2] += s2
            dw[j + 3] += s3
            dw[j + 4] += s4
            dw[j + 5] += s5
            dw[j + 6] += s6
            dw[j + 7] += s7
            j += 8
        while j < n_x:  # the last n_x mod 8 rows, one at a time
            s = zero
            for i in range(np.uintp(n_cur)):
                s += X[j, uc0 + i] * Zc[i]
            dw[j] += s
            wj = w[j]
            for i in range(np.uintp(n_next)):
                Zn[i] += wj * X[j, un0 + i]
            j += 1
        Zc, Zn = Zn, Zc
    return cost, db


def _fused_chunk_examples(
    w: np.ndarray,
    b: float,
    XT: np.ndarray,
    y: np.ndarray,
    lo: int,
    hi: int,
    block: int,
    dw: np.ndarray,
    Zc: np.ndarray,
    Zn: np.ndarray,
    zero: float,
) -> tuple[float, float]:
    r"""Kernel: examples ``lo:hi`` of an example-major ``XT (m, n_x)`` (``X`` stored column by column).

    Each example :math:`x^{(i)}` is contiguous, so one pass is, four examples at a time:
    :math:`z = b + w^\top x` for the four (one load of each :math:`w_j` serves four
    products), their :math:`(L, dz)`, then :math:`\sum_{k<4} dz_k\, x^{(k)}` added into
    the running part of dw in one sweep (the four examples are still in L1 or L2: one
    example is n_x entries). That running part is ``Zc (n_x,)`` in the compute dtype,
    added into the float64 ``dw`` every ``block`` examples, like one block's part of dw
    in :func:`_fused_chunk_rows`; ``Zn`` (at least 4 entries) holds the four dz in the
    compute dtype. Same outputs as
    :func:`_fused_chunk_rows`. Groups start at ``lo``, so the sums depend on the chunk
    bounds only, never on the thread that runs the chunk.
    """
    n_x = XT.shape[1]
    nj = np.uintp(n_x)
    for j in range(nj):
        dw[j] = 0.0
        Zc[j] = zero
    cost = 0.0
    db = 0.0
    since_flush = 0
    i = lo
    while i < hi:
        g = min(4, hi - i)  # four examples at a time; the last hi - lo mod 4 one by one
        if g == 4:
            x0, x1, x2, x3 = XT[i], XT[i + 1], XT[i + 2], XT[i + 3]
            z0 = z1 = z2 = z3 = zero
            for j in range(nj):
                wj = w[j]
                z0 += wj * x0[j]
                z1 += wj * x1[j]
                z2 += wj * x2[j]
                z3 += wj * x3[j]
            Zn[0], Zn[1], Zn[2], Zn[3] = z0, z1, z2, z3
        else:
            for k in range(g):
                x = XT[i + k]
                z = zero
                for j in range(nj):
                    z += w[j] * x[j]
                Zn[k] = z
        for k in range(g):  # z -> dz in place (compute dtype); J and db in float64
            loss, dz = loss_and_dz(np.float64(Zn[k]) + b, np.float64(y[i + k]))
            cost += loss
            db += dz
            Zn[k] = dz
        if g == 4:
            d0, d1, d2, d3 = Zn[0], Zn[1], Zn[2], Zn[3]
            for j in range(nj):
                Zc[j] += (d0 * x0[j] + d1 * x1[j]) + (d2 * x2[j] + d3 * x3[j])
        else:
            for k in range(g):
                x = XT[i + k]
                d = Zn[k]
                for j in range(nj):
                    Zc[j] += d * x[j]
        i += g
        since_flush += g
        if since_flush >= block or i >= hi:  # the short sum joins the long one (float64)
            for j in range(nj):
                dw[j] += Zc[j]
                Zc[j] = zero
            since_flush = 0
    return cost, db


@functools.cache
def _numba_kernels() -> tuple[Any, Any]:
    """The two kernels compiled by numba (imported here, not at module import).

    Raises ``ImportError`` without numba. ``cache=True`` stores the machine code next to
    this file, so later processes load it instead of compiling (about 1 s per signature
    the first time); ``nogil=True`` lets threads run the kernel side by side.
    """
    import numba
    import numba.extending

    numba.extending.register_jitable(inline="always")(loss_and_dz)

    def compile_both(cache: bool) -> tuple[Any, Any]:
        jit = numba.njit(cache=cache, nogil=True, fastmath=set(FUSED_FASTMATH), error_model="numpy")
        return jit(_fused_chunk_rows), jit(_fused_chunk_examples)

    try:
        return compile_both(cache=True)
    except RuntimeError:  # no writable cache directory anywhere: compile in memory only
        return compile_both(cache=False)


def numba_available() -> bool:
    """Whether the numba kernels can be used (numba importable; the "fast" extra)."""
    try:
        _numba_kernels()
    except ImportError:
        return False
    return True


def fused_block(n_x: int, itemsize: int, p: params.KernelParams | None = None) -> int:
    """Block size B (examples per block) for row-major ``X`` with ``n_x`` rows of ``itemsize`` bytes.

    One page per row (``segment_bytes``), capped so that the block holds at most
    ``block_bytes``; a multiple of one cache line per row, at least one line
    (:mod:`autograd_lr.fast.params`; ``p`` defaults to this machine's).
    """
    p = p or PARAMS
    line = max(1, p.min_block_bytes // itemsize)
    B = min(p.segment_bytes // itemsize, p.block_bytes // max(1, n_x * itemsize))
    return int(max(line, B // line * line))


def _default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_chunks(task: Any, n_chunks: int, threads: int) -> None:
    """Run ``task(c)`` for c = 0..n_chunks-1 on up to ``threads`` threads (this one included).

    Threads take the next chunk from a shared counter, so a thread held up by a busy core
    does not hold the others up. The kernels release the GIL (``nogil``).
    """
    threads = max(1, min(threads, n_chunks))
    counter = itertools.count()
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for c in counter:
                if c >= n_chunks or failures:
                    return
                task(c)
        except BaseException as exc:  # re-raised below: a lost chunk must never be summed
            failures.append(exc)

    helpers = [threading.Thread(target=worker, daemon=True) for _ in range(threads - 1)]
    for t in helpers:
        t.start()
    worker()
    for t in helpers:
        t.join()
    if failures:
        raise failures[0]


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
    if takes_examples_kernel(X):
        # X.T is C-contiguous, a view. Chunks are cut in whole cache lines of examples;
        # `block` is how many examples the short (compute-dtype) sums of dw run over.
        kernel, data = examples_kernel, X.T
        B = block if block is not None else PARAMS.segment_bytes // X.itemsize
        unit = max(1, PARAMS.min_block_bytes // X.itemsize)
        scratch_len = n_x + 4
    else:
        kernel, data = rows_kernel, X
        B = block if block is not None else fused_block(n_x, X.itemsize)
        B = unit = max(1, min(B, m))
        scratch_len = 2 * B
    n_units = -(-m // unit)
    per_chunk = n_x * 8 + scratch_len * np.dtype(compute).itemsize
    n_chunks = max(1, min(n_units, FUSED_MAX_CHUNKS, X.nbytes // (FUSED_PARTIAL_SHARE * per_chunk)))
    bounds = [min(m, (c * n_units // n_chunks) * unit) for c in range(n_chunks + 1)]
    dw_parts = np.empty((n_chunks, n_x))
    sums = np.empty((n_chunks, 2))
    scratch = np.empty((n_chunks, scratch_len), dtype=compute)
    half = scratch_len // 2 if kernel is rows_kernel else n_x

    def task(c: int) -> None:
        Zc, Zn = scratch[c, :half], scratch[c, half:]
        lo, hi = bounds[c], bounds[c + 1]
        sums[c] = kernel(w_flat, b, data, y, lo, hi, B, dw_parts[c], Zc, Zn, compute(0))

    _run_chunks(task, n_chunks, _default_threads() if threads is None else threads)
    return dw_parts.sum(axis=0), float(sums[:, 1].sum()), float(sums[:, 0].sum())


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

        dw = \tfrac{1}{m} \textstyle\sum_i x^{(i)} (\sigma(z^{(i)}) - y^{(i)}) + \tfrac{\lambda}{m} w,
        \quad db = \tfrac{1}{m} \textstyle\sum_i (\sigma(z^{(i)}) - y^{(i)}),
        \quad J = \tfrac{1}{m} \textstyle\sum_i L(z^{(i)}, y^{(i)}) + \tfrac{\lambda}{2m} \lVert w\rVert^2

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
    """Whether :func:`autograd_lr.propagate` takes :func:`gradients_fused` for ``X``.

    A 2-D numpy float32/float64 array of at least :data:`FUSED_MIN_BYTES` (the
    last-level cache), or at least :data:`FUSED_MIN_BYTES_EXAMPLES` (one L2 cache) when
    it is stored example by example (:func:`takes_examples_kernel`); see
    :mod:`autograd_lr.fast.params`. Other array types (lists, dask, jax) keep
    :func:`gradients_vectorized`, which runs on any namespace.
    """
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype in (np.float32, np.float64)):
        return False
    if takes_examples_kernel(X):
        return X.nbytes >= FUSED_MIN_BYTES_EXAMPLES
    return X.nbytes >= FUSED_MIN_BYTES


def cost_and_gradients(
    w: Array, b: Array | float, X: Array, Y: Array, lambd: float = 0.0
) -> tuple[Grads, Array]:
    r"""The package's fastest path to :math:`(dw, db)` and :math:`J`: one dispatch for every caller.

    :func:`gradients_fused` (X read once) when :func:`fused_applies` to ``X``, else
    :func:`gradients_vectorized` (any array namespace: numpy, dask). Same contract as
    both; inputs are not validated.
    """
    if fused_applies(X):
        return gradients_fused(w, b, X, Y, lambd)
    return gradients.gradients_vectorized(w, b, X, Y, lambd)
