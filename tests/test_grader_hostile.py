"""Hostile submissions through the real CLI, with and without bubblewrap.

Every hostile submission of a mode is graded by ONE ``autograd-lr grade`` command (the
expected values computed once, as an instructor's batch would), then each case asserts:

* its verdict is not forged (the outcome it must have; never a pass for a wrong answer);
* the grader's files and the classmate's submission are unchanged (hashed before/after);
* nothing it started is still running (its processes carry a marker in their command line);
* no planted secret (an environment variable, a file in the grader's home, the grader's
  source) appears in any output: stdout, stderr, gradebook.csv/json.

Without bwrap (``--sandbox none``) the cases the threat model covers there are graded the
same way, and the report lists what is not covered.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lr
from autograd_lr.checking import check
from autograd_lr.grading import sandbox
from autograd_lr.oracles import jax_value_and_gradients
from grader_schema import validate

SECRET_ENV = "GRADESCOPE_API_TOKEN"
SECRET_VALUE = "planted-token-5f1e9c"
SECRET_FILE_TEXT = "planted-home-key-a83b7d"
MARKER = "autograd-lr-hostile-marker-7c2d"
INSTALL = Path(autograd_lr.__file__).parent
DIAGNOSIS = INSTALL / "checking" / "diagnosis.py"
COURSE = INSTALL / "course.py"

HAS_BWRAP = not sandbox.bwrap_problem()
# one worker grades both batches once (a module fixture per xdist worker would do it twice)
pytestmark = [pytest.mark.xdist_group(name="grader_hostile"), pytest.mark.slow]

WRONG = """
def propagate(w, b, X, Y):  # dw without 1/m
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T), "db": np.sum(dZ) / m}, cost
"""
RIGHT = WRONG.replace("np.dot(X, dZ.T)", "np.dot(X, dZ.T) / m").replace("  # dw without 1/m", "")


def _lookup_table() -> str:
    """A table of the seed-0 answers keyed on X.shape: passes only on the problems it saw."""
    rows = []
    for p in check.default_problems(0):
        grads, J = jax_value_and_gradients(p.w, p.b, p.X, p.Y)
        rows.append(
            f"    {p.X.shape!r}: ({grads['dw'].tolist()!r}, {float(grads['db'])!r}, {J!r}),"
        )
    return (
        "TABLE = {\n" + "\n".join(rows) + "\n}\n\n"
        "def propagate(w, b, X, Y):\n"
        "    dw, db, cost = TABLE[X.shape]\n"
        '    return {"dw": np.array(dw), "db": db}, cost\n'
    )


def _cases(out: Path, classmate: Path) -> dict[str, tuple[str, set[str], bool]]:
    """name -> (source, outcomes allowed, whether the fallback covers it)."""
    # /bin/sh, not sys.executable: as root without bwrap the run's own uid may not reach an
    # interpreter under a closed folder (/root), and a shell is enough to outlive a run
    sleeper = f"['/bin/sh', '-c', 'sleep 600', '{MARKER}']"
    return {
        "monkeypatch": (
            """
            import json, sys
            try:
                import autograd_lr.checking.check as c
                c.report = lambda *a, **k: None
            except ImportError:
                pass
            np.allclose = np.isclose = np.array_equal = lambda *a, **k: True
            try:
                import jax
                jax.grad = lambda *a, **k: (lambda *x, **y: 0.0)
            except ImportError:
                pass
            print(json.dumps({"passed": True, "outcome": "pass"}))
            """
            + WRONG,
            {"fail"},
            True,
        ),
        "write_installation": (
            f"""
            for path in [{str(DIAGNOSIS)!r}, np.__file__]:
                try:
                    with open(path, "a") as f:
                        f.write("\\nreport = lambda *a, **k: None  # forged\\n")
                except OSError:
                    pass
            """
            + WRONG,
            {"fail"},
            False,
        ),
        "write_cwd_and_classmate": (
            f"""
            import os
            for path in ["classmate.py", "../classmate.py", {str(classmate)!r}]:
                try:
                    with open(path, "w") as f:
                        f.write("def propagate(*a):\\n    raise SystemExit(0)\\n")
                except OSError:
                    pass
            """
            + WRONG,
            {"fail"},
            False,
        ),
        "read_secrets": (
            f"""
            import os
            print(dict(os.environ))
            for path in [{str(COURSE)!r}, os.path.expanduser("~/secret.txt"),
                         {str(Path.home() / "secret.txt")!r}]:
                try:
                    print(open(path).read())
                except OSError as e:
                    print("cannot read", path, e)
            """
            + WRONG,
            {"fail"},
            False,
        ),
        "env_only": ("import os\nprint(dict(os.environ))\n" + WRONG, {"fail"}, True),
        "exit_0_at_import": ("import sys\nsys.exit(0)\n" + RIGHT, {"cannot_load"}, True),
        "os_exit_at_import": ("import os\nos._exit(0)\n" + RIGHT, {"crash"}, True),
        "huge_output": (
            "import sys\nfor _ in range(300):\n    sys.stdout.write('x' * 2**20)\n" + WRONG,
            {"fail"},
            True,
        ),
        "endless_loop": (
            "def propagate(w, b, X, Y):\n    while True:\n        pass\n",
            {"timeout"},
            True,
        ),
        "non_daemon_thread": (
            "import threading\nthreading.Thread(target=lambda: [0 for _ in iter(int, 1)]).start()\n"
            + WRONG,
            {"fail"},
            True,
        ),
        "children_outlive": (
            f"""
            import os, subprocess, sys
            for _ in range(5):
                subprocess.Popen({sleeper})
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv('/bin/sh', {sleeper})
                os._exit(0)
            """
            + WRONG,
            {"fail"},
            True,
        ),
        "too_many_processes": (
            f"""
            import subprocess, sys, time

            def propagate(w, b, X, Y):
                for _ in range(150):
                    subprocess.Popen({sleeper})
                time.sleep(30)
            """,
            # the watchdog's crash, or (a uid of the run's own, the grader being root) the
            # kernel's RLIMIT_NPROC refusing the fork: the exception in a fail
            {"crash", "fail"},
            True,
        ),
        "big_file": (
            "def propagate(w, b, X, Y):\n"
            "    with open('big.bin', 'wb') as f:\n"
            "        f.write(bytes(100 * 2**20))\n",
            {"fail"},
            True,
        ),
        "memory": (
            "def propagate(w, b, X, Y):\n    big = np.ones(3 * 2**30 // 8)\n    return {'dw': big, 'db': 0.0}, 0.0\n",
            {"fail", "crash"},
            True,
        ),
        "lying_objects": (
            """
            class Liar(np.ndarray):
                def __eq__(self, other): return True
                def __sub__(self, other): return np.zeros_like(np.asarray(other))
                def __abs__(self): return np.zeros(self.shape)
                def __float__(self): return 0.0
            class Scalar:
                def __array__(self, dtype=None, copy=None): return np.array(123.0)
                def __float__(self): return 0.25
                def __eq__(self, other): return True
            """
            + WRONG.replace(
                'return {"dw": np.dot(X, dZ.T), "db": np.sum(dZ) / m}, cost',
                'return {"dw": np.dot(X, dZ.T).view(Liar), "db": Scalar()}, Scalar()',
            ),
            {"fail"},
            True,
        ),
        "nan": (
            "def propagate(w, b, X, Y):\n    return {'dw': np.full(w.shape, np.nan), 'db': np.nan}, np.nan\n",
            {"fail"},
            True,
        ),
        "right_only_at_w0": (
            RIGHT.replace("np.dot(w.T, X) + b", "0 * np.dot(w.T, X) + b"),
            {"fail"},
            True,
        ),
        "lookup_table": (_lookup_table(), {"fail"}, True),
        "fake_json_then_kill_parent": (
            """
            import json, os, signal
            print(json.dumps({"passed": True, "outcome": "pass", "exit_code": 0}), flush=True)
            os.kill(os.getppid(), signal.SIGKILL)  # in the sandbox: its pid 1, which ignores it
            """
            + WRONG,
            # cannot_load: the kill raised PermissionError (its pid 1 is root's, the run is not)
            {"fail", "crash", "cannot_load"},
            False,  # without the sandbox its parent is the grader: it dies, writing nothing
        ),
        "rewrite_output_later": (
            f"""
            import os, time, json
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(3)
                    for name in ("gradebook.json", "gradebook.csv"):
                        try:
                            with open(os.path.join({str(out)!r}, name), "w") as f:
                                f.write(json.dumps({{"passed": True}}))
                        except OSError:
                            pass
                    os._exit(0)
                os._exit(0)
            """
            + WRONG,
            {"fail"},
            True,
        ),
        "uses_jax_and_numba": (
            "import jax, numba\n" + RIGHT,
            {"pass"},
            True,
        ),
    }


def _hashes(paths: list[Path]) -> dict[str, str]:
    out = {}
    for root in paths:
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _marked_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if MARKER.encode() in cmdline and int(entry) != os.getpid():
                found.append(int(entry))
    return found


def _start(tmp: Path, mode: str) -> dict[str, Any]:
    """Write the hostile folder of ``mode`` and start grading it (one CLI command)."""
    folder, out, home = tmp / "hostile", tmp / "out", tmp / "home"
    folder.mkdir()
    home.mkdir()
    (home / "secret.txt").write_text(SECRET_FILE_TEXT)
    classmate = folder / "classmate.py"
    classmate.write_text("import numpy as np\n" + RIGHT)
    cases = _cases(out, classmate)
    for name, (source, _, covered) in cases.items():
        if mode == "bwrap" or covered:
            lines = [x[12:] if x.startswith(" " * 12) else x for x in source.splitlines()]
            (folder / f"{name}.py").write_text("import numpy as np\n" + "\n".join(lines) + "\n")
    watched = [INSTALL, Path(np.__file__), classmate]
    env = dict(os.environ, **{SECRET_ENV: SECRET_VALUE, "HOME": str(home)})
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd_lr.cli", "grade", str(folder), "--out", str(out),
         "--jobs", "2", "--timeout", "30", "--memory-limit", "1G", "--seed", "random",
         "--sandbox", "require" if mode == "bwrap" else "none", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp,
    )  # fmt: skip
    return {"process": process, "out": out, "watched": watched, "cases": cases}


def _finish(started: dict[str, Any], before: dict[str, str]) -> dict[str, Any]:
    process, out = started["process"], started["out"]
    stdout, stderr = process.communicate(timeout=600)
    book = json.loads((out / "gradebook.json").read_text())
    return {
        "returncode": process.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "book": book,
        "by_name": {Path(r["file"]).stem: r for r in book["submissions"]},
        "csv": (out / "gradebook.csv").read_text(),
        "changed": sorted(k for k, v in _hashes(started["watched"]).items() if before.get(k) != v),
        "cases": started["cases"],
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both modes graded side by side (their timeouts overlap), then checked."""
    modes = ["bwrap", "process"] if HAS_BWRAP else ["process"]
    before = _hashes([INSTALL, Path(np.__file__)])
    started = {mode: _start(tmp_path_factory.mktemp(mode), mode) for mode in modes}
    for s in started.values():
        before |= _hashes(s["watched"][2:])
    finished = {mode: _finish(s, before) for mode, s in started.items()}
    time.sleep(4)  # the rewrite_output_later grandchild would have struck by now
    left = _marked_processes()
    for mode, run in finished.items():
        run["left"] = left
        out = started[mode]["out"]
        run["book_after"] = json.loads((out / "gradebook.json").read_text())
        run["changed"] += sorted(
            k for k, v in _hashes(started[mode]["watched"]).items() if before.get(k) != v
        )
    return finished


