r"""Each example's loss and :math:`dz` from its logit, in the forms the numba kernels compile.

:func:`loss_and_dz` is the scalar form, with libm's ``exp`` and ``log1p``.
:func:`block_losses` computes the same for a block of logits in two loops that LLVM
vectorizes (SIMD, 4 to 8 examples per instruction): a call to libm cannot be vectorized,
and at n_x = 100 one ``exp`` and one ``log1p`` per example (about 20-40 ns) took as long
as reading the example's 100 features from memory. Both are the hand formulas of
:func:`autograd_lr.forward.sigmoid`, :func:`autograd_lr.forward.loss_from_logits` and
:math:`dz = a - y` (:func:`autograd_lr.gradients.dL_dz`); only the evaluation of
:math:`e^{x}` and :math:`\log(1 + e)` differs, and agrees with libm to a few ulp (tested).
Plain Python too: the kernels run uncompiled when numba is absent from a test.

What the own :math:`e^{x}` and :math:`\log(1 + e)` buy, measured by
``benchmarks.losses_bench.run`` (``python -m benchmarks.losses_bench``): the losses
and :math:`dz` of :math:`2^{20}` logits, block by block of 512, in nanoseconds per example
(median of 15 interleaved rounds, the copy of the logits subtracted; the three agree to
1.6e-16 relative). On a shared 2-core Intel Xeon VM, numba 0.68 without SVML:

==========================================  ===============  ===============
contender                                   load 14 (1 min)  load 20 (1 min)
==========================================  ===============  ===============
:func:`block_losses` (own exp/log1p)        64.8             28.3
the same loop with ``np.exp``/``np.log1p``  222.6            129.4
numpy arrays (forward's formulas)           1070             706
==========================================  ===============  ===============

The machine was far from idle (load 14 and 20 on 2 cores), so the absolute figures are
several times an idle core's; the ratios, from interleaved rounds, are what the own
functions buy: 3.4-4.6x over numba's libm calls, which do not vectorize, and 16-25x over
numpy's whole-array functions with their temporaries, on each example's share of the
kernel's work. Rerun the benchmark on an idle machine before relying on the absolute
figures.
"""

from __future__ import annotations

import numpy as np


def loss_and_dz(z: float, y: float) -> tuple[float, float]:
    r"""One example's loss and :math:`dz` from its logit: :math:`(L(z, y),\ \sigma(z) - y)`.

    With :math:`e = e^{-|z|} \in (0, 1]`:

    .. math::

        & \sigma(z) = \begin{cases} 1/(1 + e) & z \ge 0 \\ e/(1 + e) & z < 0 \end{cases}, \\
        & L(z, y) = \log(1 + e^{z}) - y z = \max(z, 0) + \log(1 + e) - y z

    Scalar ``z``, ``y`` -> ``(L, dz)``. One exponential serves both. The exponent is
    never positive, so nothing overflows for any finite ``z`` (at :math:`|z| = 10^3`,
    :math:`e^{z}` would be ``inf``); ``log1p`` keeps :math:`\log(1 + e)` exact when
    :math:`e` is tiny, where ``log(1 + e)`` would round to 0 and lose the loss of a
    confidently right example.
    """
    e = np.exp(-abs(z))
    a = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
    return max(z, 0.0) + np.log1p(e) - y * z, a - y


# e^x for x = -|z| <= 0: x = k ln 2 + r with k = rint(x / ln 2), |r| <= ln(2)/2, so
# e^x = 2^k e^r. ln 2 is split in two (Cody and Waite) so that k ln 2 is exact to 2^-80
# for the |k| <= 1022 used here; e^r is its Taylor polynomial of degree 13, whose
# remainder |r|^14 / 14! < 4e-18 is below half an ulp; 2^k is built from its bits.
LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 32 bits, so k · LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10  # ln 2 − LN2_HI
INV_LN2 = 1.44269504088896338700e00
# Below this x, 2^k would leave the normal float64 range (2^-1022 ≈ e^-708.4): e^x is
# taken as 0 there. What that drops from the loss (log(1 + e) ≈ e < 3e-308) and from
# σ(z) (at most e) is far below any float64 sum it joins.
EXP_CUTOFF = -708.0
EXP_TAYLOR = tuple(1.0 / float(np.prod(np.arange(1, n + 1))) for n in range(14))
# log(1 + e) = 2 atanh(s) with s = e / (2 + e) ∈ (0, 1/3] for e ∈ (0, 1]: s is exact to
# rounding even for tiny e (where 1 + e would lose e), and the series
# 2 s Σ_n s^{2n} / (2n + 1) converges fast: with s² <= 1/9, the terms after n = 16 add
# less than 2e-18 relative.
ATANH_SERIES = tuple(1.0 / (2 * n + 1) for n in range(17))


