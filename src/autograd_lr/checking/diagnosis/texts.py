"""What each mistake means, in the lecture's words, at three hint levels.

For every mistake code: the **concept** (what is wrong and why, no code), the
**location** (which quantity, which step of the chain rule), the full account and the
**fix** (the corrected line). ``{q}`` is the quantity, ``{has}`` ``{is}`` ``{was}`` its
verbs (plural when a mistake in dZ shows in dw and db alike).
"""

from __future__ import annotations

from typing import NamedTuple


class Text(NamedTuple):
    concept: str
    location: str
    what: str
    fix: str


_DZ_STEP = "In the backward pass, at the step dz = dL/da · da/dz that gives dZ, from which dw and db follow."

EXPLAIN: dict[str, Text] = {
    "sign_flipped": Text(
        "{q} {has} the wrong sign: the error term of the chain rule is the prediction minus "
        "the label, not the label minus the prediction, so gradient descent would climb the cost.",
        _DZ_STEP,
        "{q} {has} the wrong sign: dZ was computed as Y − A; the lecture's dz = a − y",
        "dZ = A - Y",
    ),
    "cost_sign_flipped": Text(
        "The cost has the wrong sign: the cross-entropy is minus the log-likelihood, so that "
        "a better fit gives a smaller cost.",
        "In the forward pass, the cost J = −(1/m) Σ L: its leading minus.",
        "the cost has the wrong sign: the minus in J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] "
        "is missing",
        "cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m",
    ),
    "missing_1_over_m": Text(
        "dw is m times too large: the cost is an average over the m examples, so its gradient "
        "is an average too, not a sum.",
        "dw, at its last step: after summing x⁽ⁱ⁾ dz⁽ⁱ⁾ over the examples.",
        "dw is m times too large: X dZᵀ was not divided by m (J is a mean over the m "
        "examples, so is its gradient)",
        "dw = np.dot(X, dZ.T) / m",
    ),
    "db_summed": Text(
        "db is m times too large: db is the average of dz over the examples, as the cost is "
        "the average of the losses.",
        "db, at its last step: after summing dz⁽ⁱ⁾ over the examples.",
        "db is m times too large: dZ was summed instead of averaged",
        "db = np.sum(dZ) / m",
    ),
    "cost_summed": Text(
        "The cost is m times too large: J is the average of the m losses, not their sum.",
        "In the forward pass, the last step of the cost: after summing the losses.",
        "the cost is m times too large: the losses were summed instead of averaged",
        "cost = np.sum(losses) / m",
    ),
    "divided_by_m_twice": Text(
        "{q} {is} m times too small: the average over the examples was taken twice.",
        "Wherever {q} is divided by the number of examples m.",
        "{q} {is} 1/m of the right value: it was divided by m twice",
        "divide by m once",
    ),
    "m_from_wrong_axis": Text(
        "{q} {is} scaled by m/n_x: the number of examples was taken from the number of "
        "features. X holds one example per column.",
        "Where m is defined, before the forward pass.",
        "{q} {is} scaled by m/n_x: m was read from X.shape[0], which is n_x, the number of "
        "features; X is (n_x, m), one column per example",
        "m = X.shape[1]",
    ),
    "log10": Text(
        "The cost uses the base-10 logarithm; the cross-entropy (and its derivative 1/a, "
        "which the chain rule uses) is defined with the natural logarithm.",
        "In the forward pass, the logarithm inside the loss L(a, y).",
        "the cost is J / ln 10: np.log10 was used where the natural logarithm belongs",
        "use np.log",
    ),
    "forgot_Y": Text(
        "{q} ignore{s} the labels: the error term dz is the prediction minus the label, and "
        "the label was left out.",
        _DZ_STEP,
        "{q} {was} computed with dZ = A: Y was not subtracted",
        "dZ = A - Y",
    ),
    "z_instead_of_a": Text(
        "{q} {was} computed from z instead of the activation a = σ(z): that is the gradient "
        "of linear regression's squared error, not of the cross-entropy.",
        _DZ_STEP + " There a is σ(z), after the activation.",
        "{q} {was} computed with dZ = Z − Y: z was used where a = σ(z) belongs (that is the "
        "gradient of a squared error on z, as in linear regression)",
        "A = sigmoid(Z); dZ = A - Y",
    ),
    "extra_sigmoid_derivative": Text(
        "{q} {has} the factor σ'(z) = a(1 − a) once too often: in the chain rule, "
        "dL/da · da/dz already simplifies to a − y.",
        _DZ_STEP,
        "{q} {has} an extra factor σ'(z) = a(1 − a): dZ = (A − Y)·A(1 − A). The chain rule "
        "already used it: dz = da · a(1 − a) = a − y",
        "dZ = A - Y",
    ),
    "sigmoid_sign": Text(
        "The activation is 1 − σ(z): the exponent in σ(z) = 1/(1 + e^(−z)) has the wrong sign.",
        "In the forward pass, the activation A = σ(Z).",
        "σ was computed as 1/(1 + e^z), with the sign of the exponent flipped, so A = 1 − σ(z)",
        "A = 1 / (1 + np.exp(-Z))",
    ),
    "forgot_bias": Text(
        "{q} {was} computed without the bias: z = wᵀx + b has two kinds of parameter.",
        "In the forward pass, the logits Z.",
        "{q} {was} computed with Z = wᵀX, without + b",
        "Z = np.dot(w.T, X) + b",
    ),
    "first_example_skipped": Text(
        "{q} leave{s} out the first example: the lecture's loop runs i = 1..m, counting "
        "from 1, while Python's indices start at 0.",
        "The loop over the examples i: its first index.",
        "{q} {is} the sum over examples 2..m only: the loop over examples starts at 1 "
        "(range(1, m)), but Python's first example is X[:, 0]; on the problem with m = 1, "
        "{q} {is} exactly 0",
        "for i in range(m):",
    ),
    "last_example_skipped": Text(
        "{q} leave{s} out the last example: the loop over the examples stops one short.",
        "The loop over the examples i: its last index.",
        "{q} {is} the sum over examples 1..m − 1 only: the loop over examples stops one short "
        "(range(m - 1)); on the problem with m = 1, {q} {is} exactly 0",
        "for i in range(m):",
    ),
}

