"""Planted mistakes: each must be caught, in the right quantity, with the right diagnosis.

Every function below is a learner's ``propagate`` with one mistake (or a combination)
planted, written the way a learner writes it. The expected diagnosis is the mistake we
planted; the checker only sees the outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from autograd_lr import course
from autograd_lr.checking import check, diagnosis
from autograd_lr.checking.check import check_gradients
from autograd_lr.checking.compare import compare
from autograd_lr.tolerances import relative_error


def _parts(w: Any, b: Any, X: Any, Y: Any, *, m_axis: int = 1) -> tuple[int, Any, Any]:
    """The course-style forward pass: m, A and the cost."""
    m = X.shape[m_axis]
    Z = np.dot(w.T, X) + b
    A = 1 / (1 + np.exp(-Z))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return m, A, cost


def _out(dw: Any, db: Any, cost: Any) -> tuple[dict[str, Any], Any]:
    return {"dw": dw, "db": db}, cost


def missing_1_over_m(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T), np.sum(dZ) / m, cost)


def db_summed(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ), cost)


def sign_flipped(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = Y - A
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def dw_transposed(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(dZ, X.T) / m, np.sum(dZ) / m, cost)


def dw_flattened(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out((np.dot(X, dZ.T) / m).ravel(), np.sum(dZ) / m, cost)


def forgot_Y(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def z_instead_of_a(w, b, X, Y):
    m, _, cost = _parts(w, b, X, Y)
    Z = np.dot(w.T, X) + b
    dZ = Z - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def extra_sigmoid_derivative(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dA = A - Y  # mistaken for dL/da, then chained through σ' again
    dZ = dA * A * (1 - A)
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def m_from_wrong_axis(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y, m_axis=0)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def cost_sign_flipped(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def cost_summed(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def spurious_regularization(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m + 0.1 / m * w, np.sum(dZ) / m, cost)


def last_feature_skipped(w, b, X, Y):
    """The lecture's double loop, with the loop over features one short."""
    n_x, m = X.shape
    dw = np.zeros((n_x, 1))
    db = 0.0
    cost = 0.0
    for i in range(m):
        z = float(np.dot(w[:, 0], X[:, i]) + b)
        a = 1 / (1 + np.exp(-z))
        cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        for j in range(n_x - 1):
            dw[j, 0] += X[j, i] * dz
        db += dz
    return _out(dw / m, db / m, cost / m)


