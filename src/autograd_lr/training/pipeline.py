r"""``train(...)``: data set -> fitted model -> files, the one pipeline behind ``autograd-lr train``.

.. math::

    \min_{w, b}\; J(w, b) + \frac{\lambda}{2m}\lVert w \rVert^2
    \quad\text{by gradient descent } (w := w - \alpha\, dw) \text{ or Newton}

The CLI and the notebooks call the same function, so what a notebook shows is what the
command line does: load the data (a built-in data set, a CSV file, or a chunked data
set on disk run by Dask), split it (stratified) and standardize it with the training
statistics, fit from :math:`w = 0, b = 0` with a progress bar, measure the accuracy with
the one prediction rule (:func:`autograd_lr.forward.predict_labels`), and, when ``out``
is given, write the model (``model.json``), the cost curve and, for two features, the
decision boundary. Every file is written atomically.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.course import accuracy, accuracy_text, count_correct
from autograd_lr.datasets import (
    Dataset,
    Standardizer,
    fit_standardizer,
    load_chunked,
    load_dataset,
    save_csv,
    train_test_split,
)
from autograd_lr.fast import cluster
from autograd_lr.training import persistence, plots, solvers
from autograd_lr.validation import (
    lambd_from_C,
    validate_iterations,
    validate_lambd,
    validate_learning_rate,
    validate_tol,
)

DEFAULT_ITERATIONS = {"gd": 10_000, "newton": 100}
SOLVERS = tuple(DEFAULT_ITERATIONS)
SOLVER_NAMES = {"gd": "gd (gradient descent)", "newton": "newton (Newton's method, exact Hessian)"}
Echo = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    r"""How :func:`train` and :func:`train_chunked` train: solver, penalty, preprocessing, output.

    solver : {"gd", "newton"}
        Gradient descent or Newton's method (hand-derived Hessian).
    learning_rate : float or "auto"
        The step size :math:`\alpha` of gradient descent; ``"auto"`` takes
        :math:`\alpha = 1/L` from the largest curvature of :math:`J`.
    iterations : int, optional
        At most this many iterations; default :data:`DEFAULT_ITERATIONS` of the solver.
    tol : float
        Stop when the largest gradient component is at most ``tol``.
    lambd, C : float, optional
        The penalty :math:`\frac{\lambda}{2m}\lVert w\rVert^2` with ``lambd`` = λ, or
        ``C`` = 1/λ as in scikit-learn; default λ = 1. Give at most one.
    standardize : bool
        Standardize features with the training set's mean and standard deviation.
    out : str or Path, optional
        A folder for the model file and the plots.
    progress : bool
        Show a progress bar on stderr.
    echo : callable, optional
        Receives the lines describing the data (``print`` in the CLI).

    The values are checked when the record is made (``ValueError`` naming the fix).
    """

    solver: str = "gd"
    learning_rate: float | str = "auto"
    iterations: int | None = None
    tol: float = 1e-4
    lambd: float | None = None
    C: float | None = None
    standardize: bool = True
    out: str | Path | None = None
    progress: bool = True
    echo: Echo | None = None

    def __post_init__(self) -> None:
        _ = self.penalty, self.max_iter  # each validates its fields
        validate_learning_rate(self.learning_rate, allow_auto=True)  # for every solver
        validate_tol(self.tol)

    @property
    def penalty(self) -> tuple[float, str]:
        """λ from ``lambd`` or ``C`` (not both; default λ = 1) and its description."""
        return _penalty(self.lambd, self.C)

    @property
    def max_iter(self) -> int:
        """``iterations``, or the solver's default (:data:`DEFAULT_ITERATIONS`)."""
        return _max_iter(self.solver, self.iterations)

    def say(self, line: str) -> None:
        """Pass one line describing the data to ``echo``, if given."""
        if self.echo is not None:
            self.echo(line)

    @classmethod
    def merged(cls, options: TrainOptions | None, keywords: dict[str, Any]) -> TrainOptions:
        """``options`` (default: all defaults) with ``keywords`` replacing its fields."""
        unknown = sorted(set(keywords) - set(cls.__dataclass_fields__))
        if unknown:
            raise TypeError(
                f"unknown training option(s) {', '.join(unknown)}; the options are "
                f"{', '.join(cls.__dataclass_fields__)}"
            )
        return replace(options or cls(), **keywords)


