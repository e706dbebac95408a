"""The single-pass kernel (kernel.gradients_fused) against the same oracles as the formula.

It must give the gradient and cost of gradients_vectorized, of jax.grad, of finite
differences and of the complex step, for every layout, dtype and block size, and it must
do so without an (n_x, m)-sized temporary.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lr
from autograd_lr import gradients, oracles
from autograd_lr.fast import kernel, loops, settings
from autograd_lr.problems import Problem, make_problem
from autograd_lr.tolerances import (
    COMPLEX_STEP_RTOL,
    FINITE_DIFFERENCE_RTOL,
    JAX_RTOL,
    gradient_scale,
    relative_error,
)
from autograd_lr.training.objective import (
    LogisticLoss,
    chunk_cost_and_gradients,
    evaluation_path,
)
from tools.memory import peak_extra_bytes

# Fused vs gradients_vectorized in float64: the same terms summed in another order (by
# blocks, eight rows at a time, chunk partial sums), so they differ by rounding only:
# a few ulp times log2(m) relative to the gradient_scale floor, ≲ 1e-15 observed here.
FUSED_RTOL = 1e-13
# float32 X: products, z (n_x terms) and a block's part of dw (≤ B = 1024 terms) are
# float32 sums, whose rounding error grows like √terms · 2^-24 ≈ 2e-6 of the scale at
# these sizes; the sums over all m (dw across blocks, db, J) are float64, so nothing
# grows with m. 1e-5 of the scale is 5x that. A float32 running sum of the cost over
# m = 200000 losses would be off by ~m · 2^-25 ≈ 6e-3 relative, and fail.
FLOAT32_RTOL = 1e-5
# Peak extra memory of one fused gradient, as a share of X's size: the single pass keeps
# O(m) temporaries, where one copy of X would be a share of 1.
MEMORY_SHARE = 0.10

ENGINES = ["numba", "numpy"]


def flat(grads: dict[str, Any]) -> np.ndarray:
    return oracles.pack(np.asarray(grads["dw"], dtype=np.float64), float(grads["db"]))


def assert_matches_vectorized(p: Problem, X: np.ndarray, **options: Any) -> None:
    expected, J_expected = gradients.gradients_vectorized(p.w, p.b, p.X, p.Y)
    actual, J = kernel.gradients_fused(p.w, p.b, X, p.Y, **options)
    s = gradient_scale(p.X)
    assert relative_error(flat(actual), flat(expected), scale=s) <= FUSED_RTOL, (p.name, options)
    assert abs(float(J) - float(J_expected)) <= FUSED_RTOL * max(1.0, float(J_expected)), p.name
    assert actual["dw"].shape == (p.n_x, 1) and actual["dw"].dtype == X.dtype


# --- every oracle, both engines ---------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("n_x", "m", "block"),
    [
        (1, 1, None),  # one feature, one example
        (1, 50, 7),  # n_x = 1: only the remainder rows
        (8, 64, 8),  # exactly one group of eight rows, m a multiple of the block
        (13, 101, 17),  # n_x and m not multiples of anything
        (40, 1, None),  # m = 1
        (21, 333, 1),  # block of one example
        (30, 500, 1000),  # block larger than m
    ],
)
def test_fused_equals_jax_finite_differences_and_complex_step(
    engine: str, n_x: int, m: int, block: int | None
) -> None:
    p = make_problem(n_x, m, seed=n_x * 1000 + m, z_max=8.0)
    grads, J = kernel.gradients_fused(*p, engine=engine, block=block)
    reference, J_jax = oracles.jax_value_and_gradients(*p)
    s = gradient_scale(p.X)
    assert relative_error(flat(grads), flat(reference), scale=s) <= JAX_RTOL
    assert abs(float(J) - J_jax) <= JAX_RTOL * max(1.0, J_jax)
    fd = oracles.finite_difference_gradients(*p)
    assert relative_error(flat(grads), flat(fd), scale=max(s, J_jax)) <= FINITE_DIFFERENCE_RTOL
    cs = oracles.complex_step_gradients(*p)
    assert relative_error(flat(grads), flat(cs), scale=s) <= COMPLEX_STEP_RTOL


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("z_max", [40.0, 745.0, 1e3])
@pytest.mark.parametrize("labels", ["random", "zeros", "ones"])
def test_saturated_logits_stay_exact(engine: str, z_max: float, labels: str) -> None:
    # |z| up to 1e3: e^{|z|} overflows float64, e^{-|z|} underflows to 0 past 745. The
    # stable forms give finite, exact values (and no warning: warnings are errors here).
    p = make_problem(12, 90, seed=3, z_max=z_max, labels=labels)
    grads, J = kernel.gradients_fused(*p, engine=engine, block=16)
    reference, J_jax = oracles.jax_value_and_gradients(*p)
    assert np.isfinite(float(J)) and np.all(np.isfinite(grads["dw"]))
    assert relative_error(flat(grads), flat(reference), scale=gradient_scale(p.X)) <= JAX_RTOL
    assert abs(float(J) - J_jax) <= JAX_RTOL * max(1.0, J_jax)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("lambd", [0.7, 25.0])
def test_l2_term_equals_jax(engine: str, lambd: float) -> None:
    p = make_problem(9, 120, seed=11, z_max=4.0)
    grads, J = kernel.gradients_fused(*p, lambd, engine=engine, block=32)
    reference, J_jax = oracles.jax_value_and_gradients(*p, lambd)
    s = gradient_scale(p.X, p.w, lambd)
    assert relative_error(flat(grads), flat(reference), scale=s) <= JAX_RTOL
    assert abs(float(J) - J_jax) <= JAX_RTOL * max(1.0, J_jax)


# --- against the vectorized formula: shapes, blocks, layouts ------------------------------------

fused_cases = st.tuples(
    st.integers(1, 40),  # n_x
    st.integers(1, 300),  # m
    st.one_of(st.none(), st.integers(1, 70)),  # block
    st.integers(0, 2**32 - 1),  # seed
    st.sampled_from([0.5, 5.0, 30.0, 1e3]),  # z_max
)


@given(fused_cases)
def test_fused_equals_vectorized_for_any_shape_and_block(case: tuple[Any, ...]) -> None:
    n_x, m, block, seed, z_max = case
    p = make_problem(n_x, m, seed=seed, z_max=z_max)
    assert_matches_vectorized(p, p.X, engine="numba", block=block)
    assert_matches_vectorized(p, p.X, engine="numpy", block=block)


@pytest.mark.parametrize(
    "layout",
    ["C", "F", "rows of a wider array", "every other column"],
)
def test_every_memory_layout_gives_the_same_gradient(layout: str) -> None:
    # Column-major X takes the example-major kernel; strided views take the general one.
    p = make_problem(19, 211, seed=5, z_max=6.0)
    if layout == "C":
        X = p.X
    elif layout == "F":
        X = np.asfortranarray(p.X)
    elif layout == "rows of a wider array":
        wide = np.zeros((p.n_x, p.m + 9))
        wide[:, 4 : 4 + p.m] = p.X
        X = wide[:, 4 : 4 + p.m]
    else:
        spaced = np.zeros((p.n_x, 2 * p.m))
        spaced[:, ::2] = p.X
        X = spaced[:, ::2]
    np.testing.assert_array_equal(X, p.X)
    assert_matches_vectorized(p, X, engine="numba", block=24)
    assert_matches_vectorized(p, X, engine="numpy", block=24)


def test_the_kernel_is_plain_python_too() -> None:
    # The compiled kernel and the same source run by the interpreter agree to rounding:
    # what numba compiles is the Python a reader sees.
    p = make_problem(11, 45, seed=2, z_max=9.0)
    compiled_rows, compiled_examples = kernel._numba_kernels()
    w = p.w.reshape(-1)
    y = p.Y.reshape(-1)
    XT = np.ascontiguousarray(p.X.T)
    results = []
    for chunk_kernel, data in [
        (compiled_rows, p.X),
        (loops.chunk_rows, p.X),
        (compiled_examples, XT),
        (loops.chunk_examples, XT),
    ]:
        dw = np.empty(p.n_x)
        Zc, Zn, T = np.empty(p.n_x), np.empty(p.n_x), np.empty(16)
        cost, db = chunk_kernel(w, p.b, data, y, 3, 40, 8, dw, Zc, Zn, T, 0.0)
        results.append(np.concatenate([dw, [db, cost]]))
    s = gradient_scale(p.X)
    for result in results[1:]:
        assert relative_error(result, results[0], scale=s) <= FUSED_RTOL
    # and against the formula on the same examples 3:40 (sums, not means)
    grads, J = gradients.gradients_vectorized(p.w, p.b, p.X[:, 3:40], p.Y[:, 3:40])
    expected = 37 * np.concatenate([grads["dw"].reshape(-1), [grads["db"], J]])
    assert relative_error(results[0], expected, scale=37 * s) <= FUSED_RTOL


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("block", [None, 64])
def test_the_same_bits_whatever_the_number_of_threads(
    order: str, dtype: type, block: int | None
) -> None:
    # Chunks are fixed by the shape alone and added in chunk order, so the thread count
    # changes nothing, not even the last bit: row-major X (the rows kernel) and
    # column-major X (the examples kernel, scikit-learn's rows transposed) alike.
    p = make_problem(64, 20_003, seed=8, z_max=5.0, dtype=dtype)
    X = np.asarray(p.X, order=order)
    assert kernel.takes_examples_kernel(X) == (order == "F")
    runs = [kernel.gradients_fused(p.w, p.b, X, p.Y, block=block, threads=t) for t in (1, 2, 3)]
    first, J_first = runs[0]
    for grads, J in runs[1:]:
        np.testing.assert_array_equal(grads["dw"], first["dw"])
        assert grads["db"] == first["db"] and J_first == J
    # ... and the chunks are real: more than one, so the threads did share the work.
    kernel_threads: list[int] = []
    run_chunks = kernel.run_chunks

    def spy(task: Any, n_chunks: int, threads: int) -> None:
        kernel_threads.append(n_chunks)
        run_chunks(task, n_chunks, threads)

    import unittest.mock

    with unittest.mock.patch.object(kernel, "run_chunks", spy):
        kernel.gradients_fused(p.w, p.b, X, p.Y, block=block, threads=2)
    assert kernel_threads[0] > 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_two_pass_bits_do_not_depend_on_the_cpus_the_process_may_use(
    dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    # taskset, a cgroup's CPU set or a Dask worker's share change the CPUs a process may
    # use, not the machine: the chunks, hence every bit of the result, must stay the same.
    p = two_pass_problem(n_x=4000, m=209, dtype=dtype)
    assert kernel.takes_two_passes(p.X)
    runs = []
    for cpus in ({0}, {0, 1, 2, 3}, set(range(32))):
        monkeypatch.setattr(kernel.os, "sched_getaffinity", lambda pid, cpus=cpus: cpus)
        runs.append(kernel.gradients_fused(*p))
    for grads, J in runs[1:]:
        np.testing.assert_array_equal(grads["dw"], runs[0][0]["dw"])
        assert grads["db"] == runs[0][0]["db"] and runs[0][1] == J


def test_two_passes_take_one_thread_per_cpus_share_of_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    p = two_pass_problem(n_x=600, m=700)
    caches = kernel.SETTINGS.caches
    share = caches.llc_bytes // caches.llc_sharing
    assert kernel.two_pass_threads(p.X) == max(1, p.X.nbytes // share)
    asked: list[int] = []

    def spy(task: Any, n_chunks: int, threads: int) -> None:
        asked.append(threads)
        run_chunks(task, n_chunks, threads)

    run_chunks = kernel.run_chunks
    monkeypatch.setattr(kernel, "run_chunks", spy)
    kernel.gradients_fused(*p, threads=8)
    assert asked == [min(8, kernel.two_pass_threads(p.X))]  # pass 1 (pass 2: BLAS, float64)
    # a cache shared by many CPUs: each CPU's share is small, so X gets several threads
    # (shared by enough CPUs that a share is a quarter of X, whatever this machine's cache)
    sharing = max(caches.llc_sharing * 64, 4 * caches.llc_bytes // p.X.nbytes)
    many = dataclasses.replace(caches, llc_sharing=sharing)
    monkeypatch.setattr(kernel, "SETTINGS", dataclasses.replace(kernel.SETTINGS, caches=many))
    assert kernel.two_pass_threads(p.X) == max(
        1, p.X.nbytes // (caches.llc_bytes // many.llc_sharing)
    )
    assert kernel.two_pass_threads(p.X) > 1


# --- float32 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(("n_x", "m"), [(1, 1), (13, 1000), (3, 200_000), (600, 3000)])
def test_float32_gradient_and_cost_against_float64_truth(order: str, n_x: int, m: int) -> None:
    p32 = make_problem(n_x, m, seed=m, z_max=6.0, dtype=np.float32)
    X32 = np.asarray(p32.X, order=order)
    grads, J = kernel.gradients_fused(p32.w, p32.b, X32, p32.Y, engine="numba")
    assert grads["dw"].dtype == np.float32 and np.asarray(J).dtype == np.float32
    # The float64 truth of the very same float32 numbers.
    as64 = [np.asarray(a, dtype=np.float64) for a in (p32.w, p32.X, p32.Y)]
    reference, J_jax = oracles.jax_value_and_gradients(as64[0], p32.b, as64[1], as64[2])
    s = gradient_scale(as64[1])
    assert relative_error(flat(grads), flat(reference), scale=s) <= FLOAT32_RTOL
    assert abs(float(J) - J_jax) <= FLOAT32_RTOL * max(1.0, J_jax)


def test_the_cost_is_summed_over_examples_in_float64() -> None:
    # All examples alike: every loss is log 2 (z = 0), so the float64 mean is exact to
    # rounding, while a float32 running sum of 300000 copies of 0.693 would be off by
    # far more than FLOAT32_RTOL (its steps round at 2^-24 of a total up to 2e5).
    n_x, m = 4, 300_000
    X = np.zeros((n_x, m), dtype=np.float32)
    Y = np.zeros((1, m), dtype=np.float32)
    w = np.zeros((n_x, 1), dtype=np.float32)
    _, J = kernel.gradients_fused(w, 0.0, X, Y, engine="numba")
    assert abs(float(J) - np.log(2.0)) <= 2.0**-24  # one float32 rounding of log 2
    running = np.float32(0.0)
    for loss in np.full(m, np.log(2.0), dtype=np.float32):
        running = np.float32(running + loss)
    assert abs(float(running) / m - np.log(2.0)) > FLOAT32_RTOL


def test_float32_numpy_engine_agrees_with_the_float32_formula() -> None:
    # The numpy fallback is gradients_vectorized per block, in float32 throughout: it
    # must agree with the formula on all of X to float32 rounding (√m ulp at most).
    p32 = make_problem(6, 4000, seed=4, z_max=6.0, dtype=np.float32)
    expected, J_expected = gradients.gradients_vectorized(*p32)
    grads, J = kernel.gradients_fused(*p32, engine="numpy", block=100)
    tolerance = float(np.finfo(np.float32).eps) * np.sqrt(p32.m)
    s = gradient_scale(p32.X)
    assert relative_error(flat(grads), flat(expected), scale=s) <= tolerance
    assert abs(float(J) - float(J_expected)) <= tolerance * max(1.0, float(J_expected))
    assert grads["dw"].dtype == np.float32


# --- memory: no (n_x, m) temporaries -------------------------------------------------------------


def numba_allocations(fn: Callable[..., Any], *args: Any) -> int:
    """Arrays allocated inside compiled code (numba's runtime, invisible to tracemalloc)."""
    from numba.core.runtime import _nrt_python, rtsys

    was_enabled = _nrt_python.memsys_stats_enabled()
    _nrt_python.memsys_enable_stats()
    try:
        before = rtsys.get_allocation_stats().alloc
        fn(*args)
        return int(rtsys.get_allocation_stats().alloc - before)
    finally:
        if not was_enabled:
            _nrt_python.memsys_disable_stats()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("n_x", "m", "dtype"),
    [(100, 20_000, np.float64), (100, 20_000, np.float32), (2048, 300, np.float64)],
)
@pytest.mark.parametrize("order", ["C", "F"])
def test_peak_extra_memory_is_a_small_share_of_X(
    engine: str, n_x: int, m: int, dtype: type, order: str
) -> None:
    p = make_problem(n_x, m, seed=1, z_max=5.0, dtype=dtype)
    X = np.asarray(p.X, order=order)  # F: scikit-learn's rows transposed, never copied
    kernel.gradients_fused(p.w, p.b, X, p.Y, engine=engine)  # compile / load the kernels first

    def run() -> Any:
        return kernel.gradients_fused(p.w, p.b, X, p.Y, engine=engine)

    limit = MEMORY_SHARE * p.X.nbytes
    assert peak_extra_bytes(run) <= limit
    # The probe sees numpy temporaries: a float64 copy of X would fail the bound.
    assert peak_extra_bytes(lambda: p.X.astype(np.float64) + 0) > limit


