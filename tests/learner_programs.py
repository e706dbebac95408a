"""Learners' programs as source text: the feedback engine's specification, as data.

Each :class:`LearnerProgram` is a whole module a learner could hand in for the course's
``propagate`` (or ``sigmoid``) exercise, with the verdict the engine must reach:

* ``"pass"``: correct, however unusual its form;
* ``"repaired"``: wrong, and ``fixed`` is the same file with only the faulty line(s)
  edited by at most three edits, each one rule of ``rules`` (:data:`RULES`), which makes
  it pass;
* ``"located"``: wrong, and no repair by at most three edits exists: the engine says
  where (``line``) and what, never why.

An edit is one rule applied to one line; it rewrites every place on that line where
the rule's pattern occurs (``np.dot(Y.T, np.log(A)) + np.dot((1 - Y).T, np.log(1 - A))``
is repaired by one ``operand_order`` edit), and may add the one line a statement needs
(a two-line edit). ``rules`` is the set of rule names the intended repair uses; where two
one-rule repairs exist, it names the one ``fixed`` applies. How the rules read here:

* ``swap_variable`` also swaps two scalars of the loop (``a`` for ``dz``, ``n_x`` for
  ``m``), and a global for an argument (``train_set_x`` for ``X``);
* ``add_sum`` also makes a loop's assignment an accumulation (``db = dz`` to
  ``db += dz``): the loop's form of the sum over examples;
* ``squeeze`` wraps a value in ``np.squeeze`` (db or the cost as an array of size 1);
  ``change_axis`` changes or drops an ``axis=`` argument or a ``shape[k]`` index;
* ``example_index`` moves an index to the examples' axis (``X[i]`` to ``X[:, i]`` or
  ``X[:, i:i+1]``, ``Y[i]`` to ``Y[0, i]``) or swaps two indices (``X[i, j]`` to
  ``X[j, i]``);
* ``log_complement`` is exactly ``1 - np.log(A)`` <-> ``np.log(1 - A)``: no rule turns
  ``np.log(A)`` into ``np.log(1 - A)``, and none writes a missing term, a missing
  bias, a missing ``1 +`` or brackets for operator precedence, nor replaces ``math``
  by ``np``, ``np.log10`` by ``np.log``, or ``//`` by ``/``: such programs are
  ``"located"``.

``line`` is the first faulty line (1-based) of ``source``. The programs are built from a
few templates (the course's vectorized ``propagate``, the lecture's two loops, a loop
over columns, the ``sigmoid`` exercise) by replacing whole lines, so that the mistaken
line and its repair are written once and combined into two- and three-mistake programs.
``tests/test_learner_programs.py`` checks every entry against the reference check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The correction rules the engine may use, by name.
RULES = frozenset(
    {
        "transpose_operand",
        "drop_transpose",
        "elementwise_to_matmul",
        "matmul_to_elementwise",
        "add_sum",
        "remove_sum",
        "change_axis",
        "squeeze",
        "add_mean",
        "remove_mean",
        "flip_sign",
        "log_complement",
        "swap_variable",
        "add_sigmoid",
        "remove_sigmoid",
        "bias_into_sigmoid",
        "loop_bounds",
        "epsilon",
        "operand_order",
        "inplace_update",
        "return_order",
        "return_keys",
        "dtype",
        "reshape_column",
        "example_index",
        "array_function",
        "true_division",
        "group_denominator",
        "one_plus",
        "value_for_slope",
    }
)
VERDICTS = ("pass", "repaired", "located")
EXERCISES = ("propagate", "sigmoid")
MAX_RULES = 3  # a repair uses at most this many rules; beyond it the engine only locates

Q_AND_A = "asked about in public Q&A threads on the course's week-2 assignment"


@dataclass(frozen=True)
class LearnerProgram:
    """One learner's module, the verdict the engine must reach, and the intended repair."""

    name: str
    exercise: str  # "propagate" or "sigmoid"
    source: str
    verdict: str  # "pass", "repaired" or "located"
    line: int | None  # first faulty line of source, 1-based (None for "pass")
    rules: frozenset[str]  # rules of the repair (empty for "pass" and "located")
    fixed: str | None  # source with the repair applied (None for "pass" and "located")
    origin: str


# --- templates ----------------------------------------------------------------------------------
# Written as learners write them; each line number below is the template's own.

SIGMOID = """\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""

# the course's vectorized propagate, as the assignment's skeleton leads learners to write it
COURSE = """\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1/m * np.dot(X, (A - Y).T)
    db = 1/m * np.sum(A - Y)
    cost = np.squeeze(np.array(cost))
    grads = {"dw": dw, "db": db}
    return grads, cost
"""
C_M, C_A, C_COST, C_DW, C_DB, C_SQUEEZE, C_GRADS, C_RETURN = range(9, 17)
S_RETURN = 5  # the sigmoid's return line, in every template

# the same, with the learning rate the notebook defines in an earlier cell
COURSE_GLOBAL = """\
import numpy as np

learning_rate = 0.009


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1/m * np.dot(X, (A - Y).T)
    db = 1/m * np.sum(A - Y)
    cost = np.squeeze(np.array(cost))
    grads = {"dw": dw, "db": db}
    return grads, cost
"""
G_DW = 14

# the same, with the training set the notebook loads in an earlier cell
COURSE_TRAIN_SET = """\
import numpy as np

train_set_x = np.zeros((12288, 209))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1/m * np.dot(X, (A - Y).T)
    db = 1/m * np.sum(A - Y)
    cost = np.squeeze(np.array(cost))
    grads = {"dw": dw, "db": db}
    return grads, cost
"""
T_M = 11

# the lecture's explicit loops: over examples i, and over features j inside
LECTURE_LOOPS = """\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    n_x, m = X.shape
    cost = 0
    dw = np.zeros((n_x, 1))
    db = 0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += w[j, 0] * X[j, i]
        a = sigmoid(z)
        cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        for j in range(n_x):
            dw[j, 0] += X[j, i] * dz
        db += dz
    cost /= m
    dw /= m
    db /= m
    grads = {"dw": dw, "db": db}
    return grads, cost
