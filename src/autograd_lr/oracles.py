r"""Three independent oracles for the gradient of :math:`J(w, b)`, none of them by hand.

Each differentiates :func:`autograd_lr.forward.cost`, the very function users run, and
returns the same structure as :func:`autograd_lr.propagate`'s grads,
``{"dw": (n_x, 1) float64 array, "db": float}``:

* :func:`jax_gradients` -- reverse-mode automatic differentiation (``jax.grad``);
* :func:`finite_difference_gradients` -- central differences, optionally
  Richardson-extrapolated, using no jax;
* :func:`complex_step_gradients` -- :math:`\partial f/\partial\theta_k \approx
  \operatorname{Im} f(\theta + i h e_k)/h`, exact to rounding, valid only where
  :math:`J` is analytic and does not overflow; it refuses otherwise.

The generic helpers (:func:`central_difference`, :func:`richardson`,
:func:`complex_step`, :func:`directional_difference`, :func:`jacobian_central_difference`)
work on any :math:`f:\mathbb{R}^n \to \mathbb{R}` of a flat vector
:math:`\theta = (w_1, \dots, w_{n_x}, b)`.

Everything here is computed in float64 whatever the input precision, and jax runs in
64-bit mode inside these functions without the caller touching ``jax_enable_x64``.
This module never imports :mod:`autograd_lr.gradients` (independence rule 3):
an oracle that reused a hand formula would prove nothing.

jax's value-and-grad of any list of costs (:func:`jax_values_and_gradients`, the one
place the checker's costs of mistakes are differentiated too) is compiled once per
problem shape and kept in a persistent cache (:func:`_jax`). At about 490 lines this
module is long on purpose: it is the one home of differentiation, and the three
oracles share the packing, the steps and the Richardson rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.files import user_cache_folder
from autograd_lr.forward import Grads
from autograd_lr.validation import validate_lambd, validate_problem

ScalarFn = Callable[[np.ndarray], Any]

EPS = float(np.finfo(np.float64).eps)

# Central difference: truncation error ~ h² f''' and rounding error ~ ε|f|/h balance at
# h ~ ε^(1/3) (about 6e-6), scaled by max(1, |θ_k|) so large parameters get a step
# that still moves them. Expected accuracy: about ε^(2/3) ~ 4e-11 relative to |f|.
FD_STEP = EPS ** (1 / 3)
# Richardson's (4 D(h/2) − D(h)) / 3 has truncation error ~ h⁴: optimum at h ~ ε^(1/5).
RICHARDSON_STEP = EPS ** (1 / 5)
# Complex step has no subtractive cancellation, so h can be tiny: Im f(θ + ih) / h is
# then the derivative to rounding error, with the h² term far below ε.
COMPLEX_STEP_H = 1e-20
# The analytic form log(1 + e^z) overflows once e^z does, at z ≈ 709.78; keep a margin.
COMPLEX_STEP_MAX_LOGIT = 700.0
# The analyticity probe compares a complex-step directional derivative with a
# Richardson-extrapolated difference along the same random direction, good to ~1e-10
# relative even where the derivative is tiny (saturated z); a mismatch above 1e-5
# relative means the function is not analytic (abs, maximum, clip, where on complex values).
ANALYTIC_PROBE_RTOL = 1e-5
# ... plus this multiple of the spread between the two difference quotients, the
# empirical size of their error (a safety factor of 10 over the observed spread).
ANALYTIC_PROBE_NOISE_FACTOR = 10.0


# --- packing θ = (w, b) -------------------------------------------------------------------


def pack(w: Any, b: Any) -> np.ndarray:
    """θ = (w_1, ..., w_{n_x}, b) as one flat float64 vector of length n_x + 1."""
    return np.concatenate([np.asarray(w, dtype=np.float64).ravel(), [float(b)]])


def unpack(theta: Any, n_x: int) -> tuple[Any, Any]:
    """Inverse of :func:`pack`: ``w (n_x, 1)`` and the scalar ``b`` (any array namespace)."""
    return theta[:n_x].reshape(n_x, 1), theta[n_x]


def _grads(theta_grad: np.ndarray, n_x: int) -> Grads:
    g = np.asarray(theta_grad, dtype=np.float64)
    return {"dw": g[:n_x].reshape(n_x, 1).copy(), "db": float(g[n_x])}


def _float64_problem(w: Any, b: Any, X: Any, Y: Any) -> tuple[np.ndarray, float, Any, Any]:
    w, b, X, Y = validate_problem(w, b, X, Y)
    return (
        w.astype(np.float64),
        b,
        X.astype(np.float64),
        Y.astype(np.float64),
    )


def _cost_of_theta(X: Any, Y: Any, lambd: float, *, analytic: bool = False) -> ScalarFn:
    n_x = X.shape[0]

    def f(theta: Any) -> Any:
        w, b = unpack(theta, n_x)
        return forward.cost(w, b, X, Y, lambd, analytic=analytic)

    return f


# --- (a) jax.grad -------------------------------------------------------------------------

# A cost to differentiate, ``cost(w, b, X, Y, lambd) -> 0-d array``, and the point
# ``at(w, b) -> (w', b')`` where its gradient is taken: the reference is
# ``(reference_cost, same_point)`` (REFERENCE_COST). Both must be module-level functions
# (they key the cache of compiled functions) written with the array namespace of their
# arguments.
CostAt = tuple[Callable[..., Any], Callable[[Any, Any], tuple[Any, Any]]]

# Where jax keeps compiled functions between processes, unless the user chose a place
# (``jax_compilation_cache_dir``) or turned it off: AUTOGRAD_LR_JAX_CACHE=off, or a folder.
CACHE_ENV = "AUTOGRAD_LR_JAX_CACHE"
_cache_configured = False
# XLA's backend optimisations (loop vectorisation, unrolling) roughly halve the compile
# time of these small value-and-grad programs when switched off, and they run once per
# problem: compiling, not running, is what a learner waits for. Results stay float64
# to rounding (the order of a few sums may change, ~1e-16 relative).
XLA_COMPILER_OPTIONS = {"xla_backend_optimization_level": 0}
_compiled: dict[tuple[tuple[CostAt, ...], float], Callable[..., Any]] = {}
# jax's value computed again (in another compiled program, or by another jax or XLA
# version): the same float64 math, with at most the order of a few sums changed, a few
# ulp (~1e-15 relative, normwise). Values kept from an earlier jax run (the oracle values
# shipped with the package) must agree with a fresh run to this.
JAX_RECOMPUTE_RTOL = 1e-13


def same_point(w: Any, b: Any) -> tuple[Any, Any]:
    """``at(w, b) = (w, b)``: the gradient taken where the cost is evaluated."""
    return w, b


def _compilation_cache_dir() -> Path | None:
    """The user cache folder for jax's compiled functions, or ``None`` where it cannot be written.

    ``$AUTOGRAD_LR_JAX_CACHE`` (a folder, or ``off``), else
    ``$XDG_CACHE_HOME/autograd-lr/jax`` (``~/.cache/autograd-lr/jax``). A folder that
    cannot be created or written (a read-only home, a grader's sandbox) gives ``None``:
    the check then compiles in memory as before, only slower.
    """
    return user_cache_folder(CACHE_ENV, "jax")


def _jax() -> Any:
    """jax, with its persistent compilation cache pointed at :func:`_compilation_cache_dir` once.

    A fresh process then loads the compiled value-and-grad functions from disk instead of
    compiling them again (seconds on a small machine). A user's own cache setting wins.
    """
    global _cache_configured
    import jax

    if not _cache_configured:
        _cache_configured = True
        try:
            if not getattr(jax.config, "jax_compilation_cache_dir", None):
                folder = _compilation_cache_dir()
                if folder is not None:
                    jax.config.update("jax_compilation_cache_dir", str(folder))
                    # cache every compiled function: ours compile in well under a second each
                    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
                    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        except (AttributeError, ValueError):  # pragma: no cover - an older or newer jax
            pass
    return jax


def _values_and_gradients(costs: tuple[CostAt, ...], lambd: float) -> Callable[..., Any]:
    """One jitted function computing every cost's value and gradient on one problem.

    Compiled once per shape of (w, X) (and kept in jax's persistent cache, see :func:`_jax`).
    """
    key = (costs, lambd)
    if key not in _compiled:
        jax = _jax()

        def run(w: Any, b: Any, X: Any, Y: Any) -> Any:
            out = []
            for cost, at in costs:
                w_at, b_at = at(w, b)
                value, (dw, db) = jax.value_and_grad(
                    lambda w_, b_, cost=cost: cost(w_, b_, X, Y, lambd), argnums=(0, 1)
                )(w_at, b_at)
                out.append((value, dw, db))
            return out

        _compiled[key] = jax.jit(run, compiler_options=XLA_COMPILER_OPTIONS)
    return _compiled[key]


def jax_values_and_gradients(
    costs: Sequence[CostAt], w: Any, b: Any, X: Any, Y: Any, lambd: float = 0.0
) -> list[tuple[Grads, float]]:
    r"""``jax.value_and_grad`` of costs :math:`J_k` at :math:`\mathrm{at}_k(w, b)`, float64, one compiled call.

    Each of ``costs`` is ``(cost, at)``: ``cost(w, b, X, Y, lambd)`` differentiated in (w, b) at the
    point ``at(w, b)``. ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)`` -> one
    ``({"dw": (n_x, 1), "db": float}, value)`` per cost, numpy float64.
    """
    jax = _jax()
    w, b, X, Y = _float64_problem(w, b, X, Y)
    lambd = validate_lambd(lambd)
    with jax.enable_x64(True):
        # numpy float64 arguments go to the compiled function as they are (no conversion op)
        results = jax.device_get(_values_and_gradients(tuple(costs), lambd)(w, np.float64(b), X, Y))
    out: list[tuple[Grads, float]] = []
    for value, dw, db in results:
        if np.asarray(dw).dtype != np.float64:  # pragma: no cover - guards the x64 context itself
            raise RuntimeError("jax did not run in float64; the oracle refuses a 32-bit answer")
        out.append(({"dw": np.array(dw, dtype=np.float64), "db": float(db)}, float(value)))
    return out


def reference_cost(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> Any:
    r"""The reference, :math:`J(w, b) + \frac{\lambda}{2m}\lVert w\rVert^2`: :func:`autograd_lr.forward.cost`.

    Looked up when jax traces it, so the oracles differentiate whatever ``forward.cost``
    is at that moment, the function users run.
    """
    return forward.cost(w, b, X, Y, lambd)


# The reference cost differentiated where it is evaluated.
REFERENCE_COST: CostAt = (reference_cost, same_point)


def jax_value_and_gradients(
    w: Any, b: Any, X: Any, Y: Any, lambd: float = 0.0
) -> tuple[Grads, float]:
    r"""``jax.value_and_grad`` of :math:`J(w, b)` = :func:`autograd_lr.forward.cost`, in float64.

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)``, ``Y (1, m)`` ->
    ``({"dw": (n_x, 1), "db": float}, J)``, numpy float64.
    """
    return jax_values_and_gradients([REFERENCE_COST], w, b, X, Y, lambd)[0]


def jax_gradients(w: Any, b: Any, X: Any, Y: Any, lambd: float = 0.0) -> Grads:
    r"""``jax.grad`` of :math:`J(w, b)`: ``{"dw": (n_x, 1), "db": float}`` in float64."""
    return jax_value_and_gradients(w, b, X, Y, lambd)[0]


def jax_hessian(w: Any, b: Any, X: Any, Y: Any, lambd: float = 0.0) -> np.ndarray:
    r"""``jax.hessian`` of :math:`J` in :math:`\theta = (w, b)`: shape ``(n_x + 1, n_x + 1)``."""
    jax = _jax()
    import jax.numpy as jnp

    w, b, X, Y = _float64_problem(w, b, X, Y)
    lambd = validate_lambd(lambd)
    with jax.enable_x64(True):
        f = _cost_of_theta(jnp.asarray(X), jnp.asarray(Y), lambd)
        H = jax.hessian(f)(jnp.asarray(pack(w, b)))
        return np.array(H, dtype=np.float64)


# --- (b) finite differences -----------------------------------------------------------------


def _step(theta: np.ndarray, k: int, scale: float) -> float:
    """A step near ``scale · max(1, |θ_k|)``, adjusted so that θ_k ± h is exact in binary."""
    h = scale * max(1.0, abs(float(theta[k])))
    return float((theta[k] + h) - theta[k])


def central_difference(f: ScalarFn, theta: Any, step: float = FD_STEP) -> np.ndarray:
    r"""Central differences :math:`(f(\theta + h e_k) - f(\theta - h e_k)) / 2h` for every k.

    ``f`` maps a flat float64 vector to a scalar; costs 2n evaluations. The step is
    ``step · max(1, |θ_k|)`` per coordinate (:data:`FD_STEP` by default).
    """
    theta = np.array(theta, dtype=np.float64)
    grad = np.empty_like(theta)
    for k in range(theta.size):
        h = _step(theta, k, step)
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        grad[k] = (float(f(up)) - float(f(down))) / (2 * h)
    return grad


def richardson_extrapolation(D_h: float, D_half: float) -> float:
    r"""Richardson's extrapolation of two central differences: :math:`(4 D(h/2) - D(h)) / 3`.

    :math:`D(h) = f' + c h^2 + O(h^4)`, so the :math:`h^2` terms cancel, leaving
    :math:`O(h^4)`. The one home of this rule: per coordinate (:func:`richardson`) and
    along a direction (:func:`richardson_along`) both end here.
    """
    return (4.0 * D_half - D_h) / 3.0


def richardson(f: ScalarFn, theta: Any, step: float = RICHARDSON_STEP) -> np.ndarray:
    r"""Richardson-extrapolated central differences, :math:`(4 D(h/2) - D(h)) / 3`, per coordinate.

    :math:`D(h)` is the central difference; the :math:`h^2` error terms cancel, leaving
    :math:`O(h^4)`. Costs 4n evaluations.
    """
    theta = np.array(theta, dtype=np.float64)
    grad = np.empty_like(theta)
    for k in range(theta.size):
        h = _step(theta, k, step)
        values = {}
        for s in (-h, -h / 2, h / 2, h):
            shifted = theta.copy()
            shifted[k] += s
            values[s] = float(f(shifted))
        D_h = (values[h] - values[-h]) / (2 * h)
        D_half = (values[h / 2] - values[-h / 2]) / h
        grad[k] = richardson_extrapolation(D_h, D_half)
    return grad


def richardson_along(f: ScalarFn, theta: Any, v: Any, h: float) -> float:
    r"""Richardson along v: :math:`(4 D(h/2) - D(h)) / 3 \approx v^\top \nabla f(\theta)` (4 evaluations).

    :math:`D(h) = (f(\theta + h v) - f(\theta - h v)) / 2h` approximates
    :math:`v^\top \nabla f(\theta)`; :func:`richardson_extrapolation` of :math:`D(h)` and
    :math:`D(h/2)` is good to :math:`O(h^4)`, whatever the length of :math:`\theta` is.
    """
    theta = np.asarray(theta, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    # directional_difference steps by step · max(1, ‖θ‖∞) / ‖v‖∞; ask for exactly h.
    step = h * float(np.max(np.abs(v))) / max(1.0, float(np.max(np.abs(theta))))
    D_h = directional_difference(f, theta, v, step=step)
    D_half = directional_difference(f, theta, v, step=step / 2)
    return richardson_extrapolation(D_h, D_half)


def directional_difference(f: ScalarFn, theta: Any, v: Any, step: float = FD_STEP) -> float:
    r"""Central difference of f along v: :math:`(f(\theta + h v) - f(\theta - h v)) / 2h`.

    Approximates :math:`v^\top \nabla f(\theta)` with two evaluations of f, whatever n is.
    The step is ``step · max(1, ‖θ‖_∞) / ‖v‖_∞``.
    """
    theta = np.asarray(theta, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    h = step * max(1.0, float(np.max(np.abs(theta)))) / float(np.max(np.abs(v)))
    return (float(f(theta + h * v)) - float(f(theta - h * v))) / (2 * h)


def jacobian_central_difference(
    g: Callable[[np.ndarray], Any], theta: Any, step: float = FD_STEP
) -> np.ndarray:
    r"""Central-difference Jacobian of a vector function g: column k is :math:`(g(\theta+he_k) - g(\theta-he_k))/2h`.

    Applied to a gradient function it gives a Hessian by finite differences.
    """
    theta = np.array(theta, dtype=np.float64)
    columns = []
    for k in range(theta.size):
        h = _step(theta, k, step)
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        g_up = np.asarray(g(up), dtype=np.float64).ravel()
        g_down = np.asarray(g(down), dtype=np.float64).ravel()
        columns.append((g_up - g_down) / (2 * h))
    return np.stack(columns, axis=1)


def finite_difference_gradients(
    w: Any,
    b: Any,
    X: Any,
    Y: Any,
    lambd: float = 0.0,
    *,
    method: str = "central",
) -> Grads:
    r"""Finite-difference gradient of :math:`J(w, b)`; ``method`` is ``"central"`` or ``"richardson"``.

    Uses numpy only; 2(n_x + 1) (central) or 4(n_x + 1) (Richardson) evaluations of J.
    """
    w, b, X, Y = _float64_problem(w, b, X, Y)
    lambd = validate_lambd(lambd)
    f = _cost_of_theta(X, Y, lambd)
    if method == "central":
        g = central_difference(f, pack(w, b))
    elif method == "richardson":
        g = richardson(f, pack(w, b))
    else:
        raise ValueError(f"method must be 'central' or 'richardson', got {method!r}")
    return _grads(g, X.shape[0])


# --- (c) complex step -------------------------------------------------------------------------


def complex_step(
    f: ScalarFn,
    theta: Any,
    h: float = COMPLEX_STEP_H,
    *,
    check_analytic: bool = True,
    probe_seed: int = 0,
) -> np.ndarray:
    r"""Complex-step gradient :math:`\partial f/\partial\theta_k = \operatorname{Im} f(\theta + i h e_k)/h`.

    Exact to rounding for an analytic (holomorphic) f, but silently wrong for forms that
    are not: ``abs`` drops the imaginary part, ``maximum``/``clip``/``where`` compare
    complex numbers. So it refuses with ``ValueError`` when f rejects complex input,
    returns a real value for it, returns a non-finite value, or fails a probe: the
    complex-step derivative along a random direction (seeded by ``probe_seed``) must
    agree with a Richardson difference along the same direction. The probe can only be
    as good as that difference: for an f known to be analytic whose value is itself a
    cancellation (tiny f, large intermediates), pass ``check_analytic=False``.
    """
    theta = np.array(theta, dtype=np.float64)

    def imag_part(point: np.ndarray) -> float:
        try:
            value = np.asarray(f(point))
        except (TypeError, np.exceptions.DTypePromotionError) as exc:
            raise ValueError(
                f"complex step refused: the function does not accept complex input ({exc}); "
                f"use jax or finite differences instead"
            ) from None
        if value.dtype.kind != "c":
            raise ValueError(
                "complex step refused: the function returned a real value for complex input, "
                "so it is not analytic there (abs, a cast to float, or a real-only branch "
                "drops the imaginary part); use jax or finite differences instead"
            )
        if not np.isfinite(value):
            raise ValueError(
                "complex step refused: the function returned a non-finite value for complex "
                "input (an exponential overflowed?); use jax or finite differences instead"
            )
        return float(value.imag) / h

    if check_analytic:
        _probe_analytic(f, theta, h, imag_part, probe_seed)
    grad = np.empty_like(theta)
    for k in range(theta.size):
        shifted = theta.astype(np.complex128)
        shifted[k] += 1j * h
        grad[k] = imag_part(shifted)
    return grad


def _probe_analytic(
    f: ScalarFn, theta: np.ndarray, h: float, imag_part: ScalarFn, probe_seed: int
) -> None:
    """Refuse f if its complex-step derivative along a random direction is not a derivative."""
    rng = np.random.default_rng(probe_seed)
    v = rng.standard_normal(theta.size)
    v /= np.linalg.norm(v)
    with np.errstate(all="ignore"):
        probe_cs = imag_part(theta + 1j * h * v)
    real_f = lambda t: np.real(f(t))  # noqa: E731
    D_h = directional_difference(real_f, theta, v, RICHARDSON_STEP)
    D_half = directional_difference(real_f, theta, v, RICHARDSON_STEP / 2)
    probe_fd = richardson_extrapolation(D_h, D_half)
    # |D(h) − D(h/2)| measures the difference quotients' own error (rounding in f can be
    # far above |f| itself, e.g. J = softplus(z) − z at z = 20): never blame f for it.
    noise = ANALYTIC_PROBE_NOISE_FACTOR * abs(D_h - D_half)
    scale = max(abs(probe_cs), abs(probe_fd))
    if abs(probe_cs - probe_fd) > ANALYTIC_PROBE_RTOL * scale + noise:
        raise ValueError(
            "complex step refused: the function is not analytic (the complex-step derivative "
            f"along a random direction is {probe_cs:.6g}, a central difference gives "
            f"{probe_fd:.6g}); forms with abs, maximum, clip or where break it. "
            "Use jax or finite differences instead"
        )


def complex_step_gradients(w: Any, b: Any, X: Any, Y: Any, lambd: float = 0.0) -> Grads:
    r"""Complex-step gradient of :math:`J` on its analytic form :math:`\frac1m\sum\log(1+e^{z}) - yz`.

    Refuses with ``ValueError`` where the analytic form overflows
    (:math:`\max z > 700`: :math:`e^{z}` exceeds float64); use
    :func:`jax_gradients` there, which differentiates the overflow-free form.
    """
    w, b, X, Y = _float64_problem(w, b, X, Y)
    lambd = validate_lambd(lambd)
    z_max = float(np.max(forward.logits(w, b, X)))
    if z_max > COMPLEX_STEP_MAX_LOGIT:
        raise ValueError(
            f"complex step refused: max z = {z_max:.4g} > {COMPLEX_STEP_MAX_LOGIT:g}, where the "
            f"analytic form log(1 + e^z) overflows float64; use jax_gradients or "
            f"finite_difference_gradients for saturated logits"
        )
    f = _cost_of_theta(X, Y, lambd, analytic=True)
    # forward.cost(analytic=True) is holomorphic by construction (log1p, exp, products,
    # sums) and its range was checked above, so the probe is not needed; it would also be
    # fooled by J's own cancellation (softplus(z) − z for y = 1 at large z).
    return _grads(complex_step(f, pack(w, b), check_analytic=False), X.shape[0])
