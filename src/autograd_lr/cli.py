"""``autograd-lr``: the command-line face of the library (nothing in the library imports it).

Exit codes: 0 success, 1 a check failed, 2 usage or input error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its inputs: printed as one line, exit code 2."""


def _verify(args: argparse.Namespace) -> int:
    from autograd_lr.teaching import verify

    report = verify.run(
        m=args.m, seed=args.seed, iterations=args.iterations, learning_rate=args.learning_rate
    )
    print(report)
    return EXIT_OK if report.passed else EXIT_FAILED


# --- train / predict ----------------------------------------------------------------------

DEFAULT_ITERATIONS = {"gd": 10_000, "newton": 100}


def _grader(args: argparse.Namespace, function: str) -> Any:
    """The Grader of ``check`` and ``grade`` (prepared before any submission runs)."""
    from autograd_lr.checking import grading, sandbox

    limits = sandbox.Limits(**{name: getattr(args, name) for _, name, *_ in _LIMITS})
    options = grading.Options(
        function=function,
        lambd=args.lambd,
        seed=args.seed,
        fast={"fast": True, "full": False}.get(args.mode, "auto"),
        sandbox=args.sandbox,
        limits=limits,
        forbid=args.forbid_imports,
        points=tuple(args.points.items()),
        hints=args.hints,
    )
    try:
        grader = grading.Grader(options)
    except sandbox.SandboxUnavailableError as exc:
        raise UsageError(str(exc)) from None
    if grader.isolation != "bwrap":
        print(
            f"autograd-lr {args.command}: warning: no sandbox ({grader.fallback_reason})",
            file=sys.stderr,
        )
    return grader


def _check(args: argparse.Namespace) -> int:
    """Grade one submission: exit 0 pass, 1 fail/timeout/crash/forbidden import, 2 cannot load."""
    import json

    from autograd_lr.checking import gradebook, submissions
    from autograd_lr.files import atomic_write_text

    submission = submissions.resolve(args.target)
    graded = _grader(args, submission.function).grade(submission)
    report = graded.to_dict()
    # written only now: the sandbox and everything it started are gone
    if args.output:
        atomic_write_text(args.output, json.dumps(report, indent=2) + "\n")
    if args.gradescope:
        gradebook.write_gradescope(Path(args.gradescope), graded)
    print(json.dumps(report, indent=2) if args.json else graded)
    if graded.outcome == "cannot_load" and not args.json:
        print(f"autograd-lr check: error: {graded.error}", file=sys.stderr)
    return int(graded.exit_code)


def _grade(args: argparse.Namespace) -> int:
    """Grade many submissions; write the gradebook; exit 0 when every one passed, else 1."""
    from autograd_lr.checking import gradebook, submissions

    found = submissions.expand(args.submissions, args.function)
    if args.gradescope and len(found) != 1:
        raise UsageError(
            f"--gradescope writes one student's results.json, but {len(found)} submissions "
            "were found: give the one file (or a folder holding one)"
        )
    grader = _grader(args, args.function)
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(found), unit="submission", file=sys.stderr)

    def tick(_: Any) -> None:
        if bar is not None:
            bar.update()

    results = gradebook.grade_all(grader, found, jobs=args.jobs, progress=tick)
    if bar is not None:
        bar.close()
    print(gradebook.table(results))
    for path in gradebook.write_gradebook(Path(args.out), grader, results):
        print(f"wrote      {path}")
    if args.gradescope:
        gradebook.write_gradescope(Path(args.gradescope), results[0])
        print(f"wrote      {args.gradescope}")
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAILED


def _learning_rate(text: str) -> float | str:
    """``--learning-rate``: a number > 0, or ``auto`` for α = 1/L."""
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0 or 'auto', got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"the learning rate must be a finite number > 0, got {text}"
        )
    return value


