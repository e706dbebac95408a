r"""The problems, and everything the oracles say about them, ready before any learner's code runs.

For each problem, a :class:`ProblemOracles` holds (computed on first use, or all at once
by :meth:`ProblemOracles.build`):

* the reference: ``jax.value_and_grad`` of :func:`autograd_lr.forward.cost` (with λ),
  the value every verdict rests on;
* the second oracle: central finite differences of the same cost in numpy (per
  coordinate, or along random directions when :math:`n_x` is large), and the numpy
  value of the cost;
* the fast mode's Richardson differences along :math:`K` random unit directions;
* the models of wrong answers (:mod:`~autograd_lr.checking.mistakes`), each differentiated
  by jax, all in one compiled call per problem shape.

:func:`autograd_lr.checking.check.prepare` builds them eagerly for a grader, so that
judging a submission afterwards runs no jax and imports nothing;
:func:`~autograd_lr.checking.check.check_gradients` builds only what its verdict and
diagnosis ask for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from autograd_lr import forward, oracles
from autograd_lr.checking import stored
from autograd_lr.checking.mistakes import MODELS
from autograd_lr.checking.thresholds import (
    DIRECTIONAL_STEP,
    FAST_DIRECTIONS,
    FD_PER_COORDINATE_MAX_N_X,
)
from autograd_lr.problems import Problem, make_problem
from autograd_lr.tolerances import gradient_scale, relative_error
from autograd_lr.validation import validate_problem

# the key of stored values: the source of forward, oracles and mistakes as imported just now
stored.definitions()

# --- problems --------------------------------------------------------------------------------


def default_problems(seed: int = 0) -> list[Problem]:
    r"""The problems every check runs on: one per way a mistake could hide.

    * :math:`n_x \ne m` (5 features, 7 examples): a transposed ``X`` or ``m`` read from the
      wrong axis changes shapes or values;
    * :math:`m = 1`: the broadcasting edge, where sums and means coincide;
    * single-class labels, all :math:`y = 1` and all :math:`y = 0`;
    * moderately saturated logits, :math:`\max|z| = 10` (:math:`a` within 4.5e-5 of 0 or 1);
    * a larger problem, :math:`(n_x, m) = (40, 97)`, where neither a factor of ``m`` nor
      of :math:`n_x` can pass for rounding.

    Each comes from :func:`autograd_lr.problems.make_problem` with seed ``seed + k``.
    """
    return [
        make_problem(5, 7, seed, name="n_x ≠ m (n_x = 5, m = 7)"),
        make_problem(4, 1, seed + 1, name="one example (n_x = 4, m = 1)"),
        make_problem(3, 6, seed + 2, labels="ones", name="all labels 1 (n_x = 3, m = 6)"),
        make_problem(6, 3, seed + 3, labels="zeros", name="all labels 0 (n_x = 6, m = 3)"),
        make_problem(8, 11, seed + 4, z_max=10.0, name="saturated, |z| ≤ 10 (n_x = 8, m = 11)"),
        make_problem(40, 97, seed + 5, name="larger (n_x = 40, m = 97)"),
    ]


def as_problems(problems: Iterable[Any]) -> list[Problem]:
    """Problems given as :class:`~autograd_lr.problems.Problem` or ``(w, b, X, Y)``, in float64."""
    out = []
    for k, p in enumerate(problems):
        name = getattr(p, "name", "")
        try:
            w, b, X, Y = p
        except (TypeError, ValueError):
            raise ValueError(
                f"problem {k} must be a Problem or a tuple (w, b, X, Y), got {type(p).__name__}"
            ) from None
        w, b, X, Y = validate_problem(w, b, X, Y)
        n_x, m = X.shape
        out.append(
            Problem(
                w.astype(np.float64, copy=False),
                b,
                X.astype(np.float64, copy=False),
                Y.astype(np.float64, copy=False),
                name or f"problem {k} (n_x = {n_x}, m = {m})",
            )
        )
    if not out:
        raise ValueError("problems is empty: give at least one (w, b, X, Y)")
    return out


# --- what the oracles say about one problem ---------------------------------------------------


@dataclass(frozen=True)
class Values:
    """dw ``(n_x, 1)``, db and the cost of one model (or of the reference) on one problem."""

    dw: np.ndarray
    db: float
    cost: float

    def get(self, name: str) -> np.ndarray | float:
        value: np.ndarray | float = getattr(self, name)
        return value


def _directions(p: Problem, seed: int, index: int) -> list[np.ndarray]:
    rng = np.random.default_rng([seed, index, p.n_x, p.m])
    out = []
    for _ in range(FAST_DIRECTIONS):
        v = rng.standard_normal(p.n_x + 1)
        out.append(v / np.linalg.norm(v))
    return out


def directional_step(p: Problem) -> float:
    """The fast mode's step along a unit direction: DIRECTIONAL_STEP / rms(X)."""
    rms = float(np.sqrt(np.vdot(p.X, p.X) / p.X.size))  # no (n_x, m) temporary
    return DIRECTIONAL_STEP / max(1.0, rms)


