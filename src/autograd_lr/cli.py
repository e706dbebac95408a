"""``autograd-lr``: the command-line face of the library (nothing in the library imports it).

Exit codes: 0 success, 1 a check failed, 2 usage or input error (one line, no traceback).

Six subcommands (verify, train, predict, check, grade, derivation), each an argparse
parser and a handler that calls one library function and prints its result. The module
is longer than the others (about 600 lines) because it holds every option's help text in
one parser; it holds no logic of its own: training is :func:`autograd_lr.train`, grading
:mod:`autograd_lr.grading.grader`, derivations :mod:`autograd_lr.teaching.documents`.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lr._version import __version__
from autograd_lr.checking.findings import HINT_LEVELS  # the checker's levels, one home
from autograd_lr.files import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    from autograd_lr.grading.submissions import Submission

# The rooms a command runs (the grader, training, the data sets, the derivation checker)
# are imported inside that command's functions, and its parser declares the options of
# the command it runs alone (:func:`build_parser`): ``autograd-lr --version`` and ``--help``
# then load no room, numpy included (0.05 s of CPU instead of 0.40 s; the grader alone
# takes 0.35 s).

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its inputs: printed as one line, exit code 2."""


def _verify(args: argparse.Namespace) -> int:
    from autograd_lr.teaching import verify  # a room, loaded by its command (note above)

    report = verify.run(
        m=args.m, seed=args.seed, iterations=args.iterations, learning_rate=args.learning_rate
    )
    print(report)
    return EXIT_OK if report.passed else EXIT_FAILED


# --- check / grade ------------------------------------------------------------------------


def _grader(
    args: argparse.Namespace, function: str, found: Sequence[Submission], graded: Sequence[str] = ()
) -> Any:
    """The Grader of ``check`` and ``grade`` (prepared before any submission runs) for the
    submissions ``found``; ``graded``: every function of the run, among which ``--points``
    is shared."""
    from autograd_lr.grading import grader as grading_grader  # a room (note above)
    from autograd_lr.grading import sandbox

    points = grading_grader.assign_points(args.points, graded or [function])[function]
    limits = sandbox.Limits(**{name: getattr(args, name) for _, name, *_ in _LIMITS})
    options = grading_grader.Options(
        function=function,
        lambd=args.lambd,
        seed=args.seed,
        fast={"fast": True, "full": False}.get(args.mode, "auto"),
        sandbox=args.sandbox,
        limits=limits,
        forbid=args.forbid_imports,
        points=points,
        hints=args.hints,
        search_seconds=args.search_seconds,
        notebooks=any(s.path.suffix == ".ipynb" for s in found),  # else nbformat is not loaded
    )
    try:
        grader = grading_grader.Grader(options)
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
    from autograd_lr.grading import gradebook, submissions  # rooms, before any run (note above)
    from autograd_lr.grading.answers import printable

    submission = submissions.resolve(args.target)
    graded = _grader(args, submission.function, [submission]).grade(submission)
    report = graded.to_dict()
    # written only now: the sandbox and everything it started are gone
    if args.output:
        atomic_write_text(args.output, json.dumps(report, indent=2) + "\n")
    if args.gradescope:
        gradebook.write_gradescope(Path(args.gradescope), graded)
    # the text view quotes the submission (its messages, its lines): no control character raw
    print(json.dumps(report, indent=2) if args.json else printable(str(graded), lines=True))
    if graded.outcome == "cannot_load" and not args.json:
        print(f"autograd-lr check: error: {printable(graded.error)}", file=sys.stderr)
    return int(graded.exit_code)


