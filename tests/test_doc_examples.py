"""Every example in README.md and docs/*.md that shows an output is run, and its output compared.

Sybil parses the pages (its fenced-code-block lexer) and this module says which blocks are
examples and how each is checked:

- a ``python`` block with ``>>>`` prompts is a doctest;
- a ``python`` block followed directly by a ``text`` block: the code runs, and what it
  prints must be the text; any other ``python`` block runs too (a later example may use
  what it defines or writes);
- a ``console`` block: each ``$ command`` runs in a shell (``.venv/bin/`` is this
  environment's), and what it prints must be the lines below it, up to the next ``$``;
- a ``python`` block whose first line is ``# NAME.py`` is a file the page asks the reader
  to save: it is written, for the page's commands to use.

Each page runs in a folder of its own under pytest's temporary directory, its examples in
order, sharing one namespace, so an example may use what an earlier one defined. Outputs
are compared after normalising what differs from run to run (timings, addresses); a line
``...`` in an expected output stands for any number of lines. An example the tests cannot
run (a class's folder of submissions, a Gradescope upload) is marked in its page with
``<!-- example: not run, REASON -->`` just above it, and shows no output. A block that is
no example's output (a diagram, a folder's layout, pseudo-code) is marked
``<!-- not an output: WHAT -->``. A test scans every page: any other block that could
show an output must be one of the examples run here.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sybil import Document, Example, Region
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!--\s*example: not run, (?P<reason>[^>]*?)\s*-->\s*$")
# A block that is not an example's output (a diagram, a folder's layout, pseudo-code).
NOT_OUTPUT = re.compile(r"<!--\s*not an output: (?P<what>[^>]*?)\s*-->\s*$")
# Languages of blocks that show no output: commands to type, the contents of a file.
NO_OUTPUT_LANGUAGES = {"bash", "yaml", "markdown", "derivation", "toml"}
# A command's prompt; what follows it runs in bash. `.venv/bin/` is this environment.
PROMPT = "$ "
COMMAND_TIMEOUT_S = 300  # a first check compiles jax's functions: seconds, on a busy machine

# What differs from one run to the next, replaced in both the expected and the actual text.
NORMALISERS = [
    # a progress bar redrawn with carriage returns: a terminal shows its last state
    (re.compile(r"^[^\n]*\r(?=[^\n])", re.MULTILINE), ""),
    (re.compile(r"\[\d+:\d+<[\d:?]+, [\d.?]+\s?it/s"), "[<elapsed>, <rate>"),  # tqdm's
    # dask's own log lines (a worker slow to stop on a busy machine), timestamped
    (re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ - distributed\.[\w.]+ - [A-Z]+ - .*\n", re.M), ""),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|min)\b"), "<time>"),  # 0.91 s, 33 ms
    (re.compile(r"<time> \(\d+:\d\d:\d\d\)"), "<time>"),  # pytest's "65.91s (0:01:05)"
    (re.compile(r"\b0x[0-9a-f]{6,}\b"), "0x<address>"),
    (re.compile(r"(tcp|http)://127\.0\.0\.1:\d+"), r"\1://127.0.0.1:<port>"),  # a local cluster's
    (re.compile(r"\b\d+(?:\.\d+)? GB memory limit"), "<memory> memory limit"),  # the machine's
    (re.compile(r"\b\d+ workers, \d+ threads"), "<n> workers, <n> threads"),  # one per CPU
    (re.compile(r"[ \t]+$", re.MULTILINE), ""),
]


def normalise(text: str) -> str:
    for pattern, replacement in NORMALISERS:
        text = pattern.sub(replacement, text)
    return text.strip("\n")


def matches(expected: str, actual: str) -> bool:
    """``actual`` equals ``expected`` after normalising, a line ``...`` matching any lines."""
    pattern = "\n".join(
        r"(?:.*\n)*?.*" if line.strip() == "..." else re.escape(line)
        for line in normalise(expected).split("\n")
    )
    return re.fullmatch(pattern, normalise(actual)) is not None


def _folder(example: Example) -> Path:
    return Path(example.namespace["__folder__"])


def _fail(expected: str, actual: str, where: str) -> None:
    raise AssertionError(
        f"{where}: the output differs from the page.\n--- the page shows:\n{expected}\n"
        f"--- the code printed:\n{actual}"
    )


def run_python(example: Example) -> None:
    code, expected = example.parsed
    # from a file of its own, so that inspect (and the checker's line-by-line trace) finds
    # the example's source, as it would in the reader's file
    script = _folder(example) / f"{Path(str(example.path)).stem}_line{example.line}.py"
    script.write_text(code, encoding="utf-8")
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(_folder(example))
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(script), "exec"), example.namespace)
    finally:
        os.chdir(cwd)
    if expected is not None and not matches(expected, out.getvalue()):
        _fail(expected, out.getvalue(), f"{example.path}, line {example.line}")


def run_doctest(example: Example) -> None:
    test = doctest.DocTestParser().get_doctest(
        example.parsed, example.namespace, str(example.path), str(example.path), example.line
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(_folder(example))
    try:
        runner.run(test, out=out.write, clear_globs=False)
    finally:
        os.chdir(cwd)
    assert not runner.failures, out.getvalue()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{env.get('PYTHONPATH', '')}"
    env["COLUMNS"] = "100"  # argparse's help, as a terminal of 100 columns shows it
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleaved as a terminal shows them
    # A learner's terminal, not a CI job: pytest prints whole failure messages in its summary
    # when CI or BUILD_NUMBER is set, so the pages' pytest sessions would differ under CI.
    for name in ("CI", "BUILD_NUMBER"):
        env.pop(name, None)
    return env


def run_console(example: Example) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in example.parsed.splitlines():
        if line.startswith(PROMPT):
            commands.append((line[len(PROMPT) :], []))
        elif commands:
            commands[-1][1].append(line)
    for command, lines in commands:
        done = subprocess.run(
            command.replace(".venv/bin/", ""),
            shell=True,
            executable="/bin/bash",
            cwd=_folder(example),
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        # decoded by hand: text mode would turn a progress bar's carriage returns into lines
        printed = done.stdout.decode("utf-8")
        expected = "\n".join(lines)
        if not matches(expected, printed):
            _fail(expected, printed, f"{example.path}, `{command}`")


def save_file(example: Example) -> None:
    name, source = example.parsed
    (_folder(example) / name).write_text(source, encoding="utf-8")


def _shows_output(console: str) -> bool:
    return any(line.strip() and not line.startswith(PROMPT) for line in console.splitlines())


def parse(document: Document) -> Iterator[Region]:
    """The examples of one page, in order (see the module's docstring)."""
    blocks = list(FencedCodeBlockLexer(r"[\w-]*")(document))
    for i, block in enumerate(blocks):
        language, source = block.lexemes["language"], str(block.lexemes["source"])
        before = document.text[: block.start].rstrip("\n").rpartition("\n")[2]
        if NOT_RUN.search(before):
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        followed = after is not None and not document.text[block.end : after.start].strip()
        first = source.split("\n", 1)[0]
        if language == "python" and re.fullmatch(r"# [\w.-]+\.py", first):
            yield Region(block.start, block.end, (first[2:], source), save_file)
        elif language == "python" and ">>>" in source:
            yield Region(block.start, block.end, source, run_doctest)
        elif (
            language == "python"
            and followed
            and after is not None
            and after.lexemes["language"] == "text"
        ):
            output = str(after.lexemes["source"])
            yield Region(block.start, after.end, (source, output), run_python)
        elif language == "python":  # shows no output, but must run: later examples use it
            yield Region(block.start, block.end, (source, None), run_python)
        elif language == "console" and PROMPT in source and _shows_output(source):
            yield Region(block.start, block.end, source, run_console)


def _examples() -> list[Any]:
    params = []
    for page in PAGES:
        document = Document(page.read_text(encoding="utf-8"), str(page))
        for region in parse(document):
            document.add(region)
        name = str(page.relative_to(ROOT))
        for example in document:
            marks = []
            if example.region.evaluator is run_console:
                marks.append(pytest.mark.slow)  # starts a process, as the slow marker says
            params.append(pytest.param(example, id=f"{name}:{example.line}", marks=marks))
    return params


EXAMPLES = _examples()
_RUN: set[tuple[str, int]] = set()  # (page, line) of the examples run in this process
_FOLDERS: dict[str, Path] = {}


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_example_prints_what_the_page_shows(
    example: Example, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Run in page order (one folder and one namespace per page)."""
    page = str(example.path)
    if page not in _FOLDERS:
        _FOLDERS[page] = tmp_path_factory.mktemp(Path(page).stem)
    example.namespace.setdefault("__folder__", str(_FOLDERS[page]))
    example.namespace.setdefault("__name__", "__docs_example__")
    # A page's later examples use what its earlier ones defined or wrote; pytest-xdist may
    # run them on another worker, so the earlier ones run here first, once per process.
    for earlier in example.document:
        if earlier.line >= example.line:
            break
        if (page, earlier.line) not in _RUN:
            _RUN.add((page, earlier.line))
            earlier.evaluate()
    _RUN.add((page, example.line))
    example.evaluate()


def test_the_pages_have_examples_and_say_why_one_is_not_run() -> None:
    pages = {Path(str(p.values[0].path)).name for p in EXAMPLES}
    assert {"README.md", "checking.md", "training.md"} <= pages, sorted(pages)
    for page in PAGES:
        for reason in NOT_RUN.finditer(page.read_text(encoding="utf-8")):
            assert len(reason["reason"]) > 10, f"{page.name}: say why an example is not run"


def _line(document: Document, at: int) -> int:
    return document.text[:at].count("\n") + 1


def test_every_block_that_could_show_an_output_is_run() -> None:
    """A fenced block that is not run is what to type, a file's contents, code marked not
    run (which then shows no output), or marked as not an output; nothing else."""
    problems = []
    for page in PAGES:
        document = Document(page.read_text(encoding="utf-8"), str(page))
        run = [(region.start, region.end) for region in parse(document)]
        for block in FencedCodeBlockLexer(r"[\w-]*")(document):
            language, source = block.lexemes["language"], str(block.lexemes["source"])
            before = document.text[: block.start].rstrip("\n").rpartition("\n")[2]
            where = f"{page.name}:{_line(document, block.start)} ({language or 'no language'})"
            if any(start <= block.start and block.end <= end for start, end in run):
                continue
            if NOT_RUN.search(before):
                if language == "console" and _shows_output(source):
                    problems.append(f"{where}: not run, yet it shows an output")
            elif not (
                NOT_OUTPUT.search(before)
                or language in NO_OUTPUT_LANGUAGES
                or (language == "console" and not _shows_output(source))
            ):
                problems.append(f"{where}: shows what no tested example printed")
    assert not problems, "\n".join(problems)


def test_the_normalisers_keep_what_could_be_wrong() -> None:
    assert matches("check (0.91 s)\nok", "check (12.3 s)\nok")
    assert not matches("dw ok 1.7e-16", "dw wrong 9.1e-01")
    assert matches("first\n...\nlast", "first\na\nb\nlast")
    assert not matches("first\n...\nlast", "first\na\nb")
    bar = "gd: 100%|██| 5/5 [00:00<00:00, 4648.97it/s, cost=0.258682]"
    assert matches(bar, "gd:  0%|  | 0/5 [00:00<?, ?it/s]\r" + bar.replace("4648.97", "12.5"))
    assert not matches(bar, bar.replace("cost=0.258682", "cost=0.258683"))
    assert matches("1 failed in 7.29s", "1 failed in 65.91s (0:01:05)")
    log = "2026-12-07 09:50:49,888 - distributed.nanny - WARNING - Worker process still alive\n"
    assert matches("memory\nsummary", "memory\n" + log + "summary")
    assert not matches("memory\nsummary", "memory\nWARNING: w changed\nsummary")
    assert matches(
        "cluster tcp://127.0.0.1:41189: 25.28 GB memory limit",
        "cluster tcp://127.0.0.1:3: 8 GB memory limit",
    )
