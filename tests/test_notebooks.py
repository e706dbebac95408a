"""Every walk-through in notebooks/ runs, checks its own claims, and saves its figures.

Each ``notebooks/[0-9]*.py`` (jupytext percent format, the committed source) is found
by the glob alone, converted in memory, and executed once in a fresh kernel of this
Python by :mod:`notebook_runner`; a failing cell fails the test with that cell's source
and error. The executed copy is kept in ``docs/notebooks/`` for the docs to render (and
reused while source and package are unchanged); nothing is written in ``notebooks/``.

An exercise notebook has one source, ``NN_topic_solved.py``, with its solutions between
markers (:mod:`notebook_exercises`). Its solved form runs like any walk-through; the
learner's form, made from it, must stop at its first check cell, and every one of its
check cells must fail with the checker's report, so no check is vacuous.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from notebook_exercises import (
    BEGIN_PROMPT,
    BEGIN_SOLUTION,
    CHECK_TAG,
    END_PROMPT,
    END_SOLUTION,
    EXERCISE_TAG,
    SOLUTION_TAG,
    MarkerError,
    exercise_notebook,
    solved_notebook,
    split_source,
    tags,
)
from notebook_runner import (
    EXECUTED_DIR,
    FIGURE_DIR,
    LEARNER_FOLDER,
    NOTEBOOK_DIR,
    SOLVED_SUFFIX,
    NotebookError,
    execute,
    executed_path,
    figure_prefix,
    notebook_sources,
    prepare_for_lab,
    read_notebook,
    run_cached,
    solved_sources,
)

pytestmark = pytest.mark.xdist_group("notebooks")  # with test_docs; runs are locked and reused

NOTEBOOKS = notebook_sources()  # the walk-throughs and the exercises' solved sources
EXERCISES = solved_sources()
NAME_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+\.py$")  # 01_derivation.py: reading order, then topic
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The issue asks for at least five walk-throughs (an exercise notebook and its solved
# twin count as one).
MIN_WALKTHROUGHS = 5


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
    numbers = [path.name[:2] for path in NOTEBOOKS]  # an exercise's solved source counts once
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"
    assert len(numbers) >= MIN_WALKTHROUGHS, (
        f"{len(numbers)} walk-throughs ({numbers}); the course has at least {MIN_WALKTHROUGHS}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_reads_well_and_asserts_its_claims(path: Path) -> None:
    """Statically: a title, prose with LaTeX, code that parses, asserts, and a saved figure."""
    notebook = solved_notebook(read_notebook(path), path.name)
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_saves_its_figures(path: Path) -> None:
    before = _files(NOTEBOOK_DIR)
    run = run_cached(path)  # raises NotebookError with the failing cell's source
    print(f"{path.name}: {'reused' if run.reused else f'ran in {run.seconds:.1f} s'}")
    assert _files(NOTEBOOK_DIR) == before, "running a notebook may write nothing in notebooks/"
    executed = nbformat.read(executed_path(path), as_version=4)
    assert not any(
        o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", [])
    )
    assert sum(len(c.get("outputs", [])) for c in executed.cells if c.cell_type == "code") > 0
    own = sorted(FIGURE_DIR.glob(f"{figure_prefix(path)}_*.png"))
    assert own, f"{path.name} saved no figure as figures/{figure_prefix(path)}_<name>.png"
    for figure in own:
        assert figure.read_bytes()[:8] == PNG_SIGNATURE, f"{figure} is not a PNG"
    leftovers = sorted(FIGURE_DIR.glob(f".{figure_prefix(path)}_*.tmp"))
    assert not leftovers, f"{path.name} left temporary files: {leftovers}"
    kept = (".ipynb", ".lock")  # the runs, and the runner's locks
    others = sorted(p for p in EXECUTED_DIR.iterdir() if p.is_file() and p.suffix not in kept)
    assert not others, f"the notebooks wrote files besides their figures: {others}"


def test_a_changed_source_is_run_again_and_an_unchanged_one_reused(tmp_path: Path) -> None:
    """The cache key: the same cells and package reuse a run; one changed character does not."""
    from notebook_runner import run_key

    notebook = read_notebook(NOTEBOOKS[0])
    same = read_notebook(NOTEBOOKS[0])
    assert run_key(notebook) == run_key(same)
    same.cells[-1].source += " "
    assert run_key(notebook) != run_key(same)


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_the_learners_exercises_are_the_solved_source_without_its_solutions(path: Path) -> None:
    source = read_notebook(path)
    solved, exercise = solved_notebook(source, path.name), exercise_notebook(source, path.name)
    kept = [cell for cell in source.cells if SOLUTION_TAG not in tags(cell)]
    assert len(exercise.cells) == len(kept) and len(solved.cells) == len(source.cells)
    exercises = [i for i, c in enumerate(kept) if EXERCISE_TAG in tags(c)]
    checks = [i for i, c in enumerate(kept) if CHECK_TAG in tags(c)]
    assert exercises and checks, f"{path.name}: tag exercise cells and check cells"
    solved_kept = [c for c in solved.cells if SOLUTION_TAG not in tags(c)]
    for index, (mine, theirs) in enumerate(zip(exercise.cells, solved_kept, strict=True)):
        for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_PROMPT, END_PROMPT):
            assert marker not in mine.source and marker not in theirs.source, (index, marker)
        if index in exercises:
            assert mine.source != theirs.source, f"{path.name}: exercise cell {index} gives it away"
            for block in _solution_blocks(kept[index].source):
                assert block not in mine.source, f"{path.name}: cell {index} keeps {block!r}"
        else:
            assert mine.source == theirs.source, f"{path.name}: cell {index} differs"


def _solution_blocks(source: str) -> list[str]:
    blocks, inside = [], None
    for line in source.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            inside = []
        elif line.strip() == END_SOLUTION and inside is not None:
            blocks.append("\n".join(inside))
            inside = None
        elif inside is not None:
            inside.append(line)
    return [block for block in blocks if block.strip()]


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_unsolved_exercises_stop_at_the_first_check_with_the_checkers_report(
    path: Path, tmp_path: Path
) -> None:
    """Run all, as a learner would before writing anything: the first check cell fails."""
    notebook = exercise_notebook(read_notebook(path), path.name)
    first_check = next(i for i, c in enumerate(notebook.cells) if CHECK_TAG in tags(c))
    with pytest.raises(NotebookError) as caught:
        execute(notebook, tmp_path, name=path.name)
    message = str(caught.value)
    assert f"code cell {first_check} " in message, message
    assert notebook.cells[first_check].source in message
    assert "raised AssertionError" in message, message
    # the checker's report of an unwritten answer: a stub that raises, or a "?" step
    assert ": FAILED" in message, message
    assert "NotImplementedError" in message or "not written yet" in message, message


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_every_check_cell_fails_until_its_exercise_is_solved(path: Path, tmp_path: Path) -> None:
    """Each check cell, run on the learner's exercises, fails with the checker's report.

    The notebook is run up to its last check cell, carrying on past failing cells (in a
    temporary directory: nothing may be written next to the sources). The cells that
    fail must be exactly the check cells, each with an ``AssertionError`` whose message
    is a failing report; so no check is vacuous, and nothing else is broken.
    """
    notebook = exercise_notebook(read_notebook(path), path.name)
    checks = [i for i, c in enumerate(notebook.cells) if CHECK_TAG in tags(c)]
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


SOLVED_CELL = """def propagate(w, b, X, Y):
    m = X.shape[1]
    ### BEGIN SOLUTION
    dZ = A - Y
    ### END SOLUTION
    ### BEGIN PROMPT
    # dZ = A
    ### END PROMPT
    ### BEGIN SOLUTION
    return dZ
    ### END SOLUTION
    # after"""


