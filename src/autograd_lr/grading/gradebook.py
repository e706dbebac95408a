r"""A whole class: grade many submissions in parallel; write the gradebook and Gradescope's file.

:func:`grade_all` grades every submission with one :class:`~autograd_lr.grading.grader.Grader`
(the expected values and the models of mistakes computed once), ``jobs`` sandboxes at a
time. :func:`write_gradebook` writes ``gradebook.csv`` (one row per submission: file,
outcome, passed, score, max_score, mistakes, error) and ``gradebook.json``
(``schema/gradebook.schema.json``: the summary, with what the class got wrong
(:mod:`~autograd_lr.grading.summary`), and every submission's full report);
:func:`gradescope_results` is Gradescope's autograder ``results.json``
(``schema/gradescope.schema.json``): one test per quantity (``dw``, ``db``, ``cost``;
``optimize: w``, ``optimize: costs``, ... for another exercise) worth its points, the
diagnosis in its ``output``. Graded on several exercises (``--function
propagate,optimize``), a submission has a column group per exercise in ``gradebook.csv``,
each exercise's gradebook, points and the totals in ``gradebook.json``, and every
exercise's tests in ``results.json``. Every file is written atomically.

What comes from a submission (its file's name, its messages) is shown with its control
characters escaped (:func:`~autograd_lr.grading.answers.printable`), and a CSV cell of
such text that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with a single quote, as OWASP recommends
against CSV injection; numbers and the grader's own words are written as they are.
"""

from __future__ import annotations

import builtins
import contextlib
import csv
import io
import json
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lr._version import __version__
from autograd_lr.files import atomic_write_text
from autograd_lr.grading.answers import printable
from autograd_lr.grading.grader import SCHEMA_VERSION, Graded, Grader
from autograd_lr.grading.summary import counts

if TYPE_CHECKING:
    from autograd_lr.grading.submissions import Submission

CSV_COLUMNS = ("file", "outcome", "passed", "score", "max_score", "mistakes", "error")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads these as a formula


def grade_all(
    grader: Grader,
    submissions: Sequence[Submission],
    *,
    jobs: int = 2,
    progress: Callable[[Graded], None] | None = None,
) -> list[Graded]:
    """Grade every submission, ``jobs`` at a time; results in the order given."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")

    def one(submission: Submission) -> Graded:
        graded = grader.grade(submission)
        if progress is not None:
            progress(graded)
        return graded

    with _one_compile_at_a_time(jobs > 1), ThreadPoolExecutor(jobs, "grade") as pool:
        return list(pool.map(one, submissions))


# CPython before 3.11.8 and 3.12.2 keeps the AST converters' recursion depth per interpreter,
# not per thread: two threads parsing at once raise "SystemError: AST constructor recursion
# depth mismatch" (python/cpython#106905), which graded a correct file as cannot_load.
_AST_RACE = sys.version_info < (3, 11, 8) or (3, 12) <= sys.version_info < (3, 12, 2)


@contextlib.contextmanager
def _one_compile_at_a_time(threads: bool) -> Iterator[None]:
    """While grading threads run, ``compile`` (which ``ast.parse`` calls) takes a lock, on
    the Pythons whose AST conversion races between threads; elsewhere nothing changes."""
    if not (threads and _AST_RACE):
        yield
        return
    lock = threading.Lock()
    original = builtins.compile

    def compile_locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)

    builtins.compile = compile_locked
    try:
        yield
    finally:
        builtins.compile = original


def named(report: dict[str, Any]) -> list[str]:
    """What a submission's report names: its mistakes (the facts of the run, and the output
    models' names where there was no source to trace), then the correction rules of its
    verified repairs."""
    rules = [r for d in report.get("diagnosis", []) for r in d.get("rules", [])]
    return [*report["mistakes"], *dict.fromkeys(r for r in rules if r not in report["mistakes"])]


def summary(results: Sequence[Graded]) -> dict[str, Any]:
    """Counts per outcome and per mistake, the mean score, and the named causes and located
    lines by exercise and step (:func:`autograd_lr.grading.summary.counts`)."""
    n = len(results)
    reports = [r.to_dict() for r in results]
    mistakes: Counter[str] = Counter()
    for d in reports:
        mistakes.update(named(d))
    return {
        "submissions": n,
        "outcomes": dict(Counter(r.outcome for r in results)),
        "mistakes": dict(mistakes.most_common()),
        "mean_score": sum(d["score"] for d in reports) / n if n else 0.0,
        "findings": counts(reports),
    }


def gradebook(grader: Grader, results: Sequence[Graded]) -> dict[str, Any]:
    """The content of ``gradebook.json``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "autograd_lr_version": __version__,
        "function": grader.options.function,
        "seeds": {"problems": grader.seed, "random": grader.options.seed == "random"},
        "sandbox": grader.sandbox_dict(),
        "max_score": sum(grader.points.values()),
        "points": dict(grader.points),
        "summary": summary(results),
        "submissions": [r.to_dict() for r in results],
    }


