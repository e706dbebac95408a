"""Limits of a run, through the real CLI: no process left behind as a zombie, a total disk
cap, memory that no resident size shows, no bytecode written.

* Killed (a timeout) or ended normally, bwrap leaves its child (the init of the run's
  PID namespace) to the nearest subreaper: the grader must reap it, so that no ``[bwrap]``
  zombie of the run is ever handed to another process (the machine's init).
* In the sandbox the private copy is a tmpfs of ``--disk-limit`` bytes: a submission that
  fills it gets "No space left on device" at exactly that size, and the report says so in
  ``sandbox.limits``; the fallback reports the total as not capped.
* Memory held in memfds or ``/dev/shm`` files, written and never mapped, is in no
  process's resident size: the watchdog counts it, in both modes, and stops the run at
  the memory limit; in the sandbox ``/dev`` is read-only and ``/dev/shm`` a capped tmpfs;
  as root, the fallback removes what the run's uid left in the host's ``/dev/shm``.
* ``sandbox.limits.enforced_by`` says what enforces each limit.
* ``python -I`` ignores ``PYTHONDONTWRITEBYTECODE``: the child runs with ``-B``, and a
  submission that imports modules never leaves a ``.pyc`` in the installation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


MODES = ["require", "none"]
HOLD = """
import os
import time


def propagate(w, b, X, Y):
    held, written = [], 0
    try:
        for k in range(PIECES):  # 32 MiB each, written and never mapped: in no RSS
            HOLD_ONE
            for _ in range(32):
                os.write(fd, b"\\1" * 2**20)
                written += 2**20
            held.append(fd)
    except OSError as exc:
        raise RuntimeError(f"WROTE {written} then {exc.strerror}") from None
    time.sleep(30)
    raise RuntimeError(f"HELD {written}")
"""
MEMFD = HOLD.replace("HOLD_ONE", 'fd = os.memfd_create(f"hold{k}")')
SHM_OPEN = HOLD.replace("HOLD_ONE", 'fd = os.open(f"/dev/shm/hold-{k}", os.O_CREAT | os.O_WRONLY)')
# a file written to /dev/shm and closed: held by no process, only by the file system
SHM_CLOSED = SHM_OPEN.replace("held.append(fd)", "os.close(fd)")


def _check(folder: Path, source: str, *args: str) -> dict[str, Any]:
    (folder / "hold.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "check", "hold.py:propagate", "--json", *args],
        cwd=folder, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    validate(report, "report")
    return report


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "source", [MEMFD, SHM_OPEN, SHM_CLOSED], ids=["memfd", "shm_open", "shm_closed"]
)
def test_memory_no_resident_size_shows_is_stopped_at_the_limit(
    tmp_path: Path, mode: str, source: str
) -> None:
    """512 MiB held (16 x 32 MiB) against a 256 MiB limit: the run is stopped and the
    report says it used more memory than the limit; in the sandbox a ``/dev/shm`` file may
    also end at the tmpfs's cap (128 MiB) before the watchdog looks. Nothing is left in
    the host's /dev/shm."""
    if mode == "require" and not HAS_BWRAP:
        pytest.skip("bubblewrap cannot run here")
    if mode == "none" and source is SHM_CLOSED and os.geteuid() != 0:
        pytest.skip("not root: a file the run closed is not told apart from the grader's")
    report = _check(
        tmp_path, source.replace("PIECES", "16"), "--sandbox", mode, "--memory-limit", "256M",
        "--timeout", "25",
    )  # fmt: skip
    messages = " ".join(d["message"] for d in report["diagnosis"])
    stopped = report["outcome"] == "crash" and "more than 0.25 GiB of memory" in report["error"]
    capped = mode == "require" and "No space left on device" in messages
    assert stopped or capped, (report["outcome"], report["error"], messages)
    assert "HELD" not in messages
    assert report["seconds"] < 20, "stopped by the watchdog, not by the timeout"
    assert [n for n in os.listdir("/dev/shm") if n.startswith("hold-")] == []


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap cannot run here")
def test_dev_is_read_only_and_dev_shm_capped_in_the_sandbox(tmp_path: Path) -> None:
    source = """
import os


def propagate(w, b, X, Y):
    try:
        open("/dev/planted", "w").close()
        dev = "dev writable"
    except OSError as exc:
        dev = exc.strerror
    written = 0
    try:
        with open("/dev/shm/fill", "wb") as f:
            while written < 2**30:
                f.write(b"\\0" * 2**20)
                written += 2**20
    except OSError as exc:
        raise RuntimeError(f"DEV {dev} SHM {written} {exc.strerror}") from None
    raise RuntimeError(f"DEV {dev} SHM {written} no error")
"""
    report = _check(
        tmp_path, source, "--sandbox", "require", "--file-size-limit", "1G",
        "--memory-limit", "4G",
    )  # fmt: skip
    messages = " ".join(d["message"] for d in report["diagnosis"])
    assert f"DEV Read-only file system SHM {128 * 2**20} No space left on device" in messages


@pytest.mark.parametrize("mode", MODES)
def test_the_report_says_what_enforces_each_limit(tmp_path: Path, mode: str) -> None:
    if mode == "require" and not HAS_BWRAP:
        pytest.skip("bubblewrap cannot run here")
    report = _check(tmp_path, RIGHT, "--sandbox", mode)
    assert report["outcome"] == "pass"
    limits = report["sandbox"]["limits"]
    enforced = limits["enforced_by"]
    assert set(enforced) == set(limits) - {"enforced_by"}
    assert enforced["memory_bytes"] == ["RLIMIT_DATA", "watchdog"]
    assert enforced["cpu_seconds"] == ["RLIMIT_CPU"]
    if mode == "require":
        assert enforced["disk_bytes"] == enforced["tmp_bytes"] == ["tmpfs"]
    else:  # nothing caps them, and the values say so too
        assert enforced["disk_bytes"] == enforced["tmp_bytes"] == []
        assert limits["disk_bytes"] is limits["tmp_bytes"] is None
    for name, value in limits.items():  # a limit with a value is enforced by something
        if name != "enforced_by" and value is not None:
            assert enforced[name], name


def _bytecode(root: Path) -> set[Path]:
    return set(root.rglob("*.pyc"))


@pytest.mark.parametrize("mode", MODES)
def test_no_bytecode_is_written(tmp_path: Path, mode: str) -> None:
    """The submission's interpreter writes no bytecode (``sys.flags.dont_write_bytecode``,
    which ``python -I`` would leave off), and one that imports modules no earlier run
    imported (standard library, numpy) leaves no new .pyc in the installation."""
    if mode == "require" and not HAS_BWRAP:
        pytest.skip("bubblewrap cannot run here")
    import sysconfig

    import numpy

    places = [Path(sysconfig.get_paths()["stdlib"]), Path(numpy.__file__).parent]
    before = [_bytecode(p) for p in places]
    source = """
import sys

import numpy.polynomial.hermite_e
import tabnanny
import wave


def propagate(w, b, X, Y):
    raise RuntimeError(f"FLAG {sys.flags.dont_write_bytecode}")
"""
    report = _check(tmp_path, source, "--sandbox", mode)
    messages = " ".join(d["message"] for d in report["diagnosis"])
    assert "FLAG 1" in messages, (report["error"], messages)
    after = [_bytecode(p) for p in places]
    assert [sorted(a - b) for a, b in zip(after, before, strict=True)] == [[], []]