def _grade(args: argparse.Namespace) -> int:
    """Grade many submissions; write the gradebook; exit 0 when every one passed, else 1."""
    from tqdm import tqdm  # with the rooms, before any run (note above)

    from autograd_lr.grading import gradebook, submissions, summary

    functions = [f.strip() for f in args.function.split(",") if f.strip()]
    if len(functions) > 1:
        return _grade_exercises(args, functions)
    found = submissions.expand(args.submissions, args.function)
    if args.gradescope and len(found) != 1:
        raise UsageError(
            f"--gradescope writes one student's results.json, but {len(found)} submissions "
            "were found: give the one file (or a folder holding one)"
        )
    grader = _grader(args, args.function, found)

    plots = summary.warm_up_matplotlib()  # matplotlib, imported before any submission runs
    bar = None
    if not args.no_progress:
        bar = tqdm(total=len(found), unit="submission", file=sys.stderr)

    def tick(_: Any) -> None:
        if bar is not None:
            bar.update()

    results = gradebook.grade_all(grader, found, jobs=args.jobs, progress=tick)
    if bar is not None:
        bar.close()
    # the files first: whatever the terminal does with the table, the gradebook is written
    written = gradebook.write_gradebook(Path(args.out), grader, results)
    written += summary.write_summary(Path(args.out), [r.to_dict() for r in results])
    if not plots:
        print(
            "autograd-lr grade: mistakes.png not drawn: install autograd-lr[plots]", file=sys.stderr
        )
    if args.gradescope:
        gradebook.write_gradescope(Path(args.gradescope), results[0])
        written.append(Path(args.gradescope))
    print(gradebook.table(results))
    for path in written:
        print(f"wrote      {path}")
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAILED


def _grade_exercises(args: argparse.Namespace, functions: list[str]) -> int:
    """Grade every submission on several exercises (``--function propagate,optimize``):
    one grader per exercise, a column group per exercise in the gradebook."""
    from autograd_lr.grading import gradebook, submissions  # rooms, before any run (note above)

    if len(set(functions)) != len(functions):
        raise UsageError(f"--function names an exercise twice: {','.join(functions)}")
    found = submissions.expand(args.submissions, functions[0])
    if args.gradescope and len(found) != 1:
        raise UsageError(
            f"--gradescope writes one student's results.json, but {len(found)} submissions "
            "were found: give the one file (or a folder holding one)"
        )
    graders = [_grader(args, f, found, functions) for f in functions]
    results = []
    for function, grader in zip(functions, graders, strict=True):
        mine = [dataclasses.replace(s, function=function) for s in found]
        results.append(gradebook.grade_all(grader, mine, jobs=args.jobs))
    written = gradebook.write_exercises_gradebook(Path(args.out), graders, results)
    if args.gradescope:
        one = gradebook.exercises_gradescope_results([r[0] for r in results])
        atomic_write_text(Path(args.gradescope), json.dumps(one, indent=2) + "\n")
        written.append(Path(args.gradescope))
    print(gradebook.exercises_table(functions, results))
    for path in written:
        print(f"wrote      {path}")
    return EXIT_OK if all(r.passed for rs in results for r in rs) else EXIT_FAILED


def _derivation(args: argparse.Namespace) -> int:
    """Check the derivation blocks of a Markdown file or notebook: exit 0 / 1 / 2."""
    from autograd_lr.teaching import documents  # a room (note above); sympy takes seconds

    try:
        checked = documents.check_document(args.file, hints=args.hints)
        error = None
    except documents.DocumentError as exc:
        checked, error = None, str(exc)
    payload = documents.payload(str(args.file), checked, error)
    if args.json:
        text = json.dumps(payload, indent=2) + "\n"
        if args.output:
            atomic_write_text(args.output, text)
        else:
            print(text, end="")
    elif checked is not None:
        print(documents.render(checked))
    if error is not None and not (args.json and not args.output):
        print(f"autograd-lr derivation: error: {error}", file=sys.stderr)
    return int(payload["exit_code"])