def test_the_compiled_kernels_allocate_nothing() -> None:
    # Compiled code allocates through numba's runtime, which tracemalloc does not see;
    # its counter must show no more allocations than passing the arrays in costs (one
    # small wrapper per array argument, measured with a kernel that does nothing).
    import numba

    p = make_problem(50, 3000, seed=1, z_max=5.0)
    w, y = p.w.reshape(-1), p.Y.reshape(-1)
    dw, Zc, Zn, T = np.empty(p.n_x), np.empty(64), np.empty(64), np.empty(128)
    rows, examples = kernel._numba_kernels()
    nothing = numba.njit(lambda w, b, X, y, lo, hi, B, dw, Zc, Zn, T, zero: (0.0, 0.0))
    for chunk_kernel, X in [(rows, p.X), (examples, np.ascontiguousarray(p.X.T))]:
        arguments = (w, p.b, X, y, 0, p.m, 64, dw, Zc, Zn, T, 0.0)
        chunk_kernel(*arguments)
        nothing(*arguments)
        assert numba_allocations(chunk_kernel, *arguments) == numba_allocations(nothing, *arguments)
    # The counter does see an array made inside compiled code.
    make_array, same_size = numba.njit(lambda n: np.empty(n).size), numba.njit(lambda n: n)
    assert make_array(5) == same_size(5)
    assert numba_allocations(make_array, 5) > numba_allocations(same_size, 5)


