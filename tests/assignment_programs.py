"""Learners' programs for the exercises around ``propagate``: initialize, optimize, predict, model.

The sibling of ``learner_programs.py`` for the rest of the course's assignment. Each
:class:`AssignmentProgram` is a module a learner could hand in for one exercise, with the
verdict the checker (:func:`autograd_lr.checking.exercises.check_exercise`) must reach:

* ``"pass"``: correct, in one of the forms learners write (the course's own style, loops,
  vectorized);
* ``"repaired"``: wrong, and the engine's verified repair uses ``rule`` and changes
  ``line`` (1-based, in ``source``; for a statement over several lines, its first line).

Each program runs with the course's own helpers in its globals (``sigmoid``,
``propagate``, ``initialize_with_zeros``, ``optimize``, ``predict``: the reference
functions, so that a wrong ``model`` is wrong by its own lines), plus ``globals_`` (the
notebook's global arrays a learner may read by mistake). The programs are built from one
template per form by replacing whole lines, so a mistaken line is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EXERCISES = ("initialize_with_zeros", "optimize", "predict", "model")


@dataclass(frozen=True)
class AssignmentProgram:
    name: str
    exercise: str
    source: str
    verdict: str  # "pass" or "repaired"
    rule: str = ""
    line: int = 0
    globals_: tuple[str, ...] = field(default=())  # names of notebook globals it may read


def edit(template: str, edits: Mapping[int, str]) -> str:
    """``template`` with lines replaced (1-based); the indentation is the replaced line's."""
    lines = template.splitlines()
    for k, text in edits.items():
        old = lines[k - 1]
        indent = old[: len(old) - len(old.lstrip())]
        lines[k - 1] = indent + text
    return "\n".join(lines) + "\n"


# --- initialize_with_zeros -----------------------------------------------------------------

INIT = """\
import numpy as np


def initialize_with_zeros(dim):
    w = np.zeros((dim, 1))
    b = 0.0
    return w, b
"""
I_W, I_B, I_RETURN = 5, 6, 7

INIT_PROGRAMS = [
    AssignmentProgram("init_course", "initialize_with_zeros", INIT, "pass"),
    AssignmentProgram(
        "init_dtype_float",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros(shape=(dim, 1), dtype=float)", I_B: "b = float(0)"}),
        "pass",
    ),
    AssignmentProgram(
        "init_reshape",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros(dim).reshape(dim, 1)"}),
        "pass",
    ),
    AssignmentProgram(
        "init_loop",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.array([[0.0] for _ in range(dim)])"}),
        "pass",
    ),
    AssignmentProgram(
        "init_b_int",
        "initialize_with_zeros",
        edit(INIT, {I_B: "b = 0"}),
        "repaired",
        "int_to_float",
        I_B,
    ),
    AssignmentProgram(
        "init_b_int_call",
        "initialize_with_zeros",
        edit(INIT, {I_B: "b = int(0)"}),
        "repaired",
        "int_to_float",
        I_B,
    ),
    AssignmentProgram(
        "init_return_int",
        "initialize_with_zeros",
        edit(INIT, {I_RETURN: "return w, 0"}),
        "repaired",
        "int_to_float",
        I_RETURN,
    ),
    AssignmentProgram(
        "init_w_flat",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros(dim)"}),
        "repaired",
        "zeros_shape",
        I_W,
    ),
    AssignmentProgram(
        "init_w_flat_tuple",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros((dim,))"}),
        "repaired",
        "zeros_shape",
        I_W,
    ),
    AssignmentProgram(
        "init_w_row",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros((1, dim))"}),
        "repaired",
        "zeros_shape",
        I_W,
    ),
    AssignmentProgram(
        "init_w_int",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros((dim, 1), dtype=int)"}),
        "repaired",
        "float64",
        I_W,
    ),
    AssignmentProgram(
        "init_w_float32",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros((dim, 1)).astype(np.float32)"}),
        "repaired",
        "float64",
        I_W,
    ),
    AssignmentProgram(
        "init_w_row_and_b_int",
        "initialize_with_zeros",
        edit(INIT, {I_W: "w = np.zeros((1, dim))", I_B: "b = 0"}),
        "repaired",
        "zeros_shape",
        I_W,
    ),
]

# --- optimize ------------------------------------------------------------------------------

OPT_COURSE = """\
import copy

import numpy as np


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w = copy.deepcopy(w)
    b = copy.deepcopy(b)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs
"""
O_W, O_B, O_IF, O_GRADS = 14, 15, 16, 21

OPT_PLAIN = """\
import numpy as np


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs
"""
P_W, P_B = 10, 11

OPT_VECTORIZED = """\
import numpy as np


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    m = X.shape[1]
    costs = []
    for i in range(num_iterations):
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        dw = X @ (A - Y).T / m
        db = np.sum(A - Y) / m
        if i % 100 == 0:
            costs.append(float(cost))
        w = w - learning_rate * dw
        b -= learning_rate * db
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs
"""

