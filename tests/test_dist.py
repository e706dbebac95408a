"""``make dist`` builds a wheel that installs into a fresh virtual environment and grades.

The wheel is what a grading machine installs (docs/grading.md), so the test installs it
the way the docs say, into an environment that has never seen this checkout, and runs
the installed ``autograd-lr`` from there: nothing is imported from ``src/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "tests" / "submissions" / "class" / "alice.py"
BIN = Path(sys.executable).parent
# what the package reads at run time (with importlib.resources, or beside its module): it
# must be in the wheel
PACKAGE_DATA = (
    "autograd_lr/checking/oracle_values.json",
    "autograd_lr/grading/schema/report.schema.json",
    "autograd_lr/grading/schema/gradebook.schema.json",
    "autograd_lr/grading/schema/gradescope.schema.json",
    "autograd_lr/teaching/schema/derivation.schema.json",
    "autograd_lr/datasets/data/breast_cancer.csv",
)


def _uv() -> str:
    found = BIN / "uv"
    if found.exists():
        return str(found)
    on_path = shutil.which("uv")
    if on_path is None:
        pytest.skip("uv is not installed (pip install uv)")
    return on_path


class Installed(NamedTuple):
    dist: Path  # what `make dist` wrote
    venv: Path  # the fresh venv the wheel went into


def _install_block() -> str:
    """The guide's install-from-the-wheel block, as written."""
    guide = (ROOT / "docs" / "grading.md").read_text()
    (block,) = [b for b in re.findall(r"```bash\n(.*?)```", guide, re.DOTALL) if "make dist" in b]
    return block


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The guide's block run by bash in a copy of the checkout's tracked files (its dist/
    stays untouched), with ``pip`` the pip of a fresh venv, served by uv (its cache makes
    the dependencies' install take seconds; pip itself takes about a minute)."""
    copy = tmp_path_factory.mktemp("checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    uv = _uv()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    shims = tmp_path_factory.mktemp("shims")
    pip = shims / "pip"
    pip.write_text(f'#!/bin/sh\nexec {uv} pip "$@" --quiet --python {venv}/bin/python\n')
    pip.chmod(0o755)
    env = dict(
        os.environ, PATH=f"{shims}{os.pathsep}{Path(uv).parent}{os.pathsep}{os.environ['PATH']}"
    )
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", "-e", "-c", _install_block()], cwd=copy, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Installed(copy / "dist", venv)


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_venv_and_grades(
    installed: Installed, tmp_path: Path
) -> None:
    venv = installed.venv
    command = str(venv / "bin" / "autograd-lr")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    version = subprocess.run(
        [command, "--version"], capture_output=True, text=True, env=env, check=True
    )
    # the version's one home, which the build reads ([tool.hatch.version] in pyproject.toml)
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dynamic"] == ["version"]
    home = (ROOT / "src" / "autograd_lr" / "_version.py").read_text()
    expected = re.fullmatch(r'(?s).*__version__ = "([^"]+)".*', home)[1]  # type: ignore[index]
    assert version.stdout.strip() == f"autograd-lr {expected}"
    work = tmp_path / "class"
    work.mkdir()
    shutil.copy(CORRECT, work / "alice.py")
    done = subprocess.run(
        [command, "check", "alice.py:propagate", "--sandbox", "auto"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # the grader that ran is the installed one, not this checkout's
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import autograd_lr; print(autograd_lr.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)


@pytest.mark.slow
def test_make_dist_builds_an_sdist_and_a_wheel_with_the_package_data(
    installed: Installed,
) -> None:
    (wheel,) = installed.dist.glob("autograd_lr-*.whl")
    (sdist,) = installed.dist.glob("autograd_lr-*.tar.gz")
    assert sdist.stat().st_size > 0
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in PACKAGE_DATA if name not in names]
    assert not missing, f"not in {wheel.name}: {missing}"
    assert "autograd_lr/grading/child.py" in names