def _case_ids() -> list[tuple[str, str]]:
    cases = _cases(Path("/x"), Path("/y"))
    modes = ["bwrap", "process"] if HAS_BWRAP else ["process"]
    return [
        (m, n) for m in modes for n, (_, _, covered) in cases.items() if m == "bwrap" or covered
    ]


def test_bubblewrap_is_installed_where_the_grader_is_tested() -> None:
    """CI and `make test` install bubblewrap (tools/system-packages): the sandbox is tested."""
    assert HAS_BWRAP, sandbox.bwrap_problem()


@pytest.mark.parametrize(("mode", "name"), _case_ids())
def test_a_hostile_submission_forges_nothing(runs: dict[str, Any], mode: str, name: str) -> None:
    run = runs[mode]
    report = run["by_name"][name]
    allowed = run["cases"][name][1]
    assert report["outcome"] in allowed, (report["outcome"], report["error"], report["notes"])
    assert report["passed"] == (report["outcome"] == "pass")
    assert report["sandbox"]["isolation"] == mode


@pytest.mark.parametrize("mode", ["bwrap", "process"])
def test_the_batch_leaves_no_trace(runs: dict[str, Any], mode: str) -> None:
    """Installation and classmate unchanged, nothing running, no secret in any output."""
    if mode not in runs:
        pytest.fail(f"no {mode} run: {sandbox.bwrap_problem()}")
    run = runs[mode]
    assert run["returncode"] == 1, run["stderr"]  # some submissions fail: exit 1, not a crash
    assert run["changed"] == [], "the grader's files or a classmate's submission changed"
    assert run["left"] == [], "processes of a submission outlived the run"
    assert run["book_after"] == run["book"], "the gradebook was rewritten after the grader ended"
    assert run["by_name"]["classmate"]["outcome"] == "pass"
    outputs = run["stdout"] + run["stderr"] + run["csv"] + json.dumps(run["book"])
    assert SECRET_VALUE not in outputs  # the environment is never passed on
    if mode == "bwrap":  # files outside the sandbox cannot be read at all
        assert SECRET_FILE_TEXT not in outputs
        assert "def propagate" not in run["by_name"]["read_secrets"]["output"]["stdout"]
    validate(run["book"], "gradebook")


