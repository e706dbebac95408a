"""Tracing a learner's function: every assignment by its own names, the raising line's operands,
and the alignment with the reference's intermediates (the first wrong line)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lr.checking import alignment, tracing
from autograd_lr.checking.expected import ProblemOracles, default_problems
from autograd_lr.problems import make_problem


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


NAMESPACE = {"np": np, "sigmoid": sigmoid}

VECTORIZED = """
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    dw = np.dot(X, dZ.T) / m
    db = np.sum(dZ) / m
    return {"dw": dw, "db": db}, cost
"""

LOOP = """
def propagate(w, b, X, Y):
    n_x, m = X.shape
    J = 0.0
    dw = np.zeros((n_x, 1))
    db = 0.0
    for i in range(m):
        z = np.dot(w[:, 0], X[:, i]) + b
        a = sigmoid(z)
        J += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        dw = dw + X[:, i:i + 1] * dz
        db += dz
    J /= m
    dw /= m
    db /= m
    return {"dw": dw, "db": db}, J
"""


@pytest.fixture(scope="module")
def first() -> ProblemOracles:
    return ProblemOracles(default_problems()[0])


def test_every_assignment_is_recorded_by_the_learners_names_and_lines() -> None:
    p = make_problem(2, 3, 0)
    t = tracing.trace(VECTORIZED, "propagate", tuple(p), NAMESPACE)
    assert [(e.line, e.name) for e in t.events[:6]] == [
        (3, "m"),
        (4, "A"),
        (5, "cost"),
        (6, "dZ"),
        (7, "dw"),
        (8, "db"),
    ]
    A = t.values("A")[0].value
    assert A.shape == (1, 3) and A.dtype == "float64"
    np.testing.assert_allclose(A.data, sigmoid(p.w.T @ p.X + p.b))
    leaves = [e.name for e in t.events if e.line == 9]
    assert leaves == ["return[0]['dw']", "return[0]['db']", "return[1]"]
    assert t.raised is None


def test_a_loop_is_traced_per_iteration() -> None:
    p = make_problem(3, 4, 1)
    t = tracing.trace(LOOP, "propagate", tuple(p), NAMESPACE)
    zs = t.values("z")
    assert [e.occurrence for e in zs] == [0, 1, 2, 3] and {e.line for e in zs} == {8}
    expected = (p.w.T @ p.X + p.b).ravel()
    np.testing.assert_allclose([float(e.value.data) for e in zs], expected)


def test_the_raising_line_keeps_the_shapes_of_its_operands() -> None:
    source = VECTORIZED.replace(
        "cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m",
        "cost = -(np.dot(Y, np.log(A)) + np.dot(1 - Y, np.log(1 - A).T)) / m",
    )
    t = tracing.trace(source, "propagate", tuple(make_problem(2, 3, 0)), NAMESPACE)
    assert t.raised is not None and t.raised.line == 5 and t.raised.type == "ValueError"
    assert t.raised.failing == "np.dot(Y, np.log(A))"
    assert t.raised.operands == [("Y", "(1, 3)"), ("np.log(A)", "(1, 3)")]
    # and with one example the same line runs: (1, 1)·(1, 1)
    t1 = tracing.trace(source, "propagate", tuple(make_problem(2, 1, 0)), NAMESPACE)
    assert t1.raised is None and t1.values("cost")


def test_values_above_the_cap_keep_their_shape_only() -> None:
    big = np.zeros((tracing.TRACE_CAP + 1,))
    r = tracing.record(big)
    assert r.shape == big.shape and r.data is None
    assert tracing.record({"dw": 1}).shape is None


def test_the_tracer_imports_only_the_standard_library_and_numpy() -> None:
    """It is shipped as it is to the grader's sandbox, where the package is hidden."""
    source = Path(tracing.__file__).read_text()
    imported = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"numpy", "__future__"}, imported
    # and it runs as a stand-alone file, with no autograd_lr importable
    script = (
        "import importlib.util, sys, numpy as np\n"
        "sys.modules['autograd_lr'] = None  # the package is not importable\n"
        f"spec = importlib.util.spec_from_file_location('tracer', {str(tracing.__file__)!r})\n"
        "tracer = importlib.util.module_from_spec(spec)\n"
        "sys.modules['tracer'] = tracer\n"
        "spec.loader.exec_module(tracer)\n"
        'src = \'def f(w, b, X, Y):\\n    return {"dw": w, "db": b}, 1.0\\n\'\n'
        "problem = (np.ones((2, 1)), 0.0, np.ones((2, 3)), np.ones((1, 3)))\n"
        "out = tracer.run_candidates([src], 'f', [problem])\n"
        "print(out[0][0].error or 'ran')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ran", done.stderr


def test_a_candidates_outcome_gives_the_line_that_raised() -> None:
    """The line of the candidate program (not of numpy's code below it), so that the repair
    search sees an error moved further on; 0 when the candidate does not raise."""
    problem = (np.ones((2, 1)), 0.0, np.ones((2, 3)), np.ones((1, 3)))
    raising = [
        "def f(w, b, X, Y):\n    m = X.shape[1]\n    a = np.dot(w, X)\n    return a, m\n",
        "def f(w, b, X, Y):\n    m = X.shape[1]\n    a = np.dot(w.T, X)\n    return a[m], m\n",
        "def f(w, b, X, Y):\n    return w, b\n",
    ]
    out = tracing.run_candidates(raising, "f", [problem])
    assert [o[0].line for o in out] == [3, 4, 0]
    assert out[0][0].error.startswith("ValueError") and out[1][0].error.startswith("IndexError")


def test_a_right_program_has_no_wrong_line(first: ProblemOracles) -> None:
    for source in (VECTORIZED, LOOP):
        t = tracing.trace(source, "propagate", tuple(first.problem), NAMESPACE)
        assert alignment.align(t, first, source, "propagate").line == 0


@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [
        (
            "cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m",
            "cost = -np.sum(Y * np.log(A).T + (1 - Y) * np.log(1 - A)) / m",
            5,
            "your A equals a = σ(z)",
        ),
        ("db = np.sum(dZ) / m", "db = np.sum(dw)", 8, "your dw equals dw = ∂J/∂w"),
        ("A = sigmoid(np.dot(w.T, X) + b)", "A = sigmoid(np.dot(w.T, X)) + b", 4, "A becomes"),
        ("dZ = A - Y", "dZ = Y - A", 6, "your A equals a = σ(z)"),
    ],
    ids=["log_A_transposed", "db_from_dw", "bias_outside", "dz_sign"],
)
def test_the_first_wrong_line_is_the_one_whose_inputs_were_right(
    first: ProblemOracles, old: str, new: str, line: int, says: str
) -> None:
    source = VECTORIZED.replace(old, new)
    t = tracing.trace(source, "propagate", tuple(first.problem), NAMESPACE)
    found = alignment.align(t, first, source, "propagate")
    assert found.line == line
    assert says in found.describe("propagate")
    assert "none of the lecture's intermediates" in found.describe("propagate")


