"""assert_gradients_correct, gradient_test and the pytest plugin a course repository uses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from autograd_lr import course
from autograd_lr.testing import assert_gradients_correct, gradient_test


def db_summed(w, b, X, Y):
    grads, cost = course.propagate(w, b, X, Y)
    return {"dw": grads["dw"], "db": grads["db"] * X.shape[1]}, cost


def test_assert_passes_and_returns_the_report() -> None:
    report = assert_gradients_correct(course.propagate)
    assert report.passed


def test_assert_raises_with_the_readable_report() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_gradients_correct(db_summed)
    message = str(caught.value)
    assert "db_summed: FAILED: db is wrong" in message
    # the source is traced: the verified repair names the mistake at its line
    assert "line 19 of db_summed" in message and "the factor 1/m is missing" in message
    assert "(add_mean;" in message


def test_assert_passes_options_through() -> None:
    with pytest.raises(AssertionError, match="lacks the L2 term"):
        assert_gradients_correct(lambda w, b, X, Y, lambd: course.propagate(w, b, X, Y), lambd=1.0)


def test_gradient_test_makes_a_named_test_function() -> None:
    test = gradient_test(db_summed)
    assert test.__name__ == "test_gradients_of_db_summed"
    with pytest.raises(AssertionError, match="db is wrong"):
        test()
    gradient_test(course.propagate)()  # passes silently


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("autograd_lr") == "autograd_lr.checking.pytest_plugin"


def test_the_plugin_is_light_to_import() -> None:
    code = (
        "import sys, autograd_lr.checking.pytest_plugin; "
        "print(sorted(m for m in ('jax', 'sklearn', 'matplotlib', 'dask', 'numba') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_course_repository_checks_its_derivation_in_one_line(tmp_path: Path) -> None:
    """A fresh pytest run (the plugin loads through its entry point): one pass, one failure."""
    (tmp_path / "test_course.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            from autograd_lr.testing import gradient_test

            def propagate(w, b, X, Y):
                m = X.shape[1]
                A = 1 / (1 + np.exp(-(w.T @ X + b)))
                dZ = A - Y
                cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
                return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost

            def wrong(w, b, X, Y):
                (grads, cost) = propagate(w, b, X, Y)
                return {"dw": -grads["dw"], "db": -grads["db"]}, cost

            def test_propagate(assert_gradients_correct):
                assert_gradients_correct(propagate)

            def test_wrong(assert_gradients_correct):
                assert_gradients_correct(wrong)

            test_one_line = gradient_test(propagate)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_course.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 2 passed" in done.stdout
    assert "line 14 of wrong" in done.stdout and "a term has the wrong sign" in done.stdout
    assert "(flip_sign;" in done.stdout