# --- dispatch: the training objective takes the fast path; numpy stands in without numba ----------


def test_the_objective_takes_the_fused_path_on_large_X(monkeypatch: pytest.MonkeyPatch) -> None:
    n_x = 64
    m = kernel.FUSED_MIN_BYTES // (8 * n_x)
    p = make_problem(n_x, m, seed=6, z_max=5.0)
    calls: list[tuple[int, int]] = []
    fused = kernel.gradients_fused

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[2].shape)
        return fused(*args, **kwargs)

    monkeypatch.setattr(kernel, "gradients_fused", spy)
    loss = LogisticLoss(p.X, p.Y)
    assert loss.path == "fused"
    dw, db, cost = loss.loss_gradient(p.w, p.b)
    assert calls == [(n_x, m)]
    expected, J = gradients.gradients_vectorized(*p)
    got = np.append(dw.ravel(), db)
    assert relative_error(got, flat(expected), scale=gradient_scale(p.X)) <= FUSED_RTOL
    assert abs(cost - float(J)) <= FUSED_RTOL * max(1.0, float(J))
    assert isinstance(cost, float) and isinstance(db, float)
    calls.clear()
    small = LogisticLoss(p.X[:, :100], p.Y[:, :100])  # small X: the formula
    small.loss_gradient(p.w, p.b)
    assert small.path == "formula" and calls == []
    autograd_lr.propagate(*p)  # the course's function is the formula at any size
    assert calls == []


