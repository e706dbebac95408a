r"""What students hand in: ``.py`` files, ``.ipynb`` notebooks, folders of them.

Everything here reads the submission as **data** in the grader's process (``ast.parse``,
``nbformat``): nothing of it runs here. :func:`resolve` turns a command-line target
into a :class:`Submission` (the path relative to the current directory, as typed;
sub-folders included); :func:`prepare` writes the code the child will load into the
run's private scratch directory, and lists what the grader noticed:

* a notebook's code cells, in order, with IPython magics (``%...``, ``%%...`` cells) and
  shell lines (``!...``) left out and counted in a note;
* an import of ``autograd_lr`` (the reference solution, refused in the sandbox), with the
  fix: copy the function into a numpy-only file;
* an import of a ``--forbid-imports`` module, found in the source before anything runs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", ".venv", "node_modules"}
MAX_SOURCE_BYTES = 4 * 2**20  # a hand-in larger than this is not a propagate
REFERENCE = "autograd_lr"
MAGIC = re.compile(r"^\s*(%|!)")


class SubmissionError(ValueError):
    """The target cannot be read or named (bad syntax, missing file): exit code 2."""


@dataclass(frozen=True)
class Submission:
    """One hand-in: its file (as typed, relative or absolute) and the function to grade."""

    path: Path
    function: str

    @property
    def target(self) -> str:
        return f"{self.path.as_posix()}:{self.function}"


@dataclass
class Prepared:
    """The code the child loads, and what was noticed reading it."""

    file: str  # its name in the scratch directory
    source: str = ""  # the code, as the child loads it
    cells: list[tuple[int, int]] = field(default_factory=list)  # a notebook's cell starts
    notes: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)  # top-level names of every import
    syntax_error: str = ""


def _module_file(where: str) -> Path | None:
    """``pkg.module`` -> ``pkg/module.py`` (or its ``__init__.py``), from the current directory."""
    base = Path(*where.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def resolve(target: str) -> Submission:
    r"""``path/to/file.py:function``, ``notebook.ipynb:function`` or ``pkg.module:function``.

    Paths are taken relative to the current directory, exactly as typed (a sub-folder
    included); a module name is looked up as a file from the current directory too.
    """
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise SubmissionError(
            f"target {target!r} must be path/to/file.py:function, notebook.ipynb:function "
            "or package.module:function"
        )
    if where.endswith(SUFFIXES):
        path = Path(where)
        if not path.is_file():
            raise SubmissionError(f"no such file: {where} (relative to {Path.cwd()})")
        return Submission(path, name)
    if all(part.isidentifier() for part in where.split(".")):
        found = _module_file(where)
        if found is None:
            raise SubmissionError(f"no module {where} in {Path.cwd()}: give its file, {where}.py")
        return Submission(found, name)
    raise SubmissionError(
        f"{where!r} is neither a .py or .ipynb file nor a module name like pkg.module"
    )


def expand(paths: Iterable[str], function: str) -> list[Submission]:
    """Every ``.py`` / ``.ipynb`` named, or found under a named folder (sorted, recursive)."""
    out: list[Submission] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in SUFFIXES
                and p.is_file()
                and not (set(p.relative_to(path).parts[:-1]) & SKIPPED_DIRS)
                and not p.name.startswith(".")
            )
            if not found:
                raise SubmissionError(f"no .py or .ipynb file under {text}")
            out += [Submission(p, function) for p in found]
        elif path.is_file() and path.suffix in SUFFIXES:
            out.append(Submission(path, function))
        elif path.is_file():
            raise SubmissionError(f"{text} is neither a .py file nor an .ipynb notebook")
        else:
            raise SubmissionError(f"no such file or folder: {text} (relative to {Path.cwd()})")
    if not out:
        raise SubmissionError("no submission given")
    return out


def notebook_source(raw: bytes) -> tuple[str, int, list[tuple[int, int]]]:
    """The code cells of a notebook as one script, how many IPython lines were left out,
    and where each cell starts: ``(line of the script, cell number)``, for tracebacks."""
    import nbformat

    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        raise SubmissionError(
            f"not a readable notebook ({type(exc).__name__}: {exc})"[:300]
        ) from None
    parts, skipped, cells, line = [], 0, [], 1
    for k, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        lines = str(cell.get("source", "")).splitlines()
        if lines and lines[0].lstrip().startswith("%%"):  # a cell magic: not Python at all
            skipped += len(lines)
            continue
        kept = []
        for text in lines:
            if MAGIC.match(text):
                skipped += 1
                indent = text[: len(text) - len(text.lstrip())]
                kept.append(f"{indent}pass  # {text.strip()}")  # keeps line numbers and blocks
            else:
                kept.append(text)
        cells.append((line + 1, k + 1))  # after the "# --- cell" line
        parts.append(f"# --- cell {k + 1}\n" + "\n".join(kept))
        line += len(kept) + 2  # the marker line and the blank line between cells
    return "\n\n".join(parts) + "\n", skipped, cells


def in_notebook(where: str, cells: list[tuple[int, int]]) -> str:
    """``"line 12 in propagate: ..."`` of the script as ``"cell 4, line 3 in propagate: ..."``."""
    found = re.match(r"line (\d+)", where)
    if not cells or not found:
        return where
    number = int(found.group(1))
    start, cell = max(((s, c) for s, c in cells if s <= number), default=cells[0])
    return f"cell {cell}, line {number - start + 1}" + where[found.end() :]


def _imports(tree: ast.AST) -> set[str]:
    """Top-level names imported anywhere in the tree (``import a.b`` and ``from a import b``
    give ``a``; ``__import__("a")`` and ``importlib.import_module("a")`` with a literal too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.partition(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            named = getattr(func, "id", None) or getattr(func, "attr", None)
            if named in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value.partition(".")[0])
    return found


def prepare(submission: Submission, scratch: Path) -> Prepared:
    """Write the submission's code into ``scratch``; note what the grader sees in it."""
    path = submission.path
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise SubmissionError(f"{path} is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror or exc}") from None
    notes: list[str] = []
    if path.suffix == ".ipynb":
        source, skipped, cells = notebook_source(raw)
        if skipped:
            notes.append(
                f"{skipped} IPython line{'s' if skipped != 1 else ''} (magics %, shell !) "
                "of the notebook were left out: the grader runs the code cells as plain Python"
            )
    else:
        source, cells = raw.decode("utf-8", errors="replace"), []
    name = re.sub(r"[^A-Za-z0-9_]", "_", path.stem) or "submission"
    file = f"{name if name[0].isalpha() else 'm_' + name}.py"
    (scratch / file).write_text(source, encoding="utf-8")
    prepared = Prepared(file, source, cells, notes)
    try:
        prepared.imports = _imports(ast.parse(source, filename=str(path)))
    except SyntaxError as exc:
        where = in_notebook(f"line {exc.lineno}", cells)
        prepared.syntax_error = f"SyntaxError: {exc.msg} ({where})"
        return prepared
    if REFERENCE in prepared.imports:
        kind = "notebook" if path.suffix == ".ipynb" else "file"
        notes.append(
            f"this {kind} imports autograd_lr, which the grader does not let a submission "
            f"import (it holds the reference solution): copy your {submission.function} into a "
            "file that imports only numpy, and grade that file"
        )
    return prepared


def forbidden_found(prepared: Prepared, forbidden: Sequence[str]) -> list[str]:
    """The ``--forbid-imports`` names the source imports (sorted)."""
    return sorted(prepared.imports & set(forbidden))
