r"""How long a learner waits for ``check_gradients``: fresh processes, cold and warm, as a table.

``python -m benchmarks.checker_bench [--repeats 3]`` starts a new Python process for every
measurement, because the first check of a session is what a notebook user waits for:

* **import + first check**: from before ``from autograd_lr import check_gradients`` to
  the first report, in the child (interpreter start-up excluded, every import included);
* **repeated check**: the same check again in that process;
* **process wall time**: the whole child, interpreter start-up included;
* **process CPU time**: the child's user + system CPU seconds, which a busy machine
  distorts less than a wall time (a shared machine's load slows the wall clock most).

Each for a correct ``propagate`` and for the most asked-about mistake, the cost as
``np.dot(Y.T, np.log(A))`` (an (m, m) table of every pair of examples), loaded from a file
as a learner's module is (a failing check: the feedback engine traces it, locates the
line and finds its verified repair), in four states of the two caches a check uses:
the oracle store (``AUTOGRAD_LR_ORACLE_CACHE``, :mod:`autograd_lr.checking.stored`: jax's
values on the check problems, shipped with the package for the default problems and
kept in the user's folder for any other, read back so that a fresh process need not
start jax) and jax's persistent compilation cache (``AUTOGRAD_LR_JAX_CACHE``, see
:mod:`autograd_lr.oracles`):

* **first ever**: both folders empty (a fresh machine): the shipped values answer;
* **warm**: the same folders again (every later session of that user);
* **unwritable home**: neither folder can be created: the shipped values still answer;
* **no stored values**: the store off (``off``: nothing shipped or kept is read) and no
  compilation cache: jax starts and compiles every time, as for problems, seeds or λ
  whose values are not shipped, or a shipped file left stale by a change to the cost.

The children run from compiled bytecode, as an installed package does: when the
environment says ``PYTHONDONTWRITEBYTECODE``, the bench gives them a bytecode folder of
their own (``PYTHONPYCACHEPREFIX``) and fills it with one run first, so that compiling
Python source (seconds for jax) is not counted as the checker's time.

The median over ``--repeats`` runs is printed as a Markdown table, with the machine's
load average (``os.getloadavg``) before and after: on a busy machine every figure grows.
This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from autograd_lr.files import atomic_write_text

CHILD = r"""
import importlib.util, json, os, sys, tempfile, time
start = time.perf_counter()
from autograd_lr import check_gradients, propagate
import numpy as np

# the learner's module, from a file as in their folder: the engine reads its source
LEARNER = '''
import numpy as np

def dot_table(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -1 / m * np.sum(np.dot(Y.T, np.log(A)) + np.dot((1 - Y).T, np.log(1 - A)))
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost
'''
folder = tempfile.mkdtemp()
path = os.path.join(folder, "learner.py")
with open(path, "w") as f:
    f.write(LEARNER)
