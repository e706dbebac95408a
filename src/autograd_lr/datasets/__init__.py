"""Data sets in the lecture's layout: ``X (n_x, m)``, one column per example, ``Y (1, m)``.

- :func:`make_two_feature`: the lecture's two features :math:`x_1, x_2`, two overlapping classes;
- :func:`load_breast_cancer`: the Wisconsin diagnostic data (569 × 30), shipped in the package;
- :func:`load_csv`: a user's own CSV file, with errors naming the line and column;
- :func:`load_dataset`: any of them by the command line's name (or a CSV path);
- :class:`Standardizer`, :func:`standardize`, :func:`train_test_split`: training statistics
  that test data reuses.
"""

from autograd_lr.datasets.breast_cancer import load_breast_cancer
from autograd_lr.datasets.catalog import BUILT_IN, load_dataset
from autograd_lr.datasets.csv import load_csv, load_features, save_csv
from autograd_lr.datasets.preprocessing import Standardizer, standardize, train_test_split
from autograd_lr.datasets.synthetic import Dataset, make_two_feature

__all__ = [
    "BUILT_IN",
    "Dataset",
    "Standardizer",
    "load_breast_cancer",
    "load_csv",
    "load_dataset",
    "load_features",
    "make_two_feature",
    "save_csv",
    "standardize",
    "train_test_split",
]
