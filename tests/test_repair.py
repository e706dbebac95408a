"""Verified repair: real learners' mistakes get their line and a cause only when a repair passes.

Each example is a learner's ``propagate`` as written in the course (one or two mistakes);
the engine must point at the faulty line and name the rules of the smallest repair that
makes the whole check pass, or, when no repair of up to three edits exists, say where and
what without a cause. The hypothesis property plants one rule of the error model at a
random place of a right program and asks for a one-edit repair that passes.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lr.checking import candidates, repair, tracing
from autograd_lr.checking.check import check_gradients
from autograd_lr.checking.error_model import BY_NAME, RULES
from autograd_lr.checking.expected import ProblemOracles, default_problems
from test_tracing import LOOP, NAMESPACE, VECTORIZED

# A budget far above what every example needs on an idle machine (≤ 0.6 s measured), so
# that a busy test machine does not turn a repair into "ran out of time".
BUDGET = 8.0


@pytest.fixture(scope="module")
def oracles() -> list[ProblemOracles]:
    found = [ProblemOracles(p) for p in default_problems()]
    for o in found:
        _ = o.expected
    return found


def learner(source: str, function: str = "propagate", **names: Any) -> Callable[..., Any]:
    """The function ``source`` defines, with its source findable by inspect (as in a file)."""
    filename = f"<learner {abs(hash((source, tuple(names))))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {**NAMESPACE, **names}
    exec(compile(source, filename, "exec"), scope)
    return scope[function]


@dataclass(frozen=True)
class Example:
    name: str
    source: str
    rules: tuple[frozenset[str], ...]  # the acceptable rule sets (empty: no repair exists)
    lines: tuple[int, ...]  # the lines the repair changes, or the located line
    says: tuple[str, ...] = ()  # in the where-and-what text
    never: tuple[str, ...] = ()  # words of a wrong cause, never in the report


def _v(old: str, new: str, *more: tuple[str, str]) -> str:
    source = VECTORIZED.replace(old, new)
    for a, b in more:
        source = source.replace(a, b)
    assert source != VECTORIZED
    return source


COST = "cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m"
R = frozenset

EXAMPLES = [
    Example(
        "dw_without_mean_in_the_returned_dict",
        _v(
            "    dw = np.dot(X, dZ.T) / m\n",
            "",
            ('return {"dw": dw,', 'return {"dw": np.dot(X, dZ.T),'),
        ),
        (R({"add_mean"}),),
        (8,),
        never=("not summed",),
    ),
    Example(
        "cost_as_table_of_all_pairs",
        _v(COST, "cost = -np.sum(np.dot(Y.T, np.log(A)) + np.dot((1 - Y).T, np.log(1 - A))) / m"),
        (R({"transpose_operand"}), R({"operand_order"})),
        (5,),
        never=("first example",),
    ),
    Example(
        "one_term_as_table_of_all_pairs",
        _v(COST, "cost = -np.sum(np.dot(Y.T, np.log(A)) + (1 - Y) * np.log(1 - A)) / m"),
        (
            R({"matmul_to_elementwise", "drop_transpose"}),
            R({"matmul_to_elementwise", "transpose_operand"}),
        ),
        (5,),
    ),
    Example(
        "log_A_transposed_in_elementwise_product",
        _v("Y * np.log(A)", "Y * np.log(A).T"),
        (R({"drop_transpose"}),),
        (5,),
    ),
    Example(
        "one_minus_log_A",
        _v("np.log(1 - A)", "(1 - np.log(A))"),
        (R({"log_complement"}),),
        (5,),
    ),
    Example(
        "one_minus_Y_with_log_A",
        _v("Y * np.log(A) +", "(1 - Y) * np.log(A) +"),
        (R({"log_complement"}),),
        (5,),
    ),
    Example(
        "db_from_dw",
        _v("db = np.sum(dZ) / m", "db = np.sum(dw)"),
        (R({"swap_variable", "add_mean"}),),
        (8,),
    ),
    Example(
        "missing_1_over_m_and_sign_of_b",
        _v("db = np.sum(dZ) / m", "db = np.sum(dZ)", ("np.dot(w.T, X) + b", "np.dot(w.T, X) - b")),
        (R({"add_mean", "flip_sign"}),),
        (4, 8),
    ),
    Example(
        "bias_outside_sigmoid",
        _v("A = sigmoid(np.dot(w.T, X) + b)", "A = sigmoid(np.dot(w.T, X)) + b"),
        (R({"bias_into_sigmoid"}),),
        (4,),
        never=("logaddexp",),
    ),
    Example(
        "cost_is_not_the_loss",
        _v(COST, "cost = A - Y"),
        (),
        (5,),
        says=("equal to dz = ∂L/∂z", "it is returned as [1], where the cost J is expected"),
        never=("average", "mean over", "losses L⁽ⁱ⁾"),
    ),
    Example(
        "log_of_one_minus_Y",
        _v("np.log(1 - A)", "np.log(1 - Y)"),
        (R({"swap_variable"}),),
        (5,),
    ),
    Example(
        "dot_of_two_rows",
        _v(
            COST,
            "cost = -(np.dot(Y, np.log(A)) + np.dot(1 - Y, np.log(1 - A).T)) / m\n"
            "    cost = np.squeeze(cost)",
        ),
        (R({"transpose_operand"}),),
        (5,),
        says=("`np.dot(Y, np.log(A))`", "Y is (1, 7) and np.log(A) is (1, 7)"),
        never=("first example",),
    ),
    Example(
        "float32_cast_of_X",
        _v("m = X.shape[1]", "m = X.shape[1]\n    X = X.astype(np.float32)"),
        (R({"inplace_update"}), R({"dtype"})),
        (4,),
        never=("imprecise", "logaddexp", "unstable"),
    ),
    Example(
        "return_order",
        _v('return {"dw": dw, "db": db}, cost', 'return cost, {"dw": dw, "db": db}'),
        (R({"return_order"}),),
        (9,),
    ),
    Example(
        "update_inside_propagate",
        _v("db = np.sum(dZ) / m", "db = np.sum(dZ) / m\n    w -= learning_rate * dw"),
        (R({"inplace_update"}),),
        (9,),
    ),
    Example(
        "elementwise_dw",
        _v("dw = np.dot(X, dZ.T) / m", "dw = np.multiply(X, dZ.T)"),
        (
            R({"elementwise_to_matmul", "add_mean"}),
            R({"add_sum", "add_mean", "drop_transpose"}),
            R({"add_sum", "add_mean"}),
        ),
        (7,),
        says=("X is (5, 7) and dZ.T is (7, 1)",),
    ),
    Example(
        "loop_example_as_flat_vector",
        LOOP.replace("X[:, i:i + 1]", "X[:, i]"),
        (R({"reshape_column"}),),
        (12,),
    ),
    Example(
        "loop_from_one",
        LOOP.replace("range(m)", "range(1, m)"),
        (R({"loop_bounds"}),),
        (7,),
    ),
]


@pytest.fixture(scope="module")
def findings(oracles: list[ProblemOracles]) -> dict[str, repair.Finding]:
    ns = {**NAMESPACE, "learning_rate": 0.01}
    return {
        e.name: repair.search(e.source, "propagate", oracles, ns, budget=BUDGET) for e in EXAMPLES
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_each_example_gets_its_line_and_a_verified_cause(
    example: Example, findings: dict[str, repair.Finding]
) -> None:
    f = findings[example.name]
    assert not f.exhausted, f"ran out of time after {f.tried} candidates"
    if example.rules:
        assert f.repair is not None, f.where
        assert frozenset(f.rules) in example.rules, f.rules
        assert tuple(f.lines) == example.lines
    else:
        assert f.repair is None, f.repair
        assert f.line in example.lines
    for phrase in example.says:
        assert phrase in f.where, (phrase, f.where)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.rules], ids=lambda e: e.name)
def test_the_repaired_program_passes_the_check_on_its_own(
    example: Example, findings: dict[str, repair.Finding]
) -> None:
    """The repair is verified independently: check_gradients of the repaired source."""
    f = findings[example.name]
    assert f.repair is not None
    fixed = learner(f.repair.source, learning_rate=0.01)
    assert check_gradients(fixed).passed


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_the_report_points_at_the_line_and_never_guesses(example: Example) -> None:
    fn = learner(example.source, learning_rate=0.01)
    report = check_gradients(fn, search_budget=BUDGET)
    assert not report.passed
    text = str(report)
    engine = report.diagnosis[0]
    # the file's line numbers (the source starts with a blank line, as a file would)
    assert engine.line == example.lines[0]
    assert f"line {example.lines[0]} of propagate" in text
    if example.rules:
        assert frozenset(report.rules) in example.rules
        assert "verified" in engine.evidence and engine.fix
    else:
        assert not report.rules and not engine.fix
    lowered = text.lower()
    for word in example.never:
        assert word.lower() not in lowered, (word, text)


def test_hint_levels_reveal_the_concept_then_the_line_then_the_fix() -> None:
    example = next(e for e in EXAMPLES if e.name == "bias_outside_sigmoid")
    fn = learner(example.source)
    concept, location, fix = (
        check_gradients(fn, hints=level).diagnosis[0].render(level)
        for level in ("concept", "location", "fix")
    )
    repaired = "A = sigmoid(np.dot(w.T, X) + b)"
    assert "bias" in concept and "line" not in concept and repaired not in concept
    assert "line" in location and "sigmoid(np.dot(w.T, X)) + b" in location
    assert repaired not in location
    assert repaired in fix


def test_a_search_out_of_time_says_where_and_what_and_no_cause(
    oracles: list[ProblemOracles],
) -> None:
    example = next(e for e in EXAMPLES if e.name == "missing_1_over_m_and_sign_of_b")
    f = repair.search(example.source, "propagate", oracles, NAMESPACE, budget=0.0)
    assert f.exhausted and f.repair is None and f.line == 4
    assert "A becomes an array of shape (1, 7)" in f.where


def test_a_right_program_is_not_searched(oracles: list[ProblemOracles]) -> None:
    with pytest.raises(ValueError, match="passes"):
        repair.search(VECTORIZED, "propagate", oracles, NAMESPACE)
    assert check_gradients(learner(VECTORIZED)).diagnosis == []


def test_candidates_and_their_results_are_plain_data(oracles: list[ProblemOracles]) -> None:
    """The runner is replaceable: a recording runner sees only sources, names and arrays."""
    seen: list[tuple[str, ...]] = []

    def runner(
        sources: list[str],
        function: str,
        problems: Any,
        namespace: Any = None,
        keep_going: Any = None,
    ) -> Any:
        seen.append(tuple(sources))
        assert all(isinstance(s, str) for s in sources) and function == "propagate"
        assert all(isinstance(a, np.ndarray | float) for p in problems for a in p)
        return tracing.run_candidates(sources, function, problems, namespace, keep_going)

    example = next(e for e in EXAMPLES if e.name == "log_of_one_minus_Y")
    f = repair.search(example.source, "propagate", oracles, NAMESPACE, runner=runner)
    # every candidate once, and the learner's own program once (its return form and its
    # verdict from the same run)
    assert f.rules == ("swap_variable",) and sum(map(len, seen)) == f.tried + 1
    # the candidates of one line go together: fewer batches than candidates
    assert len(seen) < f.tried


def test_every_rule_name_of_the_catalogue_is_in_the_table() -> None:
    names = {
        "transpose_operand", "drop_transpose", "elementwise_to_matmul", "matmul_to_elementwise",
        "add_sum", "remove_sum", "change_axis", "squeeze", "add_mean", "remove_mean",
        "flip_sign", "log_complement", "swap_variable", "add_sigmoid", "remove_sigmoid",
        "bias_into_sigmoid", "loop_bounds", "epsilon", "operand_order", "inplace_update",
        "return_order", "return_keys", "dtype", "reshape_column", "example_index",
        "array_function", "true_division", "group_denominator", "one_plus", "value_for_slope",
    }  # fmt: skip
    assert set(BY_NAME) == names
    for rule in RULES:
        assert rule.concept and rule.location and "`" not in rule.concept


# --- the sigmoid exercise ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "rules", "fix"),
    [
        ("return 1 / (1 + np.exp(z))", ("flip_sign",), "return 1 / (1 + np.exp(-z))"),
        ("e = np.exp(-z)\n    return 1 / (1 - e)", ("flip_sign",), "return 1 / (1 + e)"),
        (
            "return 1 / (1 + np.exp(-np.asarray(z, dtype=np.float32)))",
            ("dtype",),
            "return 1 / (1 + np.exp(-np.asarray(z)))",
        ),
    ],
    ids=["exponent_sign", "minus_in_denominator", "float32"],
)
def test_check_sigmoid_repairs_the_learners_line(
    body: str, rules: tuple[str, ...], fix: str
) -> None:
    from autograd_lr.teaching import exercises

    fn = learner(f"\ndef sigmoid(z):\n    {body}\n", "sigmoid")
    report = exercises.check_sigmoid(fn)
    lead = report.diagnosis[0]
    assert not report.passed and lead.rules == rules
    assert fix in lead.fix and lead.line == 3 + body.count("\n")


def test_check_sigmoid_without_repair_says_where_and_what() -> None:
    from autograd_lr.teaching import exercises

    fn = learner("\ndef sigmoid(z):\n    return 1 / (2 + np.exp(-z))\n", "sigmoid")
    report = exercises.check_sigmoid(fn)
    lead = report.diagnosis[0]
    assert not report.passed and not report.rules and lead.fix == ""
    # where (the line) and what (its value at z = 0, 1/3, against σ(0) = 1/2), no guessed cause
    assert "line 3 of sigmoid" in lead.message and "0.333333" in lead.message
    assert "σ(z) is expected" in lead.message


# --- planted single-rule mutants of a right program ---------------------------------------


# every program one rule makes from the reference (one edit at one place)
MUTANTS = candidates.single_edits(VECTORIZED, "propagate", default_problems()[0], NAMESPACE)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(min_value=0, max_value=len(MUTANTS) - 1))
def test_a_planted_rule_is_repaired_by_one_edit_that_passes(
    index: int, oracles: list[ProblemOracles]
) -> None:
    mutant, planted = MUTANTS[index]
    fn = learner(mutant)
    if check_gradients(fn, search_budget=0.0).passed:
        return  # an edit that changes nothing the check sees (e.g. a squeeze of a number)
    f = repair.search(mutant, "propagate", oracles, NAMESPACE, budget=BUDGET)
    assert f.repair is not None, (planted, f.where)
    assert len(f.repair.edits) == 1, (planted, f.rules)
    assert check_gradients(learner(f.repair.source)).passed
    # the same rule, or an equivalent edit: both programs pass the same check
    assert f.rules == (planted.rule,) or f.repair.source != mutant


# the same for the lecture's loop over examples: its index, its running sums, its columns
LOOP_MUTANTS = candidates.single_edits(LOOP, "propagate", default_problems()[0], NAMESPACE)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(min_value=0, max_value=len(LOOP_MUTANTS) - 1))
def test_a_rule_planted_in_the_loop_is_repaired_by_one_edit_that_passes(
    index: int, oracles: list[ProblemOracles]
) -> None:
    mutant, planted = LOOP_MUTANTS[index]
    fn = learner(mutant)
    if check_gradients(fn, search_budget=0.0).passed:
        return  # an edit the check cannot see (a squeeze of a number)
    f = repair.search(mutant, "propagate", oracles, NAMESPACE, budget=BUDGET)
    assert f.repair is not None, (planted, f.where)
    assert len(f.repair.edits) == 1, (planted, f.rules)
    assert check_gradients(learner(f.repair.source)).passed


def test_the_loops_mutants_include_its_index_swapped_and_are_valid_python() -> None:
    """The rules plant the loop's index in an index's place and another number's for it,
    and never edit an assignment's target (n_x, m = X.shape stays as it is)."""
    planted = {(e.rule, e.before, e.after) for _, e in LOOP_MUTANTS}
    assert ("swap_variable", "i", "m") in planted
    assert ("example_index", "Y[0, i]", "Y[i, 0]") in planted
    for mutant, _ in LOOP_MUTANTS:
        compile(mutant, "<mutant>", "exec")


