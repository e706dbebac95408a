"""Limits of a run, through the real CLI: no process left behind as a zombie, a total disk cap.

* Killed (a timeout) or ended normally, bwrap leaves its child (the init of the run's
  PID namespace) to the nearest subreaper: the grader must reap it, so that no ``[bwrap]``
  zombie of the run is ever handed to another process (the machine's init).
* In the sandbox the private copy is a tmpfs of ``--disk-limit`` bytes: a submission that
  fills it gets "No space left on device" at exactly that size, and the report says so in
  ``sandbox.limits``; the fallback reports the total as not capped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd_lr.grading import sandbox
from grader_schema import validate

SUBMISSIONS = Path(__file__).parent / "submissions"
RIGHT = (SUBMISSIONS / "class" / "alice.py").read_text()
HAS_BWRAP = not sandbox.bwrap_problem()
pytestmark = [pytest.mark.xdist_group(name="grader_limits"), pytest.mark.slow]

FILL = """
import numpy as np


def propagate(w, b, X, Y):
    written = 0
    try:
        for k in range(64):
            with open(f"big{k}.bin", "wb") as f:
                for _ in range(4):
                    f.write(b"\\0" * 2**20)
                    written += 2**20
    except OSError as exc:
        raise RuntimeError(f"WROTE {written} then {exc.strerror}") from None
    raise RuntimeError(f"WROTE {written} with no error")
"""


def _table() -> dict[int, tuple[str, str, int]]:
    """pid -> (command name, state, parent pid) of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        out[int(entry)] = (stat[stat.find("(") + 1 : stat.rfind(")")], fields[0], int(fields[1]))
    return out


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap cannot run here")
def test_no_bwrap_zombie_is_handed_to_a_process_outside_the_grader(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "right.py").write_text(RIGHT)
    (folder / "slow.py").write_text(
        "import time\n\ndef propagate(w, b, X, Y):\n    time.sleep(0.3)\n    return 1\n"
    )
    (folder / "endless.py").write_text(
        "def propagate(w, b, X, Y):\n    while True:\n        pass\n"
    )
    (folder / "exits.py").write_text("import os\n\ndef propagate(w, b, X, Y):\n    os._exit(3)\n")
    grader = subprocess.Popen(
        [sys.executable, "-m", "autograd_lr.cli", "grade", "class", "--out", "book",
         "--no-progress", "--sandbox", "require", "--jobs", "2", "--timeout", "3"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ours, bwraps, handed_over = {grader.pid}, set(), {}
    while grader.poll() is None:  # every process the grader started, as it runs
        table = _table()
        for pid, (_, _, ppid) in sorted(table.items()):
            if ppid in ours:
                ours.add(pid)
        for pid, (name, state, ppid) in table.items():
            if pid in ours and name == "bwrap":
                bwraps.add(pid)
                if state == "Z" and ppid not in ours:  # not the machine's init
                    handed_over[pid] = ppid
        time.sleep(0.02)
    out, err = grader.communicate()
    assert grader.returncode == 1, out + err
    outcomes = {
        r["file"]: r["outcome"]
        for r in json.loads((tmp_path / "book" / "gradebook.json").read_text())["submissions"]
    }
    assert outcomes["class/endless.py"] == "timeout" and outcomes["class/right.py"] == "pass"
    assert len(bwraps) >= 8  # bwrap and its child, for each of the four runs, were seen
    assert handed_over == {}


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap cannot run here")
def test_the_private_copy_has_a_total_disk_cap_in_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "fill.py").write_text(FILL)
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "check", "fill.py:propagate", "--json",
         "--sandbox", "require", "--disk-limit", "32M", "--file-size-limit", "8M"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = json.loads(done.stdout)
    validate(report, "report")
    assert report["outcome"] == "fail"
    assert report["sandbox"]["limits"]["disk_bytes"] == 32 * 2**20
    messages = " ".join(d["message"] for d in report["diagnosis"])
    assert f"WROTE {32 * 2**20} then No space left on device" in messages


def test_the_fallback_reports_the_disk_total_as_not_capped(tmp_path: Path) -> None:
    (tmp_path / "right.py").write_text(RIGHT)
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "check", "right.py:propagate", "--json",
         "--sandbox", "none", "--disk-limit", "32M"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = json.loads(done.stdout)
    validate(report, "report")
    assert report["outcome"] == "pass"
    limits = report["sandbox"]["limits"]
    assert (limits["disk_bytes"], limits["tmp_bytes"]) == (None, None)
    assert any("the total it writes is not" in n for n in report["sandbox"]["not_covered"])
