r"""Regenerate the oracle values shipped with the package: jax's values on the check problems.

``python tools/oracle_values.py`` computes, with jax and nothing read from a store,
``jax.value_and_grad`` of the reference cost (the reference) and of every model of a
mistake (:data:`autograd_lr.checking.mistakes.MODELS`) on each default check problem
(:func:`autograd_lr.checking.expected.default_problems` with seed 0), for λ = 0 (the
propagate exercise) and λ = :data:`autograd_lr.teaching.exercises.L2_LAMBDA` (its L2
form), and writes them to :data:`autograd_lr.checking.stored.SHIPPED` (atomically).

Each value is keyed by :func:`autograd_lr.checking.stored.key`, the SHA-256 of the
defining modules' source, the problem and λ: a change to the cost, its differentiation
or a model of a mistake makes every shipped value unreadable until this tool runs
again. ``tests/test_stored.py`` fails while the file is stale, and recomputes every
value with jax to prove the file holds jax's numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from autograd_lr import oracles
from autograd_lr.checking import stored
from autograd_lr.checking.expected import default_problems
from autograd_lr.checking.mistakes import MODELS
from autograd_lr.files import atomic_write_text
from autograd_lr.problems import Problem
from autograd_lr.teaching.exercises import L2_LAMBDA

# the seed of the default problems and the λ of the exercises whose first check is shipped
SEED = 0
LAMBDAS = (0.0, L2_LAMBDA)


def jax_values(problem: Problem, lambd: float) -> dict[str, list[float]]:
    """Every shipped name's ``[cost, db, dw_1 ... dw_{n_x}]`` on ``problem``, by jax.

    The reference by the very program a check compiles for it
    (:func:`autograd_lr.oracles.jax_value_and_gradients`), so that a shipped reference
    is the same bytes as a fresh one under the same jax; the models of mistakes in one
    compiled call, as a grader's preparation computes them (they are matched to
    ``MODEL_RTOL``, far above the rounding of one program against another).
    """
    p = problem
    grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y, lambd)
    out = {stored.REFERENCE: [float(x) for x in stored.vector(grads["dw"], grads["db"], J)]}
    costs = [MODELS[name].cost_at for name in MODELS]
    results = oracles.jax_values_and_gradients(costs, p.w, p.b, p.X, p.Y, lambd)
    for name, (grads, J) in zip(MODELS, results, strict=True):
        out[name] = [float(x) for x in stored.vector(grads["dw"], grads["db"], J)]
    return out


def generate() -> dict[str, Any]:
    """The shipped file's content: the defining modules' digest and every value, by key."""
    values: dict[str, Any] = {}
    for lambd in LAMBDAS:
        for problem in default_problems(SEED):
            for name, vector in jax_values(problem, lambd).items():
                file = stored.key(problem, lambd, name)
                if file is None:
                    raise RuntimeError("the defining modules were not loaded from files")
                values[stored.digest_of(file)] = {
                    "problem": problem.name,
                    "lambd": lambd,
                    "name": name,
                    "values": vector,
                }
    return {"format": stored.FORMAT, "definitions": stored.definitions_digest(), "values": values}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=stored.SHIPPED,
        help="where to write (default: the package's file)",
    )
    args = parser.parse_args(argv)
    content = generate()
    atomic_write_text(args.output, json.dumps(content, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(content['values'])} values written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