def test_a_failed_submission_never_has_the_full_score() -> None:
    """Every value right, yet it fails (it changes X): the score cannot be the maximum."""
    from types import SimpleNamespace

    from autograd_lr import course
    from autograd_lr.grading.grader import DEFAULT_POINTS, Graded

    def doubles_X(w, b, X, Y):
        grads, cost = course.propagate(w, b, X, Y)
        X *= 2.0
        return grads, cost

    report = check_gradients(doubles_X)
    assert not report.passed and not report.wrong
    grader = SimpleNamespace(points=dict(DEFAULT_POINTS), exercise=None)
    graded = Graded("propagate", "doubles_X.py", "fail", grader, report)  # type: ignore[arg-type]
    assert sum(graded.scores().values()) < sum(DEFAULT_POINTS.values())
    passing = Graded("propagate", "ok.py", "pass", grader, check_gradients(course.propagate))  # type: ignore[arg-type]
    assert sum(passing.scores().values()) == sum(DEFAULT_POINTS.values())


def test_the_learners_prints_are_silenced_during_the_search(
    oracles: list[ProblemOracles], capsys: pytest.CaptureFixture[str]
) -> None:
    source = _v("m = X.shape[1]", 'm = X.shape[1]\n    print("m is", m)', ("(1 - A)", "(1 + A)"))
    f = repair.search(source, "propagate", oracles, NAMESPACE, budget=BUDGET)
    assert f.rules == ("flip_sign",) and f.tried > 1
    assert capsys.readouterr().out == ""


