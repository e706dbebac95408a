r"""PNG plots of training: the cost curve, and the decision boundary for two features.

matplotlib is imported inside the functions (``import autograd_lr`` stays light) and
used through its object-oriented API with the Agg canvas: no window, no pyplot state,
no change to the caller's matplotlib backend, and it works on a machine without a
display. Files are written atomically (temporary file + ``os.replace``). Every colour
comes from the palette of :mod:`autograd_lr.training.figures` (safe for colour-blind readers).

Each plot is a function that returns the figure (``cost_curve_figure``,
``decision_boundary_figure``: what the tests inspect) and one that saves it as a PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr.training import figures
from autograd_lr.training.figures import save_png
from autograd_lr.training.persistence import FittedModel

DPI = 110
GRID_POINTS = 300  # per axis, for the probability map behind the decision boundary
MARGIN = 0.08  # fraction of each axis' data range added around the points


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: str | Path) -> Path:
    return save_png(figure, path, dpi=DPI)


def cost_curve(
    costs: Sequence[float] | np.ndarray,
    gradient_max: Sequence[float] | np.ndarray,
    path: str | Path,
    *,
    tol: float = 0.0,
    title: str = "",
) -> Path:
    r""":func:`cost_curve_figure`, saved as the PNG ``path``; returns the path."""
    return _save(cost_curve_figure(costs, gradient_max, tol=tol, title=title), path)


def cost_curve_figure(
    costs: Sequence[float] | np.ndarray,
    gradient_max: Sequence[float] | np.ndarray,
    *,
    tol: float = 0.0,
    title: str = "",
) -> Any:
    r"""Two panels over the iterations k, both on a log axis: :math:`J(\theta_k)` and :math:`\max|\partial J(\theta_k)|`.

    ``costs`` and ``gradient_max`` have one entry per iterate (``n_iter + 1``); ``tol``,
    if positive, is drawn as the stopping line. On linear axes the cost looks flat after
    the first few hundred iterations; with both of its axes logarithmic its late, small
    decrease still shows. :math:`\max|\partial J|` keeps a linear k axis, where linear
    convergence is a straight line. Returns the matplotlib figure.
    """
    costs = np.asarray(costs, dtype=np.float64)
    gradient_max = np.asarray(gradient_max, dtype=np.float64)
    if costs.ndim != 1 or costs.shape != gradient_max.shape or costs.size == 0:
        raise ValueError(
            f"costs and gradient_max must be 1-D of the same length >= 1, got shapes "
            f"{costs.shape} and {gradient_max.shape}"
        )
    k = np.arange(costs.size)
    figure = _figure(9.0, 3.6)
    left, right = figure.subplots(1, 2)
    left.semilogy(k, np.where(costs > 0, costs, np.nan), color=figures.COST_COLOUR, lw=1.6)
    # Iterations on a log axis too (linear from 0 to 1, so k = 0 shows): the fast early fall
    # and the slow late creep each get room, where a linear axis shows a cliff and a floor.
    left.set_xscale("symlog", linthresh=1)
    left.set_xlim(0, max(k[-1], 1))
    left.set_xlabel("iteration k (log scale)")
    left.set_ylabel(r"cost $J(w, b)$ (log scale)")
    left.set_title(f"cost: {costs[0]:.4f} → {costs[-1]:.4f}")
    left.grid(alpha=0.3)
    positive = np.where(gradient_max > 0, gradient_max, np.nan)
    right.semilogy(k, positive, color=figures.GRADIENT_COLOUR, lw=1.6)
    if tol > 0:
        right.axhline(tol, color="grey", ls="--", lw=1, label=f"tol = {tol:g}")
        right.legend(loc="upper right")
    right.set_xlabel("iteration k")
    right.set_ylabel(r"$\max\,|\partial J|$ (log scale)")
    right.set_title(f"largest gradient entry: {gradient_max[-1]:.2e} at k = {k[-1]}")
    right.grid(alpha=0.3, which="both")
    if title:
        figure.suptitle(title)
    return figure


def decision_boundary(
    model: FittedModel,
    X: Any,
    Y: Any,
    path: str | Path,
    *,
    X_test: Any = None,
    Y_test: Any = None,
    title: str = "",
) -> Path:
    r""":func:`decision_boundary_figure`, saved as the PNG ``path``; returns the path."""
    figure = decision_boundary_figure(model, X, Y, X_test=X_test, Y_test=Y_test, title=title)
    return _save(figure, path)


def decision_boundary_figure(
    model: FittedModel,
    X: Any,
    Y: Any,
    *,
    X_test: Any = None,
    Y_test: Any = None,
    title: str = "",
) -> Any:
    r"""The examples of two features and the line :math:`a = \sigma(w^\top x + b) = \frac12`.

    ``X (2, m)`` in the model's raw feature units, ``Y (1, m)``; test examples, if
    given, are drawn as hollow markers. The background shades :math:`a` over the plane
    (computed by ``model.probabilities``, i.e. the forward model, standardization
    included), so the boundary is where the colour changes, not a line drawn from a
    formula. Returns the matplotlib figure.
    """
    if model.n_x != 2:
        raise ValueError(
            f"a decision-boundary plot needs a model of exactly 2 features, this one has "
            f"{model.n_x}"
        )
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2 or Y.shape != (1, X.shape[1]):
        raise ValueError(f"need X (2, m) and Y (1, m); got {X.shape} and {Y.shape}")
    everything = X if X_test is None else np.concatenate([X, np.asarray(X_test)], axis=1)
    lo, hi = everything.min(axis=1), everything.max(axis=1)
    pad = MARGIN * np.where(hi > lo, hi - lo, 1.0)
    g1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID_POINTS)
    g2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID_POINTS)
    G1, G2 = np.meshgrid(g1, g2)
    A = model.probabilities(np.stack([G1.ravel(), G2.ravel()])).reshape(G1.shape)

    figure = _figure(6.4, 5.4)
    ax = figure.subplots()
    shade = ax.contourf(
        G1, G2, A, levels=np.linspace(0, 1, 21), cmap=figures.probability_colormap(), alpha=0.35
    )
    ax.contour(G1, G2, A, levels=[0.5], colors=figures.OKABE_ITO["black"], linewidths=1.8)
    figure.colorbar(shade, ax=ax, label=r"$a = \hat y = P(y = 1 \mid x)$")
    for label in (0, 1):
        named = model.class_names[label] != str(label)
        name = f"{model.class_names[label]} (y = {label})" if named else f"y = {label}"
        members = Y[0] == label
        ax.scatter(
            X[0, members],
            X[1, members],
            s=16,
            color=figures.CLASS_COLOURS[label],
            label=f"train: {name}",
        )
        if X_test is not None and Y_test is not None:
            Xt, Yt = np.asarray(X_test), np.asarray(Y_test)
            test_members = Yt[0] == label
            ax.scatter(
                Xt[0, test_members],
                Xt[1, test_members],
                s=26,
                facecolors="none",
                edgecolors=figures.CLASS_COLOURS[label],
                linewidths=1.2,
                label=f"test: {name}",
            )
    ax.plot([], [], color=figures.OKABE_ITO["black"], lw=1.8, label=r"decision boundary $a = 1/2$")
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_xlabel(model.feature_names[0])
    ax.set_ylabel(model.feature_names[1])
    ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
    if title:
        ax.set_title(title)
    return figure
