"""Data sets in the lecture's layout: ``X (n_x, m)``, one column per example, ``Y (1, m)``."""

from autograd_lr.datasets.synthetic import Dataset, make_two_feature

__all__ = ["Dataset", "make_two_feature"]