def test_a_while_loop_is_never_edited(oracles: list[ProblemOracles]) -> None:
    """An edit of its counter (i += 1 -> i += -1) would loop for ever in this process."""
    source = LOOP.replace("    for i in range(m):\n", "    i = 0\n    while i < m:\n").replace(
        "        db += dz\n", "        db += dz\n        i += 1\n"
    )
    source = source.replace("J /= m", "J /= n_x")
    f = repair.search(source, "propagate", oracles, NAMESPACE, budget=BUDGET)
    assert f.repair is not None and f.rules == ("swap_variable",)
    assert all(e.line > 15 for e in f.repair.edits)  # after the loop


def test_the_repaired_line_keeps_the_learners_writing(oracles: list[ProblemOracles]) -> None:
    source = _v(COST, "cost = -np.sum(Y*np.log(A) + (1-Y)*np.log(1-Y))/m  # my cost")
    f = repair.search(source, "propagate", oracles, NAMESPACE, budget=BUDGET)
    assert f.repair is not None
    assert f.repair.lines == {5: "cost = -np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))/m  # my cost"}


L2 = """\
def propagate(w, b, X, Y, lambd):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m + lambd / (2 * m) * np.sum(w**2)
    dw = np.dot(X, (A - Y).T) / m - lambd / m * w
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
"""


