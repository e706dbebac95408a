"""One entry point for the data sets by name, as the command line names them."""

from __future__ import annotations

from pathlib import Path

from autograd_lr.datasets.breast_cancer import load_breast_cancer
from autograd_lr.datasets.csv import load_csv
from autograd_lr.datasets.synthetic import Dataset, make_two_feature

BUILT_IN = ("breast-cancer", "two-feature")
TWO_FEATURE_M = 400  # the verify demo's size


def load_dataset(spec: str, *, target: str | None = None, seed: int = 0) -> Dataset:
    """``"breast-cancer"``, ``"two-feature"`` (seeded with ``seed``) or a CSV file's path.

    A CSV file needs ``target``, the name of its label column; the built-in data sets
    have their own and refuse one.
    """
    if spec in BUILT_IN:
        if target is not None:
            raise ValueError(
                f"--target names the label column of a CSV file; the built-in data set "
                f"{spec!r} has its own labels: leave --target out"
            )
        if spec == "breast-cancer":
            return load_breast_cancer()
        return make_two_feature(TWO_FEATURE_M, seed)
    path = Path(spec)
    if path.suffix.lower() != ".csv" and not path.is_file():
        raise ValueError(
            f"unknown data set {spec!r}: use one of {', '.join(BUILT_IN)} or the path of a CSV file"
        )
    if target is None:
        raise ValueError(
            f"{spec}: name the label column with --target COLUMN (the file's header lists "
            f"the columns)"
        )
    return load_csv(path, target=target)
