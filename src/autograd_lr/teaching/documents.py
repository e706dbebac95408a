r"""Derivations written in documents: Markdown files and Jupyter notebooks, for CI.

A derivation sits in a fenced block whose info string is ``derivation`` (optionally
``derivation lambd=0.7`` for the L2 cost), one ``name = expression`` line per step,
in Python syntax or LaTeX; blank lines and ``#`` comments are skipped::

    ```derivation
    da = -\frac{y}{a} + \frac{1-y}{1-a}
    dz = da \cdot a(1-a)
    dw = x\,dz
    db = dz
    ```

Every block of the file is checked with :func:`~autograd_lr.teaching.derivation.check_derivation`.
:func:`payload` is the versioned JSON of ``autograd-lr derivation --json``; its JSON Schema
ships as ``autograd_lr/teaching/schema/derivation.schema.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from autograd_lr._version import __version__
from autograd_lr.teaching.derivation import check_derivation
from autograd_lr.teaching.report import DerivationReport

SCHEMA_VERSION = "2.0"  # "MAJOR.MINOR", the format of every JSON report of the package; 2.0: mistakes are the error model's rule names
EXIT_PASS, EXIT_FAIL, EXIT_CANNOT_LOAD = 0, 1, 2
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_OPTION = re.compile(r"^(?P<key>lambd|lambda|λ)\s*=\s*(?P<value>\S+)$")


class DocumentError(ValueError):
    """A document whose derivations cannot be loaded (no file, no block, a malformed line)."""


@dataclass(frozen=True)
class DerivationBlock:
    """One ``derivation`` block: where it is, its steps in order and its λ."""

    where: str
    steps: dict[str, str]
    lambd: float = 0.0


def _blocks_in_text(text: str, where: str) -> list[DerivationBlock]:
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, words = opening.group("fence"), opening.group("info").split()
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence[0] * len(fence))
             and not lines[j].strip().strip(fence[0])),
            len(lines),
        )  # fmt: skip
        if words and words[0] == "derivation":
            blocks.append(_block(lines[i + 1 : end], words[1:], f"{where}:{i + 1}"))
        i = end + 1
    return blocks


def _block(body: list[str], options: list[str], where: str) -> DerivationBlock:
    lambd = 0.0
    for option in options:
        match = _OPTION.match(option)
        if not match:
            raise DocumentError(f"{where}: unknown option {option!r} (only lambd=VALUE)")
        try:
            lambd = float(match.group("value"))
        except ValueError:
            raise DocumentError(f"{where}: lambd must be a number, got {option!r}") from None
    steps: dict[str, str] = {}
    for offset, line in enumerate(body, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, equals, expression = stripped.partition("=")
        name = name.strip()
        if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise DocumentError(
                f"{where}, line {offset} of the block: write one step per line as "
                f"'name = expression' (e.g. 'dz = a - y'), got {stripped!r}"
            )
        if name in steps:
            raise DocumentError(f"{where}, line {offset} of the block: {name} is given twice")
        steps[name] = expression.strip()
    if not steps:
        raise DocumentError(f"{where}: the derivation block is empty")
    return DerivationBlock(where, steps, lambd)


def read_blocks(path: str | Path) -> list[DerivationBlock]:
    """The ``derivation`` blocks of a Markdown file or of a notebook's Markdown cells."""
    path = Path(path)
    if path.suffix == ".ipynb":
        import nbformat

        try:
            notebook = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:
            raise DocumentError(f"{path}: cannot read the notebook: {exc}") from None
        blocks = []
        for k, cell in enumerate(notebook.cells, start=1):
            if cell.cell_type == "markdown":
                blocks += _blocks_in_text(cell.source, f"{path} cell {k}")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{path}: cannot read: {exc}") from None
        blocks = _blocks_in_text(text, str(path))
    if not blocks:
        raise DocumentError(
            f"{path}: no derivation block; put the steps in a fenced block with the info "
            f"string 'derivation', one 'name = expression' per line"
        )
    return blocks


def check_document(
    path: str | Path, hints: str = "fix"
) -> list[tuple[DerivationBlock, DerivationReport]]:
    """Check every ``derivation`` block of ``path``: ``[(block, report), ...]``.

    Raises :class:`DocumentError` when the file or a block cannot be loaded (an unknown
    step name included); a step that cannot be *read* is an ``unparsed`` verdict instead.
    """

    checked = []
    for block in read_blocks(path):
        try:
            report = check_derivation(block.steps, block.lambd, hints=hints)
        except ValueError as exc:
            raise DocumentError(f"{block.where}: {exc}") from None
        checked.append((block, report))
    return checked


def render(checked: list[tuple[DerivationBlock, DerivationReport]]) -> str:
    """The reports of every block as text, each headed by where its block is."""
    return "\n\n".join(f"{block.where}\n{report}" for block, report in checked)


def payload(
    target: str,
    checked: list[tuple[DerivationBlock, DerivationReport]] | None,
    error: str | None = None,
) -> dict[str, Any]:
    """The versioned JSON of one document's check (``checked`` is None when it cannot load)."""
    if checked is None:
        outcome, passed, code = "cannot_load", False, EXIT_CANNOT_LOAD
    else:
        passed = all(report.passed for _, report in checked)
        outcome, code = ("pass", EXIT_PASS) if passed else ("fail", EXIT_FAIL)
    blocks = [{"where": block.where, **report.to_dict()} for block, report in checked or []]
    steps = [{"block": k, **step} for k, b in enumerate(blocks) for step in b["steps"]]
    notes = [error] if error else [f"{len(blocks)} derivation block(s) checked against jax.grad"]
    return {
        "schema_version": SCHEMA_VERSION,
        "autograd_lr_version": __version__,
        "target": target,
        "outcome": outcome,
        "passed": passed,
        "exit_code": code,
        "blocks": blocks,
        "steps": steps,
        "notes": notes,
    }


def schema() -> dict[str, Any]:
    """The JSON Schema of :func:`payload` (shipped with the package)."""
    text = resources.files("autograd_lr.teaching").joinpath("schema/derivation.schema.json")
    return dict(json.loads(text.read_text(encoding="utf-8")))
