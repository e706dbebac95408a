r"""autograd-lr: logistic regression as the smallest neural network, gradients derived by hand.

The lecture's API is at the top level:

>>> from autograd_lr import initialize_with_zeros, propagate, optimize, predict, model, sigmoid

The subpackages and modules, by role (the documentation's *Layout* page gives the
rules between them):

=============================  ================================================================
:mod:`~autograd_lr.forward`    the forward model, once: sigmoid, logits, loss, cost, prediction
:mod:`~autograd_lr.gradients`  every hand-derived derivative, and nothing else
:mod:`~autograd_lr.oracles`    the only place that differentiates: jax.grad, finite differences
:mod:`~autograd_lr.course`     the lecture's propagate, optimize, predict, model
:mod:`~autograd_lr.fast`       the single-pass kernel and the Dask execution
:mod:`~autograd_lr.training`   solvers, the estimator, ``train(...)``, persistence, plots
:mod:`~autograd_lr.checking`   check_gradients, check_exercise, the feedback engine, reports
:mod:`~autograd_lr.grading`    the grader: submitted code run apart, the gradebook
:mod:`~autograd_lr.teaching`   exercises and ``verify``, the main job
:mod:`~autograd_lr.datasets`   the shipped data, generators, CSV and chunked loaders
=============================  ================================================================

The top-level names, each documented on its own page:

==========================================  ==================================================
:func:`~autograd_lr.sigmoid`                the logistic function, elementwise and stable
:func:`~autograd_lr.initialize_with_zeros`  :math:`w = 0`, :math:`b = 0`
:func:`~autograd_lr.propagate`              the cost and its gradient, vectorized
:func:`~autograd_lr.optimize`               gradient descent
:func:`~autograd_lr.predict`                labels from :math:`\sigma(w^\top x + b) > 0.5`
:func:`~autograd_lr.model`                  the whole lecture: train, then predict
:func:`~autograd_lr.accuracy`               the percentage of labels right
:func:`~autograd_lr.check_gradients`        a ``propagate``'s gradient against the oracles
:func:`~autograd_lr.check_derivation`       a hand derivation, step by step
:class:`~autograd_lr.LogisticRegressionGD`  the scikit-learn estimator
:func:`~autograd_lr.train`                  train on a data set, as ``autograd-lr train`` does
==========================================  ==================================================

Each is loaded on first use (PEP 562), so ``import autograd_lr.gradients`` loads the
hand math and the forward model and nothing else: no jax, no checker.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from autograd_lr._version import __version__

# public name -> the module that defines it
_LAZY = {
    "accuracy": "autograd_lr.course",
    "initialize_with_zeros": "autograd_lr.course",
    "model": "autograd_lr.course",
    "optimize": "autograd_lr.course",
    "predict": "autograd_lr.course",
    "propagate": "autograd_lr.course",
    "sigmoid": "autograd_lr.course",
    "check_gradients": "autograd_lr.checking.check",
    "check_exercise": "autograd_lr.checking.exercises",
    "check_derivation": "autograd_lr.teaching.derivation",
    "LogisticRegressionGD": "autograd_lr.training.estimator",
    "train": "autograd_lr.training.pipeline",
}

__all__ = [
    "LogisticRegressionGD",
    "__version__",
    "accuracy",
    "check_derivation",
    "check_exercise",
    "check_gradients",
    "initialize_with_zeros",
    "model",
    "optimize",
    "predict",
    "propagate",
    "sigmoid",
    "train",
]

if TYPE_CHECKING:
    from autograd_lr.checking.check import check_gradients
    from autograd_lr.checking.exercises import check_exercise
    from autograd_lr.course import (
        accuracy,
        initialize_with_zeros,
        model,
        optimize,
        predict,
        propagate,
        sigmoid,
    )
    from autograd_lr.teaching.derivation import check_derivation
    from autograd_lr.training.estimator import LogisticRegressionGD
    from autograd_lr.training.pipeline import train


def __getattr__(name: str) -> Any:
    """Load a top-level name from its module on first use (PEP 562)."""
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'autograd_lr' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