def test_the_l2_form_goes_through_the_engine() -> None:
    """check_gradients(fn, lambd=λ): the penalty's gradient subtracted is found on its line
    and repaired, and the repaired program passes the L2 check on its own."""
    report = check_gradients(learner(L2), lambd=0.7, search_budget=BUDGET)
    assert not report.passed
    lead = report.diagnosis[0]
    assert (lead.line, lead.rules) == (5, ("flip_sign",)), lead
    fixed = lead.fix.split(": ", 1)[1] if ": " in lead.fix else lead.fix
    assert "+ lambd / m * w" in fixed, fixed
    repaired = L2.replace("- lambd / m * w", "+ lambd / m * w")
    assert check_gradients(learner(repaired), lambd=0.7).passed


def test_a_dz_without_y_is_located_at_its_own_line() -> None:
    """dZ = A (Y forgotten) holds a value the lecture calls a, under dz's name: the line that
    wrote it is the one pointed at, not the dw line that uses it; no cause is guessed."""
    source = VECTORIZED_DZ.replace("dZ = A - Y", "dZ = A")
    report = check_gradients(learner(source))
    lead = report.diagnosis[0]
    assert lead.line == 4 and lead.rules == (), lead
    assert "dZ = A" in lead.location and "dz = ∂L/∂z" in lead.location, lead.location