spec = importlib.util.spec_from_file_location("learner", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
dot_table = module.dot_table

fn = propagate if sys.argv[1] == "correct" else dot_table
imported = time.perf_counter()
report = check_gradients(fn)
first = time.perf_counter()
again = check_gradients(fn)
repeated = time.perf_counter()
assert report.passed == (sys.argv[1] == "correct"), str(report)
assert again.mistakes == report.mistakes
assert sys.argv[1] == "correct" or report.rules, "the engine named no verified repair"
print(json.dumps({
    "import": imported - start,
    "first": first - start,
    "repeated": repeated - first,
    "mistakes": sorted(report.mistakes),
    "rules": list(report.rules),
}))
"""

FUNCTIONS = ("correct", "wrong")


# where the children keep their bytecode when the environment forbids writing it beside
# the source (set by :func:`measure`)
_PYCACHE: dict[str, str] = {}


def run_child(
    function: str, cache: str, src: str | None = None, store: str = "off"
) -> dict[str, Any]:
    """One fresh process: its timings (seconds) and its wall time.

    ``cache``: jax's compilation cache folder (or ``off``); ``store``: the oracle store's
    (or ``off``). ``src``: another checkout's ``src`` folder to import ``autograd_lr``
    from (to compare two versions under the same load).
    """
    env = dict(os.environ, AUTOGRAD_LR_JAX_CACHE=cache, AUTOGRAD_LR_ORACLE_CACHE=store)
    env.update(_PYCACHE)
    if _PYCACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src:
        env["PYTHONPATH"] = src
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, function],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"the child failed ({function}, cache {cache}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["cpu"] = cpu
    return result


def measure(
    repeats: int, baseline: str | None = None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every (cache state, function): ``repeats`` fresh processes each, interleaved.

    With ``baseline`` (another checkout's ``src``), its fresh processes run in the same
    rounds, as the row "baseline", so that both versions meet the same load.
    """
    states = ["first ever", "warm", "unwritable home", "no stored values"]
    states += ["baseline"] if baseline else []
    out: dict[str, dict[str, list[dict[str, Any]]]] = {state: {} for state in states}
    with tempfile.TemporaryDirectory(prefix="autograd-lr-pycache-") as pycache:
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            _PYCACHE["PYTHONPYCACHEPREFIX"] = pycache
            for function in FUNCTIONS:  # compile the bytecode once, not timed
                run_child(function, "off")
                if baseline:
                    run_child(function, "off", baseline)
        try:
            for function in FUNCTIONS:
                for state in out:
                    out[state][function] = []
                for _ in range(repeats):
                    with (
                        tempfile.TemporaryDirectory(prefix="autograd-lr-jax-cache-") as jax_cache,
                        tempfile.TemporaryDirectory(prefix="autograd-lr-oracles-") as store,
                    ):
                        first = run_child(function, jax_cache, store=store)
                        out["first ever"][function].append(first)
                        out["warm"][function].append(run_child(function, jax_cache, store=store))
                        # a folder inside a file cannot be created, even by root
                        blocker = os.path.join(store, "a file")
                        atomic_write_text(blocker, "not a folder")
                        home = os.path.join(blocker, "cache")
                        unwritable = run_child(function, home, store=home)
                        out["unwritable home"][function].append(unwritable)
                    out["no stored values"][function].append(run_child(function, "off"))
                    if baseline:
                        out["baseline"][function].append(run_child(function, "off", baseline))
        finally:
            _PYCACHE.clear()
    return out


def table(results: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    """The medians as a Markdown table: a correct and a wrong function side by side."""
    lines = [
        "| caches | correct: import + first check | wrong ((m, m) cost), repaired: "
        "import + first check | of which import (correct / wrong) | repeated check "
        "(correct / wrong) | process wall time (correct / wrong) | process CPU user + sys "
        "(correct / wrong) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for state, by_function in results.items():

        def med(function: str, key: str, runs: dict[str, Any] = by_function) -> str:
            return f"{statistics.median(r[key] for r in runs[function]):.2f} s"

        def both(key: str, med: Callable[[str, str], str] = med) -> str:
            return f"{med('correct', key)} / {med('wrong', key)}"

        lines.append(
            f"| {state} | {med('correct', 'first')} | {med('wrong', 'first')} "
            f"| {both('import')} | {both('repeated')} | {both('wall')} | {both('cpu')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per cell")
    parser.add_argument("--json", help="also write the raw timings to this file")
    parser.add_argument(
        "--baseline", help="another checkout's src folder, measured in the same rounds"
    )
    args = parser.parse_args(argv)
    before = os.getloadavg()
    results = measure(max(1, args.repeats), args.baseline)
    after = os.getloadavg()
    print(table(results))
    print()
    print(
        f"median of {args.repeats} fresh processes per cell; load average (1, 5, 15 min) "
        f"before {', '.join(f'{x:.2f}' for x in before)}, after "
        f"{', '.join(f'{x:.2f}' for x in after)}; {os.cpu_count()} cores"
    )
    if args.json:
        text = json.dumps({"results": results, "load": [before, after]}, indent=1)
        atomic_write_text(args.json, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