def test_markers_give_a_stub_or_the_prompt_and_keep_everything_else() -> None:
    solved, exercise, blocks = split_source(SOLVED_CELL)
    assert blocks == 2
    assert solved.splitlines() == [
        "def propagate(w, b, X, Y):",
        "    m = X.shape[1]",
        "    dZ = A - Y",
        "    return dZ",
        "    # after",
    ]
    assert exercise.splitlines() == [
        "def propagate(w, b, X, Y):",
        "    m = X.shape[1]",
        "    dZ = A",
        '    raise NotImplementedError("exercise: write the body of propagate")',
        "    # after",
    ]


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        (f"{BEGIN_SOLUTION}\nx = 1", "not closed"),
        (f"x = 1\n{END_SOLUTION}", "without"),
        (f"{BEGIN_SOLUTION}\n{BEGIN_SOLUTION}\n{END_SOLUTION}", "inside another block"),
        (f"x = 1\n{BEGIN_PROMPT}\n# x = 2\n{END_PROMPT}", "must directly follow"),
        (
            f"{BEGIN_SOLUTION}\nx = 1\n{END_SOLUTION}\n{BEGIN_PROMPT}\nx = 2\n{END_PROMPT}",
            "commented",
        ),
    ],
)
def test_malformed_markers_are_refused_with_the_line(source: str, complaint: str) -> None:
    with pytest.raises(MarkerError, match=complaint) as caught:
        split_source(source, "planted.py, cell 3")
    assert "planted.py, cell 3" in str(caught.value)


