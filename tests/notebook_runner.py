r"""Execute the walk-throughs in ``notebooks/``: jupytext percent ``.py`` -> notebook -> nbclient.

Every ``notebooks/[0-9]*.py`` is a notebook; a new one is picked up by the glob alone.
:mod:`test_notebooks` executes each of them in ``make test``; ``make notebooks`` runs
this file as a script, which also writes the executed ``.ipynb`` (gitignored) next to
each source for opening in Jupyter::

    .venv/bin/python tests/notebook_runner.py [--write-ipynb] [notebooks/01_derivation.py ...]

The kernel is the Python running this module (``sys.executable``, that is ``.venv``'s),
started through a kernelspec written to a temporary directory: nothing has to be
installed by hand on a fresh machine, and no user-level ``python3`` kernelspec pointing
at another interpreter can shadow it. The kernel keeps the test suite's strict numerics:
warnings are errors (``PYTHONWARNINGS=error``) and jax rank promotion raises
(``JAX_NUMPY_RANK_PROMOTION=raise``). Its working directory is ``notebooks/``, so a
notebook saves its figures under ``figures/``; the notebook itself is converted in
memory and nothing else is written.

An **exercise notebook** ``NN_topic.py`` has a solved twin ``NN_topic_solved.py``: the
same cells, except those tagged ``exercise`` (skeletons for the learner to fill in, or
their solutions). Its cells tagged ``check`` run the checker and fail until the
exercises are solved, so it is not run as a passing notebook: the tests execute the
solved twin like any walk-through, and require every check cell of the unsolved one to
fail with the checker's report. ``make notebooks`` writes the exercise notebook's
``.ipynb`` unexecuted, ready to be filled in.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
FIGURE_DIR = NOTEBOOK_DIR / "figures"
NOTEBOOK_GLOB = "[0-9]*.py"
SOLVED_SUFFIX = "_solved"  # NN_topic_solved.py is the solved twin of the exercises NN_topic.py

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
    """An executed notebook and its wall-clock time in seconds (kernel start included)."""

    notebook: Any  # nbformat.NotebookNode
    seconds: float


def notebook_sources() -> list[Path]:
    """Every notebook, in reading order: ``notebooks/[0-9]*.py``, exercises included."""
    return sorted(NOTEBOOK_DIR.glob(NOTEBOOK_GLOB))


def solved_twin(path: Path) -> Path:
    """Where the solved twin of the exercise notebook ``path`` lives: ``NN_topic_solved.py``."""
    return path.with_name(f"{path.stem}{SOLVED_SUFFIX}{path.suffix}")


def is_exercise(path: Path) -> bool:
    """Whether ``path`` is an exercise notebook for the learner: it has a solved twin."""
    return solved_twin(path).exists()


def passing_sources() -> list[Path]:
    """The notebooks that must run through: every one but the unsolved exercises."""
    return [path for path in notebook_sources() if not is_exercise(path)]


def exercise_sources() -> list[Path]:
    """The unsolved exercise notebooks, whose check cells must fail."""
    return [path for path in notebook_sources() if is_exercise(path)]


def figure_prefix(path: Path) -> str:
    """The name its figures start with: ``NN_topic`` (a solved twin draws its exercises' figures)."""
    return path.stem.removesuffix(SOLVED_SUFFIX)


def read_notebook(path: Path) -> Any:
    """The jupytext percent-format file ``path`` as an (unexecuted) nbformat notebook."""
    import jupytext

    return jupytext.read(path, fmt="py:percent")


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


def execute_source(path: Path) -> Run:
    """Read the walk-through ``path`` and execute it with ``notebooks/`` as the working directory."""
    return execute(read_notebook(path), NOTEBOOK_DIR, name=str(path.relative_to(ROOT)))


def write_ipynb(notebook: Any, path: Path) -> None:
    """Write ``notebook`` to ``path`` atomically (temporary file + ``os.replace``)."""
    import nbformat

    from autograd_lr.training.persistence import atomic_write_bytes

    atomic_write_bytes(path, nbformat.writes(notebook).encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="default: every notebooks/[0-9]*.py")
    parser.add_argument(
        "--write-ipynb", action="store_true", help="also write the executed .ipynb next to each"
    )
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or notebook_sources()
    failed = 0
    for path in paths:
        if is_exercise(path):  # for the learner to fill in: running it would stop at a check
            line = f"{path.relative_to(ROOT)}: exercises, not run (its solved twin is)"
            if args.write_ipynb:
                write_ipynb(read_notebook(path), path.with_suffix(".ipynb"))
                line += f" -> {path.with_suffix('.ipynb').relative_to(ROOT)} (unexecuted)"
            print(line)
            continue
        try:
            run = execute_source(path)
        except NotebookError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        line = f"{path.relative_to(ROOT)}: ran in {run.seconds:.1f} s"
        if args.write_ipynb:
            write_ipynb(run.notebook, path.with_suffix(".ipynb"))
            line += f" -> {path.with_suffix('.ipynb').relative_to(ROOT)}"
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