def divided_by_m_twice(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = (A - Y) / m
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def sigmoid_sign(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = 1 / (1 + np.exp(Z))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def forgot_bias(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-np.dot(w.T, X)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def log10_cost(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = -np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)) / m
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


# --- combinations ---


def sign_flipped_and_missing_1_over_m(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = Y - A
    return _out(np.dot(X, dZ.T), np.sum(dZ) / m, cost)


def forgot_Y_and_db_summed(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ), cost)


def extra_sigmoid_derivative_and_wrong_axis(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y, m_axis=0)
    dZ = (A - Y) * A * (1 - A)
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def sign_flipped_and_spurious_regularization(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = Y - A
    return _out(np.dot(X, dZ.T) / m + 0.25 / m * w, np.sum(dZ) / m, cost)


def cost_sign_and_summed(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


def forgot_to_sum(w, b, X, Y):
    m, A, cost = _parts(w, b, X, Y)
    dZ = A - Y
    return _out(X * dZ / m, np.sum(dZ) / m, cost)


def cost_not_averaged(w, b, X, Y):
    m, A, _ = _parts(w, b, X, Y)
    dZ = A - Y
    losses = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, losses)


def float32(w, b, X, Y):
    w, X, Y = (a.astype(np.float32) for a in (w, X, Y))
    m, A, cost = _parts(w, np.float32(b), X, Y)
    dZ = A - Y
    return _out(np.dot(X, dZ.T) / m, np.sum(dZ) / m, cost)


@dataclass(frozen=True)
class Planted:
    fn: Callable[..., Any]
    wrong: list[str]
    mistakes: set[str]


PLANTED = [
    Planted(missing_1_over_m, ["dw"], {"missing_1_over_m"}),
    Planted(db_summed, ["db"], {"db_summed"}),
    Planted(sign_flipped, ["dw", "db"], {"sign_flipped"}),
    Planted(dw_transposed, ["dw"], {"dw_transposed"}),
    Planted(dw_flattened, ["dw"], {"dw_flattened"}),
    Planted(forgot_Y, ["dw", "db"], {"forgot_Y"}),
    Planted(z_instead_of_a, ["dw", "db"], {"z_instead_of_a"}),
    Planted(extra_sigmoid_derivative, ["dw", "db"], {"extra_sigmoid_derivative"}),
    Planted(m_from_wrong_axis, ["dw", "db", "cost"], {"m_from_wrong_axis"}),
    Planted(cost_sign_flipped, ["cost"], {"cost_sign_flipped"}),
    Planted(cost_summed, ["cost"], {"cost_summed"}),
    Planted(spurious_regularization, ["dw"], {"spurious_regularization"}),
    Planted(last_feature_skipped, ["dw"], {"one_entry_wrong"}),
    Planted(divided_by_m_twice, ["dw", "db"], {"divided_by_m_twice"}),
    Planted(sigmoid_sign, ["dw", "db", "cost"], {"sigmoid_sign"}),
    Planted(forgot_bias, ["dw", "db", "cost"], {"forgot_bias"}),
    Planted(log10_cost, ["cost"], {"log10"}),
    Planted(sign_flipped_and_missing_1_over_m, ["dw", "db"], {"sign_flipped", "missing_1_over_m"}),
    Planted(forgot_Y_and_db_summed, ["dw", "db"], {"forgot_Y", "db_summed"}),
    Planted(
        extra_sigmoid_derivative_and_wrong_axis,
        ["dw", "db", "cost"],
        {"extra_sigmoid_derivative", "m_from_wrong_axis"},
    ),
    Planted(
        sign_flipped_and_spurious_regularization,
        ["dw", "db"],
        {"sign_flipped", "spurious_regularization"},
    ),
    Planted(cost_sign_and_summed, ["cost"], {"cost_sign_flipped", "cost_summed"}),
    Planted(forgot_to_sum, ["dw"], {"forgot_to_sum"}),
    Planted(cost_not_averaged, ["cost"], {"forgot_to_sum"}),
    Planted(float32, ["dw", "db", "cost"], {"float32"}),
]


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.fn.__name__)
def test_planted_mistake_is_caught_and_named(planted: Planted) -> None:
    report = check_gradients(planted.fn)
    assert not report.passed
    assert report.wrong == planted.wrong
    assert report.mistakes == planted.mistakes, str(report)
    text = str(report)
    assert "FAILED" in text and "Diagnosis" in text
    for d in report.diagnosis:
        assert d.message and d.fix, d


def test_at_least_twelve_distinct_mistakes_are_planted() -> None:
    assert len({frozenset(p.mistakes) for p in PLANTED}) >= 12


def test_a_mistake_in_dZ_is_said_once_for_dw_and_db() -> None:
    report = check_gradients(sign_flipped)
    assert [d.quantities for d in report.diagnosis] == [("dw", "db")]
    assert "dw and db" in report.diagnosis[0].message
    assert report.diagnosis[0].fix == "dZ = A - Y"


def test_missing_1_over_m_shows_the_ratio_m() -> None:
    report = check_gradients(missing_1_over_m)
    (d,) = report.diagnosis
    assert "yours / expected = 97 on larger (n_x = 40, m = 97)" in d.evidence
    assert d.fix == "dw = np.dot(X, dZ.T) / m"


def test_spurious_regularization_reports_the_fitted_lambda() -> None:
    report = check_gradients(spurious_regularization)
    (d,) = report.diagnosis
    assert "λ' = 0.1" in d.message


def test_one_entry_wrong_names_the_entry_and_the_loop() -> None:
    report = check_gradients(last_feature_skipped)
    (d,) = report.diagnosis
    assert "dw[4] on n_x ≠ m (n_x = 5, m = 7)" in d.message
    assert "range(n_x - 1)" in d.message and "exactly 0" in d.message


def test_transposed_dw_says_its_values_are_right() -> None:
    report = check_gradients(dw_transposed)
    (d,) = report.diagnosis
    assert "(1, 5)" in d.message and "values are right" in d.message


def test_forgot_to_sum_says_the_mean_is_right() -> None:
    report = check_gradients(cost_not_averaged)
    (d,) = report.diagnosis
    assert "mean over the examples is right" in d.message


def test_an_unclassified_mistake_still_fails_with_the_entry_table() -> None:
    def cubed(w, b, X, Y):
        m, A, cost = _parts(w, b, X, Y)
        dZ = (A - Y) ** 3
        return _out(np.dot(X, dZ.T) / m, np.sum(A - Y) / m, cost)

    report = check_gradients(cubed)
    assert report.wrong == ["dw"]
    assert report.mistakes == {"unclassified"}
    assert "Worst entries of dw" in str(report)
    assert len(report.rows["dw"].entries) == check.WORST_ENTRIES


# --- L2: the regularization family, against the regularized cost ---


def l2_missing(w, b, X, Y, lambd):
    return course.propagate(w, b, X, Y)


def l2_half(w, b, X, Y, lambd):
    m = X.shape[1]
    grads, cost = course.propagate(w, b, X, Y)
    cost = cost + lambd / (2 * m) * np.sum(w * w)
    return {"dw": grads["dw"] + lambd / (2 * m) * w, "db": grads["db"]}, cost


def l2_not_divided_by_m(w, b, X, Y, lambd):
    m = X.shape[1]
    grads, cost = course.propagate(w, b, X, Y)
    cost = cost + lambd / (2 * m) * np.sum(w * w)
    return {"dw": grads["dw"] + lambd * w, "db": grads["db"]}, cost


@pytest.mark.parametrize(
    ("fn", "wrong", "mistakes"),
    [
        (l2_missing, ["dw", "cost"], {"missing_regularization"}),
        (l2_half, ["dw"], {"wrong_regularization_strength"}),
        (l2_not_divided_by_m, ["dw"], {"wrong_regularization_strength"}),
    ],
    ids=["missing", "half", "not_divided_by_m"],
)
def test_regularization_mistakes(
    fn: Callable[..., Any], wrong: list[str], mistakes: set[str]
) -> None:
    report = check_gradients(fn, lambd=0.7)
    assert report.wrong == wrong
    assert report.mistakes == mistakes, str(report)


def test_half_lambda_is_explained_by_the_derivative_of_the_square() -> None:
    report = check_gradients(l2_half, lambd=0.7)
    (d,) = report.diagnosis
    assert "λ' = 0.35" in d.message and "cancels the ½" in d.message


# --- the models themselves ---


def _contexts() -> list[Any]:
    prepared = check.prepare()
    calls = [check.call(course.propagate, p) for p in prepared.problems]
    return [
        diagnosis._Context(compare(c, o), o) for c, o in zip(calls, prepared.oracles, strict=True)
    ]


@pytest.mark.parametrize("quantity", ["dw", "db", "cost"])
def test_every_two_models_are_told_apart_by_the_default_problems(quantity: str) -> None:
    """The diagnosis is unambiguous: two different models differ by ≥ 1e-2 somewhere."""
    contexts = _contexts()
    models = [c for c in diagnosis._candidates(quantity) if not c.reg and c.complexity <= 2]
    values = []
    for c in models:
        per_problem = [diagnosis._predict(ctx, c, quantity) for ctx in contexts]
        if all(v is not None for v in per_problem):
            values.append((c, per_problem))
    assert len(values) > 20
    for i, (c1, v1) in enumerate(values):
        for c2, v2 in values[i + 1 :]:
            gap = max(
                relative_error(a, b, ctx.floor[quantity])
                for a, b, ctx in zip(v1, v2, contexts, strict=True)
            )
            assert gap >= 1e-2, (c1, c2, gap)


def test_models_of_wrong_answers_match_their_numpy_form() -> None:
    """Each jax-built model equals the mistaken numpy formula it stands for, to rounding."""
    matched = 0
    for planted in PLANTED:
        if "float32" in planted.mistakes:
            continue
        for d in check_gradients(planted.fn).diagnosis:
            if not np.isnan(d.match):
                assert d.match <= 1e-13, d
                matched += 1
    assert matched >= 17


def test_a_wrong_signature_is_named_with_the_call_the_checker_makes() -> None:
    def propagate(w, b, X):  # type: ignore[no-untyped-def]  # forgot Y
        raise AssertionError("never reached: the call itself fails")

    report = check_gradients(propagate)
    assert not report.passed
    assert {"exception", "wrong_signature"} <= report.mistakes
    text = str(report)
    assert "propagate(w, b, X)" in text and "called as fn(w, b, X, Y)" in text
    assert "in call" not in text  # never points at the checker's own line


def test_a_type_error_inside_the_function_is_not_a_signature_problem() -> None:
    def propagate(w, b, X, Y):  # type: ignore[no-untyped-def]
        return len(3)  # a TypeError raised by the learner's own line

    report = check_gradients(propagate)
    assert "exception" in report.mistakes and "wrong_signature" not in report.mistakes


def test_a_report_that_compared_nothing_says_so() -> None:
    def propagate(w, b, X, Y):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    summary = str(check_gradients(propagate)).splitlines()[1]
    assert "nothing compared" in summary and "jax.grad" not in summary
