"""The promises of the grader run by root, in both modes, through the real CLI.

A probing submission tries, from inside its run, what a hostile student would: read the
environment of every other process (the grader's holds a planted secret), trace the
grader (``PTRACE_ATTACH``, its ``/proc/<pid>/mem``), signal it, write into the grader's
installation, and list or enter the private folders of the other jobs of ``--jobs 2``
(two probes overlap). It reports what worked in its exception's message; the tests
assert that nothing did, in the sandbox and in the fallback. Two more promises:

* every module the grader ever imports is imported before the first submission runs
  (``sys.modules`` at the first run and at the end of ``grade`` are the same);
* the import blocker of the fallback is no protection a submission cannot remove, and the
  report says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lr
from autograd_lr.grading import sandbox
from grader_schema import validate
from test_grader_root import _reports

pytestmark = [pytest.mark.xdist_group(name="grader_fallback"), pytest.mark.slow]

ROOT = os.geteuid() == 0
HAS_BWRAP = not sandbox.bwrap_problem()
SECRET_ENV = "AUTOGRAD_LR_PLANTED_TOKEN"
SECRET = "planted-token-0b7e41"
PACKAGE = Path(autograd_lr.__file__).parent
SITE = Path(sysconfig.get_paths()["purelib"])
WRITE_TARGETS = [
    str(PACKAGE / "__init__.py"),
    str(PACKAGE / "grading" / "gradebook.py"),
    str(Path(np.__file__)),
    str(SITE / "planted.pth"),
    str(PACKAGE / "planted.py"),
    str(Path(sys.executable).parent / "planted"),
]
PROBE = """
import ctypes
import glob
import json
import os
import sys
import time

PTRACE_ATTACH, PTRACE_DETACH = 16, 17


def _error(action):
    try:
        action()
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    except ImportError as exc:
        return type(exc).__name__
    return "done"


def _append(path):
    with open(path, "a") as f:
        f.write("")


def propagate(w, b, X, Y):
    time.sleep(SLEEP)
    me, parent = os.getpid(), os.getppid()
    environ_read, secret_seen = [], False
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            environ_read.append(int(entry))
            secret_seen = secret_seen or SECRET.encode() in data
    libc = ctypes.CDLL(None, use_errno=True)
    traced = libc.ptrace(PTRACE_ATTACH, parent, None, None)
    trace_error = os.strerror(ctypes.get_errno()) if traced else "done"
    if traced == 0:  # let it go at once: wait for its stop (__WALL), then detach
        os.waitpid(parent, 0x40000000)
        libc.ptrace(PTRACE_DETACH, parent, None, None)
    here = os.getcwd()
    info = os.stat(here)
    others = [
        p for p in glob.glob(os.path.join(os.path.dirname(here), "autograd-lr-submission-*"))
        if os.path.realpath(p) != os.path.realpath(here)
    ]
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "Blocker"]
    report = {
        "uid": os.getuid(),
        "blocker_removed": _error(lambda: __import__("autograd_lr")),
        "environ_read": len(environ_read),
        "secret_seen": secret_seen,
        "ptrace": trace_error,
        "mem": _error(lambda: os.close(os.open(f"/proc/{parent}/mem", os.O_RDONLY))),
        "signal": _error(lambda: os.kill(parent, 0)),
        "written": sum(_error(lambda: _append(p)) == "done" for p in TARGETS),
        "folder_mode": info.st_mode & 0o7777,
        "folder_owner": info.st_uid,
        "others": len(others),
        "others_listed": sum(_error(lambda: os.listdir(p)) == "done" for p in others),
        "others_written": sum(
            _error(lambda: _append(os.path.join(p, "planted"))) == "done" for p in others
        ),
    }
    raise RuntimeError("PROBE" + json.dumps(report, separators=(",", ":")))
