"""Defines the wrong name."""


def propagate_v2(w, b, X, Y):
    return None
