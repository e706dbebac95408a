r"""autograd-lr: logistic regression as the smallest neural network, gradients derived by hand.

The lecture's API is at the top level:

>>> from autograd_lr import initialize_with_zeros, propagate, optimize, predict, model, sigmoid

Modules, by what they hold: :mod:`~autograd_lr.forward` (the forward model, once),
:mod:`~autograd_lr.gradients` (every hand-derived derivative), :mod:`~autograd_lr.oracles`
(jax.grad, finite differences, complex step), :mod:`~autograd_lr.course` (the lecture's
functions), :mod:`~autograd_lr.verify` (the main job).
"""

from autograd_lr.check import check_gradients
from autograd_lr.course import (
    accuracy,
    initialize_with_zeros,
    model,
    optimize,
    predict,
    propagate,
    sigmoid,
)

__version__ = "0.1.0"

__all__ = [
    "LogisticRegressionGD",
    "__version__",
    "accuracy",
    "check_gradients",
    "initialize_with_zeros",
    "model",
    "optimize",
    "predict",
    "propagate",
    "sigmoid",
]


def __getattr__(name: str) -> object:
    """``LogisticRegressionGD`` on first use: importing it imports scikit-learn (PEP 562)."""
    if name == "LogisticRegressionGD":
        from autograd_lr.estimator import LogisticRegressionGD

        return LogisticRegressionGD
    raise AttributeError(f"module 'autograd_lr' has no attribute {name!r}")
