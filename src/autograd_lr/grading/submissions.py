r"""What students hand in: ``.py`` files, ``.ipynb`` notebooks, folders of them.

Everything here reads the submission as **data** in the grader's process (``ast.parse``,
``nbformat``): nothing of it runs here. :func:`resolve` turns a command-line target
into a :class:`Submission` (the path relative to the current directory, as typed;
sub-folders included; a folder target, ``folder:function``, is the one file in it that
defines the function, found by :func:`pick`); :func:`copy_to_scratch` writes the code the
child will load into the run's private scratch directory (a :class:`ScratchCopy`), and
lists what the grader noticed:

* a notebook's code cells, in order, with IPython magics (``%...``, ``%%...`` cells) and
  shell lines (``!...``) left out and counted in a note;
* an import of ``autograd_lr`` (the reference solution, refused in the sandbox), with the
  fix: copy the function into a numpy-only file;
* an import of a ``--forbid-imports`` module, found in the source before anything runs.

**No link is followed** below the folder the instructor named (:func:`read`): a symbolic
link, a file with a second name (a hard link, whose other name may be anywhere, a
classmate's file or a secret), and a special file (a FIFO, a device, a socket) are
refused, and nothing is read from what they point to. Each component is opened with
``O_NOFOLLOW`` relative to the folder above it and the opened descriptor is checked
(``fstat``), so no name can be swapped between the check and the read.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", ".venv", "node_modules"}
MAX_SOURCE_BYTES = 4 * 2**20  # a hand-in larger than this is not a propagate
REFERENCE = "autograd_lr"
MAGIC = re.compile(r"^\s*(%|!)")
SURROGATE = re.compile("[\ud800-\udfff]")  # JSON's "\\ud800" decodes to one; UTF-8 cannot hold it


class SubmissionError(ValueError):
    """The target cannot be read or named (bad syntax, missing file): exit code 2."""


@dataclass(frozen=True)
class Submission:
    """One hand-in: its file (as typed, relative or absolute) and the function to grade.

    ``base`` is the folder the instructor named (a folder given to ``grade``, else the
    file's own folder): links are followed up to it, and never below it.
    """

    path: Path
    function: str
    base: Path | None = None
    # the student's own modules beside it that it imports (``from utils import sigmoid``):
    # copied next to it, so the import works where it runs
    helpers: tuple[Path, ...] = ()
    # why a folder target names no single file; the grade is then ``cannot_load`` with it
    problem: str = ""

    @property
    def target(self) -> str:
        return f"{self.path.as_posix()}:{self.function}"


@dataclass
class ScratchCopy:
    """A submission copied into the run's scratch directory: the code the child loads, and
    what was noticed reading it."""

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
        if os.path.lexists(candidate) and not candidate.is_dir():
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
            f"target {target!r} must be path/to/file.py:function, notebook.ipynb:function, "
            "folder:function or package.module:function"
        )
    if os.path.isdir(where):
        return pick(Path(where), name)
    if where.endswith(SUFFIXES):
        path = Path(where)
        if not os.path.lexists(path) or path.is_dir():  # a link is refused when read
            raise SubmissionError(f"no such file: {where} (relative to {Path.cwd()})")
        return Submission(path, name)
    if all(part.isidentifier() for part in where.split(".")):
        found = _module_file(where)
        if found is None:
            raise SubmissionError(f"no module {where} in {Path.cwd()}: give its file, {where}.py")
        return Submission(found, name)
    raise SubmissionError(
        f"{where!r} is neither a .py or .ipynb file nor a module name like pkg.module, nor a folder"
    )


def _defines(source: str, function: str) -> bool:
    """Whether the module's top level defines ``function`` (``def``, ``async def``)."""
    tree = ast.parse(source)
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
        for node in tree.body
    )


def _code_of(submission: Submission) -> str:
    """A file's code as the grader runs it (a notebook's code cells as one script)."""
    raw = read(submission)
    if submission.path.suffix == ".ipynb":
        return notebook_source(raw)[0]
    return raw.decode("utf-8", errors="replace")


def _local_imports(path: Path, folder: Path, source: str) -> tuple[Path, ...]:
    """The ``.py`` modules of ``folder`` that ``source`` imports, and theirs in turn."""
    found: dict[str, Path] = {}
    todo = [source]
    while todo:
        try:
            names = _imports(ast.parse(todo.pop()))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the grader reports the file's own syntax error; a helper's, at import
        for name in sorted(names - set(found) - {path.stem}):
            helper = folder / f"{name}.py"
            if not os.path.lexists(helper):
                continue
            found[name] = helper
            # a link or an unreadable file is refused when it is copied, with the reason
            with contextlib.suppress(SubmissionError):
                todo.append(_code_of(Submission(helper, "", folder)))
    return tuple(found[name] for name in sorted(found))


