r"""The main job: train on the two-feature data and prove the hand-derived gradients right.

At the start of gradient descent, at a random point and at the end, the hand-derived :math:`dw, db`
(:mod:`autograd_lr.gradients`) are compared with ``jax.grad`` and with central finite
differences of the same cost :math:`J`; the result is one table per stage.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lr import course, oracles
from autograd_lr.checking.calls import call
from autograd_lr.checking.compare import compare
from autograd_lr.checking.expected import ProblemOracles, as_problems
from autograd_lr.checking.findings import (
    Column,
    Feedback,
    Table,
    Views,
)
from autograd_lr.datasets import make_two_feature
from autograd_lr.problems import Problem
from autograd_lr.tolerances import (
    FINITE_DIFFERENCE_RTOL,
    JAX_RTOL,
    relative_error,
)


@dataclass(frozen=True)
class GradientEntry:
    """One entry of the gradient (``dw1``, ..., ``db``): hand-derived, both oracles, and
    the hand-derived value's relative error against each."""

    quantity: str
    hand: float
    jax: float
    finite_difference: float
    error_jax: float
    error_fd: float


@dataclass(frozen=True)
class Stage:
    """The check of all gradient entries at one point (w, b) of training."""

    label: str
    cost: float
    entries: list[GradientEntry]
    error_jax: float  # normwise, over all of (dw, db)
    error_fd: float

    @property
    def passed(self) -> bool:
        return self.error_jax <= JAX_RTOL and self.error_fd <= FINITE_DIFFERENCE_RTOL


@dataclass
class Report(Views):
    """Everything ``autograd-lr verify`` prints."""

    stages: list[Stage]
    final_cost: float
    train_accuracy: float  # percent, as course.accuracy gives it
    test_accuracy: float
    iterations: int
    learning_rate: float
    seconds: float
    data: dict[str, Any] = field(default_factory=dict)
    train_correct: int = 0  # of m_train examples
    m_train: int = 0
    test_correct: int = 0
    m_test: int = 0

    @property
    def passed(self) -> bool:
        return all(stage.passed for stage in self.stages)

    def feedback(self) -> Feedback:
        """The report as the feedback core lays it out: one table per stage (every view
        renders this)."""
        columns = (
            Column("quantity", 9),
            Column("hand-derived", 18, ">"),
            Column("jax.grad", 18, ">"),
            Column("finite diff.", 18, ">"),
            Column("rel. err jax", 14, ">"),
            Column("rel. err FD", 13, ">"),
        )
        tables = [
            Table(
                columns,
                [  # one format per column: an exact 0 prints as 0.0…e+00
                    (
                        entry.quantity,
                        f"{entry.hand:.{VALUE_DIGITS}e}",
                        f"{entry.jax:.{VALUE_DIGITS}e}",
                        f"{entry.finite_difference:.{VALUE_DIGITS}e}",
                        f"{entry.error_jax:.1e}",
                        f"{entry.error_fd:.1e}",
                    )
                    for entry in stage.entries
                ],
                failing=[not stage.passed] * len(stage.entries),
                caption=f"{stage.label}: cost J = {stage.cost:.10f}",
                footer="relative error to the summands' scale: "
                f"jax {_within(stage.error_jax, JAX_RTOL)}, finite differences "
                f"{_within(stage.error_fd, FINITE_DIFFERENCE_RTOL)}: "
                + ("OK" if stage.passed else "FAILED"),
            )
            for stage in self.stages
        ]
        verdict = "all hand-derived gradients verified" if self.passed else "VERIFICATION FAILED"
        return Feedback(
            "verify",
            "propagate",
            self.passed,
            f"autograd-lr verify: {self.data.get('description', '')}",
            summary=f"gradient descent: {self.iterations} iterations of w := w − α·dw, "
            f"b := b − α·db, with the step size (learning rate) α = {self.learning_rate:g}",
            tables=tables,
            closing=[
                f"final cost      J = {self.final_cost:.6f}",
                f"train accuracy  {course.accuracy_text(self.train_correct, self.m_train)}",
                f"test accuracy   {course.accuracy_text(self.test_correct, self.m_test)}",
                f"{verdict} ({self.seconds:.2f} s)",
            ],
            data={
                "final_cost": self.final_cost,
                "train_accuracy": self.train_accuracy,
                "test_accuracy": self.test_accuracy,
                "iterations": self.iterations,
                "learning_rate": self.learning_rate,
                "data": self.data,
            },
            marks=[stage.passed for stage in self.stages],
        )


