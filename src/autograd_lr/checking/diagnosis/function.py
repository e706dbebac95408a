"""Facts about the whole function: it raised, cannot be called, broke the return contract, or
modified its inputs."""

from __future__ import annotations

from collections.abc import Sequence

from autograd_lr.checking.diagnosis.shapes import SHAPES
from autograd_lr.checking.diagnosis.texts import Text
from autograd_lr.checking.diagnosis.values import diagnosis
from autograd_lr.checking.types import Call, Diagnosis

# words of numpy's own messages (not ours) that mean two shapes did not fit
_SHAPE_WORDS = ("shape", "align", "broadcast", "matmul", "dimension", "size")


def exception_diagnosis(calls: Sequence[Call]) -> Diagnosis | None:
    """The function raised (or could not be called with the checker's arguments)."""
    raised = [c for c in calls if c.exception]
    if not raised:
        return None
    first = raised[0]
    codes = ["exception"]
    fix = "run your function on the problem named above and read the traceback"
    message = (
        f"your function raised {first.exception} on {len(raised)} of {len(calls)} problems "
        f"(first on {first.problem.name})"
    )
    if first.where:
        message += f", at {first.where}"
    concept = "Your function stopped with an error before returning dw, db and the cost."
    location = f"The line that raised: {first.where}." if first.where else "Read the traceback."
    if first.wrong_signature:
        codes.append("wrong_signature")
        message = (
            f"your function cannot be called as the checker calls it: {first.exception} "
            f"(your function is {first.signature or 'fn'}, but it is called as "
            f"{first.called_as or 'fn(w, b, X, Y)'})"
        )
        fix = "def propagate(w, b, X, Y): ... (add lambd as a fifth parameter for an L2 check)"
        concept = (
            "Your function does not take the parameters propagate takes: w, b, X and Y "
            "(and lambd for the L2 exercise)."
        )
        location = f"The def line: {first.signature or 'fn'} is called as {first.called_as}."
    elif first.exception_type == "NotImplementedError":
        codes.append("not_implemented")
        fix = "fill in the function body (the exercise's skeleton raises NotImplementedError)"
        concept = "The function is still the exercise's skeleton: its body is not written yet."
        location = "The whole body of the function."
    elif any(word in first.exception.lower() for word in _SHAPE_WORDS):
        codes.append("shape_mismatch")
        message += f". A shape mismatch: {SHAPES}"
        concept = (
            "Two arrays' shapes did not fit in a product or a sum: X holds one example per "
            "column, w is a column, and Z, A and dZ are rows with one entry per example."
        )
    return diagnosis((), tuple(codes), Text(concept, location, message, fix))


def bad_return_diagnosis(calls: Sequence[Call]) -> Diagnosis | None:
    """The return value could not be read as (grads, cost) at all."""
    bad = next((c for c in calls if c.outputs.error), None)
    if bad is None:
        return None
    return diagnosis(
        (),
        ("bad_return",),
        Text(
            "Your function returns something other than propagate's pair: the gradients "
            "(a dictionary with dw and db) and the cost.",
            "The return statement.",
            f"{bad.outputs.error} (on {bad.problem.name})",
            'return {"dw": dw, "db": db}, cost  (as propagate does)',
        ),
    )


def contract_diagnosis(calls: Sequence[Call], shaped: set[str]) -> Diagnosis | None:
    """The values came back, but not in the types and shapes the course's next cells use.

    ``shaped``: the quantities already diagnosed for their shape (not said twice).
    """
    broken: dict[str, tuple[str, str]] = {}
    for c in calls:
        for name, what in c.outputs.contract.items():
            if name not in shaped:
                broken.setdefault(name, what)
    if not broken:
        return None
    order = [q for q in ("grads", "dw", "db", "cost") if q in broken]
    whats = [f"{q} is {broken[q][0]}" for q in order]
    fixes = [broken[q][1] for q in order]
    return diagnosis(
        tuple(q for q in order if q != "grads"),
        ("return_contract",),
        Text(
            "The values may be right, but not in the form the course's next steps use: the "
            "cost a single number, dw an array shaped like w, db a number, the gradients in "
            "a dictionary.",
            f"The return statement: {', '.join(order)}.",
            "your function breaks the course's return contract: " + "; ".join(whats),
            "; ".join(fixes),
        ),
    )


def modified_diagnosis(calls: Sequence[Call]) -> Diagnosis | None:
    """The function changed its inputs in place."""
    modified = sorted({n for c in calls for n in c.modified})
    if not modified:
        return None
    names = " and ".join(modified)
    return diagnosis(
        (),
        ("modified_inputs",),
        Text(
            f"Your function changed {names}, its input, in place: the caller's data changed "
            "under them.",
            "A line that writes into an input rather than into a new array.",
            f"your function changed {names} in place: the caller's data changed under them",
            f"write the result into a new array, or work on {modified[0]}.copy()",
        ),
    )
