"""The main job, `autograd-lr verify`: passes on the real gradients, fails on a planted mistake."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from autograd_lr import cli, gradients
from autograd_lr.teaching import verify
from autograd_lr.tolerances import FINITE_DIFFERENCE_RTOL, JAX_RTOL


def test_verify_passes_and_trains() -> None:
    report = verify.run(m=200, seed=1, iterations=500)
    assert report.passed
    assert [len(stage.entries) for stage in report.stages] == [3, 3, 3]  # dw1, dw2, db
    for stage in report.stages:
        assert stage.error_jax <= JAX_RTOL and stage.error_fd <= FINITE_DIFFERENCE_RTOL
    start, _, end = report.stages
    assert start.cost == pytest.approx(np.log(2))  # J(0, 0) = log 2
    assert end.cost == pytest.approx(report.final_cost) and end.cost < 0.4
    assert 80.0 < report.train_accuracy <= 100.0 and 80.0 < report.test_accuracy <= 100.0
    text = str(report)
    assert "hand-derived" in text and "jax.grad" in text and "finite diff." in text
    assert "all hand-derived gradients verified" in text


VALUE = r"-?\d\.\d{9}e[+-]\d\d"  # the value columns' one format: 10 significant digits
ERROR = r"\d\.\de[+-]\d\d"  # the relative errors'


def test_the_report_reads_one_way() -> None:
    """Each column in one format, headings with one pair of brackets, accuracy as elsewhere.

    At w = 0 the hand-derived db is exactly 0 while jax.grad's is 1.3e-18: the row must
    print both in the column's format, not ``0`` beside ``1.3e-18``.
    """
    report = verify.run(m=200, seed=1, iterations=500)
    lines = str(report).splitlines()
    rows = [line for line in lines if re.match(r"  (dw\d+|db) ", line)]
    assert len(rows) == 9
    for line in rows:
        assert re.fullmatch(rf"  (dw\d+|db) +{VALUE} +{VALUE} +{VALUE} +{ERROR} +{ERROR}", line), (
            line
        )
    start = report.stages[0]
    assert start.entries[-1].hand == 0.0, "the case this test is about: an exact 0 in the db row"
    assert lines[1].strip() == (  # α in one line: the update it scales, and its name
        "gradient descent: 500 iterations of w := w − α·dw, b := b − α·db, "
        "with the step size (learning rate) α = 0.5"
    )
    headings = [line for line in lines if line.startswith("at ")]
    assert len(headings) == 3 and all(": cost J = " in h for h in headings)
    for line in lines:
        assert not re.search(r"\)\s*\(", line), f"doubled brackets: {line}"
    for name, correct, m, percent in (
        ("train", report.train_correct, report.m_train, report.train_accuracy),
        ("test", report.test_correct, report.m_test, report.test_accuracy),
    ):
        assert m == 200 and correct == round(percent * m / 100)
        assert f"{name + ' accuracy':<16}{100 * correct / m:.1f} % ({correct}/{m})" in lines


def test_verify_catches_a_wrong_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A factor of 2 in dw (a classic slip) must fail the table and the exit code."""
    right = gradients.backward  # propagate's dw and db

    def wrong(X, A, Y):  # type: ignore[no-untyped-def]
        grads = right(X, A, Y)
        return {"dw": 2 * grads["dw"], "db": grads["db"]}

    monkeypatch.setattr(gradients, "backward", wrong)
    report = verify.run(m=100, iterations=50)
    assert not report.passed
    assert report.stages[0].error_jax > 0.4  # |2g − g| / |2g| = 1/2
    assert "VERIFICATION FAILED" in str(report)
    assert cli.main(["verify", "--m", "100", "--iterations", "50"]) == cli.EXIT_FAILED


def test_cli_verify_runs_as_a_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "verify", "--iterations", "300"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "quantity" in result.stdout and "dw1" in result.stdout and "db" in result.stdout
    assert re.search(r"^train accuracy  \d+\.\d % \(\d+/400\)$", result.stdout, re.MULTILINE)


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["verify", "--m", "1"]) == cli.EXIT_USAGE
    assert "error:" in capsys.readouterr().err


def test_the_random_point_catches_what_w_zero_hides(monkeypatch: pytest.MonkeyPatch) -> None:
    """σ(−z) for σ(z): at w = 0 both are 1/2 and the gradients agree; elsewhere they don't."""
    right = gradients.backward  # propagate's dw and db

    def sigma_of_minus_z(X, A, Y):  # type: ignore[no-untyped-def]
        return right(X, 1 - A, Y)  # dZ = σ(−z) − Y, as 1 − σ(z) = σ(−z)

    monkeypatch.setattr(gradients, "backward", sigma_of_minus_z)
    report = verify.run(m=100, iterations=50)
    start, random_point, _ = report.stages
    assert start.passed, "at w = 0 the slip is invisible"
    assert not random_point.passed and random_point.error_jax > 1e-2
    assert not report.passed
