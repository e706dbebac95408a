"""Worker threads that stay: the kernels' chunks run on them without a thread started per call.

The kernels (:mod:`autograd_lr.fast.kernel`) cut X into chunks and run them on several
threads; the compiled loops release the GIL (``nogil``), so plain Python threads run
them side by side. Starting a thread costs about 0.1 ms on the 2-core VMs this project
is measured on: nothing against the 30-70 ms of a gradient over a gigabyte of X, but a
third of the course's gradient at (12288, 209), which takes two passes of about 0.5 ms.
So the helper threads are started once, on first use, and then wait on a queue,
blocked (no spinning: an idle pool takes no CPU).

:func:`run_chunks` never waits for a helper to *start* work: the calling thread takes
chunks from the same counter as the helpers, and waits only for chunks a helper has
already taken. A busy pool (another thread of the program running its own job, a
helper descheduled by the OS) therefore slows a call down but never blocks it, and a
helper that picks the job up after the last chunk was taken finds nothing to do and
touches nothing. After ``os.fork`` the child starts with no helpers and makes its own.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable


class _Job:
    """Chunks ``0..n-1`` of one call: how many are taken and finished, the first failure.

    ``helpers_running`` counts chunks a helper is running right now. Only helpers change
    it, and a helper thread never receives an asynchronous exception (Ctrl-C reaches the
    main thread only), so it is exact even when the caller is interrupted half-way
    through its own bookkeeping: that is what :meth:`abandon` waits on.
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
        once no helper is running one of its chunks, even if interrupted again."""
        with self.cond:
            if self.failure is None:
                self.failure = reason
        while True:
            try:
                with self.cond:
                    while self.helpers_running:
                        self.cond.wait()
                return
            except BaseException:  # a second Ctrl-C: the helpers still hold the caller's arrays
                continue


_lock = threading.Lock()
_jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
_helpers: list[threading.Thread] = []


def _serve(jobs: queue.SimpleQueue[_Job]) -> None:
    """A helper's life: take the next job from the queue (blocked, no CPU), work on it."""
    while True:
        jobs.get().work(helper=True)


def _ensure_helpers(count: int) -> None:
    """Start helpers until ``count`` are alive (one that died is replaced)."""
    with _lock:
        _helpers[:] = [t for t in _helpers if t.is_alive()]
        while len(_helpers) < count:
            t = threading.Thread(
                target=_serve, args=(_jobs,), name=f"autograd-lr-kernel-{len(_helpers) + 1}"
            )
            t.daemon = True  # blocked on the queue: must not keep the interpreter alive
            t.start()
            _helpers.append(t)


def _forget_helpers() -> None:
    """In a forked child: the parent's helper threads do not exist here."""
    global _jobs, _lock
    _lock = threading.Lock()
    _jobs = queue.SimpleQueue()
    _helpers.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_helpers)


def helper_count() -> int:
    """How many helper threads this process has alive (for tests and reports)."""
    return sum(t.is_alive() for t in _helpers)


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
    if threads > 1:
        _ensure_helpers(threads - 1)
        for _ in range(threads - 1):
            _jobs.put(job)
    try:
        job.work()
        job.wait()
    except BaseException as stop:  # Ctrl-C in this thread: let no chunk outlive the call
        job.abandon(stop)
        raise
    if job.failure is not None:
        raise job.failure