class _OutputModelValues(Mapping[str, Values]):
    """Each output model's values on one problem, by name (``oracles.models[name]``):
    :meth:`ProblemOracles.model`, computed on first use."""

    def __init__(self, owner: ProblemOracles) -> None:
        self._owner = owner

    def __getitem__(self, name: str) -> Values:
        if name not in MODELS:
            raise KeyError(name)
        return self._owner.model(name)

    def __iter__(self) -> Iterator[str]:
        return iter(MODELS)

    def __len__(self) -> int:
        return len(MODELS)


# the reference's name in the store (no model of a mistake is called this)
_REFERENCE = stored.REFERENCE


class ProblemOracles:
    """The oracles' values on one problem, each computed once (lazily, or all by :meth:`build`)."""

    def __init__(
        self,
        problem: Problem,
        lambd: float = 0.0,
        *,
        seed: int = 0,
        index: int = 0,
        store: bool = False,
    ):
        self.problem = problem
        self.lambd = lambd
        self.seed = seed
        self.index = index
        # store=True: jax's values are read from (now) and written to the disk store
        # (:mod:`~autograd_lr.checking.stored`), so a fresh process need not start jax
        self.store = store
        self._stored: dict[str, Values] = {}
        if store:
            for name in (_REFERENCE, *MODELS):
                found = stored.load(problem, lambd, name)
                if found is not None:
                    self._stored[name] = Values(*found)

    def _keep(self, name: str, values: Values) -> Values:
        if self.store and name not in self._stored:
            self._stored[name] = values
            stored.save(self.problem, self.lambd, name, values.dw, values.db, values.cost)
        return values

    # --- the reference: jax.grad of the reference cost ---

    @cached_property
    def expected(self) -> Values:
        """``jax.value_and_grad`` of :func:`autograd_lr.forward.cost` with λ: the reference."""
        if _REFERENCE in self._stored:
            return self._stored[_REFERENCE]
        p = self.problem
        grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y, self.lambd)
        return self._keep(_REFERENCE, Values(grads["dw"], grads["db"], J))

    @cached_property
    def scale(self) -> float:
        """The floor of dw's and db's relative error (:func:`~autograd_lr.tolerances.gradient_scale`)."""
        p = self.problem
        return gradient_scale(p.X, p.w, self.lambd)

    def floors(self, J: float) -> dict[str, float]:
        return {
            "dw": self.scale,
            "db": self.scale,
            "cost": 1.0,
            "directional": max(self.scale, abs(J)),
        }

    # --- the second oracle: finite differences of the same cost, in numpy ---

    def cost_function(self) -> Any:
        """θ = (w, b) ↦ :func:`autograd_lr.forward.cost` in numpy float64."""
        p, lambd = self.problem, self.lambd

        def f(theta: np.ndarray) -> float:
            w, b = oracles.unpack(theta, p.n_x)
            return float(forward.cost(w, b, p.X, p.Y, lambd))

        return f

    @cached_property
    def numpy_cost(self) -> float:
        p = self.problem
        return float(forward.cost(p.w, p.b, p.X, p.Y, self.lambd))

    @cached_property
    def directions(self) -> list[tuple[np.ndarray, float]]:
        """Pairs ``(v, D_v)``, the Richardson central difference of the numpy cost along each unit direction v."""
        p = self.problem
        f, theta, h = self.cost_function(), oracles.pack(p.w, p.b), directional_step(p)
        return [
            (v, oracles.richardson_along(f, theta, v, h))
            for v in _directions(p, self.seed, self.index)
        ]

    @cached_property
    def finite_differences(self) -> Values:
        """Central finite differences of the numpy cost, per coordinate (2(n_x + 1) evaluations)."""
        p = self.problem
        fd = oracles.finite_difference_gradients(p.w, p.b, p.X, p.Y, self.lambd)
        return Values(fd["dw"], fd["db"], self.numpy_cost)

    @cached_property
    def agreement(self) -> dict[str, float]:
        """How far finite differences and the numpy cost are from jax, per quantity (the oracles' agreement)."""
        p, ref = self.problem, self.expected
        floors = self.floors(ref.cost)
        out = {"cost": relative_error(self.numpy_cost, ref.cost, floors["cost"])}
        if p.n_x <= FD_PER_COORDINATE_MAX_N_X:
            fd = self.finite_differences
            out["dw"] = relative_error(fd.dw, ref.dw, floors["directional"])
            out["db"] = relative_error(fd.db, ref.db, floors["directional"])
        else:
            g = oracles.pack(ref.dw, ref.db)
            out["dw"] = out["db"] = max(
                relative_error(D, float(v @ g), floors["directional"]) for v, D in self.directions
            )
        return out

    # --- models of wrong answers ---

    def _jax_models(self, names: list[str], reference: bool = False) -> list[Values]:
        """Models ``names`` (and, first, the reference if asked), in one compiled jax call."""
        p = self.problem
        costs = [oracles.REFERENCE_COST] if reference else []
        costs += [MODELS[name].cost_at for name in names]
        results = oracles.jax_values_and_gradients(costs, p.w, p.b, p.X, p.Y, self.lambd)
        return [Values(grads["dw"], grads["db"], J) for grads, J in results]

    @cached_property
    def models(self) -> Mapping[str, Values]:
        """Every model of :data:`~autograd_lr.checking.mistakes.MODELS` on this problem (λ = 0
        except the ``"penalty"`` model, the L2 term alone), each computed when first read.

        Lazily, one compiled function per model: a diagnosis usually reads most models on
        the first problem only (a model that misses there is dropped), so this compiles far
        less than all models on every problem. :meth:`build` computes them all at once.
        """
        return _OutputModelValues(self)

    def model(self, name: str) -> Values:
        """One model's values, computed (by jax) on first use."""
        known = self._known_models
        if name not in known:
            p = self.problem
            if name == "correct" and self.lambd == 0.0:
                known[name] = self.expected  # the reference is the data part when λ = 0
            elif name == "penalty" and self.lambd == 0.0:
                known[name] = Values(np.zeros_like(p.w), 0.0, 0.0)
            elif name in self._stored:
                known[name] = self._stored[name]
            else:
                (found,) = self._jax_models([name])
                known[name] = self._keep(name, found)
        return known[name]

    @cached_property
    def _known_models(self) -> dict[str, Values]:
        return {}

    @cached_property
    def log_slopes(self) -> dict[str, float]:
        r"""How an ε inside the logarithm moves the cost, to first order (forward model, numpy).

        :math:`\partial_\varepsilon \bigl(-\frac1m\sum y\log(a+\varepsilon) + (1-y)\log(1-a+\varepsilon)\bigr)`
        at 0 is :math:`-S` with :math:`S = \frac1m\sum y/a + (1-y)/(1-a)` (``"both"``), or
        :math:`\frac1m\sum y/a` when ε guards only ``log(a)`` (``"a"``).
        """
        p = self.problem
        A = forward.sigmoid(forward.logits(p.w, p.b, p.X))
        with np.errstate(divide="ignore"):
            on_a = float(np.sum(p.Y / A)) / p.m
            both = on_a + float(np.sum((1.0 - p.Y) / (1.0 - A))) / p.m
        return {"both": both, "a": on_a}

    def build(self, *, fast: bool = False) -> ProblemOracles:
        """Compute everything a verdict and a diagnosis may need (so that none runs later)."""
        missing = [name for name in MODELS if name not in self._known_models]
        if "expected" not in self.__dict__ and missing:
            reference, *values = self._jax_models(missing, reference=True)  # one compiled call
            self.__dict__["expected"] = self._keep(_REFERENCE, reference)
            for name, found in zip(missing, values, strict=True):
                self._known_models[name] = self._keep(name, found)
        for name in MODELS:
            self.model(name)
        _ = self.expected, self.agreement, self.numpy_cost, self.log_slopes
        if fast:
            _ = self.directions
        return self
