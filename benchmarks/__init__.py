r"""Benchmarks: the gradient of logistic regression against its peers and the memory floor.

One gradient (and cost) reads all of ``X (n_x, m)``; nothing can be faster than reading
it once, so every time is reported as a ratio to the **floor**, the faster of ``X.sum()``
and one ``wᵀX`` measured in the same run, side by side. ``make bench`` runs
:mod:`benchmarks.run`; ``python -m benchmarks.run --quick`` is the CI-sized smoke run.

Modules: :mod:`~benchmarks.timing` (interleaved repeats, medians, peak memory),
:mod:`~benchmarks.peers` (each contender as a zero-argument callable),
:mod:`~benchmarks.training` (the course's training loop in numpy and as one compiled jax
call), :mod:`~benchmarks.report` (the table, ``RESULTS.md`` and the plot),
:mod:`~benchmarks.run` (the command line).
"""
