"""The grader on the exercises around ``propagate``: one sandboxed run, plain data back.

``autograd-lr check FILE:NAME`` for every exercise, on a ``.py`` file and on a notebook;
``autograd-lr grade DIR --function propagate,optimize`` with a column group and points
per exercise and one Gradescope test per exercise; and the child's answer read strictly.
Every report is validated against the shipped schema.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader_schema import validate

pytestmark = [pytest.mark.xdist_group(name="grader_exercises"), pytest.mark.slow]

RIGHT = """\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_with_zeros(dim):
    return np.zeros((dim, 1)), 0.0


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, float(cost)


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def predict(w, b, X):
    return (sigmoid(w.T @ X + b) > 0.5).astype(float)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test),
            "Y_prediction_train": predict(w, b, X_train), "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}
"""
# wrong on initialize (b an int) and optimize (ascent); right on the rest
WRONG = RIGHT.replace("return np.zeros((dim, 1)), 0.0", "return np.zeros((dim, 1)), 0").replace(
    'b = b - learning_rate * grads["db"]', 'b = b + learning_rate * grads["db"]'
)
EXERCISES = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exercises")
    (root / "class").mkdir()
    (root / "class" / "right.py").write_text(RIGHT)
    (root / "class" / "wrong.py").write_text(WRONG)
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": RIGHT.splitlines(keepends=True)},
    ]  # fmt: skip
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "right.ipynb").write_text(json.dumps(notebook))
    return root


@pytest.mark.parametrize("name", EXERCISES)
def test_check_passes_every_exercise_of_a_right_file(classroom: Path, name: str) -> None:
    done = _cli("check", f"class/right.py:{name}", "--json", cwd=classroom)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    validate(report, "report")
    assert report["function"] == name and report["passed"] is True


@pytest.mark.parametrize("name", ["optimize", "model"])
def test_check_reads_a_notebook(classroom: Path, name: str) -> None:
    done = _cli("check", f"right.ipynb:{name}", cwd=classroom)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "PASSED" in done.stdout


@pytest.mark.parametrize(
    ("name", "quantity", "status"),
    [("initialize_with_zeros", "b", "type"), ("optimize", "b", "wrong")],
)
def test_check_fails_a_wrong_exercise_and_says_which_quantity(
    classroom: Path, name: str, quantity: str, status: str
) -> None:
    done = _cli("check", f"class/wrong.py:{name}", "--json", cwd=classroom)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    validate(report, "report")
    assert report["outcome"] == "fail" and report["scores"] == {name: 0.0}
    assert report["quantities"][quantity]["status"] == status


def test_grade_scores_several_exercises_per_submission(classroom: Path) -> None:
    done = _cli(
        "grade", "class", "--function", "propagate,optimize,initialize_with_zeros",
        "--out", "grades", "--jobs", "1", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    with (classroom / "grades" / "gradebook.csv").open() as f:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(f)}
    assert rows["right.py"]["score"] == "5" and rows["right.py"]["max_score"] == "5"
    assert rows["wrong.py"]["propagate_score"] == "3"
    assert (
        rows["wrong.py"]["optimize_outcome"] == "fail" and rows["wrong.py"]["optimize_score"] == "0"
    )
    assert rows["wrong.py"]["initialize_with_zeros_score"] == "0"
    book = json.loads((classroom / "grades" / "gradebook.json").read_text())
    assert book["functions"] == ["propagate", "optimize", "initialize_with_zeros"]
    for exercise in book["exercises"].values():
        validate(exercise, "gradebook")


def test_gradescope_has_one_test_per_exercise(classroom: Path) -> None:
    done = _cli(
        "grade", "class/wrong.py", "--function", "optimize,predict",
        "--out", "g2", "--gradescope", "results.json", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    results = json.loads((classroom / "results.json").read_text())
    validate(results, "gradescope")
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {"optimize", "predict"}
    assert tests["optimize"]["status"] == "failed" and tests["predict"]["status"] == "passed"
    assert results["score"] == 1.0


def test_the_answer_is_read_strictly() -> None:
    from autograd_lr.grading import answers

    arrays = {"a0": {"dtype": "<f8", "shape": [2], "data": "AAAAAAAAAAAAAAAAAAAAAA=="}}
    answer = {"protocol": 1, "status": "ok", "arrays": arrays}
    # a Python number's type comes back only for one number
    answer["outcomes"] = [
        [{"returned": {"array": "a0", "type": "float"}, "error": "", "modified": []}]
    ]
    with pytest.raises(ValueError, match="malformed"):
        answers.outcomes(answer, 1, 1)
    answer["outcomes"] = [
        [{"returned": {"array": "a0", "type": "str"}, "error": "", "modified": []}]
    ]
    with pytest.raises(ValueError, match="malformed"):
        answers.outcomes(answer, 1, 1)


def test_the_repair_search_runs_in_the_sandbox_and_names_the_line(classroom: Path) -> None:
    done = _cli(
        "check", "class/wrong.py:initialize_with_zeros", "--json", "--search-seconds", "30",
        cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    validate(report, "report")
    lead = report["diagnosis"][0]
    line = WRONG.splitlines().index("    return np.zeros((dim, 1)), 0") + 1
    assert lead["line"] == line and lead["fix"] == f"line {line}: return np.zeros((dim, 1)), 0.0"
    assert any("sandboxed run" in n for n in report["notes"])
