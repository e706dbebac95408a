"""LogisticRegressionGD: scikit-learn's contract, and parity with scikit-learn's own solver."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import check_estimator

from autograd_lr import forward, gradients
from autograd_lr.datasets import Standardizer, load_breast_cancer
from autograd_lr.problems import make_problem
from autograd_lr.tolerances import gradient_scale, relative_error
from autograd_lr.training.estimator import LogisticRegressionGD

# Parity on standardized breast cancer (569 × 30), normwise relative error of (w, b).
# Newton (ours, tol 1e-12) and scikit-learn's newton-cholesky (tol 1e-12) both stop
# within a few ulp-sized gradients of the optimum, where the smallest Hessian
# eigenvalue is λ/m ≈ 1.8e-3 (C = 1): the distance between them is ~1e-12 / 1.8e-3 ≈ 1e-9
# at most; measured 1.2e-15 (C = 1) and 5.6e-16 (C = 0.1). The issue asks for 1e-8.
NEWTON_PARITY_RTOL = 1e-8
NEWTON_TOL = 1e-12
# Gradient descent run to max|∂J| ≤ 1e-8 is within ‖H⁻¹‖·‖g‖ ≲ 1e-8·√31 / 1.8e-3 ≈ 3e-5
# of the optimum in the worst direction, and measured 4.2e-6 (C = 1) and 1.0e-6
# (C = 0.1); the issue asks for 1e-5. (tol 1e-7 would give 4e-5: too loose.)
GD_PARITY_RTOL = 1e-5
GD_TOL = 1e-8
GD_MAX_ITER = 50_000  # α = 1/L needs about 19,000 iterations at C = 1, 2,300 at C = 0.1
# At scikit-learn's solution our hand-derived gradient of J with λ = 1/C vanishes to
# the precision scikit-learn solved to (tol 1e-12); a wrong scaling of λ leaves a
# gradient of order 1e-2 (see the planted mistakes below).
STATIONARY_RTOL = 1e-10


@pytest.fixture(scope="module")
def breast_cancer_rows() -> tuple[np.ndarray, np.ndarray]:
    """Standardized breast cancer in scikit-learn's layout: X (569, 30), y (569,)."""
    data = load_breast_cancer()
    X = Standardizer.fit(data.X).transform(data.X)
    return X.T.copy(), data.Y[0].astype(int)


def _sklearn_theta(X: np.ndarray, y: np.ndarray, C: float) -> np.ndarray:
    reference = LogisticRegression(C=C, solver="newton-cholesky", tol=NEWTON_TOL, max_iter=100)
    reference.fit(X, y)
    return np.append(reference.coef_.ravel(), reference.intercept_)


def _theta(estimator: LogisticRegressionGD) -> np.ndarray:
    return np.append(estimator.coef_.ravel(), estimator.intercept_)


# --- scikit-learn's own checks ---------------------------------------------------------------

# check_estimator skips these two by itself when an optional part of the environment
# is absent; every other check must run and pass.
ENVIRONMENT_SKIPS = {
    "check_array_api_input": "SCIPY_ARRAY_API is not set",
    "check_classifier_data_not_an_array": "pandas is not installed",
}


@pytest.mark.parametrize("solver", ["gd", "newton"])
def test_passes_scikit_learns_check_estimator(solver: str) -> None:
    results = check_estimator(LogisticRegressionGD(solver=solver), on_skip=None, on_fail=None)
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert failed == []
    for r in results:
        if r["status"] == "skipped":
            assert r["check_name"] in ENVIRONMENT_SKIPS, r
            assert ENVIRONMENT_SKIPS[r["check_name"]] in str(r["exception"])
    assert sum(r["status"] == "passed" for r in results) >= 50


