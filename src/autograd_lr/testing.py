r"""Gradient checks as test assertions: one line in a course repository's test suite.

.. code-block:: python

    from autograd_lr.testing import assert_gradients_correct

    def test_propagate():
        assert_gradients_correct(propagate)          # AssertionError carries the report

or, with no function body at all, ``test_propagate = gradient_test(propagate)``. A course
repository checks its written derivations the same way:

.. code-block:: python

    def test_derivation():
        assert_derivation_correct("derivation.md")   # every ```derivation block of the file

Each assertion lives in its room (:mod:`autograd_lr.checking.assertions`,
:mod:`autograd_lr.teaching.assertions`), where the pytest plugins offer it as a fixture
(:mod:`autograd_lr.checking.pytest_plugin`, :mod:`autograd_lr.teaching.pytest_plugin`); this
module gathers both for a test suite, and nothing in the package imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from autograd_lr.checking.assertions import assert_gradients_correct

__all__ = ["assert_derivation_correct", "assert_gradients_correct", "gradient_test"]


def gradient_test(fn: Callable[..., Any], **options: Any) -> Callable[[], None]:
    """A test function that checks ``fn``: ``test_propagate = gradient_test(propagate)``."""

    def test() -> None:
        __tracebackhide__ = True
        assert_gradients_correct(fn, **options)

    name = getattr(fn, "__name__", "function")
    test.__name__ = f"test_gradients_of_{name}"
    test.__doc__ = f"dw, db and the cost of {name} agree with the oracles."
    return test


def assert_derivation_correct(
    derivation: Mapping[str, Any] | str | Path, lambd: float = 0.0, *, hints: str = "fix"
) -> Any:
    r"""Raise ``AssertionError`` with the derivation report unless every step is right:
    :func:`autograd_lr.teaching.assertions.assert_derivation_correct`, which says what
    ``derivation``, ``lambd`` and ``hints`` are and what it returns."""
    __tracebackhide__ = True
    # imported on use: the derivation checker loads sympy (seconds), which a suite that
    # checks only gradients never needs
    from autograd_lr.teaching.assertions import assert_derivation_correct as check

    return check(derivation, lambd, hints=hints)