def _checked(
    convert: Callable[[str], Any], ok: Callable[[Any], bool], expected: str, detail: str = ""
) -> Callable[[str], Any]:
    """An argparse ``type``: ``convert`` the text, refuse it unless ``ok``, naming ``expected``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}{detail}, got {text}")
        return value

    return parse


_positive = _checked(float, lambda v: v > 0, "a number > 0")
_non_negative = _checked(float, lambda v: 0 <= v < float("inf"), "a finite number >= 0")
_count = _checked(int, lambda v: v >= 0, "a whole number >= 0")
_fraction = _checked(
    float, lambda v: 0 <= v < 1, "a number in [0, 1)", " (0 keeps every example for training)"
)


def _accuracy(Y_hat: Any, Y: Any) -> tuple[float, int]:
    """Fraction and count of correct 0/1 predictions."""
    correct = int((Y_hat == Y).sum())
    return correct / Y.shape[1], correct


def _fit_with_progress(
    args: argparse.Namespace, X: Any, Y: Any, lambd: float, iterations: int
) -> Any:
    """Run ``args.solver`` from w = 0, b = 0 on ``X (n_x, m)``, ``Y (1, m)`` (numpy or dask)
    with a tqdm bar on stderr showing the current cost and max|∂J|."""
    from tqdm import tqdm

    from autograd_lr.training import solvers

    w0 = np.zeros((X.shape[0], 1))
    with tqdm(
        total=iterations,
        desc=args.solver,
        unit="it",
        file=sys.stderr,
        mininterval=0.2,
        disable=args.no_progress,
    ) as bar:

        def progress(k: int, J: float, g: float) -> None:
            if k:
                bar.update(1)
            bar.set_postfix_str(f"cost={J:.6f} max|dJ|={g:.1e}", refresh=False)

        options: dict[str, Any] = {"lambd": lambd, "max_iter": iterations, "tol": args.tol}
        if args.solver == "gd":
            result = solvers.gradient_descent(
                w0, 0.0, X, Y, learning_rate=args.learning_rate, callback=progress, **options
            )
        else:
            result = solvers.newton(w0, 0.0, X, Y, callback=progress, **options)
        bar.set_postfix_str(
            f"cost={result.final_cost:.6f} max|dJ|={result.gradient_max[-1]:.1e}", refresh=True
        )
    return result


def _run_metadata(
    args: argparse.Namespace, result: Any, lambd: float, iterations: int, **facts: Any
) -> dict[str, Any]:
    """What a trained model records about its run (stored in ``model.json``)."""
    return {
        "dataset": facts.pop("dataset"),
        "solver": result.solver,
        "learning_rate": result.learning_rate,
        "lambda": lambd,
        "tol": args.tol,
        "max_iter": iterations,
        "iterations": result.n_iter,
        "converged": result.converged,
        "final_cost": result.final_cost,
        "gradient_max": float(result.gradient_max[-1]),
        **facts,
    }


def _print_summary(
    args: argparse.Namespace,
    result: Any,
    penalty: str,
    iterations: int,
    *,
    train_line: str,
    test_line: str | None,
    elapsed: float,
    written: list[Path],
) -> None:
    """The summary ``train`` ends with: solver, iterations, cost, accuracies, time, files."""
    alpha = "" if result.learning_rate is None else f", α = {result.learning_rate:.4g}"
    g = result.gradient_max[-1]
    status = (
        f"converged: max|∂J| = {g:.2e} ≤ tol {args.tol:g}"
        if result.converged
        else f"NOT converged: max|∂J| = {g:.2e} > tol {args.tol:g}; raise --iterations"
    )
    print("summary")
    print(f"  solver          {result.solver}{alpha}, {penalty}")
    print(f"  iterations      {result.n_iter} of at most {iterations} ({status})")
    print(f"  final cost      J = {result.final_cost:.8f}")
    print(f"  train accuracy  {train_line}")
    if test_line is not None:
        print(f"  test accuracy   {test_line}")
    print(f"  time            {elapsed:.2f} s")
    print("wrote")
    for path in written:
        print(f"  {path}")


def _train(args: argparse.Namespace) -> int:
    if args.data is not None or args.dask is not None:
        return _train_chunked(args)
    # None means "not given", so that --data can refuse these; here they take their defaults
    args.dataset = "breast-cancer" if args.dataset is None else args.dataset
    args.test_fraction = 0.2 if args.test_fraction is None else args.test_fraction
    args.seed = 0 if args.seed is None else args.seed
    import time

    from autograd_lr.datasets import Standardizer, load_dataset, save_csv, train_test_split
    from autograd_lr.training import persistence, plots

    started = time.perf_counter()
    data = load_dataset(args.dataset, target=args.target, seed=args.seed)
    train, test = train_test_split(data, args.test_fraction, args.seed)
    # Training statistics only; the model applies them to test and new data.
    scaler = Standardizer.fit(train.X) if args.standardize else None
    X_train = train.X if scaler is None else scaler.transform(train.X)  # (n_x, m_train)
    if args.C is not None:
        lambd, penalty = 1.0 / args.C, f"λ = {1.0 / args.C:g} (C = {args.C:g})"
    else:
        lambd = args.l2
        penalty = f"λ = {lambd:g}" + (f" (C = {1.0 / lambd:g})" if lambd > 0 else " (no penalty)")
    iterations = args.iterations if args.iterations is not None else DEFAULT_ITERATIONS[args.solver]

    print(f"data       {data.name}: {data.m} examples × {data.n_x} features")
    if data.class_names == ("0", "1"):
        print(f"labels     0/1 in column {data.target!r}", end="")
    else:
        print(f"labels     0 = {data.class_names[0]}, 1 = {data.class_names[1]}", end="")
    if data.label_mapping:
        shown = ", ".join(f"{k!r} -> {v}" for k, v in data.label_mapping.items())
        print(f" (mapped from the file's labels: {shown})")
    else:
        print()
    m_test = 0 if test is None else test.m
    print(
        f"split      {train.m} train / {m_test} test (test fraction {args.test_fraction:g}, "
        f"seed {args.seed})"
        + ("; standardized with the training mean and std" if scaler else "; not standardized")
    )

    if np.unique(train.Y).size < 2:
        raise UsageError(
            f"the training data holds only one class ({data.class_names[int(train.Y[0, 0])]}): "
            f"logistic regression needs examples of both classes to learn a boundary"
        )
    result = _fit_with_progress(args, X_train, train.Y, lambd, iterations)

    model = persistence.Model(
        w=result.w,
        b=result.b,
        feature_names=data.feature_names,
        target=data.target,
        mean=None if scaler is None else scaler.mean,
        std=None if scaler is None else scaler.std,
        label_mapping=data.label_mapping,
        class_names=data.class_names,
    )
    train_acc, train_ok = _accuracy(model.predict(train.X), train.Y)
    test_line = "no test set (--test-fraction 0)"
    test_acc = None
    if test is not None:
        test_acc, test_ok = _accuracy(model.predict(test.X), test.Y)
        test_line = f"{100 * test_acc:.1f} % ({test_ok}/{test.m})"
    elapsed = time.perf_counter() - started
    alpha = "" if result.learning_rate is None else f", α = {result.learning_rate:.4g}"
    metadata = _run_metadata(
        args,
        result,
        lambd,
        iterations,
        dataset=data.name,
        train_accuracy=train_acc,
        test_accuracy=test_acc,
        m_train=train.m,
        m_test=m_test,
        test_fraction=args.test_fraction,
        seed=args.seed,
    )
    model = persistence.Model(**{**model.__dict__, "metadata": metadata})
    out = Path(args.out)
    written = [persistence.save_model(model, out)]
    title = f"{data.name}: {result.solver}{alpha}, {penalty}"
    written.append(
        plots.cost_curve(
            result.costs, result.gradient_max, out / "cost.png", tol=args.tol, title=title
        )
    )
    if test is not None:  # the held-out examples, raw, for `autograd-lr predict`
        written.append(save_csv(test, out / "test.csv"))
    if data.n_x == 2:
        written.append(
            plots.decision_boundary(
                model,
                train.X,
                train.Y,
                out / "decision_boundary.png",
                X_test=None if test is None else test.X,
                Y_test=None if test is None else test.Y,
                title=title,
            )
        )

    _print_summary(
        args,
        result,
        penalty,
        iterations,
        train_line=f"{100 * train_acc:.1f} % ({train_ok}/{train.m})",
        test_line=test_line,
        elapsed=elapsed,
        written=written,
    )
    return EXIT_OK


def _train_chunked(args: argparse.Namespace) -> int:
    """``train --data DIR [--dask SCHEDULER|local]``: a data set on disk in chunks, by dask.

    Every pass over the data (statistics, gradient, cost, Hessian) runs chunk by chunk on
    the cluster's workers; only the small results come back to this process.
    """
    import time

    from autograd_lr import forward
    from autograd_lr.datasets import fit_standardizer, load_chunked
    from autograd_lr.fast import cluster
    from autograd_lr.training import persistence, plots

    if args.data is None:
        raise UsageError(
            "--dask needs --data DIR, a data set stored in chunks (zarr or .npy shards) "
            "written by autograd_lr.datasets.save_chunked"
        )
    given = [
        flag
        for flag, value in (
            ("--dataset", args.dataset),
            ("--target", args.target),
            ("--test-fraction", args.test_fraction),
            ("--seed", args.seed),
        )
        if value is not None
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be used with --data: a chunked data set has its labels "
            f"and trains on every example (keep test examples in a data set of their own)"
        )
    started = time.perf_counter()
    iterations = args.iterations if args.iterations is not None else DEFAULT_ITERATIONS[args.solver]
    lambd = 1.0 / args.C if args.C is not None else args.l2
    penalty = f"λ = {lambd:g}" + (f" (C = {1.0 / lambd:g})" if lambd > 0 else " (no penalty)")
    with cluster.connect(args.dask) as client:
        data = load_chunked(args.data)
        print(f"cluster    {cluster.describe(client)}")
        print(
            f"data       {data.name}: {data.m} examples × {data.n_x} features, "
            f"{data.nbytes / 1e6:,.1f} MB in {data.n_chunks} {data.storage} chunks of "
            f"{data.chunk_size} examples"
        )
        print(f"labels     0 = {data.class_names[0]}, 1 = {data.class_names[1]}")
        print(
            "split      none: a chunked data set trains on every example "
            "(keep test examples in a data set of their own)"
        )
        # One pass for the statistics; the standardization itself stays lazy, per chunk.
        scaler = fit_standardizer(data.X) if args.standardize else None
        X = data.X if scaler is None else (data.X - scaler.mean) / scaler.std  # (n_x, m)
        X, Y, persisted = cluster.persist_if_fits(X, data.Y)
        print(
            "memory     X "
            + (
                "kept in memory: it fits in"
                if persisted
                else "read from disk at every iteration: over"
            )
            + f" {100 * cluster.PERSIST_FRACTION:g} % of "
            + ("the workers' memory" if client is not None else "this machine's free memory")
        )
        result = _fit_with_progress(args, X, Y, lambd, iterations)
        Z = forward.logits(result.w, result.b, X)  # (1, m), lazy
        (correct,) = cluster.compute(((Z > 0) == (Y > 0.5)).sum())
    train_ok = int(correct)
    train_acc = train_ok / data.m
    elapsed = time.perf_counter() - started
    metadata = _run_metadata(
        args,
        result,
        lambd,
        iterations,
        dataset=str(data.path),
        train_accuracy=train_acc,
        test_accuracy=None,
        m_train=data.m,
        m_test=0,
        dask=args.dask or "threads",
        persisted=persisted,
    )
    model = persistence.Model(
        w=result.w,
        b=result.b,
        feature_names=data.feature_names,
        target=data.target,
        mean=None if scaler is None else scaler.mean,
        std=None if scaler is None else scaler.std,
        label_mapping=data.label_mapping,
        class_names=data.class_names,
        metadata=metadata,
    )
    out = Path(args.out)
    alpha = "" if result.learning_rate is None else f", α = {result.learning_rate:.4g}"
    written = [
        persistence.save_model(model, out),
        plots.cost_curve(
            result.costs,
            result.gradient_max,
            out / "cost.png",
            tol=args.tol,
            title=f"{data.name}: {result.solver}{alpha}, {penalty} (dask)",
        ),
    ]
    _print_summary(
        args,
        result,
        penalty,
        iterations,
        train_line=f"{100 * train_acc:.1f} % ({train_ok}/{data.m})",
        test_line=None,
        elapsed=elapsed,
        written=written,
    )
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    import csv
    import io

    from autograd_lr import files
    from autograd_lr.datasets import load_csv, load_features
    from autograd_lr.datasets.csv import read_table
    from autograd_lr.training import persistence

    model = persistence.load_model(args.model)
    data_path = Path(args.data)
    X = load_features(data_path, model.feature_names)
    A = model.probabilities(X)[0]
    labels = (A > 0.5).astype(int)
    output = (
        Path(args.output)
        if args.output
        else data_path.with_name(f"{data_path.stem}.predictions.csv")
    )
    known = None  # the labels, when the file has the model's label column: read before writing
    if model.target and model.target in read_table(data_path).header:
        known = load_csv(
            data_path,
            target=model.target,
            features=model.feature_names,
            label_mapping=model.label_mapping,
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["probability", "prediction", "class"])
    for a, label in zip(A, labels, strict=True):
        writer.writerow([repr(float(a)), int(label), model.class_names[label]])
    output.parent.mkdir(parents=True, exist_ok=True)
    files.atomic_write_bytes(output, buffer.getvalue().encode())
    print(f"predicted  {A.size} examples with {args.model} ({model.n_x} features)")
    print(
        f"classes    {int((labels == 0).sum())} × {model.class_names[0]} (0), "
        f"{int((labels == 1).sum())} × {model.class_names[1]} (1)"
    )
    if known is not None:
        accuracy, correct = _accuracy(labels.reshape(1, -1), known.Y)
        print(
            f"accuracy   {100 * accuracy:.1f} % ({correct}/{known.m}) against column {model.target!r}"
        )
    print(f"wrote      {output}")
    return EXIT_OK


def _seed(text: str) -> int | str:
    """``--seed``: a whole number, or ``random`` (drawn per run, recorded in the report)."""
    if text == "random":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number or 'random', got {text!r}"
        ) from None


def _size(text: str) -> int:
    """``2G``, ``512M``, ``64K`` or bytes."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    number, unit = (text[:-1], units[text[-1].upper()]) if text[-1:].upper() in units else (text, 1)
    try:
        value = float(number) * unit
    except ValueError:
        value = -1.0
    if not (value >= 1 and value < 2**62):
        raise argparse.ArgumentTypeError(f"expected a size like 2G, 512M or 65536, got {text!r}")
    return int(value)


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names or not all(all(p.isidentifier() for p in n.split(".")) for n in names):
        raise argparse.ArgumentTypeError(f"expected module names like jax,torch, got {text!r}")
    return tuple(n.partition(".")[0] for n in names)


