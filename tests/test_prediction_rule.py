"""One prediction rule for every entry point: ŷ = 1 exactly where z > 0.

For 0 < z ≤ 1.1e-16, σ(z) rounds to exactly ½, so a rule written as ``A > 0.5`` says 0
where ``Z > 0`` says 1: the same weights gave different labels depending on the entry
point. Every entry point now goes through :func:`autograd_lr.forward.predict_labels`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from autograd_lr import course, forward
from autograd_lr.cli import main
from autograd_lr.training.estimator import LogisticRegressionGD
from autograd_lr.training.persistence import FittedModel, load_model, save_model

# z = w·x with w = 1e-17 and x = -1, 0, 1: one logit on each side of 0 and 0 itself.
W = 1e-17
X_ROW = np.array([[-1.0, 0.0, 1.0]])  # (n_x, m) = (1, 3)
EXPECTED = [0, 0, 1]


def test_the_tiny_positive_logit_is_where_a_rule_on_a_would_disagree() -> None:
    Z = W * X_ROW
    assert float(forward.sigmoid(Z)[0, 2]) == 0.5  # σ(1e-17) rounds to exactly 1/2
    assert list(np.asarray(forward.sigmoid(Z) > 0.5, dtype=int)[0]) == [0, 0, 0]
    assert list(np.asarray(forward.predict_labels(Z), dtype=int)[0]) == EXPECTED


def test_course_predict() -> None:
    labels = course.predict(np.array([[W]]), 0.0, X_ROW)
    assert labels.tolist() == [[float(v) for v in EXPECTED]]


def test_the_estimator() -> None:
    rng = np.random.default_rng(0)
    estimator = LogisticRegressionGD().fit(rng.standard_normal((20, 1)), np.arange(20) % 2)
    estimator.coef_ = np.array([[W]])
    estimator.intercept_ = np.array([0.0])
    assert estimator.predict(X_ROW.T).tolist() == EXPECTED


def test_a_saved_and_loaded_model(tmp_path: Path) -> None:
    path = save_model(FittedModel(w=np.array([[W]]), b=0.0, feature_names=("x",)), tmp_path)
    assert load_model(path).predict(X_ROW).astype(int).tolist() == [EXPECTED]


def test_the_predict_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_model(FittedModel(w=np.array([[W]]), b=0.0, feature_names=("x",)), tmp_path / "model")
    data = tmp_path / "data.csv"
    data.write_text("x\n-1\n0\n1\n")
    output = tmp_path / "predictions.csv"
    assert (
        main(["predict", "--model", str(tmp_path / "model"), str(data), "--output", str(output)])
        == 0
    )
    with output.open() as f:
        rows = list(csv.DictReader(f))
    assert [int(r["prediction"]) for r in rows] == EXPECTED
    assert float(rows[2]["probability"]) == 0.5  # the probability column still says σ(z)
