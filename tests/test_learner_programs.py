"""The catalogue of learners' programs (tests/learner_programs.py) agrees with the reference check.

Every program is loaded by ``exec`` of its source into a fresh namespace (trusted test
code, run in this process) and judged by the package's own checks, which compare with
the oracles (jax of the forward model's cost) on the assignment's worked example and on
:func:`~autograd_lr.checking.expected.default_problems`: ``"pass"`` programs must pass,
the others must fail, and every ``fixed`` must pass while differing from its source only
on the faulty lines. The oracles are prepared once for the module; each distinct source
is judged once.
"""

from __future__ import annotations

import ast
import difflib
import linecache
import re
from collections import Counter
from typing import Any

import numpy as np
import pytest

from autograd_lr.checking.calls import FORM_DICT
from autograd_lr.checking.check import Prepared, call, check_gradients, prepare
from autograd_lr.checking.expected import default_problems
from autograd_lr.problems import lecture_problem
from autograd_lr.teaching.exercises import check_sigmoid
from autograd_lr.tolerances import LECTURE_ATOL
from learner_programs import (
    BY_NAME,
    EXERCISES,
    MAX_RULES,
    PROGRAMS,
    RESTORED,
    RULES,
    S_RETURN,
    VERDICTS,
    LearnerProgram,
)

# The examples the catalogue must hold, by name: the mistakes learners asked about in
# the course's week-2 threads, and the forms that decide an unclear case.
REQUIRED = {
    "cost_dot_y_transposed_log_a",
    "cost_dot_y_log_a_transposed",
    "log_a_transposed_in_elementwise_product",
    "one_minus_log_a_for_log_one_minus_a",
    "one_minus_y_times_log_a",
    "db_sum_of_dw",
    "missing_mean_and_bias_sign_flipped",
    "bias_added_outside_sigmoid",
    "cost_is_a_minus_y",
    "log_one_minus_y_for_log_one_minus_a",
    "cost_dot_y_log_a_untransposed",
    "x_cast_to_float32_inside_propagate",
    "return_cost_then_grads",
    "w_updated_in_place_inside_propagate",
    "dw_multiply_for_dot",
    "loop_dw_flat_column_broadcast",
    "cost_without_minus_sign",
    "cost_epsilon_1e_8",
    "cost_epsilon_1e_15",
    "db_sum_axis_1_without_keepdims",
    "dw_mean_wrong_axis",
    "db_mean_wrong_axis",
    "loop_range_from_1",
    "loop_db_not_accumulated",
    "loop_dz_sign",
    "lecture_two_loops",
    "sigmoid_exponent_sign",
    "sigmoid_exp_ratio_negative",
    "sigmoid_precedence",
    "sigmoid_math_exp",
    "sigmoid_floor_division",
    "sigmoid_one_minus_exp",
    "sigmoid_logaddexp_stable",
    "sigmoid_where_stable",
}
# The catalogue's size, and how many of each kind it must hold at least.
MIN_PROGRAMS = 90
MIN_CORRECT_PROPAGATE = 10
MIN_SIGMOID = 8
MIN_TWO_MISTAKES = 12
MIN_THREE_MISTAKES = 4
# A repair edits at most this many lines per rule (a statement and the one it needs).
LINES_PER_RULE = 2

# The check values of the course's programming assignment for propagate, printed to 8
# decimals (docs/derivation.md).
COURSE_DW = np.array([[0.99845601], [2.39507239]])
COURSE_DB = 0.00145558
COURSE_COST = 5.80154532

NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def ids(programs: tuple[LearnerProgram, ...]) -> list[str]:
    return [p.name for p in programs]


REPAIRED = tuple(p for p in PROGRAMS if p.verdict == "repaired")
PASSING = tuple(p for p in PROGRAMS if p.verdict == "pass")
WRONG = tuple(p for p in PROGRAMS if p.verdict != "pass")


def load(program: LearnerProgram, source: str) -> Any:
    """The exercise's function, from ``source`` exec'd into a fresh namespace."""
    namespace: dict[str, Any] = {"__name__": f"learner_{program.name}"}
    exec(compile(source, f"<{program.name}>", "exec"), namespace)
    return namespace[program.exercise]


