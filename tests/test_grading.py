"""The grader: the submission runs in its own process; the verdict is computed outside it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograd_lr.checking import grading
from autograd_lr.checking.grading import SubmissionError, grade

COURSE_STYLE = """
import numpy as np

def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost

def missing_m(w, b, X, Y):
    grads, cost = propagate(w, b, X, Y)
    return {"dw": grads["dw"] * X.shape[1], "db": grads["db"]}, cost
"""

FORGER = """
import sys
import numpy as np

# 1. replace the checker and the oracles by ones that always pass
try:
    import autograd_lr.checking.check, autograd_lr.oracles
    autograd_lr.checking.check.check_gradients = lambda *a, **k: None
    autograd_lr.oracles.jax_value_and_gradients = lambda *a, **k: None
except ImportError:
    pass
# 2. numpy's comparisons always say "equal"
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
# 3. jax differentiates to whatever
try:
    import jax
    jax.grad = lambda *a, **k: (lambda *x, **y: 0.0)
    jax.value_and_grad = lambda *a, **k: (lambda *x, **y: (0.0, 0.0))
except ImportError:
    pass
# 4. claim success on stdout
print(json.dumps({"passed": True, "wrong": []}) if "json" in sys.modules else "PASSED")

def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    dZ = A - Y
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ dZ.T, "db": np.sum(dZ) / m}, cost
"""


def _write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --- the Python API ---


def test_a_correct_file_passes_and_a_wrong_one_is_diagnosed(tmp_path: Path) -> None:
    path = _write(tmp_path, "mine.py", COURSE_STYLE)
    assert grade(f"{path}:propagate").passed
    report = grade(f"{path}:missing_m")
    assert report.wrong == ["dw"] and report.mistakes == {"missing_1_over_m"}
    assert any("separate process" in n for n in report.notes)


def test_a_module_target_is_found_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "course_repo"
    package.mkdir()
    _write(package, "__init__.py", "")
    _write(package, "solution.py", COURSE_STYLE)
    monkeypatch.chdir(tmp_path)
    assert grade("course_repo.solution:propagate").passed


def test_a_forging_submission_still_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, "forger.py", "import json\n" + FORGER)
    report = grade(f"{path}:propagate")
    assert not report.passed
    assert report.wrong == ["dw"] and report.mistakes == {"missing_1_over_m"}


def test_the_submission_runs_isolated_without_autograd_lr(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "probe.py",
        """
        import sys
        import numpy as np
        assert sys.flags.isolated == 1, "not run with python -I"
        loaded = [m for m in sys.modules if m.startswith("autograd_lr")]
        assert not loaded, loaded

        def propagate(w, b, X, Y):
            m = X.shape[1]
            A = 1 / (1 + np.exp(-(w.T @ X + b)))
            dZ = A - Y
            cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
            return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost
        """,
    )
    assert grade(f"{path}:propagate").passed


def test_importing_the_reference_solution_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "copier.py", "from autograd_lr import propagate\n")
    with pytest.raises(SubmissionError, match="holds the reference solution"):
        grade(f"{path}:propagate")


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("def propagate(w, b, X, Y):\n    return (\n", "propagate", "SyntaxError"),
        ("import numpy\n", "propagate", "has no function 'propagate'"),
        ("propagate = 3\n", "propagate", "not a function"),
        ("raise RuntimeError('broken at import')\n", "propagate", "broken at import"),
        ("import no_such_module_xyz\n", "propagate", "ModuleNotFoundError"),
    ],
    ids=["syntax", "missing", "not callable", "raises", "import"],
)
def test_a_submission_that_cannot_load_is_a_usage_error(
    tmp_path: Path, source: str, target: str, message: str
) -> None:
    path = _write(tmp_path, "broken.py", source)
    with pytest.raises(SubmissionError, match=message):
        grade(f"{path}:{target}")


@pytest.mark.parametrize(
    "target", ["no_colon", "missing.py:f", "file.py:not-an-identifier", "a b:f"]
)
def test_malformed_targets_are_refused(target: str) -> None:
    with pytest.raises(SubmissionError):
        grade(target)


def test_a_hanging_submission_is_stopped_by_the_timeout(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "hang.py", "def propagate(w, b, X, Y):\n    while True:\n        pass\n"
    )
    report = grade(f"{path}:propagate", timeout=1.0)
    assert not report.passed
    assert "timed out after 1 s" in report.error and "timed out" in str(report)


def test_an_exception_comes_back_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "raises.py",
        """
        import numpy as np

        def propagate(w, b, X, Y):
            A = 1 / (1 + np.exp(-(w.T @ X + b)))
            dw = np.dot(X.T, (A - Y).T)
            return {"dw": dw, "db": 0.0}, 0.0
        """,
    )
    report = grade(f"{path}:propagate")
    assert report.mistakes == {"exception", "shape_mismatch"}
    assert "dw = np.dot(X.T, (A - Y).T)" in report.diagnosis[0].message


def test_in_place_modification_is_seen_from_outside(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "inplace.py",
        COURSE_STYLE
        + "\ndef scales(w, b, X, Y):\n    X *= 2\n    return propagate(w, b, X / 2, Y)\n",
    )
    report = grade(f"{path}:scales")
    assert report.mistakes == {"modified_inputs"}


def test_a_process_that_dies_is_a_failure(tmp_path: Path) -> None:
    path = _write(tmp_path, "dies.py", "import os\ndef propagate(w, b, X, Y):\n    os._exit(0)\n")
    report = grade(f"{path}:propagate")
    assert not report.passed and "before returning results" in report.error


def test_results_the_submission_tampers_with_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tamper.py",
        COURSE_STYLE
        + """
