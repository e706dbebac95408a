"""What the fallback leaves open when the grader is not root, shown by a hostile submission.

The grader is run as an unprivileged user of its own (an unused uid, through ``setpriv``;
the test needs root for that), with ``--sandbox none``: the submission then runs as the
grader's user. The probe of ``test_grader_fallback`` tries the same attacks, and here each
one that the report's ``sandbox.not_covered`` lists must work (so the list is not a
guess), while the report lists every one that did: the grader's environment read, the
grader traced and signalled, a file of the grader's user written, the other job's folder
entered, the import blocker removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lr.grading import processes, sandbox
from grader_schema import validate
from test_grader_fallback import SECRET, SECRET_ENV, _probe_source
from test_grader_root import _reports

pytestmark = [
    pytest.mark.xdist_group(name="grader_not_root"),
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="becoming an unprivileged user needs root"),
]

# below the runs' own uids (sandbox.SANDBOX_ID_BASE), so no run of another grader has it
USER_BASE = 1_899_000_000


def _free_uid() -> int:
    """An unused uid; each pytest-xdist worker takes its own hundred, so that two workers
    that each make the module's user never share one (one's cleanup would kill the other's
    grader and remove its SysV segments)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = USER_BASE + 100 * (int(worker) if worker.isdigit() else 0)
    for uid in range(base, base + 100):
        if sandbox._id_is_free(uid):
            return uid
    raise RuntimeError("no free uid")


def _as(uid: int, *command: str) -> list[str]:
    return ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]


def _closed_above_interpreter() -> tuple[Path, Path] | None:
    """The first folder above the interpreter that other users cannot pass (``/root`` of
    a pyenv in root's home), and its entry on the way to the interpreter."""
    path = Path(os.path.realpath(sys.executable))
    for folder in reversed(path.parents):
        if not os.stat(folder).st_mode & 0o001:
            return folder, path.parents[len(path.parents) - len(folder.parts) - 1]
    return None


def _grader_as(uid: int, scratch: Path, *command: str) -> list[str]:
    """``command`` as ``uid``; when the interpreter is behind a folder closed to others,
    in a private mount namespace (nothing changes outside it) where that folder is an
    empty tmpfs with only the way to the interpreter bound back into it."""
    closed = _closed_above_interpreter()
    if closed is None:
        return _as(uid, *command)
    folder, entry = closed
    keep = scratch / "interpreter"
    keep.mkdir(exist_ok=True)
    script = (
        f'mount --bind "{entry}" "{keep}" && mount -t tmpfs -o mode=755 tmpfs "{folder}" && '
        f'mkdir "{entry}" && mount --bind "{keep}" "{entry}" && exec "$@"'
    )
    return ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            script, "sh", *_as(uid, *command)]  # fmt: skip


@pytest.fixture(scope="module")
def user() -> Iterator[tuple[int, Path]]:
    """An unused uid and a folder of its own; every process of it killed afterwards."""
    uid = _free_uid()
    folder = Path(tempfile.mkdtemp(prefix="autograd-lr-not-root-"))
    os.chown(folder, uid, uid)
    try:
        yield uid, folder
    finally:
        for _ in range(50):
            if not processes.of_user(uid):
                break
            subprocess.run(_as(uid, "/bin/kill", "-KILL", "-1"), check=False)
            time.sleep(0.05)
        shutil.rmtree(folder, ignore_errors=True)


