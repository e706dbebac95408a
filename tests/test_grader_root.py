"""No submission runs as host root, in either mode, through the real CLI.

The grader is tested as CI runs it: as root, the case of a lab server or Gradescope's
container. A probing submission reports, from inside its run, its user and group ids,
its capabilities and which kernel settings it could open for writing; it opens them and
never writes one. Run as another user, the same assertions hold (the run is then that
user's, who is not root either).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lr.grading import sandbox

pytestmark = [pytest.mark.xdist_group(name="grader_root"), pytest.mark.slow]

PROBE = '''
import json
import os
import time


def _writable_settings():
    """Every file under /proc/sys (and the SysRq trigger) that opens for writing."""
    opened = []
    for root, _, files in os.walk("/proc/sys"):
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.stat(path).st_mode & 0o222:
                    os.close(os.open(path, os.O_WRONLY))  # opened, never written
                    opened.append(path)
            except OSError:
                pass
    for path in ("/proc/sysrq-trigger", "/proc/sys/kernel/core_pattern"):
        try:
            os.close(os.open(path, os.O_WRONLY))
            opened.append(path)
        except OSError:
            pass
    return opened


def propagate(w, b, X, Y):
    time.sleep(SLEEP)
    status = dict(
        line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line
    )
    report = {
        "uids": list(os.getresuid()),
        "gids": list(os.getresgid()),
        "groups": os.getgroups(),
        "cap_eff": status["CapEff"].strip(),
        "cap_bnd": status["CapBnd"].strip(),
        "no_new_privs": status["NoNewPrivs"].strip(),
        "opened": _writable_settings(),
    }
    raise RuntimeError("PROBE" + json.dumps(report, separators=(",", ":")))
'''
MODES = ["require", "none"]
# ns_last_pid is mode 0666 in every PID namespace: it opens for anyone, and a write needs
# CAP_SYS_ADMIN in the namespace's owner. The fallback has no mount namespace to make it
# read-only; the sandbox binds /proc/sys read-only, so there nothing opens.
OPENS_WITHOUT_SANDBOX = {"/proc/sys/kernel/ns_last_pid"}


def _probe(folder: Path, name: str, sleep: float = 0.0) -> Path:
    path = folder / f"{name}.py"
    path.write_text(PROBE.replace("SLEEP", repr(sleep)))
    return path


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _reports(value: Any) -> list[dict[str, Any]]:
    """The probes' reports, as their exception messages carried them out (in any string
    of a JSON report or gradebook)."""
    if isinstance(value, dict):
        return [r for v in value.values() for r in _reports(v)]
    if isinstance(value, list):
        return [r for v in value for r in _reports(v)]
    if not isinstance(value, str):
        return []
    decoder = json.JSONDecoder()
    found = [decoder.raw_decode(value, m.end())[0] for m in re.finditer(r"PROBE(?=\{)", value)]
    return [f for f in found if isinstance(f, dict)]


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """One ``check --json`` of the probe per mode."""
    out = {}
    for mode in MODES:
        folder = tmp_path_factory.mktemp(f"probe-{mode}")
        target = f"{_probe(folder, 'probe')}:propagate"
        done = _cli("check", target, "--sandbox", mode, "--json", "--timeout", "120")
        report = json.loads(done.stdout)
        found = _reports(report)
        assert found, f"the probe's report did not come back ({mode}): {done.stdout[-2000:]}"
        out[mode] = {"report": report, "probe": found[0]}
    return out


@pytest.mark.parametrize("mode", MODES)
def test_the_submission_is_not_root(probed: dict[str, Any], mode: str) -> None:
    """Real, effective and saved ids are none of them 0; no group is root's or any other."""
    probe = probed[mode]["probe"]
    assert 0 not in probe["uids"], probe
    assert 0 not in probe["gids"], probe
    assert probe["groups"] == [], probe
    if os.geteuid() == 0:  # a uid of the run's own, not the grader's
        assert probe["uids"][0] >= sandbox.SANDBOX_ID_BASE, probe


@pytest.mark.parametrize("mode", MODES)
def test_the_submission_has_no_capability_and_cannot_gain_one(
    probed: dict[str, Any], mode: str
) -> None:
    probe = probed[mode]["probe"]
    assert int(probe["cap_eff"], 16) == 0, probe
    if os.geteuid() == 0:  # the grader gave every capability up, the bounding set too
        assert int(probe["cap_bnd"], 16) == 0, probe
        assert probe["no_new_privs"] == "1", probe


