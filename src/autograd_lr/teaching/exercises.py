r"""Exercises: write the course's functions yourself, check each in one call.

``sigmoid``, ``initialize_with_zeros``, ``propagate`` (and an L2 ``propagate``),
``optimize``, ``predict`` and ``model``, in the course's order; the checks beyond
``propagate`` are :func:`autograd_lr.check_exercise`.

.. code-block:: python

    from autograd_lr.teaching import exercises

    print(exercises.skeleton("propagate"))       # the code to start from

    def propagate(w, b, X, Y):                   # your version
        ...

    exercises.check_propagate(propagate)         # which of dw, db, cost is wrong, and how

The skeletons in this module raise ``NotImplementedError`` until they are filled in, so
``check_propagate()`` with no argument reports "not implemented". The reference
solutions are the package's own code (:func:`solution`): :func:`autograd_lr.sigmoid`,
:func:`autograd_lr.propagate`, and :func:`autograd_lr.gradients.gradients_vectorized`
with :math:`\lambda` for the L2 version; the tests check that every reference passes.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lr import course, forward, gradients
from autograd_lr.checking import explain
from autograd_lr.checking.check import (
    GradientReport,
    check_gradients,
    namespace_of,
    validate_hints,
)
from autograd_lr.checking.findings import (
    Column,
    Feedback,
    Finding,
    Table,
    render_html,
    render_text,
    to_json,
)
from autograd_lr.checking.sigmoid_repair import search_sigmoid
from autograd_lr.checking.thresholds import (  # the one home of the checkers' tolerances
    SIGMOID_FLOAT32_RTOL,
    SIGMOID_MODEL_RTOL,
    SIGMOID_RTOL,
)
from autograd_lr.validation import validate_lambd, validate_problem

# λ for the L2 exercise: large enough that a missing or mis-scaled λ/m · w shows far above
# the threshold on every default problem.
L2_LAMBDA = 0.7


# --- the skeletons (fill these in) -----------------------------------------------------------


def sigmoid(z: Any) -> Any:
    r"""Exercise 1: the logistic function :math:`\sigma(z) = \dfrac{1}{1 + e^{-z}}`, elementwise.

    ``z``: a number or a numpy array of any shape; return the same shape.
    Check it with ``exercises.check_sigmoid(sigmoid)``.
    """
    # one line of numpy: np.exp works elementwise on arrays
    raise NotImplementedError(
        "exercise: write sigmoid(z) = 1 / (1 + e^(-z)); check it with exercises.check_sigmoid(sigmoid)"
    )


def propagate(w: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, Any], float]:
    r"""Exercise 2: the cost :math:`J(w, b)` and its gradient, vectorized.

    .. math::

        Z = w^\top X + b, \quad A = \sigma(Z), \quad
        J = -\tfrac{1}{m}\textstyle\sum_i \bigl(y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\bigr)

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)`` (one column per example), ``Y (1, m)``.
    Return ``({"dw": dw, "db": db}, cost)``: ``dw`` = :math:`\partial J/\partial w`, shape
    ``(n_x, 1)``; ``db`` = :math:`\partial J/\partial b`, a float; ``cost`` = :math:`J`, a
    float. All m examples at once, no loop over them. Derive the gradient with the chain
    rule first (:math:`L \to a \to z \to w, b`, then the mean over the examples). Check
    it with ``exercises.check_propagate(propagate)``.
    """
    # forward:  m from X's columns; Z (1, m); A (1, m); the cost, a float
    # backward: dZ (1, m); dw (n_x, 1) by a matrix product; db, a float
    raise NotImplementedError(
        "exercise: write propagate(w, b, X, Y); check it with exercises.check_propagate(propagate)"
    )


def propagate_l2(w: Any, b: Any, X: Any, Y: Any, lambd: float) -> tuple[dict[str, Any], float]:
    r"""Exercise 3: :func:`propagate` for the L2-regularized cost.

    .. math::

        J_\lambda(w, b) = J(w, b) + \frac{\lambda}{2m}\lVert w\rVert^2
        \quad (b \text{ is not regularized})

    Same arguments as :func:`propagate`, plus ``lambd`` = :math:`\lambda \ge 0`. Return
    ``({"dw": dw, "db": db}, cost)`` of :math:`J_\lambda`: ``dw`` shape ``(n_x, 1)``,
    ``db`` and ``cost`` floats. Derive the penalty's derivative with respect to each
    :math:`w_j` yourself. Check it with ``exercises.check_propagate_l2(propagate_l2)``.
    """
    # start from your propagate; add the penalty to the cost and its gradient to dw
    raise NotImplementedError(
        "exercise: write propagate_l2(w, b, X, Y, lambd); check it with "
        "exercises.check_propagate_l2(propagate_l2)"
    )


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    r"""Exercise: the parameters' start, :math:`w = 0 \in \mathbb{R}^{dim \times 1}`, :math:`b = 0`.

    ``dim`` = n_x -> ``(w (dim, 1) float64 zeros, b = 0.0)``; ``b`` is a float, not the
    integer 0. Check it with ``check_exercise(initialize_with_zeros, "initialize_with_zeros")``.
    """
    # w: np.zeros of shape (dim, 1); b: the float 0.0
    raise NotImplementedError(
        "exercise: write initialize_with_zeros(dim); check it with "
        'check_exercise(initialize_with_zeros, "initialize_with_zeros")'
    )


def optimize(
    w: Any,
    b: Any,
    X: Any,
    Y: Any,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    r"""Exercise: gradient descent, repeat :math:`w := w - \alpha\, dw`, :math:`b := b - \alpha\, db`.

    ``num_iterations`` steps with :math:`\alpha` = ``learning_rate``, the gradients from your
    ``propagate``; the cost recorded at iterations 0, 100, 200, ... Returns
    ``({"w": w, "b": b}, {"dw": dw, "db": db} of the last step, costs)``; the caller's ``w``
    is left as it was. Check it with ``check_exercise(optimize, "optimize")``.
    """
    # for each iteration: grads, cost = propagate(...); w = w - learning_rate * dw; ...
    raise NotImplementedError(
        'exercise: write optimize(...); check it with check_exercise(optimize, "optimize")'
    )


def predict(w: Any, b: Any, X: Any) -> np.ndarray:
    r"""Exercise: :math:`\hat y = 1` where :math:`a = \sigma(w^\top x + b) > 0.5`, else 0.

    ``w (n_x, 1)``, scalar ``b``, ``X (n_x, m)`` -> a float array ``(1, m)`` of 0.0/1.0.
    Check it with ``check_exercise(predict, "predict")``.
    """
    # A = σ(wᵀX + b), then 1.0 where A > 0.5 and 0.0 elsewhere, shape (1, m)
    raise NotImplementedError(
        'exercise: write predict(w, b, X); check it with check_exercise(predict, "predict")'
    )


def model(
    X_train: Any,
    Y_train: Any,
    X_test: Any,
    Y_test: Any,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict[str, Any]:
    r"""Exercise: the whole lecture, from :math:`w = 0, b = 0` to the predictions on both sets.

    ``initialize_with_zeros``, ``optimize`` on the training set, ``predict`` on both; sizes
    from the arguments only. Returns the course's dictionary: ``costs``,
    ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``, ``learning_rate``,
    ``num_iterations``. Check it with ``check_exercise(model, "model")``.
    """
    # w, b = initialize_with_zeros(...); params, grads, costs = optimize(...); predict(...)
    raise NotImplementedError(
        'exercise: write model(...); check it with check_exercise(model, "model")'
    )


# What a skeleton's source needs to run on its own (its annotations name Any and np).
_SKELETON_IMPORTS = "from typing import Any\n\nimport numpy as np\n\n\n"

SKELETONS: dict[str, Callable[..., Any]] = {
    "sigmoid": sigmoid,
    "initialize_with_zeros": initialize_with_zeros,
    "propagate": propagate,
    "propagate_l2": propagate_l2,
    "optimize": optimize,
    "predict": predict,
    "model": model,
}


def skeleton(name: str) -> str:
    """The source of exercise ``name`` (a key of :data:`SKELETONS`: ``"sigmoid"``,
    ``"initialize_with_zeros"``, ``"propagate"``, ``"propagate_l2"``, ``"optimize"``,
    ``"predict"``, ``"model"``), to copy: a file of its own, imports included, whose
    function raises ``NotImplementedError`` until it is filled in."""
    return _SKELETON_IMPORTS + inspect.getsource(_exercise(name, SKELETONS))


# --- the reference solutions: the package's own code -----------------------------------------


def _propagate_l2_reference(
    w: Any, b: Any, X: Any, Y: Any, lambd: float
) -> tuple[dict[str, Any], float]:
    """The package's L2 propagate: :func:`autograd_lr.gradients.gradients_vectorized` with λ."""
    w, b, X, Y = validate_problem(w, b, X, Y)
    grads, J = gradients.gradients_vectorized(w, b, X, Y, validate_lambd(lambd))
    return {"dw": grads["dw"], "db": float(grads["db"])}, float(J)


SOLUTIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": course.sigmoid,
    "initialize_with_zeros": course.initialize_with_zeros,
    "propagate": course.propagate,
    "propagate_l2": _propagate_l2_reference,
    "optimize": course.optimize,
    "predict": course.predict,
    "model": course.model,
}


def solution(name: str) -> Callable[..., Any]:
    """The reference solution of exercise ``name``: the package's own function."""
    return _exercise(name, SOLUTIONS)


def _exercise(name: str, table: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    if name not in table:
        raise ValueError(f"no exercise {name!r}; the exercises are {', '.join(table)}")
    return table[name]


# --- one-call checks ---------------------------------------------------------------------------


def check_propagate(fn: Callable[..., Any] = propagate, **options: Any) -> GradientReport:
    """Check exercise 2: :func:`autograd_lr.checking.check.check_gradients` on your ``propagate``.

    Parameters
    ----------
    fn : callable
        Your ``propagate(w, b, X, Y) -> (grads, cost)``; by default the skeleton, which
        is reported "not implemented" until you fill it in.
    **options
        Passed on to :func:`~autograd_lr.checking.check.check_gradients` (``hints``,
        ``seed``, ``problems``, ...).

    Returns
    -------
    GradientReport
        Which of ``dw``, ``db`` and the cost are wrong, and how; ``print`` it.

    Raises
    ------
    ValueError
        For an option :func:`~autograd_lr.checking.check.check_gradients` refuses.

    Examples
    --------
    >>> from autograd_lr import propagate
    >>> from autograd_lr.teaching import exercises
    >>> exercises.check_propagate(propagate).passed
    True
    """
    return check_gradients(fn, **options)


def check_propagate_l2(
    fn: Callable[..., Any] = propagate_l2, lambd: float = L2_LAMBDA, **options: Any
) -> GradientReport:
    r"""Check exercise 3: ``fn(w, b, X, Y, lambd)`` against :math:`J + \frac{\lambda}{2m}\lVert w\rVert^2`.

    Parameters
    ----------
    fn : callable
        Your ``propagate_l2(w, b, X, Y, lambd) -> (grads, cost)``; by default the skeleton.
    lambd : float
        λ ≥ 0; the default :data:`L2_LAMBDA` makes a missing or mis-scaled
        :math:`\frac{\lambda}{m} w` show on every problem.
    **options
        Passed on to :func:`~autograd_lr.checking.check.check_gradients`.

    Returns
    -------
    GradientReport
        Which of ``dw``, ``db`` and the cost are wrong, and how; ``print`` it.

    Raises
    ------
    ValueError
        If ``lambd`` is negative or an option is refused.

    Examples
    --------
    >>> from autograd_lr.teaching import exercises
    >>> exercises.check_propagate_l2(exercises.solution("propagate_l2")).passed
    True
    """
    return check_gradients(fn, lambd=lambd, **options)


# The inputs of the sigmoid check: a scalar, a row like Z, a column, and logits far into
# both tails (where 1/(1 + e^{-z}) is tiny or rounds to 1).
SIGMOID_CASES: dict[str, Any] = {
    "z = 0 (a number)": 0.0,
    "a row (1, 9) like Z": np.linspace(-8.0, 8.0, 9).reshape(1, 9),
    "a column (3, 1)": np.array([[-1.5], [0.25], [2.0]]),
    "tails, |z| up to 40": np.array([-40.0, -20.0, 20.0, 40.0]),
}


@dataclass
class SigmoidCase:
    """Your σ on one input against :func:`autograd_lr.forward.sigmoid`."""

    name: str
    z: Any
    yours: Any
    expected: np.ndarray
    error: float  # max elementwise relative error (inf: wrong shape, NaN, or an exception)
    problem: str = ""
    raised: str = ""  # the exception's type, if fn raised


@dataclass
class SigmoidReport:
    """The result of :func:`check_sigmoid`: ``.passed``, one case per input, a diagnosis."""

    function: str
    cases: list[SigmoidCase]
    diagnosis: str = ""
    fix: str = ""
    notes: list[str] = field(default_factory=list)
    concept: str = ""  # the diagnosis in the lecture's words, without code
    mistake: str = ""  # its code: "not_implemented", "math_exp", "float32", ...
    hints: str = "fix"
    # the correction rules of a verified repair of the learner's source, and the line the
    # diagnosis points at (0: none); see autograd_lr.checking.repair
    rules: tuple[str, ...] = ()
    rule_concepts: tuple[str, ...] = ()  # each rule's concept text, in the order of rules
    line: int = 0

    @property
    def passed(self) -> bool:
        return all(c.error <= SIGMOID_RTOL for c in self.cases)

    def finding(self) -> Finding | None:
        """The diagnosis as the feedback core's finding (``None`` when there is none)."""
        if not self.diagnosis:
            return None
        return Finding(
            (),
            (self.mistake,) if self.mistake else (),
            self.diagnosis,
            self.fix,
            concept=self.concept,
            rules=self.rules,
            rule_concepts=self.rule_concepts,
            line=self.line,
        )

    def feedback(self) -> Feedback:
        """The report as the feedback core lays it out (every view renders this)."""
        verdict = "PASSED" if self.passed else "FAILED"
        rows: list[tuple[str, ...]] = [
            (
                c.name,
                "ok" if c.error <= SIGMOID_RTOL else "WRONG",
                "-" if math.isnan(c.error) else f"{c.error:.1e}",
                f"  {c.problem}",
            )
            for c in self.cases
        ]
        columns = (Column("input", 24), Column("verdict", 7), Column("rel. error", 9, ">"),
                   Column("", 0))  # fmt: skip
        finding = self.finding()
        return Feedback(
            "exercise",
            self.function,
            self.passed,
            f"{self.function}: {verdict} (σ(z) against the stable σ, threshold {SIGMOID_RTOL:g})",
            self.hints,
            tables=[Table(columns, rows, [r[1] != "ok" for r in rows], header=False)],
            findings=[] if finding is None else [finding],
            notes=list(self.notes),
            marks=[c.error <= SIGMOID_RTOL for c in self.cases],
        )

    def __str__(self) -> str:
        return render_text(self.feedback())

    def _repr_html_(self) -> str:
        return render_html(self.feedback())

    def to_json(self) -> dict[str, Any]:
        """The feedback core's JSON: the same keys as every checker's."""
        return to_json(self.feedback())


def _sigmoid_case(fn: Callable[..., Any], name: str, z: Any) -> SigmoidCase:
    expected = np.asarray(forward.sigmoid(np.asarray(z, dtype=np.float64)))
    z_in = z.copy() if isinstance(z, np.ndarray) else z
    try:
        with np.errstate(all="ignore"):
            yours = fn(z_in)
    except Exception as exc:
        return SigmoidCase(
            name,
            z,
            None,
            expected,
            math.inf,
            f"raised {type(exc).__name__}: {exc}",
            raised=type(exc).__name__,
        )
    try:
        array = np.asarray(yours, dtype=np.float64)
    except (TypeError, ValueError):
        return SigmoidCase(name, z, yours, expected, math.inf, f"returned a {type(yours).__name__}")
    if array.shape != expected.shape:
        return SigmoidCase(
            name, z, yours, expected, math.inf, f"shape {array.shape}, expected {expected.shape}"
        )
    if not np.all(np.isfinite(array)):
        return SigmoidCase(name, z, yours, expected, math.inf, "NaN or inf")
    error = float(np.max(np.abs(array - expected) / expected))
    return SigmoidCase(name, z, yours, expected, error)


# Models of a wrong σ, each a function of z (code, message, concept); σ itself comes from
# the forward model, so nothing here is a second definition of σ.
SIGMOID_MODELS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str, str]] = {
    "sigmoid_sign": (
        lambda z: np.asarray(forward.sigmoid(-z)),
        "the sign of the exponent is flipped: you computed 1/(1 + e^z) = σ(−z)",
        "Your σ is 1 − σ: the exponent in σ(z) = 1/(1 + e^(−z)) has the wrong sign.",
    ),
    "missing_one_plus": (
        np.exp,
        "the '1 +' is missing: you computed e^z",
        "Your σ grows without bound: the denominator 1 + e^(−z) lost its 1 (and its sign).",
    ),
    "sigmoid_derivative": (
        lambda z: np.asarray(forward.sigmoid(z) * (1.0 - forward.sigmoid(z))),
        "you returned σ'(z) = σ(z)(1 − σ(z)), the derivative, instead of σ(z)",
        "Your function returns the slope of σ, σ(1 − σ), which the backward pass needs, "
        "instead of σ itself, which the forward pass needs.",
    ),
}


