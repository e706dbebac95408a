"""autograd_lr.training.figures.save_png: atomic, reproducible PNG files for the notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure

from autograd_lr.training.figures import save_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _figure(slope: float) -> Figure:
    """A figure outside pyplot: no backend state, nothing to close."""
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, slope, 2 * slope])
    return fig


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current


def test_writes_a_png_into_a_new_directory_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "figures" / "01_demo_line.png"
    fig = _figure(1.0)
    assert save_png(fig, target) == target
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]
    # 0o666 minus the umask, like any file the user writes: not mkstemp's private 0o600
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_the_same_figure_gives_the_same_bytes_and_a_different_one_does_not(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    for path, slope in ((first, 1.0), (second, 1.0), (other, -1.0)):
        fig = _figure(slope)
        save_png(fig, path)
    assert first.read_bytes() == second.read_bytes()  # no version string or timestamp inside
    assert b"Software" not in first.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_a_failed_render_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "kept.png"
    fig = _figure(1.0)
    save_png(fig, target)
    old = target.read_bytes()

    def broken_savefig(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted: the renderer failed")

    fig.savefig = broken_savefig  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="planted"):
        save_png(fig, target)
    assert target.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.png"]


def test_refuses_a_path_that_is_not_png(tmp_path: Path) -> None:
    fig = _figure(1.0)
    with pytest.raises(ValueError, match=r"\.png suffix"):
        save_png(fig, tmp_path / "figure.svg")
    assert list(tmp_path.iterdir()) == []
