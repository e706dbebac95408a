"""How the hand-derived gradient runs fast: one pass over X, and one task per chunk on Dask.

:mod:`~autograd_lr.fast.kernel`
    the single-pass fused kernel (numba when installed, numpy blocks otherwise) and the
    facts that say when it pays (:func:`~autograd_lr.fast.kernel.fused_applies`); which
    path a training loop takes is :mod:`autograd_lr.training.objective`'s choice.
:mod:`~autograd_lr.fast.loops`, :mod:`~autograd_lr.fast.losses`
    the two single-pass loops (row-major and example-major X) and each block's losses,
    in the form numba compiles.
:mod:`~autograd_lr.fast.settings`
    the kernel's block sizes and switch-over points, computed from the caches the machine
    reports (sysfs, sysconf, or a documented fallback).
:mod:`~autograd_lr.fast.cluster`
    Dask execution: one task per chunk running the hand gradient on a numpy chunk, then
    one sum; persist-if-fits; ``connect``.

Nothing here derives: the math is :mod:`autograd_lr.gradients`; this package only decides
*how* it is evaluated. It never reaches jax nor the oracles (independence rule 2).
"""
