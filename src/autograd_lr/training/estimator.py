r"""``LogisticRegressionGD``: the hand-derived gradients behind scikit-learn's estimator API.

scikit-learn puts one example per *row* (``X (m, n_x)``, ``y (m,)``); the lecture puts
one example per *column*. The estimator converts at the boundary, once, with a
transpose (``X.T`` is ``(n_x, m)``, ``Y = y.reshape(1, -1)``), and from there on
everything is the lecture's code: :mod:`autograd_lr.training.solvers` over
:mod:`autograd_lr.gradients`, predictions from :mod:`autograd_lr.forward`.

It minimizes the same function as ``sklearn.linear_model.LogisticRegression(C=C)``.
scikit-learn's objective is :math:`C \sum_i L^{(i)} + \frac12 \lVert w \rVert^2`;
dividing by :math:`C m` (which does not move the minimizer) gives

.. math::

    \frac{1}{m} \sum_i L^{(i)} + \frac{1}{2 C m} \lVert w \rVert^2
    = J(w, b) \text{ with } \lambda = 1/C,

the lecture's :math:`J + \frac{\lambda}{2m}\lVert w\rVert^2`. The bias is not penalized in
either. ``C = inf`` means no penalty (λ = 0).

``fit`` centres the features before solving: with :math:`\mu` the mean example,
:math:`w^\top x + b = w^\top (x - \mu) + b'` for :math:`b' = b + w^\top\mu`, and since
:math:`b` is not penalized, :math:`(w, b')` minimizes the centred problem exactly when
:math:`(w, b' - w^\top\mu)` minimizes the original one, with the same cost at every
iterate. The minimizer is unchanged; what changes is gradient descent's speed: features
far from 0 (scikit-learn's checks use a mean of 100 and a spread of 1) couple :math:`w`
with :math:`b` and slow it down by orders of magnitude. The features are not scaled:
that would change the L2 penalty and with it the minimizer.

This module imports scikit-learn; ``import autograd_lr`` does not import this module
until ``autograd_lr.LogisticRegressionGD`` is first used.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from autograd_lr import forward
from autograd_lr.fast import cluster
from autograd_lr.training import solvers
from autograd_lr.validation import lambd_from_C, validate_chunks

SOLVERS = ("gd", "newton")


class LogisticRegressionGD(ClassifierMixin, BaseEstimator):
    r"""Binary logistic regression trained with the lecture's hand-derived gradients.

    Minimizes :math:`J(w, b) = \frac1m \sum_i L(a^{(i)}, y^{(i)}) + \frac{\lambda}{2m}
    \lVert w\rVert^2` with :math:`\lambda = 1/C`, the same minimizer as scikit-learn's
    ``LogisticRegression(C=C)``.

    Parameters
    ----------
    C : float, default 1.0
        Inverse L2 strength, scikit-learn's meaning: λ = 1/C; ``np.inf`` for none.
    solver : {"gd", "newton"}, default "gd"
        ``"gd"``: the lecture's :math:`w := w - \alpha\, dw` (:func:`~autograd_lr.training.solvers.gradient_descent`);
        ``"newton"``: Newton's method with the hand-derived Hessian (:func:`~autograd_lr.training.solvers.newton`).
    learning_rate : float or "auto", default "auto"
        :math:`\alpha` for ``"gd"``; ``"auto"`` is :math:`1/L`, :math:`L` the largest
        curvature of :math:`J`, which always decreases the cost. Unused by ``"newton"``.
    max_iter : int, default 10000
        The most parameter updates.
    tol : float, default 1e-4
        Stop when :math:`\max(\lVert dw\rVert_\infty, |db|) \le` ``tol``; 0 runs exactly
        ``max_iter`` updates.

    Attributes
    ----------
    classes_ : ndarray (2,)
        The two labels; ``classes_[1]`` is the lecture's :math:`y = 1`.
    coef_ : ndarray (1, n_features)
        :math:`w^\top`, scikit-learn's layout.
    intercept_ : ndarray (1,)
        :math:`b`.
    n_iter_ : int
        Parameter updates made.
    cost_history_ : ndarray of shape ``(n_iter_ + 1,)``
        :math:`J` at every iterate, the starting point (:math:`w = 0, b = 0`) first.
    learning_rate_ : float or None
        The :math:`\alpha` used (None for Newton).
    converged_ : bool
        Whether the stopping rule was met (else a ``ConvergenceWarning`` was issued).
    n_features_in_, feature_names_in_
        As in every scikit-learn estimator.

    Raises
    ------
    ValueError
        In ``fit``: an unknown solver, ``C`` not positive, labels that are not two
        classes, or data with NaN or infinite values.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from autograd_lr import LogisticRegressionGD
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), LogisticRegressionGD(solver="newton")).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    def __init__(
        self,
        C: float = 1.0,
        solver: str = "gd",
        learning_rate: float | str = "auto",
        max_iter: int = 10_000,
        tol: float = 1e-4,
    ) -> None:
        self.C = C
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # logistic regression here is binary
        return tags

    def _lambd(self) -> float:
        return lambd_from_C(self.C)

    def fit(self, X: Any, y: Any) -> LogisticRegressionGD:
        """Fit on ``X (m, n_features)``, ``y (m,)`` with exactly two classes.

        ``X`` may be a ``dask.array`` chunked by rows (examples), for data larger than
        memory (``y`` then dask or numpy): every pass over the data is computed by dask,
        chunk by chunk, on the workers of an active ``dask.distributed.Client``, and only
        ``dw``, ``db``, ``J`` (and Newton's Hessian) come back. ``X`` is kept in the
        workers' memory when it fits (:func:`autograd_lr.fast.cluster.persist_if_fits`),
        otherwise read again from its files at every iteration.
        """
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        lambd = self._lambd()
        if cluster.is_dask(X):
            X_lecture, Y, mu = self._dask_lecture_data(X, y)
        else:
            X_lecture, Y, mu = self._lecture_data(X, np.asarray(y) if cluster.is_dask(y) else y)
        w0, b0 = np.zeros((X_lecture.shape[0], 1)), 0.0
        if self.solver == "gd":
            result = solvers.gradient_descent(
                w0,
                b0,
                X_lecture,
                Y,
                lambd=lambd,
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        else:
            result = solvers.newton(
                w0, b0, X_lecture, Y, lambd=lambd, max_iter=self.max_iter, tol=self.tol
            )
        self.coef_ = result.w.T.copy()  # (1, n_x)
        self.intercept_ = np.array([result.b - float((result.w.T @ mu)[0, 0])])  # b = b' - wᵀμ
        self.n_iter_ = result.n_iter
        self.cost_history_ = result.costs
        self.learning_rate_ = result.learning_rate
        self.converged_ = result.converged
        if not result.converged and self.tol > 0:
            warnings.warn(
                f"{self.solver} did not reach tol={self.tol:g} in max_iter={self.max_iter} "
                f"iterations (largest |∂J| = {result.gradient_max[-1]:.3g}); increase "
                f"max_iter, or standardize the features",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _lecture_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Checked numpy data -> centred ``X (n_x, m)``, ``Y (1, m)``, mean example ``(n_x, 1)``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is "
                f"{y_type}, with {np.unique(y).size} classes; logistic regression here "
                f"separates two classes (train one class against the rest)."
            )
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError(
                f"LogisticRegressionGD needs examples of 2 classes, but the data has only one "
                f"class: {self.classes_[0]!r}"
            )
        # The boundary: scikit-learn's rows become the lecture's columns.
        mu = X.mean(axis=0).reshape(-1, 1)  # (n_x, 1), the mean example
        X_lecture = X.T - mu  # (n_x, m), centred (see the module docstring)
        Y = (y == self.classes_[1]).astype(np.float64).reshape(1, -1)  # (1, m)
        return X_lecture, Y, mu

    def _dask_lecture_data(self, X: Any, y: Any) -> tuple[Any, Any, np.ndarray]:
        """dask ``X (m, n_x)`` chunked by rows -> centred ``X (n_x, m)``, ``Y (1, m)``, mean.

        The checks scikit-learn's ``validate_data`` makes, computed by dask in one pass
        over ``X`` together with the mean example; the lecture's layout is ``X.T``, lazily.
        """
        import dask
        import dask.array as da

        if len(X.shape) != 2:
            raise ValueError(
                f"X must be 2-D, one row per example: (m, n_features); got shape {X.shape}"
            )
        validate_chunks(X)
        m, n_x = (int(s) for s in X.shape)
        if m < 1 or n_x < 1:
            raise ValueError(f"X needs at least one example and one feature; got shape {X.shape}")
        if cluster.is_dask(y):
            validate_chunks(y, "y")
        else:
            y = np.asarray(y)
        if tuple(y.shape) != (m,):
            raise ValueError(
                f"y must have shape (m,) = ({m},), one label per row of X {X.shape}; got "
                f"{tuple(y.shape)} (use y.ravel() for a column)"
            )
        if not cluster.is_dask(y):
            y = cluster.from_numpy(y, X.chunks[0])
        elif y.chunks[0] != X.chunks[0]:
            y = y.rechunk((X.chunks[0],))
        X = X.astype(np.float64)
        classes, mean, finite = dask.compute(da.unique(y), X.mean(axis=0), da.isfinite(X).all())
        if not finite:
            raise ValueError(
                "Input X contains NaN or infinity; drop or impute those examples before fitting"
            )
        if classes.dtype.kind == "f" and not np.all(
            np.isfinite(classes) & (classes == np.round(classes))
        ):
            raise ValueError(
                f"Unknown label type: continuous. y holds values such as {classes[:5]}; "
                f"logistic regression needs class labels (two distinct values)"
            )
        if classes.size != 2:
            raise ValueError(
                f"LogisticRegressionGD needs examples of exactly 2 classes; y has "
                f"{classes.size}: {classes[:5]!r} (train one class against the rest)"
            )
        self.classes_ = classes
        self.n_features_in_ = n_x
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        mu = np.asarray(mean, dtype=np.float64).reshape(-1, 1)  # (n_x, 1)
        X_lecture = cluster.lecture_layout(X) - mu  # (n_x, m), lazily, chunked by columns
        Y = (y == classes[1]).astype(np.float64).reshape(1, -1)  # (1, m)
        X_lecture, Y, _ = cluster.persist_if_fits(X_lecture, Y)
        return X_lecture, Y, mu

    def decision_function(self, X: Any) -> np.ndarray:
        r"""The logits :math:`z = w^\top x + b`, one per row of ``X (m, n_features)``.

        For a dask ``X`` chunked by rows, a lazy dask array chunked alike.
        """
        check_is_fitted(self)
        if cluster.is_dask(X):
            if len(X.shape) != 2 or X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has shape {X.shape}; the model was fitted on {self.n_features_in_} "
                    f"features: pass X as (m, {self.n_features_in_}), one row per example"
                )
            Z = forward.logits(self.coef_.T, float(self.intercept_[0]), X.T)  # (1, m), lazy
            return Z.reshape(-1)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Z = forward.logits(self.coef_.T, float(self.intercept_[0]), X.T)  # (1, m)
        return np.asarray(Z).ravel()

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""``(m, 2)``: column 1 is :math:`a = \sigma(z)`, column 0 is :math:`1 - a`.

        For a dask ``X`` chunked by rows, a lazy dask array chunked alike.
        """
        A = forward.sigmoid(self.decision_function(X))
        return _columns(1.0 - A, A)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r""":math:`\log(1 - a)`, :math:`\log a` from the logits: :math:`\log a = -\log(1 + e^{-z})`."""
        Z = self.decision_function(X)
        return _columns(-forward.softplus(Z), -forward.softplus(-Z))

    def predict(self, X: Any) -> np.ndarray:
        r"""``classes_[1]`` where :func:`autograd_lr.forward.predict_labels` says 1, else ``classes_[0]``."""
        Z: Any = self.decision_function(X)  # checks that the estimator is fitted
        positive = forward.predict_labels(Z)
        if cluster.is_dask(Z):  # lazily, chunk by chunk
            import dask.array as da

            return da.where(positive, self.classes_[1], self.classes_[0])
        return self.classes_[np.asarray(positive).astype(int)]


def _columns(first: Any, second: Any) -> Any:
    """Two length-m vectors as the columns of an ``(m, 2)`` array: lazy for dask, else numpy."""
    if cluster.is_dask(first):
        import dask.array as da

        return da.stack([first, second], axis=1)
    return np.column_stack([np.asarray(first), np.asarray(second)])
