r"""The lecture's two-feature data set: two overlapping Gaussian classes in :math:`(x_1, x_2)`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd_lr.records import DatasetRecord


@dataclass(frozen=True)
class Dataset(DatasetRecord):
    """A data set in the lecture's layout: ``X (n_x, m)``, ``Y (1, m)`` of 0/1 labels.

    The metadata (``feature_names``, ``name``, ``description``, ``label_mapping``,
    ``class_names``, ``target``) are :class:`~autograd_lr.records.DatasetRecord`'s,
    given by keyword; ``n_x`` and ``m`` are read off ``X``.
    """

    X: np.ndarray
    Y: np.ndarray


# Class centres and spread: the classes overlap (a Bayes error of about 8 %), so the
# classifier cannot separate them and the optimum is finite, as in the lecture's picture.
CENTRE_0 = (-1.0, -0.5)
CENTRE_1 = (1.0, 1.0)
SPREAD = 1.0


def make_two_feature(m: int = 400, seed: int = 0) -> Dataset:
    r"""``m`` examples of two features :math:`x_1, x_2`, half of each class, shuffled.

    Class :math:`y = 0` is centred at (-1, -0.5), class 1 at (1, 1), each with unit
    standard deviation per feature. Deterministic for a given ``seed``.
    Returns ``X (2, m)`` and ``Y (1, m)``.
    """
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 2:
        raise ValueError(f"m (number of examples) must be an integer >= 2, got {m!r}")
    rng = np.random.default_rng(seed)
    m1 = int(m) // 2
    labels = np.concatenate([np.zeros(int(m) - m1), np.ones(m1)])
    rng.shuffle(labels)
    centres = np.where(
        labels[None, :] == 1, np.reshape(CENTRE_1, (2, 1)), np.reshape(CENTRE_0, (2, 1))
    )  # (2, m)
    X = centres + SPREAD * rng.standard_normal((2, int(m)))
    return Dataset(
        X=X,
        Y=labels.reshape(1, -1),
        feature_names=("x1", "x2"),
        name="two-feature",
        description=f"two overlapping Gaussian classes, m={m}, seed={seed}",
    )
