"""``autograd-lr check`` and ``autograd-lr grade`` as an instructor runs them.

Exit codes (0 pass; 1 fail, timeout, crash, forbidden import; 2 cannot load or bad usage),
relative paths into sub-folders, ``--output`` / ``--gradescope`` files, the gradebook, the
progress bar, ``--sandbox require|auto`` without bubblewrap. Every JSON written or
printed is validated against the shipped schema.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader_schema import validate

SUBMISSIONS = Path(__file__).parent / "submissions"
RIGHT = (SUBMISSIONS / "class" / "alice.py").read_text()
pytestmark = [pytest.mark.xdist_group(name="grader_cli"), pytest.mark.slow]  # one classroom


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/submissions, plus subs/alice.py with a decoy at subs/subs/alice.py."""
    root = tmp_path_factory.mktemp("classroom")
    shutil.copytree(SUBMISSIONS, root, dirs_exist_ok=True)
    (root / "subs" / "subs").mkdir(parents=True)
    (root / "subs" / "alice.py").write_text(RIGHT)
    (root / "subs" / "subs" / "alice.py").write_text("raise SystemExit('the decoy was graded')\n")
    return root


def test_check_a_relative_path_in_a_sub_folder_passes_and_writes_its_files(classroom: Path) -> None:
    done = _cli(
        "check", "subs/alice.py:propagate", "--output", "out/report.json",
        "--gradescope", "out/results.json", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 2  # out/ does not exist: a usage error, said in one line
    assert "cannot use" in done.stderr and "Traceback" not in done.stderr
    (classroom / "out").mkdir()
    done = _cli(
        "check", "subs/alice.py:propagate", "--output", "out/report.json",
        "--gradescope", "out/results.json", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    report = json.loads((classroom / "out" / "report.json").read_text())
    validate(report, "report")
    assert (report["target"], report["outcome"], report["exit_code"]) == (
        "subs/alice.py:propagate",
        "pass",
        0,
    )
    results = json.loads((classroom / "out" / "results.json").read_text())
    validate(results, "gradescope")
    assert results["score"] == 3.0
    assert [t["name"] for t in results["tests"]] == ["dw", "db", "cost"]


def test_check_a_wrong_file_exits_1_with_the_mistake_in_json(classroom: Path) -> None:
    done = _cli("check", "class/bob.py:propagate", "--json", "--hints", "concept", cwd=classroom)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    validate(report, "report")
    assert (report["outcome"], report["passed"], report["mistakes"]) == ("fail", False, [])
    # the mistake is named by its verified repair, at the submission's line
    first = report["diagnosis"][0]
    assert (first["rules"], first["line"]) == (["flip_sign"], 10)
    assert "sign" in first["message"]  # the concept level: the rule's concept, no code


def test_check_an_unloadable_file_exits_2_and_still_writes_the_report(classroom: Path) -> None:
    done = _cli(
        "check", "class/erin.py:propagate", "--json", "--output", "erin.json", cwd=classroom
    )
    assert done.returncode == 2
    printed = json.loads(done.stdout)
    validate(printed, "report")
    assert printed["outcome"] == "cannot_load" and "SyntaxError" in printed["error"]
    assert json.loads((classroom / "erin.json").read_text()) == printed


def test_grade_a_class_writes_the_gradebook(classroom: Path) -> None:
    done = _cli("grade", "class", "heidi_uses_the_library.ipynb", "--out", "book", cwd=classroom)
    assert done.returncode == 1  # not everyone passed
    assert "8/8" in done.stderr  # the progress bar went to the end
    rows = list(csv.DictReader((classroom / "book" / "gradebook.csv").read_text().splitlines()))
    got = {r["file"]: (r["outcome"], r["mistakes"]) for r in rows}
    assert got == {
        "class/alice.py": ("pass", ""),
        "class/bob.py": ("fail", "flip_sign"),
        "class/dave.py": ("fail", got["class/dave.py"][1]),
        "class/erin.py": ("cannot_load", ""),
        "class/frank.py": ("cannot_load", ""),
        "class/grace.ipynb": ("pass", ""),
        "class/week1/carol.py": ("fail", "add_mean"),  # repaired at line 11: the 1/m
        "heidi_uses_the_library.ipynb": ("cannot_load", ""),
    }
    assert "wrong_signature" in got["class/dave.py"][1].split(";")
    book = json.loads((classroom / "book" / "gradebook.json").read_text())
    validate(book, "gradebook")
    assert book["summary"]["outcomes"] == {"pass": 2, "fail": 3, "cannot_load": 3}
    assert book["summary"]["submissions"] == 8
    assert "8 submissions: 3 cannot_load, 3 fail, 2 pass" in done.stdout
    assert "_child" not in done.stdout + json.dumps(book)


# `grade` run in-process, then whether nbformat was ever imported and when the first run began
NBFORMAT_LOADED = """
import json, sys
from autograd_lr import cli
from autograd_lr.grading import sandbox

at_first_run = []
run = sandbox.run


def recorded(*args, **kwargs):
    if not at_first_run:
        at_first_run.append("nbformat" in sys.modules)
    return run(*args, **kwargs)


sandbox.run = recorded
code = cli.main(sys.argv[1:])
print("NBFORMAT" + json.dumps([at_first_run, "nbformat" in sys.modules]), file=sys.stderr)
sys.exit(code)
"""


def _grade_recording_nbformat(folder: Path, *names: str) -> tuple[list[bool], bool, dict[str, Any]]:
    """Grade ``names`` (files of tests/submissions/class, or ``broken.ipynb``) in ``folder``:
    (nbformat loaded at the first run, loaded at the end, the gradebook's reports by file)."""
    (folder / "class").mkdir()
    for name in names:
        source = SUBMISSIONS / "class" / name
        text = source.read_text() if source.exists() else '{"cells": ['
        (folder / "class" / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", NBFORMAT_LOADED, "grade", "class", "--out", "book",
         "--no-progress", "--search-seconds", "0"],
        cwd=folder, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    line = [x for x in done.stderr.splitlines() if x.startswith("NBFORMAT")]
    assert line, done.stderr[-2000:]
    at_first_run, at_end = json.loads(line[0][len("NBFORMAT") :])
    book = json.loads((folder / "book" / "gradebook.json").read_text())
    validate(book, "gradebook")
    return at_first_run, at_end, {r["file"]: r for r in book["submissions"]}


def test_a_class_of_py_files_never_loads_nbformat(tmp_path: Path) -> None:
    """nbformat's validator costs about a second of CPU at every start: not for .py files."""
    at_first_run, at_end, reports = _grade_recording_nbformat(tmp_path, "alice.py", "bob.py")
    assert (at_first_run, at_end) == ([False], False)
    assert [r["outcome"] for r in reports.values()] == ["pass", "fail"]


def test_a_class_with_notebooks_loads_nbformat_before_the_first_run(tmp_path: Path) -> None:
    """The notebook is graded, the broken one gets its clear error, and nbformat was loaded
    before any submission ran (independence rule 7)."""
    names = ("alice.py", "broken.ipynb", "grace.ipynb")
    at_first_run, at_end, reports = _grade_recording_nbformat(tmp_path, *names)
    assert (at_first_run, at_end) == ([True], True)
    assert reports["class/grace.ipynb"]["outcome"] == "pass"
    broken = reports["class/broken.ipynb"]
    assert broken["outcome"] == "cannot_load"
    assert "not a readable notebook" in broken["error"]


def test_gradescope_on_grade_needs_exactly_one_submission(classroom: Path) -> None:
    done = _cli("grade", "class", "--gradescope", "r.json", cwd=classroom)
    assert done.returncode == 2
    assert "--gradescope writes one student's results.json" in done.stderr
    assert not (classroom / "r.json").exists()


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["check", "x.py:propagate", "--seed", "often"], "whole number or 'random'"),
        (["check", "x.py:propagate", "--memory-limit", "2X"], "a size like 2G"),
        (["check", "x.py:propagate", "--forbid-imports", "a-b"], "module names"),
        (["check", "x.py:propagate", "--points", "dz=1"], "dw=N,db=N,cost=N"),
        (["grade", "nothing-here"], "no such file or folder"),
        (["check", "missing.py:propagate"], "no such file: missing.py"),
    ],
)
def test_bad_usage_exits_2_in_one_line(classroom: Path, args: list[str], phrase: str) -> None:
    done = _cli(*args, cwd=classroom)
    assert done.returncode == 2
    assert phrase in done.stderr and "Traceback" not in done.stderr