def _diagnose_sigmoid(result: SigmoidReport) -> None:
    """Name the mistake, only where its model fits on every case (all of them compared)."""
    cases = result.cases
    if any(c.raised == "NotImplementedError" for c in cases):
        result.mistake = "not_implemented"
        result.diagnosis = "not implemented yet: the skeleton raises NotImplementedError"
        result.concept = "The function is still the exercise's skeleton: write its body."
        result.fix = "write the body: return 1 / (1 + np.exp(-z))"
        return
    scalar = [c for c in cases if np.ndim(c.z) == 0]
    arrays = [c for c in cases if np.ndim(c.z) > 0]
    if (
        all(math.isfinite(c.error) for c in scalar)
        and arrays
        and all(c.raised == "TypeError" for c in arrays)
    ):
        result.mistake = "math_exp"
        result.diagnosis = (
            "it works on a number but raises TypeError on every array: math.exp (or a "
            "float() of z) takes one number, while σ must work elementwise on Z (1, m)"
        )
        result.concept = (
            "Your σ works on one number but not on an array: in the lecture σ is applied to "
            "every entry of Z at once."
        )
        result.fix = "use np.exp, which works elementwise: return 1 / (1 + np.exp(-z))"
        return
    if not all(math.isfinite(c.error) for c in cases):
        if any("shape" in c.problem for c in cases):
            result.mistake = "shape_not_kept"
            result.diagnosis = "the shape of z is not kept: σ works elementwise"
            result.concept = "σ works entry by entry: its result has the shape of z."
            result.fix = "use np.exp (elementwise) on the whole array; no loops, no reshapes"
        return  # a model cannot be told apart on cases that raised or are not finite
    dtypes = {str(np.asarray(c.yours).dtype) for c in cases if np.ndim(c.z) > 0}
    if dtypes == {"float32"} and all(c.error <= SIGMOID_FLOAT32_RTOL for c in cases):
        result.mistake = "float32"
        worst = max(c.error for c in cases)
        result.diagnosis = (
            f"σ came back in float32: it agrees only to single precision ({worst:.1e}), "
            f"and the check (threshold {SIGMOID_RTOL:g}) is made in float64"
        )
        result.concept = (
            "Your σ keeps only single precision (about 7 digits): half the digits of the "
            "float64 inputs are lost."
        )
        result.fix = "keep float64: no .astype(np.float32) or np.float32(...)"
        return
    z = np.concatenate([np.ravel(np.asarray(c.z, dtype=np.float64)) for c in cases])
    yours = np.concatenate([np.ravel(np.asarray(c.yours, dtype=np.float64)) for c in cases])
    right = np.asarray(forward.sigmoid(z))
    for code, (model, message, concept) in SIGMOID_MODELS.items():
        predicted = np.asarray(model(z))
        told_apart = not np.allclose(predicted, right, rtol=SIGMOID_MODEL_RTOL, atol=0.0)
        if told_apart and np.allclose(yours, predicted, rtol=SIGMOID_MODEL_RTOL, atol=0.0):
            result.mistake, result.diagnosis, result.concept = code, message, concept
            result.fix = "return 1 / (1 + np.exp(-z))"
            return


