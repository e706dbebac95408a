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
    """``assert_gradients_correct(fn, **options)``: fail the test with the checker's report
    (:func:`autograd_lr.checking.assertions.assert_gradients_correct`)."""
    # imported on use: this plugin loads in every pytest run, the checker loads numpy and more
    from autograd_lr.checking.assertions import assert_gradients_correct as check

    return check
