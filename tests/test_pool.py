"""The kernels' worker threads (autograd_lr.fast.pool): every chunk once, failures raised, never stuck."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lr.fast import pool

# How long a test waits for something that must happen at once before it calls it a hang.
HANG_S = 30.0


@settings(max_examples=60, deadline=None)
@given(n_chunks=st.integers(1, 64), threads=st.integers(1, 5))
def test_every_chunk_runs_exactly_once(n_chunks: int, threads: int) -> None:
    counts = [0] * n_chunks
    lock = threading.Lock()

    def task(c: int) -> None:
        with lock:
            counts[c] += 1

    pool.run_chunks(task, n_chunks, threads)
    assert counts == [1] * n_chunks


def test_the_helpers_are_started_once_and_reused() -> None:
    pool.run_chunks(lambda c: None, 8, 3)
    before = pool.helper_count()
    assert before >= 2
    names = set()

    def task(c: int) -> None:
        time.sleep(0.002)  # long enough that the helpers take some chunks
        names.add(threading.current_thread().name)

    for _ in range(5):
        pool.run_chunks(task, 8, 3)
    assert pool.helper_count() == before  # no thread started per call
    assert any(name.startswith("autograd-lr-kernel-") for name in names)


def test_a_failing_chunk_is_raised_and_nothing_runs_after_the_return() -> None:
    ran_after_return: list[int] = []
    returned = threading.Event()

    def task(c: int) -> None:
        time.sleep(0.001)
        if returned.is_set():
            ran_after_return.append(c)
        if c == 3:
            raise ArithmeticError("chunk 3 failed")

    with pytest.raises(ArithmeticError, match="chunk 3 failed"):
        pool.run_chunks(task, 40, 3)
    returned.set()
    time.sleep(0.05)  # a helper still running a chunk would record it now
    assert ran_after_return == []


def test_a_busy_pool_never_blocks_a_call() -> None:
    # Another thread of the program holds every helper in a long chunk; a second call
    # must still finish, its own thread doing all the work.
    release = threading.Event()
    started = threading.Event()
    pool.run_chunks(lambda c: None, 2, 2)  # at least one helper exists

    def hold(c: int) -> None:
        if c > 0:  # the helpers' chunks, not the caller's
            started.set()
            release.wait(HANG_S)

    helpers = pool.helper_count()
    holder = threading.Thread(target=pool.run_chunks, args=(hold, helpers + 1, helpers + 1))
    holder.start()
    try:
        assert started.wait(HANG_S)
        done: list[int] = []
        t0 = time.perf_counter()
        pool.run_chunks(done.append, 10, 2)
        assert sorted(done) == list(range(10))
        assert time.perf_counter() - t0 < HANG_S / 2  # not held until the release
    finally:
        release.set()
        holder.join(HANG_S)
    assert not holder.is_alive()


def test_calls_from_many_threads_at_once() -> None:
    errors: list[BaseException] = []

    def caller(k: int) -> None:
        try:
            for n in range(1, 30):
                out = [0] * n
                pool.run_chunks(lambda c, out=out: out.__setitem__(c, c + k), n, 2)
                assert out == [c + k for c in range(n)]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_S)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def _in_child(queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out = [0] * 16
    pool.run_chunks(lambda c: out.__setitem__(c, 1), 16, 3)
    queue.put((sum(out), pool.helper_count()))


def test_a_forked_child_starts_its_own_helpers() -> None:
    pool.run_chunks(lambda c: None, 4, 3)  # the parent has helpers
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_child, args=(queue,))
    child.start()
    try:
        total, helpers = queue.get(timeout=HANG_S)
    finally:
        child.join(HANG_S)
        if child.is_alive():
            child.kill()
    assert total == 16
    assert helpers == 2  # started afresh in the child, not inherited as dead threads
