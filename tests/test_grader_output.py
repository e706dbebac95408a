"""What a submission can put into the grader's output, through the real CLI.

One ``grade`` of a class whose students try: a ``propagate`` that returns ``(dw, db)``
without the cost (not a pass); an exception whose message is terminal escapes that would
clear the screen and print a green "PASSED" (escaped in every text view); a file name with
a newline that would add a fake row to the printed table (shown escaped); file names a
spreadsheet reads as formulas (neutralised in the CSV with a single quote, as OWASP
recommends); a file name that is not UTF-8.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lr import check_gradients
from grader_schema import validate

SUBMISSIONS = Path(__file__).parent / "submissions"
RIGHT = (SUBMISSIONS / "class" / "alice.py").read_text()
RETURN = 'return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost'
NO_COST = RIGHT.replace(RETURN, "return np.dot(X, dZ.T) / m, np.sum(dZ) / m")
ESCAPES = "\x1b[2J\x1b[H\x1b[32mPASSED 3/3\x1b[0m\r\x9b"
SHOUTING = f"def propagate(w, b, X, Y):\n    raise ValueError({ESCAPES!r})\n"
FAKE_ROW_NAME = "bob\nfake.py  pass  3 of 3.py"
NOT_UTF8_NAME = os.fsdecode(b"caf\xe9.py")
FORMULAS = ("=HYPERLINK(1).py", "+sum(1).py", "-cmd.py", "@SUM(1).py")
pytestmark = [pytest.mark.xdist_group(name="grader_output"), pytest.mark.slow]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=600,
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The class graded once: its folder, the command's output, the gradebook."""
    folder = tmp_path_factory.mktemp("output")
    assert NO_COST != RIGHT
    (folder / "nocost.py").write_text(NO_COST)
    (folder / "shouting.py").write_text(SHOUTING)
    (folder / FAKE_ROW_NAME).write_text(RIGHT)
    (folder / NOT_UTF8_NAME).write_text(RIGHT)
    for name in FORMULAS:
        (folder / name).write_text(RIGHT)
    done = _cli("grade", ".", "--out", "book", "--no-progress", cwd=folder)
    book = json.loads((folder / "book" / "gradebook.json").read_text())
    validate(book, "gradebook")
    csv_text = (folder / "book" / "gradebook.csv").read_text()
    return {"folder": folder, "done": done, "book": book, "csv": csv_text}


def _row(graded: dict[str, Any], file: str) -> dict[str, Any]:
    found = [s for s in graded["book"]["submissions"] if s["file"] == file]
    assert len(found) == 1, [s["file"] for s in graded["book"]["submissions"]]
    return dict(found[0])


def test_a_missing_cost_is_not_a_pass(graded: dict[str, Any]) -> None:
    assert graded["done"].returncode == 1
    row = _row(graded, "nocost.py")
    assert (row["outcome"], row["passed"], row["score"]) == ("fail", False, 2.0)
    assert row["scores"] == {"dw": 1.0, "db": 1.0, "cost": 0.0}
    assert row["quantities"]["cost"]["status"] == "not returned"
    fixes = [d.get("fix") for d in row["diagnosis"]]
    assert 'return {"dw": dw, "db": db}, cost' in fixes


def test_check_gradients_still_checks_the_gradients_alone() -> None:
    """The in-process API accepts (dw, db) by design: a learner may check only gradients."""

    def gradients_only(w: Any, b: Any, X: Any, Y: Any) -> Any:
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        return X @ (A - Y).T / m, np.sum(A - Y) / m

    assert check_gradients(gradients_only).passed


def test_terminal_escapes_of_a_submission_never_reach_the_terminal(
    graded: dict[str, Any],
) -> None:
    done = graded["done"]
    for text in (done.stdout, done.stderr, graded["csv"]):
        assert "\x1b" not in text and "\x9b" not in text and "\r" not in text
    row = _row(graded, "shouting.py")
    assert row["outcome"] == "fail"
    folder = graded["folder"]
    single = _cli("check", "shouting.py:propagate", cwd=folder)
    assert single.returncode == 1
    assert "\x1b" not in single.stdout + single.stderr and "\x9b" not in single.stdout
    assert "\\x1b[2J" in single.stdout  # shown, escaped


def test_a_newline_in_a_file_name_adds_no_row_to_the_table(graded: dict[str, Any]) -> None:
    lines = graded["done"].stdout.splitlines()
    rows = lines[1 : lines.index("")]  # between the header and the counts
    assert len(rows) == len(graded["book"]["submissions"]) == 4 + len(FORMULAS)
    assert not any(line.startswith("fake.py") for line in lines)
    assert any(line.startswith("bob\\x0afake.py") for line in rows)
    assert _row(graded, "bob\\x0afake.py  pass  3 of 3.py")["outcome"] == "pass"
    assert _row(graded, "caf\\udce9.py")["outcome"] == "pass"


def test_formula_like_cells_are_neutralised_in_the_csv_only(graded: dict[str, Any]) -> None:
    rows = {r["file"]: r for r in csv.DictReader(graded["csv"].splitlines())}
    for name in FORMULAS:
        row = rows[f"'{name}"]  # a quote first: text to a spreadsheet, never a formula
        assert (row["outcome"], row["score"], row["max_score"]) == ("pass", "3", "3")
        assert _row(graded, name)["outcome"] == "pass"  # the JSON keeps the name as it is
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for r in rows.values() for cell in r.values()
    )
