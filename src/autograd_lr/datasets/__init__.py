"""Data sets in the lecture's layout: ``X (n_x, m)``, one column per example, ``Y (1, m)``.

- :func:`make_two_feature`: the lecture's two features :math:`x_1, x_2`, two overlapping classes;
- :func:`load_breast_cancer`: the Wisconsin diagnostic data (569 × 30), shipped in the package;
- :func:`load_csv`: a user's own CSV file, with errors naming the line and column;
- :func:`load_dataset`: any of them by the command line's name (or a CSV path);
- :func:`save_chunked`, :func:`load_chunked`: data larger than memory, on disk in chunks
  (zarr or ``.npy`` shards), loaded as dask arrays;
- :class:`Standardizer`, :func:`~autograd_lr.datasets.preprocessing.standardize`, :func:`train_test_split`: training statistics
  that test data reuses.
"""

from autograd_lr.datasets.breast_cancer import load_breast_cancer
from autograd_lr.datasets.catalog import BUILT_IN, load_dataset
from autograd_lr.datasets.chunked import (
    ChunkedDataset,
    fit_standardizer,
    load_chunked,
    save_chunked,
)
from autograd_lr.datasets.csv import load_csv, load_features, save_csv
from autograd_lr.datasets.preprocessing import Standardizer, standardize, train_test_split
from autograd_lr.datasets.synthetic import Dataset, make_two_feature

__all__ = [
    "BUILT_IN",
    "ChunkedDataset",
    "Dataset",
    "Standardizer",
    "fit_standardizer",
    "load_breast_cancer",
    "load_chunked",
    "load_csv",
    "load_dataset",
    "load_features",
    "make_two_feature",
    "save_chunked",
    "save_csv",
    "standardize",
    "train_test_split",
]
