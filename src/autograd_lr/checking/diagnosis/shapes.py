r"""Quantities of the wrong shape, or not finite: what shape they have, and which step made it.

The **broadcasting trap**: with ``Y`` of shape ``(m, 1)`` (``Y.reshape(-1, 1)``, or
``A - Y.T``) against ``A`` of shape ``(1, m)``, numpy broadcasts ``A - Y`` to an
``(m, m)`` matrix, ``dZ[i, j] = a_j - y_i``. Row i is the ``dZ`` of the problem whose
labels are all :math:`y_i`, so column i of the learner's ``X dZᵀ / m`` is the oracle
gradient of :math:`J` with every label :math:`y_i` (the ``"forgot_Y"`` and
``"labels_one"`` models), ``db = Σ dZ / m`` is :math:`\sum_i db(y_i)`, and a cost
summed over the matrix is :math:`\sum_i J(y_i)`. The trap is named only when dw matches
that model, column by column, on every problem.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd_lr.checking.diagnosis.texts import Text
from autograd_lr.checking.diagnosis.values import MODEL_RTOL, Context, diagnosis
from autograd_lr.checking.thresholds import GRADIENT_RTOL
from autograd_lr.checking.types import Diagnosis, ProblemCheck
from autograd_lr.tolerances import relative_error

SHAPES = (
    "X is (n_x, m), one column per example, and w is (n_x, 1): Z = np.dot(w.T, X) + b is "
    "(1, m), A and dZ = A - Y are (1, m), dw = np.dot(X, dZ.T) / m is (n_x, 1)"
)


def _trap_values(ctx: Context) -> dict[str, np.ndarray | float]:
    """The broadcasting trap's dw (n_x, m), db and cost on one problem, from the models."""
    zero, one = ctx.oracles.models["forgot_Y"], ctx.oracles.models["labels_one"]
    y = ctx.p.Y.ravel()
    dw = np.where(y[None, :] == 1.0, one.dw, zero.dw)  # column i: every label y_i
    ones, zeros = float(np.sum(y == 1.0)), float(np.sum(y == 0.0))
    return {
        "dw": dw,
        "db": ones * one.db + zeros * zero.db,
        "cost": ones * one.cost + zeros * zero.cost,
    }


def broadcasting_trap(
    checks: Sequence[ProblemCheck], contexts: Sequence[Context], source: str = ""
) -> Diagnosis | None:
    """The (m, m) dZ of a (1, m) A minus an (m, 1) Y, if dw (and db, cost) match it everywhere."""
    if contexts[0].lambd != 0.0:
        return None
    shown = None
    claimed = {"dw"}
    worst = 0.0  # the largest distance of dw from the trap's model, over the problems
    for check, ctx in zip(checks, contexts, strict=True):
        x = check.quantities["dw"]
        if x.yours is None or check.call.exception:
            return None
        p, yours = ctx.p, np.asarray(x.yours, dtype=np.float64)
        trap = _trap_values(ctx)
        if yours.shape == (p.n_x, p.m) and p.m > 1:
            shown = shown or (check, yours.shape)
        elif yours.shape == (p.n_x, 1) and p.m == 1:
            pass  # (1, 1) broadcasts to itself: the trap does not show with one example
        else:
            return None
        off = relative_error(yours, np.asarray(trap["dw"]), ctx.floor["dw"])
        if off > MODEL_RTOL:
            return None
        worst = max(worst, off)
    if shown is None:
        return None
    for name in ("db", "cost"):
        ok = True
        for check, ctx in zip(checks, contexts, strict=True):
            value = check.quantities[name].yours
            if value is None or np.size(value) != 1:
                ok = False
                break
            predicted = float(np.asarray(_trap_values(ctx)[name]))
            if (
                relative_error(
                    float(np.asarray(value, dtype=np.float64).ravel()[0]),
                    predicted,
                    ctx.floor[name],
                )
                > MODEL_RTOL
            ):
                ok = False
                break
        if ok and not all(c.quantities[name].status == "ok" for c in checks):
            claimed.add(name)
    check, shape = shown
    also = {
        frozenset({"dw"}): "",
        frozenset({"dw", "db"}): " db = Σ dZ / m then sums m² entries: m times too large.",
        frozenset(
            {"dw", "cost"}
        ): " The cost summed over the (m, m) matrix adds m costs, one per label.",
        frozenset({"dw", "db", "cost"}): (
            " db sums m² entries (m times too large), and the cost summed over the matrix adds "
            "m costs, one per label."
        ),
    }[frozenset(claimed)]
    quantities = tuple(q for q in ("dw", "db", "cost") if q in claimed)
    return diagnosis(
        quantities,
        ("broadcasting_trap",),
        Text(
            "A and Y have different shapes, a row (1, m) and a column (m, 1), so subtracting "
            "them broadcasts to an (m, m) matrix: every prediction minus every label, where "
            "the lecture pairs each prediction with its own label.",
            "The backward pass, dZ = A − Y: both must be (1, m), one column per example.",
            f"A − Y was broadcast to an (m, m) matrix: the labels were a column (m, 1) while A "
            f"is a row (1, m), so dZ[i, j] = a_j − y_i and dw came out {shape} on "
            f"{check.problem.name}, one column per label instead of one (n_x, 1) vector.{also}",
            _trap_fix(source),
        ),
        evidence=f"each column i of your dw is the gradient with every label equal to y_i, "
        f"on all {len(contexts)} problems",
        match=worst,
    )


