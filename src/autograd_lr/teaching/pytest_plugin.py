"""pytest plugin (entry point ``pytest11``, ``autograd_lr_derivation``): the fixture
``assert_derivation_correct``, for a course repository whose derivations are written down.

.. code-block:: python

    def test_derivation(assert_derivation_correct):
        assert_derivation_correct("derivation.md")   # every ```derivation block of the file

It lives beside the derivation checker, not in :mod:`autograd_lr.checking.pytest_plugin`,
because the checker never reaches the teaching package (independence rule 4). It loads in every
pytest run of an environment where autograd-lr is installed, so this module imports
nothing but pytest; the derivation checker is imported when the fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def assert_derivation_correct() -> Callable[..., Any]:
    """``assert_derivation_correct(steps_or_file, lambd=0.0)``: fail the test with the report."""
    # imported on use: this plugin loads in every pytest run, the checker loads sympy
    from autograd_lr.teaching.assertions import assert_derivation_correct as check

    return check
