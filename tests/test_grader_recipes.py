"""The recipes of docs/grading.md: every command parses, and the notebook cell grades.

Gradescope, GitHub Classroom and nbgrader/Otter cannot run offline; what can be tested
here is what the recipes hand to autograd-lr: each ``autograd-lr ...`` command line of
the guide is parsed by the real parser, and the autograded-cell recipe is executed as a
notebook would run it, on a right and on a wrong ``propagate``.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import linecache
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lr import cli

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "grading.md"
CLASS = Path(__file__).parent / "submissions" / "class"


def _blocks(language: str) -> list[str]:
    text = GUIDE.read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def _commands() -> list[str]:
    found = []
    for block in _blocks("console") + _blocks("bash") + _blocks("yaml"):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"^\s*(\$|command:)\s*", "", line)
            if line.startswith("autograd-lr "):
                found.append(line)
    return found


def test_the_guide_has_commands_for_every_recipe() -> None:
    commands = " ".join(_commands())
    for needed in ("--gradescope", "--sandbox require", "--seed random", "grade submitted/"):
        assert needed in commands


@pytest.mark.parametrize("command", _commands())
def test_every_command_in_the_guide_parses(command: str) -> None:
    args = cli.build_parser().parse_args(shlex.split(command)[1:])
    assert args.command in ("check", "grade")


def _notebook_namespace(path: Path) -> dict[str, Any]:
    """``propagate`` defined as a notebook defines it (inspect.getsource can read it)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"propagate": module.propagate}


@pytest.mark.slow
def test_the_autograded_cell_recipe_passes_right_and_fails_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cell,) = _blocks("python")
    monkeypatch.chdir(tmp_path)
    exec(cell, _notebook_namespace(CLASS / "alice.py"))
    with pytest.raises(AssertionError, match="wrong sign"):
        exec(cell, _notebook_namespace(CLASS / "bob.py"))


# --- Gradescope: run_autograder on /autograder/submission/ -------------------------------

UTILS = """import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""

PROPAGATE_WITH_UTILS = """import numpy as np
from utils import sigmoid


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost
"""


def _run_autograder(tmp_path: Path, uploads: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Gradescope's layout under ``tmp_path`` (standing for ``/``): the uploads in
    ``autograder/submission/``; the guide's ``run_autograder`` run by bash as written,
    its ``/autograder`` moved there; its exit code and ``results.json``."""
    (script,) = [b for b in _blocks("bash") if "# run_autograder" in b]
    root = tmp_path / "autograder"
    for folder in ("submission", "results", "source"):
        (root / folder).mkdir(parents=True)
    for name, text in uploads.items():
        (root / "submission" / name).write_text(text)
    run = root / "source" / "run_autograder"
    run.write_text(script.replace("/autograder", str(root)))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(
        ["bash", str(run)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    results = root / "results" / "results.json"
    assert results.exists(), f"no results.json; stderr:\n{done.stderr}"
    return done.returncode, json.loads(results.read_text())


@pytest.mark.slow
def test_run_autograder_grades_the_file_that_defines_propagate_with_its_helper(
    tmp_path: Path,
) -> None:
    code, results = _run_autograder(
        tmp_path, {"propagate.py": PROPAGATE_WITH_UTILS, "utils.py": UTILS}
    )
    assert code == 0, results["output"]
    assert [t["status"] for t in results["tests"]] == ["passed"] * 3
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 3


@pytest.mark.slow
def test_run_autograder_writes_the_reason_when_two_files_define_propagate(
    tmp_path: Path,
) -> None:
    correct = (CLASS / "alice.py").read_text()
    code, results = _run_autograder(tmp_path, {"a.py": correct, "b.py": correct})
    assert code == 2
    assert results["score"] == 0
    assert "2 files define propagate: a.py, b.py" in results["output"]


@pytest.mark.slow
def test_run_autograder_grades_a_wrong_propagate_beside_an_unrelated_file(
    tmp_path: Path,
) -> None:
    code, results = _run_autograder(
        tmp_path, {"utils.py": UTILS, "hw.py": (CLASS / "bob.py").read_text()}
    )
    assert code == 1
    assert "wrong sign" in results["output"]


# --- nbgrader / Otter: the autograded cell in the student's kernel ----------------------

STUDENT_CELLS = [
    "import numpy as np",
    "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
    """def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = {dZ}
    return {{"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}}, cost""",
    # the notebook's own data, under the names of propagate's parameters
    "X = np.ones((2, 3))\nY = np.zeros((1, 3))",
]


def _run_cells(cells: list[str], namespace: dict[str, Any]) -> None:
    """Run cells as IPython does: each compiled under a name of its own whose lines are in
    ``linecache``, so ``inspect.getsource`` finds a function a cell defined."""
    for k, cell in enumerate(cells):
        name = f"<notebook cell {k + 1}>"
        linecache.cache[name] = (len(cell), None, cell.splitlines(keepends=True), name)
        exec(compile(cell, name, "exec"), namespace)


def _kernel(dZ: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    _run_cells([cell.format(dZ=dZ) for cell in STUDENT_CELLS], namespace)
    return namespace


def test_the_students_propagate_needs_its_own_sigmoid() -> None:
    """The kernel the recipe is tested on: propagate's source alone raises NameError."""
    alone: dict[str, Any] = {"np": np}
    exec(inspect.getsource(_kernel("A - Y")["propagate"]), alone)
    w, X, Y = np.zeros((2, 1)), np.ones((2, 3)), np.ones((1, 3))
    with pytest.raises(NameError, match="sigmoid"):
        alone["propagate"](w, 0.0, X, Y)


@pytest.mark.slow
def test_the_autograded_cell_carries_the_students_sigmoid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cell,) = _blocks("python")
    monkeypatch.chdir(tmp_path)
    _run_cells([cell], _kernel("A - Y"))
    with pytest.raises(AssertionError, match="wrong sign"):
        _run_cells([cell], _kernel("Y - A"))
