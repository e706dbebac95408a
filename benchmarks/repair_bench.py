r"""How often the feedback engine finds a verified repair, and how long it takes: held-out mutants.

``python -m benchmarks.repair_bench [--pairs 40] [--json FILE]`` plants correction rules
of the error model (:mod:`autograd_lr.checking.error_model`) in two right programs that
the tests never mutate (the course's vectorized form written with ``@`` and
``np.mean``, and the lecture's loop over examples written with ``range(m)`` and scalar
sums):

* **one rule**: every program one edit makes from them;
* **two rules**: ``--pairs`` programs (seed 0) that apply two edits on two different lines.

``--catalogue`` measures the learners' catalogue instead (``tests/learner_programs.py``,
each program loaded from its own source as a learner's module is, through
``check_gradients`` or ``check_sigmoid`` with the default budget): the programs that
pass, those repaired (a verified repair stated), those located without a cause, and how
many of each have the catalogue's first faulty line.

Each mutant that fails the check is handed to the repair search with its default budget
(:data:`autograd_lr.checking.repair.SEARCH_BUDGET`, CPU seconds). A repair counts when
the repaired program passes ``check_gradients`` on its own (the search's claim, checked
again). The table gives, per set: the mutants, how many fail the check, how many are
repaired, how many by the planted rule(s), how many ran out of budget, and the median and
95th percentile of the search's time. This is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import linecache
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lr.checking import candidates, repair, tracing
from autograd_lr.checking.check import check_gradients
from autograd_lr.checking.expected import ProblemOracles, default_problems
from autograd_lr.files import atomic_write_text
from autograd_lr.forward import sigmoid

NAMESPACE = {"np": np, "sigmoid": sigmoid}
HELD_OUT = {
    "vectorized, @ and np.mean": """
def propagate(w, b, X, Y):
    m = Y.shape[1]
    Z = w.T @ X + b
    A = sigmoid(Z)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dZ = A - Y
    dw = X @ dZ.T / m
    db = np.mean(dZ)
    return {"dw": dw, "db": db}, cost
""",
    "the lecture's loop": """
def propagate(w, b, X, Y):
    m = X.shape[1]
    cost = 0.0
    dw = np.zeros(w.shape)
    db = 0.0
    for i in range(m):
        x = X[:, i:i + 1]
        a = sigmoid(np.dot(w.T, x)[0, 0] + b)
        cost -= Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a)
        dz = a - Y[0, i]
        dw += x * dz
        db += dz
    return {"dw": dw / m, "db": db / m}, cost / m
""",
}


@dataclass
class Result:
    """One mutant's fate."""

    planted: tuple[str, ...]
    fails: bool
    repaired: bool = False
    by_planted: bool = False
    exhausted: bool = False
    seconds: float = 0.0


def learner(source: str) -> Callable[..., Any]:
    """The function ``source`` defines, its source findable by ``inspect`` (as in a file)."""
    filename = f"<mutant {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = dict(NAMESPACE)
    exec(compile(source, filename, "exec"), scope)
    return scope["propagate"]  # type: ignore[no-any-return]


def mutants(source: str, pairs: int, rng: random.Random) -> dict[str, list[tuple[str, tuple]]]:
    """``{"one rule": [...], "two rules": [...]}``: (program, planted rule names)."""
    _, fn = tracing.parse_function(source, "propagate")
    single = candidates.single_edits(source, "propagate", default_problems()[0], NAMESPACE)
    one = [(text, (e.rule,)) for text, e in single]
    edits = [e for _, e in single]
    two: list[tuple[str, tuple]] = []
    tries = 0
    while len(two) < pairs and tries < 50 * pairs:
        tries += 1
        first, second = rng.sample(edits, 2)
        if first.line == second.line:
            continue
        try:
            tree = candidates.apply_edit(candidates.apply_edit(fn, first), second)
        except Exception:  # the second edit's place no longer exists after the first
            continue
        two.append((candidates.program(tree), (first.rule, second.rule)))
    return {"one rule": one, "two rules": two}


