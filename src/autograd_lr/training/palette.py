r"""The colours of every figure: Okabe and Ito's palette, told apart with any colour vision.

Okabe and Ito's eight colours ("Color Universal Design", 2008) stay distinct for readers
with protanopia, deuteranopia or tritanopia. Red against green, the usual pair for
"wrong / right", is the one pair that most colour-blind readers cannot tell apart.

- :data:`CLASS_COLOURS`: the examples of class 0 (orange) and class 1 (blue), which also
  differ in lightness, so they stay apart in greyscale print.
- :func:`probability_colormap` (a :func:`diverging_colormap`): the map of :math:`a = P(y = 1 \mid x)`, from the class-0
  colour through white (:math:`a = \frac12`, the decision boundary) to the class-1 colour.
- :data:`CYCLE` and :func:`style`: the colour cycle for every other line, for
  ``matplotlib.pyplot.style.use(style())`` in a notebook.

matplotlib is imported only inside the functions: the constants are plain hex strings.
"""

from __future__ import annotations

from typing import Any

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


def style() -> dict[str, Any]:
    """matplotlib settings that make :data:`CYCLE` the colour cycle and the colormap ours."""
    from cycler import cycler

    return {"axes.prop_cycle": cycler(color=list(CYCLE)), "image.cmap": "cividis"}
