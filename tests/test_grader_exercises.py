"""The grader on every exercise of the assignment: one sandboxed run, plain data back.

``autograd-lr check FILE:NAME`` for every exercise, on a ``.py`` file and on a notebook,
with partial credit per quantity; ``autograd-lr grade DIR --function propagate,optimize``
with a column group, points per exercise (``--points``) and a total; Gradescope's
``results.json`` with one test per quantity of every exercise; and the child's answer
read strictly. Every report, gradebook and ``results.json`` is validated against the
shipped schema.
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
# wrong by one quantity in three exercises: initialize's b an int, optimize's costs recorded
# every 10 iterations, model's learning_rate not the argument; right on the rest
PARTIAL = (
    RIGHT.replace("return np.zeros((dim, 1)), 0.0", "return np.zeros((dim, 1)), 0")
    .replace("if i % 100 == 0:", "if i % 10 == 0:")
    .replace('"learning_rate": learning_rate,', '"learning_rate": 0.5,')
)
EXERCISES = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")
QUANTITIES = {
    "sigmoid": ("σ(z)",),
    "initialize_with_zeros": ("w", "b"),
    "propagate": ("dw", "db", "cost"),
    "optimize": ("w", "b", "dw", "db", "costs"),
    "predict": ("Y_prediction",),
    "model": ("keys", "w", "b", "costs", "Y_prediction_train", "Y_prediction_test", "arguments"),
}


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
    (root / "class" / "partial.py").write_text(PARTIAL)
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
    assert report["scores"] == dict.fromkeys(QUANTITIES[name], 1.0)
    assert report["score"] == report["max_score"] == len(QUANTITIES[name])


@pytest.mark.parametrize("name", EXERCISES)
def test_check_reads_a_notebook(classroom: Path, name: str) -> None:
    done = _cli("check", f"right.ipynb:{name}", cwd=classroom)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "PASSED" in done.stdout and "FAILED" not in done.stdout


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
    assert report["outcome"] == "fail" and report["scores"][quantity] == 0.0
    assert report["quantities"][quantity]["status"] == status


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("initialize_with_zeros", {"b"}),
        ("optimize", {"costs"}),
        ("model", {"costs", "arguments"}),  # its costs are its optimize's
    ],
)
def test_check_gives_partial_credit_per_quantity(
    classroom: Path, name: str, wrong: set[str]
) -> None:
    """The wrong quantities alone lose their points, and the submission still fails."""
    done = _cli("check", f"class/partial.py:{name}", "--json", cwd=classroom)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    validate(report, "report")
    expected = {q: 0.0 if q in wrong else 1.0 for q in QUANTITIES[name]}
    assert report["outcome"] == "fail" and report["scores"] == expected, report["quantities"]
    assert report["score"] == len(expected) - len(wrong)
    assert report["max_score"] == len(expected)


def test_a_case_that_raises_earns_nothing(classroom: Path) -> None:
    """Right on the cases that ran is not right: a case that raised verified nothing."""
    source = RIGHT.replace(
        "def predict(w, b, X):\n",
        "def predict(w, b, X):\n    if X.shape[1] == 1:\n        raise ValueError('one example')\n",
    )
    (classroom / "raises.py").write_text(source)
    done = _cli("check", "raises.py:predict", "--json", cwd=classroom)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    validate(report, "report")
    assert report["quantities"]["Y_prediction"]["status"] == "ok"  # on the cases that ran
    assert report["scores"] == {"Y_prediction": 0.0}


def test_a_function_that_changes_its_arguments_earns_nothing(classroom: Path) -> None:
    """Every value right but the caller's w changed in place: the failure is the whole
    function's, as for propagate, so no quantity earns its points."""
    source = RIGHT.replace(
        'w = w - learning_rate * grads["dw"]', 'w -= learning_rate * grads["dw"]'
    )
    (classroom / "in_place.py").write_text(source)
    done = _cli(
        "check", "in_place.py:optimize", "--json", "--search-seconds", "0",
        "--gradescope", "in_place.json", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    validate(report, "report")
    assert all(q["status"] == "ok" for q in report["quantities"].values())
    assert report["modified_inputs"] or "modified_inputs" in report["mistakes"], report
    assert report["scores"] == dict.fromkeys(QUANTITIES["optimize"], 0.0)
    results = json.loads((classroom / "in_place.json").read_text())
    validate(results, "gradescope")
    w = next(t for t in results["tests"] if t["name"] == "optimize: w")
    assert w["status"] == "failed" and "the function failed" in w["output"]


def test_grade_scores_several_exercises_per_submission(classroom: Path) -> None:
    done = _cli(
        "grade", "class", "--function", "propagate,optimize,initialize_with_zeros",
        "--points", "propagate=6,optimize.costs=3,initialize_with_zeros.b=2",
        "--out", "grades", "--jobs", "1", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    with (classroom / "grades" / "gradebook.csv").open() as f:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(f)}
    # propagate 6 (2 per quantity); optimize w, b, dw, db 1 each and costs 3; initialize w 1, b 2
    right = rows["right.py"]
    assert (right["propagate_max_score"], right["optimize_max_score"]) == ("6", "7")
    assert right["initialize_with_zeros_max_score"] == "3"
    assert right["score"] == "16" and right["max_score"] == "16"
    wrong = rows["wrong.py"]
    assert wrong["propagate_score"] == "6"
    assert wrong["optimize_outcome"] == "fail" and wrong["optimize_score"] == "0"
    assert wrong["initialize_with_zeros_score"] == "1"  # w right, b an int
    partial = rows["partial.py"]
    assert (partial["optimize_score"], partial["initialize_with_zeros_score"]) == ("4", "1")
    assert partial["score"] == "11" and partial["max_score"] == "16"
    book = json.loads((classroom / "grades" / "gradebook.json").read_text())
    validate(book, "gradebook")
    assert book["functions"] == ["propagate", "optimize", "initialize_with_zeros"]
    assert book["points"]["propagate"] == {"dw": 2.0, "db": 2.0, "cost": 2.0}
    assert book["points"]["optimize"] == {"w": 1.0, "b": 1.0, "dw": 1.0, "db": 1.0, "costs": 3.0}
    assert book["points"]["initialize_with_zeros"] == {"w": 1.0, "b": 2.0}
    assert book["max_score"] == 16
    totals = {Path(t["file"]).name: t for t in book["totals"]}
    assert totals["partial.py"]["scores"] == {
        "propagate": 6.0,
        "optimize": 4.0,
        "initialize_with_zeros": 1.0,
    }
    assert totals["partial.py"]["score"] == 11 and totals["right.py"]["passed"] is True
    for name, exercise in book["exercises"].items():
        validate(exercise, "gradebook")
        assert exercise["function"] == name and exercise["points"] == book["points"][name]


def test_gradescope_has_a_test_per_quantity_of_every_exercise(classroom: Path) -> None:
    done = _cli(
        "grade", "class/partial.py", "--function", "propagate,optimize,predict",
        "--points", "optimize=5,predict=2",
        "--out", "g2", "--gradescope", "results.json", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    results = json.loads((classroom / "results.json").read_text())
    validate(results, "gradescope")
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == [
        "propagate: dw", "propagate: db", "propagate: cost",
        "optimize: w", "optimize: b", "optimize: dw", "optimize: db", "optimize: costs",
        "predict",
    ]  # fmt: skip
    assert tests["optimize: costs"]["status"] == "failed" and tests["optimize: costs"]["score"] == 0
    assert "costs" in tests["optimize: costs"]["output"]
    assert tests["optimize: w"] == {**tests["optimize: w"], "status": "passed", "score": 1.0}
    assert tests["predict"]["score"] == tests["predict"]["max_score"] == 2.0
    assert results["score"] == 3 + 4 + 2


def test_points_a_grading_cannot_place_are_refused_with_the_forms(classroom: Path) -> None:
    done = _cli(
        "grade", "class", "--function", "propagate,optimize", "--points", "dw=2",
        "--out", "g3", cwd=classroom,
    )  # fmt: skip
    assert done.returncode == 2
    assert "propagate.dw=2 or optimize.dw=2" in done.stderr and "Traceback" not in done.stderr
    done = _cli("check", "class/right.py:predict", "--points", "optimize=2", cwd=classroom)
    assert done.returncode == 2 and "optimize is not graded" in done.stderr
    done = _cli("check", "class/right.py:predict", "--points", "predict.dw=2", cwd=classroom)
    assert done.returncode == 2 and "EXERCISE.QUANTITY=N" in done.stderr
    assert "predict: Y_prediction=N" in done.stderr


def test_points_are_assigned_by_exercise_and_quantity() -> None:
    from autograd_lr.grading.grader import assign_points, parse_points

    both = ["propagate", "optimize"]
    assert assign_points(parse_points("optimize=5,propagate.cost=0.5"), both) == {
        "propagate": (("cost", 0.5),),
        "optimize": tuple((q, 1.0) for q in QUANTITIES["optimize"]),
    }
    assert assign_points(parse_points("costs=2"), both)["optimize"] == (("costs", 2.0),)
    for text, phrase in [
        ("optimize=5,optimize.w=1", "both a total and points"),
        ("optimize.w=1,optimize=5", "both a total and points"),
        ("predict=1", "predict is not graded"),
        ("Y_prediction=1", "no graded exercise"),
    ]:
        with pytest.raises(ValueError, match=phrase):
            assign_points(parse_points(text), both)
    for text, phrase in [
        ("dw=1,dw=2", "twice"),
        ("dw=-1", "finite and >= 0"),
        ("dw=inf", "finite and >= 0"),
        ("optimize.cost=1", "cannot read"),
        ("dw", "cannot read"),
    ]:
        with pytest.raises(ValueError, match=phrase):
            parse_points(text)


def test_propagates_points_per_quantity_keep_their_form(classroom: Path) -> None:
    done = _cli(
        "check", "class/right.py:propagate", "--points", "dw=2,cost=0.5", "--json", cwd=classroom
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["scores"] == {"dw": 2.0, "db": 1.0, "cost": 0.5} and report["max_score"] == 3.5


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
