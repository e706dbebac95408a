r"""Deterministic test problems :math:`(w, b, X, Y)` in the lecture's layout.

One helper makes every problem the tests, the checker and the benchmarks use, so a
seed printed in a failure message reproduces it exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from autograd_lr.records import LectureLayout

Labels = Literal["random", "zeros", "ones"]


@dataclass(frozen=True)
class Problem(LectureLayout):
    """Parameters and data: ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)``.

    ``n_x`` and ``m`` are read off ``X`` (:class:`~autograd_lr.records.LectureLayout`).
    """

    w: np.ndarray
    b: float
    X: np.ndarray
    Y: np.ndarray
    name: str = ""

    def __iter__(self) -> Iterator[Any]:
        """``w, b, X, Y = problem``."""
        return iter((self.w, self.b, self.X, self.Y))


def make_problem(
    n_x: int,
    m: int,
    seed: int = 0,
    *,
    z_max: float = 3.0,
    labels: Labels = "random",
    dtype: type = np.float64,
    name: str = "",
) -> Problem:
    r"""A random problem whose logits reach exactly :math:`\max_i |z^{(i)}| = z_{max}`.

    ``X`` and the direction of ``(w, b)`` are standard normal (seeded); ``(w, b)`` is then
    scaled so the largest :math:`|z|` equals ``z_max`` (large values saturate
    :math:`\sigma`). ``labels`` are random 0/1, all 0 or all 1.
    """
    if n_x < 1 or m < 1:
        raise ValueError(f"a problem needs n_x >= 1 and m >= 1, got n_x={n_x}, m={m}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    w = rng.standard_normal((n_x, 1))
    b = float(rng.standard_normal())
    Z = w.T @ X + b
    scale = z_max / max(float(np.max(np.abs(Z))), 1e-300)
    w, b = w * scale, b * scale
    if labels == "random":
        Y = rng.integers(0, 2, size=(1, m)).astype(np.float64)
    elif labels == "zeros":
        Y = np.zeros((1, m))
    elif labels == "ones":
        Y = np.ones((1, m))
    else:
        raise ValueError(f"labels must be 'random', 'zeros' or 'ones', got {labels!r}")
    label = name or f"n_x={n_x}, m={m}, seed={seed}, |z|max={z_max:g}, labels={labels}"
    return Problem(w.astype(dtype), float(b), X.astype(dtype), Y.astype(dtype), label)


def lecture_problem() -> Problem:
    """The lecture's worked example: ``w = [[1], [2]]``, ``b = 2``, three examples."""
    return Problem(
        w=np.array([[1.0], [2.0]]),
        b=2.0,
        X=np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]),
        Y=np.array([[1.0, 0.0, 1.0]]),
        name="the lecture's worked example",
    )
