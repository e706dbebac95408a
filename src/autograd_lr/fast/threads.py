"""Chunks of a kernel on several threads: every chunk once, failures raised, nothing left running.

The kernels (:mod:`autograd_lr.fast.kernel`) cut X into chunks and run them on several
threads; the compiled loops release the GIL (``nogil``), so plain Python threads run
them side by side. The calling thread takes chunks from the same counter as the threads
it starts, so a thread that starts late (or a busy core) slows a call down but never
blocks it: a thread that arrives after the last chunk was taken finds nothing to do.

The threads are started for each call. Helper threads kept alive between calls (waiting
on a queue) saved about 0.1 ms per start on the 2-core VMs this is measured on, but with
them the float64 sums at (64, 20003) differed by an ulp between runs in about one test
session in four, which a fresh thread per call never showed; the package promises the
same bits for any thread count, so it starts them afresh.

Why not :class:`concurrent.futures.ThreadPoolExecutor` (a fresh one per call, chunks
submitted in order): measured on the 2-core VM at a load of 6.5, with 2 threads, it
computed the same bits and was no faster on the fused gradient in float64 (16.0 ms
either way at (64, 20003); 47.5 against 45.7 ms at (100, 100000); 75.3 against
70.0 ms at (784, 20000)), and its own cost per call was 2.5 times this one's (221 µs
against 88 µs for 8 empty chunks), since the calling thread only waits instead of
taking chunks. And it cannot keep this module's promise under Ctrl-C: a second
interrupt while ``shutdown`` waits leaves chunks running that write into the caller's
arrays after the call has raised; ``_Job.abandon`` waits through it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class _Job:
    """Chunks ``0..n-1`` of one call: how many are taken and finished, the first failure.

    ``helpers_running`` counts chunks a started thread is running right now. Only those
    threads change it, and a thread other than the main one never receives an
    asynchronous exception (Ctrl-C reaches the main thread only), so it is exact even
    when the caller is interrupted half-way through its own bookkeeping: that is what
    :meth:`abandon` waits on.
    """

    def __init__(self, task: Callable[[int], None], n: int) -> None:
        self.task = task
        self.n = n
        self.taken = 0
        self.finished = 0
        self.helpers_running = 0
        self.failure: BaseException | None = None
        self.cond = threading.Condition(threading.Lock())

    def work(self, helper: bool = False) -> None:
        """Take chunks until none is left (or one has failed), running each."""
        while True:
            with self.cond:
                if self.taken >= self.n or self.failure is not None:
                    return
                c = self.taken
                self.taken += 1
                self.helpers_running += helper
            try:
                self.task(c)
            except BaseException as exc:  # re-raised by the caller: a lost chunk must not be summed
                with self.cond:
                    if self.failure is None:
                        self.failure = exc
            with self.cond:
                self.finished += 1
                self.helpers_running -= helper
                if self.finished == self.taken or not self.helpers_running:
                    self.cond.notify_all()

    def wait(self) -> None:
        """Block until every chunk taken is finished (the counter is exhausted or a chunk failed)."""
        with self.cond:
            while self.finished < self.taken:
                self.cond.wait()

    def abandon(self, reason: BaseException) -> None:
        """The caller stops (Ctrl-C): no chunk is taken any more, and the call returns only
        once no started thread is running one of its chunks, even if interrupted again."""
        with self.cond:
            if self.failure is None:
                self.failure = reason
        while True:
            try:
                with self.cond:
                    while self.helpers_running:
                        self.cond.wait()
                return
            except BaseException:  # a second Ctrl-C: the threads still hold the caller's arrays
                continue


def run_chunks(task: Callable[[int], None], n_chunks: int, threads: int) -> None:
    """Run ``task(c)`` for c = 0..n_chunks-1 on up to ``threads`` threads, this one included.

    Threads take the next chunk from a shared counter, so a thread held up by a busy
    core does not hold up the others. Returns when every chunk has run; the first
    exception raised by a chunk is raised here, after the chunks already running have
    finished; so is a ``KeyboardInterrupt`` that stops the calling thread: no chunk
    writes into the caller's arrays after the call has returned or raised.
    """
    threads = max(1, min(threads, n_chunks))
    job = _Job(task, n_chunks)
    for k in range(threads - 1):
        helper = threading.Thread(target=job.work, args=(True,), name=f"autograd-lr-kernel-{k + 1}")
        helper.daemon = True  # never keeps the interpreter alive
        helper.start()
    try:
        job.work()
        job.wait()
    except BaseException as stop:  # Ctrl-C in this thread: let no chunk outlive the call
        job.abandon(stop)
        raise
    if job.failure is not None:
        raise job.failure