def _csv_cell(text: str) -> str:
    """A cell of a submission's text: printable, and never read as a formula."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(results: Sequence[Graded]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        d = r.to_dict()
        writer.writerow(
            [
                _csv_cell(d["file"]),
                d["outcome"],
                "true" if d["passed"] else "false",
                f"{d['score']:g}",
                f"{d['max_score']:g}",
                ";".join(named(d)),
                _csv_cell(d["error"] or ""),
            ]
        )
    return buffer.getvalue()


def write_gradebook(folder: Path, grader: Grader, results: Sequence[Graded]) -> list[Path]:
    """Write ``folder/gradebook.csv`` and ``folder/gradebook.json``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "gradebook.csv", folder / "gradebook.json"]
    atomic_write_text(paths[0], csv_text(results))
    atomic_write_text(paths[1], json.dumps(gradebook(grader, results), indent=2) + "\n")
    return paths


def table(results: Sequence[Graded]) -> str:
    """The summary printed after a batch: one line per submission, then the counts."""
    names = [printable(r.file) for r in results]
    width = max([len(n) for n in names] + [10])
    lines = [f"{'submission':<{width}}  {'outcome':<16}{'score':>9}  mistakes / error"]
    for r, name in zip(results, names, strict=True):
        d = r.to_dict()
        why = printable(", ".join(named(d)) or (d["error"] or ""))
        score = f"{d['score']:g}/{d['max_score']:g}"
        lines.append(f"{name:<{width}}  {r.outcome:<16}{score:>9}  {why[:80]}")
    s = summary(results)
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(s["outcomes"].items()))
    lines += ["", f"{s['submissions']} submissions: {outcomes}; mean score {s['mean_score']:.2f}"]
    return "\n".join(lines)


def gradescope_test_name(graded: Graded, quantity: str) -> str:
    """The Gradescope test of one quantity: ``dw`` for propagate, ``optimize: w`` for
    another exercise (``predict`` alone when the exercise has one quantity)."""
    function = graded.grader.options.function
    if graded.grader.exercise is None:
        return quantity
    return function if len(graded.grader.points) == 1 else f"{function}: {quantity}"


def gradescope_results(graded: Graded) -> dict[str, Any]:
    r"""Gradescope's ``results.json``: a test per quantity, its points when it is right.

    The diagnosis (or why nothing could be checked) goes into each failing test's
    ``output`` and into the top-level ``output``.
    """
    d = graded.to_dict()
    diagnosis = "\n".join(
        f"{x['message']}" + (f"\nfix: {x['fix']}" if x.get("fix") else "") for x in d["diagnosis"]
    )
    right = graded.right()
    tests = []
    for name, points in graded.grader.points.items():
        q = d["quantities"].get(name, {})
        earned = d["scores"][name]
        if right[name]:
            output = f"{name} agrees with the oracles"
        elif d["outcome"] not in ("pass", "fail"):
            output = f"not checked: {d['error']}"
        else:
            status = q.get("status", "not run")
            if status == "ok":  # right where it was compared; the function failed as a whole
                status = "ok where it was compared, but the function failed (see below)"
            output = f"{name}: {status}" + (f"\n{diagnosis}" if diagnosis else "")
        tests.append(
            {
                "name": gradescope_test_name(graded, name),
                "score": earned,
                "max_score": points,
                "status": "passed" if right[name] else "failed",
                "output": printable(output, lines=True),
                "visibility": "visible",
            }
        )
    summary_text = graded.headline() + (f"\n\n{diagnosis}" if diagnosis else "")
    note = graded.grader.sandbox_note()
    if note:
        summary_text += f"\n\n{note}"
    return {
        "score": d["score"],
        "output": printable(summary_text, lines=True),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "execution_time": d["seconds"],
        "tests": tests,
    }


def write_gradescope(path: Path, graded: Graded) -> None:
    atomic_write_text(path, json.dumps(gradescope_results(graded), indent=2) + "\n")


