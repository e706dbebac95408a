"""The kernels' threads (autograd_lr.fast.threads): every chunk once, failures raised, never stuck."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lr.fast import threads as chunk_threads

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

    chunk_threads.run_chunks(task, n_chunks, threads)
    assert counts == [1] * n_chunks


def _is_helper() -> bool:
    return threading.current_thread().name.startswith("autograd-lr-kernel-")


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
        chunk_threads.run_chunks(task, 40, 3)
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
        chunk_threads.run_chunks(task, 2, 2)
    assert helper_done.is_set()  # the helper's chunk had finished before the call raised
    assert sorted(chunks) == [0, 1]


def test_calls_from_many_threads_at_once() -> None:
    errors: list[BaseException] = []

    def caller(k: int) -> None:
        try:
            for n in range(1, 30):
                out = [0] * n
                chunk_threads.run_chunks(lambda c, out=out: out.__setitem__(c, c + k), n, 2)
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