@dataclass
class TrainResult:
    """What :func:`train` returns: the model, the solver's run, the accuracies, the files."""

    model: persistence.FittedModel
    fit: solvers.SolverResult
    dataset: str
    penalty: str  # "λ = 1 (C = 1)", for people
    max_iter: int
    tol: float
    m_train: int
    train_accuracy: float  # percent, as course.accuracy gives it
    train_correct: int
    m_test: int = 0
    test_accuracy: float | None = None
    test_correct: int | None = None
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)
    lambd: float = 1.0  # the L2 strength λ that ``penalty`` describes
    auto_learning_rate: bool = False  # α was chosen as 1/L ('auto')

    def summary(self) -> str:
        """The summary ``autograd-lr train`` ends with: solver, iterations, cost, accuracies, files."""
        r = self.fit
        g = r.gradient_max[-1]
        status = (
            f"converged: max|∂J| = {g:.2e} ≤ tol {self.tol:g}"
            if r.converged
            else f"NOT converged: max|∂J| = {g:.2e} > tol {self.tol:g}; raise --iterations"
        )
        lines = [
            "summary",
            f"  solver          {SOLVER_NAMES[r.solver]}",
        ]
        if r.learning_rate is not None:
            lines.append(
                f"  step size       {explain_step_size(r.learning_rate, self.auto_learning_rate)}"
            )
        lines += [
            f"  L2 penalty      {explain_penalty(self.lambd)}",
            f"  iterations      {r.n_iter} of at most {self.max_iter} ({status})",
            f"  final cost      J = {r.final_cost:.8f}",
            f"  train accuracy  {accuracy_text(self.train_correct, self.m_train)}",
        ]
        if self.test_correct is not None:
            lines.append(f"  test accuracy   {accuracy_text(self.test_correct, self.m_test)}")
        lines.append(f"  time            {self.seconds:.2f} s")
        if self.files:
            lines += ["wrote", *(f"  {path}" for path in self.files)]
        return "\n".join(lines)


