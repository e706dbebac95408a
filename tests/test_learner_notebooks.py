"""A learner's work survives: opening, saving and cleaning change neither it nor git's view.

Opening a walk-through in JupyterLab and saving it goes through jupytext's contents
manager, which writes the paired ``.py`` that git tracks: it must write the very bytes
that are committed. The learner's own notebooks live in ``notebooks/mine/``, a folder
that git does not ignore, so that ``git clean -fdX`` (which deletes ignored files only),
``git stash`` and ``make clean`` all leave them as they are.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from notebook_runner import NOTEBOOK_DIR, ROOT, prepare_for_lab

pytestmark = pytest.mark.xdist_group("notebooks")  # reads the notebooks' sources


def tracked_notebooks() -> list[Path]:
    """The committed walk-throughs, as git lists them (not as a glob finds them)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "notebooks/*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    paths = [ROOT / name for name in listed.split("\0") if name and "/" not in name[10:]]
    assert paths, "git lists no notebooks/*.py: is this a checkout?"
    return paths


def copy_notebooks(target: Path) -> list[Path]:
    """The tracked notebooks and their jupytext configuration, copied into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(NOTEBOOK_DIR / "jupytext.toml", target / "jupytext.toml")
    return [Path(shutil.copy2(path, target / path.name)) for path in tracked_notebooks()]


def test_saving_an_unedited_notebook_in_jupyter_writes_the_committed_bytes(tmp_path: Path) -> None:
    """Through jupytext's contents manager, as JupyterLab saves: from the .py and from its pair.

    A planted change of the configuration (no metadata filter) must make the same
    round trip fail: the filter is what keeps the version out of the header.
    """
    from jupytext import TextFileContentsManager

    notebooks = copy_notebooks(tmp_path / "notebooks")
    committed = {path.name: path.read_bytes() for path in notebooks}
    manager = TextFileContentsManager(root_dir=str(tmp_path / "notebooks"))
    for path in notebooks:  # open the text file itself and save it
        manager.save(manager.get(path.name), path.name)
        assert path.read_bytes() == committed[path.name], f"saving {path.name} rewrote it"
    for path in notebooks:  # make lab's paired .ipynb, opened and saved
        path.with_suffix(".ipynb").unlink()
    prepare_for_lab(tmp_path / "notebooks")
    for path in notebooks:
        if path.with_suffix(".ipynb").exists():
            manager.save(
                manager.get(path.with_suffix(".ipynb").name), path.with_suffix(".ipynb").name
            )
        assert path.read_bytes() == committed[path.name], f"saving {path.stem}.ipynb rewrote it"

    planted = tmp_path / "planted"
    copy_notebooks(planted)
    (planted / "jupytext.toml").write_text('formats = "ipynb,py:percent"\n', encoding="utf-8")
    manager = TextFileContentsManager(root_dir=str(planted))
    first = notebooks[0].name
    manager.save(manager.get(first), first)
    assert b"jupytext_version" in (planted / first).read_bytes()