VALUE_DIGITS = 9  # digits after the point of the value columns: 10 significant, as in 1.3e-18


def _within(error: float, tolerance: float) -> str:
    """``4.6e-17 ≤ 1e-12`` or ``3.2e-01 > 1e-12``: an error beside its tolerance."""
    return f"{error:.1e} {'≤' if error <= tolerance else '>'} {tolerance:g}"


def check_stage(label: str, w: Any, b: float, X: Any, Y: Any) -> Stage:
    """Hand-derived (``propagate``) vs ``jax.grad`` vs central differences at ``(w, b)``.

    Through the checker's own comparison (:func:`autograd_lr.checking.compare.compare`):
    the same oracles' values, floors and relative errors as ``check_gradients``.
    """
    (problem,) = as_problems([Problem(np.asarray(w), float(b), X, Y, label)])
    values = ProblemOracles(problem)
    checked = compare(call(course.propagate, problem), values, fast=False)
    if any(checked.quantities[q].yours is None for q in ("dw", "db", "cost")):
        what = checked.call.exception or checked.call.outputs.error or "no output"
        raise RuntimeError(f"propagate gave no dw, db and cost at {label}: {what}")
    hand = oracles.pack(checked.quantities["dw"].yours, checked.quantities["db"].yours)
    jax = oracles.pack(values.expected.dw, values.expected.db)
    fd = oracles.pack(values.finite_differences.dw, values.finite_differences.db)
    J = float(np.asarray(checked.quantities["cost"].yours))
    floors = values.floors(values.expected.cost)
    s, s_fd = floors["dw"], floors["directional"]
    names = [f"dw{j + 1}" for j in range(problem.n_x)] + ["db"]
    entries = [
        GradientEntry(
            quantity=name,
            hand=float(hand[k]),
            jax=float(jax[k]),
            finite_difference=float(fd[k]),
            error_jax=relative_error(hand[k], jax[k], scale=s),
            error_fd=relative_error(hand[k], fd[k], scale=s_fd),
        )
        for k, name in enumerate(names)
    ]
    return Stage(
        label=label,
        cost=J,
        entries=entries,
        error_jax=max(checked.quantities[q].error for q in ("dw", "db")),
        error_fd=relative_error(hand, fd, scale=s_fd),
    )


def run(
    m: int = 400,
    seed: int = 0,
    iterations: int = 2000,
    learning_rate: float = 0.5,
) -> Report:
    """Train on :func:`~autograd_lr.datasets.make_two_feature` and check the gradients twice.

    The test set is another ``m`` examples drawn with ``seed + 1``.
    """
    start = time.perf_counter()
    train = make_two_feature(m, seed)
    test = make_two_feature(m, seed + 1)
    w, b = course.initialize_with_zeros(train.n_x)
    stages = [check_stage("at the start, w = 0 and b = 0", w, b, train.X, train.Y)]
    # At w = 0 every a is 1/2, which hides mistakes such as σ(−z) for σ(z): check a
    # generic point too (seeded, drawn from the standard normal).
    rng = np.random.default_rng(seed)
    w_random, b_random = rng.standard_normal((train.n_x, 1)), float(rng.standard_normal())
    stages.append(
        check_stage(
            f"at a random point, w and b drawn from N(0, 1) with seed {seed}",
            w_random,
            b_random,
            train.X,
            train.Y,
        )
    )
    params, _, _ = course.optimize(w, b, train.X, train.Y, iterations, learning_rate)
    w, b = params["w"], params["b"]
    stages.append(check_stage(f"at the end, after {iterations} iterations", w, b, train.X, train.Y))
    _, final_cost = course.propagate(w, b, train.X, train.Y)
    train_predicted, test_predicted = course.predict(w, b, train.X), course.predict(w, b, test.X)
    return Report(
        stages=stages,
        final_cost=final_cost,
        train_accuracy=course.accuracy(train_predicted, train.Y),
        test_accuracy=course.accuracy(test_predicted, test.Y),
        train_correct=int(course.count_correct(train_predicted, train.Y)),
        m_train=train.m,
        test_correct=int(course.count_correct(test_predicted, test.Y)),
        m_test=test.m,
        iterations=iterations,
        learning_rate=learning_rate,
        seconds=time.perf_counter() - start,
        data={"description": train.description, "w": np.ravel(w).tolist(), "b": b},
    )
