r"""Exercise ``predict(w, b, X)``: :math:`\hat y = [\sigma(w^\top x + b) > 0.5] = [z > 0]`.

Checked against :func:`autograd_lr.forward.predict_labels` (the one prediction rule) on
random problems and at and around the boundary: examples with :math:`z = 0` exactly
(:math:`a = 0.5`, label 0) and :math:`z = \pm 10^{-9}` (where :math:`\sigma` still tells
the sides apart, so ``A > 0.5`` and ``Z > 0`` agree). The result must be a float array
of shape ``(1, m)`` of 0.0/1.0 labels, compared exactly (labels are the claim).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from autograd_lr.checking.exercises import reference, rules
from autograd_lr.checking.exercises.base import Case, Exercise, Verdict, array_verdict
from autograd_lr.problems import Problem, make_problem

NEAR_ZERO = (
    1e-9  # |z| of the examples beside the boundary: σ(z) − 0.5 ≈ 2.5e-10, far above rounding
)


def _boundary() -> Problem:
    w = np.array([[1.0], [-2.0], [0.5]])
    b = 0.0
    # z = wᵀx: 0, +1e-9, -1e-9, 0, 3, -3 (each column built for its z)
    X = np.array(
        [
            [2.0, 2.0 + NEAR_ZERO, 2.0 - NEAR_ZERO, 0.0, 3.0, -3.0],
            [1.0, 1.0, 1.0, 0.5, 0.0, 0.0],
            [0.0, 0.0, 0.0, 2.0, 0.0, 0.0],
        ]
    )
    return Problem(w, b, X, np.zeros((1, 6)), "at and around z = 0 (n_x = 3, m = 6)")


@functools.cache
def _cases() -> tuple[Case, ...]:
    problems = [
        make_problem(2, 7, 11, name="n_x = 2, m = 7"),
        _boundary(),
        make_problem(4, 1, 12, name="one example (n_x = 4, m = 1)"),
        make_problem(6, 15, 13, z_max=5.0, name="n_x = 6, m = 15"),
    ]
    return tuple(
        Case(p.name, (p.w, p.b, p.X), {"Y_prediction": reference.labels(p.w, p.b, p.X)}, p)
        for p in problems
    )


def judge(returned: Any, case: Case) -> dict[str, Verdict]:
    return {"Y_prediction": array_verdict(returned, case.expected["Y_prediction"], 0.0, kind="f")}


EXERCISE = Exercise(
    "predict",
    "predict(w, b, X)",
    ("w", "b", "X"),
    ("Y_prediction",),
    lambda: list(_cases()),
    judge,
    rules.PREDICT,
    "the labels follow the prediction rule a > 0.5 (z > 0), as a float row (1, m)",
    expected_from="the prediction rule",
)
