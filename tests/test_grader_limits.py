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

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from autograd_lr.grading import cgroups, sandbox
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
# SysV segments filled through a mapping and detached: held by the kernel's IPC namespace
# (the host's, in the fallback), in no process's resident size or open files
SYSV = """
import ctypes
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p


def propagate(w, b, X, Y):
    held = 0
    for k in range(PIECES):  # 32 MiB each
        shmid = libc.shmget(0, 32 * 2**20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
        if shmid < 0:
            raise RuntimeError(f"HELD {held} then errno {ctypes.get_errno()}")
        address = libc.shmat(shmid, None, 0)
        ctypes.memset(address, 1, 32 * 2**20)
        libc.shmdt(ctypes.c_void_p(address))
        held += 32 * 2**20
    time.sleep(30)
    raise RuntimeError(f"HELD {held}")
"""
ROOT = os.geteuid() == 0
# with the runs' cgroups (root, where the machine allows one) and without: the watchdog's
CGROUP_MODES = [
    pytest.param(
        "cgroup",
        marks=pytest.mark.skipif(not cgroups.available(), reason="no cgroup can be made here"),
    ),
    "watchdog",
]


def _own_sysv_segments() -> set[int]:
    with open("/proc/sysvipc/shm") as f:
        header, *rows = f.read().splitlines()
    at = header.split().index("shmid")
    return {int(row.split()[at]) for row in rows}


def _check(folder: Path, source: str, *args: str, cgroup: str = "cgroup") -> dict[str, Any]:
    """``check`` of ``source`` through the CLI; ``cgroup="watchdog"``: the grader makes
    no cgroup (``AUTOGRAD_LR_CGROUP=none``)."""
    (folder / "hold.py").write_text(source)
    env = dict(os.environ)
    if cgroup == "watchdog":
        env[cgroups.SWITCH] = "none"
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "check", "hold.py:propagate", "--json", *args],
        cwd=folder, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    validate(report, "report")
    return report


@pytest.mark.parametrize("cgroup", CGROUP_MODES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "source", [MEMFD, SHM_OPEN, SHM_CLOSED, SYSV], ids=["memfd", "shm_open", "shm_closed", "sysv"]
)
def test_memory_no_resident_size_shows_is_stopped_at_the_limit(
    tmp_path: Path, mode: str, source: str, cgroup: str
) -> None:
    """512 MiB held (16 x 32 MiB) against a 256 MiB limit: the run is stopped, outcome
    ``memory_limit``, by the kernel in the run's cgroup (every page charged to it) or by
    the watchdog; in the sandbox a ``/dev/shm`` file may also end at the tmpfs's cap
    (128 MiB) first. Nothing is left in the host's /dev/shm, no SysV segment outlives
    the run, and the report names what enforced the limit."""
    if mode == "require" and not HAS_BWRAP:
        pytest.skip("bubblewrap cannot run here")
    if mode == "none" and source in (SHM_CLOSED, SYSV) and not ROOT:
        pytest.skip("not root: what the run left is not told apart from the grader's")
    segments = _own_sysv_segments()
    # a name of this test's own in /dev/shm: the other worker may hold files there at the
    # same time, owned by another run's uid, which this run could neither open nor count
    tag = f"hold-{uuid.uuid4().hex[:12]}-"
    source = source.replace("/dev/shm/hold-", f"/dev/shm/{tag}")
    if mode == "require" and source == SYSV and cgroup == "watchdog":
        # The documented gap: without a cgroup, segments in the sandbox's own IPC namespace
        # are not counted while the run lasts (the watchdog cannot read that namespace); the
        # run ends at its timeout and its segments end with the namespace.
        report = _check(
            tmp_path, source.replace("PIECES", "16"), "--sandbox", mode, "--memory-limit",
            "256M", "--timeout", "6", cgroup=cgroup,
        )  # fmt: skip
        assert report["outcome"] == "timeout", (report["outcome"], report["error"])
        assert _own_sysv_segments() <= segments
        return
    report = _check(
        tmp_path, source.replace("PIECES", "16"), "--sandbox", mode, "--memory-limit", "256M",
        "--timeout", "25", cgroup=cgroup,
    )  # fmt: skip
    messages = " ".join(d["message"] for d in report["diagnosis"])
    stopped = report["outcome"] == "memory_limit" and "more than 256 MiB" in report["error"]
    capped = mode == "require" and "No space left on device" in messages
    assert stopped or capped, (report["outcome"], report["error"], messages)
    assert "HELD" not in messages
    assert report["seconds"] < 20, "stopped at the limit, not by the timeout"
    assert [n for n in os.listdir("/dev/shm") if n.startswith(tag)] == []
    assert _own_sysv_segments() <= segments
    assert report["sandbox"]["limits"]["enforced_by"]["memory_bytes"] == ["RLIMIT_DATA", cgroup]


