"""``autograd-lr``: the command-line face of the library (nothing in the library imports it).

Exit codes: 0 success, 1 a check failed, 2 usage or input error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its inputs: printed as one line, exit code 2."""


def _verify(args: argparse.Namespace) -> int:
    from autograd_lr import verify

    report = verify.run(
        m=args.m, seed=args.seed, iterations=args.iterations, learning_rate=args.learning_rate
    )
    print(report)
    return EXIT_OK if report.passed else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-lr",
        description="Logistic regression with hand-derived gradients, verified by machines.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verify = commands.add_parser(
        "verify",
        help="train on the two-feature data and check the hand-derived gradients "
        "against jax.grad and finite differences",
    )
    verify.add_argument("--m", type=int, default=400, help="training examples (default 400)")
    verify.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    verify.add_argument("--iterations", type=int, default=2000, help="default 2000")
    verify.add_argument("--learning-rate", type=float, default=0.5, help="α (default 0.5)")
    verify.set_defaults(handler=_verify)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (UsageError, ValueError, FileNotFoundError) as exc:
        print(f"autograd-lr {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
