r"""Exercise ``initialize_with_zeros(dim)``: :math:`w = 0 \in \mathbb{R}^{dim \times 1}`, :math:`b = 0.0`.

Checked on several ``dim``: ``w`` a float64 array of shape ``(dim, 1)`` of zeros, and
``b`` a Python float (the course asserts ``type(b) == float``) equal to zero. Exactness
is the claim here: zeros are compared with ``==``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from autograd_lr.checking.exercises import rules
from autograd_lr.checking.exercises.base import Case, Exercise, Verdict, array_verdict, describe
from autograd_lr.problems import Problem

DIMS = (2, 1, 5)


@functools.cache
def _cases() -> tuple[Case, ...]:
    out = []
    for dim in DIMS:
        w = np.zeros((dim, 1))
        problem = Problem(w, 0.0, np.zeros((dim, 1)), np.zeros((1, 1)), f"dim = {dim}")
        out.append(Case(f"dim = {dim}", (dim,), {"w": w, "b": 0.0}, problem))
    return tuple(out)


def judge(returned: Any, case: Case) -> dict[str, Verdict]:
    if not isinstance(returned, tuple | list) or len(returned) != 2:
        seen = f"it returned {describe(returned)}, where (w, b) is expected"
        return {"w": Verdict("type", seen=seen), "b": Verdict("type", seen=seen)}
    w, b = returned
    out = {"w": array_verdict(w, case.expected["w"], 0.0, kind="f")}
    if isinstance(w, np.ndarray) and w.dtype.kind == "f" and w.dtype != np.float64:
        out["w"] = Verdict("type", seen=f"{describe(w)}, where float64 is expected")
    if isinstance(b, bool) or not isinstance(b, float):
        out["b"] = Verdict("type", seen=f"{describe(b)}, where the float 0.0 is expected")
    else:
        out["b"] = Verdict("ok" if b == 0.0 else "wrong", abs(b), 0.0, describe(b))
    return out


EXERCISE = Exercise(
    "initialize_with_zeros",
    "initialize_with_zeros(dim)",
    ("dim",),
    ("w", "b"),
    lambda: list(_cases()),
    judge,
    rules.INITIALIZE,
    "w is a float64 column of zeros (dim, 1) and b the float 0.0",
    expected_from="the lecture's zeros",
)