def test_a_dask_chunk_takes_the_single_pass_only_beyond_the_last_level_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a worker, a chunk the in-process rule gives the kernel (example by example,
    larger than one L2) takes the formula while it fits in the last-level cache; beyond
    it, the kernel on one thread. Both give the formula's values."""
    n_x = 40
    m = -(-kernel.FUSED_MIN_BYTES_EXAMPLES // (8 * n_x))
    p = make_problem(n_x, m, seed=15, z_max=5.0)
    X_c = np.asfortranarray(p.X)
    assert evaluation_path(X_c) == "fused" and kernel.fits_in_last_level_cache(X_c)
    calls: list[Any] = []
    fused = kernel.gradients_fused

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("threads"))
        return fused(*args, **kwargs)

    monkeypatch.setattr(kernel, "gradients_fused", spy)
    expected, J = gradients.gradients_vectorized(p.w, p.b, X_c, p.Y)
    scale = gradient_scale(X_c)
    for beyond_the_cache in (False, True):
        if beyond_the_cache:
            monkeypatch.setattr(kernel, "FUSED_MIN_BYTES", X_c.nbytes)
        grads, J_c = chunk_cost_and_gradients(p.w, p.b, X_c, p.Y)
        assert calls == ([1] if beyond_the_cache else [])
        assert relative_error(flat(grads), flat(expected), scale=scale) <= FUSED_RTOL
        assert abs(float(J_c) - float(J)) <= FUSED_RTOL * max(1.0, float(J))