def _points(text: str) -> dict[str, float]:
    """``dw=2,db=1,cost=1``: the points of each quantity."""
    out = {"dw": 1.0, "db": 1.0, "cost": 1.0}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip() not in out:
            raise argparse.ArgumentTypeError(f"expected dw=N,db=N,cost=N, got {text!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected dw=N,db=N,cost=N, got {text!r}") from None
        if not 0 <= out[name.strip()] < float("inf"):
            raise argparse.ArgumentTypeError(f"points must be finite and >= 0, got {text!r}")
    return out


_whole = _checked(int, lambda v: v >= 1, "a whole number >= 1")
# the limits of one run: (option, field of sandbox.Limits, type, metavar, help)
_LIMITS = (
    ("--timeout", "timeout", _positive, "SECONDS", "wall-clock seconds per submission"),
    ("--memory-limit", "memory", _size, "SIZE", "memory per submission, like 2G or 512M"),
    ("--cpu-limit", "cpu_seconds", _whole, "SECONDS", "CPU seconds per process"),
    ("--file-size-limit", "file_size", _size, "SIZE", "largest file a submission may write"),
    ("--process-limit", "processes", _whole, "N", "processes per submission"),
    ("--open-files-limit", "open_files", _whole, "N", "open files per process"),
)