OPT_PROGRAMS = [
    AssignmentProgram("opt_course", "optimize", OPT_COURSE, "pass"),
    AssignmentProgram("opt_plain", "optimize", OPT_PLAIN, "pass"),
    AssignmentProgram("opt_vectorized", "optimize", OPT_VECTORIZED, "pass"),
    AssignmentProgram(
        "opt_copy_then_inplace",
        "optimize",
        edit(OPT_COURSE, {O_W: "w -= learning_rate * dw"}),
        "pass",
    ),
    AssignmentProgram(
        "opt_ascent",
        "optimize",
        edit(OPT_COURSE, {O_W: "w = w + learning_rate * dw"}),
        "repaired",
        "descent_sign",
        O_W,
    ),
    AssignmentProgram(
        "opt_ascent_b",
        "optimize",
        edit(OPT_PLAIN, {P_B: "b = b + learning_rate * db"}),
        "repaired",
        "descent_sign",
        P_B,
    ),
    AssignmentProgram(
        "opt_learning_rate_hard_coded",
        "optimize",
        edit(OPT_COURSE, {O_W: "w = w - 0.009 * dw"}),
        "repaired",
        "learning_rate_argument",
        O_W,
    ),
    AssignmentProgram(
        "opt_learning_rate_ignored",
        "optimize",
        edit(OPT_PLAIN, {P_W: "w = w - 0.01 * dw", P_B: "b = b - 0.01 * db"}),
        "repaired",
        "learning_rate_argument",
        P_W,
    ),
    AssignmentProgram(
        "opt_w_with_db",
        "optimize",
        edit(OPT_COURSE, {O_W: "w = w - learning_rate * db"}),
        "repaired",
        "swap_gradient",
        O_W,
    ),
    AssignmentProgram(
        "opt_b_with_dw",
        "optimize",
        edit(OPT_PLAIN, {P_B: "b = b - learning_rate * dw"}),
        "repaired",
        "swap_gradient",
        P_B,
    ),
    AssignmentProgram(
        "opt_costs_every_10",
        "optimize",
        edit(OPT_COURSE, {O_IF: "if i % 10 == 0:"}),
        "repaired",
        "record_every",
        O_IF,
    ),
    AssignmentProgram(
        "opt_costs_at_99",
        "optimize",
        edit(OPT_COURSE, {O_IF: "if i % 100 == 99:"}),
        "repaired",
        "record_every",
        O_IF,
    ),
    AssignmentProgram(
        "opt_grads_recomputed",
        "optimize",
        edit(OPT_COURSE, {O_GRADS: "grads, cost = propagate(w, b, X, Y)"}),
        "repaired",
        "drop_recompute",
        O_GRADS,
    ),
    AssignmentProgram(
        "opt_mutates_w",
        "optimize",
        edit(OPT_PLAIN, {P_W: "w -= learning_rate * dw"}),
        "repaired",
        "augassign_to_assign",
        P_W,
    ),
    AssignmentProgram(
        "opt_ascent_vectorized",
        "optimize",
        edit(OPT_VECTORIZED, {14: "w = w + learning_rate * dw"}),
        "repaired",
        "descent_sign",
        14,
    ),
]

# --- predict -------------------------------------------------------------------------------

PRED_COURSE = """\
import numpy as np


def predict(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    w = w.reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(A.shape[1]):
        if A[0, i] > 0.5:
            Y_prediction[0, i] = 1
        else:
            Y_prediction[0, i] = 0
    return Y_prediction
"""
R_M, R_ZEROS, R_IF = 5, 6, 10

PRED_VECTORIZED = """\
import numpy as np


def predict(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = (A > 0.5).astype(float)
    return Y_prediction
"""
V_Y = 6

PRED_PROGRAMS = [
    AssignmentProgram("pred_course", "predict", PRED_COURSE, "pass"),
    AssignmentProgram("pred_vectorized", "predict", PRED_VECTORIZED, "pass"),
    AssignmentProgram(
        "pred_where_on_z",
        "predict",
        edit(
            PRED_VECTORIZED, {5: "Z = w.T @ X + b", V_Y: "Y_prediction = np.where(Z > 0, 1.0, 0.0)"}
        ),
        "pass",
    ),
    AssignmentProgram(
        "pred_round", "predict", edit(PRED_VECTORIZED, {V_Y: "Y_prediction = np.round(A)"}), "pass"
    ),
    AssignmentProgram(
        "pred_ge",
        "predict",
        edit(PRED_COURSE, {R_IF: "if A[0, i] >= 0.5:"}),
        "repaired",
        "threshold",
        R_IF,
    ),
    AssignmentProgram(
        "pred_threshold_06",
        "predict",
        edit(PRED_COURSE, {R_IF: "if A[0, i] > 0.6:"}),
        "repaired",
        "threshold",
        R_IF,
    ),
    AssignmentProgram(
        "pred_column",
        "predict",
        edit(PRED_COURSE, {R_ZEROS: "Y_prediction = np.zeros((m, 1))"}),
        "repaired",
        "zeros_shape",
        R_ZEROS,
    ),
    AssignmentProgram(
        "pred_int_labels",
        "predict",
        edit(PRED_COURSE, {R_ZEROS: "Y_prediction = np.zeros((1, m), dtype=int)"}),
        "repaired",
        "float64",
        R_ZEROS,
    ),
    AssignmentProgram(
        "pred_m_from_rows",
        "predict",
        edit(PRED_COURSE, {R_M: "m = X.shape[0]"}),
        "repaired",
        "shape_axis",
        R_M,
    ),
    AssignmentProgram(
        "pred_booleans",
        "predict",
        edit(PRED_VECTORIZED, {V_Y: "Y_prediction = A > 0.5"}),
        "repaired",
        "labels_as_float",
        V_Y,
    ),
    AssignmentProgram(
        "pred_vectorized_ge",
        "predict",
        edit(PRED_VECTORIZED, {V_Y: "Y_prediction = (A >= 0.5).astype(float)"}),
        "repaired",
        "threshold",
        V_Y,
    ),
    AssignmentProgram(
        "pred_astype_int",
        "predict",
        edit(PRED_VECTORIZED, {V_Y: "Y_prediction = (A > 0.5).astype(int)"}),
        "repaired",
        "labels_as_float",
        V_Y,
    ),
    AssignmentProgram(
        "pred_threshold_on_a_at_zero",
        "predict",
        edit(PRED_VECTORIZED, {V_Y: "Y_prediction = (A > 0).astype(float)"}),
        "repaired",
        "threshold",
        V_Y,
    ),
]

