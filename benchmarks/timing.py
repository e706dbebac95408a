"""Timing by interleaved repeats (peak extra memory: ``tools/memory.py``).

On a machine shared with other work, a burst of load hits whichever function happens to
be running. Timing the contenders round-robin (one call each, then the next round) makes
every contender see the same mix of quiet and busy moments, so their *ratios* stay
meaningful even when absolute times drift; the median over rounds discards the bursts.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any


def interleaved(
    functions: Mapping[str, Callable[[], Any]],
    repeats: int,
    warmup: int = 1,
    settle: float = 0.0,
) -> dict[str, list[float]]:
    """Seconds per call of each function, ``repeats`` rounds of one call each, round-robin.

    Each function is first called ``warmup`` times untimed (compilation, caches, lazy
    imports). Before each timed call the run sleeps ``settle`` seconds: OpenBLAS,
    OpenMP (torch) and XLA keep their worker threads spinning for a while after a call,
    and on a 2-core machine those spinning threads would take a core from whichever
    contender runs next. Returns ``{name: [seconds, ...]}`` with ``repeats`` entries each.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            if settle:
                time.sleep(settle)
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def back_to_back(
    functions: Mapping[str, Callable[[], Any]],
    repeats: int,
    burst: int,
    settle: float = 0.0,
    warmup: int = 2,
) -> dict[str, list[float]]:
    """Seconds per call of each function called ``burst`` times in a row: the warm case.

    :func:`interleaved` gives every call a cold start (other contenders' data in the
    caches, threads asleep), which is what one gradient sees. A training loop calls the
    same function again and again: X stays in cache and thread pools stay awake. Here
    each round calls each function ``warmup`` times untimed (X back into cache, threads
    awake), then ``burst`` times timed, and keeps
    the median of the burst; contenders still take turns, round after round. Returns
    ``{name: [seconds, ...]}`` with ``repeats`` entries each.
    """
    if repeats < 1 or burst < 1:
        raise ValueError(f"repeats and burst must be >= 1, got {repeats} and {burst}")
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            if settle:
                time.sleep(settle)
            for _ in range(warmup):
                fn()
            calls = []
            for _ in range(burst):
                start = time.perf_counter()
                fn()
                calls.append(time.perf_counter() - start)
            times[name].append(median(calls))
    return times


def median(seconds: list[float]) -> float:
    """The median of a list of timings."""
    return float(statistics.median(seconds))