VECTORIZED_DZ = """\
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    dZ = A - Y
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost
"""


def _module(path: Any) -> Any:
    """The learner's file imported as their notebook or script imports it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"learner_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_mistake_in_the_learners_own_sigmoid_is_repaired_there(
    tmp_path: Any, oracles: list[ProblemOracles]
) -> None:
    """The helper propagate calls, defined in the same file, is traced and searched: the
    repair edits the helper's line, and the repaired program (the helper with propagate)
    passes the check with no other sigmoid anywhere."""
    from test_tracing import HELPER_FILE

    path = tmp_path / "week2.py"
    path.write_text(HELPER_FILE)
    module = _module(path)
    report = check_gradients(module.propagate, search_budget=BUDGET)
    lead = report.diagnosis[0]
    assert (lead.line, lead.rules) == (5, ("flip_sign",)), lead
    assert "line 5 of sigmoid, `e = np.exp(z)`" in lead.location
    assert "line 5: e = np.exp(-z)" in lead.fix
    # the search itself, on the file's text: its repair holds the helper, edited
    f = repair.search(HELPER_FILE, "propagate", oracles, vars(module), budget=BUDGET)
    assert f.repair is not None and f.function_at(5) == "sigmoid"
    scope: dict[str, Any] = {"np": np}
    exec(compile(f.repair.source, "<repaired>", "exec"), scope)
    assert check_gradients(scope["propagate"]).passed
    assert scope["sigmoid"](np.array([0.0, 40.0]))[1] == pytest.approx(1.0)


def test_a_helper_from_another_file_is_not_searched(tmp_path: Any) -> None:
    """sigmoid imported from another module is not the learner's code here: the search
    stays in propagate (it finds no repair there) and never edits the other file."""
    from test_tracing import HELPER_FILE

    (tmp_path / "helpers.py").write_text(HELPER_FILE.split("\n\n\ndef propagate")[0] + "\n")
    own = HELPER_FILE.replace(
        "\n\n\ndef sigmoid(z):\n    e = np.exp(z)\n    return 1 / (1 + e)", ""
    )
    path = tmp_path / "main_file.py"
    path.write_text(
        own.replace("import numpy as np", "import numpy as np\nfrom helpers import sigmoid")
    )
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        report = check_gradients(_module(path).propagate, search_budget=BUDGET)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("helpers", None)
    lead = report.diagnosis[0]
    assert (lead.line, lead.rules) == (8, ()), lead  # the first line that reads a = σ(z)
    assert not report.passed and "of sigmoid" not in str(report)


TWO_LOOPS = """\
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
    return {"dw": dw / m, "db": db / m}, cost / m