class Reference:
    """The reference check, prepared once: the oracles on the course's problem and the defaults."""

    def __init__(self) -> None:
        self.prepared: Prepared = prepare([lecture_problem(), *default_problems()], eager=True)
        self._verdicts: dict[tuple[str, str], tuple[bool, str]] = {}

    def judge(self, program: LearnerProgram, source: str) -> tuple[bool, str]:
        """(passed, the report's text) for ``source``, computed once per distinct source."""
        key = (program.exercise, source)
        if key not in self._verdicts:
            fn = load(program, source)
            if program.exercise == "sigmoid":
                report: Any = check_sigmoid(fn)
            else:
                calls = [call(fn, p) for p in self.prepared.problems]
                report = self.prepared.report(calls, function=program.name)
                # the course's contract is (grads, cost); the checker also accepts (dw, db)
                forms = {c.outputs.form for c in calls if not c.exception}
                if forms - {FORM_DICT}:
                    self._verdicts[key] = (False, f"returned {sorted(forms)}, not (grads, cost)")
                    return self._verdicts[key]
            self._verdicts[key] = (report.passed, str(report))
        return self._verdicts[key]

    def calls(self, program: LearnerProgram) -> list[Any]:
        fn = load(program, program.source)
        return [call(fn, p) for p in self.prepared.problems]


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference()


def changed_lines(source: str, fixed: str) -> tuple[set[int], int]:
    """1-based lines of ``source`` that the edit to ``fixed`` touches, and the number of edits.

    A replaced or deleted line counts as itself; an insertion counts as the line before
    which it goes. Adjacent lines replaced one for one are one edit each; any other block
    (lines deleted, inserted, or replaced by a different number of lines) is one edit.
    """
    matcher = difflib.SequenceMatcher(a=source.split("\n"), b=fixed.split("\n"), autojunk=False)
    touched: set[int] = set()
    edits = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits += i2 - i1 if tag == "replace" and i2 - i1 == j2 - j1 else 1
        touched.update(range(i1 + 1, i2 + 1) if i2 > i1 else {i1 + 1})
    return touched, edits


# --- the catalogue's shape ----------------------------------------------------------------------


def test_catalogue_is_large_with_unique_names_and_every_required_example() -> None:
    names = [p.name for p in PROGRAMS]
    duplicates = sorted(n for n, k in Counter(names).items() if k > 1)
    assert not duplicates, f"names used twice: {duplicates}"
    assert len(PROGRAMS) >= MIN_PROGRAMS, f"{len(PROGRAMS)} programs, want ≥ {MIN_PROGRAMS}"
    missing = sorted(REQUIRED - set(names))
    assert not missing, f"required examples missing: {missing}"


def test_catalogue_covers_each_kind() -> None:
    correct_propagate = [p for p in PASSING if p.exercise == "propagate"]
    assert len(correct_propagate) >= MIN_CORRECT_PROPAGATE
    assert len([p for p in PROGRAMS if p.exercise == "sigmoid"]) >= MIN_SIGMOID
    edits = Counter(changed_lines(p.source, p.fixed)[1] for p in REPAIRED if p.fixed)
    assert edits[2] >= MIN_TWO_MISTAKES, f"repaired programs by number of edits: {edits}"
    assert edits[3] >= MIN_THREE_MISTAKES, f"repaired programs by number of edits: {edits}"
    assert {p.verdict for p in PROGRAMS} == set(VERDICTS)


@pytest.mark.parametrize("program", PROGRAMS, ids=ids(PROGRAMS))
def test_fields_follow_the_verdict(program: LearnerProgram) -> None:
    assert NAME.match(program.name), f"{program.name!r} is not snake_case"
    assert program.exercise in EXERCISES
    assert program.verdict in VERDICTS
    assert program.origin.strip()
    assert program.rules <= RULES, f"unknown rules: {sorted(program.rules - RULES)}"
    ast.parse(program.source)  # a whole module that parses
    assert "import numpy as np" in program.source.split("\n")
    if program.verdict == "pass":
        assert (program.line, program.rules, program.fixed) == (None, frozenset(), None)
        return
    lines = program.source.split("\n")
    assert program.line is not None and 1 <= program.line <= len(lines)
    faulty = lines[program.line - 1]
    assert faulty.startswith(" ") and faulty.strip(), f"line {program.line} is {faulty!r}"
    if program.verdict == "located":
        assert program.rules == frozenset() and program.fixed is None
    else:
        assert 1 <= len(program.rules) <= MAX_RULES and program.fixed is not None
        ast.parse(program.fixed)


# --- the verdicts, by the reference check ---------------------------------------------------------


