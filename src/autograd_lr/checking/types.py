"""The checker's shared records: what a call returned, how each quantity compared, a diagnosis.

Plain data passed between the parts of the checker (:mod:`.calls` fills a :class:`Call`,
:mod:`.compare` a :class:`ProblemCheck`, :mod:`.diagnosis` a :class:`~autograd_lr.checking.findings.Finding` (also named ``Diagnosis``) (a
:class:`~autograd_lr.checking.findings.Finding`), :mod:`autograd_lr.checking.findings`
renders them). Every signal is a field: a wrong signature is
``Call.wrong_signature``, a broken return contract is ``Outputs.contract``, never a
phrase to search for in a message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from autograd_lr.checking.findings import HINT_LEVELS, Finding, Hints
from autograd_lr.problems import Problem

# a finding of the output checks, by the name the diagnosis modules use
Diagnosis = Finding
__all__ = [
    "FAILING",
    "HINT_LEVELS",
    "Call",
    "Diagnosis",
    "Entry",
    "Finding",
    "Hints",
    "Outputs",
    "ProblemCheck",
    "QuantityCheck",
    "Row",
    "Status",
]


@dataclass
class Outputs:
    """What ``fn`` returned, read into numpy arrays (nothing reshaped or cast yet)."""

    dw: np.ndarray | None = None
    db: np.ndarray | None = None
    cost: np.ndarray | None = None
    form: str = ""  # "(grads, cost)", "(dw, db)" or "([dw, db], cost)"
    error: str = ""  # why the return value cannot be read at all, if it cannot
    # the course's return contract, quantity -> what breaks it and the exact conversion
    # (e.g. {"cost": ("a (1, 1) array", "return np.squeeze(cost)")}); empty when kept
    contract: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Call:
    """One call of the learner's function on one problem."""

    problem: Problem
    outputs: Outputs = field(default_factory=Outputs)
    exception: str = ""  # "ZeroDivisionError: division by zero", if fn raised
    exception_type: str = ""
    where: str = ""  # the line of the learner's code that raised
    modified: list[str] = field(default_factory=list)  # inputs fn changed in place
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # fn could not take the arguments: the signature it has ("propagate(w, b, X)") and
    # the call the checker makes ("fn(w, b, X, Y)"); empty when it could
    wrong_signature: bool = False
    signature: str = ""
    called_as: str = ""


Status = Literal[
    "ok",  # agrees with the oracles
    "wrong",  # a finite value of the right shape that disagrees
    "shape",  # the wrong shape
    "non_finite",  # NaN or inf
    "inconclusive",  # disagrees with jax, but the oracles disagree with each other too
    "not_returned",  # the cost, when fn returns (dw, db)
    "not_run",  # fn raised, or returned something unreadable
]
FAILING: frozenset[str] = frozenset({"wrong", "shape", "non_finite"})


@dataclass
class QuantityCheck:
    """One quantity on one problem: its status and relative error to the reference."""

    name: str
    status: Status
    error: float = math.nan  # relative error e_q (nan: not compared; inf: non-finite)
    threshold: float = math.nan
    yours: np.ndarray | None = None  # as returned
    expected: np.ndarray | None = None  # float64, the right shape (full mode only)
    agreement: float = math.nan  # the two oracles' relative disagreement
    floor: float = 1.0


@dataclass
class ProblemCheck:
    """The check of every quantity on one problem."""

    call: Call
    mode: str  # "full", "fast", or "fast → full" (drilled down)
    quantities: dict[str, QuantityCheck]
    lambd: float = 0.0
    directions: list[tuple[float, float]] = field(default_factory=list)  # (vᵀĝ, D_v)

    @property
    def problem(self) -> Problem:
        return self.call.problem

    def expected(self, name: str) -> np.ndarray | None:
        return self.quantities[name].expected


@dataclass(frozen=True)
class Entry:
    """One entry of a quantity: its index, your value, the expected one."""

    index: tuple[int, ...]
    yours: float
    expected: float


@dataclass
class Row:
    """One quantity over all problems."""

    name: str
    status: str  # "ok", "wrong", "inconclusive", "not returned", "not run"
    error: float  # the largest relative error over the problems where it was compared
    threshold: float
    worst_problem: str = ""
    entries: list[Entry] = field(default_factory=list)  # the worst entries, on worst_problem
    agreement: float = math.nan  # the oracles' largest disagreement over the problems
