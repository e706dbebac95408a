"""The main job, `autograd-lr verify`: passes on the real gradients, fails on a planted mistake."""

from __future__ import annotations

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
    assert [len(stage.rows) for stage in report.stages] == [3, 3, 3]  # dw1, dw2, db
    for stage in report.stages:
        assert stage.error_jax <= JAX_RTOL and stage.error_fd <= FINITE_DIFFERENCE_RTOL
    start, _, end = report.stages
    assert start.cost == pytest.approx(np.log(2))  # J(0, 0) = log 2
    assert end.cost == pytest.approx(report.final_cost) and end.cost < 0.4
    assert 80.0 < report.train_accuracy <= 100.0 and 80.0 < report.test_accuracy <= 100.0
    text = str(report)
    assert "hand-derived" in text and "jax.grad" in text and "finite diff." in text
    assert "all hand-derived gradients verified" in text


def test_verify_catches_a_wrong_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A factor of 2 in dw (a classic slip) must fail the table and the exit code."""
    right = gradients.gradients_vectorized

    def wrong(*args, **kwargs):  # type: ignore[no-untyped-def]
        grads, J = right(*args, **kwargs)
        return {"dw": 2 * grads["dw"], "db": grads["db"]}, J

    monkeypatch.setattr(gradients, "gradients_vectorized", wrong)
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
    assert "accuracy: train" in result.stdout


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["verify", "--m", "1"]) == cli.EXIT_USAGE
    assert "error:" in capsys.readouterr().err


def test_the_random_point_catches_what_w_zero_hides(monkeypatch: pytest.MonkeyPatch) -> None:
    """σ(−z) for σ(z): at w = 0 both are 1/2 and the gradients agree; elsewhere they don't."""
    right = gradients.gradients_vectorized

    def sigma_of_minus_z(w, b, X, Y, lambd=0.0):  # type: ignore[no-untyped-def]
        return right(-w, -b, X, Y, lambd)  # dZ = σ(−z) − Y

    monkeypatch.setattr(gradients, "gradients_vectorized", sigma_of_minus_z)
    report = verify.run(m=100, iterations=50)
    start, random_point, _ = report.stages
    assert start.passed, "at w = 0 the slip is invisible"
    assert not random_point.passed and random_point.error_jax > 1e-2
    assert not report.passed