def test_in_a_loop_the_running_sums_are_right_and_the_broadcast_is_not(
    first: ProblemOracles,
) -> None:
    source = LOOP.replace("X[:, i:i + 1]", "X[:, i]")
    t = tracing.trace(source, "propagate", tuple(first.problem), NAMESPACE)
    found = alignment.align(t, first, source, "propagate")
    assert found.line == 12 and "(5, 5)" in found.describe("propagate")
    assert found.matched["J"] == "L, one entry"  # the first example's loss, after one step


def test_a_float32_cast_is_located_where_it_happens(first: ProblemOracles) -> None:
    source = VECTORIZED.replace("m = X.shape[1]", "m = X.shape[1]\n    X = X.astype(np.float32)")
    t = tracing.trace(source, "propagate", tuple(first.problem), NAMESPACE)
    found = alignment.align(t, first, source, "propagate")
    assert found.line == 4 and found.low_precision


# a learner's file: their own sigmoid (e^(+z): wrong), called from propagate
HELPER_FILE = """import numpy as np


def sigmoid(z):
    e = np.exp(z)
    return 1 / (1 + e)


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
"""


def test_the_trace_follows_the_learners_helper_call_by_call() -> None:
    p = make_problem(3, 4, 2)
    t = tracing.trace(HELPER_FILE, "propagate", tuple(p), {"np": np}, helpers=("sigmoid",))
    assert [(e.line, e.name) for e in t.events[:5]] == [
        (10, "m"),
        (4, "sigmoid:z"),  # the argument, on entry, at the def line
        (5, "sigmoid:e"),
        (6, "sigmoid:return"),
        (11, "A"),
    ]
    given = t.values("sigmoid:z")[0].value.data
    np.testing.assert_allclose(given, p.w.T @ p.X + p.b, rtol=1e-15)
    np.testing.assert_allclose(t.values("sigmoid:return")[0].value.data, 1 / (1 + np.exp(given)))
    # followed only when asked: otherwise the helper is the namespace's, untraced
    plain = tracing.trace(HELPER_FILE, "propagate", tuple(p), NAMESPACE)
    assert not [e for e in plain.events if ":" in e.name] and plain.raised is None


def test_a_raise_inside_the_helper_is_at_the_helpers_line() -> None:
    source = HELPER_FILE.replace("np.exp(z)", "math.exp(z)")
    t = tracing.trace(source, "propagate", tuple(make_problem(2, 3, 0)), {"np": np}, ("sigmoid",))
    assert t.raised is not None and t.raised.line == 5 and t.raised.type == "NameError"


def test_a_wrong_helper_is_located_inside_it(first: ProblemOracles) -> None:
    t = tracing.trace(HELPER_FILE, "propagate", tuple(first.problem), {"np": np}, ("sigmoid",))
    found = alignment.align(t, first, HELPER_FILE, "propagate")
    assert (found.line, found.function) == (5, "sigmoid")
    assert found.describe("propagate").startswith("line 5 of sigmoid, `e = np.exp(z)`")


def test_a_right_helper_given_a_wrong_argument_leaves_the_callers_line(
    first: ProblemOracles,
) -> None:
    """σ(A) in the cost: the helper returns σ of what it was given, so the cost line is wrong."""
    source = HELPER_FILE.replace("np.exp(z)", "np.exp(-z)").replace(
        "Y * np.log(A)", "Y * np.log(sigmoid(A))"
    )
    t = tracing.trace(source, "propagate", tuple(first.problem), {"np": np}, ("sigmoid",))
    assert len(t.values("sigmoid:return")) == 2  # both calls traced
    found = alignment.align(t, first, source, "propagate")
    assert (found.line, found.function) == (12, "")
    right = HELPER_FILE.replace("np.exp(z)", "np.exp(-z)")
    t = tracing.trace(right, "propagate", tuple(first.problem), {"np": np}, ("sigmoid",))
    assert alignment.align(t, first, right, "propagate").line == 0
