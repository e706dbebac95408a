"""The package's parts and their independence rules (docs/layout.md) hold at run time and
in the import graph.

The independence rules themselves are import-linter contracts in ``pyproject.toml``,
run by ``make lint``. Here: that those contracts are live (a planted violation breaks
them), and that the lazy top level really keeps jax and the checker out of a process
that only wants the hand math.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from layout_picture import PICTURE, read_contracts, render

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")  # the test extra has it


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize(
    "statement",
    [
        "import autograd_lr.gradients",
        "import autograd_lr.forward",
        "from autograd_lr import gradients, forward",
        "import autograd_lr.fast.kernel",
        "import autograd_lr",
    ],
)
def test_the_hand_math_loads_no_oracle_no_checker_no_jax(statement: str) -> None:
    loaded = _modules_after(statement)
    assert not {m for m in loaded if m == "jax" or m.startswith("jax.")}, statement
    forbidden = ("autograd_lr.oracles", "autograd_lr.checking", "autograd_lr.course")
    assert not {m for m in loaded if m.startswith(forbidden)}, statement
    assert "sklearn" not in loaded and "numba" not in loaded and "dask" not in loaded


# what each command line may load: the command's own rooms, no other
CLI_ROOMS = ("autograd_lr.grading", "autograd_lr.training", "autograd_lr.teaching", "numpy")


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["--version"], ()),
        (["--help"], ()),
        ([], ()),  # a usage error: no command
        (["derivation", "--help"], ()),  # its room (sympy) loads when it runs, not for help
        (["train", "--help"], ("autograd_lr.training", "numpy")),
        (["grade", "--help"], ("autograd_lr.grading", "numpy")),
    ],
)
def test_the_cli_loads_only_the_rooms_of_its_command(
    argv: list[str], allowed: tuple[str, ...]
) -> None:
    code = (
        "import contextlib, json, sys\n"
        "from autograd_lr import cli\n"
        "with contextlib.redirect_stdout(None), contextlib.suppress(SystemExit):\n"
        f"    cli.main({argv!r})\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    rooms = {m for m in loaded if m.startswith(CLI_ROOMS) and not m.startswith(allowed)}
    assert not rooms, (argv, sorted(rooms)[:10])
    assert "sympy" not in loaded and "jax" not in loaded and "nbformat" not in loaded, argv


def test_the_top_level_names_load_lazily_and_resolve() -> None:
    import autograd_lr

    for name in autograd_lr.__all__:
        assert getattr(autograd_lr, name) is not None, name
    assert callable(autograd_lr.model), "the lecture's model(), not a submodule"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        autograd_lr.nonsense  # noqa: B018


def test_the_contracts_hold_and_a_planted_violation_breaks_them(tmp_path: Path) -> None:
    kept = subprocess.run([LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True)
    assert kept.returncode == 0, kept.stdout[-3000:]
    # The same contracts on a copy of the package in which the hand gradients import
    # the oracles: import-linter must refuse it (the contracts are not vacuous).
    package = tmp_path / "src" / "autograd_lr"
    shutil.copytree(ROOT / "src" / "autograd_lr", package)
    gradients = package / "gradients.py"
    gradients.write_text(gradients.read_text() + "\nfrom autograd_lr import oracles  # planted\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    broken = subprocess.run(
        [LINT_IMPORTS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert broken.returncode != 0
    assert "autograd_lr.gradients is not allowed to import autograd_lr.oracles" in broken.stdout


def test_every_room_is_in_the_layers_contract() -> None:
    """A room left out of the layers contract could import any other and close a cycle
    that no contract sees."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    layered = {room.strip() for layer in layers for room in layer.split("|")}
    package = ROOT / "src" / "autograd_lr"
    rooms = {
        f"autograd_lr.{p.stem}"
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert "autograd_lr.grading" in rooms and "autograd_lr.testing" in rooms  # the scan sees them
    assert rooms - layered == set(), "add each room to the layers contract in pyproject.toml"
    assert layered - rooms == set(), "the layers contract names a room that does not exist"


# The homes of the tolerances: the oracles against the hand math (tolerances.py), every
# checker's thresholds (checking/thresholds.py), and the oracles' own analyticity probe.
TOLERANCE_HOMES = {
    "autograd_lr/tolerances.py",
    "autograd_lr/checking/thresholds.py",
    "autograd_lr/oracles.py",
}


def _tolerances(path: Path) -> dict[str, ast.expr]:
    """The module-level constants of ``path`` named like a tolerance (…TOL, …RTOL, …ATOL)."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and re.search(r"(^|_)[RA]?TOL$", t.id):
                    assert node.value is not None
                    found[t.id] = node.value
    return found


def test_every_tolerance_has_one_home_and_one_value() -> None:
    src = ROOT / "src"
    by_name: dict[str, list[str]] = {}
    for path in sorted(src.rglob("*.py")):
        where = path.relative_to(src).as_posix()
        names = _tolerances(path)
        if where not in TOLERANCE_HOMES:
            assert not names, (
                f"{where} defines {sorted(names)}: move them to checking/thresholds.py"
            )
        for name in names:
            by_name.setdefault(name, []).append(where)
    assert {n: w for n, w in by_name.items() if len(w) > 1} == {}  # e.g. two MODEL_RTOLs
    assert "MODEL_RTOL" in by_name and "GRADIENT_RTOL" in by_name  # the scan sees them


# --- the picture of the layout (docs/layout.md) ----------------------------------------------

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def test_the_layout_picture_is_drawn_from_the_contracts() -> None:
    assert PICTURE.read_text(encoding="utf-8") == render(), (
        "docs/images/layout.svg differs from pyproject.toml's contracts: "
        "run tools/layout_picture.py"
    )
    assert "](images/layout.svg)" in (ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    assert PICTURE.stat().st_size < 20_000  # small: text and boxes, no embedded font


def test_the_layout_picture_shows_every_room_in_its_row_and_names_every_contract() -> None:
    rows, forbidden, others = read_contracts()
    texts = [t.text or "" for t in ET.fromstring(render()).iter(SVG_TEXT)]
    shown = [t.removesuffix("/").removesuffix(".py") for t in texts]
    rooms = [room for row in rows for room in row]
    assert len(rooms) > 10 and all(shown.count(room) == 1 for room in rooms), rooms
    assert shown.index("cli") < shown.index("grading") < shown.index("forward")  # top down
    for contract in forbidden:
        assert contract.name in texts and contract.letter in texts
    assert all(any(t.startswith(c["name"]) for t in texts) for c in others)


def test_a_changed_contract_changes_the_picture(tmp_path: Path) -> None:
    """The drift test above can fail: a room moved to another layer, or a contract
    renamed, gives another picture."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    moved = tmp_path / "moved.toml"
    layers = '    "autograd_lr.teaching",\n    "autograd_lr.grading",\n'
    moved.write_text(text.replace(layers, '    "autograd_lr.grading | autograd_lr.teaching",\n'))
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(text.replace("(rule 5)", "(rule five)", 1))
    assert text != moved.read_text() and text != renamed.read_text()
    assert len({render(), render(moved), render(renamed)}) == 3