@pytest.mark.parametrize("mode", MODES)
def test_no_kernel_setting_opens_for_writing(probed: dict[str, Any], mode: str) -> None:
    """The test that would have caught ``core_pattern``: every writable-looking file under
    /proc/sys, the SysRq trigger and core_pattern itself are opened for writing (never
    written): none opens in the sandbox; in the fallback only ``ns_last_pid``, whose
    write the kernel refuses to anyone without CAP_SYS_ADMIN."""
    opened = set(probed[mode]["probe"]["opened"])
    allowed = set() if mode == "require" else OPENS_WITHOUT_SANDBOX
    assert opened <= allowed, sorted(opened - allowed)
    assert "/proc/sys/kernel/core_pattern" not in opened
    assert "/proc/sysrq-trigger" not in opened


@pytest.mark.parametrize("mode", MODES)
def test_the_report_says_who_the_submission_ran_as(probed: dict[str, Any], mode: str) -> None:
    report = probed[mode]["report"]
    assert report["outcome"] == "fail"
    expected = "its own unprivileged uid" if os.geteuid() == 0 else "the grader's user"
    assert report["sandbox"]["runs_as"] == expected


def test_two_runs_side_by_side_have_two_uids(tmp_path: Path) -> None:
    """``--jobs 2``: the runs overlap (each sleeps), and neither can signal the other's
    processes or write the other's copy, because their uids differ (as root)."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("first", "second"):
        _probe(folder, name, sleep=2.0)
    out = tmp_path / "out"
    done = _cli("grade", str(folder), "--out", str(out), "--jobs", "2", "--sandbox", "none")
    assert done.returncode in (0, 1), done.stderr
    book = json.loads((out / "gradebook.json").read_text())
    uids = {tuple(p["uids"]) for p in _reports(book)}
    assert len(uids) == 2, book
    if os.geteuid() == 0:
        assert all(u[0] >= sandbox.SANDBOX_ID_BASE for u in uids)


def test_a_bwrap_planted_on_path_is_never_started(tmp_path: Path) -> None:
    """The grader starts /usr/bin/bwrap, never the first ``bwrap`` on PATH."""
    fake_dir = tmp_path / "bin"
    fake_dir.mkdir()
    marker = tmp_path / "fake-bwrap-ran"
    fake = fake_dir / "bwrap"
    fake.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec /usr/bin/bwrap "$@"\n')
    fake.chmod(0o755)
    right = tmp_path / "right.py"
    right.write_text(
        "import numpy as np\n\n"
        "def propagate(w, b, X, Y):\n"
        "    m = X.shape[1]\n"
        "    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))\n"
        "    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m\n"
        '    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost\n'
    )
    env = dict(os.environ, PATH=f"{fake_dir}:{os.environ.get('PATH', '')}")
    done = _cli("check", f"{right}:propagate", "--sandbox", "require", "--json", env=env)
    report = json.loads(done.stdout)
    assert report["outcome"] == "pass", done.stdout[-2000:]
    assert report["sandbox"]["isolation"] == "bwrap"
    assert not marker.exists(), "the bwrap found on PATH was started"


def test_a_program_anyone_may_replace_is_not_trusted(tmp_path: Path) -> None:
    """A group- or world-writable program (or one not root's) is refused by name."""
    program = tmp_path / "bwrap"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o777)
    assert str(program) in sandbox.trusted_program(str(program))
    assert sandbox.trusted_program(str(tmp_path / "missing")).endswith("does not exist")
    assert sandbox.trusted_program(sandbox.BWRAP) == "", "Debian's bwrap is root's alone"


def test_every_process_of_the_run_is_killed(tmp_path: Path) -> None:
    """A daemon that leaves the run's session and process tree (double fork, setsid) is
    killed with every other process of the run's uid (as root, in the fallback)."""
    marker = "autograd-lr-root-daemon-3f9a"
    source = (
        "import os, subprocess, sys, time\n\n"
        "def propagate(w, b, X, Y):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            os.execv('/bin/sleep', ['/bin/sleep', '300', '{marker}'])\n"
        "        os._exit(0)\n"
        "    time.sleep(0.5)\n"
        "    raise RuntimeError('left a daemon')\n"
    )
    daemon = tmp_path / "daemon.py"
    daemon.write_text(source)
    done = _cli("check", f"{daemon}:propagate", "--sandbox", "none", "--json")
    assert json.loads(done.stdout)["outcome"] == "fail"
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert left.strip() == "", f"processes of the run still alive: {left}"