def _learning_rate(text: str) -> float | str:
    """``--learning-rate``: a number > 0, or ``auto`` for α = 1/L (validation's rule)."""
    from autograd_lr.validation import validate_learning_rate  # numpy (note above)

    try:
        return validate_learning_rate(text if text == "auto" else float(text), allow_auto=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (got {text!r})") from None


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
_seconds = _checked(float, lambda v: 0 <= v < float("inf"), "a number of seconds >= 0")
_non_negative = _checked(float, lambda v: 0 <= v < float("inf"), "a finite number >= 0")
_count = _checked(int, lambda v: v >= 0, "a whole number >= 0")
_fraction = _checked(
    float, lambda v: 0 <= v < 1, "a number in [0, 1)", " (0 keeps every example for training)"
)


def _train(args: argparse.Namespace) -> int:
    """``train``: :func:`autograd_lr.training.pipeline.train` (or ``train_chunked`` with --data)."""
    from autograd_lr.training import pipeline  # a room, loaded by its command (note above)

    options = pipeline.TrainOptions(
        solver=args.solver,
        learning_rate=args.learning_rate,
        iterations=args.iterations,
        tol=args.tol,
        lambd=None if args.C is not None else args.l2,
        C=args.C,
        standardize=args.standardize,
        out=args.out,
        progress=not args.no_progress,
        echo=print,
    )
    if args.data is not None or args.dask is not None:
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
                f"{', '.join(given)} cannot be used with --data: a chunked data set has its "
                f"labels and trains on every example (keep test examples in a data set of "
                f"their own)"
            )
        result = pipeline.train_chunked(args.data, dask=args.dask, options=options)
    else:
        # None means "not given", so that --data can refuse these; here they take defaults
        result = pipeline.train(
            "breast-cancer" if args.dataset is None else args.dataset,
            target=args.target,
            test_fraction=0.2 if args.test_fraction is None else args.test_fraction,
            seed=0 if args.seed is None else args.seed,
            options=options,
        )
    print(result.summary())
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    # rooms, loaded by their command (note above)
    from autograd_lr.course import accuracy_text
    from autograd_lr.datasets import load_csv, load_features
    from autograd_lr.datasets.csv import read_table
    from autograd_lr.training import persistence

    model = persistence.load_model(args.model)
    data_path = Path(args.data)
    X = load_features(data_path, model.feature_names)
    A = model.probabilities(X)[0]
    labels = model.predict(X)[0].astype(int)  # forward.predict_labels, the one rule
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
    atomic_write_bytes(output, buffer.getvalue().encode())
    print(f"predicted  {A.size} examples with {args.model} ({model.n_x} features)")
    print(
        f"classes    {int((labels == 0).sum())} × {model.class_names[0]} (0), "
        f"{int((labels == 1).sum())} × {model.class_names[1]} (1)"
    )
    if known is not None:
        correct = int((labels.reshape(1, -1) == known.Y).sum())
        print(f"accuracy   {accuracy_text(correct, known.m)} against column {model.target!r}")
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