def check_sigmoid(fn: Callable[..., Any] = sigmoid, *, hints: str = "fix") -> SigmoidReport:
    r"""Check exercise 1: ``fn(z)`` against :func:`autograd_lr.forward.sigmoid` on several inputs.

    Each input's largest elementwise relative error must be ≤ :data:`~autograd_lr.checking.thresholds.SIGMOID_RTOL`, with
    the input's shape kept. Recognised mistakes (:data:`SIGMOID_MODELS`, each named only
    when it fits every input and differs from σ on one): :math:`1/(1 + e^{z})`,
    :math:`e^{z}`, :math:`\sigma'(z)` returned for σ, ``math.exp`` (fine on a number, a
    ``TypeError`` on arrays), float32, and a skeleton not filled in.

    Parameters
    ----------
    fn : callable
        Your ``sigmoid(z)``; by default the skeleton.
    hints : {"concept", "location", "fix"}
        ``"concept"`` or ``"location"`` say what is wrong without the corrected line,
        ``"fix"`` gives it.

    Returns
    -------
    SigmoidReport
        One case per input, ``passed``, and the mistake when one is recognised.

    Raises
    ------
    ValueError
        If ``hints`` is not one of the three levels.

    Examples
    --------
    >>> from autograd_lr import sigmoid
    >>> from autograd_lr.teaching import exercises
    >>> exercises.check_sigmoid(sigmoid).passed
    True
    """
    level = validate_hints(hints)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    cases = [_sigmoid_case(fn, label, z) for label, z in SIGMOID_CASES.items()]
    result = SigmoidReport(name, cases, hints=level)
    if not result.passed:
        _diagnose_sigmoid(result)
        if result.mistake != "not_implemented":
            _explain_sigmoid(result, fn)
    return result


