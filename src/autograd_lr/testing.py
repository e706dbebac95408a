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

The pytest plugins offer both as fixtures (:mod:`autograd_lr.checking.pytest_plugin`,
:mod:`autograd_lr.teaching.pytest_plugin`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
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


def assert_derivation_correct(
    derivation: Mapping[str, Any] | str | Path, lambd: float = 0.0, *, hints: str = "fix"
) -> Any:
    r"""Raise ``AssertionError`` with the derivation report unless every step is right.

    ``derivation`` is a dict of steps (as :func:`autograd_lr.check_derivation` takes, with
    ``lambd``) or the path of a Markdown file or notebook whose fenced ``derivation`` blocks
    are all checked (each block's λ is in its info string, ``derivation lambd=0.7``;
    ``lambd`` with a file is a ``ValueError``, never silently dropped).
    Returns the :class:`~autograd_lr.teaching.report.DerivationReport` (for a file, the
    list of ``(block, report)``) when it passes.
    """
    __tracebackhide__ = True
    if isinstance(derivation, Mapping):
        from autograd_lr.teaching.derivation import check_derivation

        report = check_derivation(derivation, lambd, hints=hints)
        if not report.passed:
            raise AssertionError(str(report))
        return report
    from autograd_lr.teaching import documents

    if lambd != 0.0:
        raise ValueError(
            f"lambd={lambd!r} applies to a dict of steps; a document gives each block's λ in "
            f"its info string ('derivation lambd=0.7'): put it there, not in the call"
        )
    checked = documents.check_document(derivation, hints=hints)
    if not all(report.passed for _, report in checked):
        raise AssertionError(documents.render(checked))
    return checked
