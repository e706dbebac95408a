r"""Run the walk-throughs in ``notebooks/`` once, for the tests and the docs alike.

The committed sources are jupytext percent ``.py`` files, ``notebooks/[0-9]*.py``; a new
one is picked up by its name alone. Executing one means: convert it in memory, run every
cell in a fresh kernel of this Python, and keep the executed notebook as
``docs/notebooks/NN_topic.ipynb`` (gitignored), where the documentation site renders it
with its outputs. The kernel's working directory is ``docs/notebooks/``, so the figures a
notebook saves land in ``docs/notebooks/figures/``, never beside the sources: running
the notebooks leaves the checkout as it was.

An executed notebook records a hash of its source and of the package's code; while both
are unchanged it is reused instead of run again (:func:`run_cached`). So ``make test``
executes each notebook once (in :mod:`test_notebooks`), and the docs build that follows
renders those very runs::

    .venv/bin/python tools/notebook_runner.py            # make notebooks: run what changed
    .venv/bin/python tools/notebook_runner.py --lab      # make lab: the learner's .ipynb

The kernel is the Python running this module (``sys.executable``, that is ``.venv``'s),
started through a kernelspec written to a temporary directory: nothing has to be
installed by hand, and no user-level ``python3`` kernelspec can shadow it. It keeps the
test suite's strict numerics: warnings are errors (``PYTHONWARNINGS=error``) and jax rank
promotion raises (``JAX_NUMPY_RANK_PROMOTION=raise``).

**Exercises.** ``NN_topic_solved.py`` is the one source of an exercise notebook
(:mod:`notebook_exercises`: the solutions between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` markers). The tests and the docs run its solved form; the learner
gets ``notebooks/mine/NN_topic.ipynb`` with the solutions taken out, written by
``make lab`` when it does not exist yet; no ``.ipynb`` of the solved source is made.
**No command here ever overwrites a notebook in** ``notebooks/``: :func:`prepare_for_lab`
only creates the ones that are missing.

**The learner's folder.** ``notebooks/mine/`` (:data:`LEARNER_FOLDER`) holds the
learner's own notebooks. Git neither tracks nor ignores them: ``git clean -fdX`` (ignored
files only), ``git stash`` (tracked changes only) and ``make clean`` leave them, and
``git add`` takes them without ``-f``. ``git clean -fd`` and ``-fdx`` delete untracked
files, theirs included: the docs say so (``docs/notebooks.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notebook_exercises import exercise_notebook, solved_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
EXECUTED_DIR = ROOT / "docs" / "notebooks"  # the executed copies: the docs' pages, gitignored
FIGURE_DIR = EXECUTED_DIR / "figures"
PACKAGE_DIR = ROOT / "src" / "autograd_lr"
NOTEBOOK_GLOB = "[0-9]*.py"
LEARNER_FOLDER = "mine"  # notebooks/mine/: the learner's notebooks, untracked and not ignored
SOLVED_SUFFIX = "_solved"  # NN_topic_solved.py: the one source of the exercises NN_topic
KEY_FIELD = "autograd_lr_run"  # notebook metadata: what an executed copy was run from

KERNEL_NAME = "autograd-lr-venv"
# The strict numerics of tests/conftest.py and pyproject's filterwarnings, for the kernel.
KERNEL_ENV = {"PYTHONWARNINGS": "error", "JAX_NUMPY_RANK_PROMOTION": "raise"}
# Each notebook must run in under 60 s on a 2-core machine, so no single cell may take
# longer; a cell that does is hung or far over budget, and the run stops there.
CELL_TIMEOUT_S = 60
# Starting the kernel (python, ipykernel, zmq) takes 1-3 s; allow for a loaded machine.
KERNEL_STARTUP_TIMEOUT_S = 60

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookError(Exception):
    """A cell of a notebook raised: the message holds the notebook, the cell and its error."""


@dataclass(frozen=True)
class Run:
    """An executed notebook, its wall-clock seconds (kernel start included), and whether reused."""

    notebook: Any  # nbformat.NotebookNode
    seconds: float
    reused: bool = False


def is_solved_source(path: Path) -> bool:
    """Whether ``path`` is the one source of an exercise notebook: ``NN_topic_solved.py``."""
    return path.stem.endswith(SOLVED_SUFFIX)


def exercise_name(path: Path) -> str:
    """The learner's notebook made from the solved source ``path``: ``NN_topic``."""
    return path.stem.removesuffix(SOLVED_SUFFIX)