def _without_bwrap(tmp: Path) -> dict[str, str]:
    """bwrap looked for where it is not (the grader never looks on PATH)."""
    return dict(os.environ, AUTOGRAD_LR_BWRAP=str(tmp / "no-bwrap-here" / "bwrap"))


def test_sandbox_require_refuses_without_bubblewrap(classroom: Path, tmp_path: Path) -> None:
    done = _cli(
        "check", "class/alice.py:propagate", "--sandbox", "require", "--output", "r.json",
        cwd=classroom, env=_without_bwrap(tmp_path),
    )  # fmt: skip
    assert done.returncode == 2
    assert "bwrap is not installed" in done.stderr and "apt install bubblewrap" in done.stderr
    assert not (classroom / "r.json").exists()


def test_sandbox_auto_falls_back_and_says_so(classroom: Path, tmp_path: Path) -> None:
    done = _cli(
        "check", "class/alice.py:propagate", "--json", "--gradescope", str(tmp_path / "r.json"),
        cwd=classroom, env=_without_bwrap(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning: no sandbox (" in done.stderr and "bwrap is not installed" in done.stderr
    assert "apt install bubblewrap" in done.stderr
    report = json.loads(done.stdout)
    validate(report, "report")
    results = json.loads((tmp_path / "r.json").read_text())
    validate(results, "gradescope")
    assert "WITHOUT the bubblewrap sandbox" in results["output"]
    assert report["sandbox"]["isolation"] == "process"
    assert report["sandbox"]["not_covered"]
    assert any("WITHOUT the bubblewrap sandbox" in n for n in report["notes"])