def test_markers_outside_an_exercise_cell_or_a_tag_without_markers_are_refused() -> None:
    untagged = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED_CELL)])
    with pytest.raises(MarkerError, match="tag the cell 'exercise'"):
        exercise_notebook(untagged, "planted.py")
    empty = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": [EXERCISE_TAG]})]
    )
    with pytest.raises(MarkerError, match="has no"):
        solved_notebook(empty, "planted.py")


def test_make_lab_creates_the_learners_notebooks_and_never_overwrites_them(tmp_path: Path) -> None:
    import jupytext

    for source in NOTEBOOKS:
        shutil.copy2(source, tmp_path / source.name)
    first = prepare_for_lab(tmp_path)
    assert all("created" in line for line in first), first
    exercise = EXERCISES[0]
    mine = tmp_path / LEARNER_FOLDER
    learner_ipynb = mine / f"{exercise.stem.removesuffix(SOLVED_SUFFIX)}.ipynb"
    learner_py = learner_ipynb.with_suffix(".py")
    assert learner_ipynb.exists() and learner_py.exists()
    assert BEGIN_SOLUTION not in learner_py.read_text(encoding="utf-8")
    assert "NotImplementedError" in learner_py.read_text(encoding="utf-8")
    # the solved exercises stay out of the learner's path: no .ipynb of them anywhere
    assert not list(tmp_path.rglob(f"*{SOLVED_SUFFIX}.ipynb"))
    assert sorted(p.name for p in mine.iterdir()) == [learner_ipynb.name, learner_py.name]
    walk_throughs = [s for s in NOTEBOOKS if s not in EXERCISES]
    for source in walk_throughs:  # jupytext refuses a pair whose .ipynb is newer than its .py
        ipynb = tmp_path / f"{source.stem}.ipynb"
        assert ipynb.stat().st_mtime <= (tmp_path / source.name).stat().st_mtime
        assert [c.source for c in jupytext.read(ipynb).cells] == [
            c.source for c in read_notebook(tmp_path / source.name).cells
        ]
    assert learner_ipynb.stat().st_mtime <= learner_py.stat().st_mtime

    def files() -> dict[str, bytes]:
        return {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*.*")}

    answer = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))  # my answer"
    notebook = jupytext.read(learner_ipynb)
    notebook.cells[5].source = answer
    jupytext.write(notebook, learner_ipynb)
    learner_py.write_text(learner_py.read_text(encoding="utf-8") + "\n# my note\n")
    before = files()
    again = prepare_for_lab(tmp_path)
    assert len(again) == len(first) and all("kept (yours)" in line for line in again), again
    assert files() == before


