r"""Gradient checks as test assertions: one line in a course repository's test suite.

.. code-block:: python

    from autograd_lr.testing import assert_gradients_correct

    def test_propagate():
        assert_gradients_correct(propagate)          # AssertionError carries the report

or, with no function body at all, ``test_propagate = gradient_test(propagate)``. The
pytest plugin (:mod:`autograd_lr.checking.pytest_plugin`) offers the same as a fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def assert_gradients_correct(fn: Callable[..., Any], **options: Any) -> Any:
    r"""Raise ``AssertionError`` with the readable report unless ``fn``'s dw, db and cost are right.

    ``fn(w, b, X, Y)`` follows :func:`autograd_lr.propagate`'s contract; ``options`` go to
    :func:`autograd_lr.checking.check.check_gradients` (``fast``, ``seed``, ``lambd``,
    ``problems``). Returns the :class:`~autograd_lr.checking.check.GradientReport` when it passes.
    """
    __tracebackhide__ = True  # pytest shows the report, not this function's frame
    from autograd_lr.checking.check import check_gradients

    report = check_gradients(fn, **options)
    if not report.passed:
        raise AssertionError(str(report))
    return report


def gradient_test(fn: Callable[..., Any], **options: Any) -> Callable[[], None]:
    """A test function that checks ``fn``: ``test_propagate = gradient_test(propagate)``."""

    def test() -> None:
        __tracebackhide__ = True
        assert_gradients_correct(fn, **options)

    name = getattr(fn, "__name__", "function")
    test.__name__ = f"test_gradients_of_{name}"
    test.__doc__ = f"dw, db and the cost of {name} agree with the oracles."
    return test
