r"""What a derivation is compared with: jax.grad of the model's own loss and cost.

Nothing here is a hand formula. Per example, the references are ``jax.grad`` of
:func:`autograd_lr.forward.loss` (in :math:`a`), :func:`~autograd_lr.forward.sigmoid` and
:func:`~autograd_lr.forward.loss_from_logits` (in :math:`z`, :math:`w_j`, :math:`b`,
through :math:`z = w_j x_j + \text{rest}`); over m examples they are
:func:`autograd_lr.oracles.jax_gradients` and :func:`~autograd_lr.oracles.jax_hessian`.

Each point is exact in its primary variable: ``z`` is a float64 for the steps in
:math:`z` (``a`` is then :math:`\sigma(z)` to 60 digits), and ``a`` is a float64 for
``da`` (``z`` is then :math:`\log(a/(1-a))` to 60 digits). At :math:`|z| = 30` the
float64 :math:`a` is :math:`1 - 9.4\cdot 10^{-14}` give or take an ulp, so a reference
in :math:`a` at a rounded :math:`\sigma(z)` would be off by 0.1 % in :math:`1/(1-a)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import mpmath
import numpy as np

from autograd_lr import forward, oracles, problems
from autograd_lr.teaching.syntax import sigmoid_formula
from autograd_lr.tolerances import gradient_scale

DIGITS = 60  # the learner's expression is evaluated with mpmath at this many digits
MODERATE_Z = 6.0  # generic points; beyond are the saturated ones, up to |z| = 30
SATURATED_Z = (30.0, -30.0, 20.0, -20.0, 12.0, -12.0)
N_GENERIC = 8
# Over m examples: two problems (n_x, m) of different shapes, so that a constant written
# for one of them (sum(dZ)/5, lambd/5*w, /(m + n_x - 3)) is wrong on the other, and in
# each no two of X (n_x, m), w (n_x, 1), dZ (1, m) have the same shape, so that a
# product in the wrong order fails.
SHAPES = ((3, 5), (4, 7))
Z_MAX = (2.0, 30.0)  # a moderate problem and a saturated one


@dataclass(frozen=True)
class ScalarPoints:
    """Points of the per-example domain, and the references there (numpy float64 arrays).

    ``primary`` is ``"z"`` or ``"a"``: that variable is exactly the float64 stored.
    ``reference`` maps a step name (and the pieces the mistake models use) to values.
    """

    primary: str
    z: np.ndarray
    a: np.ndarray
    y: np.ndarray
    x: np.ndarray
    w: np.ndarray
    reference: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.z.size)

    @property
    def moderate(self) -> np.ndarray:
        r"""Points with :math:`|z| \le` :data:`MODERATE_Z`: where the mistake models are compared."""
        return np.abs(self.z) <= MODERATE_Z

    def env(self, i: int) -> dict[str, Any]:
        """The symbols at point ``i`` as mpmath numbers (call inside ``mpmath.workdps``)."""
        y, x, w = (mpmath.mpf(float(v[i])) for v in (self.y, self.x, self.w))
        if self.primary == "z":
            z = mpmath.mpf(float(self.z[i]))
            a = sigmoid_formula(z, mpmath.exp)
        else:
            a = mpmath.mpf(float(self.a[i]))
            z = mpmath.log(a) - mpmath.log(1 - a)
        return {"a": a, "z": z, "y": y, "x": x, "w": w, "b": z - w * x}

    def shown(self, i: int, names: frozenset[str] = frozenset()) -> dict[str, float]:
        """Point ``i`` as plain floats, for a report: a, z, y and the ``names`` among x, w, b."""
        values = {"a": self.a[i], "z": self.z[i], "y": self.y[i], "x": self.x[i], "w": self.w[i]}
        values["b"] = self.z[i] - self.w[i] * self.x[i]
        return {k: float(v) for k, v in values.items() if k in ("a", "z", "y") or k in names}


def _grad(f: Any, *args: np.ndarray) -> np.ndarray:
    """``jax.vmap(jax.grad(f))`` over the arrays ``args``, in float64."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        values = jax.vmap(jax.grad(f))(*(jnp.asarray(a, dtype=jnp.float64) for a in args))
        return np.asarray(values, dtype=np.float64)


