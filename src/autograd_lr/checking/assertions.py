r"""The gradient check as a test assertion: ``assert_gradients_correct``.

Its home is the checker, so the pytest plugin (:mod:`autograd_lr.checking.pytest_plugin`)
and :mod:`autograd_lr.testing` both take it from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_lr.checking.check import GradientReport, check_gradients


def assert_gradients_correct(fn: Callable[..., Any], **options: Any) -> GradientReport:
    r"""Raise ``AssertionError`` with the readable report unless ``fn``'s dw, db and cost are right.

    ``fn(w, b, X, Y)`` follows :func:`autograd_lr.propagate`'s contract; ``options`` go to
    :func:`autograd_lr.checking.check.check_gradients` (``fast``, ``seed``, ``lambd``,
    ``problems``). Returns the :class:`~autograd_lr.checking.check.GradientReport` when it passes.
    """
    __tracebackhide__ = True  # pytest shows the report, not this function's frame
    report = check_gradients(fn, **options)
    if not report.passed:
        raise AssertionError(str(report))
    return report