def notebook_sources(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The committed notebooks, in reading order: every ``[0-9]*.py`` but a learner's copy.

    ``NN_topic.py`` beside ``NN_topic_solved.py`` is the learner's exercise notebook
    (jupytext's pair of their ``.ipynb``), never a source: nothing a learner writes
    is run by the tests.
    """
    paths = sorted(directory.glob(NOTEBOOK_GLOB))
    learners = {directory / f"{exercise_name(p)}.py" for p in paths if is_solved_source(p)}
    return [p for p in paths if p not in learners]


def solved_sources(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The exercise notebooks' sources: ``NN_topic_solved.py``."""
    return [p for p in notebook_sources(directory) if is_solved_source(p)]


def figure_prefix(path: Path) -> str:
    """The name its figures start with: ``NN_topic`` (a solved source draws its exercises')."""
    return exercise_name(path)


def read_notebook(path: Path) -> Any:
    """The jupytext percent-format file ``path`` as an (unexecuted) nbformat notebook."""
    import jupytext

    return jupytext.read(path, fmt="py:percent")


def runnable_notebook(path: Path) -> Any:
    """The notebook as run and rendered: a solved source without its markers."""
    notebook = read_notebook(path)
    return solved_notebook(notebook, path.name) if is_solved_source(path) else notebook


def _write_kernelspec(kernel_dir: Path) -> None:
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"autograd-lr ({sys.executable})",
        "language": "python",
        "env": KERNEL_ENV,
        # Declares that ipykernel accepts CurveZMQ keys, as its own kernelspec does.
        "metadata": {"supported_encryption": ["curve"]},
    }
    target = kernel_dir / KERNEL_NAME
    target.mkdir(parents=True)
    (target / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def _failed_cell(notebook: Any) -> tuple[int, Any] | None:
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell
    return None


def _describe_failure(name: str, notebook: Any, fallback: str) -> str:
    found = _failed_cell(notebook)
    if found is None:
        return f"{name} failed:\n{_ANSI.sub('', fallback)}"
    index, cell = found
    error = next(o for o in cell.outputs if o.get("output_type") == "error")
    traceback = _ANSI.sub("", "\n".join(error.get("traceback", [])))
    return (
        f"{name}: code cell {index} (counting every cell from 0) raised "
        f"{error.get('ename')}: {error.get('evalue')}\n"
        f"--- cell source ---\n{cell.source}\n"
        f"--- traceback ---\n{traceback}"
    )


def execute(notebook: Any, cwd: Path, name: str = "notebook", *, allow_errors: bool = False) -> Run:
    """Run every cell of ``notebook`` in a fresh kernel of this Python, in directory ``cwd``.

    Returns the executed notebook (outputs filled in) and the wall-clock seconds. Raises
    :class:`NotebookError` naming the failing cell, its source and its error; with
    ``allow_errors`` it runs on past failing cells instead, leaving each error in its
    cell's outputs.
    """
    import zmq
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    with tempfile.TemporaryDirectory(prefix="autograd-lr-kernel-") as kernel_dir:
        _write_kernelspec(Path(kernel_dir))
        manager = KernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernel_dir]),
        )
        if manager.has_trait("transport_encryption") and zmq.has("curve"):
            # Encrypt the local TCP channels where jupyter_client and libzmq can (8.10+):
            # without keys the kernel logs a plain-text warning at every start.
            manager.transport_encryption = "auto"
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=CELL_TIMEOUT_S,
            startup_timeout=KERNEL_STARTUP_TIMEOUT_S,
            resources={"metadata": {"path": str(cwd)}},
            # Stop the kernel at once when done: a graceful shutdown request waits for
            # the kernel's reply, which the strict warnings filter can turn into a
            # logged error and a 5 s wait before the kernel is killed anyway.
            shutdown_kernel="immediate",
            allow_errors=allow_errors,
        )
        start = time.perf_counter()
        try:
            client.execute(cleanup_kc=True)
        except (CellExecutionError, CellTimeoutError) as exc:
            raise NotebookError(_describe_failure(name, notebook, str(exc))) from None
        finally:
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
        return Run(notebook, time.perf_counter() - start)


def executed_path(path: Path) -> Path:
    """Where the executed copy of the source ``path`` is kept: ``docs/notebooks/<stem>.ipynb``."""
    return EXECUTED_DIR / f"{path.stem}.ipynb"


def run_key(notebook: Any) -> str:
    """SHA-256 of the notebook's cells and of every module of the package: what a run depends on."""
    digest = hashlib.sha256()
    for cell in notebook.cells:
        digest.update(f"{cell.cell_type}\0{cell.source}\0".encode())
    for module in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(f"{module.relative_to(PACKAGE_DIR)}\0".encode())
        digest.update(module.read_bytes())
    digest.update(json.dumps(KERNEL_ENV, sort_keys=True).encode())
    return digest.hexdigest()


def _has_error(notebook: Any) -> bool:
    return _failed_cell(notebook) is not None


def cached_run(path: Path) -> Any | None:
    """The executed copy of ``path`` if it was run from the same source and package, else None."""
    import nbformat

    target = executed_path(path)
    if not target.exists():
        return None
    try:
        executed = nbformat.read(target, as_version=4)
    except Exception:  # a damaged copy is run again, never trusted
        return None
    key = executed.metadata.get(KEY_FIELD, {}).get("key")
    if key != run_key(runnable_notebook(path)) or _has_error(executed):
        return None
    figures = list(FIGURE_DIR.glob(f"{figure_prefix(path)}_*.png"))
    return executed if figures else None  # its figures were deleted: run it again


@contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``lock`` (created if missing) for the duration.

    Test workers and ``make`` targets may run side by side: the lock makes the second
    wait for the first and then reuse its run instead of repeating it.
    """
    import fcntl

    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_cached(path: Path, *, force: bool = False) -> Run:
    """Execute the source ``path`` into ``docs/notebooks/`` unless an up-to-date run is there.

    The kernel runs in ``docs/notebooks/`` (its figures go to ``figures/`` there). The
    executed notebook is written atomically, and only when every cell ran: a failing
    cell raises :class:`NotebookError` and leaves the previous copy, which no longer
    matches the source, to be run again next time.
    """
    with exclusive(EXECUTED_DIR / f".{path.stem}.lock"):
        if not force and (executed := cached_run(path)) is not None:
            return Run(executed, 0.0, reused=True)
        notebook = runnable_notebook(path)
        key = run_key(notebook)
        FIGURE_DIR.mkdir(parents=True, exist_ok=True)
        run = execute(notebook, EXECUTED_DIR, name=str(path.relative_to(ROOT)))
        run.notebook.metadata[KEY_FIELD] = {"key": key, "source": str(path.relative_to(ROOT))}
        write_ipynb(run.notebook, executed_path(path))
        return run


def write_ipynb(notebook: Any, path: Path) -> None:
    """Write ``notebook`` to ``path`` atomically (temporary file + ``os.replace``)."""
    import nbformat

    from autograd_lr.files import atomic_write_bytes

    atomic_write_bytes(path, nbformat.writes(notebook).encode("utf-8"))


def _create(path: Path, text: str) -> bool:
    """Write ``text`` to a new file ``path``; never replace one that exists (O_EXCL)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def _not_newer_than(ipynb: Path, text: Path) -> None:
    # jupytext refuses to open a pair whose .ipynb is newer than its text file (the text
    # might be outdated); a copy made just now from that text file is not.
    stamp = text.stat().st_mtime
    os.utime(ipynb, (stamp - 1, stamp - 1))


def _move(source: Path, target: Path) -> bool:
    """Move ``source`` to ``target`` unless ``target`` exists (a hard link, then unlink)."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    source.unlink()
    return True


def prepare_for_lab(directory: Path = NOTEBOOK_DIR) -> list[str]:
    """Create the learner's notebooks that are missing; touch no other file.

    Each walk-through ``NN_topic.py`` gets its paired ``NN_topic.ipynb`` beside it
    (jupytext pairs them through ``jupytext.toml``: saving in JupyterLab updates both).
    Each solved source ``NN_topic_solved.py`` gives the learner's ``NN_topic.ipynb`` and
    its pair ``NN_topic.py`` in ``mine/`` (:data:`LEARNER_FOLDER`), with the solutions
    taken out; the solved source gets no ``.ipynb``. A notebook that exists, or whose pair
    exists, is the learner's and is left exactly as it is; an exercise notebook that an
    earlier version made beside the sources (where ``git clean -fdX`` deletes it) is
    moved into ``mine/``, never over a file there. Returns one line per notebook.
    """
    import jupytext

    mine = directory / LEARNER_FOLDER
    mine.mkdir(exist_ok=True)
    lines = []
    for source in notebook_sources(directory):
        if is_solved_source(source):
            text_file = mine / f"{exercise_name(source)}.py"
            moved = [
                old.name
                for old in (directory / text_file.name, directory / f"{text_file.stem}.ipynb")
                if old.exists() and _move(old, mine / old.name)
            ]
            if moved:
                lines.append(
                    f"{mine.relative_to(directory.parent)}: moved {', '.join(moved)} here from "
                    f"{directory.name}/ (git ignores it there; `git clean -fdX` deletes it)"
                )
            notebook = exercise_notebook(read_notebook(source), source.name)
        else:
            text_file, notebook = source, None
        ipynb = text_file.with_suffix(".ipynb")
        name = ipynb.relative_to(directory.parent)
        if ipynb.exists() or (text_file != source and text_file.exists()):
            lines.append(f"{name}: kept (yours)")
            continue
        if notebook is None:
            notebook = read_notebook(source)
        else:
            _create(text_file, jupytext.writes(notebook, fmt="py:percent"))
        if _create(ipynb, jupytext.writes(notebook, fmt="ipynb")):
            _not_newer_than(ipynb, text_file)
            lines.append(f"{name}: created, paired with {text_file.name}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="default: every notebooks/[0-9]*.py")
    parser.add_argument("--force", action="store_true", help="run even where a run is reused")
    parser.add_argument(
        "--lab",
        action="store_true",
        help="create the learner's missing notebooks (exercises in notebooks/mine/)",
    )
    args = parser.parse_args(argv)
    if args.lab:
        print("\n".join(prepare_for_lab()))
        return 0
    paths = [p.resolve() for p in args.paths] or notebook_sources()
    failed = 0
    for path in paths:
        try:
            run = run_cached(path, force=args.force)
        except NotebookError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        how = "reused (unchanged)" if run.reused else f"ran in {run.seconds:.1f} s"
        target = executed_path(path).relative_to(ROOT)
        print(f"{path.relative_to(ROOT)}: {how} -> {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
