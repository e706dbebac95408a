r"""The Breast Cancer Wisconsin (Diagnostic) data set, shipped inside the package.

569 examples, 30 features, label 0 = malignant, 1 = benign (scikit-learn's coding).
Source: the UCI Machine Learning Repository (Wolberg, Street, Mangasarian, 1995),
license CC BY 4.0; the details and the citation are in ``datasets/data/README.md``.
"""

from __future__ import annotations

from importlib import resources

from autograd_lr.datasets.csv import load_csv
from autograd_lr.datasets.synthetic import Dataset

DATA_FILE = "breast_cancer.csv"
CLASS_NAMES = ("malignant", "benign")  # label 0, label 1
SOURCE = (
    "Breast Cancer Wisconsin (Diagnostic), W. H. Wolberg, W. N. Street, O. L. Mangasarian, "
    "UCI Machine Learning Repository, https://doi.org/10.24432/C5DW2B (CC BY 4.0)"
)


def load_breast_cancer() -> Dataset:
    r"""The Wisconsin diagnostic data: ``X (30, 569)``, ``Y (1, 569)`` with 1 = benign.

    Read from the CSV file inside the installed package (no download, no scikit-learn).
    Features are the raw measurements (areas in the thousands next to fractal
    dimensions near 0.06): standardize them before gradient descent
    (:class:`~autograd_lr.datasets.Standardizer`).
    """
    data_file = resources.files("autograd_lr.datasets").joinpath("data", DATA_FILE)
    with resources.as_file(data_file) as path:
        dataset = load_csv(path, target="target")
    return Dataset(
        X=dataset.X,
        Y=dataset.Y,
        feature_names=dataset.feature_names,
        name="breast-cancer",
        description=f"{SOURCE}; m={dataset.m}, n_x={dataset.n_x}, "
        f"label 0 = {CLASS_NAMES[0]}, 1 = {CLASS_NAMES[1]}",
        class_names=CLASS_NAMES,
        target="target",
    )
