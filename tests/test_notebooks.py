"""Every walk-through in notebooks/ runs, checks its own claims, and saves its figures.

Each ``notebooks/[0-9]*.py`` (jupytext percent format, the committed source) is found
by the glob alone, converted in memory, and executed in a fresh kernel of this Python by
:mod:`notebook_runner`; a failing cell fails the test with that cell's source and error.
The runtime of each notebook is printed (``pytest -s``), never asserted.
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
    NotebookError,
    execute,
    execute_source,
    notebook_sources,
    read_notebook,
)

NOTEBOOKS = notebook_sources()
NAME_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+\.py$")  # 01_derivation.py: reading order, then topic
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def test_the_notebooks_are_found_and_named_in_reading_order() -> None:
    assert NOTEBOOKS, f"no notebooks matching [0-9]*.py in {NOTEBOOK_DIR}"
    for path in NOTEBOOKS:
        assert NAME_PATTERN.match(path.name), (
            f"{path.name}: name it NN_topic.py, e.g. 01_derivation.py"
        )
    numbers = [path.name[:2] for path in NOTEBOOKS]
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"


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
    saves = "\n".join(code).count(f'"figures/{path.stem}_')
    assert saves >= 1, (
        f'{path.name}: save at least one figure as save_png(fig, "figures/{path.stem}_<name>.png")'
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_saves_its_figures(path: Path) -> None:
    before = _files(NOTEBOOK_DIR)
    run = execute_source(path)  # raises NotebookError with the failing cell's source
    print(f"{path.name}: ran in {run.seconds:.1f} s")
    after = _files(NOTEBOOK_DIR)

    written = {p for p, stamp in after.items() if before.get(p) != stamp}
    figures = sorted(p for p in written if p.parent == FIGURE_DIR and p.suffix == ".png")
    own = [p for p in figures if p.name.startswith(f"{path.stem}_")]
    assert own, f"{path.name} saved no figure as figures/{path.stem}_<name>.png"
    for figure in own:
        assert figure.read_bytes()[:8] == PNG_SIGNATURE, f"{figure} is not a PNG"
    leftovers = sorted(FIGURE_DIR.glob(f".{path.stem}_*.tmp"))
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
