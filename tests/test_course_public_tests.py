"""The course's own public tests, run against our reference functions (``autograd_lr.course``).

Attribution: ported from the public tests of DeepLearning.AI's "Neural Networks and Deep
Learning" (Coursera), week 2 programming assignment "Logistic Regression with a Neural
Network mindset": its ``public_tests.py`` (``sigmoid_test``, ``initialize_with_zeros_test_1``
and ``_2``, ``propagate_test``, ``optimize_test``, ``predict_test``, ``model_test``) and the
checks printed in the assignment's notebook (the ``*_notebook_example`` tests). The inputs,
the expected values and the assertions are the course's, in its order and wording (eight
significant digits, ``np.allclose``); every course value is reproduced, ``model_test``'s
trained ``w`` and ``b`` included. ``model_test`` follows the current release, whose labels
are rows (``np.array([[0, 1, 0]])``); an earlier release passed a rank-1 ``y_test``, which
our ``model`` refuses on purpose (the last test says why). Tests named "ours" add what the
course does not assert.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lr.course import (
    initialize_with_zeros,
    model,
    optimize,
    predict,
    propagate,
    sigmoid,
)


def test_sigmoid_test() -> None:
    x = np.array([0, 2])
    output = sigmoid(x)
    assert type(output) is np.ndarray, "Wrong type. Expected np.ndarray"
    assert np.allclose(output, [0.5, 0.88079708]), f"Wrong value. {output} != [0.5, 0.88079708]"
    output = sigmoid(1)
    assert np.allclose(output, 0.7310585), f"Wrong value. {output} != 0.7310585"


@pytest.mark.parametrize("dim", [3, 4])
def test_initialize_with_zeros_test(dim: int) -> None:
    w, b = initialize_with_zeros(dim)
    assert type(b) is float, f"Wrong type for b. {type(b)} != float"
    assert b == 0.0, "b must be 0.0"
    assert type(w) is np.ndarray, f"Wrong type for w. {type(w)} != np.ndarray"
    assert w.shape == (dim, 1), f"Wrong shape for w. {w.shape} != {(dim, 1)}"
    assert np.allclose(w, np.zeros((dim, 1))), f"Wrong values for w. {w} != 0"


def test_propagate_test() -> None:
    w, b = np.array([[1.0], [2.0], [-1]]), 2.5
    X = np.array([[1.0, 2.0, -1.0, 0], [3.0, 4.0, -3.2, 1], [3.0, 4.0, -3.2, -3.5]])
    Y = np.array([[1, 1, 0, 0]])
    expected_dw = np.array([[-0.03909333], [0.12501464], [-0.99960809]])
    expected_db = np.float64(0.288106326429569)
    expected_cost = np.array(2.0424567983978403)
    grads, cost = propagate(w, b, X, Y)
    assert type(grads["dw"]) is np.ndarray, (
        f"Wrong type for grads['dw']. {type(grads['dw'])} != np.ndarray"
    )
    assert grads["dw"].shape == w.shape, (
        f"Wrong shape for grads['dw']. {grads['dw'].shape} != {w.shape}"
    )
    assert np.allclose(grads["dw"], expected_dw), (
        f"Wrong values for grads['dw']. {grads['dw']} != {expected_dw}"
    )
    assert np.allclose(grads["db"], expected_db), (
        f"Wrong values for grads['db']. {grads['db']} != {expected_db}"
    )
    assert np.allclose(cost, expected_cost), f"Wrong values for cost. {cost} != {expected_cost}"


def test_propagate_notebook_example() -> None:
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    grads, cost = propagate(w, b, X, Y)
    assert type(grads["db"]) is np.float64
    assert np.allclose(grads["dw"], [[0.99845601], [2.39507239]])
    assert np.allclose(grads["db"], 0.00145557813678)
    assert np.allclose(cost, 5.801545319394553)


def test_optimize_test() -> None:
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    expected_w = np.array([[-0.70916784], [-0.42390859]])
    expected_b = np.float64(2.26891346)
    expected_dw = np.array([[0.06188603], [-0.01407361]])
    expected_db = np.float64(-0.04709353)
    expected_cost = [5.80154532, 0.31057104]
    params, grads, costs = optimize(
        w, b, X, Y, num_iterations=101, learning_rate=0.1, print_cost=False
    )
    assert type(costs) is list, "Wrong type for costs. It must be a list"
    assert len(costs) == 2, f"Wrong length for costs. {len(costs)} != 2"
    assert np.allclose(costs, expected_cost), f"Wrong values for costs. {costs} != {expected_cost}"
    assert type(grads["dw"]) is np.ndarray, (
        f"Wrong type for grads['dw']. {type(grads['dw'])} != np.ndarray"
    )
    assert grads["dw"].shape == w.shape, (
        f"Wrong shape for grads['dw']. {grads['dw'].shape} != {w.shape}"
    )
    assert np.allclose(grads["dw"], expected_dw), (
        f"Wrong values for grads['dw']. {grads['dw']} != {expected_dw}"
    )
    assert np.allclose(grads["db"], expected_db), (
        f"Wrong values for grads['db']. {grads['db']} != {expected_db}"
    )
    assert type(params["w"]) is np.ndarray, (
        f"Wrong type for params['w']. {type(params['w'])} != np.ndarray"
    )
    assert params["w"].shape == w.shape, (
        f"Wrong shape for params['w']. {params['w'].shape} != {w.shape}"
    )
    assert np.allclose(params["w"], expected_w), (
        f"Wrong values for params['w']. {params['w']} != {expected_w}"
    )
    assert np.allclose(params["b"], expected_b), (
        f"Wrong values for params['b']. {params['b']} != {expected_b}"
    )


def test_optimize_leaves_the_callers_w_alone() -> None:
    """Ours, not the course's: the course's ``optimize_test`` does not look at w afterwards."""
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    optimize(w, b, X, Y, num_iterations=101, learning_rate=0.1, print_cost=False)
    assert np.array_equal(w, [[1.0], [2.0]]), "optimize must not change the caller's w"


def test_optimize_notebook_example() -> None:
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    params, grads, costs = optimize(
        w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False
    )
    assert np.allclose(params["w"], [[0.19033591], [0.12259159]])
    assert np.allclose(params["b"], 1.92535983008)
    assert np.allclose(grads["dw"], [[0.67752042], [1.41625495]])
    assert np.allclose(grads["db"], 0.219194504541)
    assert np.allclose(costs, [5.80154532])


def test_predict_test() -> None:
    w = np.array([[0.3], [0.5], [-0.2]])
    b = -0.33333
    X = np.array([[1.0, -0.3, 1.5], [2, 0, 1], [0, -1.5, 2]])
    pred = predict(w, b, X)
    assert type(pred) is np.ndarray, f"Wrong type for pred. {type(pred)} != np.ndarray"
    assert pred.shape == (1, X.shape[1]), f"Wrong shape for pred. {pred.shape} != {(1, X.shape[1])}"
    assert np.bitwise_not(np.allclose(pred, [[1.0, 1.0, 1]])), (
        "Perhaps you forget to add b in the calculation of A"
    )
    assert np.allclose(pred, [[1.0, 0.0, 1]]), (
        f"Wrong values for pred. {pred} != {[[1.0, 0.0, 1.0]]}"
    )


def test_predict_notebook_example() -> None:
    w, b = np.array([[0.1124579], [0.23106775]]), -0.3
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    assert np.array_equal(predict(w, b, X), [[1.0, 1.0, 0.0]])


def test_model_test() -> None:
    # the course's legacy global seed, kept: its expected values depend on this draw
    np.random.seed(0)  # noqa: NPY002
    expected_output = {
        "costs": [np.array(0.69314718)],
        "Y_prediction_test": np.array([[1.0, 1.0, 0.0]]),
        "Y_prediction_train": np.array([[1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]]),
        "w": np.array([[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]]),
        "b": -0.03983236094816321,
    }
    # Use 7 samples for training (the course also binds an unused b = 1.5 here)
    Y, X = np.array([[1, 0, 0, 1, 0, 0, 1]]), np.random.randn(4, 7)  # noqa: NPY002
    # Use 3 samples for testing
    x_test = np.random.randn(4, 3)  # noqa: NPY002
    y_test = np.array([[0, 1, 0]])
    d = model(X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01)
    assert type(d["costs"]) is list, f"Wrong type for d['costs']. {type(d['costs'])} != list"
    assert len(d["costs"]) == 1, f"Wrong length for d['costs']. {len(d['costs'])} != 1"
    assert np.allclose(d["costs"], expected_output["costs"]), (
        f"Wrong values for d['costs']. {d['costs']} != {expected_output['costs']}"
    )
    assert type(d["w"]) is np.ndarray, f"Wrong type for d['w']. {type(d['w'])} != np.ndarray"
    assert d["w"].shape == (X.shape[0], 1), (
        f"Wrong shape for d['w']. {d['w'].shape} != {(X.shape[0], 1)}"
    )
    assert np.allclose(d["w"], expected_output["w"]), (
        f"Wrong values for d['w']. {d['w']} != {expected_output['w']}"
    )
    assert np.allclose(d["b"], expected_output["b"]), (
        f"Wrong values for d['b']. {d['b']} != {expected_output['b']}"
    )
    for key, m in (("Y_prediction_test", x_test.shape[1]), ("Y_prediction_train", X.shape[1])):
        assert type(d[key]) is np.ndarray, (
            f"Wrong type for d['{key}']. {type(d[key])} != np.ndarray"
        )
        assert d[key].shape == (1, m), f"Wrong shape for d['{key}']. {d[key].shape} != {(1, m)}"
        assert np.allclose(d[key], expected_output[key]), (
            f"Wrong values for d['{key}']. {d[key]} != {expected_output[key]}"
        )


def test_model_returns_the_course_dictionary() -> None:
    """Ours, not the course's: the keys the course's notebook reads, and the arguments echoed."""
    X, Y = np.array([[1.0, 2.0, -1.0, -2.0]]), np.array([[1, 1, 0, 0]])
    d = model(X, Y, X, Y, num_iterations=50, learning_rate=0.01)
    assert set(d) == {
        "costs",
        "Y_prediction_test",
        "Y_prediction_train",
        "w",
        "b",
        "learning_rate",
        "num_iterations",
    }
    assert d["learning_rate"] == 0.01 and d["num_iterations"] == 50


def test_model_refuses_the_rank_1_y_test_of_the_courses_earlier_public_tests() -> None:
    """An earlier release of the course's ``model_test`` passes ``y_test = np.array([0, 1, 0])``
    (rank 1, shape (3,)); the course's model never reads it unless ``print_cost``. Ours
    refuses it on purpose: against a (1, m) row a rank-1 array broadcasts to (m, m) in
    the accuracy. Every expected value of that release is the one above (same seed, same
    draws), so only this argument differs."""
    np.random.seed(0)  # noqa: NPY002
    Y, X = np.array([1, 0, 0, 1, 0, 0, 1]).reshape(1, 7), np.random.randn(4, 7)  # noqa: NPY002
    x_test, y_test = np.random.randn(4, 3), np.array([0, 1, 0])  # noqa: NPY002
    with pytest.raises(ValueError, match=r"Y_test has shape \(3,\) but must be \(1, 3\)"):
        model(X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01)
    d = model(X, Y, x_test, y_test.reshape(1, -1), num_iterations=50, learning_rate=0.01)
    assert np.allclose(d["w"], [[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]])
