r"""The course's whole assignment checked, one exercise at a time.

:func:`check_exercise` checks a learner's function for one exercise of the course, in its
order: ``sigmoid``, ``initialize_with_zeros``, ``propagate``, ``optimize``, ``predict``,
``model``. Each exercise's expected values come from the oracles and the forward model
(:mod:`.reference`); a failure's cause is named only by a verified repair of the
learner's code (:mod:`.rules`, the feedback engine). The report is the same type as
:func:`~autograd_lr.checking.check.check_gradients`'s.

* :mod:`.base`: cases, verdicts, the report, the engine's search for any exercise
* :mod:`.reference`: gradient descent by ``jax.grad`` and the prediction rule
* :mod:`.rules`: the correction rules of these exercises
* one module per exercise: :mod:`.sigmoid`, :mod:`.initialize`, :mod:`.optimize`,
  :mod:`.predict`, :mod:`.model` (``propagate`` is :func:`~autograd_lr.checking.check.check_gradients`)
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from autograd_lr.checking.check import check_gradients
from autograd_lr.checking.exercises import initialize, model, optimize, predict, sigmoid
from autograd_lr.checking.exercises.base import Exercise, ExerciseReport, check
from autograd_lr.checking.repair import SEARCH_BUDGET
from autograd_lr.checking.report import GradientReport

# the course's order; each name's module (propagate is check_gradients)
EXERCISES: dict[str, str] = {
    "sigmoid": "sigmoid",
    "initialize_with_zeros": "initialize",
    "propagate": "",
    "optimize": "optimize",
    "predict": "predict",
    "model": "model",
}
_MODULES: dict[str, ModuleType] = {
    m.__name__.rpartition(".")[2]: m for m in (sigmoid, initialize, optimize, predict, model)
}
# a longer search for the exercises with a loop of many iterations (each candidate runs it)
LOOP_SEARCH_BUDGET = 6.0


def exercise(name: str) -> Exercise:
    """The :class:`~.base.Exercise` of ``name`` (not ``propagate``, which is check_gradients)."""
    if name not in EXERCISES or not EXERCISES[name]:
        known = ", ".join(n for n, m in EXERCISES.items() if m)
        raise ValueError(f"no exercise {name!r}; the exercises are {known}")
    found: Exercise = _MODULES[EXERCISES[name]].EXERCISE
    return found


def check_exercise(
    fn: Callable[..., Any],
    name: str | None = None,
    *,
    hints: str = "fix",
    search_budget: float | None = None,
    namespace: dict[str, Any] | None = None,
    source: str | None = None,
    line_offset: int | None = None,
) -> GradientReport:
    r"""Check ``fn`` as the course's exercise ``name`` (default: ``fn.__name__``).

    Each exercise runs on cases chosen to expose its mistakes and is compared with the
    oracles' values (gradient descent driven by ``jax.grad`` of the reference cost, the one
    prediction rule :math:`\hat y = [w^\top x + b > 0]`); a cause is named only by a repair
    of the learner's code that makes every case pass, with its line.

    Parameters
    ----------
    fn : callable
        The learner's function, e.g. their ``optimize(w, b, X, Y, num_iterations,
        learning_rate, print_cost)``.
    name : str, optional
        The exercise: ``sigmoid``, ``initialize_with_zeros``, ``propagate``, ``optimize``,
        ``predict`` or ``model`` (default: ``fn.__name__``).
    hints : str
        How much the diagnosis gives away: ``"concept"``, ``"location"`` or ``"fix"``.
    search_budget : float, optional
        CPU seconds for the repair search (default: the exercise's own budget).
    namespace : dict, optional
        The globals the learner's source runs with (e.g. their helper functions).
    source : str, optional
        The learner's source, when ``fn``'s cannot be read (a notebook cell).
    line_offset : int, optional
        Added to reported line numbers (the cell's first line in a file).

    Returns
    -------
    autograd_lr.checking.report.GradientReport
        ``.passed``, the diagnosis at the hint level with the line of a verified repair,
        ``str`` / ``to_html`` / ``to_dict``.

    Raises
    ------
    ValueError
        ``name`` is not an exercise of the assignment.

    Examples
    --------
    >>> from autograd_lr import predict
    >>> check_exercise(predict, "predict").passed
    True
    """
    chosen = name or getattr(fn, "__name__", "")
    if chosen not in EXERCISES:
        raise ValueError(
            f"no exercise {chosen!r}; name one of {', '.join(EXERCISES)} "
            f"(check_exercise(fn, 'optimize'))"
        )
    if chosen == "propagate":
        return check_gradients(
            fn, hints=hints, search_budget=SEARCH_BUDGET if search_budget is None else search_budget
        )
    default = LOOP_SEARCH_BUDGET if chosen in ("optimize", "model") else SEARCH_BUDGET
    budget = default if search_budget is None else search_budget
    return check(
        exercise(chosen),
        fn,
        hints=hints,
        search_budget=budget,
        namespace=namespace,
        source=source,
        line_offset=line_offset,
    )


__all__ = ["EXERCISES", "ExerciseReport", "check_exercise", "exercise"]