import atexit, sys

def _overwrite():
    with open(sys.argv[2] + "/meta.json", "w") as f:
        f.write('{"status": "ok", "calls": [{"returned": {"array": "nope"}}]}')

atexit.register(_overwrite)
""",
    )
    report = grade(f"{path}:propagate")
    assert not report.passed and "results" in report.error


def test_an_object_return_value_is_reported_by_type(tmp_path: Path) -> None:
    path = _write(tmp_path, "obj.py", "def propagate(w, b, X, Y):\n    return object(), 1.0\n")
    report = grade(f"{path}:propagate")
    assert report.mistakes == {"bad_return"}
    assert "got object" in report.diagnosis[0].message


def test_rebuild_refuses_malformed_skeletons() -> None:
    for skeleton in [
        None,
        [],
        {"array": "missing"},
        {"sequence": [{"bad": 1}]},
        {"a": 1, "b": 2, "c": 3},
    ]:
        with pytest.raises(ValueError):
            grading._rebuild(skeleton, {})


def test_grade_validates_timeout_and_lambd(tmp_path: Path) -> None:
    path = _write(tmp_path, "mine.py", COURSE_STYLE)
    with pytest.raises(SubmissionError, match="timeout"):
        grade(f"{path}:propagate", timeout=0)
    with pytest.raises(ValueError, match="lambd"):
        grade(f"{path}:propagate", lambd=-1)


# --- the command line, through real subprocesses ---


def test_cli_exit_0_when_correct(tmp_path: Path) -> None:
    _write(tmp_path, "mine.py", COURSE_STYLE)
    done = _cli("mine.py:propagate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "PASSED" in done.stdout


def test_cli_exit_1_when_wrong_with_json(tmp_path: Path) -> None:
    _write(tmp_path, "mine.py", COURSE_STYLE)
    done = _cli("mine.py:missing_m", "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["passed"] is False and data["wrong"] == ["dw"]
    assert data["mistakes"] == ["missing_1_over_m"]
    assert data["quantities"]["dw"]["max_relative_error"] > 0.5
    assert data["diagnosis"][0]["fix"] == "dw = np.dot(X, dZ.T) / m"


def test_cli_forging_submission_exits_1(tmp_path: Path) -> None:
    _write(tmp_path, "forger.py", "import json\n" + FORGER)
    done = _cli("forger.py:propagate", cwd=tmp_path)
    assert done.returncode == 1
    assert "FAILED: dw is wrong" in done.stdout
    assert '"passed": true' not in done.stdout  # the child's stdout never reaches ours


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["mine.py:nope"], "has no function 'nope'"),
        (["absent.py:propagate"], "no such file"),
        (["mine.py"], "must be path/to/file.py:function"),
    ],
    ids=["missing function", "missing file", "no function name"],
)
def test_cli_exit_2_with_one_line(tmp_path: Path, args: list[str], phrase: str) -> None:
    _write(tmp_path, "mine.py", COURSE_STYLE)
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert phrase in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_cli_exit_2_with_json_prints_the_reason(tmp_path: Path) -> None:
    _write(tmp_path, "mine.py", COURSE_STYLE)
    done = _cli("mine.py:nope", "--json", cwd=tmp_path)
    assert done.returncode == 2
    assert json.loads(done.stdout)["exit_code"] == 2


def test_cli_timeout_stops_a_hanging_submission(tmp_path: Path) -> None:
    _write(
        tmp_path, "hang.py", "import time\ntime.sleep(600)\ndef propagate(w, b, X, Y):\n    pass\n"
    )
    done = _cli("hang.py:propagate", "--timeout", "1", cwd=tmp_path)
    assert done.returncode == 1
    assert "timed out after 1 s" in done.stdout


def test_a_corrupted_results_file_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "corrupt.py",
        COURSE_STYLE
        + """
import atexit, sys

def _corrupt():
    with open(sys.argv[2] + "/results.npz", "wb") as f:
        f.write(b"PK\\x03\\x04 not a zip at all")

atexit.register(_corrupt)
""",
    )
    report = grade(f"{path}:propagate")
    assert not report.passed and "unreadable results" in report.error
