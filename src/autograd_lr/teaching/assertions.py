r"""The derivation check as a test assertion: ``assert_derivation_correct``.

Its home is beside the derivation checker, so the pytest plugin
(:mod:`autograd_lr.teaching.pytest_plugin`) and :mod:`autograd_lr.testing` both take it from
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autograd_lr.teaching import documents
from autograd_lr.teaching.derivation import check_derivation


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
    __tracebackhide__ = True  # pytest shows the report, not this function's frame
    if isinstance(derivation, Mapping):
        report = check_derivation(derivation, lambd, hints=hints)
        if not report.passed:
            raise AssertionError(str(report))
        return report
    if lambd != 0.0:
        raise ValueError(
            f"lambd={lambd!r} applies to a dict of steps; a document gives each block's λ in "
            f"its info string ('derivation lambd=0.7'): put it there, not in the call"
        )
    checked = documents.check_document(derivation, hints=hints)
    if not all(report.passed for _, report in checked):
        raise AssertionError(documents.render(checked))
    return checked