def test_make_lab_moves_an_exercise_notebook_made_beside_the_sources_into_mine(
    tmp_path: Path,
) -> None:
    """Where an earlier ``make lab`` put it, git ignores it: moved, bytes kept, never over one."""
    for source in NOTEBOOKS:
        shutil.copy2(source, tmp_path / source.name)
    name = EXERCISES[0].stem.removesuffix(SOLVED_SUFFIX)
    old = {tmp_path / f"{name}.ipynb": b'{"mine": 1}', tmp_path / f"{name}.py": b"# mine\n"}
    for path, data in old.items():
        path.write_bytes(data)
    lines = prepare_for_lab(tmp_path)
    assert any("moved" in line for line in lines), lines
    for path, data in old.items():
        assert not path.exists() and (tmp_path / LEARNER_FOLDER / path.name).read_bytes() == data
    # a second old copy while mine/ has one: left where it is, nothing overwritten
    (tmp_path / f"{name}.py").write_bytes(b"# another\n")
    prepare_for_lab(tmp_path)
    assert (tmp_path / f"{name}.py").read_bytes() == b"# another\n"
    assert (tmp_path / LEARNER_FOLDER / f"{name}.py").read_bytes() == b"# mine\n"


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


def test_in_jupyter_an_edit_in_either_form_of_a_pair_is_kept(tmp_path: Path) -> None:
    """A real Jupyter server with jupytext (as ``make lab`` starts it) on the learner's pair.

    Saving the exercise notebook through the server writes the answer to both the
    ``.ipynb`` and its paired ``.py``; an edit of the ``.py`` shows when the notebook is
    opened again. The server takes the contents options of ``make lab`` (read from the
    Makefile): it starts in the learner's folder and lists no solved exercises. It
    listens on 127.0.0.1 only, with a token.
    """
    import json
    import secrets
    import shlex
    import socket
    import subprocess
    import time
    import urllib.request

    lab = tmp_path / "notebooks"
    lab.mkdir()
    for source in NOTEBOOKS:
        shutil.copy2(source, lab / source.name)
    shutil.copy2(NOTEBOOK_DIR / "jupytext.toml", lab / "jupytext.toml")
    prepare_for_lab(lab)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    recipe = subprocess.run(
        ["make", "-s", "-n", "lab", "STAMP="],
        cwd=NOTEBOOK_DIR.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    lab_options = [a for a in shlex.split(recipe) if a.startswith("--ContentsManager.")]
    assert any(a.startswith("--ContentsManager.preferred_dir=") for a in lab_options), recipe
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root"]
    command += lab_options
    command += [
        f"--ServerApp.{k}={v}"
        for k, v in {"ip": "127.0.0.1", "port": port, "token": token, "root_dir": lab}.items()
    ]
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=sink, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}/api/contents/"
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    def call(name: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            base + name + ("" if body else "?content=1"),
            data=json.dumps(body).encode() if body else None,
            headers=headers,
            method="PUT" if body else "GET",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    try:
        deadline = time.monotonic() + 90  # a jupyter server starts in 2-10 s; a busy machine
        while True:
            try:
                notebook = call("mine/05_exercises.ipynb")["content"]
                break
            except OSError:
                assert server.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, "the Jupyter server did not start"
                time.sleep(0.5)
        assert notebook["metadata"]["jupytext"]["text_representation"]["format_name"] == "percent"
        stub = next(c for c in notebook["cells"] if "NotImplementedError" in "".join(c["source"]))
        stub["source"] = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))  # saved in Jupyter"
        call("mine/05_exercises.ipynb", {"type": "notebook", "format": "json", "content": notebook})
        for name in ("05_exercises.ipynb", "05_exercises.py"):
            assert "# saved in Jupyter" in (lab / "mine" / name).read_text(encoding="utf-8"), name
        text = lab / "mine" / "05_exercises.py"
        text.write_text(
            text.read_text(encoding="utf-8").replace("saved in Jupyter", "edited as text"),
            encoding="utf-8",
        )
        cells = call("mine/05_exercises.ipynb")["content"]["cells"]
        assert any("# edited as text" in "".join(c["source"]) for c in cells)
        listed = [item["name"] for item in call("")["content"]]
        assert LEARNER_FOLDER in listed and not [n for n in listed if SOLVED_SUFFIX in n], listed
        page = urllib.request.Request(f"http://127.0.0.1:{port}/lab", headers=headers)
        with urllib.request.urlopen(page, timeout=30) as response:  # JupyterLab's page config
            assert f'"preferredPath": "{LEARNER_FOLDER}"' in response.read().decode()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