def train(
    dataset: Any = "breast-cancer",
    *,
    target: str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    options: TrainOptions | None = None,
    **keywords: Any,
) -> TrainResult:
    r"""Train logistic regression on ``dataset`` with the hand-derived gradients.

    The CLI's ``autograd-lr train`` and the training notebook both call it.

    Parameters
    ----------
    dataset : str, Path or Dataset
        ``"breast-cancer"``, ``"two-feature"``, a CSV path (with ``target``) or a
        :class:`~autograd_lr.datasets.Dataset`.
    target : str, optional
        The label column of a CSV file.
    test_fraction : float
        The share of examples held out for testing.
    seed : int
        The split's (and a generated data set's) seed.
    options : TrainOptions, optional
        How to train (:class:`TrainOptions`); its fields may also be given as keywords
        (``solver="newton"``, ``lambd=0.1``, ``progress=False``, ...), which replace the
        record's.

    Returns
    -------
    TrainResult
        The fitted parameters, costs, accuracies and the files written.

    Raises
    ------
    ValueError
        For an unknown data set or solver, both ``lambd`` and ``C``, a training set with
        one class only, or a learning rate that makes gradient descent diverge (the
        message gives a safe rate).

    Examples
    --------
    >>> from autograd_lr import train
    >>> result = train("two-feature", progress=False)
    >>> result.train_accuracy > 80
    True
    """

    started = time.perf_counter()
    opts = TrainOptions.merged(options, keywords)
    say = opts.say
    lambd, penalty = opts.penalty
    max_iter = opts.max_iter
    data = (
        dataset if isinstance(dataset, Dataset) else load_dataset(dataset, target=target, seed=seed)
    )
    train_set, test_set = train_test_split(data, test_fraction, seed)
    scaler = Standardizer.fit(train_set.X) if opts.standardize else None  # training statistics
    X_train = train_set.X if scaler is None else scaler.transform(train_set.X)  # (n_x, m_train)
    m_test = 0 if test_set is None else test_set.m
    say(f"data       {data.name}: {data.m} examples × {data.n_x} features")
    say(_labels_line(data))
    say(
        f"split      {train_set.m} train / {m_test} test (test fraction {test_fraction:g}, "
        f"seed {seed})"
        + ("; standardized with the training mean and std" if scaler else "; not standardized")
    )
    if np.unique(train_set.Y).size < 2:
        raise ValueError(
            f"the training data holds only one class "
            f"({data.class_names[int(train_set.Y[0, 0])]}): logistic regression needs "
            f"examples of both classes to learn a boundary"
        )
    fit = fit_with_progress(X_train, train_set.Y, opts)
    model = _model(fit, data, scaler)
    result = TrainResult(
        model=model, fit=fit, dataset=data.name, penalty=penalty, max_iter=max_iter,
        tol=opts.tol, m_train=train_set.m, m_test=m_test, lambd=lambd,
        auto_learning_rate=opts.learning_rate == "auto",
        **_scored(model.predict(train_set.X), train_set.Y, "train"),
    )  # fmt: skip
    if test_set is not None:
        scores = _scored(model.predict(test_set.X), test_set.Y, "test")
        result.test_accuracy, result.test_correct = scores["test_accuracy"], scores["test_correct"]
    result.seconds = time.perf_counter() - started
    result.model = replace(
        model,
        metadata=_run_record(result, lambd, test_fraction=test_fraction, seed=seed, m_test=m_test),
    )
    if opts.out is not None:
        out = Path(opts.out)
        result.files = _write(result, out, title=f"{data.name}: {_solver_label(fit)}, {penalty}")
        if test_set is not None:  # the held-out examples, raw, for `autograd-lr predict`
            result.files.append(save_csv(test_set, out / "test.csv"))
        if data.n_x == 2:
            result.files.append(
                plots.decision_boundary(
                    result.model, train_set.X, train_set.Y, out / "decision_boundary.png",
                    X_test=None if test_set is None else test_set.X,
                    Y_test=None if test_set is None else test_set.Y,
                    title=f"{data.name}: {_solver_label(fit)}, {penalty}",
                )
            )  # fmt: skip
    return result


