"""The one memory probe: the tests that bound a kernel's temporaries and the benchmarks'
memory floor (``benchmarks/run.py``) both measure with it (``from tools.memory import
peak_extra_bytes``, from the repository's root), and tests never import the benchmarks."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any


def peak_extra_bytes(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated through Python's allocators (numpy included) while ``fn`` runs.

    Memory held before the call is not counted. Allocations made by jax, torch or
    compiled numba code go through their own allocators and are not seen.
    """
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - before)
