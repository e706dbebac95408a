"""The recipes of docs/grading.md: every command parses, and the notebook cell grades.

Gradescope, GitHub Classroom and nbgrader/Otter cannot run offline; what can be tested
here is what the recipes hand to autograd-lr: each ``autograd-lr ...`` command line of
the guide is parsed by the real parser, and the autograded-cell recipe is executed as a
notebook would run it, on a right and on a wrong ``propagate``.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from autograd_lr import cli

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "grading.md"
CLASS = Path(__file__).parent / "submissions" / "class"


def _blocks(language: str) -> list[str]:
    text = GUIDE.read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def _commands() -> list[str]:
    found = []
    for block in _blocks("console") + _blocks("bash") + _blocks("yaml"):
        for line in block.splitlines():
            line = re.sub(r"^\s*(\$|command:)\s*", "", line)
            if line.startswith("autograd-lr "):
                found.append(line)
    return found


def test_the_guide_has_commands_for_every_recipe() -> None:
    commands = " ".join(_commands())
    for needed in ("--gradescope", "--sandbox require", "--seed random", "grade submitted/"):
        assert needed in commands


@pytest.mark.parametrize("command", _commands())
def test_every_command_in_the_guide_parses(command: str) -> None:
    args = cli.build_parser().parse_args(shlex.split(command)[1:])
    assert args.command in ("check", "grade")


def _notebook_namespace(path: Path) -> dict[str, Any]:
    """``propagate`` defined as a notebook defines it (inspect.getsource can read it)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"propagate": module.propagate}


@pytest.mark.slow
def test_the_autograded_cell_recipe_passes_right_and_fails_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cell,) = _blocks("python")
    monkeypatch.chdir(tmp_path)
    exec(cell, _notebook_namespace(CLASS / "alice.py"))
    with pytest.raises(AssertionError, match="wrong sign"):
        exec(cell, _notebook_namespace(CLASS / "bob.py"))
