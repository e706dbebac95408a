r"""Standardization with stored training statistics, and a stratified train/test split.

Gradient descent's speed depends on the conditioning of :math:`\tfrac1m X X^\top`: the raw
breast-cancer features range from 0.001 to 4254, so one learning rate that is safe for
the largest feature barely moves the smallest. Standardizing each feature (row of
``X``) to mean 0 and standard deviation 1 fixes that. The mean and standard deviation
are estimated on the training data only and then applied unchanged to test data and to
new data at prediction time: the test set must not leak into training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from autograd_lr.datasets.synthetic import Dataset


@dataclass(frozen=True)
class Standardizer:
    r"""Per-feature :math:`x_j \mapsto (x_j - \mu_j) / s_j` with stored ``mean`` and ``std``.

    ``mean`` and ``std`` have shape ``(n_x, 1)``, like ``w``, so they broadcast over the
    columns (examples) of ``X (n_x, m)``. A constant feature (:math:`s_j = 0`) is kept
    with :math:`s_j = 1`: it becomes 0 everywhere instead of NaN.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: Any) -> Standardizer:
        r""":math:`\mu_j = \frac1m \sum_i x_j^{(i)}`, :math:`s_j = \sqrt{\frac1m \sum_i (x_j^{(i)} - \mu_j)^2}`.

        ``X (n_x, m)``; the population standard deviation (``ddof=0``), as scikit-learn's
        ``StandardScaler``.
        """
        X = _validate_layout(X, "X")
        mean = np.mean(X, axis=1, keepdims=True)
        std = np.std(X, axis=1, keepdims=True)
        std = np.where(std > 0, std, 1.0)
        return cls(mean=mean, std=std)

    @property
    def n_x(self) -> int:
        return int(self.mean.shape[0])

    def transform(self, X: Any) -> np.ndarray:
        """``(X - mean) / std`` with the stored statistics; ``X (n_x, m)``."""
        X = _validate_layout(X, "X")
        if X.shape[0] != self.n_x:
            raise ValueError(
                f"X has {X.shape[0]} features (rows, shape {X.shape}) but the standardizer "
                f"was fitted on {self.n_x}; pass X in the training layout (n_x, m)"
            )
        return (X - self.mean) / self.std


def _validate_layout(X: Any, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (n_x, m) with m >= 1 examples as columns; got {X.shape}"
        )
    return X


def standardize(
    train: Dataset, *others: Dataset | None
) -> tuple[Standardizer, list[Dataset | None]]:
    """Fit a :class:`Standardizer` on ``train`` and apply it to ``train`` and ``others``.

    Returns the standardizer and the standardized data sets, in order (``None`` stays
    ``None``): the others use the training statistics.
    """
    scaler = Standardizer.fit(train.X)
    out: list[Dataset | None] = []
    for dataset in (train, *others):
        out.append(None if dataset is None else _with_X(dataset, scaler.transform(dataset.X)))
    return scaler, out


def _with_X(
    dataset: Dataset, X: np.ndarray, Y: np.ndarray | None = None, name: str = ""
) -> Dataset:
    return replace(dataset, X=X, Y=dataset.Y if Y is None else Y, name=name or dataset.name)


def train_test_split(
    dataset: Dataset, test_fraction: float = 0.2, seed: int = 0
) -> tuple[Dataset, Dataset | None]:
    """Split the examples (columns) into a training and a test set, stratified by label.

    Of each class, ``round(test_fraction * m_class)`` examples go to the test set
    (at least one stays in training), chosen by a permutation seeded with ``seed``;
    both sets keep the file's order. ``test_fraction=0`` returns ``(dataset, None)``.
    """
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(
            f"test_fraction must be in [0, 1), got {test_fraction!r}; 0.2 keeps a fifth "
            f"of the examples for testing"
        )
    if test_fraction == 0.0:
        return dataset, None
    rng = np.random.default_rng(seed)
    labels = dataset.Y[0]
    test_parts = []
    for label in (0.0, 1.0):
        members = np.flatnonzero(labels == label)
        n_test = min(round(test_fraction * members.size), max(members.size - 1, 0))
        test_parts.append(rng.permutation(members)[:n_test])
    test_idx = np.sort(np.concatenate(test_parts))
    if test_idx.size == 0:
        raise ValueError(
            f"test_fraction={test_fraction} of m={dataset.m} examples leaves no test "
            f"example; raise it or use 0 for no test set"
        )
    train_mask = np.ones(dataset.m, dtype=bool)
    train_mask[test_idx] = False
    train = _with_X(dataset, dataset.X[:, train_mask], dataset.Y[:, train_mask], dataset.name)
    test = _with_X(dataset, dataset.X[:, test_idx], dataset.Y[:, test_idx], dataset.name)
    return train, test
