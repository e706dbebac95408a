"""The kernels' worker threads (autograd_lr.fast.pool): every chunk once, failures raised, never stuck."""

from __future__ import annotations

import multiprocessing
import signal
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


def _is_helper() -> bool:
    return threading.current_thread().name.startswith("autograd-lr-kernel-")


def test_the_helpers_are_started_once_and_reused() -> None:
    pool.run_chunks(lambda c: None, 8, 3)
    before = pool.helper_count()
    assert before >= 2
    for _ in range(5):
        helper_ran = threading.Event()

        def task(c: int, helper_ran: threading.Event = helper_ran) -> None:
            # The caller's chunks wait until a helper has run one: the helpers do take part.
            if _is_helper():
                helper_ran.set()
            else:
                assert helper_ran.wait(HANG_S), "no helper thread took a chunk"

        pool.run_chunks(task, 8, 3)
    assert pool.helper_count() == before  # no thread started per call


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


def test_an_interrupted_caller_returns_only_after_the_helpers_chunks() -> None:
    # Ctrl-C (a real SIGINT) while the caller waits for a helper's chunk: the call must
    # not return while that chunk still runs (it writes into the caller's arrays), and no
    # further chunk may start.
    assert threading.current_thread() is threading.main_thread()  # where SIGINT lands
    helper_started = threading.Event()
    helper_done = threading.Event()
    chunks: list[int] = []

    def task(c: int) -> None:
        chunks.append(c)
        if _is_helper():
            helper_started.set()
            time.sleep(0.05)  # the caller has finished its chunk and waits for this one
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            time.sleep(0.2)
            helper_done.set()
        else:
            assert helper_started.wait(HANG_S)

    with pytest.raises(KeyboardInterrupt):
        pool.run_chunks(task, 2, 2)
    assert helper_done.is_set()  # the helper's chunk had finished before the call raised
    assert sorted(chunks) == [0, 1]


def test_a_busy_pool_never_blocks_a_call() -> None:
    # Another thread of the program holds every helper in a long chunk; a second call
    # must still finish, its own thread doing all the work.
    pool.run_chunks(lambda c: None, 2, 2)  # at least one helper exists
    helpers = pool.helper_count()
    release = threading.Event()
    all_held = threading.Barrier(helpers + 1)

    def hold(c: int) -> None:
        if _is_helper() and not release.is_set():
            all_held.wait(HANG_S)
        release.wait(HANG_S)  # the holder's own thread too: it must not run all chunks itself

    holder = threading.Thread(target=pool.run_chunks, args=(hold, 1000, helpers + 1))
    holder.start()
    try:
        all_held.wait(HANG_S)  # every helper is inside a held chunk now
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
    helper_ran = threading.Event()

    def task(c: int) -> None:
        if _is_helper():
            helper_ran.set()
        else:
            helper_ran.wait(HANG_S)

    pool.run_chunks(task, 16, 3)
    queue.put((helper_ran.is_set(), pool.helper_count()))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_starts_its_own_helpers() -> None:
    pool.run_chunks(lambda c: None, 4, 3)  # the parent has helpers
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_child, args=(queue,))
    with pool._lock:  # another thread is starting helpers at the moment of the fork
        child.start()
    try:
        helper_ran, helpers = queue.get(timeout=HANG_S)
    finally:
        child.join(HANG_S)
        if child.is_alive():
            child.kill()
    # The parent's helper threads and its lock's state do not carry over: the child got a
    # fresh lock (the parent's copy was held at the fork) and two live helpers of its own.
    assert helper_ran and helpers == 2