def _write(path: Path, text: str, uid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for p in [path, *path.parents]:
        if p == path.parents[-1] or not str(p).startswith(tempfile.gettempdir() + "/"):
            break
        os.chown(p, uid, uid)


def _cli(uid: int, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HOME=str(folder / "home"), **{SECRET_ENV: SECRET})
    return subprocess.run(
        _grader_as(uid, folder, sys.executable, "-m", "autograd_lr.cli", *args),
        cwd=folder, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def graded(user: tuple[int, Path]) -> dict[str, Any]:
    """Two probes side by side (``--jobs 2``), graded by the unprivileged grader."""
    uid, folder = user
    planted = folder / "home" / ".cache" / "autograd-lr" / "jax" / "entry"
    _write(planted, "", uid)
    source = _probe_source(1.5, [str(planted)])
    for name in ("first", "second"):
        _write(folder / "class" / f"{name}.py", source, uid)
    done = _cli(uid, folder, "grade", "class", "--out", "book", "--jobs", "2", "--sandbox",
                "none", "--no-progress", "--search-seconds", "0")  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    book = json.loads((folder / "book" / "gradebook.json").read_text())
    validate(book, "gradebook")
    probes = _reports(book)
    assert len(probes) == 2, [
        (r["outcome"], r["error"], r["diagnosis"][:1]) for r in book["submissions"]
    ]
    return {"uid": uid, "probes": probes, "not_covered": book["sandbox"]["not_covered"]}


def _listed(graded: dict[str, Any], words: str) -> None:
    assert any(words in n for n in graded["not_covered"]), (words, graded["not_covered"])


def test_the_submission_runs_as_the_grader_s_user(graded: dict[str, Any]) -> None:
    assert {p["uid"] for p in graded["probes"]} == {graded["uid"]}


def test_the_grader_s_environment_is_readable_and_listed(graded: dict[str, Any]) -> None:
    assert all(p["secret_seen"] for p in graded["probes"]), graded["probes"]
    _listed(graded, "read the grader's environment")


def test_the_grader_can_be_traced_and_signalled_and_it_is_listed(graded: dict[str, Any]) -> None:
    for probe in graded["probes"]:
        assert (probe["ptrace"], probe["mem"], probe["signal"]) == ("done",) * 3, probe
    _listed(graded, "trace the grader (ptrace, /proc/<pid>/mem) and signal it")


def test_the_grader_s_files_are_writable_and_listed(graded: dict[str, Any]) -> None:
    for probe in graded["probes"]:
        assert probe["written"] == 1, probe  # the one target: the cache entry
    _listed(graded, "write every file the grader's user may write")


def test_the_other_job_s_folder_is_open_and_listed(graded: dict[str, Any]) -> None:
    entered = [p for p in graded["probes"] if p["others_listed"] and p["others_written"]]
    assert entered, graded["probes"]  # the two runs overlapped: one at least saw the other
    _listed(graded, "the other jobs' private folders")


def test_the_import_blocker_is_removed_and_listed(graded: dict[str, Any]) -> None:
    assert all(p["blocker_removed"] == "done" for p in graded["probes"]), graded["probes"]
    _listed(graded, "import blocker is the submission's to remove")


OPEN_DOORS = """
import ctypes
import contextlib
import json
import os
import socket

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
seen = {}


def propagate(w, b, X, Y):
    if seen:  # called once per problem: the doors are tried at the first call only
        raise RuntimeError("OPEN " + json.dumps(seen))
    with open(os.path.join(HOME, ".ssh", "id_rsa")) as f:
        seen["key"] = f.read()
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
        s.sendall(b"REACHED")
    seen["network"] = "done"
    written = 0
    for k in range(4):  # each file within --file-size-limit, four times --disk-limit in all
        with open(f"part{k}.bin", "wb") as f:
            f.write(b"\\1" * 2**20)
        written += 2**20
    seen["disk"] = written
    held = 0
    for k in range(16):  # 512 MiB in detached SysV segments, twice --memory-limit
        shmid = libc.shmget(0, 32 * 2**20, 0o1600)
        address = libc.shmat(shmid, None, 0)
        ctypes.memset(address, 1, 32 * 2**20)
        libc.shmdt(ctypes.c_void_p(address))
        held += 32 * 2**20
    seen["sysv"] = held
    raise RuntimeError("OPEN " + json.dumps(seen))
"""


@pytest.fixture(scope="module")
def open_doors(user: tuple[int, Path]) -> Iterator[dict[str, Any]]:
    """One submission graded by the unprivileged grader that reads a key in the grader's
    home folder, connects to a port on the host, writes four times ``--disk-limit`` and
    fills twice ``--memory-limit`` in SysV segments; the segments its uid holds after."""
    import socket
    import threading

    uid, folder = user
    _write(folder / "home" / ".ssh" / "id_rsa", SECRET, uid)
    os.chmod(folder / "home" / ".ssh" / "id_rsa", 0o600)
    heard: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(120)

    def listen() -> None:
        with contextlib.suppress(OSError):
            connection, _ = server.accept()
            with connection:
                heard.append(connection.recv(64))

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    source = OPEN_DOORS.replace("HOME", repr(str(folder / "home"))).replace(
        "PORT", str(server.getsockname()[1])
    )
    _write(folder / "doors" / "doors.py", source, uid)
    try:
        done = _cli(uid, folder, "check", "doors/doors.py:propagate", "--json", "--sandbox",
                    "none", "--search-seconds", "0", "--memory-limit", "256M",
                    "--disk-limit", "1M", "--file-size-limit", "1M", "--timeout", "60")  # fmt: skip
        listener.join(timeout=5)
        report = json.loads(done.stdout)
        validate(report, "report")
        segments = processes.sysv_segments(uid)  # the grader has ended
        yield {"report": report, "heard": heard, "segments": segments}
    finally:
        server.close()
        processes.remove_sysv_segments(uid)


def _opened(open_doors: dict[str, Any]) -> dict[str, Any]:
    report = open_doors["report"]
    messages = " ".join(d["message"] for d in report["diagnosis"])
    assert report["outcome"] == "fail" and "OPEN " in messages, (report["error"], messages)
    found: dict[str, Any]
    found, _ = json.JSONDecoder().raw_decode(messages.partition("OPEN ")[2])
    return found


def _listed_in(report: dict[str, Any], words: str) -> None:
    assert any(words in n for n in report["sandbox"]["not_covered"]), words


def test_the_grader_s_user_s_files_are_readable_and_listed(open_doors: dict[str, Any]) -> None:
    assert _opened(open_doors)["key"] == SECRET
    _listed_in(open_doors["report"], "read every file the grader's user may read")


def test_the_network_is_reachable_and_listed(open_doors: dict[str, Any]) -> None:
    assert _opened(open_doors)["network"] == "done"
    assert open_doors["heard"] == [b"REACHED"]
    _listed_in(open_doors["report"], "network access")


def test_the_disk_total_is_not_capped_and_listed(open_doors: dict[str, Any]) -> None:
    assert _opened(open_doors)["disk"] == 4 * 2**20  # four times --disk-limit
    assert open_doors["report"]["sandbox"]["limits"]["disk_bytes"] is None
    _listed_in(open_doors["report"], "the total it writes is not")


def test_sysv_segments_are_not_counted_nor_removed_and_listed(open_doors: dict[str, Any]) -> None:
    """No cgroup without root: 512 MiB in detached SysV segments pass a 256 MiB limit
    unseen (outcome ``fail``, not ``memory_limit``), and its 16 segments of 32 MiB are
    still there after the grader has ended."""
    assert _opened(open_doors)["sysv"] == 512 * 2**20
    segments = list(open_doors["segments"].values())
    assert len(segments) == 16 and set(segments) == {32 * 2**20}, segments
    enforced = open_doors["report"]["sandbox"]["limits"]["enforced_by"]
    assert enforced["memory_bytes"] == ["RLIMIT_DATA", "watchdog"]
    _listed_in(open_doors["report"], "SysV shared memory segments")


def test_every_entry_not_covered_has_its_test(
    graded: dict[str, Any], open_doors: dict[str, Any]
) -> None:
    """The list is exactly the doors shown open above: one test each, no other entry."""
    shown = [
        "read every file the grader's user may read",
        "read the grader's environment",
        "trace the grader (ptrace, /proc/<pid>/mem) and signal it",
        "write every file the grader's user may write",
        "the other jobs' private folders",
        "import blocker is the submission's to remove",
        "network access",
        "SysV shared memory segments",
        "the total it writes is not",
    ]
    listed = open_doors["report"]["sandbox"]["not_covered"]
    assert listed == graded["not_covered"]
    assert sorted(next(k for k, w in enumerate(shown) if w in n) for n in listed) == list(
        range(len(shown))
    ), listed