def _grading_options(parser: argparse.ArgumentParser) -> None:
    """The options ``check`` and ``grade`` share."""
    parser.add_argument("--output", metavar="FILE", help="write the JSON report (atomically)")
    parser.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json")
    parser.add_argument(
        "--sandbox",
        choices=("auto", "require", "none"),
        default="auto",
        help="auto: bubblewrap when it works, else a separate process with limits (and say "
        "so); require: refuse to grade without bubblewrap; none: no sandbox (default auto)",
    )
    from autograd_lr.checking.sandbox import Limits

    for option, name, kind, metavar, text in _LIMITS:
        default = getattr(Limits(), name)
        shown = f"{default / 2**20:g}M" if kind is _size else f"{default:g}"
        parser.add_argument(
            option, dest=name, type=kind, default=default, metavar=metavar,
            help=f"{text} (default {shown})",
        )  # fmt: skip
    parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="problem seed, or 'random' (drawn per run, recorded; default 0)",
    )
    parser.add_argument(
        "--forbid-imports",
        type=_names,
        default=(),
        metavar="MODULES",
        help="refuse submissions that import these (e.g. jax,torch,autograd): outcome forbidden_import",
    )
    parser.add_argument(
        "--points",
        type=_points,
        default={"dw": 1.0, "db": 1.0, "cost": 1.0},
        metavar="dw=N,db=N,cost=N",
        help="partial credit per quantity (default 1 each)",
    )
    parser.add_argument(
        "--lambd",
        type=float,
        default=None,
        metavar="λ",
        help="check an L2 propagate(w, b, X, Y, lambd) against J + (λ/2m)‖w‖²",
    )
    parser.add_argument(
        "--hints",
        choices=("concept", "location", "fix"),
        default="fix",
        help="how much the diagnosis says: concept (what is wrong and why), location (which "
        "quantity and step), fix (the corrected line) (default fix)",
    )
    parser.add_argument(
        "--mode",
        choices=("auto", "fast", "full"),
        default="auto",
        help="full: every coordinate; fast: random directions, drilling down on a mismatch "
        "(default auto: fast above 500 features)",
    )


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

    train = commands.add_parser(
        "train",
        help="train on a data set with the hand-derived gradients; save the model and plots",
        description="Train logistic regression (gradient descent or Newton over the "
        "hand-derived gradients), show a progress bar with the current cost, and write "
        "the model (model.json), the cost curve (cost.png) and, for two features, the "
        "decision boundary (decision_boundary.png) to --out.",
    )
    train.add_argument(
        "--dataset",
        default=None,
        metavar="breast-cancer|two-feature|PATH.csv",
        help="a built-in data set or a CSV file (default breast-cancer)",
    )
    train.add_argument("--target", metavar="COL", help="the label column of a CSV file")
    train.add_argument(
        "--learning-rate",
        type=_learning_rate,
        default="auto",
        metavar="α",
        help="gradient descent's α, or 'auto' for 1/L, L the largest curvature of J (default auto)",
    )
    train.add_argument(
        "--iterations",
        type=_count,
        default=None,
        help=f"the most updates (default {DEFAULT_ITERATIONS['gd']} for gd, "
        f"{DEFAULT_ITERATIONS['newton']} for newton)",
    )
    train.add_argument(
        "--tol",
        type=_non_negative,
        default=1e-4,
        help="stop when max |∂J| <= tol; 0 runs all iterations (default 1e-4)",
    )
    penalty = train.add_mutually_exclusive_group()
    penalty.add_argument(
        "--l2",
        type=_non_negative,
        default=1.0,
        metavar="λ",
        help="L2 strength λ in J + (λ/2m)‖w‖² (default 1, i.e. C = 1 as in scikit-learn)",
    )
    penalty.add_argument("--C", type=_positive, default=None, help="scikit-learn's C = 1/λ")
    train.add_argument("--solver", choices=("gd", "newton"), default="gd", help="default gd")
    train.add_argument("--out", default="out", metavar="DIR", help="output directory (default out)")
    train.add_argument(
        "--test-fraction",
        type=_fraction,
        default=None,
        help="share of examples held out for testing, stratified (default 0.2)",
    )
    train.add_argument(
        "--seed", type=int, default=None, help="split (and two-feature data) seed (default 0)"
    )
    train.add_argument(
        "--no-standardize",
        dest="standardize",
        action="store_false",
        help="train on the raw features (default: standardize with the training mean/std)",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument(
        "--data",
        metavar="DIR",
        help="instead of --dataset: a data set stored in chunks (zarr or .npy shards, "
        "written by autograd_lr.datasets.save_chunked), trained with dask on every example",
    )
    train.add_argument(
        "--dask",
        metavar="SCHEDULER|local",
        help="with --data: run on the dask cluster at this scheduler address "
        "(tcp://host:8786), or on a new one on this machine ('local'); without it, "
        "dask's threads in this process",
    )
    train.set_defaults(handler=_train)

    predict = commands.add_parser(
        "predict",
        help="predict the labels of a CSV file with a saved model",
        description="Read the model's feature columns from a CSV file (by name; other "
        "columns are ignored) and write one line per example: probability a, prediction "
        "0/1 and its class name. If the file has the label column, print the accuracy.",
    )
    predict.add_argument("--model", required=True, metavar="DIR", help="a directory from `train`")
    predict.add_argument("data", metavar="DATA.csv", help="examples to predict, one per line")
    predict.add_argument(
        "--output",
        metavar="PATH",
        help="predictions file (default: DATA.predictions.csv next to DATA.csv)",
    )
    predict.set_defaults(handler=_predict)

    check = commands.add_parser(
        "check",
        help="grade one submission's propagate (dw, db, cost) in a sandbox",
        description="Run TARGET (path/to/file.py:function, notebook.ipynb:function or "
        "package.module:function, propagate's contract) in a bubblewrap sandbox on "
        "deterministic problems; compare dw, db and the cost with jax.grad and finite "
        "differences outside it, and name the mistake. Exit 0 pass; 1 fail, timeout, crash "
        "or forbidden import; 2 cannot load or bad usage. See docs/grading.md.",
    )
    check.add_argument(
        "target",
        metavar="TARGET",
        help="file.py:function, notebook.ipynb:function or pkg.module:function",
    )
    check.add_argument("--json", action="store_true", help="print the JSON report")
    _grading_options(check)
    check.set_defaults(handler=_check)

    grade = commands.add_parser(
        "grade",
        help="grade a class: many submissions in parallel sandboxes, gradebook.csv and .json",
        description="Grade every SUBMISSION (.py files, .ipynb notebooks, or folders of "
        "them) with the same problems, computed once; run --jobs sandboxes at a time and "
        "write DIR/gradebook.csv and DIR/gradebook.json. Exit 0 when all pass, else 1.",
    )
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    grade.add_argument(
        "--function", default="propagate", help="the function to grade (default propagate)"
    )
    grade.add_argument(
        "--jobs",
        type=_whole,
        default=2,
        help="sandboxes at a time (default 2)",
    )
    grade.add_argument(
        "--out", default="grades", metavar="DIR", help="gradebook folder (default grades)"
    )
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    _grading_options(grade)
    grade.set_defaults(handler=_grade)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (UsageError, ValueError) as exc:
        print(f"autograd-lr {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a missing file, a directory that is a file, no permission...
        where = f" {exc.filename}" if exc.filename else ""
        reason = exc.strerror or str(exc)
        print(
            f"autograd-lr {args.command}: error: cannot use{where}: {reason}; "
            f"check the path (and --out / --output)",
            file=sys.stderr,
        )
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
