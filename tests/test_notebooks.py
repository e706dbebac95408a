"""Every walk-through in notebooks/ runs, checks its own claims, and saves its figures.

Each ``notebooks/[0-9]*.py`` (jupytext percent format, the committed source) is found
by the glob alone, converted in memory, and executed in a fresh kernel of this Python by
:mod:`notebook_runner`; a failing cell fails the test with that cell's source and error.
The runtime of each notebook is printed (``pytest -s``), never asserted.

An exercise notebook (``NN_topic.py`` with a solved twin ``NN_topic_solved.py``) is the
one exception to "runs through": its check cells must *fail* until the learner fills in
the exercise cells. The solved twin runs like any walk-through; the unsolved one must
stop at its first check cell, every one of its check cells must fail with the
checker's report, and the two must differ only in their exercise cells (and title), so
the checks that pass in CI are the very checks the learner meets.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest

from notebook_runner import (
    FIGURE_DIR,
    NOTEBOOK_DIR,
    SOLVED_SUFFIX,
    NotebookError,
    execute,
    execute_source,
    exercise_sources,
    figure_prefix,
    notebook_sources,
    passing_sources,
    read_notebook,
    solved_twin,
)

NOTEBOOKS = notebook_sources()
PASSING = passing_sources()  # all but the unsolved exercises: these must run through
EXERCISES = exercise_sources()
NAME_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+\.py$")  # 01_derivation.py: reading order, then topic
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The issue asks for at least five walk-throughs (an exercise notebook and its solved
# twin count as one).
MIN_WALKTHROUGHS = 5
EXERCISE_TAG, CHECK_TAG = "exercise", "check"


def _code(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _markdown(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def _files(directory: Path) -> dict[Path, tuple[int, int]]:
    """Every file under ``directory`` with its (inode, mtime in ns): a rewrite changes them."""
    return {
        path: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in directory.rglob("*")
        if path.is_file()
    }


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_the_notebooks_are_found_and_named_in_reading_order() -> None:
    assert NOTEBOOKS, f"no notebooks matching [0-9]*.py in {NOTEBOOK_DIR}"
    for path in NOTEBOOKS:
        assert NAME_PATTERN.match(path.name), (
            f"{path.name}: name it NN_topic.py, e.g. 01_derivation.py"
        )
    twins = [path for path in NOTEBOOKS if path.stem.endswith(SOLVED_SUFFIX)]
    for twin in twins:
        exercise = twin.with_name(twin.name.replace(SOLVED_SUFFIX, "", 1))
        assert solved_twin(exercise) == twin and exercise.exists(), (
            f"{twin.name} is the solved twin of {exercise.name}, which does not exist"
        )
    numbers = [path.name[:2] for path in NOTEBOOKS if path not in twins]
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"
    assert len(numbers) >= MIN_WALKTHROUGHS, (
        f"{len(numbers)} walk-throughs ({numbers}); the course has at least {MIN_WALKTHROUGHS}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_reads_well_and_asserts_its_claims(path: Path) -> None:
    """Statically: a title, prose with LaTeX, code that parses, asserts, and a saved figure."""
    notebook = read_notebook(path)
    markdown, code = _markdown(notebook), _code(notebook)
    assert notebook.cells[0].cell_type == "markdown", f"{path.name}: open with a markdown title"
    assert notebook.cells[0].source.startswith("# "), f"{path.name}: the first line is a '# ' title"
    assert any("$" in text for text in markdown), f"{path.name}: the math belongs in LaTeX ($...$)"
    assert len(markdown) >= 3, f"{path.name}: explain in prose between the code cells"
    asserts = 0
    for source in code:
        tree = ast.parse(source)  # a syntax error fails here, before any kernel starts
        asserts += sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
    assert asserts >= 1, f"{path.name}: a notebook asserts its claims in cells; found no assert"
    prefix = figure_prefix(path)
    saves = "\n".join(code).count(f'"figures/{prefix}_')
    assert saves >= 1, (
        f'{path.name}: save at least one figure as save_png(fig, "figures/{prefix}_<name>.png")'
    )


@pytest.mark.parametrize("path", PASSING, ids=[p.stem for p in PASSING])
def test_notebook_executes_and_saves_its_figures(path: Path) -> None:
    before = _files(NOTEBOOK_DIR)
    run = execute_source(path)  # raises NotebookError with the failing cell's source
    print(f"{path.name}: ran in {run.seconds:.1f} s")
    after = _files(NOTEBOOK_DIR)

    written = {p for p, stamp in after.items() if before.get(p) != stamp}
    figures = sorted(p for p in written if p.parent == FIGURE_DIR and p.suffix == ".png")
    prefix = figure_prefix(path)
    own = [p for p in figures if p.name.startswith(f"{prefix}_")]
    assert own, f"{path.name} saved no figure as figures/{prefix}_<name>.png"
    for figure in own:
        assert figure.read_bytes()[:8] == PNG_SIGNATURE, f"{figure} is not a PNG"
    leftovers = sorted(FIGURE_DIR.glob(f".{prefix}_*.tmp"))
    assert not leftovers, f"{path.name} left temporary files: {leftovers}"
    # Nothing else may appear in the repository: no data files, no checkpoints. Under a
    # parallel run other notebooks write their figures, and an author may save a source.
    others = {
        p
        for p in written
        if p.parent != FIGURE_DIR
        and not (p.parent == NOTEBOOK_DIR and p.suffix in (".py", ".ipynb"))
    }
    assert not others, f"{path.name} wrote files besides its figures: {sorted(map(str, others))}"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_exercises_and_their_solved_twin_differ_only_in_the_exercise_cells(path: Path) -> None:
    unsolved, solved = read_notebook(path), read_notebook(solved_twin(path))
    assert len(unsolved.cells) == len(solved.cells), f"{path.name}: the twins have other cells"
    for index, (mine, twin) in enumerate(zip(unsolved.cells, solved.cells, strict=True)):
        assert (mine.cell_type, _tags(mine)) == (twin.cell_type, _tags(twin)), (
            f"{path.name}: cell {index} differs in type or tags from its solved twin"
        )
        if index > 0 and EXERCISE_TAG not in _tags(mine):  # the title may say "solved"
            assert mine.source == twin.source, (
                f"{path.name}: cell {index} is not an exercise cell but differs in the solved "
                f"twin; only cells tagged {EXERCISE_TAG!r} may"
            )
    exercises = [i for i, c in enumerate(unsolved.cells) if EXERCISE_TAG in _tags(c)]
    checks = [i for i, c in enumerate(unsolved.cells) if CHECK_TAG in _tags(c)]
    assert exercises and checks, f"{path.name}: tag exercise cells and check cells"
    for index in exercises:
        assert unsolved.cells[index].source != solved.cells[index].source, (
            f"{path.name}: exercise cell {index} is the same in the solved twin: solve it there"
        )


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_unsolved_exercises_stop_at_the_first_check_with_the_checkers_report(
    path: Path, tmp_path: Path
) -> None:
    """Run all, as a learner would before writing anything: the first check cell fails."""
    notebook = read_notebook(path)
    first_check = next(i for i, c in enumerate(notebook.cells) if CHECK_TAG in _tags(c))
    with pytest.raises(NotebookError) as caught:
        execute(notebook, tmp_path, name=path.name)
    message = str(caught.value)
    assert f"code cell {first_check} " in message, message
    assert notebook.cells[first_check].source in message
    assert "raised AssertionError" in message, message
    assert ": FAILED" in message and "NotImplementedError" in message, message


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_every_check_cell_fails_until_its_exercise_is_solved(path: Path, tmp_path: Path) -> None:
    """Each check cell, run on the unsolved exercises, fails with the checker's report.

    The notebook is run up to its last check cell, carrying on past failing cells (in a
    temporary directory: nothing may be written next to the sources). The cells that
    fail must be exactly the check cells, each with an ``AssertionError`` whose message
    is a failing report; so no check is vacuous, and nothing else is broken.
    """
    notebook = read_notebook(path)
    checks = [i for i, c in enumerate(notebook.cells) if CHECK_TAG in _tags(c)]
    notebook.cells = notebook.cells[: checks[-1] + 1]
    run = execute(notebook, tmp_path, name=path.name, allow_errors=True)
    errors = {
        index: output
        for index, cell in enumerate(run.notebook.cells)
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    }
    assert sorted(errors) == checks, f"{path.name}: failing cells {sorted(errors)}, checks {checks}"
    for index, error in errors.items():
        assert error["ename"] == "AssertionError", (index, error["ename"], error["evalue"])
        assert ": FAILED" in error["evalue"], (index, error["evalue"])


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_the_kernel_is_this_python_with_strict_numerics(tmp_path: Path) -> None:
    notebook = _notebook(
        "import sys, os\nprint(sys.executable)\nprint(os.getcwd())",
        "import jax\nprint(jax.config.jax_numpy_rank_promotion)",
        "import warnings\ntry:\n    warnings.warn('x')\nexcept UserWarning:\n    print('warnings are errors')",
    )
    run = execute(notebook, tmp_path, name="kernel probe")
    out = ["".join(o.get("text", "") for o in cell.outputs) for cell in run.notebook.cells]
    executable, cwd = out[0].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(cwd).resolve() == tmp_path.resolve()
    assert out[1].strip() == "raise"
    assert out[2].strip() == "warnings are errors"


def test_a_failing_cell_is_reported_with_its_source_and_error(tmp_path: Path) -> None:
    notebook = _notebook(
        "x = 1",
        "print('before')",
        "assert x == 2, 'planted: x is not 2'",
        "print('after')",
    )
    with pytest.raises(NotebookError) as caught:
        execute(notebook, tmp_path, name="planted.py")
    message = str(caught.value)
    assert "planted.py" in message
    assert "cell 2" in message
    assert "assert x == 2, 'planted: x is not 2'" in message
    assert "AssertionError: planted: x is not 2" in message
    assert "\x1b[" not in message, "ANSI colour codes must be stripped from the traceback"
    outputs = [
        "".join(o.get("text", "") for o in cell.get("outputs", [])) for cell in notebook.cells
    ]
    assert outputs[1] == "before\n"
    assert outputs[3] == "", "execution must stop at the failing cell"
