r"""``make bench``: the grader's speed, as an instructor meets it.

Two figures, each through the real command line in a fresh process (cold: imports,
the expected values and every model of a mistake, the sandbox, the verdict):

1. **One submission**: ``autograd-lr check alice.py:propagate`` on a correct and on a
   wrong submission (with its diagnosis); the median of ``--repeats`` runs.
2. **A class**: ``autograd-lr grade`` on ``--submissions`` files (default 100), half of them
   wrong with five different mistakes (each diagnosed), ``--jobs 2``.

The load average of the machine is recorded beside every figure (the grader is measured
on shared machines too). ``python -m benchmarks.grader_bench`` prints the table, writes
``benchmarks/grader_results.json`` and replaces the grader's section of
``benchmarks/RESULTS.md`` (between two marker comments; appended when absent); ``--quick``
runs 10 submissions once and writes nothing.
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
from pathlib import Path
from typing import Any

from autograd_lr.files import atomic_write_text

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- grader_bench: begin -->", "<!-- grader_bench: end -->"
RIGHT = """import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost
"""
# (the mistake, the edit of RIGHT that makes it)
MISTAKES = [
    ("sign_flipped", ("dZ = A - Y", "dZ = Y - A")),
    ("missing_1_over_m", ("np.dot(X, dZ.T) / m", "np.dot(X, dZ.T)")),
    ("forgot_y", ("dZ = A - Y", "dZ = A")),
    ("db_missing_1_over_m", ("np.sum(dZ) / m}", "np.sum(dZ)}")),
    ("log10", ("np.log(", "np.log10(")),
]


def write_class(folder: Path, n: int) -> None:
    """``n`` submissions: the even ones right, the odd ones wrong (five mistakes in turn)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        source = RIGHT
        if k % 2:
            _, (old, new) = MISTAKES[(k // 2) % len(MISTAKES)]
            source = source.replace(old, new)
        (folder / f"student_{k:03d}.py").write_text(source)


def _cli(*args: str, cwd: Path) -> tuple[float, int, float, float]:
    """Wall seconds, exit code, the 1-minute load average before the run, and the CPU
    seconds (user + system) of the command and the processes it reaped: what a busy machine
    does not inflate. For ``check`` it is nearly all the grader's own work (imports and the
    expected values), close to the wall time of an idle machine; a sandbox killed with its
    PID namespace is not reaped by anyone, so a batch's CPU time would be undercounted."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"autograd-lr {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds, done.returncode, load, cpu


def measure(submissions: int, repeats: int, jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        root = Path(tmp)
        write_class(root / "class", submissions)
        single: dict[str, Any] = {}
        for label, name, code in (("correct", "student_000.py", 0), ("wrong", "student_001.py", 1)):
            runs = [_cli("check", f"class/{name}:propagate", cwd=root) for _ in range(repeats)]
            assert all(r[1] == code for r in runs), f"{label}: unexpected exit code"
            single[label] = {
                "median_seconds": statistics.median(r[0] for r in runs),
                "runs_seconds": [round(r[0], 3) for r in runs],
                "load_average": [round(r[2], 2) for r in runs],
                "median_cpu_seconds": statistics.median(r[3] for r in runs),
            }
        seconds, code, load, _ = _cli(
            "grade", "class", "--jobs", str(jobs), "--out", "grades", "--no-progress", cwd=root
        )
        book = json.loads((root / "grades" / "gradebook.json").read_text())
    outcomes = book["summary"]["outcomes"]
    assert outcomes == {"pass": (submissions + 1) // 2, "fail": submissions // 2}, outcomes
    return {
        "cores": os.cpu_count(),
        "sandbox": book["sandbox"]["isolation"],
        "single": single,
        "batch": {
            "submissions": submissions,
            "jobs": jobs,
            "seconds": seconds,
            "load_average": round(load, 2),
            "outcomes": outcomes,
            "mistakes": book["summary"]["mistakes"],
        },
    }


def markdown(result: dict[str, Any]) -> str:
    s, b = result["single"], result["batch"]
    lines = [
        BEGIN,
        "## The grader (`python -m benchmarks.grader_bench`)",
        "",
        f"Through the command line, cold, sandbox `{result['sandbox']}`, "
        f"{result['cores']} cores; load average (1 min) at the start of each run; CPU time "
        "(user + system) of the command, which a busy machine does not inflate.",
        "",
        "| run | wall time | CPU time | load average | target (idle machine) |",
        "|---|---|---|---|---|",
        f"| `check` a correct submission (median of {len(s['correct']['runs_seconds'])}) "
        f"| {s['correct']['median_seconds']:.2f} s | {s['correct']['median_cpu_seconds']:.2f} s "
        f"| {max(s['correct']['load_average']):.1f} | <= 3 s |",
        f"| `check` a wrong one, diagnosed | {s['wrong']['median_seconds']:.2f} s "
        f"| {s['wrong']['median_cpu_seconds']:.2f} s | {max(s['wrong']['load_average']):.1f} | |",
        f"| `grade` {b['submissions']} submissions, half wrong, `--jobs {b['jobs']}` "
        f"| {b['seconds']:.1f} s | - | {b['load_average']:.1f} "
        "| <= 60 s |",
        "",
        f"Mistakes diagnosed in the batch: {', '.join(f'{k} {v}' for k, v in b['mistakes'].items())}.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_results(result: dict[str, Any]) -> None:
    atomic_write_text(HERE / "grader_results.json", json.dumps(result, indent=2) + "\n")
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    section = markdown(result)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    atomic_write_text(path, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="10 submissions, once; no files")
    args = parser.parse_args(argv)
    if args.quick:
        args.submissions, args.repeats = 10, 1
    result = measure(args.submissions, args.repeats, args.jobs)
    print(markdown(result))
    if not args.quick:
        write_results(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