def _trap_fix(source: str) -> str:
    """The reshape that undoes the trap, in the form the learner's code calls for."""
    if "Y.T" in source.replace(" ", ""):
        return "dZ = A - Y  (Y as given is (1, m), like A; Y.T is the column that broadcasts)"
    return "Y = Y.reshape(1, -1)  (Y and A both (1, m): dZ = A - Y is (1, m))"


def _want(quantity: str, n_x: int) -> str:
    return f"({n_x}, 1)" if quantity == "dw" else "a scalar (or any size-1 array)"


def shape_fact(check: ProblemCheck, quantity: str) -> Diagnosis:
    """A quantity of the wrong shape, as a fact: its shape and the one it must have, no cause."""
    p = check.problem
    shape = np.asarray(check.quantities[quantity].yours).shape
    return diagnosis(
        (quantity,),
        ("wrong_shape",),
        Text(
            f"{quantity} has the wrong shape: dw has one entry per feature, db and the cost are "
            "single numbers.",
            f"{quantity}, as returned; follow the shapes of Z, A and dZ back from it.",
            f"{quantity} has shape {shape} on {p.name}; it must be {_want(quantity, p.n_x)}",
            "",
        ),
    )


def shape_diagnosis(check: ProblemCheck, quantity: str) -> Diagnosis:
    """A quantity of the wrong shape whose values a reshaping reproduces (dw transposed or
    flattened with every entry right; the per-example values whose sum or mean is right);
    otherwise the shape alone (:func:`shape_fact`)."""
    p = check.problem
    x = check.quantities[quantity]
    yours = np.asarray(x.yours)
    shape, n_x, m = yours.shape, p.n_x, p.m
    where = f" on {p.name}"
    if check.expected(quantity) is None:
        return shape_fact(check, quantity)
    expected = np.asarray(check.expected(quantity), dtype=np.float64)
    if quantity == "dw" and yours.size == n_x:
        off = relative_error(yours.astype(np.float64).reshape(n_x, 1), expected, x.floor)
        if off > GRADIENT_RTOL:
            return shape_fact(check, quantity)
        if shape == (1, n_x) and n_x > 1:
            return diagnosis(
                ("dw",),
                ("dw_transposed",),
                Text(
                    "dw is a row where w is a column: the product of X and dZ was taken in the "
                    "other order, so dw cannot update w.",
                    "dw, the product of X and dZ that sums over the examples.",
                    f"dw has shape {shape}, a row{where}, and its values are right: it is "
                    f"dZ Xᵀ (np.dot(dZ, X.T)); dw must have w's shape (n_x, 1) = ({n_x}, 1)",
                    "dw = np.dot(X, dZ.T) / m",
                ),
                match=off,
            )
        if shape == (n_x,):
            return diagnosis(
                ("dw",),
                ("dw_flattened",),
                Text(
                    "dw is a flat vector: it must keep w's shape, a column (n_x, 1), so that "
                    "w − α dw is a column too.",
                    "dw, as returned.",
                    f"dw has shape {shape}, a flat vector{where}, and its values are right; it "
                    f"must have w's shape (n_x, 1) = ({n_x}, 1)",
                    "keep the lecture's 2-D shapes: dw = np.dot(X, dZ.T) / m (or dw.reshape(-1, 1))",
                ),
                match=off,
            )
    if yours.size == m * (n_x if quantity == "dw" else 1) and m > 1:
        flat = yours.astype(np.float64).reshape(-1, m)
        for how, value in (("mean", flat.mean(axis=1)), ("sum", flat.sum(axis=1))):
            off = relative_error(value.reshape(np.shape(expected)), expected, x.floor)
            if off > MODEL_RTOL:
                continue
            thing = {
                "dw": f"the products x_j⁽ⁱ⁾ dz⁽ⁱ⁾, one column per example (shape {shape})",
                "db": f"the m = {m} values dz⁽ⁱ⁾ (shape {shape})",
                "cost": f"the m = {m} losses L⁽ⁱ⁾ (shape {shape})",
            }[quantity]
            fix = {
                "dw": "dw = np.dot(X, dZ.T) / m (the matrix product sums over the examples)",
                "db": "db = np.sum(dZ) / m",
                "cost": "cost = np.sum(losses) / m",
            }[quantity]
            return diagnosis(
                (quantity,),
                ("forgot_to_sum",),
                Text(
                    f"{quantity} holds one value per example: the lecture's {quantity} is an "
                    "average over the examples.",
                    f"{quantity}, at its last step: the sum over the examples i.",
                    f"{quantity} holds {thing}{where}: they were not summed over the examples; "
                    f"their {how} over the examples is right",
                    fix,
                ),
                match=off,
            )
    return shape_fact(check, quantity)


def non_finite_diagnosis(checks: Sequence[ProblemCheck], quantity: str) -> Diagnosis:
    """NaN or inf in a quantity, as a fact: on which problems, and what numpy warned (no cause)."""
    bad = [c for c in checks if c.quantities[quantity].status == "non_finite"]
    said = sorted({w for c in bad for w in c.call.warnings})
    names = ", ".join(c.problem.name for c in bad)
    message = f"{quantity} contains NaN or inf on {names}"
    if said:
        message += f"; numpy warned: {'; '.join(said)}"
    return diagnosis(
        (quantity,),
        ("non_finite",),
        Text(
            f"{quantity} is not a number (NaN or inf) on some problems.",
            f"{quantity}, on {names}: print the arrays it is computed from and find the first "
            "NaN or inf.",
            message,
            "",
        ),
    )