@pytest.mark.parametrize("program", PROGRAMS, ids=ids(PROGRAMS))
def test_verdict_agrees_with_the_reference_check(
    program: LearnerProgram, reference: Reference
) -> None:
    passed, report = reference.judge(program, program.source)
    expected = program.verdict == "pass"
    assert passed == expected, f"{program.name} ({program.verdict}):\n{report}"


@pytest.mark.parametrize("program", REPAIRED, ids=ids(REPAIRED))
def test_fixed_passes_and_edits_only_the_faulty_lines(
    program: LearnerProgram, reference: Reference
) -> None:
    assert program.fixed is not None and program.line is not None
    passed, report = reference.judge(program, program.fixed)
    assert passed, f"the repair of {program.name} fails:\n{report}"
    touched, edits = changed_lines(program.source, program.fixed)
    assert min(touched) == program.line, f"edits at {sorted(touched)}, line {program.line}"
    assert edits <= MAX_RULES
    assert len(touched) <= LINES_PER_RULE * max(len(program.rules), edits)
    if len(program.rules) == 1 and edits == 1:
        assert touched <= {program.line, program.line + 1}, sorted(touched)


LOCATED = tuple(p for p in PROGRAMS if p.verdict == "located")


@pytest.mark.parametrize("program", LOCATED, ids=ids(LOCATED))
def test_located_line_is_where_the_program_leaves_a_correct_one(
    program: LearnerProgram, reference: Reference
) -> None:
    """Restoring the correct program's lines (not a repair by the rules) makes it pass, and the
    first line that needs restoring is ``line``."""
    restored = RESTORED[program.name]
    passed, report = reference.judge(program, restored)
    assert passed, f"the correct form of {program.name} fails:\n{report}"
    touched, _ = changed_lines(program.source, restored)
    assert min(touched) == program.line, f"differs at {sorted(touched)}, line {program.line}"


@pytest.mark.parametrize(
    "program", [p for p in PASSING if p.exercise == "propagate"], ids=lambda p: p.name
)
def test_correct_programs_give_the_course_check_values(program: LearnerProgram) -> None:
    """The assignment's printed values, independent of any oracle (8 decimals)."""
    p = lecture_problem()
    grads, cost = load(program, program.source)(p.w.copy(), p.b, p.X.copy(), p.Y.copy())
    np.testing.assert_allclose(grads["dw"], COURSE_DW, rtol=0, atol=LECTURE_ATOL)
    np.testing.assert_allclose(grads["db"], COURSE_DB, rtol=0, atol=LECTURE_ATOL)
    np.testing.assert_allclose(cost, COURSE_COST, rtol=0, atol=LECTURE_ATOL)


def test_untransposed_dot_runs_only_for_one_example(reference: Reference) -> None:
    """np.dot(Y, np.log(A)): (1, m) by (1, m) raises unless m = 1, where it is right."""
    calls = reference.calls(BY_NAME["cost_dot_y_log_a_untransposed"])
    raised = {c.problem.m: bool(c.exception) for c in calls}
    assert raised.pop(1) is False
    assert raised and all(raised.values()), raised
    one = next(c for c in calls if c.problem.m == 1)
    good = reference.calls(BY_NAME["course_reference"])
    good_one = next(c for c in good if c.problem.m == 1)
    np.testing.assert_allclose(one.outputs.cost, good_one.outputs.cost, rtol=1e-12)


def test_the_in_place_update_changes_only_w(reference: Reference) -> None:
    """w -= learning_rate * dw returns the right values but modifies the caller's w."""
    calls = reference.calls(BY_NAME["w_updated_in_place_inside_propagate"])
    assert all(c.modified == ["w"] for c in calls)
    assert all(not c.exception for c in calls)


def test_the_reference_holds_to_the_course_contract(reference: Reference) -> None:
    """(dw, db), which the checker accepts, is not the course's (grads, cost)."""
    pair = BY_NAME["course_reference"].source.replace("return grads, cost", "return dw, db")
    passed, why = reference.judge(BY_NAME["course_reference"], pair)
    assert not passed, why


def test_changed_lines_counts_edits_and_places() -> None:
    source = "a\nb\nc\nd\ne"
    assert changed_lines(source, "a\nB\nC\nd\ne") == ({2, 3}, 2)  # two lines replaced
    assert changed_lines(source, "a\nb\nd\ne") == ({3}, 1)  # one deleted
    assert changed_lines(source, "a\nb\nc\nd\ne") == (set(), 0)