def pick(folder: Path, function: str) -> Submission:
    r"""The file under ``folder`` whose top level defines ``function``, found by parsing
    each ``.py`` and ``.ipynb`` (nothing is imported or run), with the modules beside it
    that it imports.

    As in Gradescope's ``/autograder/submission/``, where a student may upload
    ``propagate.py`` with a ``utils.py`` it imports. When no file or several define it,
    the :class:`Submission` carries the reason in ``problem`` (graded ``cannot_load``
    with it, so a report is still written); links below ``folder`` are never followed.
    """
    files = sorted(_found_under(folder))
    if not files:
        raise SubmissionError(f"no .py or .ipynb file under {folder.as_posix()}")
    defining: list[tuple[Path, str]] = []
    unreadable: list[str] = []
    for path in files:
        shown = path.relative_to(folder).as_posix()
        try:
            source = _code_of(Submission(path, function, folder))
            if _defines(source, function):
                defining.append((path, source))
        except SubmissionError as exc:
            unreadable.append(f"{shown} ({exc})")
        except SyntaxError as exc:
            unreadable.append(f"{shown} (SyntaxError: {exc.msg}, line {exc.lineno})")
        except (ValueError, RecursionError, MemoryError) as exc:
            unreadable.append(f"{shown} (Python cannot parse it: {type(exc).__name__})")
    names = ", ".join(p.relative_to(folder).as_posix() for p in files)
    if len(defining) == 1:
        ((path, source),) = defining
        return Submission(path, function, folder, _local_imports(path, path.parent, source))
    if defining:
        several = ", ".join(p.relative_to(folder).as_posix() for p, _ in defining)
        problem = (
            f"{len(defining)} files define {function}: {several}; the grader cannot tell which "
            f"one to grade: hand in {function} in one file only (rename or delete the others)"
        )
    else:
        problem = f"no file defines {function} at its top level (looked in: {names})"
        if unreadable:
            problem += "; these could not be read: " + "; ".join(unreadable)
        problem += f": hand in the file with `def {function}(...)` in it"
    return Submission(folder, function, folder, problem=problem)


def _found_under(folder: Path) -> list[Path]:
    """Every ``.py`` / ``.ipynb`` entry under ``folder``, links and special files included
    (they are refused when read, so the gradebook lists them), and every link to a
    folder; no link is followed. Hidden files and :data:`SKIPPED_DIRS` are left out."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS:
                    found += _found_under(Path(entry.path))
            elif entry.name.startswith("."):
                continue
            elif entry.name.endswith(SUFFIXES) or (
                entry.is_symlink() and entry.is_dir(follow_symlinks=True)
            ):
                found.append(Path(entry.path))
    return found


def expand(paths: Iterable[str], function: str) -> list[Submission]:
    """Every ``.py`` / ``.ipynb`` named, or found under a named folder (sorted, recursive;
    links below a named folder are listed, never followed)."""
    out: list[Submission] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(_found_under(path))
            if not found:
                raise SubmissionError(f"no .py or .ipynb file under {text}")
            out += [Submission(p, function, path) for p in found]
        elif os.path.lexists(path) and path.suffix in SUFFIXES:
            out.append(Submission(path, function))
        elif os.path.lexists(path):
            raise SubmissionError(f"{text} is neither a .py file nor an .ipynb notebook")
        else:
            raise SubmissionError(f"no such file or folder: {text} (relative to {Path.cwd()})")
    if not out:
        raise SubmissionError("no submission given")
    return out


_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def _refused(shown: str, mode: int) -> SubmissionError:
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    fix = (
        "a submission must be the file itself: replace the link with a copy of the file"
        if stat.S_ISLNK(mode)
        else "a submission must be a regular file"
    )
    return SubmissionError(f"refused: {shown} is {kind}, which the grader does not read; {fix}")


def _open_below(base: Path, parts: tuple[str, ...]) -> int:
    """An ``O_PATH`` descriptor of ``base/parts...``, no component below ``base`` followed
    if it is a link (``SubmissionError`` naming it)."""
    fd = os.open(base, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for k, part in enumerate(parts):
            nxt = os.open(part, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = nxt
            mode = os.fstat(fd).st_mode
            if k < len(parts) - 1 and not stat.S_ISDIR(mode):
                folder = (base / Path(*parts[: k + 1])).as_posix()
                raise _refused(folder, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read(submission: Submission) -> bytes:
    r"""The bytes of the submission's file, read without following a link below its
    ``base``: ``SubmissionError`` (refused, with the reason) for a symbolic link, a file
    with more than one name (a hard link), a special file, or one over
    :data:`MAX_SOURCE_BYTES`.

    A hard link is refused whatever its other name: the other name could be a classmate's
    file or a secret outside the class folder, and no ``fstat`` says where it is.
    """
    path = submission.path
    shown = path.as_posix()
    base = submission.base if submission.base is not None else path.parent
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        parts = ()
    if not parts:
        base, parts = path.parent, (path.name,)
    try:
        leaf = _open_below(base, parts)
    except OSError as exc:
        raise SubmissionError(f"cannot read {shown}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(leaf)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(shown, info.st_mode)
        if info.st_nlink > 1:
            raise SubmissionError(
                f"refused: {shown} is a hard link (a file with {info.st_nlink} names), and its "
                "other names may be files outside the class folder, which the grader does not read; "
                "hand in a copy of the file (cp, not ln)"
            )
        if info.st_size > MAX_SOURCE_BYTES:
            raise SubmissionError(f"{shown} is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
        # reopened through the descriptor checked above: the same file, whatever its name is now
        try:
            fd = os.open(f"/proc/self/fd/{leaf}", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise SubmissionError(f"cannot read {shown}: {exc.strerror or exc}") from None
    finally:
        os.close(leaf)
    with os.fdopen(fd, "rb") as file:
        raw = file.read(MAX_SOURCE_BYTES + 1)
    if len(raw) > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{shown} is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
    return raw


def notebook_source(raw: bytes) -> tuple[str, int, list[tuple[int, int]]]:
    """The code cells of a notebook as one script, how many IPython lines were left out,
    and where each cell starts: ``(line of the script, cell number)``, for tracebacks."""
    import nbformat

    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        found = [(k, cell) for k, cell in enumerate(notebook.cells) if _is_code(cell)]
        sources = [(k, _cell_source(cell)) for k, cell in found]
    except Exception as exc:  # nbformat (and a malformed notebook) raise many kinds
        raise SubmissionError(
            f"not a readable notebook ({type(exc).__name__}: {exc})"[:300]
        ) from None
    parts, skipped, cells, line = [], 0, [], 1
    for k, source in sources:
        surrogate = SURROGATE.search(source)
        if surrogate:
            raise SubmissionError(
                f"cell {k + 1} holds a lone surrogate (\\u{ord(surrogate.group()):04x}), which "
                "is not a character and cannot be run: delete it, or type the character it "
                "was meant to be"
            )
        lines = source.splitlines()
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


def warm() -> None:
    """Import now what reading any submission may import (nbformat, its validator,
    jsonschema and its format checkers): a small notebook is read, and broken ones are
    refused. The grader calls it before the first submission runs, so no module is first
    imported after a submission's code could have written one."""
    import json

    cell: dict[str, object] = {"cell_type": "code", "source": "x = 1", "metadata": {}}
    cell |= {"id": "warm", "outputs": [], "execution_count": None}
    good = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    notebook_source(json.dumps(good).encode())
    bad_cell = {**good, "cells": [{"cell_type": "code", "source": 1}]}
    for broken in (b"{}", b"[", json.dumps(bad_cell).encode(), b"\xff"):
        with contextlib.suppress(SubmissionError):
            notebook_source(broken)


