"""Three parameters: the signature does not match propagate(w, b, X, Y)."""

import numpy as np


def propagate(w, X, Y):
    A = 1 / (1 + np.exp(-np.dot(w.T, X)))
    return {"dw": np.dot(X, (A - Y).T) / X.shape[1], "db": 0.0}, 0.0
