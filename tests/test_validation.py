"""Bad input gets a clear ValueError naming the shapes and the fix, never a silent wrong answer."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograd_lr import optimize, predict, propagate
from autograd_lr.problems import make_problem

P = make_problem(2, 3, seed=30)
W, B, X, Y = P


def test_the_broadcasting_trap_is_refused() -> None:
    bad_Y = Y.T  # (3, 1)
    # without the check, A − Y would silently broadcast to (3, 3)
    assert (np.zeros((1, 3)) - bad_Y).shape == (3, 3)
    with pytest.raises(ValueError) as info:
        propagate(W, B, X, bad_Y)
    message = str(info.value)
    assert "(3, 1)" in message and "(1, 3)" in message
    assert "broadcasting trap" in message and "(3, 3)" in message
    assert "reshape(1, -1)" in message


def test_a_rank_one_Y_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\(3,\) but must be \(1, 3\).*reshape\(1, -1\)"):
        propagate(W, B, X, Y.ravel())


@pytest.mark.parametrize(
    ("w", "fix"), [(W.ravel(), "reshape(-1, 1)"), (W.T, "w.T"), (np.ones((3, 1)), "one weight")]
)
def test_w_of_the_wrong_shape(w: np.ndarray, fix: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fix)) as info:
        propagate(w, B, X, Y)
    assert "(2, 1)" in str(info.value) and str(w.shape) in str(info.value)


def test_example_counts_that_differ() -> None:
    with pytest.raises(ValueError, match=r"\(1, 3\) to match X's 3 examples.*got \(1, 4\)"):
        propagate(W, B, X, np.zeros((1, 4)))


def test_x_must_be_two_dimensional() -> None:
    with pytest.raises(ValueError, match=r"shape \(n_x, m\).*got shape \(3,\).*reshape"):
        propagate(W, B, X[0], Y)


def test_no_examples() -> None:
    with pytest.raises(ValueError, match=r"m >= 1"):
        propagate(W, B, np.zeros((2, 0)), np.zeros((1, 0)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_X(bad: float) -> None:
    X_bad = X.copy()
    X_bad[1, 2] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at index \(1, 2\)"):
        propagate(W, B, X_bad, Y)


def test_nan_in_w_and_b() -> None:
    with pytest.raises(ValueError, match="w contains NaN"):
        propagate(np.array([[np.nan], [0.0]]), B, X, Y)
    with pytest.raises(ValueError, match="b is nan"):
        propagate(W, float("nan"), X, Y)


@pytest.mark.parametrize("labels", [[[0, 2, 1]], [[0.5, 1, 0]], [[-1, 1, 1]]])
def test_labels_outside_zero_one(labels: list) -> None:
    with pytest.raises(ValueError, match="labels 0 and 1 only; found"):
        propagate(W, B, X, np.array(labels))


def test_b_must_be_a_scalar() -> None:
    with pytest.raises(ValueError, match=r"scalar \(the bias\).*\(1, 3\)"):
        propagate(W, np.zeros((1, 3)), X, Y)
    grads, _ = propagate(W, np.array([[B]]), X, Y)  # a size-1 array is a scalar
    assert grads["dw"].shape == (2, 1)


def test_non_numeric_input() -> None:
    with pytest.raises(ValueError, match="real numbers"):
        propagate(W, B, np.array([["a", "b", "c"], ["d", "e", "f"]]), Y)
    with pytest.raises(ValueError, match="could not be read as an array"):
        propagate(W, B, [[1.0, 2.0], [3.0]], Y)


def test_every_entry_point_validates() -> None:
    with pytest.raises(ValueError, match="broadcasting trap"):
        optimize(W, B, X, Y.ravel())
    with pytest.raises(ValueError, match=r"\(2, 1\)"):
        predict(W.ravel(), B, X)
