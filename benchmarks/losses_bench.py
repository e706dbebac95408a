r"""Nanoseconds per example for the losses and :math:`dz` of a block of logits, three ways.

The single-pass kernel turns each block of logits :math:`z` into :math:`(\sum L_i,
\sum dz_i)` and :math:`dz` in place (:func:`autograd_lr.fast.losses.block_losses`). This
measures what its own :math:`e^{x}` (Cody–Waite reduction, Taylor polynomial) and
:math:`\log(1 + e)` (atanh series) buy over the functions a reader would write first:

- ``own exp/log1p, numba``: :func:`~autograd_lr.fast.losses.block_losses`, compiled
  with the kernels' flags (its two loops vectorize);
- ``libm exp/log1p, numba``: the same loop with ``np.exp`` and ``np.log1p``, compiled
  with the same flags (numba calls libm once per example unless SVML is installed);
- ``numpy``: :func:`autograd_lr.forward.loss_from_logits` and
  :func:`autograd_lr.forward.sigmoid` on the block as arrays (numpy's own SIMD exp/log1p,
  several temporaries).

Each contender processes ``m`` logits block by block (the kernel's block of one memory
page per row: 512 float64 examples), timed round-robin (:func:`benchmarks.timing.interleaved`).
``python -m benchmarks.losses_bench`` prints the figures and the load.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.fast import kernel, losses
from benchmarks.timing import interleaved, median

BLOCK = 512  # one 4 KiB page of float64 logits: the kernel's block on this machine's pages
M = 1 << 20  # examples per timed call: about 1-20 ms, far above the timer's resolution
REPEATS = 15


def libm_block_losses(
    Z: np.ndarray, y: np.ndarray, y0: int, n: int, T: np.ndarray
) -> tuple[float, float]:
    """:func:`~autograd_lr.fast.losses.block_losses` with ``np.exp`` and ``np.log1p`` (libm)."""
    cost = 0.0
    db = 0.0
    for i in range(n):
        z = np.float64(Z[i])
        e = np.exp(-abs(z))
        yi = np.float64(y[y0 + i])
        a = (1.0 if z >= 0.0 else e) / (1.0 + e)
        cost += (z if z > 0.0 else 0.0) + np.log1p(e) - yi * z
        dz = a - yi
        db += dz
        Z[i] = dz
    return cost, db


def _over_blocks(block: Callable[..., tuple[float, float]]) -> Callable[..., tuple[float, float]]:
    def run(Z: np.ndarray, y: np.ndarray, T: np.ndarray) -> tuple[float, float]:
        m = Z.shape[0]
        B = T.shape[0] // 2
        cost = 0.0
        db = 0.0
        for s in range(0, m, B):
            n = min(B, m - s)
            c, d = block(Z[s : s + n], y, s, n, T)
            cost += c
            db += d
        return cost, db

    return run


def _numpy_losses(Z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    cost = 0.0
    db = 0.0
    for s in range(0, Z.shape[0], BLOCK):
        z, yb = Z[s : s + BLOCK], y[s : s + BLOCK]
        cost += float(np.sum(forward.loss_from_logits(z, yb)))
        dz = forward.sigmoid(z) - yb
        db += float(np.sum(dz))
        Z[s : s + BLOCK] = dz
    return cost, db


def contenders(m: int = M, seed: int = 0) -> dict[str, Callable[[], Any]]:
    """The three evaluations on the same ``m`` logits (|z| up to 30) and labels."""
    import numba

    flags = {"fastmath": set(kernel.FUSED_FASTMATH), "error_model": "numpy"}
    kernel._numba_kernels()  # registers block_losses for compiled callers, as the kernel does
    own_block = numba.njit(**flags)(losses.block_losses)
    libm_block = numba.njit(**flags)(libm_block_losses)
    own = numba.njit(**flags)(_over_blocks(own_block))
    libm = numba.njit(**flags)(_over_blocks(libm_block))
    rng = np.random.default_rng(seed)
    Z0 = rng.uniform(-30.0, 30.0, m)
    y = rng.integers(0, 2, m).astype(np.float64)
    T = np.empty(2 * BLOCK)
    work = Z0.copy()

    def fresh() -> np.ndarray:
        work[:] = Z0  # each call overwrites Z with dz
        return work

    return {
        "own exp/log1p, numba": lambda: own(fresh(), y, T),
        "libm exp/log1p, numba": lambda: libm(fresh(), y, T),
        "numpy": lambda: _numpy_losses(fresh(), y),
    }


def run(m: int = M, repeats: int = REPEATS) -> dict[str, float]:
    """Median nanoseconds per example of each contender (the copy of Z subtracted)."""
    functions = contenders(m)
    copy_only = np.empty(m)
    source = np.zeros(m)

    def copy() -> None:
        copy_only[:] = source

    functions["copy of Z only"] = copy
    times = interleaved(functions, repeats)
    floor = median(times.pop("copy of Z only"))
    return {name: (median(t) - floor) / m * 1e9 for name, t in times.items()}


def agree(m: int = 4096) -> float:
    """Largest relative difference of (Σ L, Σ dz) between the contenders (a sanity check)."""
    results = [np.array(fn()) for fn in contenders(m).values()]
    return max(float(np.max(np.abs(r - results[0]) / np.abs(results[0]))) for r in results)


if __name__ == "__main__":
    print(f"load average before: {os.getloadavg()}")
    print(f"contenders agree to {agree():.1e} (relative)")
    for name, ns in run().items():
        print(f"{name:>24}: {ns:6.2f} ns per example")
    print(f"load average after: {os.getloadavg()}")
