"""`autograd-lr train` and `autograd-lr predict`, run as a user runs them: in a subprocess."""

from __future__ import annotations

import csv
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lr.datasets import Standardizer, load_csv, make_two_feature, train_test_split
from autograd_lr.training import solvers
from autograd_lr.training.persistence import load_model


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and proof that it is a PNG)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def two_feature(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("two_feature")
    result = run("train", "--dataset", "two-feature", "--out", "model", "--seed", "3", cwd=root)
    return root, result


def test_train_writes_model_plots_and_a_summary(two_feature) -> None:
    root, result = two_feature
    assert result.returncode == 0, result.stderr
    out = root / "model"
    assert sorted(p.name for p in out.iterdir()) == [
        "cost.png",
        "decision_boundary.png",
        "model.json",
        "test.csv",
    ]
    assert min(png_size(out / "cost.png")) > 300
    assert min(png_size(out / "decision_boundary.png")) > 300
    # the progress bar (stderr) shows the solver and the current cost
    assert re.search(r"gd: .*\d+/\d+ .*cost=0\.\d{6}", result.stderr), result.stderr[-500:]
    for line in ("iterations", "final cost", "train accuracy", "test accuracy", "time"):
        assert re.search(rf"^  {line} ", result.stdout, re.MULTILINE), line
    metadata = load_model(out).metadata
    assert f"J = {metadata['final_cost']:.8f}" in result.stdout
    assert f"{metadata['iterations']} of at most 10000 (converged" in result.stdout
    assert metadata["m_train"] == 320 and metadata["m_test"] == 80


def test_the_summary_explains_alpha_and_lambda_in_one_line_each(two_feature) -> None:
    root, result = two_feature
    metadata = load_model(root / "model").metadata
    alpha, lambd = metadata["learning_rate"], metadata["lambda"]
    lines = result.stdout.splitlines()
    assert (
        f"  step size       α = {alpha:.4g} (1/L, L the largest curvature of J): "
        "each step is w := w − α·dw, b := b − α·db"
    ) in lines
    assert lambd == 1.0
    assert (
        "  L2 penalty      λ = 1 in J + (λ/2m)‖w‖², which keeps w small (b is not "
        "penalized); scikit-learn's C = 1/λ = 1"
    ) in lines


ACCURACY = re.compile(r"(\d+\.\d) % \((\d+)/(\d+)\)")


def test_train_and_predict_print_accuracy_one_way(two_feature) -> None:
    """Every accuracy the commands print: one decimal, then the count it comes from."""
    root, trained = two_feature
    predicted = run("predict", "--model", "model", "model/test.csv", cwd=root)
    lines = [
        line for line in (trained.stdout + predicted.stdout).splitlines() if "accuracy" in line
    ]
    assert len(lines) == 3, lines
    for line in lines:
        found = ACCURACY.search(line)
        assert found is not None and line.count("%") == 1, line
        percent, correct, m = found.groups()
        assert percent == f"{100 * int(correct) / int(m):.1f}", line


def test_a_bar_that_stops_early_says_it_converged_and_at_which_iteration(two_feature) -> None:
    """The bar's last state (tqdm redraws with \\r) ends at 100 % of the iterations taken."""
    root, result = two_feature
    N = load_model(root / "model").metadata["iterations"]
    assert 0 < N < 10_000  # it did stop early: the case where a bar used to freeze
    last = result.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith(f"gd: converged at iteration {N}: 100%|"), last
    assert f"| {N}/{N} [" in last, last


def test_a_bar_that_reaches_the_limit_says_it_did_not_converge(tmp_path: Path) -> None:
    result = run("train", "--dataset", "two-feature", "--iterations", "7", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    last = result.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("gd: not converged, stopped at the limit of 7 iterations: 100%|"), last


def test_the_saved_model_is_exactly_what_the_solver_computes(two_feature) -> None:
    """Re-run the same training in this process: the reloaded parameters are bit-identical."""
    root, _ = two_feature
    model = load_model(root / "model")
    train, _ = train_test_split(make_two_feature(400, 3), 0.2, 3)
    scaler = Standardizer.fit(train.X)
    result = solvers.gradient_descent(
        np.zeros((2, 1)),
        0.0,
        scaler.transform(train.X),
        train.Y,
        lambd=1.0,
        tol=1e-4,
        max_iter=10_000,
    )
    assert model.w.tobytes() == result.w.tobytes()
    assert np.float64(model.b).tobytes() == np.float64(result.b).tobytes()
    assert model.mean is not None and model.mean.tobytes() == scaler.mean.tobytes()


def test_predict_writes_one_prediction_per_example(two_feature) -> None:
    root, train_result = two_feature
    result = run("predict", "--model", "model", "model/test.csv", cwd=root)
    assert result.returncode == 0, result.stderr
    predictions = root / "model" / "test.predictions.csv"
    assert f"wrote      {Path('model/test.predictions.csv')}" in result.stdout
    rows = read_rows(predictions)
    test = load_csv(root / "model" / "test.csv", target="y")
    assert len(rows) == test.m == 80
    model = load_model(root / "model")
    A = model.probabilities(test.X)[0]
    np.testing.assert_array_equal([float(r["probability"]) for r in rows], A)  # exact: repr
    assert [int(r["prediction"]) for r in rows] == [int(a > 0.5) for a in A]
    # the accuracy predict reports is the test accuracy train reported
    test_accuracy = re.search(r"test accuracy   (\S+ % \(\d+/80\))", train_result.stdout)
    assert test_accuracy is not None
    assert f"accuracy   {test_accuracy.group(1)} against column 'y'" in result.stdout


def test_train_on_a_csv_with_text_labels_reports_the_mapping(tmp_path: Path) -> None:
    data = make_two_feature(120, 1)
    with (tmp_path / "cells.csv").open("w") as handle:
        handle.write("size,shape,diagnosis\n")
        for i in range(data.m):
            label = "M" if data.Y[0, i] else "B"
            handle.write(f"{float(data.X[0, i])!r},{float(data.X[1, i])!r},{label}\n")
    result = run(
        "train", "--dataset", "cells.csv", "--target", "diagnosis", "--C", "0.5",
        "--solver", "newton", "--out", "run", "--test-fraction", "0.25", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mapped from the file's labels: 'B' -> 0, 'M' -> 1" in result.stdout
    assert "L2 penalty      λ = 2 in J + (λ/2m)‖w‖², " in result.stdout
    assert "scikit-learn's C = 1/λ = 0.5" in result.stdout
    assert re.search(r"newton: .*cost=", result.stderr)
    model = load_model(tmp_path / "run")
    assert model.metadata["lambda"] == 2.0 and model.class_names == ("B", "M")
    assert model.metadata["m_test"] == 30
    predicted = run("predict", "--model", "run", "cells.csv", "--output", "p.csv", cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    classes = {row["class"] for row in read_rows(tmp_path / "p.csv")}
    assert classes == {"B", "M"}
    assert "against column 'diagnosis'" in predicted.stdout


def test_breast_cancer_with_newton(tmp_path: Path) -> None:
    result = run(
        "train",
        "--solver",
        "newton",
        "--tol",
        "1e-10",
        "--no-progress",
        "--out",
        "bc",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "breast-cancer: 569 examples × 30 features" in result.stdout
    assert "labels     0 = malignant, 1 = benign" in result.stdout
    assert result.stderr == ""  # --no-progress
    metadata = load_model(tmp_path / "bc").metadata
    assert metadata["converged"] and metadata["iterations"] <= 12
    assert metadata["test_accuracy"] > 0.95  # the data set's well-known ~97 % level
    assert not (tmp_path / "bc" / "decision_boundary.png").exists()  # 30 features


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (
            ["--dataset", "d.csv", "--target", "label"],
            {"d.csv": "x,y\n1,0\n2,1\n"},
            r"d\.csv: no target column 'label' in the header \(line 1\); the columns are 'x', 'y'",
        ),
        (["--dataset", "d.csv"], {"d.csv": "x,y\n1,0\n"}, r"name the label column with --target"),
        (
            ["--dataset", "d.csv", "--target", "y"],
            {"d.csv": "x,y\n1,0\n2,1\noops,0\n"},
            r"d\.csv, line 4, column 'x': 'oops' is not a number",
        ),
        (["--learning-rate", "50"], {}, r"diverged with learning rate α = 50: .* 2/L = "),
    ],
)
def test_train_errors_exit_2_with_one_clear_line(
    tmp_path: Path, args: list[str], files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run("train", "--no-progress", "--out", "out", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert re.search(message, result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "model.json").exists()


def test_l2_and_C_are_exclusive(tmp_path: Path) -> None:
    result = run("train", "--l2", "1", "--C", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


@pytest.mark.parametrize("damage", ["truncate", "change a digit"])
def test_predict_refuses_a_damaged_model(two_feature, tmp_path: Path, damage: str) -> None:
    root, _ = two_feature
    text = (root / "model" / "model.json").read_text()
    if damage == "truncate":
        text, expected = text[: len(text) // 2], "truncated or corrupted"
    else:
        w0 = json.loads(text)["payload"]["parameters"]["w"][0]
        digit = repr(w0)[-1]
        text = text.replace(repr(w0), repr(w0)[:-1] + ("3" if digit != "3" else "4"), 1)
        expected = "do not match its SHA-256 checksum"
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text(text)

    def listing() -> dict[str, int]:  # the shared fixture dir: other tests write there too
        return {p.name: p.stat().st_mtime_ns for p in (root / "model").iterdir()}

    before = listing()
    result = run("predict", "--model", "model", str(root / "model" / "test.csv"), cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    # nothing written by this call: no predictions file, no temporary file left behind
    assert listing() == before


def test_training_on_a_single_class_is_refused(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("a,b,y\n1,2,1\n2,3,1\n3,1,1\n4,4,1\n5,1,1\n")
    result = run("train", "--dataset", "one.csv", "--target", "y", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2
    assert "only one class" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unusable_output_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a directory\n")
    result = run(
        "train", "--dataset", "two-feature", "--no-progress", "--out", "afile/x", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "cannot use afile/x" in result.stderr and "Traceback" not in result.stderr


def test_predict_with_an_unknown_label_writes_nothing(tmp_path: Path) -> None:
    assert run("train", "--dataset", "two-feature", "--no-progress", cwd=tmp_path).returncode == 0
    rows = (tmp_path / "out" / "test.csv").read_text().splitlines()
    header, first, rest = rows[0], rows[1], rows[2:]
    target = header.split(",").index("y")
    fields = first.split(",")
    fields[target] = "7"  # a label the model has never seen
    (tmp_path / "bad.csv").write_text("\n".join([header, ",".join(fields), *rest]) + "\n")
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    result = run("predict", "--model", "out", "bad.csv", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "bad.predictions.csv").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--l2", "-1"), ("--tol", "nan"), ("--iterations", "-3"), ("--test-fraction", "1.0")],
)
def test_bad_flags_are_named_before_any_work(tmp_path: Path, flag: str, value: str) -> None:
    result = run("train", "--dataset", "two-feature", flag, value, cwd=tmp_path)
    assert result.returncode == 2
    assert f"argument {flag}:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