def _explain_sigmoid(result: SigmoidReport, fn: Callable[..., Any]) -> None:
    """Trace the learner's σ to its first wrong line; a verified repair leads the diagnosis,
    and with neither a repair nor a recognised mistake the report says where and what."""

    code = getattr(fn, "__code__", None)
    try:
        source = inspect.getsource(fn) if code is not None else ""
        if not source:
            return
        finding = search_sigmoid(
            source,
            getattr(fn, "__name__", "sigmoid"),
            list(SIGMOID_CASES.values()),
            SIGMOID_RTOL,
            namespace_of(fn),
            line_offset=code.co_firstlineno - 1 if code is not None else 0,
        )
    except (OSError, TypeError, SyntaxError, ValueError):
        return  # no source, or not a def: the recognised mistake (if any) stands
    except Exception as exc:  # the engine only adds to a verdict already made
        result.notes.append(f"the line-by-line search stopped on {type(exc).__name__}: {exc}")
        return
    found = explain.finding_diagnosis(finding, ())
    result.line = found.line
    if finding.repair is not None:
        result.rules, result.rule_concepts = found.rules, found.rule_concepts
        result.diagnosis, result.concept, result.fix = found.message, found.concept, found.fix
    elif not result.mistake:
        result.diagnosis, result.concept, result.fix = found.message, found.concept, ""
    else:
        result.notes.append(f"where: {finding.where}")
