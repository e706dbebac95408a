r"""The oracles' jax values kept on disk, so that a check in a fresh process need not start jax.

A check's verdict rests on ``jax.value_and_grad`` of :func:`autograd_lr.forward.cost` on
each problem (:mod:`~autograd_lr.checking.expected`). The default problems are the same
in every process, and so are these values: importing jax and compiling its functions
costs a learner seconds on a small machine for numbers known in advance. Each value is
computed by jax once, then kept under the user's cache folder and read back by the next
process: a passing check then runs no jax at all.

**Keyed by everything the value depends on.** A file's name is the SHA-256 of
:data:`FORMAT` (the layout of the file), the source text of the modules that define the
value (:mod:`autograd_lr.forward`, :mod:`autograd_lr.oracles`,
:mod:`autograd_lr.checking.mistakes`), the problem's bytes, λ and the value's name. A
change to any of them is a new name: a stale value is never read, only left behind.

**Read before the learner's code runs.** :func:`autograd_lr.checking.check.prepare`
loads the stored values when it builds the problems' oracles, before any call; writes
are atomic (a temporary file renamed into place), so a reader sees a whole file or none.
A file whose shape is not the problem's is ignored. jax stays the oracle of record:
every stored value was computed by it, and the tests compute them afresh (the store is
off there).

``$AUTOGRAD_LR_ORACLE_CACHE``: a folder, or ``off``; else
``$XDG_CACHE_HOME/autograd-lr/oracles`` (``~/.cache/autograd-lr/oracles``). A folder that
cannot be written (a read-only home) turns the store off: jax computes, as before.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from autograd_lr.problems import Problem

CACHE_ENV = "AUTOGRAD_LR_ORACLE_CACHE"
# The layout of a stored file: one float64 vector (cost, db, dw_1 ... dw_{n_x}) in .npy.
# Raise it when the layout changes.
FORMAT = "autograd-lr oracle values, format 1"
# The modules whose source defines a stored value: the cost, its differentiation, the
# models of mistakes. (jax's own version is not part of the key: two versions differ by
# rounding, ~1e-16 relative, far below every threshold of the checker.)
_DEFINING = ("autograd_lr.forward", "autograd_lr.oracles", "autograd_lr.checking.mistakes")


@functools.cache
def folder() -> Path | None:
    """The store's folder (created), or ``None`` when it is off or cannot be written."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in ("0", "off", "no", "false", "none"):
        return None
    if setting:
        where = Path(setting).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        where = Path(base) / "autograd-lr" / "oracles"
    try:
        where.mkdir(parents=True, exist_ok=True)
        if not os.access(where, os.W_OK):
            return None
    except OSError:
        return None
    return where


@functools.cache
def _definitions() -> bytes:
    """The SHA-256 of the defining modules' source, read once per process."""
    digest = hashlib.sha256(FORMAT.encode())
    for name in _DEFINING:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path is None:  # not loaded from a file: nothing to key on, so never store
            return b""
        digest.update(Path(path).read_bytes())
    return digest.digest()


def key(problem: Problem, lambd: float, name: str) -> str | None:
    """The file name of value ``name`` on ``problem`` with λ, or ``None`` (no store)."""
    definitions = _definitions()
    if not definitions:
        return None
    digest = hashlib.sha256(definitions)
    p = problem
    for part in (p.w, np.float64(p.b), p.X, p.Y, np.float64(lambd)):
        array = np.ascontiguousarray(part, dtype=np.float64)
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    digest.update(name.encode())
    return digest.hexdigest() + ".npy"


def load(problem: Problem, lambd: float, name: str) -> tuple[np.ndarray, float, float] | None:
    """``(dw (n_x, 1), db, cost)`` stored for ``name``, or ``None`` (none, or not this problem's)."""
    where, file = folder(), key(problem, lambd, name)
    if where is None or file is None:
        return None
    try:
        vector = np.load(where / file, allow_pickle=False)
    except (OSError, ValueError):
        return None
    n_x = problem.w.shape[0]
    if vector.dtype != np.float64 or vector.shape != (n_x + 2,):
        return None
    return vector[2:].reshape(n_x, 1).copy(), float(vector[1]), float(vector[0])


def save(problem: Problem, lambd: float, name: str, dw: np.ndarray, db: float, cost: float) -> None:
    """Keep ``name``'s values on ``problem`` (atomically); a store that fails is silently off."""
    where, file = folder(), key(problem, lambd, name)
    if where is None or file is None:
        return
    vector = np.concatenate([[float(cost), float(db)], np.ravel(dw)]).astype(np.float64)
    with contextlib.suppress(OSError):
        handle, temporary = tempfile.mkstemp(dir=where, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.save(out, vector, allow_pickle=False)
            os.replace(temporary, where / file)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