def test_declares_itself_binary_and_refuses_three_classes() -> None:
    estimator = LogisticRegressionGD()
    assert estimator.__sklearn_tags__().classifier_tags.multi_class is False
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        estimator.fit(X, [0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="only one class"):
        estimator.fit(X, [1] * 6)


# --- parity with scikit-learn ------------------------------------------------------------------


@pytest.mark.parametrize("C", [1.0, 0.1])
def test_newton_matches_scikit_learn_newton_cholesky(breast_cancer_rows, C: float) -> None:
    X, y = breast_cancer_rows
    ours = LogisticRegressionGD(C=C, solver="newton", tol=NEWTON_TOL).fit(X, y)
    assert relative_error(_theta(ours), _sklearn_theta(X, y, C)) <= NEWTON_PARITY_RTOL
    assert ours.n_iter_ <= 15


@pytest.mark.parametrize("C", [1.0, 0.1])
def test_gradient_descent_reaches_scikit_learns_optimum(breast_cancer_rows, C: float) -> None:
    X, y = breast_cancer_rows
    ours = LogisticRegressionGD(C=C, solver="gd", tol=GD_TOL, max_iter=GD_MAX_ITER).fit(X, y)
    assert ours.converged_
    assert relative_error(_theta(ours), _sklearn_theta(X, y, C)) <= GD_PARITY_RTOL


@pytest.mark.parametrize("C", [1.0, 0.1])
def test_scikit_learns_C_is_the_lectures_lambda_inverse(breast_cancer_rows, C: float) -> None:
    """At scikit-learn's optimum, the lecture's J with λ = 1/C is stationary; other scalings are not."""
    X, y = breast_cancer_rows
    theta = _sklearn_theta(X, y, C)
    w, b = theta[:-1].reshape(-1, 1), theta[-1]
    X_l, Y = X.T, y.reshape(1, -1).astype(float)
    m = X.shape[0]

    def gradient_size(lambd: float) -> float:
        grads, _ = gradients.gradients_vectorized(w, b, X_l, Y, lambd)
        g = np.append(grads["dw"], grads["db"])
        return relative_error(g, np.zeros_like(g), gradient_scale(X_l))

    assert gradient_size(1.0 / C) <= STATIONARY_RTOL
    # planted mistakes: λ = 1/(Cm) (forgetting the 1/m), λ = 2/C or 1/(2C) (the ½ misplaced)
    for wrong in (1.0 / (C * m), 2.0 / C, 0.5 / C):
        assert gradient_size(wrong) > 1e4 * STATIONARY_RTOL


# --- the API -------------------------------------------------------------------------------------


def test_centering_leaves_the_minimizer_unchanged(breast_cancer_rows) -> None:
    """fit centres X internally; shifting every feature by 5 must move only the intercept."""
    X, y = breast_cancer_rows
    base = LogisticRegressionGD(solver="newton", tol=NEWTON_TOL).fit(X, y)
    shifted = LogisticRegressionGD(solver="newton", tol=NEWTON_TOL).fit(X + 5.0, y)
    assert relative_error(shifted.coef_, base.coef_) <= NEWTON_PARITY_RTOL
    expected_b = base.intercept_[0] - 5.0 * base.coef_.sum()
    assert shifted.intercept_[0] == pytest.approx(expected_b, rel=NEWTON_PARITY_RTOL)
    # and it is scikit-learn's solution of the shifted problem too
    assert relative_error(_theta(shifted), _sklearn_theta(X + 5.0, y, 1.0)) <= NEWTON_PARITY_RTOL


def test_predictions_come_from_the_forward_model() -> None:
    _, _, X, Y = make_problem(3, 80, seed=6)
    labels = np.where(Y[0] == 1, "yes", "no")
    estimator = LogisticRegressionGD(C=10.0).fit(X.T, labels)
    assert list(estimator.classes_) == ["no", "yes"]
    Z = estimator.decision_function(X.T)
    # z = x·w + b for each row, written out independently of forward.logits
    expected_Z = [sum(x * w for x, w in zip(row, estimator.coef_[0], strict=True)) for row in X.T]
    np.testing.assert_allclose(Z, np.array(expected_Z) + estimator.intercept_[0], rtol=1e-12)
    P = estimator.predict_proba(X.T)
    np.testing.assert_allclose(P[:, 1], 1 / (1 + np.exp(-Z)), rtol=1e-14)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.exp(estimator.predict_log_proba(X.T)), P, rtol=1e-13)
    np.testing.assert_array_equal(estimator.predict(X.T), np.where(Z > 0, "yes", "no"))
    assert estimator.score(X.T, labels) == np.mean(estimator.predict(X.T) == labels)


def test_attributes_after_fit() -> None:
    _, _, X, Y = make_problem(4, 60, seed=8)
    estimator = LogisticRegressionGD(tol=0, max_iter=25, learning_rate=0.5).fit(X.T, Y[0])
    assert estimator.n_iter_ == 25
    assert estimator.cost_history_.shape == (26,)
    assert estimator.cost_history_[0] == pytest.approx(np.log(2), rel=1e-15)  # w = 0, b = 0
    assert estimator.coef_.shape == (1, 4) and estimator.intercept_.shape == (1,)
    assert estimator.n_features_in_ == 4 and estimator.learning_rate_ == 0.5
    # the recorded final cost is J at the returned parameters (λ = 1/C = 1)
    J = forward.cost(estimator.coef_.T, estimator.intercept_[0], X, Y, 1.0)
    assert estimator.cost_history_[-1] == pytest.approx(float(J), rel=1e-13)


def test_params_round_trip_through_clone() -> None:
    estimator = LogisticRegressionGD(
        C=0.5, solver="newton", learning_rate=0.1, max_iter=7, tol=1e-6
    )
    assert clone(estimator).get_params() == estimator.get_params()
    estimator.set_params(C=2.0)
    assert estimator.C == 2.0


def test_too_few_iterations_warn_about_convergence() -> None:
    _, _, X, Y = make_problem(3, 50, seed=1)
    with pytest.warns(ConvergenceWarning, match=r"did not reach tol=0.0001 in max_iter=3"):
        LogisticRegressionGD(max_iter=3).fit(X.T, Y[0])


def test_divergence_is_a_clear_error_naming_the_learning_rate(breast_cancer_rows) -> None:
    X, y = breast_cancer_rows
    with pytest.raises(ValueError, match=r"diverged with learning rate α = 50"):
        LogisticRegressionGD(learning_rate=50.0).fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"C": 0.0}, r"C must be a number > 0"),
        ({"C": "big"}, r"C must be a number > 0"),
        ({"solver": "lbfgs"}, r"solver must be one of \('gd', 'newton'\)"),
    ],
)
def test_bad_parameters(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LogisticRegressionGD(**params).fit(np.eye(4), [0, 1, 0, 1])


def test_C_infinity_means_no_penalty() -> None:
    _, _, X, Y = make_problem(2, 40, seed=3)
    estimator = LogisticRegressionGD(C=np.inf, solver="newton", tol=1e-12).fit(X.T, Y[0])
    grads, _ = gradients.gradients_vectorized(estimator.coef_.T, estimator.intercept_[0], X, Y)
    assert max(np.max(np.abs(grads["dw"])), abs(grads["db"])) <= 1e-12


def test_importing_the_package_does_not_import_scikit_learn() -> None:
    code = (
        "import sys, autograd_lr; assert 'sklearn' not in sys.modules; "
        "from autograd_lr import LogisticRegressionGD; assert 'sklearn' in sys.modules; "
        "import autograd_lr.training.estimator as e; assert LogisticRegressionGD is e.LogisticRegressionGD"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