def _points(text: str) -> tuple[tuple[str, float], ...]:
    """``optimize=5,propagate.dw=2`` or ``dw=2,db=1,cost=1``: points per exercise or quantity."""
    from autograd_lr.grading.grader import parse_points  # a room (note above)

    try:
        return parse_points(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_whole = _checked(int, lambda v: v >= 1, "a whole number >= 1")
# the limits of one run: (option, field of sandbox.Limits, type, metavar, help)
_LIMITS = (
    ("--timeout", "timeout", _positive, "SECONDS", "wall-clock seconds per submission"),
    ("--memory-limit", "memory", _size, "SIZE", "memory per submission, like 2G or 512M"),
    ("--cpu-limit", "cpu_seconds", _whole, "SECONDS", "CPU seconds per process"),
    ("--file-size-limit", "file_size", _size, "SIZE", "largest file a submission may write"),
    ("--disk-limit", "disk", _size, "SIZE", "all a submission may write in its private copy"),
    ("--process-limit", "processes", _whole, "N", "processes per submission"),
    ("--open-files-limit", "open_files", _whole, "N", "open files per process"),
)


def _hints() -> argparse.ArgumentParser:
    """``--hints``, shared by ``check``, ``grade`` and ``derivation`` (an argparse parent)."""
    hints = argparse.ArgumentParser(add_help=False)
    hints.add_argument(
        "--hints",
        choices=HINT_LEVELS,
        default="fix",
        help="how much a diagnosis says: concept (what is wrong and why), location (and "
        "which quantity or step), fix (and the corrected line or the true expression) "
        "(default fix)",
    )
    return hints


def _progress() -> argparse.ArgumentParser:
    """``--no-progress``, shared by ``train`` and ``grade`` (an argparse parent)."""
    progress = argparse.ArgumentParser(add_help=False)
    progress.add_argument("--no-progress", action="store_true", help="no progress bar")
    return progress


def _json_report() -> argparse.ArgumentParser:
    """``--json``, shared by ``check`` and ``derivation`` (an argparse parent)."""
    json_report = argparse.ArgumentParser(add_help=False)
    json_report.add_argument(
        "--json", action="store_true", help="print the JSON report instead of the text"
    )
    return json_report


def _grading() -> argparse.ArgumentParser:
    """The options ``check`` and ``grade`` share (an argparse parent), ``--hints`` among them."""
    from autograd_lr.grading import grader as grading_grader  # its defaults (note above)
    from autograd_lr.grading import sandbox

    parser = argparse.ArgumentParser(add_help=False, parents=[_hints()])
    parser.add_argument("--output", metavar="FILE", help="write the JSON report (atomically)")
    parser.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json")
    parser.add_argument(
        "--sandbox",
        choices=("auto", "require", "none"),
        default="auto",
        help="auto: bubblewrap when it works, else a separate process with limits (and say "
        "so); require: refuse to grade without bubblewrap; none: no sandbox (default auto)",
    )
    for option, name, kind, metavar, text in _LIMITS:
        default = getattr(sandbox.Limits(), name)
        shown = f"{default / 2**20:g}M" if kind is _size else f"{default:g}"
        parser.add_argument(
            option, dest=name, type=kind, default=default, metavar=metavar,
            help=f"{text} (default {shown})",
        )  # fmt: skip
    parser.add_argument(
        "--search-seconds",
        type=_seconds,
        default=grading_grader.Options().search_seconds,
        metavar="SECONDS",
        help="wall-clock seconds of the search for a repair of a failed submission, whose "
        "candidate programs run in the sandbox too; 0: no search "
        f"(default {grading_grader.Options().search_seconds:g})",
    )
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
        default=(),
        metavar="EXERCISE=N,EXERCISE.QUANTITY=N",
        help="partial credit per quantity: optimize=5 shares 5 points among optimize's "
        "quantities, optimize.costs=2 gives one quantity 2, dw=2 the quantity of the one "
        "graded exercise that has it (default 1 point per quantity)",
    )
    parser.add_argument(
        "--lambd",
        type=float,
        default=None,
        metavar="λ",
        help="check an L2 propagate(w, b, X, Y, lambd) against J + (λ/2m)‖w‖²",
    )
    parser.add_argument(
        "--mode",
        choices=("auto", "fast", "full"),
        default="auto",
        help="full: every coordinate; fast: random directions, drilling down on a mismatch "
        "(default auto: fast above 500 features)",
    )
    return parser


def _verify_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser("verify", help=SUMMARIES["verify"])
    verify.add_argument("--m", type=int, default=400, help="training examples (default 400)")
    verify.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    verify.add_argument("--iterations", type=int, default=2000, help="default 2000")
    verify.add_argument("--learning-rate", type=float, default=0.5, help="α (default 0.5)")
    verify.set_defaults(handler=_verify)