# mistakes made in dZ, in m or in the loop over examples: they show in dw and db alike
SHARED = {
    "sign_flipped",
    "forgot_Y",
    "z_instead_of_a",
    "extra_sigmoid_derivative",
    "sigmoid_sign",
    "forgot_bias",
    "m_from_wrong_axis",
    "divided_by_m_twice",
    "first_example_skipped",
    "last_example_skipped",
}


def fill(template: str, q: str) -> str:
    """``template`` for the quantity (or quantities) ``q``, with verbs that agree."""
    plural = " and " in q
    verbs = {"has": "have", "is": "are", "was": "were", "s": ""} if plural else {"s": "s"}
    return template.format(q=q, **{v: verbs.get(v, v) for v in ("has", "is", "was", "s")})


def capital(text: str) -> str:
    """A sentence's first letter in capitals, but never a name from the code (dw, db)."""
    if text.startswith(("dw", "db")):
        return text
    if text.startswith("cost "):
        return "The " + text
    return text[:1].upper() + text[1:]


def regularization_text(code: str, detail: str, quantity: str, lambd: float) -> Text:
    """The three levels for a spurious, missing or mis-scaled L2 term in ``quantity``."""
    right = "(λ/m)·w" if quantity == "dw" else "(λ/2m)‖w‖²"
    fix = (
        "dw = np.dot(X, dZ.T) / m + (lambd / m) * w"
        if quantity == "dw"
        else "cost += lambd / (2 * m) * np.sum(w * w)"
    )
    where = (
        "dw, the term that the L2 penalty adds to X dZᵀ / m."
        if quantity == "dw"
        else "The cost, the L2 penalty added to the mean of the losses."
    )
    if code == "spurious_regularization":
        return Text(
            f"{quantity} has a term proportional to w that the cost being checked does not have: "
            "a regularization nobody asked for.",
            where,
            f"{quantity} has {detail}: a regularization that the cost being checked does not have",
            "remove the term (or check with lambd=λ' if you meant L2)",
        )
    if code == "missing_regularization":
        return Text(
            f"{quantity} lacks the L2 term: the penalty (λ/2m)‖w‖² is part of the cost, so its "
            "gradient is part of dw.",
            where,
            f"{quantity} lacks the L2 term {right} (λ = {lambd:g})",
            fix,
        )
    return Text(
        f"{quantity} has an L2 term of the wrong strength: the penalty is (λ/2m)‖w‖², whose "
        "gradient is (λ/m)·w.",
        where,
        f"{quantity} has {detail}, where the right one is {right} with λ = {lambd:g}",
        fix,
    )
