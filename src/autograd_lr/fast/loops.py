r"""The two single-pass loops over one chunk of examples, in the form numba compiles.

:func:`chunk_rows` reads ``X (n_x, m)`` stored row by row (C order), block by block;
:func:`chunk_examples` reads it stored example by example (F order: scikit-learn's
rows transposed, ``X.T`` C-contiguous). Both add :math:`\sum_i x^{(i)} dz^{(i)}` of
examples ``lo:hi`` into ``dw`` and return :math:`(\sum_i L^{(i)}, \sum_i dz^{(i)})`;
:mod:`autograd_lr.fast.kernel` compiles them, cuts X into chunks and runs the chunks on
threads (its comment explains the single-pass form and the precision rules). They run,
slowly, as plain Python too: the tests compare the two.
"""

from __future__ import annotations

import numpy as np

from autograd_lr.fast.losses import block_losses


def chunk_rows(
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
    T: np.ndarray,
    zero: float,
) -> tuple[float, float]:
    r"""Kernel: examples ``lo:hi`` of a feature-major ``X (n_x, m)`` (rows = features), one pass.

    Adds :math:`\sum_i X[:, i]\, dz_i` into ``dw (n_x,)`` (zeroed first) and returns
    :math:`(\sum_i L_i, \sum_i dz_i)`. ``w (n_x,)``, ``y (m,)``, ``Zc``/``Zn``
    ``(block,)`` scratch for the current block's dz and the next block's z, ``T
    (2 block,)`` float64 scratch for :func:`~autograd_lr.fast.losses.block_losses`. ``w``, the
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
        uc0, un0 = np.uintp(c0), np.uintp(n0)
        block_cost, block_db = block_losses(Zc, y, c0, n_cur, T)  # z -> dz in place
        cost += block_cost  # J and db accumulate in float64
        db += block_db
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


def chunk_examples(
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
    T: np.ndarray,
    zero: float,
) -> tuple[float, float]:
    r"""Kernel: examples ``lo:hi`` of an example-major ``XT (m, n_x)`` (``X`` stored column by column).

    Each example :math:`x^{(i)}` is contiguous. Groups of ``block`` examples, small
    enough to stay in cache between their two uses, are taken in one pass each:
    :math:`z = b + w^\top x` for the group, four examples at a time (one load of each
    :math:`w_j` serves four products), into ``Zn (block,)``; then their :math:`(L, dz)`
    (:func:`~autograd_lr.fast.losses.block_losses`, with ``T (2 block,)``); then
    :math:`\sum_k dz_k\, x^{(k)}` into ``Zc (n_x,)``, four examples per sweep of Zc.
    ``Zc`` holds the group's part of dw in the compute dtype and is added into the
    float64 ``dw`` after each group, like one block's part of dw in
    :func:`chunk_rows`. Same outputs as :func:`chunk_rows`. Groups start
    at ``lo``, so the sums depend on the chunk bounds only, never on the thread.
    """
    n_x = XT.shape[1]
    nj = np.uintp(n_x)
    for j in range(nj):
        dw[j] = 0.0
        Zc[j] = zero
    cost = 0.0
    db = 0.0
    for g0 in range(lo, hi, block):
        g = min(block, hi - g0)
        k = 0
        while k + 4 <= g:  # z, four examples at a time
            x0, x1, x2, x3 = XT[g0 + k], XT[g0 + k + 1], XT[g0 + k + 2], XT[g0 + k + 3]
            z0 = z1 = z2 = z3 = zero
            for j in range(nj):
                wj = w[j]
                z0 += wj * x0[j]
                z1 += wj * x1[j]
                z2 += wj * x2[j]
                z3 += wj * x3[j]
            Zn[k], Zn[k + 1], Zn[k + 2], Zn[k + 3] = z0 + b, z1 + b, z2 + b, z3 + b
            k += 4
        while k < g:  # the last g mod 4 examples, one at a time
            x = XT[g0 + k]
            z = zero
            for j in range(nj):
                z += w[j] * x[j]
            Zn[k] = z + b
            k += 1
        group_cost, group_db = block_losses(Zn, y, g0, g, T)  # z -> dz in place
        cost += group_cost  # J and db accumulate in float64
        db += group_db
        k = 0
        while k + 4 <= g:  # dw, four examples per sweep
            x0, x1, x2, x3 = XT[g0 + k], XT[g0 + k + 1], XT[g0 + k + 2], XT[g0 + k + 3]
            d0, d1, d2, d3 = Zn[k], Zn[k + 1], Zn[k + 2], Zn[k + 3]
            for j in range(nj):
                Zc[j] += (d0 * x0[j] + d1 * x1[j]) + (d2 * x2[j] + d3 * x3[j])
            k += 4
        while k < g:
            x = XT[g0 + k]
            d = Zn[k]
            for j in range(nj):
                Zc[j] += d * x[j]
            k += 1
        for j in range(nj):  # the short sum joins the long one (float64)
            dw[j] += Zc[j]
            Zc[j] = zero
    return cost, db


def rows_z(w: np.ndarray, X: np.ndarray, j0: int, j1: int, z: np.ndarray, zero: float) -> None:
    r"""First pass of the two-pass form: :math:`z_i = \sum_{j_0 \le j < j_1} w_j X[j, i]` for all i.

    Rows ``j0:j1`` of a row-major ``X (n_x, m)``, one row at a time: rows ``j0:j1`` are
    one contiguous run of memory, read front to back as a single stream, while ``z (m,)``
    (in the compute dtype, ``zero`` is 0 in it; overwritten) stays in cache (in L1 at the
    course's m = 209; this form serves X that fits in the last-level cache, so m is
    never large for long rows). Reading eight
    rows side by side (one load and store of each ``z_i`` per eight rows) was 1.8x
    slower when X came from memory: at the course's m = 209 each row is 26 cache lines,
    too short a stream for the hardware prefetcher to get ahead of eight of them.
    """
    nm = np.uintp(X.shape[1])
    for i in range(nm):
        z[i] = zero
    for j in range(j0, j1):
        wj, r = w[j], X[j]
        for i in range(nm):
            z[i] += wj * r[i]


def rows_dw(
    X: np.ndarray, dz: np.ndarray, j0: int, j1: int, dw: np.ndarray, block: int, zero: float
) -> None:
    r"""Second pass of the two-pass form: :math:`dw_j = \sum_i X[j, i]\, dz_i` for ``j0 <= j < j1``.

    One row at a time, like :func:`rows_z` (one stream through memory; ``dz`` in L1).
    Each row's sum runs over ``block`` examples at a time in the compute dtype (``dz
    (m,)`` is in it), then joins ``dw (n_x,)`` in float64, like one block's part of dw
    in :func:`chunk_rows`.
    """
    m = X.shape[1]
    for j in range(j0, j1):
        r = X[j]
        a = 0.0
        for i0 in range(0, m, block):
            s = zero
            for i in range(np.uintp(i0), np.uintp(min(m, i0 + block))):
                s += r[i] * dz[i]
            a += s
        dw[j] = a