"""
MODES = ["require", "none"]


def _probe_source(sleep: float, targets: list[str] = WRITE_TARGETS) -> str:
    """The probe, sleeping ``sleep`` s first (two overlap), trying to write ``targets``."""
    return (
        PROBE.replace("SLEEP", repr(sleep))
        .replace("SECRET", repr(SECRET))
        .replace("TARGETS", repr(targets))
    )


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two probes graded side by side (``--jobs 2``, each sleeps) per mode."""
    out: dict[str, Any] = {}
    for mode in MODES:
        if mode == "require" and not HAS_BWRAP:
            continue
        folder = tmp_path_factory.mktemp(f"fallback-{mode}")
        (folder / "class").mkdir()
        for name in ("first", "second"):
            (folder / "class" / f"{name}.py").write_text(_probe_source(1.5))
        env = dict(os.environ, **{SECRET_ENV: SECRET})
        # each probe runs once: a repair search would run the failing probe again
        done = subprocess.run(
            [sys.executable, "-m", "autograd_lr.cli", "grade", "class", "--out", "book",
             "--jobs", "2", "--sandbox", mode, "--no-progress", "--search-seconds", "0"],
            cwd=folder, capture_output=True, text=True, timeout=600, env=env,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        book = json.loads((folder / "book" / "gradebook.json").read_text())
        validate(book, "gradebook")
        found = _reports(book)
        assert len(found) == 2, book
        out[mode] = found
        out[f"{mode}-book"] = book
    return out


def _each(probed: dict[str, Any], mode: str) -> list[dict[str, Any]]:
    if mode not in probed:
        pytest.skip(f"bubblewrap cannot run here ({sandbox.bwrap_problem()})")
    if mode == "none" and not ROOT:
        pytest.skip("not root: the fallback runs as the grader's user (test_grader_not_root)")
    return probed[mode]


@pytest.mark.parametrize("mode", MODES)
def test_no_other_process_environment_is_readable(probed: dict[str, Any], mode: str) -> None:
    for probe in _each(probed, mode):
        assert probe["environ_read"] == 0 and not probe["secret_seen"], probe


@pytest.mark.parametrize("mode", MODES)
def test_the_grader_cannot_be_traced_or_signalled(probed: dict[str, Any], mode: str) -> None:
    for probe in _each(probed, mode):
        assert probe["ptrace"] == "Operation not permitted", probe
        assert probe["mem"] == "Permission denied", probe
        assert probe["signal"] == "Operation not permitted", probe


@pytest.mark.parametrize("mode", MODES)
def test_the_installation_is_unwritable(probed: dict[str, Any], mode: str) -> None:
    for probe in _each(probed, mode):
        assert probe["written"] == 0, probe
    for path in WRITE_TARGETS:  # nothing was planted either
        assert not path.endswith("planted") or not os.path.exists(path)


@pytest.mark.parametrize("mode", MODES)
def test_each_job_has_its_own_private_folder(probed: dict[str, Any], mode: str) -> None:
    """The folder is the run's uid's alone (0700); the other job's cannot be listed or written."""
    probes = _each(probed, mode)
    assert probes[0]["uid"] != probes[1]["uid"]
    for probe in probes:
        if mode == "none":  # the fallback's copy is a folder of the host's temporary folder
            assert (probe["folder_mode"], probe["folder_owner"]) == (0o700, probe["uid"])
            assert probe["others"] >= 1, "the other job's folder was not there to try"
        else:  # the sandbox's copy: no other job's folder is even visible
            assert probe["others"] == 0
        assert probe["others_listed"] == probe["others_written"] == 0, probe


LATE_IMPORTS = """
import json
import sys

from autograd_lr import cli
from autograd_lr.grading import sandbox

first: list[str] = []
run = sandbox.run


def recorded(*args, **kwargs):
    if not first:
        first.extend(sys.modules)
    return run(*args, **kwargs)


sandbox.run = recorded
code = cli.main(sys.argv[1:])
late = sorted(set(sys.modules) - set(first))
print("LATE" + json.dumps(late), file=sys.stderr)
"""


@pytest.mark.parametrize("mode", MODES)
def test_no_module_is_imported_after_the_first_submission_ran(tmp_path: Path, mode: str) -> None:
    """A class with a notebook, a correct file, a wrong one and one that cannot load, with
    the repair search on and the gradebook written: every module the grader imports is
    in ``sys.modules`` before the first run starts."""
    if mode == "require" and not HAS_BWRAP:
        pytest.skip("bubblewrap cannot run here")
    submissions = Path(__file__).parent / "submissions" / "class"
    (tmp_path / "class").mkdir()
    for name in ("alice.py", "bob.py", "grace.ipynb"):
        (tmp_path / "class" / name).write_bytes((submissions / name).read_bytes())
    (tmp_path / "class" / "broken.ipynb").write_text('{"cells": [')
    done = subprocess.run(
        [sys.executable, "-c", LATE_IMPORTS, "grade", "class", "--out", "book", "--jobs", "2",
         "--sandbox", mode, "--search-seconds", "3"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    line = [x for x in done.stderr.splitlines() if x.startswith("LATE")]
    assert line, done.stderr[-2000:]
    assert json.loads(line[0][4:]) == []
    book = json.loads((tmp_path / "book" / "gradebook.json").read_text())
    outcomes = sorted(r["outcome"] for r in book["submissions"])
    assert outcomes == ["cannot_load", "fail", "pass", "pass"], outcomes


@pytest.mark.parametrize("mode", MODES)
def test_the_import_blocker_removed_is_listed_or_empty_handed(
    probed: dict[str, Any], mode: str
) -> None:
    """A submission removes the import blocker from ``sys.meta_path`` and imports
    ``autograd_lr``: in the sandbox the package is hidden, so the import fails; in the
    fallback it succeeds (any user may read the installation) and the report says so."""
    for probe in _each(probed, mode):
        if mode == "require":
            assert probe["blocker_removed"] == "ModuleNotFoundError", probe
        else:
            assert probe["blocker_removed"] == "done", probe
            assert any("import blocker" in n for n in probe_not_covered(probed, mode))


def probe_not_covered(probed: dict[str, Any], mode: str) -> list[str]:
    return list(probed[f"{mode}-book"]["sandbox"]["not_covered"])