def _dL_da(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _grad(forward.loss, a, y)


def _per_example(primary: str, seed: int) -> ScalarPoints:
    rng = np.random.default_rng(seed)
    z_generic = rng.uniform(-MODERATE_Z, MODERATE_Z, N_GENERIC)
    z0 = np.concatenate([z_generic, SATURATED_Z])
    labels = [np.ones_like(z0), np.zeros_like(z0), rng.uniform(0.05, 0.95, z0.size)]
    z = np.tile(z0, 3)
    y = np.concatenate(labels)
    order = np.argsort(np.abs(z) > MODERATE_Z, kind="stable")  # generic points first
    z, y = z[order], y[order]
    x = rng.choice([-1.0, 1.0], z.size) * rng.uniform(0.5, 3.0, z.size)
    w = rng.standard_normal(z.size)
    a = np.asarray(forward.sigmoid(z), dtype=np.float64)
    if primary == "a":
        a = np.clip(a, np.nextafter(0.0, 1.0), np.nextafter(1.0, 0.0))
    ones, zeros = np.ones_like(y), np.zeros_like(y)
    reference = {
        "da": _dL_da(a, y),
        "da_y1": _dL_da(a, ones),  # L is linear in y: L = y L(a, 1) + (1 - y) L(a, 0)
        "da_y0": _dL_da(a, zeros),
        "da_dz": _grad(forward.sigmoid, z),
        "dz": _grad(forward.loss_from_logits, z, y),
        # z = z₀ + (w_j - w_j⁰) x_j: the graph x_j, w_j, b -> z at this very z₀
        "dw": _grad(lambda w_, w0, x_, z_, y_: forward.loss_from_logits(z_ + (w_ - w0) * x_, y_),
                    w, w, x, z, y),
        "db": _grad(lambda b_, z_, y_: forward.loss_from_logits(z_ + b_, y_), zeros, z, y),
    }  # fmt: skip
    return ScalarPoints(primary, z, a, y, x, w, reference)


@cache
def per_example_points(primary: str, seed: int = 0) -> ScalarPoints:
    r"""The per-example points (``primary`` ``"z"`` or ``"a"``) with their references.

    ``3 × (N_GENERIC + 6)`` points: z uniform in ±6 and at ±12, ±20, ±30; y = 1, y = 0
    and y uniform in (0, 1); x_j of either sign with :math:`0.5 \le |x_j| \le 3`.
    """
    if primary not in ("z", "a"):
        raise ValueError(f"primary must be 'z' or 'a', got {primary!r}")
    return _per_example(primary, seed)


@dataclass(frozen=True)
class ArrayPoint:
    """One problem over m examples: the names a step may use, and the references there."""

    env: dict[str, Any]
    reference: dict[str, np.ndarray]
    scale: float


@cache
def array_points(lambd: float, hessian: bool = False, seed: int = 0) -> tuple[ArrayPoint, ...]:
    r"""Problems of :data:`SHAPES` ``(n_x, m)``: moderate and saturated logits (:math:`|z|` to 30).

    ``dZ`` is :math:`\partial L/\partial z` per example by ``jax.grad``; ``dJ_dw``,
    ``dJ_db`` come from :func:`autograd_lr.oracles.jax_gradients` and ``d2J_dw2`` is the
    w block of :func:`autograd_lr.oracles.jax_hessian` (with ``hessian=True``).
    """

    points = []
    for k, ((n_x, m), z_max) in enumerate(zip(SHAPES, Z_MAX, strict=True)):
        w, b, X, Y = problems.make_problem(n_x, m, seed + k, z_max=z_max)
        Z = forward.logits(w, b, X)
        dZ = _grad(forward.loss_from_logits, Z.ravel(), Y.ravel()).reshape(1, m)
        grads = oracles.jax_gradients(w, b, X, Y, lambd)
        env = {"X": X, "Y": Y, "w": w, "b": b, "Z": Z, "A": forward.sigmoid(Z), "dZ": dZ,
               "m": float(m), "lambd": float(lambd), "n_x": float(n_x), "I": np.eye(n_x)}  # fmt: skip
        reference = {
            "dJ_dw": grads["dw"],
            "dJ_db": np.asarray(grads["db"]),
        }
        if hessian:  # jax.hessian compiles for seconds: only when a Hessian step is checked
            reference["d2J_dw2"] = oracles.jax_hessian(w, b, X, Y, lambd)[:n_x, :n_x]
        scale = gradient_scale(X, w, lambd)
        points.append(ArrayPoint(env, reference, scale))
    return tuple(points)
