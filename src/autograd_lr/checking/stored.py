r"""The oracles' jax values kept on disk, so that a check in a fresh process need not start jax.

A check's verdict rests on ``jax.value_and_grad`` of :func:`autograd_lr.forward.cost` on
each problem (:mod:`~autograd_lr.checking.expected`), and its diagnosis on the same of
the models of mistakes (:mod:`~autograd_lr.checking.mistakes`). The default problems are
the same in every process, and so are these values: importing jax and compiling its
functions costs a learner seconds on a small machine (one compiled program per problem
shape and per model a diagnosis reads) for numbers known in advance. So the values are
read, before any of the learner's code runs, from two places:

* **shipped with the package** (:data:`SHIPPED`): the reference and every model on the
  default problems (seed 0) for λ = 0 and for the L2 exercise's λ, computed by jax with
  ``tools/oracle_values.py``. A learner's first check on a fresh machine, passing or
  failing, then starts no jax at all;
* **the user's store** (a folder): any other value jax computes in a check (other
  problems, seeds or λ) is kept there and read back by the next process.

**Why ship the values rather than compile faster.** The cold cost is jax's start-up
(about 0.5 s) plus one compilation per problem shape and per model (about 0.1 s each;
a failing check reads four models on six problems: 30 compilations). One compiled
program per problem for the reference and every model takes nearly as long to compile
as those 30 small ones (it is one large program), and makes a passing check pay for
models it never reads; a program kept by jax's persistent cache still needs jax
started. The numbers, not the programs, are what a check needs, and they are fixed by
the code: so they are shipped, and jax stays their only source.

**Keyed by everything the value depends on.** A value's key is the SHA-256 of
:data:`FORMAT` (the layout of a value), the source text of the modules that define the
value (:mod:`autograd_lr.forward`, :mod:`autograd_lr.oracles`,
:mod:`autograd_lr.checking.mistakes`), the problem's bytes, λ and the value's name. A
change to any of them is a new key: a stale value, shipped or stored, is never read
(jax computes instead). ``tests/test_stored.py`` fails while the shipped file is stale
and recomputes every shipped value with jax, so the file holds jax's numbers for the
very code users run.

**Read before the learner's code runs.** :func:`autograd_lr.checking.check.prepare`
loads the values when it builds the problems' oracles, before any call; writes to the
user's store are atomic (a temporary file renamed into place), so a reader sees a whole
file or none. A value whose shape is not the problem's is ignored. A grader's eager
preparation reads neither: it computes every value afresh with jax.

``$AUTOGRAD_LR_ORACLE_CACHE``: a folder, or ``off`` (nothing is read, shipped or stored:
jax computes every value, as the tests want); else ``$XDG_CACHE_HOME/autograd-lr/oracles``
(``~/.cache/autograd-lr/oracles``). A folder that cannot be written (a read-only home)
turns the user's store off; the shipped values are still read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr.files import CACHE_OFF, user_cache_folder
from autograd_lr.problems import Problem

CACHE_ENV = "AUTOGRAD_LR_ORACLE_CACHE"
# The layout of a value: one float64 vector (cost, db, dw_1 ... dw_{n_x}), in a .npy file
# in the user's store and as a JSON list in the shipped file. Raise it when it changes.
FORMAT = "autograd-lr oracle values, format 1"
# The modules whose source defines a stored value: the cost, its differentiation, the
# models of mistakes. (jax's own version is not part of the key: two versions differ by
# rounding, ~1e-16 relative, far below every threshold of the checker.)
_DEFINING = ("autograd_lr.forward", "autograd_lr.oracles", "autograd_lr.checking.mistakes")
# The reference's name among the values (no model of a mistake is called this).
REFERENCE = "reference"
# The values shipped with the package, written by tools/oracle_values.py.
SHIPPED = Path(__file__).with_name("oracle_values.json")


def _off() -> bool:
    return os.environ.get(CACHE_ENV, "").strip().lower() in CACHE_OFF


@functools.cache
def folder() -> Path | None:
    """The user's store (created), or ``None`` when it is off or cannot be written."""
    return user_cache_folder(CACHE_ENV, "oracles")


@functools.cache
def definitions() -> bytes:
    """The SHA-256 of the defining modules' source, read once per process: call it right
    after they are imported (:mod:`autograd_lr.checking.expected` does), so that a file
    changed on disk later in a long session (a ``git pull``) never keys the values the
    code still in memory computes."""
    digest = hashlib.sha256(FORMAT.encode())
    for name in _DEFINING:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path is None:  # not loaded from a file: nothing to key on, so never store
            return b""
        digest.update(Path(path).read_bytes())
    return digest.digest()


def definitions_digest() -> str:
    """The defining modules' digest in hexadecimal (``""`` when they were not loaded from files)."""
    return definitions().hex()


def key(problem: Problem, lambd: float, name: str) -> str | None:
    """The file name of value ``name`` on ``problem`` with λ, or ``None`` (no store)."""
    source = definitions()
    if not source:
        return None
    digest = hashlib.sha256(source)
    p = problem
    for part in (p.w, np.float64(p.b), p.X, p.Y, np.float64(lambd)):
        array = np.ascontiguousarray(part, dtype=np.float64)
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    digest.update(name.encode())
    return digest.hexdigest() + ".npy"


def digest_of(file: str) -> str:
    """A value's key without the file suffix: how the shipped file names it."""
    return file.removesuffix(".npy")


@functools.cache
def shipped() -> dict[str, list[float]]:
    """The shipped values by key, or none when the file is missing, unreadable or stale.

    Stale: written for other defining modules' source (its keys could not match anyway;
    checking the digest once spares reading them).
    """
    try:
        content = json.loads(SHIPPED.read_text(encoding="utf-8"))
        if content["format"] != FORMAT or content["definitions"] != definitions_digest():
            return {}
        return {k: entry["values"] for k, entry in content["values"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def load(problem: Problem, lambd: float, name: str) -> tuple[np.ndarray, float, float] | None:
    """``(dw (n_x, 1), db, cost)`` shipped or stored for ``name``, or ``None`` (none, or not this problem's)."""
    file = None if _off() else key(problem, lambd, name)
    if file is None:
        return None
    found = shipped().get(digest_of(file))
    if found is not None:
        values = np.asarray(found, dtype=np.float64)
    else:
        where = folder()
        if where is None:
            return None
        try:
            values = np.load(where / file, allow_pickle=False)
        except (OSError, ValueError):
            return None
    n_x = problem.w.shape[0]
    if values.dtype != np.float64 or values.shape != (n_x + 2,):
        return None
    return values[2:].reshape(n_x, 1).copy(), float(values[1]), float(values[0])


def vector(dw: Any, db: float, cost: float) -> np.ndarray:
    """The stored layout of one value (:data:`FORMAT`): ``[cost, db, dw_1 ... dw_{n_x}]``."""
    return np.concatenate([[float(cost), float(db)], np.ravel(dw)]).astype(np.float64)


def save(problem: Problem, lambd: float, name: str, dw: np.ndarray, db: float, cost: float) -> None:
    """Keep ``name``'s values on ``problem`` (atomically); a store that fails is silently off."""
    where, file = folder(), key(problem, lambd, name)
    if where is None or file is None:
        return
    values = vector(dw, db, cost)
    with contextlib.suppress(OSError):
        handle, temporary = tempfile.mkstemp(dir=where, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.save(out, values, allow_pickle=False)
            os.replace(temporary, where / file)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
