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

from notebook_runner import LEARNER_FOLDER, NOTEBOOK_DIR, ROOT, prepare_for_lab

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


def git(*args: str, cwd: Path) -> str:
    """Run git in ``cwd`` (no user configuration needed); its stdout."""
    identity = ["-c", "user.name=learner", "-c", "user.email=learner@example.org"]
    return subprocess.run(
        ["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone of this repository, with the working tree's files committed on top.

    ``git clone`` takes the last commit; the files of the working tree (tracked ones and
    new ones not ignored) are copied over it, so the test sees the .gitignore, Makefile
    and notebook runner as they are now.
    """
    clone = tmp_path / "clone"
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=tmp_path)
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file() and not name.startswith(f"notebooks/{LEARNER_FOLDER}/"):
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    git("add", "-A", cwd=clone)
    git("commit", "--quiet", "--allow-empty", "-m", "the working tree", cwd=clone)
    return clone


def test_the_learners_notebooks_survive_git_clean_stash_and_make_clean(checkout: Path) -> None:
    """``make lab``'s first step in a fresh clone; then the learner works; then they clean.

    ``git clean -fdX`` must delete what git ignores (the walk-throughs' paired .ipynb,
    a figure), so the command demonstrably ran; ``git stash`` must take a change of a
    tracked file; ``make clean`` must run. The learner's folder is left byte for byte.
    """
    import sys

    subprocess.run(
        [sys.executable, "tools/notebook_runner.py", "--lab"],
        cwd=checkout,
        capture_output=True,
        check=True,
    )
    mine = checkout / "notebooks" / LEARNER_FOLDER
    exercise = mine / "05_exercises.py"
    exercise.write_text(exercise.read_text(encoding="utf-8") + "\n# my answer\n", encoding="utf-8")
    (mine / "my_experiment.py").write_text("# %%\nprint('mine')\n", encoding="utf-8")
    work = {p.relative_to(checkout): p.read_bytes() for p in mine.rglob("*") if p.is_file()}
    assert {p.name for p in work} >= {"05_exercises.ipynb", "05_exercises.py", "my_experiment.py"}

    # untracked and not ignored: git shows the learner's files and `git add` takes them
    status = git("status", "--porcelain", "--untracked-files=all", cwd=checkout)
    assert all(f"?? {p}" in status.splitlines() for p in work), status
    ignored = subprocess.run(
        ["git", "check-ignore", *map(str, work)], cwd=checkout, capture_output=True, text=True
    )
    assert ignored.returncode == 1, f"git ignores files of the learner's: {ignored.stdout}"

    walk_through = checkout / "notebooks" / "01_derivation.ipynb"  # ignored: make lab's pair
    figure = mine / "figures" / "05_exercises_your_training.png"  # ignored: a run redraws it
    figure.parent.mkdir()
    figure.write_bytes(b"a figure")
    assert walk_through.exists()
    git("clean", "-fdX", cwd=checkout)
    assert not walk_through.exists() and not figure.exists(), "git clean -fdX did not run"

    tracked = checkout / "notebooks" / "01_derivation.py"
    tracked.write_text(tracked.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    git("stash", "--quiet", cwd=checkout)
    assert "# a change" not in tracked.read_text(encoding="utf-8"), "git stash did not run"

    (checkout / "out").mkdir()
    subprocess.run(["make", "-s", "clean"], cwd=checkout, capture_output=True, check=True)
    assert not (checkout / "out").exists(), "make clean did not run"

    assert {p.relative_to(checkout): p.read_bytes() for p in mine.rglob("*") if p.is_file()} == (
        work
    )
