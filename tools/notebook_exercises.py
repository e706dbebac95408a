r"""One source for the exercise notebook: the solved notebook with nbgrader-style markers.

The committed ``notebooks/NN_topic_solved.py`` holds each exercise's solution between
markers, inside code cells tagged ``exercise``::

    def sigmoid(z):
        # one line of numpy: np.exp works elementwise on arrays
        ### BEGIN SOLUTION
        return 1 / (1 + np.exp(-z))
        ### END SOLUTION

From it come two notebooks, never edited by hand:

* :func:`solved_notebook`, the one the tests execute and the docs render: the markers
  are dropped, the solutions kept;
* :func:`exercise_notebook`, the learner's ``NN_topic.ipynb``: each solution is replaced
  by ``raise NotImplementedError("exercise: write the body of sigmoid")`` at the
  marker's indentation, or, when a ``### BEGIN PROMPT`` / ``### END PROMPT`` block
  follows the solution directly, by that block's lines with one leading ``# `` removed
  (the buggy code a learner is asked to fix); cells tagged ``solution`` (a note that
  only the solved notebook carries) are left out.

Anything outside the markers is the same in both, so a check cell that passes in CI on
the solutions is the very cell the learner meets.
"""

from __future__ import annotations

import copy
import re
from typing import Any

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_PROMPT, END_PROMPT = "### BEGIN PROMPT", "### END PROMPT"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_PROMPT, END_PROMPT)
EXERCISE_TAG = "exercise"  # a code cell with at least one solution block
CHECK_TAG = "check"  # a cell that runs the checker: fails until its exercise is solved
SOLUTION_TAG = "solution"  # a whole cell that only the solved notebook has

_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(")


class MarkerError(ValueError):
    """The markers of an exercise cell are malformed: the message names the cell and line."""


def tags(cell: Any) -> set[str]:
    """The cell's tags, as a set."""
    return set(cell.get("metadata", {}).get("tags", []))


def _stub(indent: str, before: list[str]) -> str:
    names = [m.group(1) for line in before if (m := _DEF.match(line))]
    what = f"write the body of {names[-1]}" if names else "your code here"
    return f'{indent}raise NotImplementedError("exercise: {what}")'


def _uncomment(line: str, where: str) -> str:
    body = line.lstrip()
    indent = line[: len(line) - len(body)]
    if not body:
        return ""
    if body == "#":
        return ""
    if not body.startswith("# "):
        raise MarkerError(f"{where}: a prompt line must be commented out with '# ': {line!r}")
    return indent + body[2:]


def split_source(source: str, where: str = "cell") -> tuple[str, str, int]:
    """``source`` as (solved, exercise, number of solution blocks); :class:`MarkerError` if malformed."""
    solved: list[str] = []
    exercise: list[str] = []
    state = "plain"  # plain -> solution -> after_solution (-> prompt) -> plain
    blocks = 0
    indent = ""
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        here = f"{where}, line {number}"
        if marker == BEGIN_SOLUTION:
            if state == "solution" or state == "prompt":
                raise MarkerError(f"{here}: {BEGIN_SOLUTION} inside another block")
            if state == "after_solution":
                exercise.append(_stub(indent, exercise))
            state, indent = "solution", line[: len(line) - len(line.lstrip())]
            blocks += 1
        elif marker == END_SOLUTION:
            if state != "solution":
                raise MarkerError(f"{here}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            state = "after_solution"
        elif marker == BEGIN_PROMPT:
            if state != "after_solution":
                raise MarkerError(f"{here}: {BEGIN_PROMPT} must directly follow an {END_SOLUTION}")
            state = "prompt"
        elif marker == END_PROMPT:
            if state != "prompt":
                raise MarkerError(f"{here}: {END_PROMPT} without {BEGIN_PROMPT}")
            state = "plain"
        elif state == "solution":
            solved.append(line)
        elif state == "prompt":
            exercise.append(_uncomment(line, here))
        else:
            if state == "after_solution":  # no prompt: the learner starts from a stub
                exercise.append(_stub(indent, exercise))
                state = "plain"
            solved.append(line)
            exercise.append(line)
    if state == "after_solution":
        exercise.append(_stub(indent, exercise))
    elif state != "plain":
        raise MarkerError(f"{where}: a {state} block is not closed")
    return "\n".join(solved), "\n".join(exercise), blocks


def _checked(notebook: Any, name: str) -> list[tuple[str, str, int]]:
    """The split of every cell, after checking that markers sit exactly in exercise cells."""
    splits = []
    for index, cell in enumerate(notebook.cells):
        where = f"{name}, cell {index}"
        solved, exercise, blocks = split_source(cell.source, where)
        if cell.cell_type != "code" and blocks:
            raise MarkerError(f"{where}: solution markers belong in code cells")
        if EXERCISE_TAG in tags(cell) and not blocks:
            raise MarkerError(
                f"{where}: tagged {EXERCISE_TAG!r} but has no {BEGIN_SOLUTION} ... "
                f"{END_SOLUTION} block"
            )
        if blocks and EXERCISE_TAG not in tags(cell):
            raise MarkerError(f"{where}: has solution markers; tag the cell {EXERCISE_TAG!r}")
        splits.append((solved, exercise, blocks))
    return splits


def solved_notebook(notebook: Any, name: str = "notebook") -> Any:
    """A copy of ``notebook`` with the markers removed and the solutions kept."""
    result = copy.deepcopy(notebook)
    for cell, (solved, _, _) in zip(result.cells, _checked(notebook, name), strict=True):
        cell.source = solved
    return result


def exercise_notebook(notebook: Any, name: str = "notebook") -> Any:
    """The learner's copy: solutions replaced by stubs or prompts, ``solution`` cells left out."""
    result = copy.deepcopy(notebook)
    kept = []
    for cell, (_, exercise, _) in zip(result.cells, _checked(notebook, name), strict=True):
        if SOLUTION_TAG in tags(cell):
            continue
        cell.source = exercise
        kept.append(cell)
    result.cells = kept
    return result