# --- model ---------------------------------------------------------------------------------

MODEL_COURSE = """\
import numpy as np


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        print("train accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100))
    d = {"costs": costs,
         "Y_prediction_test": Y_prediction_test,
         "Y_prediction_train": Y_prediction_train,
         "w": w,
         "b": b,
         "learning_rate": learning_rate,
         "num_iterations": num_iterations}
    return d
"""
M_INIT, M_OPT, M_TEST, M_DICT = 5, 6, 9, 13

MODEL_COMPACT = """\
import numpy as np


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    w = np.zeros((X_train.shape[0], 1))
    b = 0.0
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations, learning_rate=learning_rate)
    return dict(
        costs=costs,
        Y_prediction_test=predict(params["w"], params["b"], X_test),
        Y_prediction_train=predict(params["w"], params["b"], X_train),
        w=params["w"],
        b=params["b"],
        learning_rate=learning_rate,
        num_iterations=num_iterations,
    )
"""

MODEL_REFLATTENED = """\
import numpy as np


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    X_train = X_train.reshape(X_train.shape[0], -1).T
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}
"""

MODEL_PROGRAMS = [
    AssignmentProgram("model_course", "model", MODEL_COURSE, "pass"),
    AssignmentProgram("model_compact", "model", MODEL_COMPACT, "pass"),
    AssignmentProgram(
        "model_global_x_and_y",
        "model",
        edit(
            MODEL_COURSE,
            {
                M_OPT: "params, grads, costs = optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)"
            },
        ),
        "repaired",
        "global_to_argument",
        M_OPT,
        ("X", "Y"),
    ),
    AssignmentProgram(
        "model_global_x",
        "model",
        edit(
            MODEL_COURSE,
            {
                M_OPT: "params, grads, costs = optimize(w, b, X, Y_train, num_iterations, learning_rate, print_cost)"
            },
        ),
        "repaired",
        "global_to_argument",
        M_OPT,
        ("X", "Y"),
    ),
    AssignmentProgram(
        "model_learning_rate_hard_coded",
        "model",
        edit(
            MODEL_COURSE,
            {
                M_OPT: "params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, 0.005, print_cost)"
            },
        ),
        "repaired",
        "learning_rate_argument",
        M_OPT,
    ),
    AssignmentProgram(
        "model_iterations_hard_coded",
        "model",
        edit(
            MODEL_COURSE,
            {
                M_OPT: "params, grads, costs = optimize(w, b, X_train, Y_train, 2000, learning_rate, print_cost)"
            },
        ),
        "repaired",
        "iterations_argument",
        M_OPT,
    ),
    AssignmentProgram(
        "model_test_predicted_on_train",
        "model",
        edit(MODEL_COURSE, {M_TEST: "Y_prediction_test = predict(w, b, X_train)"}),
        "repaired",
        "swap_data",
        M_TEST,
    ),
    AssignmentProgram(
        "model_dim_from_examples",
        "model",
        edit(MODEL_COURSE, {M_INIT: "w, b = initialize_with_zeros(X_train.shape[1])"}),
        "repaired",
        "shape_axis",
        M_INIT,
    ),
    AssignmentProgram(
        "model_key_cost",
        "model",
        edit(MODEL_COURSE, {M_DICT: 'd = {"cost": costs,'}),
        "repaired",
        "dictionary_key",
        M_DICT,
    ),
    AssignmentProgram(
        "model_reflattened",
        "model",
        MODEL_REFLATTENED,
        "repaired",
        "drop_reshape",
        5,
    ),
]

PROGRAMS: tuple[AssignmentProgram, ...] = (
    *INIT_PROGRAMS,
    *OPT_PROGRAMS,
    *PRED_PROGRAMS,
    *MODEL_PROGRAMS,
)
BY_NAME = {p.name: p for p in PROGRAMS}