def judge(program: str, planted: tuple[str, ...], oracles: list[ProblemOracles]) -> Result:
    fn = learner(program)
    if check_gradients(fn, search_budget=0.0).passed:
        return Result(planted, fails=False)  # an edit the check cannot see
    start = time.perf_counter()
    found = repair.search(program, "propagate", oracles, NAMESPACE)
    seconds = time.perf_counter() - start
    result = Result(planted, True, exhausted=found.exhausted, seconds=seconds)
    if found.repair is not None:
        result.repaired = check_gradients(learner(found.repair.source)).passed
        # edit by edit: two swaps planted are two swap_variable edits, not one rule name
        result.by_planted = sorted(e.rule for e in found.repair.edits) == sorted(planted)
    return result


def summary(name: str, results: list[Result]) -> dict[str, Any]:
    failing = [r for r in results if r.fails]
    times = sorted(r.seconds for r in failing) or [0.0]
    return {
        "set": name,
        "mutants": len(results),
        "fail the check": len(failing),
        "repaired": sum(r.repaired for r in failing),
        "by the planted rules": sum(r.by_planted for r in failing),
        "out of budget": sum(r.exhausted and not r.repaired for r in failing),
        "median s": statistics.median(times),
        "p95 s": times[min(len(times) - 1, int(0.95 * len(times)))],
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| held-out program | mutants | fail the check | repaired (passes) | rate "
        "| by the planted rules | out of budget | median search | p95 search |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rate = r["repaired"] / r["fail the check"] if r["fail the check"] else float("nan")
        lines.append(
            f"| {r['set']} | {r['mutants']} | {r['fail the check']} | {r['repaired']} "
            f"| {rate:.0%} | {r['by the planted rules']} | {r['out of budget']} "
            f"| {r['median s']:.2f} s | {r['p95 s']:.2f} s |"
        )
    return "\n".join(lines)


def catalogue() -> dict[str, Any]:
    """The engine on the learners' catalogue: counts by the catalogue's verdict."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from autograd_lr.teaching.exercises import check_sigmoid
    from learner_programs import PROGRAMS  # type: ignore[import-not-found]

    counts: dict[str, Any] = {}
    for p in PROGRAMS:
        filename = f"<{p.name}>"
        linecache.cache[filename] = (len(p.source), None, p.source.splitlines(True), filename)
        scope: dict[str, Any] = {"__name__": f"learner_{p.name}"}
        exec(compile(p.source, filename, "exec"), scope)
        fn = scope[p.exercise]
        report: Any = check_sigmoid(fn) if p.exercise == "sigmoid" else check_gradients(fn)
        rules = set(report.rules)
        line = report.diagnosis[0].line if report.diagnosis else 0
        row = counts.setdefault(p.verdict, {"programs": 0, "agree": 0, "at the line": 0})
        row["programs"] += 1
        agree = (
            report.passed
            if p.verdict == "pass"
            else (not report.passed and bool(rules) == (p.verdict == "repaired"))
        )
        row["agree"] += agree
        row["at the line"] += agree and p.verdict != "pass" and line == p.line
        if not agree or (p.verdict != "pass" and line != p.line):
            row.setdefault("others", []).append(f"{p.name}: line {line}, rules {sorted(rules)}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40, help="two-rule mutants per program")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument(
        "--catalogue", action="store_true", help="measure the learners' catalogue instead"
    )
    args = parser.parse_args(argv)
    if args.catalogue:
        before = os.getloadavg()
        counts = catalogue()
        after = os.getloadavg()
        print(json.dumps(counts, indent=1))
        print(f"load average before {before[0]:.2f}, after {after[0]:.2f}")
        return 0
    oracles = [ProblemOracles(p) for p in default_problems()]
    for o in oracles:
        _ = o.expected
    before = os.getloadavg()
    rows = []
    for name, source in HELD_OUT.items():
        assert check_gradients(learner(source)).passed, f"the held-out {name} must be right"
        for kind, programs in mutants(source, args.pairs, random.Random(0)).items():
            results = [judge(p, planted, oracles) for p, planted in programs]
            rows.append(summary(f"{name}: {kind}", results))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    after = os.getloadavg()
    print()
    print(table(rows))
    print()
    print(
        f"search budget {repair.SEARCH_BUDGET} CPU s; load average before "
        f"{', '.join(f'{x:.2f}' for x in before)}, after {', '.join(f'{x:.2f}' for x in after)}"
    )
    if args.json:
        atomic_write_text(args.json, json.dumps({"rows": rows, "load": [before, after]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
