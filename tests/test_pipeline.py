"""``autograd_lr.train``: the pipeline the CLI and the notebooks share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

import autograd_lr
from autograd_lr.cli import main
from autograd_lr.datasets import load_dataset, train_test_split
from autograd_lr.training.persistence import load_model


def test_python_and_the_cli_train_the_same_model(tmp_path: Path) -> None:
    result = autograd_lr.train("two-feature", out=tmp_path / "py", progress=False)
    code = main(
        ["train", "--dataset", "two-feature", "--out", str(tmp_path / "cli"), "--no-progress"]
    )
    assert code == 0
    from_python, from_cli = load_model(tmp_path / "py"), load_model(tmp_path / "cli")
    np.testing.assert_array_equal(from_python.w, from_cli.w)
    assert from_python.b == from_cli.b
    assert {p.name for p in result.files} == {
        "model.json", "cost.png", "test.csv", "decision_boundary.png"
    }  # fmt: skip


def test_the_result_reports_what_the_model_does() -> None:
    result = autograd_lr.train("breast-cancer", solver="newton", progress=False, seed=3)
    data = load_dataset("breast-cancer", seed=3)
    train, test = train_test_split(data, 0.2, 3)
    assert test is not None
    # The accuracies are those of the returned model on the same split, recounted here
    # independently: the logits by hand, the rule z > 0, scikit-learn's accuracy_score.
    for X, Y, percent, correct in (
        (train.X, train.Y, result.train_accuracy, result.train_correct),
        (test.X, test.Y, result.test_accuracy, result.test_correct),
    ):
        model = result.model
        Z = model.w.ravel() @ ((X - model.mean) / model.std) + model.b
        labels = (Z > 0).astype(int)
        # two float formulas for one fraction: equal to rounding (a few ulp of 100)
        assert percent == pytest.approx(100 * accuracy_score(Y.ravel(), labels), abs=1e-12)
        assert correct == int(np.sum(labels == Y.ravel()))
    assert result.fit.converged and result.test_accuracy > 95  # the data set's known level
    assert f"{result.fit.n_iter} of at most 100" in result.summary()
    assert result.files == []  # nothing written without out=


def test_lines_about_the_data_go_to_echo() -> None:
    lines: list[str] = []
    autograd_lr.train("two-feature", progress=False, iterations=5, tol=0.0, echo=lines.append)
    assert lines[0].startswith("data       two-feature") and lines[2].startswith("split")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lambd": 1.0, "C": 1.0}, "not both"),
        ({"C": 0.0}, r"C must be a number > 0"),
        ({"solver": "sgd"}, "solver must be one of gd, newton"),
        ({"iterations": -1}, "iterations must be an integer >= 0"),
        ({"learning_rate": -1.0}, r"learning_rate \(α\) must be a finite number > 0"),
    ],
)
def test_bad_options_are_named(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        autograd_lr.train("two-feature", progress=False, **options)


def test_an_options_record_and_keywords_train_alike() -> None:
    from autograd_lr.training.pipeline import TrainOptions

    options = TrainOptions(solver="newton", lambd=0.5, iterations=20, progress=False)
    by_record = autograd_lr.train("two-feature", options=options)
    by_keywords = autograd_lr.train(
        "two-feature", solver="newton", lambd=0.5, iterations=20, progress=False
    )
    np.testing.assert_array_equal(by_record.model.w, by_keywords.model.w)
    assert by_record.lambd == 0.5 and by_record.fit.solver == "newton"
    # a keyword replaces the record's field, the others stay
    stronger = autograd_lr.train("two-feature", options=options, lambd=2.0)
    assert stronger.lambd == 2.0 and stronger.fit.solver == "newton"
    assert np.linalg.norm(stronger.model.w) < np.linalg.norm(by_record.model.w)
    with pytest.raises(TypeError, match=r"unknown training option\(s\) solvr; the options are"):
        autograd_lr.train("two-feature", solvr="gd")
    with pytest.raises(ValueError, match="not both"):
        TrainOptions(lambd=1.0, C=1.0)  # checked when the record is made