def _is_code(cell: object) -> bool:
    return isinstance(cell, dict) and cell.get("cell_type") == "code"


def _cell_source(cell: dict[str, object]) -> str:
    """A code cell's source (a string, or a list of lines in a notebook nbformat let through)."""
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    if not isinstance(source, str):
        raise TypeError(f"a code cell's source is a {type(source).__name__}, not text")
    return source


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


def copy_to_scratch(submission: Submission, scratch: Path) -> ScratchCopy:
    """Write the submission's code into ``scratch``; note what the grader sees in it."""
    if submission.problem:
        raise SubmissionError(submission.problem)
    path = submission.path
    raw = read(submission)
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
    scratch_copy = ScratchCopy(file, source, cells, notes)
    helper_imports: set[str] = set()
    for helper in submission.helpers:
        if helper.name == file:
            continue  # the submission itself, under the name it is loaded as
        code = read(Submission(helper, submission.function, submission.base))
        (scratch / helper.name).write_bytes(code)
        notes.append(f"{helper.name} was copied beside it, since it imports that module")
        # a helper's syntax error shows when the submission imports it
        with contextlib.suppress(SyntaxError, ValueError, RecursionError, MemoryError):
            helper_imports |= _imports(ast.parse(code))
    try:
        scratch_copy.imports = _imports(ast.parse(source, filename=str(path))) | helper_imports
    except SyntaxError as exc:
        where = in_notebook(f"line {exc.lineno}", cells)
        scratch_copy.syntax_error = f"SyntaxError: {exc.msg} ({where})"
        return scratch_copy
    except (ValueError, RecursionError, MemoryError) as exc:  # a NUL byte, a nesting too deep
        scratch_copy.syntax_error = f"Python cannot parse it ({type(exc).__name__}: {exc})"[:300]
        return scratch_copy
    if REFERENCE in scratch_copy.imports:
        kind = "notebook" if path.suffix == ".ipynb" else "file"
        notes.append(
            f"this {kind} imports autograd_lr, which the grader does not let a submission "
            f"import (it holds the reference solution): copy your {submission.function} into a "
            "file that imports only numpy, and grade that file"
        )
    return scratch_copy


def forbidden_found(scratch_copy: ScratchCopy, forbidden: Sequence[str]) -> list[str]:
    """The ``--forbid-imports`` names the source imports (sorted)."""
    return sorted(scratch_copy.imports & set(forbidden))
