"""The training plots: cost on a log axis, and only colours a colour-blind reader can tell apart.

Every colour drawn is read back from the figure (lines, markers, the probability map)
and must come from the palette of :mod:`autograd_lr.training.figures`, or be white or a grey. The
walk-throughs are held to the same palette by reading their sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgba
from matplotlib.contour import ContourSet

from autograd_lr.datasets import make_two_feature
from autograd_lr.training import figures, plots
from autograd_lr.training.persistence import FittedModel

ROOT = Path(__file__).resolve().parents[1]
OURS = {c.lower() for c in figures.PALETTE}


def neutral(colour: object) -> bool:
    """White, black or a grey: no hue, so nothing to confuse."""
    r, g, b, _ = to_rgba(colour)  # type: ignore[arg-type]
    return max(r, g, b) - min(r, g, b) < 1e-9


def drawn_colours(figure: object) -> set[str]:
    """Every colour a line, marker or legend of the figure's axes draws (not the colorbar)."""
    found: set[str] = set()
    for ax in figure.axes:  # type: ignore[attr-defined]
        if ax.get_label() == "<colorbar>":  # the probability map's scale: its colormap
            continue
        for line in ax.get_lines():
            found.add(to_hex(line.get_color()))
        for collection in ax.collections:
            if isinstance(collection, ContourSet) and collection.filled:
                continue  # the probability map: checked by its colormap
            for rgba in [*collection.get_facecolors(), *collection.get_edgecolors()]:
                if rgba[3] > 0:
                    found.add(to_hex(rgba))
    return found


def two_feature_model() -> tuple[FittedModel, np.ndarray, np.ndarray]:
    data = make_two_feature(60, 2)
    w = np.array([[1.0], [-0.5]])
    model = FittedModel(w=w, b=0.2, feature_names=("x1", "x2"), target="y", class_names=("0", "1"))
    return model, data.X, data.Y


def test_the_cost_curve_has_both_panels_on_a_log_axis_in_the_palette() -> None:
    k = np.arange(301)
    costs = 0.2 + 0.5 * np.exp(-k / 20)  # falls fast, then creeps: flat on a linear axis
    figure = plots.cost_curve_figure(costs, 0.3 * np.exp(-k / 30), tol=1e-4)
    left, right = figure.axes
    assert (left.get_yscale(), right.get_yscale()) == ("log", "log")
    assert left.get_xscale() == "symlog" and left.get_xlim()[0] == 0  # k = 0 is on the axis
    cost_line = left.get_lines()[0]
    np.testing.assert_array_equal(cost_line.get_ydata(), costs)
    colours = drawn_colours(figure)
    assert to_hex(figures.COST_COLOUR) in colours
    assert all(c in OURS or neutral(c) for c in colours), colours - OURS


def test_the_decision_boundary_uses_the_class_colours_and_a_map_between_them() -> None:
    model, X, Y = two_feature_model()
    figure = plots.decision_boundary_figure(model, X, Y, X_test=X[:, :10], Y_test=Y[:, :10])
    ax = figure.axes[0]
    colours = drawn_colours(figure)
    assert {c.lower() for c in figures.CLASS_COLOURS} <= colours
    assert all(c in OURS or neutral(c) for c in colours), colours - OURS
    (shade,) = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    cmap = shade.cmap
    assert to_hex(cmap(0.0)) == figures.CLASS_COLOURS[0].lower()
    assert to_hex(cmap(1.0)) == figures.CLASS_COLOURS[1].lower()
    # a = 1/2, the boundary, is white: within one step of the map's 256-entry lookup table,
    # which puts 0.5 between two entries
    np.testing.assert_allclose(cmap(0.5), (1.0, 1.0, 1.0, 1.0), atol=1 / 255)


def test_the_class_colours_differ_in_lightness_too() -> None:
    """Apart in greyscale print as well: luma (ITU-R BT.709 weights) differs by over 0.2."""

    def luma(colour: str) -> float:
        r, g, b, _ = to_rgba(colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    zero, one = figures.CLASS_COLOURS
    assert zero != one and abs(luma(zero) - luma(one)) > 0.2


HEX = re.compile(r"""["'](#[0-9a-fA-F]{6})["']""")
# red against green, and colours or maps chosen outside the palette by name
RED_GREEN = ("RdYlGn", "RdGn", "PiYG", '"green"', '"red"', "tab:", "coolwarm")


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "notebooks").glob("[0-9]*.py"))
    + sorted((ROOT / "src" / "autograd_lr" / "training").glob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_figures_take_their_colours_from_the_palette(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name == "figures.py":  # the palette's home
        return
    strays = [c for c in HEX.findall(text) if c.lower() not in OURS and not neutral(c)]
    assert not strays, f"{path.name}: colours outside the palette: {strays}"
    assert not [name for name in RED_GREEN if name in text], (
        f"{path.name}: a colour named outside the palette"
    )