# --- several exercises per submission -------------------------------------------------------


def exercises_csv_text(functions: Sequence[str], results: Sequence[Sequence[Graded]]) -> str:
    """One row per submission: per exercise its outcome, score and maximum, then the total.

    ``results[k][i]`` is exercise ``functions[k]`` of submission ``i``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["file"]
    for name in functions:
        header += [f"{name}_outcome", f"{name}_score", f"{name}_max_score"]
    writer.writerow([*header, "score", "max_score"])
    for row in zip(*results, strict=True):
        dicts = [r.to_dict() for r in row]
        cells = [_csv_cell(dicts[0]["file"])]
        for d in dicts:
            cells += [d["outcome"], f"{d['score']:g}", f"{d['max_score']:g}"]
        total = sum(d["score"] for d in dicts)
        most = sum(d["max_score"] for d in dicts)
        writer.writerow([*cells, f"{total:g}", f"{most:g}"])
    return buffer.getvalue()


def exercises_gradebook(
    graders: Sequence[Grader], results: Sequence[Sequence[Graded]]
) -> dict[str, Any]:
    """The content of ``gradebook.json`` for several exercises (``gradebook.schema.json``,
    its second form): the points of every quantity of each exercise, the total, each
    exercise's own gradebook (its column of submissions), and per submission its score
    per exercise and in total."""
    functions = [g.options.function for g in graders]
    totals = []
    for row in zip(*results, strict=True):
        dicts = [r.to_dict() for r in row]
        totals.append(
            {
                "file": dicts[0]["file"],
                "scores": {f: d["score"] for f, d in zip(functions, dicts, strict=True)},
                "score": sum(d["score"] for d in dicts),
                "max_score": sum(d["max_score"] for d in dicts),
                "passed": all(r.passed for r in row),
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "autograd_lr_version": __version__,
        "functions": functions,
        "points": {g.options.function: dict(g.points) for g in graders},
        "max_score": sum(sum(g.points.values()) for g in graders),
        "exercises": {
            f: gradebook(g, rs) for f, g, rs in zip(functions, graders, results, strict=True)
        },
        "totals": totals,
    }


def write_exercises_gradebook(
    folder: Path, graders: Sequence[Grader], results: Sequence[Sequence[Graded]]
) -> list[Path]:
    """``folder/gradebook.csv`` (a column group per exercise) and ``folder/gradebook.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "gradebook.csv", folder / "gradebook.json"]
    functions = [g.options.function for g in graders]
    atomic_write_text(paths[0], exercises_csv_text(functions, results))
    atomic_write_text(paths[1], json.dumps(exercises_gradebook(graders, results), indent=2) + "\n")
    return paths


def exercises_gradescope_results(graded: Sequence[Graded]) -> dict[str, Any]:
    """Gradescope's ``results.json`` for one submission graded on several exercises: every
    exercise's tests, one per quantity (:func:`gradescope_test_name`; ``propagate: dw`` for
    propagate's), each worth its points; the output each exercise's headline and diagnosis."""
    tests: list[dict[str, Any]] = []
    outputs = []
    for g in graded:
        one = gradescope_results(g)
        for test in one["tests"]:
            if g.grader.exercise is None:  # propagate's quantities, named for the exercise
                test["name"] = f"{g.grader.options.function}: {test['name']}"
            tests.append(test)
        outputs.append(one["output"])
    return {
        "score": sum(t["score"] for t in tests),
        "output": "\n\n".join(outputs),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "execution_time": sum(g.to_dict()["seconds"] for g in graded),
        "tests": tests,
    }


def exercises_table(functions: Sequence[str], results: Sequence[Sequence[Graded]]) -> str:
    """The summary printed after a batch graded on several exercises."""
    rows = list(zip(*results, strict=True))
    names = [printable(row[0].file) for row in rows]
    width = max([len(n) for n in names] + [10])
    lines = [f"{'submission':<{width}}  " + "  ".join(f"{f:>22}" for f in functions) + "  total"]
    for row, name in zip(rows, names, strict=True):
        cells = []
        for r in row:
            d = r.to_dict()
            cells.append(f"{r.outcome} {d['score']:g}/{d['max_score']:g}".rjust(22))
        total = sum(r.to_dict()["score"] for r in row)
        most = sum(r.to_dict()["max_score"] for r in row)
        lines.append(f"{name:<{width}}  " + "  ".join(cells) + f"  {total:g}/{most:g}")
    return "\n".join(lines)
