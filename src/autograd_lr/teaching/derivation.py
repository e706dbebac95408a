r"""Check a learner's derivation step by step against jax.grad of the model's own loss.

.. math::

    & da = \frac{\partial L}{\partial a} = -\frac{y}{a} + \frac{1-y}{1-a}, \quad
    dz = da \cdot \frac{da}{dz} = da \cdot a(1-a) = a - y, \\
    & dw_j = x_j\,dz, \quad db = dz, \quad
    \frac{\partial J}{\partial w} = \frac{1}{m} X\,dZ^\top (+ \tfrac{\lambda}{m} w), \quad
    \frac{\partial J}{\partial b} = \frac{1}{m} \sum_i dz^{(i)}

>>> report = check_derivation({"da": "-y/a + (1-y)/(1-a)", "da_dz": "a*(1-a)",
...                            "dz": "da * da_dz", "dw": "x * dz", "db": "dz"})
>>> report.passed
True

**The verdict is numerical and cannot be argued with.** Each per-example step is
evaluated with mpmath at 60 digits at 42 points of its domain (:math:`|z|` up to 30,
:math:`y \in \{0, 1\}` and in (0, 1)) and compared with ``jax.grad`` of
:func:`autograd_lr.forward.loss` / :func:`~autograd_lr.forward.loss_from_logits` there
(:mod:`autograd_lr.teaching.references`). At 60 digits a correct but ill-conditioned mix
(``da`` in :math:`a` times ``da_dz`` in :math:`z` at :math:`z = 30`, where :math:`1 - a`
is :math:`10^{-13}`) is exact, so the only error left is the float64 reference's own.
Steps over m examples are evaluated with numpy in float64 and compared with
:func:`autograd_lr.oracles.jax_gradients` and :func:`~autograd_lr.oracles.jax_hessian`.
sympy only *explains* (the report shows what a step simplifies to); it never passes one.

A step that uses an earlier wrong step is judged again with the true value of that step
in its place: if it is right then, its verdict is ``follows_from_wrong``, not a new mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np
import sympy

from autograd_lr import forward
from autograd_lr.checking.check import validate_hints
from autograd_lr.checking.thresholds import (  # the one home of the checkers' tolerances
    ARRAY_RTOL,
    SCALAR_ATOL,
    SCALAR_RTOL,
    SLIP_EXACT_RTOL,
    SLIP_MODEL_RTOL,
)
from autograd_lr.teaching import references
from autograd_lr.teaching.arrays import ArrayShapeError
from autograd_lr.teaching.expressions import (
    PER_EXAMPLE_STEPS,
    SCALAR_SYMBOLS,
    STEP_NAMES,
    DerivationSyntaxError,
    Expression,
    parse_step,
    sigma,
    sigmoid_formula,
)
from autograd_lr.teaching.report import DerivationReport, StepResult, true_forms
from autograd_lr.teaching.slips import Context, Correction, find_correction
from autograd_lr.tolerances import relative_error
from autograd_lr.validation import validate_lambd

a, y, z, x, w, b = sympy.symbols(SCALAR_SYMBOLS)
TRUE_SCALAR = {  # for display only: every verdict is against the jax references
    "da": -y / a + (1 - y) / (1 - a),
    "da_dz": a * (1 - a),
    "dz": a - y,
    "dw": x * (a - y),
    "db": a - y,
}


def _unit(step: str, env: dict[str, Any]) -> Any:
    """The size of the terms the reference adds (its rounding is relative to it)."""
    if step == "da":  # y/a and (1 − y)/(1 − a) are each at most 1/(a(1 − a))
        return 1 / (env["a"] * (1 - env["a"]))
    if step == "da_dz":  # σ'(z) by jax is exact to a few ulp relative: no absolute part
        return 0
    reach = max(1, abs(env["z"]))  # log(1 + e^z) rounds to ~ε|z|; |a − y| ≤ 1
    return reach * abs(env["x"]) if step == "dw" else reach


# The largest |t| for which e^t is evaluated: the steps need e^{±30} at most, and beyond
# this a value is not a derivative of this model. e^{e^{e^{30}}} would take mpmath forever
# (its argument has 10^13 digits before the point): refused at the first e^{1e13}.
LARGEST_EXP_ARGUMENT = 10_000


def _mp_exp(t: Any) -> Any:
    """:math:`e^t` with mpmath, refusing :math:`|t| >` :data:`LARGEST_EXP_ARGUMENT`."""
    if abs(t) > LARGEST_EXP_ARGUMENT:
        raise OverflowError(f"e^t with |t| > {LARGEST_EXP_ARGUMENT}")
    return mpmath.exp(t)


def _mp_pow(base: Any, exponent: Any) -> Any:
    r"""``base ** exponent`` for a symbolic exponent: :math:`e^{t \log|base|}`, bounded alike."""
    if base != 0 and abs(exponent * mpmath.log(abs(base))) > LARGEST_EXP_ARGUMENT:
        raise OverflowError(f"a power beyond e^{LARGEST_EXP_ARGUMENT}")
    return base**exponent


def _mp_sigma(t: Any) -> Any:
    return sigmoid_formula(t, _mp_exp)


_GUARDED_POW = sympy.Function("guarded_pow")


def _as_real(value: Any) -> float | None:
    """A finite real mpmath value as float, or None (complex, NaN, inf)."""
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            return None
        value = value.real
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if np.isfinite(f) else None


def _evaluator(expr: Any, names: tuple[str, ...]) -> Any:
    """``expr`` as an mpmath function of ``names``, with bounded e^t and powers; or None."""
    try:  # a power with a symbolic exponent is evaluated through the bounded _mp_pow
        expr = expr.replace(
            lambda e: isinstance(e, sympy.Pow) and not e.exp.is_Number,
            lambda e: _GUARDED_POW(e.base, e.exp),
        )
        modules = [{"sigma": _mp_sigma, "exp": _mp_exp, "guarded_pow": _mp_pow}, "mpmath"]
        return sympy.lambdify(sympy.symbols(names), expr, modules=modules)
    except (Exception, RecursionError):  # cannot be evaluated anywhere
        return None


def _scalar_values(step: str, expr: Any) -> tuple[int | None, list[float | None]]:
    """Evaluate ``expr`` at every point of ``step``; the first failing point and the values."""
    points = references.per_example_points("a" if step == "da" else "z")
    reference = points.reference[step]
    f = _evaluator(expr, SCALAR_SYMBOLS)
    if f is None:
        return 0, [None] * len(points)
    first, values = None, []
    with mpmath.workdps(references.DIGITS):
        for i in range(len(points)):
            env = points.env(i)
            try:
                raw = f(*(env[s] for s in SCALAR_SYMBOLS))
            except (Exception, RecursionError):  # the expression raises: no value there
                raw = None
            value = _as_real(raw) if raw is not None else None
            values.append(value)
            ref = float(reference[i])
            ok = value is not None and abs(raw - ref) <= SCALAR_RTOL * max(
                abs(ref), abs(value)
            ) + SCALAR_ATOL * _unit(step, env)
            if not ok and first is None:
                first = i
    return first, values


def _right_on_true_steps(step: str, expr: Any, used: list[str]) -> bool:
    """Whether ``expr``, each used step replaced by its jax reference, is the reference of ``step``.

    As the array steps do, and the corrections of a slip: compared at the moderate points, where
    the float64 references are exact to ~1e-13 relative, to the models' SLIP_MODEL_RTOL.
    """
    points = references.per_example_points("a" if step == "da" else "z")
    names = SCALAR_SYMBOLS + tuple(used)
    f = _evaluator(expr, names)
    if f is None:
        return False
    with mpmath.workdps(references.DIGITS):
        for i in np.flatnonzero(points.moderate):
            env = points.env(int(i))
            env.update({s: mpmath.mpf(float(points.reference[s][i])) for s in used})
            try:
                value = _as_real(f(*(env[s] for s in names)))
            except (Exception, RecursionError):  # no value: not right there
                return False
            ref = float(points.reference[step][i])
            if value is None or abs(value - ref) > SLIP_MODEL_RTOL * max(abs(ref), 1e-12):
                return False
    return True


def _array_values(
    step: str, expr: Expression, earlier: dict[str, list[Any]], lambd: float
) -> tuple[int | None, list[Any], str | None]:
    """Evaluate an array step on every problem; the first failing one, the values, a note."""
    assert expr.array is not None
    first: int | None = None
    values: list[Any] = []
    note: str | None = None
    for k, point in enumerate(references.array_points(lambd, step == "d2J_dw2")):
        env = dict(point.env)
        env.update({name: vals[k] for name, vals in earlier.items()})
        ref = point.reference[step]
        try:
            value = np.asarray(expr.array.evaluate(env), dtype=np.float64)
        except (
            ArrayShapeError, ValueError, TypeError, IndexError, ArithmeticError,
            RecursionError, MemoryError,
        ) as exc:  # fmt: skip
            value = None  # the note is the first failing problem's, where the report points
            note = note or _cannot_evaluate(exc, k)
        if value is not None and value.shape != ref.shape:
            if ref.size == 1 and value.size == 1:
                value = value.reshape(ref.shape)
            else:
                note = note or f"its shape is {value.shape}, the shape of {step} is {ref.shape}"
                values.append(value)
                first = k if first is None else first
                continue
        values.append(value)
        ok = value is not None and relative_error(value, ref, point.scale) <= ARRAY_RTOL
        if not ok and first is None:
            first = k
    return first, values, note


def _cannot_evaluate(exc: BaseException, problem: int | None) -> str:
    """Why a step has no value, in words (no exception class: it is not the learner's)."""
    where = (
        ""
        if problem is None
        else f" on the problem of shape (n_x, m) = {references.SHAPES[problem]}"
    )
    reason = str(exc).splitlines()[0][:200] if str(exc) else "no value"
    if isinstance(exc, RecursionError):
        reason = "the expression nests too deeply"
    return f"cannot evaluate it{where}: {reason}"


def check_derivation(
    steps: Mapping[str, Any], lambd: float = 0.0, *, hints: str = "fix"
) -> DerivationReport:
    r"""Check each step of a hand derivation against ``jax.grad`` of the model's loss and cost.

    Parameters
    ----------
    steps : dict
        Step names to the learner's expressions (Python syntax, LaTeX or sympy), in the
        order derived: per example ``da`` (:math:`\partial L/\partial a`), ``da_dz``,
        ``dz``, ``dw`` (:math:`\partial L/\partial w_j` with ``x`` for :math:`x_j`),
        ``db``; over m examples ``dJ_dw``, ``dJ_db`` (in ``X``, ``A``, ``Y``, ``Z``,
        ``dZ``, ``w``, ``b``, ``m``, ``lambd``) and ``d2J_dw2`` (the w block of the
        Hessian). A later step may use an earlier one by name.
    lambd : float
        :math:`\lambda \ge 0` adds :math:`\frac{\lambda}{2m}\lVert w\rVert^2` to J.
    hints : {"concept", "location", "fix"}
        What and why, no expression; and which step, where it differs; or also the true
        expression.

    Returns
    -------
    DerivationReport
        One result per step (``ok``, ``wrong``, ``unparsed`` with the position of the
        problem) and the classic slip it recognises; ``print`` it.

    Raises
    ------
    ValueError
        For an empty ``steps``, a step name it does not know (listing the known ones),
        a negative ``lambd`` or an unknown ``hints`` level.

    Examples
    --------
    >>> from autograd_lr import check_derivation
    >>> check_derivation({"da": "-y/a + (1-y)/(1-a)", "dz": "da * a*(1-a)"}).passed
    True
    """
    if not isinstance(steps, Mapping) or not steps:
        raise ValueError(
            "steps must be a non-empty dict of step name -> expression, e.g. "
            '{"da": "-y/a + (1-y)/(1-a)", "dz": "da * a*(1-a)"}'
        )
    unknown = [name for name in steps if name not in STEP_NAMES]
    if unknown:
        raise ValueError(
            f"unknown step {unknown[0]!r}; the steps are {', '.join(STEP_NAMES)} "
            f"(per example, then over m examples)"
        )
    hints = validate_hints(hints)
    lambd = validate_lambd(lambd)
    results: dict[str, StepResult] = {}
    own: dict[str, Any] = {}  # per example: the learner's step, earlier steps substituted
    arrays: dict[str, list[Any]] = {}  # over m examples: the learner's values per problem
    for name, value in steps.items():
        kind = "scalar" if name in PER_EXAMPLE_STEPS else "array"
        try:
            expr = parse_step(value, kind, tuple(results))
        except DerivationSyntaxError as exc:
            results[name] = StepResult.unparsed(name, value, exc)
            continue
        try:
            if kind == "scalar":
                results[name] = _judge_scalar(name, expr, results, own)
            else:
                results[name] = _judge_array(name, expr, results, arrays, lambd)
        except (Exception, RecursionError) as exc:  # a report, never a crash, in a course's CI
            true = TRUE_SCALAR[name] if kind == "scalar" else true_forms(name, lambd)[0]
            results[name] = StepResult.judged(
                name, expr, "wrong", true=true, note=_cannot_evaluate(exc, None)
            )
    return DerivationReport(tuple(results.values()), lambd, hints)


def _root(results: dict[str, StepResult], used: list[str]) -> str | None:
    """The first wrong step the used steps rest on, or None when they are all right."""
    for name in used:
        step = results[name]
        if step.verdict in ("wrong", "unparsed"):
            return name
        if step.verdict == "follows_from_wrong":
            return step.follows_from
    return None


def _names(expr: Any) -> frozenset[str]:
    return frozenset(str(s) for s in expr.free_symbols)


def _judge_scalar(
    name: str, expr: Expression, results: dict[str, StepResult], own: dict[str, Any]
) -> StepResult:
    used = [s for s in results if s in expr.names]
    root = _root(results, used)
    symbol = {s: sympy.Symbol(s) for s in used}
    learner = expr.scalar
    if all(s in own for s in used):
        learner = expr.scalar.xreplace({symbol[s]: own[s] for s in used})
        own[name] = learner
    first, values = (0, []) if name not in own else _scalar_values(name, learner)
    verdict = "ok" if first is None else "wrong"
    if first is not None and root is not None and _right_on_true_steps(name, expr.scalar, used):
        verdict = "follows_from_wrong"
    points = references.per_example_points("a" if name == "da" else "z")
    correction = None
    if verdict == "wrong":
        correction = _scalar_correction(name, expr.scalar, used, own if root is None else None)
    witness = None if first is None or not values else first
    return StepResult.judged(
        name, expr, verdict, learner=learner, true=TRUE_SCALAR[name],
        point=points.shown(witness, _names(learner) | {"x"} if name == "dw" else _names(learner))
        if witness is not None
        else None,
        learner_value=values[witness] if witness is not None else None,
        true_value=float(points.reference[name][witness]) if witness is not None else None,
        mistake=None if correction is None else correction.rules[0], correction=correction,
        follows_from=root if verdict == "follows_from_wrong" else None,
    )  # fmt: skip


def _scalar_correction(
    name: str, expr: Any, used: list[str], own: dict[str, Any] | None
) -> Correction | None:
    """The error model's correction that makes the step right, judged as every step is.

    With the learner's earlier steps right (``own``), the corrected step, those steps
    substituted, must pass at all the points of the step; else it must be right on the
    true earlier steps (as a step that follows from a wrong one). And it must be the true
    step *exactly* (:func:`_exactly_true`): a correction that only shrinks an error below
    the tolerance (``a - y + 1e-13 z``, the small term times a(1 − a)) explains nothing.
    """
    earlier = None if own is None or not all(s in own for s in used) else own

    def right(candidate: Any) -> bool:
        if not _roughly_right(name, candidate, used) or not _exactly_true(name, candidate, used):
            return False
        if earlier is None:
            return _right_on_true_steps(name, candidate, used)
        mine = candidate.xreplace({sympy.Symbol(s): earlier[s] for s in used})
        return _scalar_values(name, mine)[0] is None

    return find_correction(expr, "scalar", Context(name, 0.0), right)


def _exactly_true(step: str, expr: Any, used: list[str]) -> bool:
    """Whether ``expr``, the used steps in their true forms, is the true step at 60 digits.

    Compared at the moderate points with :data:`TRUE_SCALAR` (a form of each step checked
    against jax by the tests): the numerical counterpart of sympy's ``simplify(e - t) == 0``,
    which also holds where sympy cannot simplify (a derivative written as one, σ in z).
    """
    mine = expr.xreplace({sympy.Symbol(s): TRUE_SCALAR[s] for s in used})
    f, g = _evaluator(mine, SCALAR_SYMBOLS), _evaluator(TRUE_SCALAR[step], SCALAR_SYMBOLS)
    if f is None or g is None:
        return False
    points = references.per_example_points("a" if step == "da" else "z")
    with mpmath.workdps(references.DIGITS):
        for i in np.flatnonzero(points.moderate):
            env = points.env(int(i))
            args = [env[s] for s in SCALAR_SYMBOLS]
            try:
                value, true = f(*args), g(*args)
                if abs(value - true) > SLIP_EXACT_RTOL * max(abs(true), mpmath.mpf(1e-20)):
                    return False
            except (Exception, RecursionError):  # no value there: not the true step
                return False
    return True


def _roughly_right(step: str, expr: Any, used: list[str]) -> bool:
    """A quick filter in float64 at the moderate points, the used steps at their references."""
    points = references.per_example_points("a" if step == "da" else "z")
    where = points.moderate
    names = SCALAR_SYMBOLS + tuple(used)
    env = {"a": points.a, "z": points.z, "y": points.y, "x": points.x, "w": points.w,
           "b": points.z - points.w * points.x}  # fmt: skip
    env.update({s: points.reference[s] for s in used})
    try:
        f = sympy.lambdify(
            sympy.symbols(names), expr, modules=[{"sigma": forward.sigmoid}, "numpy"]
        )
        with np.errstate(all="ignore"):
            value = np.broadcast_to(
                np.asarray(f(*(np.asarray(env[s])[where] for s in names)), dtype=np.float64),
                where.sum(),
            )
    except (Exception, RecursionError):  # no value: not right
        return False
    ref = points.reference[step][where]
    return bool(np.all(np.abs(value - ref) <= SLIP_MODEL_RTOL * np.maximum(np.abs(ref), 1e-12)))


def _judge_array(
    name: str,
    expr: Expression,
    results: dict[str, StepResult],
    arrays: dict[str, list[Any]],
    lambd: float,
) -> StepResult:
    used = [s for s in results if s in expr.names]
    if "dZ" in expr.names and "dz" in results:
        used.append("dz")  # dZ is the learner's dz, one column per example
    root = _root(results, used)
    problems = references.array_points(lambd, name == "d2J_dw2")
    learner_env = {s: arrays[s] for s in used if s in arrays}
    first, values, note = _array_values(name, expr, learner_env, lambd)
    verdict = "ok" if first is None else "wrong"

    def truth_env(used: list[str]) -> dict[str, list[Any]]:
        return {s: [p.reference[s] for p in problems] for s in used if s in arrays}

    if (
        first is not None
        and root is not None
        and _array_values(name, expr, truth_env(used), lambd)[0] is None
    ):
        verdict = "follows_from_wrong"
    if verdict == "ok" and "dz" in used and _root(results, ["dz"]) is not None:
        # dZ holds the true dz of each example; the learner's own dz was wrong
        verdict, root = "follows_from_wrong", _root(results, ["dz"])
    if verdict == "ok" or all(s in arrays for s in used if s != "dz"):
        arrays[name] = values
    correction = None
    if verdict == "wrong" and expr.array is not None:
        env = learner_env if root is None else truth_env(used)

        def right(candidate: Any) -> bool:
            fixed = Expression(expr.source, expr.language, array=candidate)
            return _array_values(name, fixed, env, lambd)[0] is None

        correction = find_correction(expr.array, "array", Context(name, lambd), right)
    witness = first if verdict != "ok" else None
    plain, latex = true_forms(name, lambd)
    return StepResult.judged(
        name, expr, verdict, learner=expr.source, true=plain, true_latex=latex,
        point=({"problem": witness, "n_x": references.SHAPES[witness][0],
                "m": references.SHAPES[witness][1],
                "z_max": references.Z_MAX[witness]} if witness is not None else None),
        learner_value=(None if witness is None or values[witness] is None
                       else np.asarray(values[witness]).tolist()),
        true_value=(None if witness is None else problems[witness].reference[name].tolist()),
        mistake=None if correction is None else correction.rules[0], correction=correction,
        follows_from=root if verdict == "follows_from_wrong" else None, note=note,
    )  # fmt: skip


__all__ = ["DerivationReport", "StepResult", "check_derivation", "sigma"]
