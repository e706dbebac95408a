r"""Exercise ``model``: the whole pipeline, from :math:`w = 0, b = 0.0` to the predictions.

``model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, print_cost)``
initializes with zeros, runs gradient descent and predicts on both sets. Checked on a
small slice of the shipped breast-cancer data (standardized here, so that descent is
well conditioned), in two sizes so that a size taken from anything but the arguments
shows: the returned dictionary must have the course's keys, its ``w``, ``b`` and costs
those of :func:`.reference.descent` from zeros, its predictions (hence its accuracies)
those of the prediction rule, and it must echo ``learning_rate`` and ``num_iterations``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from autograd_lr.checking.exercises import reference, rules
from autograd_lr.checking.exercises.base import (
    Case,
    Exercise,
    Verdict,
    array_verdict,
    describe,
    list_verdict,
    scalar_verdict,
)
from autograd_lr.checking.thresholds import DESCENT_RTOL
from autograd_lr.datasets import load_breast_cancer
from autograd_lr.problems import Problem

KEYS = rules.MODEL_KEYS
QUANTITIES = ("keys", "w", "b", "costs", "Y_prediction_train", "Y_prediction_test", "arguments")


def data(n_x: int, m_train: int, m_test: int) -> tuple[np.ndarray, ...]:
    """The first ``n_x`` features of the breast-cancer data, standardized, split in order."""
    d = load_breast_cancer()
    X = d.X[:n_x, : m_train + m_test]
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    Y = d.Y[:, : m_train + m_test].astype(np.float64)
    return X[:, :m_train], Y[:, :m_train], X[:, m_train:], Y[:, m_train:]


@functools.cache
def _cases() -> tuple[Case, ...]:
    out = []
    for n_x, m_train, m_test, n, alpha in ((4, 60, 25, 150, 0.1), (7, 31, 12, 40, 0.5)):
        X_train, Y_train, X_test, Y_test = data(n_x, m_train, m_test)
        d = reference.descent(np.zeros((n_x, 1)), 0.0, X_train, Y_train, n, alpha)
        name = (
            f"breast cancer, n_x = {n_x}, m_train = {m_train}, m_test = {m_test}, "
            f"{n} iterations, α = {alpha}"
        )
        expected = {
            "w": d.w,
            "b": d.b,
            "costs": list(d.costs),
            "Y_prediction_train": reference.labels(d.w, d.b, X_train),
            "Y_prediction_test": reference.labels(d.w, d.b, X_test),
            "learning_rate": alpha,
            "num_iterations": n,
        }
        problem = Problem(np.zeros((n_x, 1)), 0.0, X_train, Y_train, name)
        args = (X_train, Y_train, X_test, Y_test, n, alpha, False)
        out.append(Case(name, args, expected, problem))
    return tuple(out)


def judge(returned: Any, case: Case) -> dict[str, Verdict]:
    e = case.expected
    if not isinstance(returned, dict):
        seen = f"it returned {describe(returned)}, where a dictionary is expected"
        return {q: Verdict("type", seen=seen) for q in QUANTITIES}
    missing = [k for k in KEYS if k not in returned]
    out = {
        "keys": Verdict(
            "missing" if missing else "ok",
            seen=f"the dictionary has no key {', '.join(missing)}" if missing else "",
        )
    }
    checks = {
        "w": lambda v: array_verdict(v, e["w"], DESCENT_RTOL),
        "b": lambda v: scalar_verdict(v, e["b"], DESCENT_RTOL),
        "costs": lambda v: list_verdict(v, e["costs"], DESCENT_RTOL),
        "Y_prediction_train": lambda v: array_verdict(v, e["Y_prediction_train"], 0.0),
        "Y_prediction_test": lambda v: array_verdict(v, e["Y_prediction_test"], 0.0),
    }
    for q, verdict in checks.items():
        out[q] = verdict(returned[q]) if q in returned else Verdict("missing", seen=f"no key {q}")
    echoed = [
        k for k in ("learning_rate", "num_iterations") if k in returned and returned[k] != e[k]
    ]
    out["arguments"] = Verdict(
        "wrong" if echoed else "ok",
        seen=f"{', '.join(echoed)} is not the argument given" if echoed else "",
    )
    return out


EXERCISE = Exercise(
    "model",
    "model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, print_cost)",
    ("X_train", "Y_train", "X_test", "Y_test", "num_iterations", "learning_rate", "print_cost"),
    QUANTITIES,
    lambda: list(_cases()),
    judge,
    rules.MODEL,
    "from zeros, gradient descent and the prediction rule on both sets, as the reference",
)
