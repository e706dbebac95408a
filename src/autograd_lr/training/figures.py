r"""Save matplotlib figures as PNG files, atomically and reproducibly.

The walk-throughs in ``notebooks/`` commit their figures as
``notebooks/figures/<notebook>_<name>.png``. :func:`save_png` writes a figure to a
temporary file in the target directory and moves it into place with :func:`os.replace`
(:func:`autograd_lr.files.atomic_write_bytes`), so a reader (or a test run in parallel) never sees half a PNG. It leaves out the PNG's
``Software`` entry (matplotlib's version string), so re-running a notebook whose figure
did not change rewrites the same bytes and ``git status`` stays clean.

matplotlib itself is never imported here: the caller passes a figure it already made.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from autograd_lr.files import atomic_write_bytes

DEFAULT_DPI = 100  # 10 x 4 inch figures -> 1000 x 400 pixels: sharp on screen, small in git


def save_png(fig: Any, path: str | os.PathLike[str], *, dpi: int = DEFAULT_DPI) -> Path:
    """Write the matplotlib figure ``fig`` to ``path`` (a ``.png``), atomically.

    Missing parent directories are created. Returns the path written. Raises
    ``ValueError`` when ``path`` does not end in ``.png``; if rendering fails, the
    temporary file is removed and an existing file at ``path`` is left untouched.
    """
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValueError(
            f"save_png writes PNG files; got {str(target)!r}: give the path a .png suffix"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    atomic_write_bytes(target, buffer.getvalue())
    return target