def train_chunked(
    data: str | Path,
    *,
    dask: str | None = None,
    options: TrainOptions | None = None,
    **keywords: Any,
) -> TrainResult:
    r""":func:`train` on a data set stored in chunks on disk, every pass run by Dask.

    ``data`` is a directory written by :func:`autograd_lr.datasets.save_chunked`;
    ``dask`` a scheduler address, ``"local"`` for a new cluster on this machine, or
    ``None`` for dask's threads in this process. Statistics, gradient, cost and Hessian
    are computed chunk by chunk where the data are; only small results come back. A
    chunked data set trains on every example (no split). ``options`` and ``keywords`` are
    :class:`TrainOptions`, as for :func:`train`.
    """

    started = time.perf_counter()
    opts = TrainOptions.merged(options, keywords)
    say = opts.say
    lambd, penalty = opts.penalty
    max_iter = opts.max_iter
    with cluster.connect(dask) as client:
        stored = load_chunked(data)
        say(f"cluster    {cluster.describe(client)}")
        say(
            f"data       {stored.name}: {stored.m} examples × {stored.n_x} features, "
            f"{stored.nbytes / 1e6:,.1f} MB in {stored.n_chunks} {stored.storage} chunks of "
            f"{stored.chunk_size} examples"
        )
        say(f"labels     0 = {stored.class_names[0]}, 1 = {stored.class_names[1]}")
        say(
            "split      none: a chunked data set trains on every example "
            "(keep test examples in a data set of their own)"
        )
        # One pass for the statistics; the standardization itself stays lazy, per chunk.
        scaler = fit_standardizer(stored.X) if opts.standardize else None
        X = stored.X if scaler is None else (stored.X - scaler.mean) / scaler.std  # (n_x, m)
        X, Y, persisted = cluster.persist_if_fits(X, stored.Y)
        where = "the workers' memory" if client is not None else "this machine's free memory"
        say(
            "memory     X "
            + (
                "kept in memory: it fits in"
                if persisted
                else "read from disk at every iteration: over"
            )
            + f" {100 * cluster.PERSIST_FRACTION:g} % of {where}"
        )
        fit = fit_with_progress(X, Y, opts)
        Z = forward.logits(fit.w, fit.b, X)  # (1, m), lazy
        (correct,) = cluster.compute(count_correct(forward.predict_labels(Z), Y))
    model = _model(fit, stored, scaler)
    train_correct = int(correct)
    result = TrainResult(
        model=model, fit=fit, dataset=str(stored.path), penalty=penalty, max_iter=max_iter,
        tol=opts.tol, m_train=stored.m, train_correct=train_correct,
        train_accuracy=100.0 * train_correct / stored.m, lambd=lambd,
        auto_learning_rate=opts.learning_rate == "auto",
    )  # fmt: skip
    result.seconds = time.perf_counter() - started
    result.model = replace(
        model,
        metadata=_run_record(result, lambd, m_test=0, dask=dask or "threads", persisted=persisted),
    )
    if opts.out is not None:
        title = f"{stored.name}: {_solver_label(fit)}, {penalty} (dask)"
        result.files = _write(result, Path(opts.out), title=title)
    return result


def fit_with_progress(X: Any, Y: Any, options: TrainOptions) -> solvers.SolverResult:
    """Run ``options.solver`` from :math:`w = 0, b = 0` on ``X (n_x, m)``, ``Y (1, m)`` (numpy
    or dask), with a tqdm bar on stderr (unless ``options.progress`` is off) showing the
    current cost and max|∂J|."""
    from tqdm import tqdm

    w0 = np.zeros((X.shape[0], 1))
    solver, max_iter = options.solver, options.max_iter
    with tqdm(
        total=max_iter, desc=solver, unit="it", file=sys.stderr, mininterval=0.2,
        disable=not options.progress,
    ) as bar:  # fmt: skip

        def show(k: int, J: float, g: float) -> None:
            if k:
                bar.update(1)
            bar.set_postfix_str(f"cost={J:.6f} max|dJ|={g:.1e}", refresh=False)

        controls: dict[str, Any] = {
            "lambd": options.penalty[0], "max_iter": max_iter, "tol": options.tol,
        }  # fmt: skip
        if solver == "gd":
            rate = validate_learning_rate(options.learning_rate, allow_auto=True)
            fit = solvers.gradient_descent(
                w0, 0.0, X, Y, learning_rate=rate, callback=show, **controls
            )
        else:
            fit = solvers.newton(w0, 0.0, X, Y, callback=show, **controls)
        # A run that stops early ends the bar at 100 % of the iterations it took, and says
        # why: a bar left at 30 % of max_iter looks like an abort.
        bar.total = fit.n_iter
        bar.set_description(progress_verdict(fit), refresh=False)
        bar.set_postfix_str(
            f"cost={fit.final_cost:.6f} max|dJ|={fit.gradient_max[-1]:.1e}", refresh=True
        )
    return fit


def progress_verdict(fit: solvers.SolverResult) -> str:
    """How the progress bar ends: ``gd: converged at iteration 84`` or the limit reached."""
    if fit.converged:
        return f"{fit.solver}: converged at iteration {fit.n_iter}"
    return f"{fit.solver}: not converged, stopped at the limit of {fit.n_iter} iterations"


# --- the pieces both pipelines share ------------------------------------------------------


