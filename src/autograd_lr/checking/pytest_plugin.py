"""pytest plugin (entry point ``pytest11``): the fixture ``assert_gradients_correct``.

.. code-block:: python

    def test_propagate(assert_gradients_correct):
        assert_gradients_correct(propagate)

It loads in every pytest run of an environment where autograd-lr is installed, so this
module imports nothing but pytest; the checker is imported when the fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def assert_gradients_correct() -> Callable[..., Any]:
    """``assert_gradients_correct(fn, **options)``: fail the test with the checker's report.

    The same as :func:`autograd_lr.testing.assert_gradients_correct`, built here from the
    checker itself: :mod:`autograd_lr.testing` also serves the derivation checker of the
    teaching package, which the checker never reaches (independence rule 4).
    """
    from autograd_lr.checking.check import check_gradients

    def check(fn: Callable[..., Any], **options: Any) -> Any:
        __tracebackhide__ = True
        report = check_gradients(fn, **options)
        if not report.passed:
            raise AssertionError(str(report))
        return report

    return check
