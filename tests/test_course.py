"""The lecture's course-style API: published check values, gradient descent, no mutation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from autograd_lr import (
    accuracy,
    forward,
    gradients,
    initialize_with_zeros,
    model,
    optimize,
    predict,
    propagate,
    sigmoid,
)
from autograd_lr.datasets import make_two_feature
from autograd_lr.fast import kernel
from autograd_lr.problems import lecture_problem, make_problem
from autograd_lr.tolerances import LECTURE_ATOL

# Gradient descent and a quasi-Newton reference stop at slightly different points of a
# flat optimum; after 2000 steps at α = 0.5 on this data they agree to ~1e-6.
OPTIMUM_ATOL = 1e-5


def test_propagate_reproduces_the_lectures_values() -> None:
    grads, cost = propagate(*lecture_problem())
    assert grads["dw"].shape == (2, 1)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=LECTURE_ATOL)
    assert isinstance(grads["db"], float) and isinstance(cost, float)
    assert grads["db"] == pytest.approx(0.00145558, abs=LECTURE_ATOL)
    assert cost == pytest.approx(5.80154532, abs=LECTURE_ATOL)


def test_optimize_reproduces_the_courses_published_values() -> None:
    """The course's check values for 100 steps at α = 0.009 from the lecture's example."""
    params, grads, costs = optimize(*lecture_problem(), num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], atol=LECTURE_ATOL)
    assert params["b"] == pytest.approx(1.92535983, abs=LECTURE_ATOL)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], atol=LECTURE_ATOL)
    assert grads["db"] == pytest.approx(0.21919450, abs=LECTURE_ATOL)
    assert costs == [pytest.approx(5.80154532, abs=LECTURE_ATOL)]


def test_predict_reproduces_the_courses_published_values() -> None:
    w = np.array([[0.1124579], [0.23106775]])
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    np.testing.assert_array_equal(predict(w, -0.3, X), [[1.0, 1.0, 0.0]])


def test_predict_threshold_is_strictly_above_one_half() -> None:
    X = np.array([[-1e-9, 0.0, 1e-9]])
    np.testing.assert_array_equal(predict(np.array([[1.0]]), 0.0, X), [[0.0, 0.0, 1.0]])


def test_optimize_is_the_gradient_descent_recurrence() -> None:
    """Each step is w := w − α dw, b := b − α db with dw, db from propagate."""
    p = make_problem(4, 25, seed=20)
    alpha = 0.3
    w, b = p.w.copy(), p.b
    for _ in range(7):
        grads, _ = propagate(w, b, p.X, p.Y)
        w, b = w - alpha * grads["dw"], b - alpha * grads["db"]
    params, _, _ = optimize(p.w, p.b, p.X, p.Y, num_iterations=7, learning_rate=alpha)
    np.testing.assert_array_equal(params["w"], w)
    assert params["b"] == b


def test_optimize_records_and_prints_the_cost_every_100_iterations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = make_two_feature(60, seed=1)
    w, b = initialize_with_zeros(2)
    _, _, costs = optimize(w, b, data.X, data.Y, 250, 0.1, print_cost=True)
    assert len(costs) == 3  # iterations 0, 100, 200
    assert costs[0] == pytest.approx(np.log(2))  # J(0, 0) = log 2 whatever the labels
    assert costs[0] > costs[1] > costs[2]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Cost after iteration {i}: {c:f}" for i, c in zip((0, 100, 200), costs, strict=True)
    ]


def test_no_function_mutates_its_inputs() -> None:
    p = make_problem(3, 10, seed=21)
    before = [p.w.copy(), p.X.copy(), p.Y.copy()]
    propagate(*p)
    optimize(*p, num_iterations=5)
    predict(p.w, p.b, p.X)
    model(p.X, p.Y, p.X, p.Y, num_iterations=5)
    for original, now in zip(before, [p.w, p.X, p.Y], strict=True):
        np.testing.assert_array_equal(original, now)


def test_model_reaches_the_optimum_of_J() -> None:
    """model() after 2000 steps sits where an independent optimizer (BFGS on J) lands."""
    train, test = make_two_feature(200, seed=3), make_two_feature(200, seed=4)
    d = model(train.X, train.Y, test.X, test.Y)
    assert set(d) == {
        "costs",
        "Y_prediction_test",
        "Y_prediction_train",
        "w",
        "b",
        "learning_rate",
        "num_iterations",
    }
    assert len(d["costs"]) == 20 and d["learning_rate"] == 0.5 and d["num_iterations"] == 2000

    def J(theta: np.ndarray) -> float:
        return float(forward.cost(theta[:2].reshape(2, 1), theta[2], train.X, train.Y))

    reference = scipy.optimize.minimize(J, np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    got = np.concatenate([d["w"].ravel(), [d["b"]]])
    np.testing.assert_allclose(got, reference.x, atol=OPTIMUM_ATOL)
    assert d["Y_prediction_train"].shape == (1, 200)
    expected_test = (sigmoid(reference.x[:2] @ test.X + reference.x[2]) > 0.5).astype(float)
    np.testing.assert_array_equal(d["Y_prediction_test"], expected_test.reshape(1, -1))


def test_model_prints_accuracies(capsys: pytest.CaptureFixture[str]) -> None:
    data = make_two_feature(40, seed=5)
    model(data.X, data.Y, data.X, data.Y, num_iterations=10, print_cost=True)
    out = capsys.readouterr().out
    assert "train accuracy:" in out and "test accuracy:" in out


def test_accuracy_closed_form() -> None:
    assert accuracy(np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 1.0, 0.0]])) == 50.0


def test_sigmoid_accepts_scalars_arrays_and_integers() -> None:
    assert sigmoid(0) == 0.5
    np.testing.assert_allclose(sigmoid(np.array([0, 2])), [0.5, 1 / (1 + np.exp(-2.0))])


def test_float32_input_stays_close_to_float64() -> None:
    p = make_problem(5, 30, seed=22)
    single, J32 = propagate(p.w.astype(np.float32), p.b, p.X.astype(np.float32), p.Y)
    double, J64 = propagate(*p)
    # float32 carries ~6e-8 relative rounding per operation, over sums of 30 terms
    np.testing.assert_allclose(single["dw"], double["dw"], rtol=0, atol=1e-5)
    assert pytest.approx(J64, rel=1e-5) == J32


def test_integer_input_is_cast() -> None:
    grads_int, cost_int = propagate(
        np.array([[1], [2]]), 2, np.array([[1, 2, -1], [3, 4, -3]]), np.array([[1, 0, 1]])
    )
    grads_float, cost_float = propagate(
        np.array([[1.0], [2.0]]), 2.0, np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.0]]), [[1, 0, 1]]
    )
    np.testing.assert_array_equal(grads_int["dw"], grads_float["dw"])
    assert cost_int == cost_float


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: initialize_with_zeros(0), "integer >= 1"),
        (lambda: initialize_with_zeros(2.5), "integer >= 1"),
        (lambda: optimize(*lecture_problem(), num_iterations=-1), ">= 0"),
        (lambda: optimize(*lecture_problem(), learning_rate=0), "> 0"),
        (lambda: optimize(*lecture_problem(), learning_rate=float("nan")), "> 0"),
        (
            lambda: model(np.ones((2, 3)), [[1, 0, 1]], np.ones((3, 3)), [[1, 0, 1]]),
            "X_test has 3 features",
        ),
    ],
)
def test_bad_arguments_get_clear_errors(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def test_the_course_is_the_formula_and_training_takes_the_one_pass_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """propagate and optimize compute the lecture's formula at any size; the solvers, through
    the training objective, take the single-pass kernel on large numpy X."""
    from autograd_lr.training import solvers

    calls: list[tuple[int, int]] = []
    fused = kernel.gradients_fused

    def spy(w, b, X, Y, lambd=0.0, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(X.shape)
        return fused(w, b, X, Y, lambd, **kwargs)

    monkeypatch.setattr(kernel, "gradients_fused", spy)
    n_x = 8
    m = kernel.FUSED_MIN_BYTES // (8 * n_x)  # exactly the threshold in float64
    p = make_problem(n_x, m, seed=23)
    grads, cost = propagate(*p)
    params, _, _ = optimize(*p, num_iterations=2, learning_rate=0.1)
    assert calls == []
    # ... and they are the formula, bit for bit: gradients_vectorized, two steps of it
    expected, J = gradients.gradients_vectorized(*p)
    np.testing.assert_array_equal(grads["dw"], expected["dw"])
    assert grads["db"] == expected["db"] and cost == float(J)
    w, b = p.w, p.b
    for _ in range(2):
        step, _ = gradients.gradients_vectorized(w, b, p.X, p.Y)
        w, b = w - 0.1 * step["dw"], b - 0.1 * step["db"]
    np.testing.assert_array_equal(params["w"], w)
    solvers.gradient_descent(p.w, p.b, p.X, p.Y, learning_rate=0.1, max_iter=1, tol=0.0)
    assert calls == [(n_x, m)] * 2  # the solver's 2 evaluations


def test_sigmoid_accepts_lists() -> None:
    np.testing.assert_allclose(sigmoid([0, 2]), [0.5, 1 / (1 + np.exp(-2.0))])


def test_accuracy_refuses_a_column_against_a_row() -> None:
    # broadcasting would silently give 55.6 % here instead of an error
    with pytest.raises(ValueError, match=r"\(1, 3\).*\(3, 1\).*reshape\(1, -1\)"):
        accuracy(np.array([[1.0, 0.0, 1.0]]), np.array([[1.0], [0.0], [1.0]]))
    # a rank-1 vector (scikit-learn's layout) is read as the row it stands for
    assert accuracy(np.array([1.0, 0.0, 1.0]), np.array([[1.0, 0.0, 0.0]])) == pytest.approx(
        200 / 3
    )


def test_overflowing_logits_are_an_error_not_a_nan_cost() -> None:
    with pytest.raises(ValueError, match=r"overflowed float64.*standardize"):
        propagate(np.array([[1e160]]), 0.0, np.array([[1e160, -1e160]]), np.array([[0, 1]]))


def test_optimize_with_no_iteration_returns_the_gradient_at_the_start() -> None:
    _, grads, costs = optimize(*lecture_problem(), num_iterations=0)
    expected, _ = propagate(*lecture_problem())
    np.testing.assert_array_equal(grads["dw"], expected["dw"])
    assert grads["db"] == expected["db"] and costs == []
