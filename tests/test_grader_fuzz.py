"""One file never stops a class: random and broken files in a class folder, graded.

In process, hypothesis writes random bytes, random JSON and random notebooks (code cells of
random text, lone surrogates and NUL characters included) into a class folder; grading it
(:func:`~autograd_lr.grading.gradebook.grade_all`, the gradebook's files and the printed
table) must never raise, and every file must get its own row. Through the CLI, fifty
broken notebooks of every kind produce a gradebook of fifty rows.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lr.grading import gradebook, submissions
from autograd_lr.grading.grader import GRADER_FAULT, OUTCOMES, Grader, Options
from grader_schema import validate
from test_grader_cli import SUBMISSIONS, _cli

pytestmark = [pytest.mark.xdist_group(name="grader_fuzz"), pytest.mark.slow]
# each example may start a sandboxed child (about a second): few examples, many files each
FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# text with what breaks encoders and parsers: lone surrogates, NUL, controls, newlines
TEXT = st.lists(
    st.characters(codec=None)
    | st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b[2J", "\n", "def propagate(", "%%"]),
    max_size=20,
).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
# a notebook nbformat reads without complaint, but for its code cells' random text
CODE_CELL = st.builds(
    lambda source, k: {
        "cell_type": "code",
        "id": f"cell{k}",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": source,
    },
    TEXT,
    st.integers(0, 10**6),
)
WELL_FORMED = st.builds(
    lambda cells: {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
    st.lists(CODE_CELL, min_size=1, max_size=3),
)
CELL = st.fixed_dictionaries(
    {
        "cell_type": st.sampled_from(["code", "markdown", "raw"]) | TEXT,
        "source": TEXT | st.lists(TEXT, max_size=3) | JSON,
    },
    optional={"metadata": JSON, "outputs": st.just([]), "execution_count": st.none()},
)
MALFORMED = st.fixed_dictionaries(
    {"cells": st.lists(CELL, max_size=4) | JSON},
    optional={
        "metadata": st.just({}) | JSON,
        "nbformat": st.sampled_from([4, 3, 5]) | JSON,
        "nbformat_minor": st.sampled_from([0, 5]) | JSON,
    },
)
NOTEBOOK = WELL_FORMED | MALFORMED


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader(Options())


def _grade_files(grader: Grader, files: dict[str, bytes]) -> None:
    """Grade a class folder holding ``files``: nothing raises, one valid row per file."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        found = submissions.expand([str(folder)], "propagate")
        with warnings.catch_warnings():  # nbformat's warnings stay warnings, as in the CLI
            warnings.simplefilter("ignore")
            results = gradebook.grade_all(grader, found, jobs=2)
        written = gradebook.write_gradebook(Path(tmp) / "book", grader, results)
        gradebook.table(results)
        assert len(results) == len(files)
        assert all(r.outcome in OUTCOMES for r in results)
        book = json.loads(written[1].read_text())
        validate(book, "gradebook")
        assert book["summary"]["submissions"] == len(files)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()  # ASCII: lone surrogates travel as \ud800 escapes


@FUZZ
@given(st.lists(st.binary(max_size=400), min_size=1, max_size=4))
def test_random_bytes_never_stop_the_class(grader: Grader, blobs: list[bytes]) -> None:
    files = {f"b{k}{'.py' if k % 2 else '.ipynb'}": data for k, data in enumerate(blobs)}
    _grade_files(grader, files)


@FUZZ
@given(st.lists(JSON, min_size=1, max_size=4))
def test_random_json_never_stops_the_class(grader: Grader, values: list[Any]) -> None:
    _grade_files(grader, {f"j{k}.ipynb": _json_bytes(v) for k, v in enumerate(values)})


@FUZZ
@given(st.lists(NOTEBOOK, min_size=1, max_size=4))
def test_random_notebooks_never_stop_the_class(grader: Grader, notebooks: list[Any]) -> None:
    _grade_files(grader, {f"n{k}.ipynb": _json_bytes(nb) for k, nb in enumerate(notebooks)})