def _run_folders(pid: int) -> list[str]:
    """The cgroup folders a grader of ``pid`` has made for its runs now."""
    found = cgroups.hierarchy()
    assert not isinstance(found, str)
    prefix = f"{cgroups.PREFIX}{pid}-"
    return [e for base in found.bases() for e in os.listdir(base) if e.startswith(prefix)]


@pytest.mark.skipif(not cgroups.available(), reason="no cgroup can be made here")
@pytest.mark.parametrize("mode", MODES)
def test_each_run_has_a_cgroup_it_cannot_leave_and_none_is_left(tmp_path: Path, mode: str) -> None:
    """A class of a timeout, a crash (killed by a signal), a run over the memory limit and
    one that tries to move itself out of its cgroup: while it is graded the grader's run
    folders exist, afterwards none is left; the escape is refused, and the run saw its own
    cgroup from inside (in the fallback, where ``/sys/fs/cgroup`` is visible)."""
    if mode == "require" and not HAS_BWRAP:
        pytest.skip("bubblewrap cannot run here")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "sleeps.py").write_text(
        "import time\n\ndef propagate(w, b, X, Y):\n    time.sleep(60)\n"
    )
    (folder / "killed.py").write_text(
        "import os, signal\n\ndef propagate(w, b, X, Y):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    (folder / "hog.py").write_text(MEMFD.replace("PIECES", "16"))
    (folder / "escape.py").write_text("""
import os


def propagate(w, b, X, Y):
    with open("/proc/self/cgroup") as f:
        own = f.read()
    tried = []
    for line in own.splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers in ("memory", "pids"):
            parent = os.path.dirname(path.rstrip("/"))
            target = f"/sys/fs/cgroup/{controllers}{parent}/cgroup.procs".replace("//", "/")
            try:
                with open(target, "w") as f:
                    f.write(str(os.getpid()))
                tried.append(f"{controllers} MOVED")
            except OSError as exc:
                tried.append(f"{controllers} {exc.strerror}")
    raise RuntimeError(f"CGROUP {own!r} TRIED {tried}")
""")
    seen = []
    with (tmp_path / "stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "autograd_lr.cli", "grade", "class", "--out", "book",
             "--sandbox", mode, "--timeout", "4", "--memory-limit", "256M", "--jobs", "2",
             "--search-seconds", "0", "--no-progress"],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
        while process.poll() is None:
            with contextlib.suppress(FileNotFoundError):  # removed between list and look
                seen += _run_folders(process.pid)
            time.sleep(0.05)
    assert process.returncode == 1, (tmp_path / "stderr").read_text()[-2000:]
    assert seen, "no run of the grader had a cgroup"
    assert _run_folders(process.pid) == []
    book = json.loads((tmp_path / "book" / "gradebook.json").read_text())
    validate(book, "gradebook")
    outcomes = {Path(r["file"]).name: r["outcome"] for r in book["submissions"]}
    assert outcomes == {
        "sleeps.py": "timeout", "killed.py": "crash", "hog.py": "memory_limit", "escape.py": "fail",
    }  # fmt: skip
    escape = next(r for r in book["submissions"] if r["file"].endswith("escape.py"))
    message = " ".join(d["message"] for d in escape["diagnosis"])
    assert "MOVED" not in message, message
    if mode == "none":  # the kernel refused the run's uid the grader's own cgroups
        assert message.count("Permission denied") == 2, message
        assert f"{cgroups.PREFIX}{process.pid}-" in message, message


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
    memory = "cgroup" if cgroups.available() else "watchdog"
    assert enforced["memory_bytes"] == ["RLIMIT_DATA", memory]
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


def test_a_cgroup_v2_run_folder_gets_its_limits_and_its_first_process(tmp_path: Path) -> None:
    """cgroup v2 is not mounted with its memory controller on the machine the tests run
    on, so this drives the v2 code on a folder tree laid out like one: what files a run's
    cgroup gets, with what values, and that the process that writes its pid into
    ``cgroup.procs`` is the one the run's command then runs as (``exec``, same pid)."""
    mount = tmp_path / "cgroup"
    base = mount / "grader.service"
    base.mkdir(parents=True)
    (base / "cgroup.subtree_control").write_text("cpu memory pids\n")
    (base / "memory.swap.max").write_text("max\n")  # offered by this kernel: both written
    (base / "memory.oom.group").write_text("0\n")
    mounts = f"cgroup2 {mount} cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"
    found = cgroups.find(mounts, "0::/grader.service\n")
    assert found == cgroups.Hierarchy(2, base, base)
    group = cgroups.RunGroup.make(found, 256 * 2**20, 10)
    (folder,) = group.folders
    assert folder.parent == base and folder.name.startswith(f"{cgroups.PREFIX}{os.getpid()}-")
    written = {f.name: f.read_text() for f in folder.iterdir()}
    assert written == {
        "memory.max": str(256 * 2**20),
        "memory.swap.max": "0",
        "memory.oom.group": "1",
        "pids.max": str(10 + cgroups.WRAPPERS),
    }
    done = subprocess.run(
        [*group.enter(sandbox.SHELL), "/bin/sh", "-c", "echo $$"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert (folder / "cgroup.procs").read_text().strip() == done.stdout.strip()
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n")
    assert group.oom_kills() == 1
    # without the controllers delegated (or without swap accounting) it says why, or
    # leaves the file out
    (base / "cgroup.subtree_control").write_text("cpu\n")
    reason = cgroups.find(mounts, "0::/grader.service\n")
    assert isinstance(reason, str) and "does not delegate" in reason


def test_a_cgroup_v1_layout_is_found_under_the_grader_s_own_cgroups(tmp_path: Path) -> None:
    """cgroup v1: the grader's folder in the memory and in the pids hierarchy, each from
    its own mount; a run's folders get the memory limit, the same memory + swap limit when
    swap is accounted (and not when it is not), and the pids limit."""
    memory, pids = tmp_path / "memory" / "job" / "abc", tmp_path / "pids"
    memory.mkdir(parents=True)
    pids.mkdir()
    (memory / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    mounts = (
        f"cgroup {tmp_path / 'pids'} cgroup rw,relatime,pids 0 0\n"
        f"cgroup {tmp_path / 'memory'} cgroup rw,relatime,memory 0 0\n"
        f"cgroup2 {tmp_path / 'unified'} cgroup2 rw,relatime 0 0\n"
    )
    own = "8:pids:/\n4:memory:/job/abc\n0::/\n"
    found = cgroups.find(mounts, own)
    assert found == cgroups.Hierarchy(1, memory, pids)
    group = cgroups.RunGroup.make(found, 2**30, 64)
    assert [f.parent for f in group.folders] == [memory, pids]
    assert {f.name: f.read_text() for f in group.folders[0].iterdir()} == {
        "memory.limit_in_bytes": str(2**30)
    }
    assert (group.folders[1] / "pids.max").read_text() == str(64 + cgroups.WRAPPERS)
    (memory / "memory.memsw.limit_in_bytes").write_text("9223372036854771712\n")
    second = cgroups.RunGroup.make(found, 2**30, 64)
    assert (second.folders[0] / "memory.memsw.limit_in_bytes").read_text() == str(2**30)
    assert group.folders[0] != second.folders[0]
