"""The benchmark machinery runs end to end at a tiny size (no test asserts a time).

``python -m benchmarks.run --quick`` is run as ``make bench`` runs it, in its own
process; what is checked is that every contender computed the same gradient and cost
as the formula, that the training ways trained the same model, that the checker passed,
and that RESULTS.md, the plot and the JSON were written.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_quick_run_measures_every_contender_and_writes_the_results(tmp_path: Path) -> None:
    results_md = tmp_path / "RESULTS.md"
    raw = tmp_path / "results.json"
    done = run_benchmark("--quick", "--results", str(results_md), "--json", str(raw))
    assert done.returncode == 0, done.stderr
    results = json.loads(raw.read_text())

    assert len(results["gradients"]) == 3 * 2  # three quick shapes, float64 and float32
    for case in results["gradients"]:
        rows = {row["name"]: row for row in case["rows"]}
        assert {"floor: X.sum()", "floor: wᵀX", "lecture's loop", "propagate"} <= set(rows)
        assert case["floor_s"] > 0 and math.isfinite(case["floor_s"])
        for row in case["rows"]:
            if row["seconds"] is None:  # only a peer that is not installed
                assert "not installed" in row["note"], row
                continue
            assert row["seconds"] > 0 and len(row["times"]) == case["repeats"]
            assert row["agrees"] in (True, None), (case["shape"], case["dtype"], row["name"])
        assert rows["propagate"]["agrees"] is True
        assert rows["propagate"]["peak_bytes"] is not None
    paths = {
        tuple(c["shape"]): next(r["note"] for r in c["rows"] if r["name"] == "propagate")
        for c in results["gradients"]
    }
    assert paths[(2048, 4096)].startswith("single-pass kernel"), paths
    assert paths[(40, 3000)] == "vectorized formula", paths

    (speedup,) = results["vectorization"]
    assert speedup["loop_exact"] and speedup["loop_s"] > 0 and speedup["vectorized_s"] > 0
    training = results["training"]
    assert all(row.get("agrees", True) for row in training["rows"]), training["rows"]
    checker = results["checker"]
    assert all(row["passed"] for row in checker["rows"]), checker

    text = results_md.read_text()
    assert "## Gradient and cost, against the floor" in text and "## Machine" in text
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "floor" in done.stdout


def test_bad_options_are_refused_with_the_reason() -> None:
    done = run_benchmark("--quick", "--shapes", "100xten")
    assert done.returncode == 2 and "must look like N_XxM" in done.stderr
    done = run_benchmark("--quick", "--dtypes", "float16")
    assert done.returncode == 2 and "float16" in done.stderr
