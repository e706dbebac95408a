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
        if relative_error(yours, np.asarray(trap["dw"]), ctx.floor["dw"]) > MODEL_RTOL:
            return None
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
    )


def _trap_fix(source: str) -> str:
    """The reshape that undoes the trap, in the form the learner's code calls for."""
    if "Y.T" in source.replace(" ", ""):
        return "dZ = A - Y  (Y as given is (1, m), like A; Y.T is the column that broadcasts)"
    return "Y = Y.reshape(1, -1)  (Y and A both (1, m): dZ = A - Y is (1, m))"


def shape_diagnosis(check: ProblemCheck, quantity: str) -> Diagnosis:
    """A quantity of the wrong shape: transposed, flattened, not summed, or other."""
    p = check.problem
    x = check.quantities[quantity]
    yours = np.asarray(x.yours)
    shape, n_x, m = yours.shape, p.n_x, p.m
    where = f" on {p.name}"
    expected = None
    if check.expected(quantity) is not None:
        expected = np.asarray(check.expected(quantity), dtype=np.float64)
    values = ""
    if quantity == "dw" and yours.size == n_x and expected is not None:
        ok = (
            relative_error(yours.astype(np.float64).reshape(n_x, 1), expected, x.floor)
            <= GRADIENT_RTOL
        )
        values = (
            " Its values are right; only the shape is wrong."
            if ok
            else " Its values are wrong as well."
        )
    if quantity == "dw" and shape == (1, n_x) and n_x > 1:
        return diagnosis(
            ("dw",),
            ("dw_transposed",),
            Text(
                "dw is a row where w is a column: the product of X and dZ was taken in the "
                "other order, so dw cannot update w.",
                "dw, the product of X and dZ that sums over the examples.",
                f"dw has shape {shape}, a row{where}: it was computed as dZ Xᵀ (np.dot(dZ, X.T)); "
                f"dw must have w's shape (n_x, 1) = ({n_x}, 1).{values}",
                "dw = np.dot(X, dZ.T) / m",
            ),
        )
    if quantity == "dw" and shape == (n_x,):
        return diagnosis(
            ("dw",),
            ("dw_flattened",),
            Text(
                "dw is a flat vector: it must keep w's shape, a column (n_x, 1), so that "
                "w − α dw is a column too.",
                "dw, as returned.",
                f"dw has shape {shape}, a flat vector{where}; it must have w's shape (n_x, 1) = "
                f"({n_x}, 1).{values}",
                "keep the lecture's 2-D shapes: dw = np.dot(X, dZ.T) / m (or dw.reshape(-1, 1))",
            ),
        )
    if yours.size == m * (n_x if quantity == "dw" else 1) and m > 1:
        summed = ""
        if expected is not None:
            flat = yours.astype(np.float64).reshape(-1, m)
            for how, value in (("mean", flat.mean(axis=1)), ("sum", flat.sum(axis=1))):
                if (
                    relative_error(value.reshape(np.shape(expected)), expected, x.floor)
                    <= MODEL_RTOL
                ):
                    summed = f" Their {how} over the examples is right."
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
                f"{quantity} holds {thing}{where}: they were not summed over the examples.{summed}",
                fix,
            ),
        )
    want = f"({n_x}, 1)" if quantity == "dw" else "a scalar (or any size-1 array)"
    hint = ""
    if quantity == "dw" and yours.size == m:
        hint = (
            " It has one entry per example; dw has one per feature (X dZᵀ sums over the examples)."
        )
    return diagnosis(
        (quantity,),
        ("wrong_shape",),
        Text(
            f"{quantity} has the wrong shape: dw has one entry per feature, db and the cost are "
            "single numbers.",
            f"{quantity}, as returned; follow the shapes of Z, A and dZ back from it.",
            f"{quantity} has shape {shape}{where}; it must be {want}.{hint}",
            "dw = np.dot(X, dZ.T) / m has shape (n_x, 1); db and the cost are scalars",
        ),
    )


def non_finite_diagnosis(checks: Sequence[ProblemCheck], quantity: str) -> Diagnosis:
    """NaN or inf in a quantity, with what numpy warned about."""
    bad = [c for c in checks if c.quantities[quantity].status == "non_finite"]
    said = sorted({w for c in bad for w in c.call.warnings})
    joined = " ".join(said).lower()
    names = ", ".join(c.problem.name for c in bad)
    message = f"{quantity} contains NaN or inf on {names}"
    if said:
        message += f"; numpy warned: {'; '.join(said)}"
    if "log" in joined and ("divide" in joined or "invalid" in joined):
        message += ". log(0) or log of a negative number: is a = σ(z) rounding to 0 or 1, or did z go where a belongs?"
        fix = "compute the cost from z: np.sum(np.logaddexp(0, Z) - Y * Z) / m"
        concept = (
            f"{quantity} is not a number: a logarithm met 0, because a = σ(z) rounds to exactly "
            "0 or 1 for large |z| (or z went where a belongs)."
        )
    elif "overflow" in joined:
        message += ". An exponential overflowed: e^(-z) for large negative z is inf"
        fix = (
            "a stable sigmoid: np.where(Z >= 0, 1 / (1 + np.exp(-Z)), np.exp(Z) / (1 + np.exp(Z)))"
        )
        concept = (
            f"{quantity} is not a number: an exponential overflowed (e^(−z) for very negative z)."
        )
    else:
        message += ". Look for a division by zero, 0/0, or the log of a non-positive number"
        fix = "print the intermediate arrays (Z, A, dZ) on this problem and find the first NaN"
        concept = (
            f"{quantity} is not a number: a division by zero or a log of a non-positive number."
        )
    return diagnosis(
        (quantity,),
        ("non_finite",),
        Text(concept, f"{quantity}, on {names}.", message, fix),
    )