def _train_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from autograd_lr.training.pipeline import DEFAULT_ITERATIONS  # a room (note above)

    train = commands.add_parser(
        "train",
        parents=[_progress()],
        help=SUMMARIES["train"],
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


def _predict_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    predict = commands.add_parser(
        "predict",
        help=SUMMARIES["predict"],
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


def _check_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        parents=[_json_report(), _grading()],
        help=SUMMARIES["check"],
        description="Run TARGET (path/to/file.py:function, notebook.ipynb:function or "
        "package.module:function, propagate's contract) in a bubblewrap sandbox on "
        "deterministic problems; compare dw, db and the cost with jax.grad and finite "
        "differences outside it, and name the mistake. A function named after another "
        "exercise (sigmoid, initialize_with_zeros, optimize, predict, model) is checked "
        "as that exercise. Exit 0 pass; 1 fail, timeout, crash "
        "or forbidden import; 2 cannot load or bad usage. See docs/grading.md.",
    )
    check.add_argument(
        "target",
        metavar="TARGET",
        help="file.py:function, notebook.ipynb:function or pkg.module:function",
    )
    check.set_defaults(handler=_check)


def _grade_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grade = commands.add_parser(
        "grade",
        parents=[_progress(), _grading()],
        help=SUMMARIES["grade"],
        description="Grade every SUBMISSION (.py files, .ipynb notebooks, or folders of "
        "them) with the same problems, computed once; run --jobs sandboxes at a time and "
        "write DIR/gradebook.csv and DIR/gradebook.json. Exit 0 when all pass, else 1.",
    )
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    grade.add_argument(
        "--function",
        default="propagate",
        help="the exercise to grade, or several separated by commas (propagate,optimize): "
        "initialize_with_zeros, propagate, optimize, predict, model, sigmoid (default propagate)",
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
    grade.set_defaults(handler=_grade)


def _derivation_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    derivation = commands.add_parser(
        "derivation",
        parents=[_json_report(), _hints()],
        help=SUMMARIES["derivation"],
        description="Read every fenced block with the info string 'derivation' (one "
        "'name = expression' line per step, Python syntax or LaTeX; 'derivation lambd=0.7' "
        "for the L2 cost) from a Markdown file or a notebook's Markdown cells, and check "
        "each step against jax.grad of the model's loss. Exit 0 when every step is right, "
        "1 when one is wrong or unreadable, 2 when the file cannot be loaded.",
    )
    derivation.add_argument("file", metavar="FILE", type=Path, help="a .md file or an .ipynb")
    derivation.add_argument(
        "--output", metavar="PATH", help="with --json: write the report to PATH (atomically)"
    )
    derivation.set_defaults(handler=_derivation)


# each command: its line in ``autograd-lr --help``, and what declares its parser
SUMMARIES = {
    "verify": "train on the two-feature data and check the hand-derived gradients "
    "against jax.grad and finite differences",
    "train": "train on a data set with the hand-derived gradients; save the model and plots",
    "predict": "predict the labels of a CSV file with a saved model",
    "check": "grade one submission's exercise (propagate, optimize, ...) in a sandbox",
    "grade": "grade a class: many submissions in parallel sandboxes, gradebook.csv and .json",
    "derivation": "check the derivation blocks (```derivation) of a Markdown file or notebook "
    "step by step against jax.grad",
}
_COMMANDS: dict[str, Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = {
    "verify": _verify_command,
    "train": _train_command,
    "predict": _predict_command,
    "check": _check_command,
    "grade": _grade_command,
    "derivation": _derivation_command,
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: every command's options, or with ``only``, that command's
    alone (the others listed by their line of help), so that a command's parser loads the
    rooms its defaults come from and no other (:func:`main` passes the command it runs)."""

    parser = argparse.ArgumentParser(
        prog="autograd-lr",
        description="Logistic regression with hand-derived gradients, verified by machines.",
    )
    parser.add_argument("--version", action="version", version=f"autograd-lr {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, declare in _COMMANDS.items():
        if only is None or name == only:
            declare(commands)
        else:
            commands.add_parser(name, help=SUMMARIES[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    # the command is the first word that is not an option: the top level's take no value
    parser = build_parser(only=next((w for w in words if not w.startswith("-")), ""))
    args = parser.parse_args(words)
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