# --- scores and outcome never disagree ------------------------------------------------------------

PROPAGATE = tuple(p for p in PROGRAMS if p.exercise == "propagate")


@pytest.mark.parametrize("program", PROPAGATE, ids=ids(PROPAGATE))
def test_the_score_is_the_maximum_exactly_when_the_outcome_is_pass(
    program: LearnerProgram, reference: Reference
) -> None:
    """The grader's score of each program, as the grader reaches its outcome: the full score
    if and only if the outcome is pass (never 3.0/3.0 with a fail, nor a pass below it)."""
    from types import SimpleNamespace

    from autograd_lr.grading.grader import DEFAULT_POINTS, Graded, _require_cost

    calls = reference.calls(program)
    _require_cost(calls)  # the grader's own contract: (grads, cost)
    report = reference.prepared.report(calls, function=program.exercise)
    outcome = "pass" if report.passed else "fail"
    grader = SimpleNamespace(points=dict(DEFAULT_POINTS), exercise=None)
    full = sum(DEFAULT_POINTS.values())
    for shown in (outcome, "timeout", "crash"):
        graded = Graded(program.exercise, "submission.py", shown, grader, report)  # type: ignore[arg-type]
        assert (sum(graded.scores().values()) == full) == (shown == "pass"), (shown, str(report))
    assert outcome == ("pass" if program.verdict == "pass" else "fail")


# --- the engine on the mistakes inside the learner's own sigmoid -----------------------------------

# far above what the three-mistake program needs (1.9 CPU s measured): a busy test machine
# must not turn its repair into "ran out of time"
HELPER_BUDGET = 10.0
IN_HELPER = tuple(p for p in REPAIRED if p.exercise == "propagate" and p.line == S_RETURN)


def _propagate_of(program: LearnerProgram) -> Any:
    """The program's ``propagate``, loaded as from a file: its source findable by inspect."""
    filename = f"<catalogue {program.name}>"
    linecache.cache[filename] = (
        len(program.source),
        None,
        program.source.splitlines(True),
        filename,
    )
    namespace: dict[str, Any] = {"__name__": f"learner_{program.name}"}
    exec(compile(program.source, filename, "exec"), namespace)
    return namespace["propagate"]


def test_the_catalogue_has_repairs_inside_the_learners_sigmoid() -> None:
    assert len(IN_HELPER) >= 5, ids(IN_HELPER)


@pytest.mark.parametrize("program", IN_HELPER, ids=ids(IN_HELPER))
def test_a_mistake_in_the_learners_sigmoid_is_repaired_at_its_line(program: LearnerProgram) -> None:
    """check_gradients of propagate traces into the module's own sigmoid: the first faulty
    line is the helper's, and the rules of the verified repair are the catalogue's."""
    report = check_gradients(_propagate_of(program), search_budget=HELPER_BUDGET)
    lead = report.diagnosis[0]
    assert lead.line == program.line, lead
    assert frozenset(lead.rules) == program.rules, lead
    assert f"line {program.line} of sigmoid" in lead.location


# --- the engine on the mistakes of the loops ------------------------------------------------------
# indexing by example, the features loop's index for the example's, an entry of a running sum
# assigned, a label not complemented, and a second mistake behind one that raises
LOOP_CASES = tuple(
    p
    for p in REPAIRED
    if p.name
    in {
        "column_loop_example_as_row",
        "column_loop_dw_example_as_row",
        "column_loop_label_flat_index",
        "loop_x_indices_swapped",
        "loop_label_by_feature_index",
        "loop_dw_entry_not_accumulated",
        "loop_label_not_complemented",
        "column_loop_example_as_row_twice",
        "column_loop_example_as_row_and_dz_sign",
        "loop_label_by_feature_index_and_range_from_1",
    }
)


def test_the_catalogue_has_the_loops_cases() -> None:
    assert len(LOOP_CASES) == 10, ids(LOOP_CASES)


@pytest.mark.parametrize("program", LOOP_CASES, ids=ids(LOOP_CASES))
def test_a_mistake_of_the_loops_is_repaired_at_its_line(program: LearnerProgram) -> None:
    """check_gradients names the catalogue's rules at its first faulty line (a cause is
    stated only with a repair that passes the check)."""
    report = check_gradients(_propagate_of(program), search_budget=HELPER_BUDGET)
    lead = report.diagnosis[0]
    assert not report.passed
    assert lead.line == program.line, lead
    assert frozenset(lead.rules) == program.rules, lead
