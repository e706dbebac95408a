r"""Exercise ``optimize``: gradient descent, :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`.

``optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)`` returns
``(params {"w", "b"}, grads {"dw", "db"}, costs)``. Checked against gradient descent
driven by ``jax.grad`` of the reference cost (:func:`.reference.descent`) with the same
:math:`\alpha` and number of iterations: the final ``w`` and ``b``, the gradients of the
last iteration, and the costs recorded at iterations 0, 100, 200, ... The cases: the
course's example (100 iterations, α = 0.009), one with few iterations, one where α is
large enough to matter (α = 0.5), and one long enough to record three costs. The
caller's arrays must not change.
"""

from __future__ import annotations

import functools
from typing import Any

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
from autograd_lr.problems import Problem, lecture_problem, make_problem

QUANTITIES = ("w", "b", "dw", "db", "costs")


@functools.cache
def _cases() -> tuple[Case, ...]:
    lecture = lecture_problem()
    settings: list[tuple[Problem, int, float, str]] = [
        (lecture, 100, 0.009, "the course's example (100 iterations, α = 0.009)"),
        (make_problem(3, 5, 21), 3, 0.1, "few iterations (3, α = 0.1, n_x = 3, m = 5)"),
        (make_problem(2, 8, 22), 20, 0.5, "α matters (20 iterations, α = 0.5, n_x = 2, m = 8)"),
        (make_problem(4, 6, 23), 201, 0.05, "three costs recorded (201 iterations, α = 0.05)"),
    ]
    out = []
    for p, n, alpha, name in settings:
        d = reference.descent(p.w, p.b, p.X, p.Y, n, alpha)
        expected = {"w": d.w, "b": d.b, "dw": d.dw, "db": d.db, "costs": list(d.costs)}
        problem = Problem(p.w, p.b, p.X, p.Y, name)
        out.append(Case(name, (p.w, p.b, p.X, p.Y, n, alpha, False), expected, problem))
    return tuple(out)


def _entry(container: Any, key: str) -> Any:
    if isinstance(container, dict) and key in container:
        return container[key]
    raise KeyError(key)


def judge(returned: Any, case: Case) -> dict[str, Verdict]:
    e = case.expected
    if not isinstance(returned, tuple | list) or len(returned) != 3:
        seen = f"it returned {describe(returned)}, where (params, grads, costs) is expected"
        return {q: Verdict("type", seen=seen) for q in QUANTITIES}
    params, grads, costs = returned
    out: dict[str, Verdict] = {}
    for q, container, what in (
        ("w", params, "params"),
        ("b", params, "params"),
        ("dw", grads, "grads"),
        ("db", grads, "grads"),
    ):
        try:
            value = _entry(container, q)
        except KeyError:
            out[q] = Verdict("missing", seen=f'{what} has no key "{q}"')
            continue
        out[q] = (
            array_verdict(value, e[q], DESCENT_RTOL)
            if q in ("w", "dw")
            else scalar_verdict(value, e[q], DESCENT_RTOL)
        )
    out["costs"] = list_verdict(costs, e["costs"], DESCENT_RTOL)
    return out


EXERCISE = Exercise(
    "optimize",
    "optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)",
    ("w", "b", "X", "Y", "num_iterations", "learning_rate", "print_cost"),
    QUANTITIES,
    lambda: list(_cases()),
    judge,
    rules.OPTIMIZE,
    "w, b, the last gradients and the costs follow gradient descent by jax.grad",
)