"""


@pytest.mark.parametrize(
    ("source", "line"), [(TWO_LOOPS, 12), (LOOP, 11)], ids=["two_loops", "one_loop"]
)
def test_a_loops_dz_without_y_is_located_at_its_own_line(source: str, line: int) -> None:
    """dz = a on one example: the value is one entry of a = σ(z) under dz's name; the line
    that wrote it is pointed at, not the dw line that reads it, nor z's sum over the
    features (each partial sum b + Σ_j w_j x_j is the lecture's z on its way)."""
    assert check_gradients(learner(source)).passed
    report = check_gradients(learner(source.replace("dz = a - Y[0, i]", "dz = a")))
    lead = report.diagnosis[0]
    assert (lead.line, lead.rules) == (line, ()), lead
    assert "equal to a = σ(z), where the lecture's dz is dz = ∂L/∂z" in lead.location


def test_a_helper_right_on_every_call_is_not_searched(oracles: list[ProblemOracles]) -> None:
    """σ right on its own arguments, the cost's 1/m missing: no candidate edits the helper
    (it could only make it wrong), and the repair is at the cost's line."""
    from test_tracing import HELPER_FILE

    source = HELPER_FILE.replace("np.exp(z)", "np.exp(-z)").replace(") / m\n    dw", ")\n    dw")
    seen: list[str] = []

    def runner(
        sources: Any, function: str, problems: Any, namespace: Any = None, keep: Any = None
    ) -> Any:
        seen.extend(sources)
        return tracing.run_candidates(sources, function, problems, namespace, keep)

    namespace: dict[str, Any] = {"np": np}
    exec(compile(source, "<file>", "exec"), namespace)
    f = repair.search(source, "propagate", oracles, namespace, budget=BUDGET, runner=runner)
    assert f.repair is not None and f.rules == ("add_mean",) and f.lines == [12]
    assert seen and not any("def sigmoid" in s for s in seen[1:]), seen[1]
