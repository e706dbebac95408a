r"""How every figure looks and is saved: one colour-blind-safe palette, PNG files written atomically.

**The palette.** Okabe and Ito's eight colours ("Color Universal Design", 2008) stay
distinct for readers with protanopia, deuteranopia or tritanopia; red against green, the
usual pair for "wrong / right", is the one pair most colour-blind readers cannot tell
apart. :data:`CLASS_COLOURS` are the examples of class 0 (orange) and class 1 (blue),
which also differ in lightness, so they stay apart in greyscale print;
:func:`probability_colormap` maps :math:`a = P(y = 1 \mid x)` from the class-0 colour
through white (:math:`a = \frac12`, the decision boundary) to the class-1 colour;
:func:`palette_style` gives a notebook the colour cycle :data:`CYCLE`
(``plt.style.use(figures.palette_style())``). The training plots and the notebooks take
every colour from here.

**Saving.** The walk-throughs in ``notebooks/`` commit their figures as
``notebooks/figures/<notebook>_<name>.png``. :func:`save_png` writes a figure to a
temporary file in the target directory and moves it into place with :func:`os.replace`
(:func:`autograd_lr.files.atomic_write_bytes`), so a reader (or a test run in parallel) never sees half a PNG. It leaves out the PNG's
``Software`` entry (matplotlib's version string), so re-running a notebook whose figure
did not change rewrites the same bytes and ``git status`` stays clean.

matplotlib is imported only inside the palette's functions; :func:`save_png` takes a
figure the caller already made.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from autograd_lr.files import atomic_write_bytes

DEFAULT_DPI = 100  # 10 x 4 inch figures -> 1000 x 400 pixels: sharp on screen, small in git


OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
PALETTE = frozenset(OKABE_ITO.values())  # every colour a figure may use, with white and greys

CLASS_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["blue"])  # y = 0, y = 1
COST_COLOUR = OKABE_ITO["blue"]
GRADIENT_COLOUR = OKABE_ITO["reddish purple"]
# Lines in turn: the strong colours first; yellow (faint on white) and black last.
CYCLE = tuple(
    OKABE_ITO[name]
    for name in (
        "blue",
        "orange",
        "bluish green",
        "vermillion",
        "reddish purple",
        "sky blue",
        "yellow",
        "black",
    )
)


def diverging_colormap() -> Any:
    """A matplotlib colormap from the class-0 colour (low) through white (middle) to the class-1 colour (high)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "okabe_ito_diverging", [CLASS_COLOURS[0], "#FFFFFF", CLASS_COLOURS[1]]
    )


def probability_colormap() -> Any:
    r"""The colormap of :math:`a \in [0, 1]`: :func:`diverging_colormap`, white at :math:`a = \frac12`."""
    return diverging_colormap()


def palette_style() -> dict[str, Any]:
    """matplotlib settings: :data:`CYCLE` as the colour cycle, cividis (made for colour-blind readers) as the default map."""
    from cycler import cycler

    return {"axes.prop_cycle": cycler(color=list(CYCLE)), "image.cmap": "cividis"}


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