def test_a_failure_of_the_grader_on_one_submission_is_that_submissions_crash(
    grader: Grader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text((SUBMISSIONS / "class" / "alice.py").read_text())
    (tmp_path / "b.py").write_text("def propagate(w, b, X, Y):\n    return 1\n")

    def judged_badly(calls: Any, source: str = "", search: Any = None) -> Any:
        if "return 1" in source:
            raise KeyError("planted")
        return real(calls, source)

    real = grader._verdict
    monkeypatch.setattr(grader, "_verdict", judged_badly)
    found = submissions.expand([str(tmp_path)], "propagate")
    a, b = gradebook.grade_all(grader, found, jobs=2)
    assert a.outcome == "pass"
    assert b.outcome == "crash" and b.report is None
    assert b.error.startswith("the grader failed while grading it (KeyError: 'planted')")
    assert GRADER_FAULT in b.error


def _broken_notebook(rng: random.Random, k: int) -> bytes:
    """One of many ways a notebook is broken, by ``k``; the details drawn from ``rng``."""
    good = {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{k}",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "import numpy as np\n\ndef propagate(w, b, X, Y):\n    return 1\n",
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(good)
    cell = good["cells"][0]  # type: ignore[index]
    kind = k % 10
    if kind == 0:  # a lone surrogate in a code cell
        cell["source"] += f'\nname = "{chr(rng.randrange(0xD800, 0xE000))}"\n'
        return _json_bytes(good)
    if kind == 1:  # cut anywhere
        return text[: rng.randrange(1, len(text))].encode()
    if kind == 2:  # random bytes
        return rng.randbytes(rng.randrange(0, 300))
    if kind == 3:  # not UTF-8
        return text.encode("utf-16")
    if kind == 4:  # JSON, but not a notebook
        return _json_bytes(rng.choice([[], 3, "text", None, {"cells": 3}, {"nbformat": 99}]))
    if kind == 5:  # a code cell whose source is not text
        cell["source"] = rng.choice([5, None, {"a": 1}, ["x", 3]])
        return _json_bytes(good)
    if kind == 6:  # nested deeper than any parser goes
        depth = rng.randrange(10_000, 50_000)
        return ("[" * depth + "]" * depth).encode()
    if kind == 7:  # a NUL in a code cell
        cell["source"] += "\x00\n"
        return _json_bytes(good)
    if kind == 8:  # a syntax error with terminal escapes
        cell["source"] += f"\x1b[2J\x1b[32mPASSED {rng.random()}\n"
        return _json_bytes(good)
    cell["source"] = "(" * rng.randrange(200, 2000)  # Python's parser gives up
    return _json_bytes(good)


def test_fifty_broken_notebooks_give_a_gradebook_of_fifty_rows(tmp_path: Path) -> None:
    rng = random.Random(20)
    (tmp_path / "class").mkdir()
    for k in range(50):
        (tmp_path / "class" / f"student{k:02d}.ipynb").write_bytes(_broken_notebook(rng, k))
    done = _cli("grade", "class", "--out", "book", "--no-progress", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    rows = list(csv.DictReader((tmp_path / "book" / "gradebook.csv").read_text().splitlines()))
    assert len(rows) == 50
    assert {r["outcome"] for r in rows} == {"cannot_load"}
    book = json.loads((tmp_path / "book" / "gradebook.json").read_text())
    validate(book, "gradebook")
    assert book["summary"]["outcomes"] == {"cannot_load": 50}
    surrogate = next(r for r in rows if r["file"] == "class/student00.ipynb")
    assert "lone surrogate" in surrogate["error"] and "cell 1" in surrogate["error"]
    done = _cli(
        "check", "class/student00.ipynb:propagate", "--output", "r.json", cwd=tmp_path
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    validate(report, "report")
    assert report["error"] == surrogate["error"]


def test_grading_threads_compile_one_at_a_time_where_the_ast_races(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CPython before 3.11.8 raised SystemError ("AST constructor recursion depth mismatch")
    when two threads parsed at once, and a correct file became cannot_load under load. While
    grading threads run there, ``compile`` (which ``ast.parse`` calls) is taken by one thread
    at a time: a slow compile in one thread keeps the other waiting."""
    import ast
    import builtins
    import threading
    import time

    inside, most = [0], [0]
    real = builtins.compile

    def slow_compile(*args: Any, **kwargs: Any) -> Any:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        inside[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(builtins, "compile", slow_compile)
    with gradebook._one_compile_at_a_time(True):
        threads = [threading.Thread(target=ast.parse, args=("x + 1",)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert builtins.compile is slow_compile  # put back afterwards
    # one at a time where the AST races; elsewhere the threads overlap as they always did
    assert most[0] == 1 if gradebook._AST_RACE else most[0] > 1