"""
(L_INIT_COST, L_LOOP_I, L_Z0, L_LOOP_J1, L_Z, L_A, L_COST, L_DZ, L_LOOP_J2, L_DW, L_DB) = (
    10,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
)
L_MEAN_COST, L_MEAN_DW, L_MEAN_DB = 23, 24, 25

# one loop over examples, each a column of X (z comes out as an array of shape (1,))
COLUMN_LOOP = """\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    n_x, m = X.shape
    cost = 0
    dw = np.zeros((n_x, 1))
    db = 0
    for i in range(m):
        z = np.dot(w.T, X[:, i]) + b
        a = sigmoid(z)
        cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dz = a - Y[0, i]
        dw += X[:, i:i+1] * dz
        db += dz
    cost = np.squeeze(cost / m)
    dw = dw / m
    db = np.squeeze(db / m)
    grads = {"dw": dw, "db": db}
    return grads, cost
"""
V_LOOP, V_Z, V_COST, V_DZ, V_DW, V_DB = 13, 14, 16, 17, 18, 19


def edit(template: str, edits: Mapping[int, str | None]) -> str:
    """``template`` with line k replaced by ``edits[k]`` (one or more lines, written without
    the line's indentation, which is added), or deleted where ``edits[k]`` is None."""
    out = []
    for k, text in enumerate(template.split("\n"), start=1):
        if k not in edits:
            out.append(text)
            continue
        new = edits[k]
        if new is None:
            continue
        indent = text[: len(text) - len(text.lstrip())]
        out.extend(indent + part if part else "" for part in new.split("\n"))
    return "\n".join(out)


@dataclass(frozen=True)
class Mistake:
    """A learner's version of one template line, and (for a repairable one) its repair.

    ``wrong`` replaces template line ``at`` (it may span several lines; ``offset`` is the
    faulty one among them); ``fix`` is the repaired text of the same place (default: the
    template's line, i.e. the repair deletes what ``wrong`` added or changed). For a
    mistake no rule repairs, ``fix`` is the correct form (see :data:`RESTORED`).
    """

    at: int
    wrong: str
    rules: frozenset[str] = frozenset()
    fix: str | None = None
    offset: int = 0


def mistake(at: int, wrong: str, *rules: str, fix: str | None = None, offset: int = 0) -> Mistake:
    return Mistake(at, wrong, frozenset(rules), fix, offset)


def _faulty_line(template: str, mistakes: tuple[Mistake, ...]) -> int:
    """The first faulty line in the edited source: template lines shift by earlier insertions."""
    first = min(mistakes, key=lambda mk: mk.at)
    return first.at + first.offset


def _check_places(mistakes: tuple[Mistake, ...]) -> None:
    places = [mk.at for mk in mistakes]
    if len(set(places)) != len(places):
        raise ValueError(f"two mistakes at the same template line: {places}")


def passing(
    name: str,
    exercise: str,
    template: str,
    edits: Mapping[int, str | None] | None = None,
    origin: str = "variant",
) -> LearnerProgram:
    return LearnerProgram(
        name, exercise, edit(template, edits or {}), "pass", None, frozenset(), None, origin
    )


def repaired(
    name: str, exercise: str, template: str, *mistakes: Mistake, origin: str = "variant"
) -> LearnerProgram:
    _check_places(mistakes)
    source = edit(template, {mk.at: mk.wrong for mk in mistakes})
    fixed = edit(template, {mk.at: mk.fix for mk in mistakes if mk.fix is not None})
    rules = frozenset().union(*(mk.rules for mk in mistakes))
    line = _faulty_line(template, mistakes)
    return LearnerProgram(name, exercise, source, "repaired", line, rules, fixed, origin)


def located(
    name: str, exercise: str, template: str, *mistakes: Mistake, origin: str = "variant"
) -> LearnerProgram:
    _check_places(mistakes)
    source = edit(template, {mk.at: mk.wrong for mk in mistakes})
    line = _faulty_line(template, mistakes)
    RESTORED[name] = edit(template, {mk.at: mk.fix for mk in mistakes if mk.fix is not None})
    return LearnerProgram(name, exercise, source, "located", line, frozenset(), None, origin)


# For each "located" program, the correct program it was written from (a reference
# solution, not a repair by the rules): it shows that ``line`` is where the mistake is.
RESTORED: dict[str, str] = {}


# --- the mistakes, one line each ----------------------------------------------------------------

COST_TERMS = "Y * np.log(A) + (1 - Y) * np.log(1 - A)"

# cost line
COST_DOT_Y_T = mistake(
    C_COST,
    "cost = -1/m * np.sum(np.dot(Y.T, np.log(A)) + np.dot((1 - Y).T, np.log(1 - A)))",
    "operand_order",
    fix="cost = -1/m * np.sum(np.dot(np.log(A), Y.T) + np.dot(np.log(1 - A), (1 - Y).T))",
)
COST_DOT_NO_T = mistake(
    C_COST,
    "cost = -1/m * np.sum(np.dot(Y, np.log(A)) + np.dot(1 - Y, np.log(1 - A)))",
    "transpose_operand",
    fix="cost = -1/m * np.sum(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T))",
)
COST_LOG_A_T = mistake(
    C_COST,
    "cost = -1/m * np.sum(Y * np.log(A).T + (1 - Y) * np.log(1 - A))",
    "drop_transpose",
)
COST_ONE_MINUS_LOG = mistake(
    C_COST, "cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * (1 - np.log(A)))", "log_complement"
)
COST_LOG_ONE_MINUS_Y = mistake(
    C_COST, "cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - Y))", "swap_variable"
)
COST_NO_MINUS = mistake(C_COST, f"cost = 1/m * np.sum({COST_TERMS})", "flip_sign")
COST_NO_MEAN = mistake(C_COST, f"cost = -np.sum({COST_TERMS})", "add_mean")
COST_LOG_A_MINUS_ONE = mistake(
    C_COST, "cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log(A - 1))", "flip_sign"
)
COST_AXIS_0 = mistake(C_COST, f"cost = -1/m * np.sum({COST_TERMS}, axis=0)", "change_axis")
COST_EPSILON_1E8 = mistake(
    C_COST, "cost = -1/m * np.sum(Y * np.log(A + 1e-8) + (1 - Y) * np.log(1 - A + 1e-8))", "epsilon"
)
COST_MEAN_TWICE = mistake(C_COST, f"cost = -1/m * np.mean({COST_TERMS})", "remove_mean")
COST_SIGMOID_OF_LOG = mistake(
    C_COST,
    "cost = -1/m * np.sum(Y * np.log(sigmoid(A)) + (1 - Y) * np.log(1 - sigmoid(A)))",
    "remove_sigmoid",
)
# no rule of the table turns log(A) into log(1 - A), or writes the missing term
COST_ONE_MINUS_Y_LOG_A = mistake(
    C_COST, "cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log(A))"
)
COST_A_MINUS_Y = mistake(C_COST, "cost = A - Y")
COST_ONE_TERM = mistake(C_COST, "cost = -1/m * np.sum(Y * np.log(A))")
COST_LOG10 = mistake(C_COST, "cost = -1/m * np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A))")
COST_SQUARED_ERROR = mistake(C_COST, "cost = 1/(2*m) * np.sum((A - Y) ** 2)")

# forward line
A_BIAS_OUTSIDE = mistake(C_A, "A = sigmoid(np.dot(w.T, X)) + b", "bias_into_sigmoid")
A_NO_SIGMOID = mistake(C_A, "A = np.dot(w.T, X) + b", "add_sigmoid")
A_W_NOT_T = mistake(C_A, "A = sigmoid(np.dot(w, X) + b)", "transpose_operand")
A_MINUS_B = mistake(C_A, "A = sigmoid(np.dot(w.T, X) - b)", "flip_sign")
A_MINUS_Z = mistake(C_A, "A = sigmoid(-(np.dot(w.T, X) + b))", "flip_sign")
A_FLOAT32 = mistake(C_A, "A = sigmoid(np.dot(w.T, X) + b).astype(np.float32)", "dtype")
A_NO_BIAS = mistake(C_A, "A = sigmoid(np.dot(w.T, X))")
A_TIMES_B = mistake(C_A, "A = sigmoid(np.dot(w.T, X) * b)")

# dw line
DW_MULTIPLY = mistake(C_DW, "dw = 1/m * np.multiply(X, (A - Y).T)", "elementwise_to_matmul")
DW_NO_T = mistake(C_DW, "dw = 1/m * np.dot(X, A - Y)", "transpose_operand")
DW_X_T = mistake(C_DW, "dw = 1/m * np.dot(X.T, (A - Y).T)", "drop_transpose")
DW_ROW = mistake(
    C_DW,
    "dw = 1/m * np.dot(A - Y, X.T)",
    "transpose_operand",
    fix="dw = 1/m * np.dot(A - Y, X.T).T",
)
DW_NO_MEAN = mistake(C_DW, "dw = np.dot(X, (A - Y).T)", "add_mean")
# the same 1/m forgotten where dw is written into the returned dictionary
DW_NO_MEAN_IN_GRADS = mistake(
    C_GRADS,
    'grads = {"dw": np.dot(X, (A - Y).T), "db": db}',
    "add_mean",
    fix='grads = {"dw": np.dot(X, (A - Y).T) / m, "db": db}',
)
DW_Y_MINUS_A = mistake(C_DW, "dw = 1/m * np.dot(X, (Y - A).T)", "flip_sign")
DW_MEAN_AXIS_0 = mistake(
    C_DW,
    "dw = np.mean(X * (A - Y), axis=0, keepdims=True)",
    "change_axis",
    fix="dw = np.mean(X * (A - Y), axis=1, keepdims=True)",
)
DW_MATMUL_SUMMED = mistake(C_DW, "dw = 1/m * np.sum(np.dot(X, (A - Y).T))", "remove_sum")
DW_FLOAT32 = mistake(C_DW, "dw = 1/m * np.dot(X, (A - Y).T).astype(np.float32)", "dtype")
DW_DOUBLE_MEAN = mistake(C_DW, "dw = 1/m * np.dot(X, (A - Y).T) / m", "remove_mean")
DW_A_ONLY = mistake(C_DW, "dw = 1/m * np.dot(X, A.T)")
DW_SIGMOID_SLOPE = mistake(C_DW, "dw = 1/m * np.dot(X, (A * (1 - A)).T)")

# db line
DB_SUM_DW = mistake(C_DB, "db = np.sum(dw)")
# Y forgotten in dZ, in a dZ of its own (the mistakes' model "forgot_Y"); db keeps A - Y
DZ_NO_Y = mistake(
    C_DW,
    "dZ = A\ndw = 1/m * np.dot(X, dZ.T)",
    fix="dZ = A - Y\ndw = 1/m * np.dot(X, dZ.T)",
)
DB_NO_SUM = mistake(C_DB, "db = 1/m * (A - Y)", "add_sum")
DB_NO_MEAN = mistake(C_DB, "db = np.sum(A - Y)", "add_mean")
DB_Y_MINUS_A = mistake(C_DB, "db = 1/m * np.sum(Y - A)", "flip_sign")
DB_AXIS_1 = mistake(
    C_DB,
    "db = 1/m * np.sum(A - Y, axis=1)",
    "squeeze",
    fix="db = np.squeeze(1/m * np.sum(A - Y, axis=1))",
)
DB_KEEPDIMS = mistake(
    C_DB,
    "db = 1/m * np.sum(A - Y, axis=1, keepdims=True)",
    "squeeze",
    fix="db = np.squeeze(1/m * np.sum(A - Y, axis=1, keepdims=True))",
)
DB_MEAN_AXIS_0 = mistake(
    C_DB, "db = np.mean(A - Y, axis=0)", "change_axis", fix="db = np.mean(A - Y)"
)
DB_MEAN_OF_SUM = mistake(C_DB, "db = 1/m * np.mean(A - Y)", "remove_mean")

# m, inputs changed inside propagate
M_SHAPE_0 = mistake(C_M, "m = X.shape[0]", "change_axis")
X_FLOAT32 = mistake(C_M, "m = X.shape[1]\nX = X.astype(np.float32)", "inplace_update", offset=1)
X_SCALED = mistake(C_M, "m = X.shape[1]\nX = X / 255", "inplace_update", offset=1)
X_SCALED_IN_PLACE = mistake(C_M, "m = X.shape[1]\nX /= 255", "inplace_update", offset=1)
M_GLOBAL_TRAIN_SET = mistake(T_M, "m = train_set_x.shape[1]", "swap_variable")

# return
RETURN_SWAPPED = mistake(C_RETURN, "return cost, grads", "return_order")
GRADS_KEYS_CAPITAL = mistake(C_GRADS, 'grads = {"dW": dw, "db": db}', "return_keys")
GRADS_VALUES_SWAPPED = mistake(
    C_GRADS, 'grads = {"dw": db, "db": dw}', "return_keys", fix='grads = {"dw": dw, "db": db}'
)
COST_NOT_SQUEEZED = mistake(C_SQUEEZE, "cost = np.array(cost)", "squeeze")

# the module's own sigmoid (used by propagate)
SIG_EXP_PLUS_Z = mistake(S_RETURN, "return 1 / (1 + np.exp(z))", "flip_sign")
SIG_ONE_MINUS = mistake(S_RETURN, "return 1 / (1 - np.exp(-z))", "flip_sign")
SIG_RATIO = mistake(
    S_RETURN,
    "return np.exp(-z) / (1 + np.exp(-z))",
    "flip_sign",
    fix="return np.exp(z) / (1 + np.exp(z))",
)
SIG_FLOAT32 = mistake(S_RETURN, "return (1 / (1 + np.exp(-z))).astype(np.float32)", "dtype")
SIG_PRECEDENCE = mistake(S_RETURN, "return 1/1 + np.exp(-z)", "group_denominator")
SIG_MATH_EXP = mistake(S_RETURN, "return 1 / (1 + math.exp(-z))", "array_function")
SIG_FLOOR_DIVISION = mistake(S_RETURN, "return 1 // (1 + np.exp(-z))", "true_division")
SIG_NO_ONE_PLUS = mistake(S_RETURN, "return 1 / np.exp(-z)", "one_plus")
SIG_DERIVATIVE = mistake(
    S_RETURN,
    "s = 1 / (1 + np.exp(-z))\nreturn s * (1 - s)",
    "value_for_slope",
    fix="s = 1 / (1 + np.exp(-z))\nreturn s",
    offset=1,
)
SIG_LIST = mistake(S_RETURN, "return np.array([1 / (1 + np.exp(-x)) for x in np.ravel(z)])")

# the lecture's loops
L_RANGE_FROM_1 = mistake(L_LOOP_I, "for i in range(1, m):", "loop_bounds")
L_FEATURES_SHORT = mistake(L_LOOP_J2, "for j in range(n_x - 1):", "loop_bounds")
L_DB_NOT_ACCUMULATED = mistake(L_DB, "db = dz", "add_sum")
L_COST_NOT_ACCUMULATED = mistake(
    L_COST, "cost = -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))", "add_sum"
)
L_DZ_SIGN = mistake(L_DZ, "dz = Y[0, i] - a", "flip_sign")
L_NO_MINUS = mistake(
    L_COST, "cost += Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a)", "flip_sign"
)
L_DW_BY_A = mistake(L_DW, "dw[j, 0] += X[j, i] * a", "swap_variable")
L_NO_SIGMOID = mistake(L_A, "a = z", "add_sigmoid")
L_COST_OVER_N_X = mistake(L_MEAN_COST, "cost /= n_x", "swap_variable")
L_DW_OVER_N_X = mistake(L_MEAN_DW, "dw /= n_x", "swap_variable")
L_NO_BIAS = mistake(L_Z0, "z = 0")
L_DZ_DERIVATIVE = mistake(L_DZ, "dz = a * (1 - a)")
# Y forgotten in dz (the mistakes' model "forgot_Y"): no rule writes a missing term
L_DZ_NO_Y = mistake(L_DZ, "dz = a", fix="dz = a - Y[0, i]")

# the loop over columns
V_DW_FLAT = mistake(V_DW, "dw += X[:, i] * dz", "reshape_column")
V_DW_FLAT_REBOUND = mistake(
    V_DW, "dw = dw + X[:, i] * dz", "reshape_column", fix="dw = dw + X[:, i:i+1] * dz"
)
V_RANGE_FROM_1 = mistake(V_LOOP, "for i in range(1, m):", "loop_bounds")
V_DZ_SIGN = mistake(V_DZ, "dz = Y[0, i] - a", "flip_sign")
V_DW_DOT = mistake(
    V_DW, "dw += np.dot(X[:, i:i+1], dz)", "matmul_to_elementwise", fix="dw += X[:, i:i+1] * dz"
)
V_RANGE_PAST_END = mistake(V_LOOP, "for i in range(m + 1):", "loop_bounds")
# indexing by example: X[i] is a row (feature i of every example), X[:, i] example i
V_X_ROW = mistake(V_Z, "z = np.dot(w.T, X[i]) + b", "example_index")
V_DW_X_ROW = mistake(V_DW, "dw += X[i] * dz", "example_index")
V_LABEL_FLAT = mistake(V_DZ, "dz = a - Y[i]", "example_index")
L_X_INDICES_SWAPPED = mistake(L_Z, "z += w[j, 0] * X[i, j]", "example_index")
# the features loop's index j, still bound after that loop, for the example's i
L_LABEL_BY_J = mistake(L_DZ, "dz = a - Y[0, j]", "swap_variable")
L_DW_ENTRY_NOT_ACCUMULATED = mistake(L_DW, "dw[j, 0] = X[j, i] * dz", "add_sum")
L_LABEL_NOT_COMPLEMENTED = mistake(
    L_COST, "cost += -(Y[0, i] * np.log(a) + Y[0, i] * np.log(1 - a))", "log_complement"
)


# the cost by np.dot, a (1, 1) array until it is squeezed
COURSE_DOT_COST = edit(
    COURSE, {C_COST: "cost = -1/m * (np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T))"}
)

# --- the catalogue ------------------------------------------------------------------------------

P, S = "propagate", "sigmoid"

_CORRECT = [
    passing("course_reference", P, COURSE, origin="the assignment's expected solution"),
    passing(
        "cost_dot_y_log_a_transposed",
        P,
        COURSE,
        {C_COST: "cost = -1/m * (np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T))"},
        origin=Q_AND_A + " (the correct form of np.dot(Y.T, np.log(A)))",
    ),
    passing(
        "matmul_operator",
        P,
        COURSE,
        {
            C_A: "A = sigmoid(w.T @ X + b)",
            C_DW: "dw = X @ (A - Y).T / m",
        },
    ),
    passing("cost_np_mean", P, COURSE, {C_COST: f"cost = -np.mean({COST_TERMS})"}),
    passing(
        "cost_log1p",
        P,
        COURSE,
        {C_COST: "cost = -1/m * np.sum(Y * np.log(A) + (1 - Y) * np.log1p(-A))"},
    ),
    passing(
        "cost_keepdims_then_squeezed",
        P,
        COURSE,
        {C_COST: f"cost = -1/m * np.sum({COST_TERMS}, axis=1, keepdims=True)"},
    ),
    passing(
        "cost_axis_1_then_squeezed",
        P,
        COURSE,
        {C_COST: f"cost = -1/m * np.sum({COST_TERMS}, axis=1)"},
    ),
    passing("db_float64_cast", P, COURSE, {C_DB: "db = np.float64(1/m * np.sum(A - Y))"}),
    passing("cost_python_float", P, COURSE, {C_SQUEEZE: "cost = float(np.squeeze(cost))"}),
    passing(
        "cost_softplus_from_z",
        P,
        COURSE,
        {
            C_A: "Z = np.dot(w.T, X) + b\nA = sigmoid(Z)",
            C_COST: "cost = 1/m * np.sum(np.logaddexp(0, Z) - Y * Z)",
        },
        origin="variant: the stable cost from z",
    ),
    passing("m_from_y", P, COURSE, {C_M: "m = Y.shape[1]"}),
    passing(
        "divide_by_m",
        P,
        COURSE,
        {
            C_COST: f"cost = -np.sum({COST_TERMS}) / m",
            C_DW: "dw = np.dot(X, (A - Y).T) / m",
            C_DB: "db = np.sum(A - Y) / m",
        },
    ),
    passing(
        "dz_named",
        P,
        COURSE,
        {
            C_DW: "dZ = A - Y\ndw = 1/m * np.dot(X, dZ.T)",
            C_DB: "db = 1/m * np.sum(dZ)",
        },
    ),
    passing(
        "dw_mean_axis_1_keepdims",
        P,
        COURSE,
        {C_DW: "dw = np.mean(X * (A - Y), axis=1, keepdims=True)"},
    ),
    passing("z_from_x_transposed", P, COURSE, {C_A: "A = sigmoid(np.dot(X.T, w).T + b)"}),
    passing(
        "sigmoid_scipy_expit",
        P,
        COURSE,
        {
            1: "import numpy as np\nfrom scipy.special import expit",
            C_A: "A = expit(np.dot(w.T, X) + b)",
        },
    ),
    passing(
        "sigmoid_exp_ratio_positive", P, COURSE, {S_RETURN: "return np.exp(z) / (1 + np.exp(z))"}
    ),
    passing(
        "w_rebound_after_use",
        P,
        COURSE_GLOBAL,
        {G_DW: "dw = 1/m * np.dot(X, (A - Y).T)\nw = w - learning_rate * dw"},
        origin="variant: a new w, the argument untouched",
    ),
    passing(
        "einsum",
        P,
        COURSE,
        {
            C_DW: 'dw = 1/m * np.einsum("jm,km->jk", X, A - Y)',
        },
    ),
    passing(
        "cost_epsilon_1e_15",
        P,
        COURSE,
        {C_COST: "cost = -1/m * np.sum(Y * np.log(A + 1e-15) + (1 - Y) * np.log(1 - A + 1e-15))"},
        origin="variant: an epsilon that moves the cost by ~1e-11, below the check's 1e-10",
    ),
    passing(
        "cost_clipped",
        P,
        COURSE,
        {
            C_COST: "A_safe = np.clip(A, 1e-15, 1 - 1e-15)\n"
            "cost = -1/m * np.sum(Y * np.log(A_safe) + (1 - Y) * np.log(1 - A_safe))"
        },
        origin="variant: the clip never bites on the check's problems (|z| <= 10)",
    ),
    passing(
        "sigmoid_tanh",
        P,
        COURSE,
        {S_RETURN: "return 0.5 * (1 + np.tanh(z / 2))"},
        origin="variant: accurate enough for propagate at |z| <= 10",
    ),
    passing("matmul_function", P, COURSE, {C_A: "A = sigmoid(np.matmul(w.T, X) + b)"}),
    passing(
        "cost_factors_commuted",
        P,
        COURSE,
        {C_COST: "cost = -1/m * np.sum(np.log(A) * Y + np.log(1 - A) * (1 - Y))"},
    ),
    passing("cost_minus_inside_sum", P, COURSE, {C_COST: f"cost = np.sum(-({COST_TERMS})) / m"}),
    passing(
        "cost_where_on_labels",
        P,
        COURSE,
        {C_COST: "cost = -1/m * np.sum(np.where(Y == 1, np.log(A), np.log(1 - A)))"},
    ),
    passing(
        "cost_log1p_exp_from_z",
        P,
        COURSE,
        {
            C_A: "Z = np.dot(w.T, X) + b\nA = sigmoid(Z)",
            C_COST: "cost = 1/m * np.sum(np.log1p(np.exp(-Z)) + (1 - Y) * Z)",
        },
        origin="variant: L = log(1 + e^(-z)) + (1 - y) z",
    ),
    passing("db_axis_1_indexed", P, COURSE, {C_DB: "db = 1/m * np.sum(A - Y, axis=1)[0]"}),
    passing("m_len_of_labels", P, COURSE, {C_M: "m = len(Y[0])"}),
    passing("db_python_float", P, COURSE, {C_DB: "db = float(1/m * np.sum(A - Y))"}),
    passing(
        "z_from_flattened_w",
        P,
        COURSE,
        {C_A: "A = sigmoid(np.dot(w.reshape(-1), X) + b)"},
        origin="variant: A of shape (m,) broadcasts back to (1, m) against Y",
    ),
    passing(
        "grads_returned_directly",
        P,
        COURSE,
        {C_GRADS: None, C_RETURN: 'return {"dw": dw, "db": db}, cost'},
    ),
    passing("lecture_two_loops", P, LECTURE_LOOPS, origin="the lecture's loop, features in a loop"),
    passing("column_loop", P, COLUMN_LOOP),
    passing("column_loop_reshape", P, COLUMN_LOOP, {V_DW: "dw += X[:, i].reshape(-1, 1) * dz"}),
    passing("column_loop_list_index", P, COLUMN_LOOP, {V_DW: "dw += X[:, [i]] * dz"}),
]

_SIGMOID_CORRECT = [
    passing("sigmoid_reference", S, SIGMOID, origin="the assignment's expected solution"),
    passing(
        "sigmoid_exp_ratio_positive_exercise",
        S,
        SIGMOID,
        {S_RETURN: "return np.exp(z) / (1 + np.exp(z))"},
    ),
    passing(
        "sigmoid_logaddexp_stable", S, SIGMOID, {S_RETURN: "return np.exp(-np.logaddexp(0, -z))"}
    ),
    passing(
        "sigmoid_where_stable",
        S,
        SIGMOID,
        {S_RETURN: "e = np.exp(-np.abs(z))\nreturn np.where(z >= 0, 1 / (1 + e), e / (1 + e))"},
    ),
    passing("sigmoid_np_e_power", S, SIGMOID, {S_RETURN: "return 1 / (1 + np.e ** -z)"}),
    passing("sigmoid_np_divide", S, SIGMOID, {S_RETURN: "return np.divide(1, 1 + np.exp(-z))"}),
    passing("sigmoid_power_minus_one", S, SIGMOID, {S_RETURN: "return (1 + np.exp(-z)) ** -1"}),
    passing("sigmoid_reciprocal", S, SIGMOID, {S_RETURN: "return np.reciprocal(1 + np.exp(-z))"}),
    passing(
        "sigmoid_scipy_expit_exercise",
        S,
        SIGMOID,
        {
            1: "import numpy as np\nfrom scipy.special import expit",
            S_RETURN: "return expit(z)",
        },
    ),
]

_SINGLE = [
    # one mistake each, from where learners were seen to make it (origin)
    repaired(
        "cost_dot_y_transposed_log_a", P, COURSE, COST_DOT_Y_T, origin=Q_AND_A + ": an (m, m) table"
    ),
    repaired("log_a_transposed_in_elementwise_product", P, COURSE, COST_LOG_A_T, origin=Q_AND_A),
    repaired("one_minus_log_a_for_log_one_minus_a", P, COURSE, COST_ONE_MINUS_LOG, origin=Q_AND_A),
    repaired("bias_added_outside_sigmoid", P, COURSE, A_BIAS_OUTSIDE, origin=Q_AND_A),
    repaired(
        "log_one_minus_y_for_log_one_minus_a", P, COURSE, COST_LOG_ONE_MINUS_Y, origin=Q_AND_A
    ),
    repaired(
        "cost_dot_y_log_a_untransposed",
        P,
        COURSE,
        COST_DOT_NO_T,
        origin=Q_AND_A + ": raises for m > 1, runs for m = 1",
    ),
    repaired("x_cast_to_float32_inside_propagate", P, COURSE, X_FLOAT32, origin=Q_AND_A),
    repaired("return_cost_then_grads", P, COURSE, RETURN_SWAPPED, origin=Q_AND_A),
    repaired(
        "w_updated_in_place_inside_propagate",
        P,
        COURSE_GLOBAL,
        mistake(
            G_DW,
            "dw = 1/m * np.dot(X, (A - Y).T)\nw -= learning_rate * dw",
            "inplace_update",
            offset=1,
        ),
        origin=Q_AND_A,
    ),
    repaired("dw_multiply_for_dot", P, COURSE, DW_MULTIPLY, origin=Q_AND_A),
    repaired(
        "loop_dw_flat_column_broadcast",
        P,
        COLUMN_LOOP,
        V_DW_FLAT,
        origin=Q_AND_A + ": (n_x,) + (n_x, 1)",
    ),
    repaired("cost_without_minus_sign", P, COURSE, COST_NO_MINUS, origin=Q_AND_A),
    # more single mistakes
    repaired("cost_without_mean", P, COURSE, COST_NO_MEAN),
    repaired("cost_log_a_minus_one", P, COURSE, COST_LOG_A_MINUS_ONE),
    repaired("cost_sum_axis_0", P, COURSE, COST_AXIS_0),
    repaired(
        "cost_epsilon_1e_8",
        P,
        COURSE,
        COST_EPSILON_1E8,
        origin="variant: an epsilon large enough to move the cost",
    ),
    repaired(
        "cost_epsilon_1e_12",
        P,
        COURSE,
        mistake(
            C_COST,
            "cost = -1/m * np.sum(Y * np.log(A + 1e-12) + (1 - Y) * np.log(1 - A + 1e-12))",
            "epsilon",
        ),
        origin="variant: the smallest power of ten that still moves the cost past 1e-10",
    ),
    repaired("cost_mean_and_one_over_m", P, COURSE, COST_MEAN_TWICE),
    repaired("cost_sigmoid_applied_twice", P, COURSE, COST_SIGMOID_OF_LOG),
    repaired(
        "cost_not_squeezed", P, COURSE_DOT_COST, COST_NOT_SQUEEZED, origin="variant: a (1, 1) cost"
    ),
    repaired("no_sigmoid", P, COURSE, A_NO_SIGMOID),
    repaired(
        "z_as_a_column",
        P,
        COURSE,
        mistake(
            C_A,
            "A = sigmoid(np.dot(X.T, w) + b)",
            "transpose_operand",
            fix="A = sigmoid(np.dot(X.T, w).T + b)",
        ),
    ),
    repaired(
        "dot_operands_swapped",
        P,
        COURSE,
        mistake(
            C_A,
            "A = sigmoid(np.dot(X, w.T) + b)",
            "operand_order",
            fix="A = sigmoid(np.dot(w.T, X) + b)",
        ),
    ),
    repaired("w_not_transposed", P, COURSE, A_W_NOT_T),
    repaired("logit_sign_flipped", P, COURSE, A_MINUS_Z),
    repaired("a_cast_to_float32", P, COURSE, A_FLOAT32),
    repaired("dw_not_transposed", P, COURSE, DW_NO_T),
    repaired("dw_x_transposed", P, COURSE, DW_X_T),
    repaired("dw_as_a_row", P, COURSE, DW_ROW),
    repaired("dw_without_mean", P, COURSE, DW_NO_MEAN),
    repaired("dw_without_mean_in_the_returned_dict", P, COURSE, DW_NO_MEAN_IN_GRADS),
    repaired(
        "dw_y_not_transposed",
        P,
        COURSE,
        mistake(
            C_DW,
            "dw = 1/m * np.dot(X, A.T - Y)",
            "transpose_operand",
            fix="dw = 1/m * np.dot(X, A.T - Y.T)",
        ),
        origin="variant: (m, 1) - (1, m) broadcasts to (m, m)",
    ),
    repaired(
        "cost_cast_to_float32",
        P,
        COURSE,
        mistake(C_SQUEEZE, "cost = np.float32(np.squeeze(np.array(cost)))", "dtype"),
    ),
    repaired("dw_y_minus_a", P, COURSE, DW_Y_MINUS_A),
    repaired("dw_mean_wrong_axis", P, COURSE, DW_MEAN_AXIS_0),
    repaired("dw_matmul_then_summed", P, COURSE, DW_MATMUL_SUMMED),
    repaired("dw_cast_to_float32", P, COURSE, DW_FLOAT32),
    repaired("dw_divided_by_m_twice", P, COURSE, DW_DOUBLE_MEAN),
    repaired("db_without_sum", P, COURSE, DB_NO_SUM),
    repaired("db_without_mean", P, COURSE, DB_NO_MEAN),
    repaired("db_y_minus_a", P, COURSE, DB_Y_MINUS_A),
    repaired(
        "db_sum_axis_1_without_keepdims",
        P,
        COURSE,
        DB_AXIS_1,
        origin="variant: db an array of shape (1,), where the course asserts a float",
    ),
    repaired("db_keepdims", P, COURSE, DB_KEEPDIMS, origin="variant: db an array of shape (1, 1)"),
    repaired("db_mean_wrong_axis", P, COURSE, DB_MEAN_AXIS_0),
    repaired("db_mean_and_one_over_m", P, COURSE, DB_MEAN_OF_SUM),
    repaired("m_from_wrong_axis", P, COURSE, M_SHAPE_0),
    repaired("x_scaled_inside_propagate", P, COURSE, X_SCALED),
    repaired("x_scaled_in_place", P, COURSE, X_SCALED_IN_PLACE),
    repaired(
        "m_from_global_training_set",
        P,
        COURSE_TRAIN_SET,
        M_GLOBAL_TRAIN_SET,
        origin="variant: a global for the argument X",
    ),
    repaired("grads_key_capitalised", P, COURSE, GRADS_KEYS_CAPITAL),
    repaired("grads_values_swapped", P, COURSE, GRADS_VALUES_SWAPPED),
    repaired("propagate_sigmoid_exponent_sign", P, COURSE, SIG_EXP_PLUS_Z),
    repaired("propagate_sigmoid_float32", P, COURSE, SIG_FLOAT32),
    # the lecture's loops
    repaired("loop_range_from_1", P, LECTURE_LOOPS, L_RANGE_FROM_1),
    repaired("loop_features_short", P, LECTURE_LOOPS, L_FEATURES_SHORT),
    repaired("loop_db_not_accumulated", P, LECTURE_LOOPS, L_DB_NOT_ACCUMULATED),
    repaired("loop_cost_not_accumulated", P, LECTURE_LOOPS, L_COST_NOT_ACCUMULATED),
    repaired("loop_dz_sign", P, LECTURE_LOOPS, L_DZ_SIGN),
    repaired("loop_cost_without_minus", P, LECTURE_LOOPS, L_NO_MINUS),
    repaired("loop_dw_by_a", P, LECTURE_LOOPS, L_DW_BY_A),
    repaired("loop_no_sigmoid", P, LECTURE_LOOPS, L_NO_SIGMOID),
    repaired("loop_cost_over_n_x", P, LECTURE_LOOPS, L_COST_OVER_N_X),
    repaired("column_loop_dw_flat_rebound", P, COLUMN_LOOP, V_DW_FLAT_REBOUND),
    repaired("column_loop_range_from_1", P, COLUMN_LOOP, V_RANGE_FROM_1),
    repaired("column_loop_range_past_end", P, COLUMN_LOOP, V_RANGE_PAST_END),
    repaired("column_loop_dw_by_dot", P, COLUMN_LOOP, V_DW_DOT),
    repaired("column_loop_example_as_row", P, COLUMN_LOOP, V_X_ROW),
    repaired("column_loop_dw_example_as_row", P, COLUMN_LOOP, V_DW_X_ROW),
    repaired("column_loop_label_flat_index", P, COLUMN_LOOP, V_LABEL_FLAT),
    repaired("loop_x_indices_swapped", P, LECTURE_LOOPS, L_X_INDICES_SWAPPED),
    repaired("loop_label_by_feature_index", P, LECTURE_LOOPS, L_LABEL_BY_J),
    repaired("loop_dw_entry_not_accumulated", P, LECTURE_LOOPS, L_DW_ENTRY_NOT_ACCUMULATED),
    repaired("loop_label_not_complemented", P, LECTURE_LOOPS, L_LABEL_NOT_COMPLEMENTED),
]

_SIGMOID_WRONG = [
    repaired("sigmoid_exponent_sign", S, SIGMOID, SIG_EXP_PLUS_Z, origin=Q_AND_A),
    repaired("sigmoid_one_minus_exp", S, SIGMOID, SIG_ONE_MINUS, origin=Q_AND_A),
    repaired(
        "sigmoid_exp_ratio_negative",
        S,
        SIGMOID,
        SIG_RATIO,
        origin=Q_AND_A + ": e^(-z)/(1 + e^(-z)) is 1 - σ(z)",
    ),
    repaired("sigmoid_float32", S, SIGMOID, SIG_FLOAT32),
    repaired("sigmoid_precedence", S, SIGMOID, SIG_PRECEDENCE, origin=Q_AND_A + ": 1/1 + e^(-z)"),
    repaired(
        "sigmoid_math_exp",
        S,
        edit(SIGMOID, {1: "import math\n\nimport numpy as np"}),
        mistake(S_RETURN + 2, SIG_MATH_EXP.wrong, *SIG_MATH_EXP.rules),
        origin=Q_AND_A + ": math.exp raises on arrays",
    ),
    repaired("sigmoid_floor_division", S, SIGMOID, SIG_FLOOR_DIVISION),
    repaired("sigmoid_no_one_plus", S, SIGMOID, SIG_NO_ONE_PLUS),
    repaired("sigmoid_returns_derivative", S, SIGMOID, SIG_DERIVATIVE),
    located("sigmoid_flattens", S, SIGMOID, SIG_LIST),
    located(
        "sigmoid_tanh_tails",
        S,
        SIGMOID,
        mistake(S_RETURN, "return 0.5 * (1 + np.tanh(z / 2))"),
        origin="variant: 1 + tanh(z/2) cancels to 0 at z = -40; right in exact arithmetic",
    ),
]

_LOCATED = [
    located(
        "one_minus_y_times_log_a",
        P,
        COURSE,
        COST_ONE_MINUS_Y_LOG_A,
        origin=Q_AND_A + ": no rule turns log(A) into log(1 - A)",
    ),
    located("db_sum_of_dw", P, COURSE, DB_SUM_DW, origin=Q_AND_A),
    located("dz_forgets_y", P, COURSE, DZ_NO_Y),
    located("loop_dz_forgets_y", P, LECTURE_LOOPS, L_DZ_NO_Y),
    located("cost_is_a_minus_y", P, COURSE, COST_A_MINUS_Y, origin=Q_AND_A),
    located("cost_one_term_only", P, COURSE, COST_ONE_TERM),
    located("cost_log10", P, COURSE, COST_LOG10),
    located("cost_squared_error", P, COURSE, COST_SQUARED_ERROR),
    located("bias_missing", P, COURSE, A_NO_BIAS),
    located("bias_multiplied", P, COURSE, A_TIMES_B),
    located("dw_without_y", P, COURSE, DW_A_ONLY),
    located("dw_sigmoid_slope_for_dz", P, COURSE, DW_SIGMOID_SLOPE),
    located("loop_bias_missing", P, LECTURE_LOOPS, L_NO_BIAS),
    located("loop_dz_is_sigmoid_slope", P, LECTURE_LOOPS, L_DZ_DERIVATIVE),
    located("db_from_x", P, COURSE, mistake(C_DB, "db = 1/m * np.sum(X * (A - Y))")),
    repaired(
        "cost_divided_by_n_x",
        P,
        COURSE,
        mistake(
            C_COST,
            f"cost = -1/X.shape[0] * np.sum({COST_TERMS})",
            "change_axis",
            fix=f"cost = -1/X.shape[1] * np.sum({COST_TERMS})",
        ),
    ),
]

_TWO = [
    repaired(
        "missing_mean_and_bias_sign_flipped",
        P,
        COURSE,
        A_MINUS_B,
        DW_NO_MEAN,
        origin=Q_AND_A + ": two mistakes",
    ),
    repaired("cost_no_minus_and_dw_no_mean", P, COURSE, COST_NO_MINUS, DW_NO_MEAN),
    repaired("bias_outside_and_db_sign", P, COURSE, A_BIAS_OUTSIDE, DB_Y_MINUS_A),
    repaired("log_a_transposed_and_db_no_mean", P, COURSE, COST_LOG_A_T, DB_NO_MEAN),
    repaired("dw_no_transpose_and_return_swapped", P, COURSE, DW_NO_T, RETURN_SWAPPED),
    repaired("x_float32_and_db_no_sum", P, COURSE, X_FLOAT32, DB_NO_SUM),
    repaired("m_wrong_axis_and_cost_no_minus", P, COURSE, M_SHAPE_0, COST_NO_MINUS),
    repaired("log_complement_and_dw_multiply", P, COURSE, COST_ONE_MINUS_LOG, DW_MULTIPLY),
    repaired("no_sigmoid_and_grads_key", P, COURSE, A_NO_SIGMOID, GRADS_KEYS_CAPITAL),
    repaired("w_not_transposed_and_db_keepdims", P, COURSE, A_W_NOT_T, DB_KEEPDIMS),
    repaired("sigmoid_sign_and_dw_sign", P, COURSE, SIG_EXP_PLUS_Z, DW_Y_MINUS_A),
    repaired("loop_range_and_dz_sign", P, LECTURE_LOOPS, L_RANGE_FROM_1, L_DZ_SIGN),
    repaired(
        "loop_db_not_accumulated_and_dw_over_n_x",
        P,
        LECTURE_LOOPS,
        L_DB_NOT_ACCUMULATED,
        L_DW_OVER_N_X,
    ),
    repaired("column_loop_flat_and_dz_sign", P, COLUMN_LOOP, V_DW_FLAT, V_DZ_SIGN),
    repaired("column_loop_example_as_row_twice", P, COLUMN_LOOP, V_X_ROW, V_DW_X_ROW),
    # the first mistake raises (X[i] is a row): the second is found behind it
    repaired("column_loop_example_as_row_and_dz_sign", P, COLUMN_LOOP, V_X_ROW, V_DZ_SIGN),
    repaired(
        "loop_label_by_feature_index_and_range_from_1",
        P,
        LECTURE_LOOPS,
        L_RANGE_FROM_1,
        L_LABEL_BY_J,
    ),
    repaired(
        "loop_features_short_and_db_not_accumulated",
        P,
        LECTURE_LOOPS,
        L_FEATURES_SHORT,
        L_DB_NOT_ACCUMULATED,
    ),
    repaired("sigmoid_one_minus_and_cost_no_mean", P, COURSE, SIG_ONE_MINUS, COST_NO_MEAN),
    repaired(
        "w_in_place_and_db_keepdims",
        P,
        COURSE_GLOBAL,
        mistake(
            G_DW,
            "dw = 1/m * np.dot(X, (A - Y).T)\nw -= learning_rate * dw",
            "inplace_update",
            offset=1,
        ),
        mistake(
            G_DW + 1,
            "db = 1/m * np.sum(A - Y, axis=1, keepdims=True)",
            "squeeze",
            fix="db = np.squeeze(1/m * np.sum(A - Y, axis=1, keepdims=True))",
        ),
    ),
    repaired(
        "sigmoid_exercise_sign_and_float32",
        S,
        SIGMOID,
        mistake(S_RETURN, "return (1 / (1 + np.exp(z))).astype(np.float32)", "flip_sign", "dtype"),
    ),
]

_THREE = [
    repaired(
        "cost_dot_y_t_dw_no_mean_return_swapped",
        P,
        COURSE,
        COST_DOT_Y_T,
        DW_NO_MEAN,
        RETURN_SWAPPED,
    ),
    repaired("bias_outside_dw_no_t_db_no_mean", P, COURSE, A_BIAS_OUTSIDE, DW_NO_T, DB_NO_MEAN),
    repaired("x_float32_cost_no_minus_db_sign", P, COURSE, X_FLOAT32, COST_NO_MINUS, DB_Y_MINUS_A),
    repaired(
        "sigmoid_float32_log_one_minus_y_db_no_sum",
        P,
        COURSE,
        SIG_FLOAT32,
        COST_LOG_ONE_MINUS_Y,
        DB_NO_SUM,
    ),
    repaired(
        "loop_range_cost_no_minus_dw_by_a", P, LECTURE_LOOPS, L_RANGE_FROM_1, L_NO_MINUS, L_DW_BY_A
    ),
    repaired(
        "column_loop_range_flat_dz_sign", P, COLUMN_LOOP, V_RANGE_FROM_1, V_DW_FLAT, V_DZ_SIGN
    ),
]

# beyond three rules, or a rule missing from the table alongside repairable ones: located
_MANY = [
    located(
        "four_mistakes",
        P,
        COURSE,
        A_BIAS_OUTSIDE,
        COST_NO_MINUS,
        DW_NO_MEAN,
        DB_NO_SUM,
        origin="four mistakes: more than three rules",
    ),
    located(
        "db_sum_of_dw_and_return_swapped",
        P,
        COURSE,
        DB_SUM_DW,
        RETURN_SWAPPED,
        origin="two mistakes, one without a rule",
    ),
]

PROGRAMS: tuple[LearnerProgram, ...] = tuple(
    _CORRECT + _SIGMOID_CORRECT + _SINGLE + _SIGMOID_WRONG + _LOCATED + _TWO + _THREE + _MANY
)
BY_NAME: dict[str, LearnerProgram] = {p.name: p for p in PROGRAMS}