def block_losses(
    Z: np.ndarray, y: np.ndarray, y0: int, n: int, T: np.ndarray
) -> tuple[float, float]:
    r"""Losses of the block ``Z[:n]`` against ``y[y0 : y0 + n]``: :math:`(\sum L_i, \sum dz_i)`, and ``Z[:n] := dz``.

    :math:`L_i` and :math:`dz_i = \sigma(z_i) - y_i` as :func:`loss_and_dz` defines
    them, evaluated without libm so that both loops vectorize. ``T`` is float64 scratch
    of at least ``2 n`` entries (``e^r`` and the bits of :math:`2^k`). A NaN or infinite
    ``z`` gives a NaN loss, as :func:`loss_and_dz` does, so the caller's J shows it.
    """
    P = T[:n]
    K = T[n : 2 * n].view(np.int64)
    c0, c1, c2, c3, c4, c5, c6 = EXP_TAYLOR[:7]
    c7, c8, c9, c10, c11, c12, c13 = EXP_TAYLOR[7:]
    for i in range(n):
        x = -abs(np.float64(Z[i]))
        k = np.rint(x * INV_LN2)
        r = (x - k * LN2_HI) - k * LN2_LO
        p = c13  # Horner: e^r = c0 + r (c1 + r (c2 + ...))
        p = c12 + r * p
        p = c11 + r * p
        p = c10 + r * p
        p = c9 + r * p
        p = c8 + r * p
        p = c7 + r * p
        p = c6 + r * p
        p = c5 + r * p
        p = c4 + r * p
        p = c3 + r * p
        p = c2 + r * p
        p = c1 + r * p
        P[i] = c0 + r * p
        # NaN or x below the cut-off: 0 bits, which is 0.0 (and NaN · 0 stays NaN)
        kept = k if x >= EXP_CUTOFF else -1023.0
        K[i] = (np.int64(kept) + 1023) << 52
    E = T[n : 2 * n]  # the same memory as K: 2^k as float64
    a0, a1, a2, a3, a4, a5, a6, a7, a8 = ATANH_SERIES[:9]
    a9, a10, a11, a12, a13, a14, a15, a16 = ATANH_SERIES[9:]
    cost = 0.0
    db = 0.0
    for i in range(n):
        z = np.float64(Z[i])
        e = P[i] * E[i]  # e^{-|z|}
        s = e / (2.0 + e)
        q = s * s
        t = a16  # Horner in s²: Σ_n s^{2n} / (2n + 1)
        t = a15 + q * t
        t = a14 + q * t
        t = a13 + q * t
        t = a12 + q * t
        t = a11 + q * t
        t = a10 + q * t
        t = a9 + q * t
        t = a8 + q * t
        t = a7 + q * t
        t = a6 + q * t
        t = a5 + q * t
        t = a4 + q * t
        t = a3 + q * t
        t = a2 + q * t
        t = a1 + q * t
        log1p_e = (2.0 * s) * (a0 + q * t)
        yi = np.float64(y[y0 + i])
        a = (1.0 if z >= 0.0 else e) / (1.0 + e)
        loss = (z if z > 0.0 else 0.0) + log1p_e - yi * z
        dz = a - yi
        cost += loss
        db += dz
        Z[i] = dz
    return cost, db


def all_losses(Z: np.ndarray, y: np.ndarray, T: np.ndarray) -> tuple[float, float]:
    r""":func:`block_losses` over all of ``Z (m,)`` float64, ``T (2 B,)`` at a time: :math:`(\sum L_i, \sum dz_i)`, ``Z := dz``."""
    B = T.shape[0] // 2
    m = Z.shape[0]
    cost = 0.0
    db = 0.0
    for s in range(0, m, B):
        n = min(B, m - s)
        block_cost, block_db = block_losses(Z[s : s + n], y, s, n, T)
        cost += block_cost
        db += block_db
    return cost, db