def _penalty(lambd: float | None, C: float | None) -> tuple[float, str]:
    """λ from ``lambd`` or ``C`` (not both; default λ = 1) and its description."""
    if lambd is not None and C is not None:
        raise ValueError("give the L2 strength as lambd (λ) or as C = 1/λ, not both")
    if C is not None:
        value = lambd_from_C(C)
        return value, f"λ = {value:g} (C = {float(C):g})"
    value = validate_lambd(1.0 if lambd is None else lambd)
    return value, f"λ = {value:g}" + (f" (C = {1.0 / value:g})" if value > 0 else " (no penalty)")


def explain_step_size(alpha: float, auto: bool) -> str:
    """α in one line: its value, where it came from, and what it does."""
    source = "1/L, L the largest curvature of J" if auto else "as given"
    return f"α = {alpha:.4g} ({source}): each step is w := w − α·dw, b := b − α·db"


def explain_penalty(lambd: float) -> str:
    """λ in one line: its value, what it does, and scikit-learn's C = 1/λ."""
    if lambd == 0:
        return "λ = 0: no penalty, the cost is J alone (scikit-learn's C = ∞)"
    return (
        f"λ = {lambd:g} in J + (λ/2m)‖w‖², which keeps w small (b is not penalized); "
        f"scikit-learn's C = 1/λ = {1 / lambd:g}"
    )


def _max_iter(solver: str, iterations: int | None) -> int:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {solver!r}")
    return (
        DEFAULT_ITERATIONS[solver]
        if iterations is None
        else validate_iterations(iterations, "iterations")
    )


def _scored(Y_hat: np.ndarray, Y: np.ndarray, name: str) -> dict[str, Any]:
    """``{name}_accuracy`` (percent, :func:`autograd_lr.course.accuracy`) and ``{name}_correct``."""
    return {f"{name}_accuracy": accuracy(Y_hat, Y), f"{name}_correct": int(count_correct(Y_hat, Y))}


def _labels_line(data: Any) -> str:
    if data.class_names == ("0", "1"):
        line = f"labels     0/1 in column {data.target!r}"
    else:
        line = f"labels     0 = {data.class_names[0]}, 1 = {data.class_names[1]}"
    if data.label_mapping:
        shown = ", ".join(f"{k!r} -> {v}" for k, v in data.label_mapping.items())
        line += f" (mapped from the file's labels: {shown})"
    return line


def _model(fit: solvers.SolverResult, data: Any, scaler: Any) -> persistence.FittedModel:
    """The fitted parameters with what predicting needs: names, training statistics, classes."""
    return persistence.FittedModel(
        w=fit.w,
        b=fit.b,
        feature_names=data.feature_names,
        target=data.target,
        mean=None if scaler is None else scaler.mean,
        std=None if scaler is None else scaler.std,
        label_mapping=data.label_mapping,
        class_names=data.class_names,
    )


def _solver_label(fit: solvers.SolverResult) -> str:
    return fit.solver + ("" if fit.learning_rate is None else f", α = {fit.learning_rate:.4g}")


def _run_record(result: TrainResult, lambd: float, **facts: Any) -> dict[str, Any]:
    """What a trained model records about its run (stored in ``model.json``)."""
    fit = result.fit
    return {
        "dataset": result.dataset,
        "solver": fit.solver,
        "learning_rate": fit.learning_rate,
        "lambda": lambd,
        "tol": validate_tol(result.tol),
        "max_iter": result.max_iter,
        "iterations": fit.n_iter,
        "converged": fit.converged,
        "final_cost": fit.final_cost,
        "gradient_max": float(fit.gradient_max[-1]),
        "train_accuracy": result.train_accuracy / 100.0,
        "test_accuracy": None if result.test_accuracy is None else result.test_accuracy / 100.0,
        "m_train": result.m_train,
        **facts,
    }


def _write(result: TrainResult, out: Path, *, title: str) -> list[Path]:
    """``model.json`` and ``cost.png`` under ``out``."""

    fit = result.fit
    return [
        persistence.save_model(result.model, out),
        plots.cost_curve(
            fit.costs, fit.gradient_max, out / "cost.png", tol=result.tol, title=title
        ),
    ]