def test_scikit_learns_rows_take_the_examples_kernel_without_a_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The estimator hands the solvers X.T of scikit-learn's (m, n_x) rows: F-ordered. Each
    # example is contiguous there, so the single pass pays from one L2 cache on, far below
    # the row-major switch-over, and the kernel reads that very memory (no copy).
    n_x = 40
    m = -(-kernel.FUSED_MIN_BYTES_EXAMPLES // (8 * n_x))
    p = make_problem(n_x, m, seed=14, z_max=5.0)
    rows = np.ascontiguousarray(p.X.T)  # scikit-learn's layout
    X = rows.T
    assert kernel.fused_applies(X) and kernel.takes_examples_kernel(X)
    same_rows_major = np.ascontiguousarray(X)  # row-major: the two-pass form instead
    assert kernel.fused_applies(same_rows_major) and kernel.takes_two_passes(same_rows_major)
    assert not kernel.fused_applies(rows.T[:, : m // 2])  # half of it: below one L2
    seen: list[Any] = []
    rows_kernel, examples_kernel = kernel._numba_kernels()

    def spy(*args: Any) -> Any:
        seen.append(args[2])
        return examples_kernel(*args)

    monkeypatch.setattr(kernel, "_numba_kernels", lambda: (rows_kernel, spy))
    grads, cost = LogisticLoss(X, p.Y).cost_and_gradients(p.w, p.b)
    assert seen and all(np.shares_memory(data, rows) for data in seen)
    expected, J = gradients.gradients_vectorized(*p)
    assert relative_error(flat(grads), flat(expected), scale=gradient_scale(p.X)) <= FUSED_RTOL
    assert abs(cost - float(J)) <= FUSED_RTOL * max(1.0, float(J))


@pytest.mark.parametrize(("row", "column", "value"), [(3, 777, np.nan), (5, 10, np.inf)])
def test_a_nan_or_inf_in_large_X_reaches_the_kernels_cost_and_propagate_names_it(
    row: int, column: int, value: float
) -> None:
    # The kernel's pass carries it into z of that example (not finite even where
    # w_j = 0), hence J; propagate's screen of X names it.
    n_x = 64
    p = make_problem(n_x, kernel.FUSED_MIN_BYTES // (8 * n_x), seed=7, z_max=5.0)
    X, w = p.X.copy(), p.w.copy()
    X[row, column] = value
    w[5, 0] = 0.0  # 0 · inf is NaN: still not finite
    _, J = kernel.gradients_fused(w, p.b, X, p.Y)
    assert not np.isfinite(J)
    with pytest.raises(
        ValueError, match=rf"X contains NaN or inf \(first at index \({row}, {column}\)"
    ):
        autograd_lr.propagate(w, p.b, X, p.Y)


def test_propagate_on_large_float32_X_with_float64_w_is_float64() -> None:
    # The dtype rule of the formula (numpy promotion), without casting X.
    n_x = 64
    p = make_problem(n_x, kernel.FUSED_MIN_BYTES // (4 * n_x), seed=12, z_max=5.0)
    X32 = p.X.astype(np.float32)
    grads, cost = autograd_lr.propagate(p.w, p.b, X32, p.Y)
    expected, J = gradients.gradients_vectorized(p.w, p.b, X32.astype(np.float64), p.Y)
    assert grads["dw"].dtype == np.float64
    assert relative_error(flat(grads), flat(expected), scale=gradient_scale(X32)) <= FUSED_RTOL
    assert abs(cost - float(J)) <= FUSED_RTOL * max(1.0, float(J))


def test_without_numba_auto_uses_the_numpy_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_problem(10, 300, seed=9, z_max=4.0)
    kernel._numba_kernels.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    try:
        assert not kernel.numba_available()
        assert_matches_vectorized(p, p.X, block=50)
    finally:
        monkeypatch.undo()
        kernel._numba_kernels.cache_clear()
    assert kernel.numba_available()


def test_importing_the_package_does_not_import_numba() -> None:
    import subprocess

    code = "import sys, autograd_lr; print('numba' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("options", "message"),
    [({"engine": "cuda"}, "engine must be"), ({"block": 0}, "block must be")],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    p = make_problem(3, 10)
    with pytest.raises(ValueError, match=message):
        kernel.gradients_fused(*p, **options)


def test_block_size_rule() -> None:
    # One page per row, unless two blocks would not fit in a thread's share of the
    # last-level cache; whole cache lines per row, at least one.
    p = kernel.SETTINGS
    for n_x, itemsize in [(1, 8), (100, 8), (1000, 4), (12288, 8), (12288, 4), (10**6, 8)]:
        B = kernel.fused_block(n_x, itemsize)
        line = p.min_block_bytes // itemsize
        assert B % line == 0 and line <= B
        assert B * itemsize <= p.segment_bytes
        if line < B:
            assert B * n_x * itemsize <= p.block_bytes
    # On a machine like the one the kernel was first tuned on (4 KiB pages, 64-byte lines,
    # 32 MiB last-level cache shared by 2 cores): a page per row for n_x = 100 and 1000,
    # a narrower block for the course's 12288 features.
    vm = settings.settings_for(
        settings.Caches(64, 32 * KIB, MIB, 32 * MIB, 2, 4 * KIB, source="test")
    )
    assert kernel.fused_block(100, 8, vm) == 512 and kernel.fused_block(1000, 4, vm) == 1024
    assert kernel.fused_block(12288, 8, vm) == 80  # 8 MiB // (12288 · 8) = 85, in lines of 8
    assert kernel.fused_block(10**7, 8, vm) == 8  # never below one line per row


# --- parameters from the machine's caches ---------------------------------------------------------

KIB, MIB = settings.KIB, settings.MIB


def fake_sysfs(root: Path, caches: list[tuple[int, str, str, str]], line: str = "64") -> Path:
    """A sysfs cache directory: one ``indexN`` per (level, type, size, shared_cpu_list)."""
    for k, (level, kind, size, shared) in enumerate(caches):
        d = root / f"index{k}"
        d.mkdir(parents=True)
        for name, value in [
            ("level", str(level)),
            ("type", kind),
            ("size", size),
            ("shared_cpu_list", shared),
            ("coherency_line_size", line),
        ]:
            (d / name).write_text(value + "\n")
    return root


EPYC_VM = [(1, "Data", "32K", "0"), (1, "Instruction", "32K", "0"), (2, "Unified", "1024K", "0"),
           (3, "Unified", "32768K", "0-1")]  # fmt: skip
DESKTOP = [(1, "Data", "48K", "0,8"), (1, "Instruction", "32K", "0,8"),
           (2, "Unified", "1280K", "0,8"), (3, "Unified", "30M", "0-15")]  # fmt: skip
NO_L3 = [(1, "Data", "64K", "0"), (2, "Unified", "4096K", "0-3")]


@pytest.mark.parametrize(
    ("tree", "line", "expected"),
    [
        # (line, L1d, L2, last level, CPUs sharing it) as reported
        (EPYC_VM, "64", (64, 32 * KIB, MIB, 32 * MIB, 2)),
        (DESKTOP, "64", (64, 48 * KIB, 1280 * KIB, 30 * MIB, 16)),
        (NO_L3, "128", (128, 64 * KIB, 4 * MIB, 4 * MIB, 4)),  # Apple-like: L2 is the last
    ],
)
def test_caches_are_read_from_sysfs(
    tmp_path: Path, tree: list[tuple[int, str, str, str]], line: str, expected: tuple[int, ...]
) -> None:
    found = settings.read_sysfs(fake_sysfs(tmp_path, tree, line))
    keys = ("line_bytes", "l1d_bytes", "l2_bytes", "llc_bytes", "llc_sharing")
    assert tuple(found[k] for k in keys) == expected
    caches = settings.detect_caches(tmp_path)
    assert caches.source.startswith("sysfs")
    assert (caches.line_bytes, caches.llc_bytes, caches.llc_sharing) == (
        expected[0],
        expected[3],
        expected[4],
    )


def test_settings_follow_the_caches(tmp_path: Path) -> None:
    vm = settings.settings_for(settings.detect_caches(fake_sysfs(tmp_path / "vm", EPYC_VM)))
    desktop = settings.settings_for(settings.detect_caches(fake_sysfs(tmp_path / "pc", DESKTOP)))
    # A block takes half of a thread's share of the last-level cache: 32 MiB / 2 CPUs / 2
    # on the VM, 30 MiB / 16 / 2 on the desktop.
    assert vm.block_bytes == 8 * MIB and desktop.block_bytes == 30 * MIB // 32
    # The switch-over is the last-level cache; column-major X switches at one L2.
    assert (vm.fused_min_bytes, vm.fused_min_bytes_examples) == (32 * MIB, MIB)
    assert (desktop.fused_min_bytes, desktop.fused_min_bytes_examples) == (30 * MIB, 1280 * KIB)
    assert vm.min_block_bytes == desktop.min_block_bytes == 64
    # So n_x = 1000 float64 keeps a whole page per row on the VM and narrows on the desktop.
    assert kernel.fused_block(1000, 8, vm) == 512
    assert kernel.fused_block(1000, 8, desktop) == 120  # 983040 // 8000 = 122, in lines of 8


@pytest.mark.parametrize(
    "damage",
    ["missing", "empty", "garbage sizes", "unreadable level"],
)
def test_an_unreadable_sysfs_falls_back_value_by_value(tmp_path: Path, damage: str) -> None:
    root = tmp_path / "cache"
    if damage != "missing":
        fake_sysfs(root, EPYC_VM)
        for index in root.glob("index*"):
            if damage == "empty":
                for f in index.iterdir():
                    f.write_text("")
            elif damage == "garbage sizes":
                (index / "size").write_text("lots\n")
            else:
                (index / "level").write_text("L?\n")
    assert settings.read_sysfs(root) == {}
    caches = settings.detect_caches(root)
    # Whatever glibc's sysconf reports fills in; the documented fallback fills the rest.
    sysconf = settings.read_sysconf()
    fallback = settings.FALLBACK
    assert caches.line_bytes == sysconf.get("line_bytes", fallback.line_bytes)
    assert caches.llc_bytes == max(
        sysconf.get("llc_bytes", fallback.llc_bytes), sysconf.get("l2_bytes", fallback.l2_bytes)
    )
    assert "sysfs" not in caches.source
    derived = settings.settings_for(caches)
    assert derived.block_bytes >= derived.min_block_bytes > 0 and derived.fused_min_bytes > 0


def test_the_fallback_alone_gives_safe_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "read_sysconf", dict)
    caches = settings.detect_caches(Path("/nonexistent"))
    assert caches.source in ("fallback", "sysconf+fallback")  # the page size may be known
    p = settings.settings_for(caches)
    assert (p.min_block_bytes, p.block_bytes, p.fused_min_bytes) == (64, 4 * MIB, 8 * MIB)
    assert p.fused_min_bytes_examples == 256 * KIB


# --- the vectorizable losses against libm's ---------------------------------------------------

# block_losses evaluates e^x by a degree-13 polynomial and log(1 + e) by a 17-term series
# instead of libm: each is within a couple of ulp of libm, so every dz is within a few
# float64 ulp of loss_and_dz's (checked per example), and the sums within rounding.
LIBM_ULPS = 4


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 8.0, 40.0, 700.0, 1e3])
def test_block_losses_agree_with_libm_example_by_example(compiled: bool, scale: float) -> None:
    from autograd_lr import forward
    from autograd_lr.fast import losses

    rng = np.random.default_rng(int(scale * 1000))
    n = 257
    z = rng.normal(size=n) * scale
    z[:6] = [0.0, -0.0, 708.5, -708.5, -745.2, 1e-300]  # the cut-off and underflow edges
    y = (rng.random(n) > 0.5).astype(np.float64)
    block = losses.block_losses
    if compiled:
        import numba

        block = numba.njit(error_model="numpy")(losses.block_losses)
    Z, T = z.copy(), np.empty(2 * n)
    cost, db = block(Z, y, 0, n, T)
    expected = [losses.loss_and_dz(float(zi), float(yi)) for zi, yi in zip(z, y, strict=True)]
    L = np.array([e[0] for e in expected])
    dz = np.array([e[1] for e in expected])
    eps = np.finfo(np.float64).eps
    assert np.all(np.abs(Z - dz) <= LIBM_ULPS * eps * np.maximum(1.0, np.abs(dz)))
    assert abs(cost - L.sum()) <= LIBM_ULPS * eps * n * max(1.0, np.abs(L).max())
    assert abs(db - dz.sum()) <= LIBM_ULPS * eps * n
    # ... and with the forward model's own loss (numpy, the package's one definition)
    loss_forward = forward.loss_from_logits(z, y)
    assert np.allclose(L, loss_forward, rtol=LIBM_ULPS * eps, atol=LIBM_ULPS * eps)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_block_losses_turn_a_non_finite_logit_into_a_nan_cost(bad: float) -> None:
    import numba

    from autograd_lr.fast import losses

    block = numba.njit(error_model="numpy")(losses.block_losses)
    Z = np.array([0.5, bad, -2.0, 3.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    cost, _ = block(Z, y, 0, 4, np.empty(8))
    assert np.isnan(cost)


# --- the two-pass form: row-major X that fits in the last-level cache ------------------------------


def two_pass_problem(dtype: type = np.float64, n_x: int = 600, m: int = 700) -> Problem:
    # at least one L2 cache (the smallest X that takes the fast path), whatever the machine
    m = max(m, kernel.FUSED_MIN_BYTES_EXAMPLES // (np.dtype(dtype).itemsize * n_x) + 1)
    p = make_problem(n_x, m, seed=31, z_max=6.0, dtype=dtype)
    assert kernel.takes_two_passes(p.X) and not kernel.takes_examples_kernel(p.X)
    return p


# float32 examples beyond one block: dw's long sums go through rows_dw (float64 across
# blocks), not BLAS's float32 sums; one block or float64: BLAS.
LONG_ROWS_F32 = 3 * (kernel.SETTINGS.segment_bytes // 4)


@pytest.mark.parametrize(
    ("dtype", "m"), [(np.float64, 700), (np.float32, 700), (np.float32, LONG_ROWS_F32)]
)
def test_two_passes_give_the_gradient_of_jax_and_the_same_bits_for_any_thread_count(
    dtype: type, m: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = two_pass_problem(dtype, n_x=600 if m == 700 else 40, m=m)
    calls: list[int] = []
    two_pass = kernel._two_pass_numba

    def spy(*args: Any) -> Any:
        calls.append(args[2].shape[0])
        return two_pass(*args)

    monkeypatch.setattr(kernel, "_two_pass_numba", spy)
    runs = [kernel.gradients_fused(*p, threads=t) for t in (1, 2, 3)]
    assert calls == [p.n_x] * 3
    first, J_first = runs[0]
    for grads, J in runs[1:]:
        np.testing.assert_array_equal(grads["dw"], first["dw"])
        assert grads["db"] == first["db"] and J_first == J
    as64 = [np.asarray(a, dtype=np.float64) for a in (p.w, p.X, p.Y)]
    reference, J_jax = oracles.jax_value_and_gradients(as64[0], p.b, as64[1], as64[2])
    tolerance = FUSED_RTOL if dtype == np.float64 else FLOAT32_RTOL
    s = gradient_scale(as64[1])
    assert relative_error(flat(first), flat(reference), scale=s) <= tolerance
    assert abs(float(J_first) - J_jax) <= tolerance * max(1.0, J_jax)
    assert first["dw"].dtype == dtype


def test_two_passes_keep_memory_small_and_rows_of_any_count() -> None:
    # n_x not a multiple of 8 (a chunk of fewer rows), a strided view of rows
    p = two_pass_problem(n_x=603, m=301)
    assert_matches_vectorized(p, p.X)
    wide = np.zeros((p.n_x, p.m + 5))
    wide[:, 2 : 2 + p.m] = p.X
    assert kernel.takes_two_passes(wide[:, 2 : 2 + p.m])
    assert_matches_vectorized(p, wide[:, 2 : 2 + p.m])
    kernel.gradients_fused(*p)
    assert peak_extra_bytes(lambda: kernel.gradients_fused(*p)) <= MEMORY_SHARE * p.X.nbytes


@pytest.mark.parametrize(("row", "column", "value"), [(3, 77, np.nan), (5, 10, np.inf)])
def test_propagate_names_a_nan_or_inf_in_X_that_takes_two_passes(
    row: int, column: int, value: float
) -> None:
    # The first pass carries the NaN or inf into z (even where w_j = 0) and J.
    p = two_pass_problem()
    assert kernel.fused_applies(p.X)
    X, w = p.X.copy(), p.w.copy()
    X[row, column] = value
    w[5, 0] = 0.0
    _, J = kernel.gradients_fused(w, p.b, X, p.Y)
    assert not np.isfinite(J)
    with pytest.raises(
        ValueError, match=rf"X contains NaN or inf \(first at index \({row}, {column}\)"
    ):
        autograd_lr.propagate(w, p.b, X, p.Y)


def test_training_loops_take_the_formula_where_X_stays_in_the_last_level_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Row-major X inside the last-level cache: a loop over it (the objective) takes BLAS's
    formula at every iteration (faster from cache); a direct call of the kernel still
    takes its two passes, to the same values."""
    from autograd_lr.training import solvers

    n_x = 4096
    m = max(8, (kernel.FUSED_MIN_BYTES_EXAMPLES * 2) // (8 * n_x))
    p = make_problem(n_x, m, seed=4, z_max=3.0)
    assert kernel.takes_two_passes(p.X) and kernel.fused_applies(p.X)
    assert evaluation_path(p.X) == "formula"
    calls: list[int] = []
    fused = kernel.gradients_fused

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return fused(*args, **kwargs)

    monkeypatch.setattr(kernel, "gradients_fused", spy)
    solvers.gradient_descent(p.w, p.b, p.X, p.Y, learning_rate=0.1, max_iter=3, tol=0.0)
    assert calls == []  # the loop never took the kernel
    grads, _ = kernel.gradients_fused(p.w, p.b, p.X, p.Y)
    reference, _ = gradients.gradients_vectorized(p.w, p.b, p.X, p.Y)
    scale = gradient_scale(p.X)
    assert relative_error(grads["dw"], reference["dw"], scale=scale) <= FUSED_RTOL
