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

import pytest
from benchmarks import peers

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
        assert {"floor: X.sum()", "floor: wᵀX", "lecture's loop", peers.MINE} <= set(rows)
        assert case["floor_s"] > 0 and math.isfinite(case["floor_s"])
        for row in case["rows"]:
            if row["seconds"] is None:  # only a peer that is not installed
                assert "not installed" in row["note"], row
                continue
            assert row["seconds"] > 0 and len(row["times"]) == case["repeats"]
            assert row["agrees"] in (True, None), (case["shape"], case["dtype"], row["name"])
        assert rows[peers.MINE]["agrees"] is True
        assert rows[peers.MINE]["peak_bytes"] is not None
        # scikit-learn's rows (X = rows.T, F-ordered) computed the same numbers
        assert rows[peers.ROWS_NAME]["agrees"] is True
        assert len(case["load"]) == 2
    paths = {
        tuple(c["shape"]): next(r["note"] for r in c["rows"] if r["name"] == peers.MINE)
        for c in results["gradients"]
    }
    # The machine's caches and the kernel settings derived from them, with every table.
    kernel_settings = results["machine"]["kernel_settings"]
    fused = next(c for c in results["gradients"] if c["shape"] == [2048, 4096])
    # 64 MiB of float64 row-major X: beyond the last-level cache of most machines (the
    # single-pass kernel), within it where the cache is larger (the formula, as the training objective takes it there)
    in_cache = fused["x_bytes"] < kernel_settings["fused_min_bytes"]
    rows_path = (
        "vectorized formula (row-major X in the last-level cache)"
        if in_cache
        else "single-pass kernel, rows"
    )
    assert paths[(2048, 4096)] == rows_path, paths
    assert paths[(40, 3000)] == "vectorized formula", paths
    notes = {r["name"]: r["note"] for r in fused["rows"]}
    assert notes[peers.ROWS_NAME].startswith("single-pass kernel, examples")
    assert "kernel, 1 thread" in notes  # the figure that says what limits it
    # ... with the kernel's arithmetic alone (X in cache), only where the kernel runs
    arithmetic = {tuple(c["shape"]): c["arithmetic_ns"] for c in results["gradients"]}
    assert (arithmetic[(2048, 4096)] is None) if in_cache else arithmetic[(2048, 4096)] > 0
    assert arithmetic[(40, 3000)] is None and arithmetic[(1200, 9)] is None
    assert kernel_settings["caches"]["llc_bytes"] >= kernel_settings["caches"]["l2_bytes"] > 0
    assert done.stdout.count("kernel: row segments") >= len(results["gradients"])
    # X within the last-level cache is also timed back to back (the training loop's
    # case), every contender but the scaled lecture's loop; larger X only cold.
    for case in results["gradients"]:
        warm = {r["name"]: r["warm_seconds"] for r in case["rows"] if r["seconds"] is not None}
        if case["x_bytes"] < kernel_settings["fused_min_bytes"]:  # the kernel's "fits in the LLC"
            assert warm.pop(peers.LOOP_NAME) is None
            assert all(t is not None and t > 0 for t in warm.values()), (case["shape"], warm)
        else:
            assert set(warm.values()) == {None}, case["shape"]
    assert "÷ floor, back to back" in results_md.read_text()

    (speedup,) = results["vectorization"]
    assert speedup["loop_exact"] and speedup["loop_s"] > 0 and speedup["vectorized_s"] > 0
    training = results["training"]
    assert all(row.get("agrees", True) for row in training["rows"]), training["rows"]
    names = [row["name"] for row in training["rows"]]
    assert names[:2] == ["the course's own numpy code (model)", "autograd_lr.model"]
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


def test_render_keeps_the_sections_other_benchmarks_wrote(tmp_path: Path) -> None:
    from benchmarks import report

    raw = tmp_path / "results.json"
    done = run_benchmark("--quick", "--sections", "training", "--no-results", "--json", str(raw))
    assert done.returncode == 0, done.stderr
    results_md = tmp_path / "RESULTS.md"
    others = "## The grader\n\n| case | time |\n|---|---:|\n| sandbox | 0.4 s |\n"
    results_md.write_text(f"# old run\n\nstale numbers\n\n{report.OTHERS_MARKER}\n\n{others}")
    for _ in range(2):  # rendering twice neither loses nor doubles them
        done = run_benchmark("--render", str(raw), "--results", str(results_md))
        assert done.returncode == 0, done.stderr
        text = results_md.read_text()
        assert "stale numbers" not in text and "## Training loop" in text
        assert text.count(report.OTHERS_MARKER) == 1 and text.count("## The grader") == 1
        assert text.index(report.OTHERS_MARKER) < text.index("## The grader")
        assert text.endswith(others)


def test_the_full_run_requires_torch_and_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import report, run

    version = report._version
    monkeypatch.setattr(report, "_version", lambda m: None if m == "torch" else version(m))
    with pytest.raises(SystemExit) as stop:
        run.main(["--sections", "gradients", "--no-results"])
    assert stop.value.code == 2
    assert "pip install torch==2.13.0+cpu" in capsys.readouterr().err


def test_a_busy_machine_is_not_a_result() -> None:
    from benchmarks import report

    machine = {"load_average": [3.1, 2.0, 1.0], "cpus_usable": 2}
    assert "NOT A RESULT" in report.load_note({"machine": machine, "load_after": [1.0]})
    machine["load_average"] = [0.4, 0.5, 0.5]
    quiet = {"machine": machine, "load_after": [0.6], "gradients": [{"load": [0.5, 0.7]}]}
    assert "quiet" in report.load_note(quiet)
    quiet["gradients"] = [{"load": [0.5, 2.7]}]  # load within a case counts too
    assert "NOT A RESULT" in report.load_note(quiet)