def test_huge_output_is_capped_and_counted(runs: dict[str, Any]) -> None:
    for run in runs.values():
        out = run["by_name"]["huge_output"]["output"]
        assert out["stdout_bytes"] == 300 * 2**20
        assert out["stdout"] == "x" * sandbox.Limits().output


def test_a_file_beyond_the_size_limit_is_refused(runs: dict[str, Any]) -> None:
    for run in runs.values():  # 100 MiB against the default 64 MiB: EFBIG in the submission
        report = run["by_name"]["big_file"]
        assert "File too large" in json.dumps(report["diagnosis"]), report["diagnosis"]


def test_the_fallback_says_what_it_does_not_cover(runs: dict[str, Any]) -> None:
    report = runs["process"]["by_name"]["env_only"]
    assert report["sandbox"]["isolation"] == "process"
    assert report["sandbox"]["fallback_reason"] == "--sandbox none"
    assert any("write" in n for n in report["sandbox"]["not_covered"])
    assert any("WITHOUT the bubblewrap sandbox" in n for n in report["notes"])


def test_the_lookup_table_is_right_on_the_problems_it_saw() -> None:
    """So that its failure under --seed random is the seed's doing, not a broken table."""
    namespace: dict[str, Any] = {"np": np}
    exec(_lookup_table(), namespace)
    assert check.check_gradients(namespace["propagate"], seed=0).passed
